//! Errors: where (source and JSON path) plus what ([`ErrorKind`]).
//!
//! `Display` renders one line: `p.json: $.Statement[2].Condition: unknown operator "StringLik"
//! (did you mean "StringLike"?)`.

use std::fmt;
use std::sync::Arc;

use crate::ast::JsonPath;

/// An error in one input, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The input's name (a file, or `file: scenario[3].identity_policies[0]`).
    pub source: Arc<str>,
    /// Where in the document.
    pub path: JsonPath,
    /// What is wrong.
    pub kind: ErrorKind,
}

impl ErrorKind {
    /// The spec rule the error enforces (the rule an opaque statement breaks, G-21).
    pub fn rule(&self) -> &'static str {
        use ErrorKind::*;
        match self {
            Io(_) | Json(_) | BadUrlEncoding | TooLarge { .. } | TooMany { .. } => "G-21",
            PatternTooLong { .. } => "G-21",
            WrongType { .. } | UnknownElement { .. } => "G-1",
            MissingElement(_) | BothElements(..) | NeitherElement(..) => "G-9",
            DuplicateKey(_) | DuplicateConditionKey(_) => "G-19",
            EmptyArray => "G-4",
            InvalidVersion(_) => "G-2",
            InvalidEffect(_) => "G-8",
            InvalidAction { .. } => "G-9",
            VariableInAction(_) => "A-8",
            InvalidResource { .. } => "G-10",
            VariableInArnPrefix(_) | VariableNotAllowed { .. } => "V-3",
            PrincipalNotAllowed(_) | MissingPrincipal | RcpPrincipal => "G-11",
            NotPrincipalWithAllow => "G-13",
            InvalidPrincipal(_) => "G-12",
            UnknownOperator { .. } => "G-17",
            EmptyConditionKey => "G-14",
            InvalidValue { .. } => "G-18",
            MalformedVariable { .. } => "G-20",
            DuplicateContextKey(_) => "K-2",
            Scenario(_) => "scenario",
        }
    }
}

impl Error {
    /// An error from its parts.
    pub fn new(source: &Arc<str>, path: &JsonPath, kind: ErrorKind) -> Error {
        Error {
            source: Arc::clone(source),
            path: path.clone(),
            kind,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.path, self.kind)
    }
}

impl std::error::Error for Error {}

fn hint(f: &mut fmt::Formatter<'_>, suggestion: &Option<String>) -> fmt::Result {
    match suggestion {
        Some(s) => write!(f, " (did you mean {s:?}?)"),
        None => Ok(()),
    }
}

/// What is wrong with an input. Each variant cites the spec rule it enforces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Could not read the input.
    Io(String),
    /// Not JSON (syntax error, invalid UTF-8, nesting over the limit).
    Json(String),
    /// Percent-encoded document that does not decode.
    BadUrlEncoding,
    /// The document is larger than [`crate::Limits::max_policy_bytes`].
    TooLarge {
        /// The limit in bytes.
        limit: usize,
        /// The document's size.
        size: usize,
    },
    /// A list or the statement count exceeds a limit.
    TooMany {
        /// What was counted.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// How many there were.
        count: usize,
    },
    /// A pattern or value exceeds a limit.
    PatternTooLong {
        /// The limit (bytes or wildcards, per `what`).
        limit: usize,
        /// What the limit is on.
        what: &'static str,
    },
    /// A value of the wrong JSON type.
    WrongType {
        /// What was expected.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// G-1/G-5/G-6: an element name that is not allowed here.
    UnknownElement {
        /// The name as written.
        name: String,
        /// A close valid name.
        suggestion: Option<String>,
    },
    /// A required element is missing (G-1 `Statement`, G-8 `Effect`…).
    MissingElement(&'static str),
    /// G-9/G-10/G-11: both of a pair present.
    BothElements(&'static str, &'static str),
    /// G-9/G-10: neither of a pair present.
    NeitherElement(&'static str, &'static str),
    /// G-19: the same JSON key twice in one object.
    DuplicateKey(String),
    /// G-19: condition keys that differ only by case under one operator.
    DuplicateConditionKey(String),
    /// G-4/G-9/G-14: an empty array where values are required.
    EmptyArray,
    /// G-2: not a supported version.
    InvalidVersion(String),
    /// G-8: not `Allow` or `Deny`.
    InvalidEffect(String),
    /// G-9: an action string that is not `*` or `prefix:name`.
    InvalidAction {
        /// The action as written.
        action: String,
        /// Why.
        reason: &'static str,
    },
    /// `${` in an action.
    VariableInAction(String),
    /// G-10: not `*` or an ARN with six fields.
    InvalidResource {
        /// The resource as written.
        resource: String,
        /// Why.
        reason: &'static str,
    },
    /// V-3: a variable in the partition or service field of an ARN.
    VariableInArnPrefix(String),
    /// G-11: `Principal`/`NotPrincipal` in a policy kind that does not take one.
    PrincipalNotAllowed(&'static str),
    /// G-11: a resource-based policy statement without `Principal`/`NotPrincipal`.
    MissingPrincipal,
    /// G-11: an RCP statement whose principal is not `"*"`, or that uses `NotPrincipal`.
    RcpPrincipal,
    /// G-13: `NotPrincipal` with `Allow`.
    NotPrincipalWithAllow,
    /// G-12: an invalid principal value.
    InvalidPrincipal(String),
    /// G-17/C-16/C-18: an unknown condition operator.
    UnknownOperator {
        /// The operator as written.
        name: String,
        /// A close valid operator.
        suggestion: Option<String>,
    },
    /// G-14: a condition key name that is empty.
    EmptyConditionKey,
    /// G-18: a policy value that does not parse as the operator's type.
    InvalidValue {
        /// The operator.
        operator: String,
        /// The value as written.
        value: String,
        /// What the operator expects.
        expected: &'static str,
    },
    /// G-20: a malformed `${...}`.
    MalformedVariable {
        /// The text as written.
        text: String,
        /// Why.
        reason: &'static str,
    },
    /// V-3: a variable where the operator takes none.
    VariableNotAllowed {
        /// The operator.
        operator: String,
    },
    /// K-2: two context keys that differ only by case.
    DuplicateContextKey(String),
    /// A scenario file problem (missing field, bad request shape).
    Scenario(String),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ErrorKind::*;
        match self {
            Io(e) => write!(f, "cannot read: {e}"),
            Json(e) => write!(f, "{e}"),
            BadUrlEncoding => write!(f, "invalid percent-encoding in URL-encoded policy"),
            TooLarge { limit, size } => {
                write!(f, "document is {size} bytes, over the limit of {limit}")
            }
            TooMany { what, limit, count } => {
                write!(f, "{count} {what}, over the limit of {limit}")
            }
            PatternTooLong { limit, what } => write!(f, "more than {limit} {what}"),
            WrongType { expected, found } => write!(f, "expected {expected}, found {found}"),
            UnknownElement { name, suggestion } => {
                write!(f, "unknown element {name:?}")?;
                hint(f, suggestion)
            }
            MissingElement(name) => write!(f, "missing required element {name:?}"),
            BothElements(a, b) => write!(f, "both {a:?} and {b:?} are present; use one"),
            NeitherElement(a, b) => write!(f, "one of {a:?} or {b:?} is required"),
            DuplicateKey(k) => write!(f, "duplicate key {k:?}"),
            DuplicateConditionKey(k) => {
                write!(
                    f,
                    "condition key {k:?} appears twice (key names ignore case)"
                )
            }
            EmptyArray => write!(f, "empty array"),
            InvalidVersion(v) => write!(
                f,
                "unsupported Version {v:?} (expected \"2012-10-17\" or \"2008-10-17\")"
            ),
            InvalidEffect(e) => write!(f, "invalid Effect {e:?} (expected \"Allow\" or \"Deny\")"),
            InvalidAction { action, reason } => write!(f, "invalid action {action:?}: {reason}"),
            VariableInAction(a) => write!(f, "policy variables are not allowed in actions: {a:?}"),
            InvalidResource { resource, reason } => {
                write!(f, "invalid resource {resource:?}: {reason}")
            }
            VariableInArnPrefix(r) => write!(
                f,
                "policy variables are not allowed in the partition or service field of an ARN: {r:?}"
            ),
            PrincipalNotAllowed(kind) => {
                write!(
                    f,
                    "{kind} policies must not contain Principal or NotPrincipal"
                )
            }
            MissingPrincipal => write!(
                f,
                "a resource-based policy statement needs Principal or NotPrincipal"
            ),
            RcpPrincipal => write!(f, "RCP statements must use \"Principal\": \"*\""),
            NotPrincipalWithAllow => write!(f, "NotPrincipal is only supported with Deny"),
            InvalidPrincipal(p) => write!(f, "invalid principal {p:?}"),
            UnknownOperator { name, suggestion } => {
                write!(f, "unknown condition operator {name:?}")?;
                hint(f, suggestion)
            }
            EmptyConditionKey => write!(f, "empty condition key"),
            InvalidValue {
                operator,
                value,
                expected,
            } => write!(f, "{operator}: {value:?} is not {expected}"),
            MalformedVariable { text, reason } => {
                write!(f, "malformed policy variable in {text:?}: {reason}")
            }
            VariableNotAllowed { operator } => {
                write!(f, "{operator} does not accept policy variables")
            }
            DuplicateContextKey(k) => {
                write!(f, "context key {k:?} appears twice (key names ignore case)")
            }
            Scenario(m) => write!(f, "{m}"),
        }
    }
}

/// Edit distance, for did-you-mean hints.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let v = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            cur.push(v);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within a small distance (case-insensitive), if any.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = name.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = levenshtein(&lower, &c.to_lowercase());
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    let max = (name.chars().count() / 3).clamp(1, 4);
    best.filter(|(d, _)| *d <= max).map(|(_, c)| c.to_string())
}
