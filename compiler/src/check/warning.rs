//! The warnings the checks report: what each means, its code and severity, and how it prints.

use super::*;

/// A warning about one place in one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The input's name.
    pub source: Arc<str>,
    /// Where in the document.
    pub path: JsonPath,
    /// What may be wrong.
    pub kind: WarningKind,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.path, self.kind)
    }
}

/// What a warning is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// G-2: no `Version`; evaluated as 2008-10-17, so variables are literal text.
    MissingVersion,
    /// G-7: a Sid used twice in one policy.
    DuplicateSid(String),
    /// G-12: a wildcard inside a principal ARN is compared literally.
    WildcardInPrincipal(String),
    /// C-11: several values under `Bool`.
    MultipleBoolValues,
    /// V-6: a variable in `NotResource` excludes nothing when unresolved.
    VariableInNotResource,
    /// G-21: a statement that breaks a G rule, read leniently as an opaque statement (its
    /// decisions may come out indeterminate). The text lists the violations.
    OpaqueStatement(String),
    /// V-3: a variable in the region or account field of a resource ARN. AWS evaluates it
    /// (one of its managed policies does this), but documents variables in the resource part.
    VariableOutsideResourcePart(String),
    /// C-24: an operator without `ForAnyValue:`/`ForAllValues:` on a multivalued key is false
    /// whenever the key is present.
    PlainOperatorOnMultivaluedKey {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
    /// C-20, C-21, C-23: a set operator on a key that is known to be single-valued.
    SetOperatorOnSingleValuedKey {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
    /// an action whose service prefix the service reference does not know.
    UnknownService {
        /// The action pattern as written.
        action: String,
        /// A close known prefix.
        suggestion: Option<String>,
    },
    /// an action its service does not have.
    UnknownAction {
        /// The action as written.
        action: String,
        /// A close known action.
        suggestion: Option<String>,
    },
    /// a wildcard action pattern that matches no action of its service.
    ActionPatternMatchesNothing(String),
    /// K-10: a condition key the service reference does not know (global keys: K-4 … K-9).
    UnknownConditionKey {
        /// The key as written.
        key: String,
        /// A close known key.
        suggestion: Option<String>,
    },
    /// V-2: a policy variable under Version 2008-10-17 (or no Version) is literal text.
    LiteralVariable(String),
    /// C-3, C-5, K-10: an `IfExists` or negated operator on a service key that none of the
    /// statement's actions carries, so the condition is always true.
    KeyNeverPresent {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WarningKind::*;
        match self {
            MissingVersion => write!(
                f,
                "no Version: evaluated as 2008-10-17, where policy variables are literal text"
            ),
            DuplicateSid(s) => write!(f, "Sid {s:?} is used more than once"),
            WildcardInPrincipal(p) => write!(
                f,
                "wildcards in principal {p:?} are not wildcards: it is compared literally"
            ),
            MultipleBoolValues => write!(f, "several values under Bool"),
            VariableInNotResource => write!(
                f,
                "a variable in NotResource excludes nothing when its key is missing"
            ),
            OpaqueStatement(why) => write!(
                f,
                "opaque statement (read leniently, G-21; decisions it could change are \
                 indeterminate): {why}"
            ),
            VariableOutsideResourcePart(r) => write!(
                f,
                "a policy variable in the region or account field of {r:?}: AWS documents \
                 variables in the resource part only (V-3)"
            ),
            PlainOperatorOnMultivaluedKey { operator, key } => {
                write!(
                    f,
                    "{operator} on multivalued key {key:?} has no ForAnyValue:/ForAllValues: \
                     qualifier, so it is false whenever the key is present (C-24)"
                )?;
                let op = Operator::parse(operator);
                let absent_true = op
                    .as_ref()
                    .is_some_and(|o| o.if_exists || o.base.is_negated());
                let what = if key.eq_ignore_ascii_case("aws:TagKeys") {
                    ("without tags", "on tagged ones")
                } else {
                    ("without the key", "on one that carries it")
                };
                if absent_true {
                    write!(
                        f,
                        ": it fires on every request {} and never {}",
                        what.0, what.1
                    )
                } else {
                    write!(f, ": it never holds (an absent key is false too, C-3)")
                }
            }
            SetOperatorOnSingleValuedKey { operator, key } => {
                write!(f, "{operator} on single-valued key {key:?}")?;
                if operator.starts_with("ForAllValues:") {
                    write!(
                        f,
                        ": ForAllValues is true when the key is absent (C-20); use the plain operator"
                    )
                } else {
                    write!(
                        f,
                        ": a set operator is meant for multivalued keys; use the plain operator"
                    )
                }
            }
            UnknownService { action, suggestion } => {
                write!(f, "unknown service prefix in action {action:?}")?;
                hint(f, suggestion)
            }
            UnknownAction { action, suggestion } => {
                write!(f, "unknown action {action:?}")?;
                hint(f, suggestion)
            }
            ActionPatternMatchesNothing(a) => {
                write!(f, "action pattern {a:?} matches no action of its service")
            }
            UnknownConditionKey { key, suggestion } => {
                write!(f, "unknown condition key {key:?}")?;
                hint(f, suggestion)
            }
            LiteralVariable(text) => write!(
                f,
                "{text:?} holds a policy variable, but under Version 2008-10-17 (or no Version) \
                 it is literal text (V-2); use \"Version\": \"2012-10-17\""
            ),
            KeyNeverPresent { operator, key } => write!(
                f,
                "{operator} on {key:?}: none of the statement's actions carries this key, so \
                 the condition is always true (C-3, C-5)"
            ),
        }
    }
}

impl WarningKind {
    /// A stable identifier of the check (like IAM Access Analyzer's `issueCode`): it names
    /// the check, never the instance, and does not change between releases.
    pub fn code(&self) -> &'static str {
        use WarningKind::*;
        match self {
            MissingVersion => "MISSING_VERSION",
            DuplicateSid(_) => "DUPLICATE_SID",
            WildcardInPrincipal(_) => "WILDCARD_IN_PRINCIPAL_ARN",
            MultipleBoolValues => "MULTIPLE_BOOL_VALUES",
            VariableInNotResource => "VARIABLE_IN_NOT_RESOURCE",
            OpaqueStatement(_) => "OPAQUE_STATEMENT",
            VariableOutsideResourcePart(_) => "VARIABLE_OUTSIDE_RESOURCE_PART",
            PlainOperatorOnMultivaluedKey { .. } => "MISSING_SET_OPERATOR_ON_MULTIVALUED_KEY",
            SetOperatorOnSingleValuedKey { .. } => "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
            UnknownService { .. } => "UNKNOWN_SERVICE",
            UnknownAction { .. } => "UNKNOWN_ACTION",
            ActionPatternMatchesNothing(_) => "ACTION_PATTERN_MATCHES_NOTHING",
            UnknownConditionKey { .. } => "UNKNOWN_CONDITION_KEY",
            LiteralVariable(_) => "LITERAL_POLICY_VARIABLE",
            KeyNeverPresent { .. } => "CONDITION_KEY_NEVER_PRESENT",
        }
    }

    /// How serious it is: `security_warning` when the policy grants more than it seems to
    /// (a condition that is always true, a Deny exception that excludes nothing), `warning`
    /// when it does not do what it seems, `suggestion` for style. (`error` is for documents
    /// AWS refuses, which are errors, not warnings.)
    pub fn severity(&self) -> &'static str {
        use WarningKind::*;
        match self {
            VariableInNotResource | KeyNeverPresent { .. } => "security_warning",
            PlainOperatorOnMultivaluedKey { operator, .. } => {
                // With IfExists or a negated operator it fires on every request without the
                // key: it grants (or exempts) more than it seems.
                let absent_true = Operator::parse(operator)
                    .as_ref()
                    .is_some_and(|o| o.if_exists || o.base.is_negated());
                if absent_true {
                    "security_warning"
                } else {
                    "warning"
                }
            }
            SetOperatorOnSingleValuedKey { operator, .. }
                if operator.starts_with("ForAllValues:") =>
            {
                "security_warning"
            }
            VariableOutsideResourcePart(_) => "suggestion",
            _ => "warning",
        }
    }

    /// The spec rule the check stands for (`docs`/the spec's ids: G-2, C-24, A-1, …).
    pub fn rule(&self) -> &'static str {
        use WarningKind::*;
        match self {
            MissingVersion => "G-2",
            DuplicateSid(_) => "G-7",
            WildcardInPrincipal(_) => "G-12",
            MultipleBoolValues => "C-11",
            VariableInNotResource => "V-6",
            OpaqueStatement(_) => "G-21",
            VariableOutsideResourcePart(_) => "V-3",
            PlainOperatorOnMultivaluedKey { .. } => "C-24",
            SetOperatorOnSingleValuedKey { .. } => "C-20",
            UnknownService { .. } | UnknownAction { .. } => "A-1",
            ActionPatternMatchesNothing(_) => "A-3",
            UnknownConditionKey { .. } => "K-10",
            LiteralVariable(_) => "V-2",
            KeyNeverPresent { .. } => "C-3",
        }
    }
}

pub(super) fn hint(f: &mut fmt::Formatter<'_>, suggestion: &Option<String>) -> fmt::Result {
    match suggestion {
        Some(s) => write!(f, " (did you mean {s:?}?)"),
        None => Ok(()),
    }
}
