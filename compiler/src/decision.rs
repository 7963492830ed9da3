//! Decisions as the reference interpreter and the CLI report them.

use std::fmt;

use crate::ast::StatementRef;

pub use iamc_runtime::BuiltinRule;

/// The three outcomes of evaluation (E-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// Refused by an applicable `Deny` statement (E-3).
    ExplicitDeny,
    /// Refused because some required `Allow` is missing (E-4).
    ImplicitDeny,
}

impl Decision {
    /// The name used in JSON output and scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::ImplicitDeny => "implicit_deny",
        }
    }

    /// Parse the scenario-file name.
    pub fn from_name(s: &str) -> Option<Decision> {
        match s {
            "allow" => Some(Decision::Allow),
            "explicit_deny" => Some(Decision::ExplicitDeny),
            "implicit_deny" => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
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
