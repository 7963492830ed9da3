//! The IAM Service Authorization Reference as iamc's one catalog: one set of types
//! ([`ServiceReference`], [`Service`], [`Action`], [`ResourceType`], [`ConditionKey`],
//! [`ApiAlias`]), one loader of `iam-service-reference.json` ([`ServiceReference::load`]) and
//! one compact copy built into the binary ([`ServiceReference::embedded`]).
//!
//! Three users read it and keep their own lookup indexes, built from this model:
//! `iamc check` (`iamc_compiler::check::Catalog`: actions and condition keys with their
//! types), the audit (`iamc_audit::catalog::Catalog`: resource types' ARN templates, the types
//! each action authorizes on, SDK API names that are not action names) and the access queries
//! (`iamc_access::catalog::Catalog`: every action with its access level and ARN templates).
//! The model carries the union of what they need and nothing else (no descriptions, no
//! dependent actions), so a user never goes back to the JSON.
//!
//! Trade-offs:
//! - The model is plain data (vectors in a canonical order), not an index: building it is one
//!   pass, and each user's index is built once per process from it. Its strings are
//!   `Cow<'a, str>`: borrowed from the embedded text (no allocation per name, key or level
//!   when it is parsed, which is on the audit's start-up path), owned when read from JSON.
//! - The embedded copy is a line format ([`compact`]), not JSON: the audit loads it once per
//!   run, and splitting lines is several times cheaper than building a `serde_json::Value`
//!   of the same data. The JSON loader ([`json`]) is for `--service-reference`/`--catalog`
//!   files (the full reference, 8 MB), where errors name the file and the JSON path.
//! - The SDK API-name aliases come from a different source (the iam-dataset SDK-method map of
//!   the shared corpus), so only the embedded copy has them; a reference loaded from a file
//!   borrows the embedded aliases ([`ServiceReference::with_embedded_aliases`]).
//!
//! This crate depends on `serde_json` only; the runtime never depends on it.

#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::fmt;

pub mod compact;
pub mod json;

/// The service reference: every service with its actions, resource types and condition keys.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServiceReference<'a> {
    /// Services sorted by prefix.
    pub services: Vec<Service<'a>>,
    /// SDK API names that are not IAM action names (`S3.GetBucketReplication` →
    /// `s3:GetReplicationConfiguration`), sorted; empty for a reference read from JSON.
    pub api_aliases: Vec<ApiAlias<'a>>,
}

/// One service of the reference.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Service<'a> {
    /// The service prefix (`s3`), as the reference's key spells it.
    pub prefix: Cow<'a, str>,
    /// The service's condition keys, sorted by the reference's (lower-case) key.
    pub condition_keys: Vec<ConditionKey<'a>>,
    /// Resource types sorted by name; [`Action::resource_types`] indexes into this.
    pub resource_types: Vec<ResourceType<'a>>,
    /// Actions sorted by the reference's (lower-case) key.
    pub actions: Vec<Action<'a>>,
}

/// A condition key with its documented type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConditionKey<'a> {
    /// The key with its documented casing; templated keys keep their template
    /// (`aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`).
    pub name: Cow<'a, str>,
    /// `String`, `ArrayOfString`, `ARN`, `Bool`, `Numeric`, `Date`, `IPAddress`, … (`String`
    /// when the reference omits it).
    pub ty: Cow<'a, str>,
}

/// A resource type of a service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ResourceType<'a> {
    /// The type's name (`object`).
    pub name: Cow<'a, str>,
    /// The ARN template (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`); `None` when the
    /// reference gives none.
    pub arn: Option<Cow<'a, str>>,
    /// Condition keys every action on this type can carry, sorted.
    pub condition_keys: Vec<Cow<'a, str>>,
}

/// An action of a service.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Action<'a> {
    /// The name with its documented casing (`GetObject`), without the prefix.
    pub name: Cow<'a, str>,
    /// The reference's `accessLevel` text as written (`Read`, `Tagging, Write`; empty when
    /// absent).
    pub access_level: Cow<'a, str>,
    /// Indexes into the service's [`Service::resource_types`] this action authorizes on, in
    /// the reference's order; empty: only `*`. A type the service does not define is left out.
    pub resource_types: Vec<u16>,
    /// The action's own condition keys and those its resource-type entries list, sorted and
    /// without duplicates (not the keys of the resource types themselves: see
    /// [`ResourceType::condition_keys`]).
    pub condition_keys: Vec<Cow<'a, str>>,
}

/// An API name that is not an action name, and the action it stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiAlias<'a> {
    /// The service prefix (`s3`).
    pub prefix: Cow<'a, str>,
    /// The API name as CloudTrail writes it (`GetBucketReplication`).
    pub api: Cow<'a, str>,
    /// The action's name without the prefix (`GetReplicationConfiguration`).
    pub action: Cow<'a, str>,
}

/// A catalog that cannot be read: the file (or `<embedded service reference>`), where in it
/// (a JSON path such as `$.s3.actions`, or `line N` for the compact format), and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The file's name as given.
    pub source: String,
    /// Where in the file: a JSON path (`$`, `$.s3.actions`) or `line N`.
    pub path: String,
    /// What is wrong.
    pub kind: ErrorKind,
}

/// What is wrong with a catalog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file cannot be read.
    Io(String),
    /// Not JSON (serde_json's message, with line and column).
    Json(String),
    /// A value of the wrong JSON type.
    WrongType {
        /// What the reference's shape wants there.
        expected: &'static str,
        /// What the file has.
        found: &'static str,
    },
    /// A line of the compact format that does not parse.
    BadLine(String),
}

impl Error {
    pub(crate) fn new(source: &str, path: impl Into<String>, kind: ErrorKind) -> Error {
        Error {
            source: source.to_string(),
            path: path.into(),
            kind,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: ", self.source, self.path)?;
        match &self.kind {
            ErrorKind::Io(e) => write!(f, "cannot read: {e}"),
            ErrorKind::Json(e) => write!(f, "{e}"),
            ErrorKind::WrongType { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            ErrorKind::BadLine(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

/// The name errors of the embedded copy carry.
pub const EMBEDDED_NAME: &str = "<embedded service reference>";

/// The compact copy built into the binary: `catalog/data/service-reference.txt`, generated
/// by `catalog/generate.py` from the shared corpus (see [`compact`] for the format).
pub const EMBEDDED: &str = include_str!("../data/service-reference.txt");

impl ServiceReference<'static> {
    /// The copy built into the binary (the same for every working directory).
    pub fn embedded() -> Result<ServiceReference<'static>, Error> {
        compact::parse(EMBEDDED_NAME, EMBEDDED)
    }

    /// Read `iam-service-reference.json` (see [`json`]).
    pub fn load(path: &std::path::Path) -> Result<ServiceReference<'static>, Error> {
        json::load(path)
    }

    /// Read the reference's JSON from bytes; `source` names it in errors.
    pub fn from_json_slice(source: &str, bytes: &[u8]) -> Result<ServiceReference<'static>, Error> {
        json::from_slice(source, bytes)
    }

    /// This reference with the embedded copy's API-name aliases (a reference read from JSON
    /// has none of its own).
    pub fn with_embedded_aliases(mut self) -> Result<ServiceReference<'static>, Error> {
        self.api_aliases = compact::parse_aliases(EMBEDDED_NAME, EMBEDDED)?;
        Ok(self)
    }
}

impl ServiceReference<'_> {
    /// The number of actions over all services.
    pub fn action_count(&self) -> usize {
        self.services.iter().map(|s| s.actions.len()).sum()
    }
}

#[cfg(test)]
mod tests;
