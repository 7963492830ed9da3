//! Decisions as the reference interpreter and the CLI report them.

use crate::ast::StatementRef;

pub use iamc_runtime::BuiltinRule;

/// The decision and the set of possible outcomes: one definition, the runtime's (E-1, E-21).
pub use iamc_runtime::{Decision, Possible};

/// What an indeterminate decision depends on (E-21): the unknown context keys (as the request
/// spells them) and the resource that some statement of unknown applicability reads, and the
/// opaque statements among those, with the rule each breaks. Both engines compute it the same
/// way (DESIGN.md, "Unknown facts"); it is empty for a determinate decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DependsOn {
    /// Unknown context keys, sorted, in the request's spelling.
    pub keys: Vec<String>,
    /// The unknown resource is read.
    pub resource: bool,
    /// Opaque statements, in canonical order, with the rule of their first violation.
    pub opaque: Vec<(StatementRef, String)>,
}

/// What decided: a statement of the set, or a built-in rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deciding {
    /// A statement of the set.
    Statement(StatementRef),
    /// A rule of the evaluation logic itself (E-20).
    Rule(BuiltinRule),
}

impl Deciding {
    /// The statement, when a statement decided.
    pub fn statement(self) -> Option<StatementRef> {
        match self {
            Deciding::Statement(s) => Some(s),
            Deciding::Rule(_) => None,
        }
    }
}

/// A decision and what decided it (see DESIGN.md, "The deciding statement").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The deciding statement: the first applicable Deny for `ExplicitDeny`, the granting
    /// Allow for `Allow` (or the built-in rule E-20), `None` for `ImplicitDeny`.
    pub deciding: Option<Deciding>,
}

impl Outcome {
    /// The deciding statement, when a statement decided.
    pub fn statement(&self) -> Option<StatementRef> {
        self.deciding.and_then(Deciding::statement)
    }
}
