//! Decisions as the reference interpreter and the CLI report them.

use std::fmt;

use crate::ast::StatementRef;

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

/// A decision and the statement that decided it (see DESIGN.md, "The deciding statement").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The deciding statement: the first applicable Deny for `ExplicitDeny`, the granting
    /// Allow for `Allow`, `None` for `ImplicitDeny`.
    pub deciding: Option<StatementRef>,
}
