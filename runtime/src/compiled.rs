//! The compiled form of a policy set: the data the builder ([`crate::build`]) produces and the
//! evaluator ([`crate::eval`]) reads, and nothing else.
//!
//! Layout, chosen so a decision touches little memory:
//! - statements in one vector, sorted into the canonical order of DESIGN.md (identity,
//!   resource, boundary, session, SCP levels, RCP levels), every Deny before every Allow, so
//!   the first applicable Deny found is the deciding one and evaluation can stop there; a
//!   statement's index there is its [`StmtId`];
//! - an [`ActionIndex`] that maps a request's action to its candidate statements at once (see
//!   [`crate::action_index`]);
//! - condition keys interned to dense ids; a request's context is resolved into a slot per id
//!   once per decision;
//! - every policy value parsed into its type at build time (numbers, instants, CIDRs, bytes,
//!   globs, lower-cased strings).
//!
//! Invariants the builder establishes and the evaluator relies on (an evaluator that found
//! one broken fails closed, it never skips a statement): every [`StmtId`] in the action
//! index is below `stmts.len()`; every key id in a statement is below `key_names.len()`; the
//! per-key tables (`key_names`, `unicode_keys`, `multivalued`) have one entry per key.

use rustc_hash::FxHashMap as FxMap;

use crate::action_index::ActionIndex;
use crate::decision::PolicyKind;
use crate::fold::LengthRange;
use crate::glob::Glob;
use crate::ids::StmtId;
use crate::ir::{KeyId, OpKind, SetOp};
use crate::like::LikeSet;
pub(crate) use crate::pattern::{MidTok, Middle, Part, Pattern, Piece, Split};
use crate::value::{Cidr, DecimalBuf, LowerName};

/// An exact-compare string value: static or with variables.
#[derive(Clone, Debug)]
pub(crate) enum StrVal {
    Static(Box<str>),
    Template(Box<[Part]>),
}

/// An ARN-operator value: six field globs, or `None` when it has fewer than six fields (C-14).
#[derive(Clone, Debug)]
pub(crate) enum ArnVal {
    Static(Option<Box<[Glob; 6]>>),
    Template(Box<[Part]>),
}

/// Pre-typed policy values of one condition.
#[derive(Clone, Debug)]
pub(crate) enum Values {
    Str(Box<[StrVal]>),
    /// IgnoreCase: static values are stored lower-cased.
    StrCi(Box<[StrVal]>),
    /// `StringLike`: the values, with one automaton over their `*literal*` ones.
    Like(LikeSet),
    /// Numbers parsed at build time (C-9), so evaluation parses only the request's value.
    Num(Box<[DecimalBuf]>),
    Date(Box<[i128]>),
    Bool(Box<[bool]>),
    Binary(Box<[Box<[u8]>]>),
    Ip(Box<[Cidr]>),
    Arn(Box<[ArnVal]>),
    Null(Box<[bool]>),
}

/// One compiled condition.
#[derive(Clone, Debug)]
pub(crate) struct Cond {
    pub key: KeyId,
    pub set: Option<SetOp>,
    pub op: OpKind,
    pub negated: bool,
    pub if_exists: bool,
    pub values: Values,
}

/// A compiled principal part.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub negated: bool,
    pub wildcard: bool,
    pub entries: Box<[Box<str>]>,
}

/// One compiled statement.
#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub allow: bool,
    pub kind: PolicyKind,
    pub level: u32,
    pub policy: u32,
    pub index: u32,
    pub principal: Option<Principal>,
    pub not_resource: bool,
    pub resources: Box<[Pattern]>,
    pub conds: Box<[Cond]>,
    /// `Resource: "*"` and no conditions: applies to every request its action selects
    /// (`Allow * on *` SCPs, blanket boundaries, unconditional Denies), decided without a call.
    pub always: bool,
    /// G-21: the rule an opaque statement breaks; it applies at most "unknown" (E-21). An
    /// opaque statement of unknown effect is built twice, as a Deny and as an Allow.
    pub opaque: Option<Box<str>>,
}
/// Metadata of one policy, for reports.
#[derive(Clone, Debug)]
pub struct PolicyInfo {
    /// Kind.
    pub kind: PolicyKind,
    /// SCP/RCP level.
    pub level: u32,
    /// Index within kind and level.
    pub index: u32,
    /// Name for reports.
    pub name: String,
    /// Sids by statement index.
    pub sids: Vec<Option<String>>,
}

/// A compiled policy set, behind the `Arc` of [`crate::PolicySet`].
pub(crate) struct Inner {
    /// Unique to this build in this process, never 0 ([`crate::InternedKey`]).
    pub stamp: u64,
    /// Denies first, then Allows, each in canonical order (see `build`).
    pub stmts: Vec<Stmt>,
    /// Id of the first Allow statement: candidates below it are Denies.
    pub first_allow: StmtId,
    pub actions: ActionIndex,
    pub keys: FxMap<Box<str>, KeyId>,
    /// Folded key names by id, prepared for comparing request names (`eval::NamedCtx`).
    pub key_names: Vec<LowerName>,
    /// Per key: the byte lengths a non-ASCII context name that folds to it can have, an
    /// empty range when none can (see [`non_ascii_lengths`] and `eval::NamedCtx::scan`).
    pub unicode_keys: Vec<LengthRange>,
    pub multivalued: Vec<bool>,
    pub principal_arn_key: KeyId,
    pub scp_levels: u32,
    pub rcp_levels: u32,
    pub has_boundary: bool,
    pub has_session: bool,
    pub management_account: Option<Box<str>>,
    /// E-10: the lower-case service prefixes RCPs apply to.
    pub rcp_services: Box<[Box<str>]>,
    /// Some statement is opaque (G-21): every decision takes the three-valued path (E-21).
    pub has_opaque: bool,
    pub policies: Vec<PolicyInfo>,
    /// The encoded IR and build info, for writing the set as an artifact (`artifact.rs`).
    pub source: crate::artifact::Source,
}

impl Inner {
    /// The statement `id` names; `None` only if the builder's invariant (every id in the
    /// action index is below `stmts.len()`) is broken, which the evaluator meets by failing
    /// closed.
    #[inline(always)]
    pub(crate) fn stmt(&self, id: StmtId) -> Option<&Stmt> {
        self.stmts.get(id.index())
    }
}
