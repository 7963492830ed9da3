//! Policy checks: warnings for policies AWS accepts but that don't do what they seem.

use std::fmt;
use std::sync::Arc;

use crate::ast::JsonPath;

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
        }
    }
}
