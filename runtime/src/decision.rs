//! Decisions and the statement that made them.

use core::fmt;

/// The kind of a policy (mirrors the compiler's AST kind; the runtime does not depend on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// Identity-based policy.
    Identity,
    /// Resource-based policy.
    Resource,
    /// Permissions boundary.
    Boundary,
    /// Session policy.
    Session,
    /// Service control policy.
    Scp,
    /// Resource control policy.
    Rcp,
}

impl PolicyKind {
    /// The name used in JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Boundary => "boundary",
            PolicyKind::Session => "session",
            PolicyKind::Scp => "scp",
            PolicyKind::Rcp => "rcp",
        }
    }
}

/// The three outcomes (E-1). `Copy`, so returning it costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// An applicable Deny (E-3).
    ExplicitDeny,
    /// No applicable Deny, but a required Allow is missing (E-4).
    ImplicitDeny,
}

impl Decision {
    /// `allow`, `explicit_deny` or `implicit_deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::ImplicitDeny => "implicit_deny",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names one statement of the compiled set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StatementRef {
    /// The policy kind.
    pub kind: PolicyKind,
    /// SCP/RCP level, else 0.
    pub level: u32,
    /// Index of the policy within its kind (and level).
    pub policy: u32,
    /// Index of the statement within its policy.
    pub statement: u32,
}

/// A rule of the evaluation logic that decides a request without any statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinRule {
    /// E-20: `sts:GetCallerIdentity` needs no permission; it is allowed whatever the policies
    /// say.
    GetCallerIdentity,
}

impl BuiltinRule {
    /// The spec rule id (`E-20`).
    pub fn id(self) -> &'static str {
        match self {
            BuiltinRule::GetCallerIdentity => "E-20",
        }
    }

    /// A short description for people.
    pub fn describe(self) -> &'static str {
        match self {
            BuiltinRule::GetCallerIdentity => "sts:GetCallerIdentity needs no permission",
        }
    }
}

/// What decided: a statement of the set, or a built-in rule (DESIGN.md, "The deciding
/// statement").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Deciding {
    /// A statement of the compiled set.
    Statement(StatementRef),
    /// A rule of the evaluation logic itself.
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

/// A decision with what decided it (DESIGN.md, "The deciding statement").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The deciding statement or rule; `None` for an implicit deny.
    pub deciding: Option<Deciding>,
}

impl Outcome {
    /// The deciding statement, when a statement decided.
    pub fn statement(&self) -> Option<StatementRef> {
        self.deciding.and_then(Deciding::statement)
    }
}
