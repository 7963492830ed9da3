//! iamc-runtime: evaluate compiled AWS IAM policy sets, fast and without allocating.
//!
//! This crate holds the compiled form that `iamc-compiler` produces and the evaluator that
//! decides requests against it. It depends on no JSON parser and no regex compiler, so an
//! authorizer can link it lean: glob DFAs are built by the compiler and only deserialised
//! and walked here (`regex-automata` with `dfa-search` only).
//!
//! ```text
//! compiler ──► ir::PolicySetIr ──► PolicySet::new ──► PolicySet (immutable, Arc inside)
//!                                                       │
//!                 Request<'_> (borrowed strings) ──► evaluate(&mut Scratch, &Request) ──► Outcome
//! ```
//!
//! # Example
//! Load an artifact (written by `iamc compile -o set.iamc`, or by `iamc_compiler::Compiler`
//! and [`PolicySet::to_bytes`]) and decide a request. The hidden lines build a one-statement
//! artifact from [`ir`] so the example runs without the compiler.
//! ```
//! use iamc_runtime::{Context, Decision, PolicySet, Request};
//! # use iamc_runtime::ir::{PolicyIr, PolicySetIr, StatementIr, TemplateIr, TemplatePartIr};
//! # let statement = StatementIr { index: 0, sid: None, allow: true, principal: None,
//! #     not_action: false, actions: vec!["s3:Get*".into()], not_resource: false,
//! #     resources: vec![TemplateIr { parts: vec![TemplatePartIr::Text("*".into())] }],
//! #     conditions: vec![], opaque: None };
//! # let policy = PolicyIr { kind: iamc_runtime::PolicyKind::Identity, level: 0, index: 0,
//! #     name: "read.json".into(), statements: vec![statement] };
//! # let ir = PolicySetIr { policies: vec![policy], ..PolicySetIr::default() };
//! # let bytes = PolicySet::new(&ir)?.to_bytes();
//! let set = PolicySet::from_bytes(&bytes)?; // a LoadError for a damaged artifact
//! let mut scratch = set.create_scratch(); // one per thread; reused, so no allocation
//! let req = Request {
//!     principal: "arn:aws:iam::111122223333:user/alice",
//!     action: "s3:GetObject",
//!     resource: "arn:aws:s3:::bucket/key",
//!     resource_account: None,
//!     context: Context::EMPTY,
//! };
//! assert_eq!(set.evaluate(&mut scratch, &req).decision, Decision::Allow);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What an authorizer uses
//! The crate root: [`PolicySet`] (every public method is in `policy_set.rs`), [`Request`] /
//! [`InternedRequest`] / [`Value`], [`Scratch`], [`Outcome`] / [`Decision`] / [`Deciding`] /
//! [`StatementRef`], artifact loading and writing ([`PolicySet::from_bytes`],
//! [`PolicySet::to_bytes`], [`LoadError`], [`LoadOptions`], [`BuildInfo`]; the file format in
//! [`artifact`]) and [`Stats`]. [`ir`] is the plain-data form the compiler produces.
//! `compiler_support` (hidden) holds what only the compiler, tests and benches need; it is no
//! stable interface.
//!
//! # Inside
//! Built by job, in the reference interpreter's vocabulary: `build/` turns IR into the
//! `compiled` form (templates, values, action index, automata, stats); `eval/` decides
//! (context, principal, template, condition, combine); `action_index` is shared by both;
//! `fold` is the one place for case folding; `glob`, `automaton`, `value` are the leaves.
//!
//! # No allocation
//! [`PolicySet::evaluate`] takes a caller-owned [`Scratch`] (one per thread, from
//! [`PolicySet::create_scratch`]). Its buffers grow during the first few calls and are reused
//! afterwards, so a warm evaluation allocates nothing; a test in `tests/` proves it with a
//! counting global allocator.
//!
//! # Batches
//! [`PolicySet::evaluate_batch`] decides a slice of requests into a slice of outcomes; with the
//! `rayon` feature, `PolicySet::par_evaluate_batch` does it on all cores.
//!
//! # Untrusted input
//! Request strings may be anything: nothing here panics or loops without bound on any input
//! (indexing that could panic is denied by lint; each remaining index says why it is in
//! range). Glob matching is linear in the text for globs whose `*`-separated segments are
//! literal, whatever the pattern; a segment holding a `?` costs up to O(text × ⌈segment/64⌉)
//! in a static glob (bit-parallel), O(text × segment) in a template assembled at request time
//! (`docs/limits.md` has the worst case per decision).
//!
//! # Artifacts: integrity is not authenticity
//! An artifact's CRC32C catches accidents only: whoever can write the file can recompute it.
//! Pin the SHA-256 of the file you mean to load ([`LoadOptions::expected_sha256`],
//! [`PolicySet::from_bytes_pinned`]; `iamc inspect` prints it) and deliver the pin apart
//! from the file. A pin does not protect against an attacker who can change the pin too, an
//! older artifact replayed with its own pin, or a policy mistake that was pinned
//! (docs/artifacts.md).
//!
//! # Malformed requests
//! A context that names a key twice, in any spelling (C-2), is malformed (K-2): [`Context::new`]
//! refuses it ([`RequestError`]), so no [`Request`] holds one, and
//! [`PolicySet::intern_context`] refuses interned keys of another set or given twice. The
//! check is made once when the context is built, not on every decision. A caller converting
//! its own requests decides a refused one [`Outcome::MALFORMED`] (an explicit deny by
//! [`BuiltinRule::MalformedRequest`]), as the reference interpreter does.
//!
//! # Failing closed
//! The builder checks the IR it is given and establishes the compiled form's invariants
//! (`compiled.rs`); should the evaluator meet a broken one all the same, it denies: it never
//! skips a statement.

#![forbid(unsafe_code)]
#![deny(clippy::indexing_slicing, clippy::expect_used)]

mod action_index;
pub mod artifact;
mod automaton;
mod build;
mod compiled;
mod decision;
mod error;
mod eval;
mod fold;
mod glob;
mod ids;
pub mod ir;
mod like;
mod pattern;
mod policy_set;
mod request;
mod shift_and;
#[cfg(test)]
mod test_rng;
mod tok;
mod tokens;
mod value;

pub use artifact::{BuildInfo, LoadError, LoadOptions};
pub use build::stats::Stats;
pub use compiled::PolicyInfo;
pub use decision::{BuiltinRule, Deciding, Decision, Outcome, PolicyKind, Possible, StatementRef};
pub use error::BuildError;
pub use eval::{DependsOn, Scratch, Unknown};
pub use ir::KeyId;
pub use policy_set::PolicySet;
pub use request::{
    Context, InternedContext, InternedKey, InternedRequest, Request, RequestError, Value,
};

/// What only the compiler, the tests and the benches need of the runtime: the glob and
/// automaton machinery the compiler builds DFAs with, the walks that tell it which globs and
/// action patterns to build them for, the key fold it interns with, and the value parsers it
/// checks policy values with. Not part of the authorizer's interface; it may change with any
/// release.
#[doc(hidden)]
pub mod compiler_support {
    pub use crate::build::actions::{action_patterns, action_patterns_min};
    pub use crate::build::template::general_globs;
    pub use crate::fold::fold_key;

    /// Globs (A-3, R-3, C-8) as the runtime matches them.
    pub mod glob {
        pub use crate::glob::Glob;
        pub use crate::shift_and::{QuestSearch, QuestSegment};
        pub use crate::tokens::{match_tokens, Tok, TokenBuf};
    }

    /// Pre-compiled glob and action DFAs as the runtime loads them.
    pub mod automaton {
        pub use crate::automaton::{
            automaton_key, automaton_key_into, split_general, GlobDfa, MultiDfa, MAX_AUTOMATA,
        };
    }

    /// Typed readings of condition values.
    pub mod value {
        pub use crate::value::{
            arn_account, base64_decode, base64_decoded_len, base64_eq, parse_bool, parse_date,
            parse_ip, split_arn, Cidr, Decimal, DecimalBuf,
        };
    }
}
