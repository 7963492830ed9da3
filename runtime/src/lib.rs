//! iamc-runtime: evaluate compiled AWS IAM policy sets, fast and without allocating.
//!
//! This crate holds the compiled form that `iamc-compiler` produces and the evaluator that
//! decides requests against it. It depends on no JSON parser and no regex compiler, so an
//! authorizer can link it lean: glob DFAs are built by the compiler and only deserialised
//! and walked here (`regex-automata` with `dfa-search` only; see [`automaton`]).
//!
//! ```text
//! compiler ──► ir::PolicySetIr ──► PolicySet::new ──► PolicySet (immutable, Arc inside)
//!                                                       │
//!                 Request<'_> (borrowed strings) ──► evaluate(&mut Scratch, &Request) ──► Outcome
//! ```
//!
//! # No allocation
//! [`PolicySet::evaluate`] takes a caller-owned [`Scratch`] (one per thread, from
//! [`PolicySet::create_scratch`]). Its buffers grow during the first few calls and are reused
//! afterwards, so a warm evaluation allocates nothing; a test in `tests/` proves it with a
//! counting global allocator.
//!
//! # Batches
//! [`PolicySet::evaluate_batch`] decides a slice of requests into a slice of outcomes; with the
//! `rayon` feature, [`PolicySet::par_evaluate_batch`] does it on all cores.
//!
//! # Artifacts
//! [`PolicySet::to_bytes`] writes a set as a versioned, checksummed binary artifact and
//! [`PolicySet::from_bytes`] loads one, checking every byte; see [`artifact`].
//!
//! # Untrusted input
//! Request strings may be anything: nothing here panics or loops without bound on any input.
//! Glob matching is O(text × pattern) in the worst case (see [`glob`]).

pub mod artifact;
pub mod automaton;
mod batch;
pub mod decision;
mod eval;
pub mod glob;
pub mod ir;
mod policy_set;
pub mod request;
#[cfg(test)]
mod test_rng;
pub mod value;

pub use artifact::{BuildInfo, LoadError, LoadOptions};
pub use decision::{BuiltinRule, Deciding, Decision, Outcome, PolicyKind, Possible, StatementRef};
pub use eval::Scratch;
pub use policy_set::{
    action_patterns, action_patterns_min, fold_key, general_globs, BuildError, PolicyInfo,
    PolicySet, Stats,
};
pub use request::{InternedRequest, Request, Value};
