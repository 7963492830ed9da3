//! The plain-data intermediate form a compiler hands to the runtime.
//!
//! The compiler lowers its AST into these types (interning condition keys to [`KeyId`]s and
//! splitting strings into template parts); [`crate::PolicySet::new`] then builds the indexes
//! and matchers from them. Keeping the hand-over as plain data means the runtime never needs
//! the parser, and the same data is what a serialised artifact holds.

use crate::decision::PolicyKind;

/// An interned condition-key id: an index into [`PolicySetIr::keys`].
pub type KeyId = u32;

/// A whole policy set, in any order; the runtime sorts statements into canonical order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicySetIr {
    /// The policies.
    pub policies: Vec<PolicyIr>,
    /// Condition keys used anywhere (conditions and variables), by id.
    pub keys: Vec<KeyIr>,
    /// Number of SCP levels (levels without policies count: they allow nothing).
    pub scp_levels: u32,
    /// Number of RCP levels.
    pub rcp_levels: u32,
    /// The organization's management account, if stated (E-10, E-12).
    pub management_account: Option<String>,
    /// Pre-compiled DFAs of general-shape static globs, by glob (see [`crate::automaton`]).
    /// Optional: a general glob without an entry is matched by the linear matcher.
    pub automata: Vec<AutomatonIr>,
    /// Pre-compiled multi-pattern DFAs of services' wildcard action names. Optional: a
    /// service without one scans its patterns one by one.
    pub action_automata: Vec<ActionAutomatonIr>,
}

/// A serialised multi-pattern DFA over one service's wildcard action names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionAutomatonIr {
    /// The lower-cased service prefix.
    pub service: String,
    /// Its distinct lower-cased wildcard name patterns, sorted: pattern `i` of the DFA is
    /// `patterns[i]` (as [`crate::automaton`]'s `action_patterns` lists them).
    pub patterns: Vec<String>,
    /// `regex_automata::dfa::dense::DFA::to_bytes_little_endian`, without leading padding.
    pub dfa: Vec<u8>,
}

/// A serialised glob DFA.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomatonIr {
    /// The glob it recognises, as [`crate::automaton::automaton_key`] writes it.
    pub glob: String,
    /// `regex_automata::dfa::dense::DFA::to_bytes_little_endian`, without leading padding.
    pub dfa: Vec<u8>,
}

/// A condition key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyIr {
    /// The key name, lower-cased (C-2).
    pub name: String,
    /// AWS documents the key as multivalued (C-24).
    pub multivalued: bool,
}

/// One policy.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyIr {
    /// Its kind.
    pub kind: PolicyKind,
    /// SCP/RCP level (root = 0), else 0.
    pub level: u32,
    /// Index within its kind (and level).
    pub index: u32,
    /// A name for reports (source file or scenario path).
    pub name: String,
    /// Its statements in document order.
    pub statements: Vec<StatementIr>,
}

/// One statement.
#[derive(Clone, Debug, PartialEq)]
pub struct StatementIr {
    /// Index in its policy.
    pub index: u32,
    /// The Sid, if any.
    pub sid: Option<String>,
    /// `true` for Allow, `false` for Deny.
    pub allow: bool,
    /// Principal part (resource policies and RCPs).
    pub principal: Option<PrincipalIr>,
    /// `NotAction` when true.
    pub not_action: bool,
    /// Action patterns as written.
    pub actions: Vec<String>,
    /// `NotResource` when true.
    pub not_resource: bool,
    /// Resource patterns.
    pub resources: Vec<TemplateIr>,
    /// Conditions (all must hold).
    pub conditions: Vec<ConditionIr>,
}

/// `Principal` / `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalIr {
    /// `NotPrincipal` when true.
    pub negated: bool,
    /// `"*"` or `{"AWS": "*"}`.
    pub wildcard: bool,
    /// Listed principals (account IDs already normalised to root ARNs).
    pub entries: Vec<String>,
}

/// A string with wildcards, literal text and variables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TemplateIr {
    /// The parts in order.
    pub parts: Vec<TemplatePartIr>,
}

/// A part of a [`TemplateIr`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplatePartIr {
    /// Text whose `*`/`?` are wildcards in glob contexts.
    Text(String),
    /// Literal text (`${*}` and friends).
    Literal(String),
    /// A policy variable.
    Variable {
        /// The key.
        key: KeyId,
        /// The default, if written.
        default: Option<String>,
    },
}

/// Set qualifier of a condition operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetOp {
    /// `ForAllValues:`
    ForAllValues,
    /// `ForAnyValue:`
    ForAnyValue,
}

/// The positive operator families; negation is a flag (C-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `StringEquals` / `StringNotEquals`.
    StringEquals,
    /// `StringEqualsIgnoreCase` / `StringNotEqualsIgnoreCase`.
    StringEqualsIgnoreCase,
    /// `StringLike` / `StringNotLike`.
    StringLike,
    /// `NumericEquals` / `NumericNotEquals`.
    NumericEquals,
    /// `NumericLessThan`.
    NumericLessThan,
    /// `NumericLessThanEquals`.
    NumericLessThanEquals,
    /// `NumericGreaterThan`.
    NumericGreaterThan,
    /// `NumericGreaterThanEquals`.
    NumericGreaterThanEquals,
    /// `DateEquals` / `DateNotEquals`.
    DateEquals,
    /// `DateLessThan`.
    DateLessThan,
    /// `DateLessThanEquals`.
    DateLessThanEquals,
    /// `DateGreaterThan`.
    DateGreaterThan,
    /// `DateGreaterThanEquals`.
    DateGreaterThanEquals,
    /// `Bool`.
    Bool,
    /// `BinaryEquals`.
    Binary,
    /// `IpAddress` / `NotIpAddress`.
    Ip,
    /// `ArnEquals`/`ArnLike` and their negations.
    Arn,
    /// `Null`.
    Null,
}

/// One (operator, key, values) entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionIr {
    /// The key.
    pub key: KeyId,
    /// Set qualifier.
    pub set: Option<SetOp>,
    /// Operator family.
    pub op: OpKind,
    /// Negated operator (`StringNotEquals`, `NotIpAddress`, …).
    pub negated: bool,
    /// `IfExists` suffix.
    pub if_exists: bool,
    /// The policy values.
    pub values: Vec<TemplateIr>,
}
