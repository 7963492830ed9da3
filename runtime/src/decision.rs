//! Decisions and the statement that made them.

use core::fmt;

/// Which kind of policy a document is; it decides which elements are allowed (G-11) and how the
/// policy takes part in evaluation (group E). The one definition: the compiler's AST, the
/// reference interpreter and the CLI use this type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// Identity-based policy attached to the principal (user, group, role).
    Identity,
    /// Resource-based policy attached to the resource (bucket policy, key policy, trust policy).
    Resource,
    /// Permissions boundary of the principal.
    Boundary,
    /// Session policy passed when the session was created.
    Session,
    /// Service control policy (AWS Organizations).
    Scp,
    /// Resource control policy (AWS Organizations).
    Rcp,
}

impl PolicyKind {
    /// Every kind, in the canonical order used to pick the deciding statement.
    pub const ALL: [PolicyKind; 6] = [
        PolicyKind::Identity,
        PolicyKind::Resource,
        PolicyKind::Boundary,
        PolicyKind::Session,
        PolicyKind::Scp,
        PolicyKind::Rcp,
    ];

    /// Whether statements of this kind carry a `Principal`/`NotPrincipal` (G-11).
    pub fn has_principal(self) -> bool {
        matches!(self, PolicyKind::Resource | PolicyKind::Rcp)
    }

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

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The set of outcomes an indeterminate decision may have (E-21): a bit set over `allow`,
/// `explicit_deny`, `implicit_deny`, always with at least two members.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Possible(u8);

impl Possible {
    /// `allow` is possible.
    pub const ALLOW: Possible = Possible(1);
    /// `explicit_deny` is possible.
    pub const EXPLICIT_DENY: Possible = Possible(2);
    /// `implicit_deny` is possible.
    pub const IMPLICIT_DENY: Possible = Possible(4);

    /// The union of two sets.
    pub const fn union(self, other: Possible) -> Possible {
        Possible(self.0 | other.0)
    }

    /// Whether every member of `other` is in `self`.
    pub const fn contains(self, other: Possible) -> bool {
        self.0 & other.0 == other.0
    }

    /// The number of outcomes in the set.
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The outcome names in sorted order (`allow`, `explicit_deny`, `implicit_deny`).
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        [
            (Possible::ALLOW, "allow"),
            (Possible::EXPLICIT_DENY, "explicit_deny"),
            (Possible::IMPLICIT_DENY, "implicit_deny"),
        ]
        .into_iter()
        .filter(move |(p, _)| self.contains(*p))
        .map(|(_, n)| n)
    }

    /// The set named by one outcome name; `None` for another word.
    pub fn from_name(name: &str) -> Option<Possible> {
        match name {
            "allow" => Some(Possible::ALLOW),
            "explicit_deny" => Some(Possible::EXPLICIT_DENY),
            "implicit_deny" => Some(Possible::IMPLICIT_DENY),
            _ => None,
        }
    }

    /// The decision of this set: the one outcome it holds, or `Indeterminate` for several
    /// (E-21). An empty set is a bug of the caller and decides `explicit_deny`, failing closed.
    pub fn decision(self) -> Decision {
        match self {
            Possible::ALLOW => Decision::Allow,
            Possible::IMPLICIT_DENY => Decision::ImplicitDeny,
            p if p.len() >= 2 => Decision::Indeterminate(p),
            _ => Decision::ExplicitDeny,
        }
    }
}

/// The outcomes of a decision (E-1), and `Indeterminate` when it depends on facts iamc does
/// not have (E-21). `Copy`, so returning it costs nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Allowed.
    Allow,
    /// An applicable Deny (E-3).
    ExplicitDeny,
    /// No applicable Deny, but a required Allow is missing (E-4).
    ImplicitDeny,
    /// Several outcomes are possible, depending on unknown facts (E-21). Never counted as
    /// allowed or denied.
    Indeterminate(Possible),
}

impl Decision {
    /// `allow`, `explicit_deny`, `implicit_deny` or `indeterminate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::ExplicitDeny => "explicit_deny",
            Decision::ImplicitDeny => "implicit_deny",
            Decision::Indeterminate(_) => "indeterminate",
        }
    }

    /// Parse a determinate decision's name (scenario files, JSON lines); `indeterminate` needs
    /// its possible set and is read by the caller.
    pub fn from_name(s: &str) -> Option<Decision> {
        match s {
            "allow" => Some(Decision::Allow),
            "explicit_deny" => Some(Decision::ExplicitDeny),
            "implicit_deny" => Some(Decision::ImplicitDeny),
            _ => None,
        }
    }

    /// The outcomes this decision may have: one for a determinate decision.
    pub fn possible(self) -> Possible {
        match self {
            Decision::Allow => Possible::ALLOW,
            Decision::ExplicitDeny => Possible::EXPLICIT_DENY,
            Decision::ImplicitDeny => Possible::IMPLICIT_DENY,
            Decision::Indeterminate(p) => p,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Names one statement of a policy set: the same indices in the compiled set and in the
/// compiler's AST (ordered as the canonical order of statements).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// E-20: the one action that needs no permission (compared without regard to ASCII case).
pub(crate) const GET_CALLER_IDENTITY: &str = "sts:GetCallerIdentity";

/// A rule of the evaluation logic that decides a request without any statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinRule {
    /// E-20: `sts:GetCallerIdentity` needs no permission; it is allowed whatever the policies
    /// say.
    GetCallerIdentity,
    /// K-2: the request is malformed — its context names a key twice (in any spelling, C-2),
    /// or holds a key interned by another policy set. It is never allowed: callers that
    /// convert their own requests ([`crate::Context::new`] refused the context) decide it
    /// [`Outcome::MALFORMED`], and so does a decision given an interned context of another set.
    MalformedRequest,
}

impl BuiltinRule {
    /// The spec rule id (`E-20`).
    pub fn id(self) -> &'static str {
        match self {
            BuiltinRule::GetCallerIdentity => "E-20",
            BuiltinRule::MalformedRequest => "K-2",
        }
    }

    /// A short description for people.
    pub fn describe(self) -> &'static str {
        match self {
            BuiltinRule::GetCallerIdentity => "sts:GetCallerIdentity needs no permission",
            BuiltinRule::MalformedRequest => {
                "malformed request (a context key given twice, or a key of another set): denied"
            }
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
    /// A malformed request (K-2): an explicit deny by [`BuiltinRule::MalformedRequest`],
    /// whatever the policies say.
    pub const MALFORMED: Outcome = Outcome {
        decision: Decision::ExplicitDeny,
        deciding: Some(Deciding::Rule(BuiltinRule::MalformedRequest)),
    };

    /// The deciding statement, when a statement decided.
    pub fn statement(&self) -> Option<StatementRef> {
        self.deciding.and_then(Deciding::statement)
    }
}
