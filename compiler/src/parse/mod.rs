//! Policy JSON → validated [`ast`](crate::ast), enforcing spec group G.
//!
//! The parser collects *every* error it can find in a document (not just the first), each with
//! the JSON path of the offending element, and keeps going where it safely can so an author
//! sees all problems at once. Warnings (G-2 missing Version, G-7 duplicate Sids, G-12 wildcard
//! in a principal ARN, C-11 several Bool values) are returned beside the policy; the
//! catalog-based checks live in [`crate::check`].
//!
//! Accepted wrappers: a bare policy document, the AWS CLI's `{"PolicyVersion":{"Document":…}}`
//! (the document as an object or as a URL-encoded string), and a URL-encoded document as a
//! whole (as `get-account-authorization-details` returns them).

use std::collections::HashSet;
use std::sync::Arc;

use crate::ast::*;
use crate::check::warning::{Warning, WarningKind};
use crate::error::{suggest, Error, ErrorKind};
use crate::json::{self, Json};
use crate::limits::Limits;
use iamc_runtime::compiler_support::value;

mod condition;
mod elements;
mod statement;
mod template;
#[cfg(test)]
mod tests;
mod trust;

pub use template::parse_template;
pub use trust::parse_trust_policy_with;

/// A parsed policy and the warnings found while parsing it.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The validated policy.
    pub policy: Policy,
    /// Warnings: AWS accepts the policy, but parts of it may not do what they seem.
    pub warnings: Vec<Warning>,
    /// Lenient reads only (G-21): the G violations that made statements opaque, or that made
    /// the document unreadable (then the policy is one opaque statement that may be an Allow
    /// or a Deny of anything). Empty for a strict read. Each must be reported.
    pub lenient_errors: Vec<Error>,
}

/// How a policy is read (G-21).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReadMode {
    /// Every G violation is an error and nothing is compiled from the document (`iamc check`,
    /// the conformance cases, the compile API's default).
    #[default]
    Strict,
    /// A policy AWS already holds: a statement that breaks a G rule becomes an opaque
    /// statement, a document that cannot be read becomes one opaque statement; never an error.
    Lenient,
}

/// Parse a policy as `mode` says. A lenient read never fails: see [`ReadMode::Lenient`].
pub fn parse_policy_with(
    source: &str,
    bytes: &[u8],
    kind: PolicyKind,
    limits: &Limits,
    mode: ReadMode,
) -> Result<Parsed, Vec<Error>> {
    match (parse_policy(source, bytes, kind, limits), mode) {
        (Ok(p), _) => Ok(p),
        (Err(e), ReadMode::Strict) => Err(e),
        (Err(errors), ReadMode::Lenient) => {
            let src: Arc<str> = Arc::from(source);
            let doc = (bytes.len() <= limits.max_policy_bytes)
                .then(|| read_document(&src, bytes, limits).ok())
                .flatten();
            match doc {
                Some(doc) => Ok(parse_lenient_json(src, &doc, kind, limits)),
                None => Ok(unreadable(src, kind, errors)),
            }
        }
    }
}

/// Parse an already-read JSON value leniently (G-21); never fails.
pub fn parse_lenient_json(
    source: Arc<str>,
    doc: &Json,
    kind: PolicyKind,
    limits: &Limits,
) -> Parsed {
    let mut p = PolicyParser {
        source: Arc::clone(&source),
        kind,
        limits,
        errors: Vec::new(),
        warnings: Vec::new(),
        version: Version::V2008_10_17,
        lenient: true,
        opaque_errors: Vec::new(),
    };
    match p.policy(doc) {
        Some(mut policy) => {
            // Errors outside any statement (an unknown top-level element, a bad Version)
            // leave the statements as read, plus one opaque statement that may be anything:
            // iamc cannot say how AWS reads such a document.
            if !p.errors.is_empty() {
                let errors = std::mem::take(&mut p.errors);
                let index = policy.statements.len();
                policy.statements.push(Statement::unknown(
                    index,
                    JsonPath::root(),
                    kind,
                    errors.clone(),
                ));
                p.opaque_errors.extend(errors);
            }
            Parsed {
                policy,
                warnings: p.warnings,
                lenient_errors: p.opaque_errors,
            }
        }
        None => {
            let mut errors = p.opaque_errors;
            errors.append(&mut p.errors);
            unreadable(source, kind, errors)
        }
    }
}

/// A document that cannot be read at all, read leniently: one opaque statement that may be an
/// Allow or a Deny of every action on every resource (G-21), so every decision it could
/// influence is indeterminate rather than made without it.
pub(super) fn unreadable(source: Arc<str>, kind: PolicyKind, errors: Vec<Error>) -> Parsed {
    let warning = Warning {
        source: Arc::clone(&source),
        path: JsonPath::root(),
        kind: WarningKind::OpaqueStatement(format!(
            "the document cannot be read, so it may allow or deny anything: {}",
            describe_errors(&errors)
        )),
    };
    Parsed {
        policy: Policy {
            source,
            kind,
            version: Version::V2012_10_17,
            version_written: false,
            id: None,
            statements: vec![Statement::unknown(
                0,
                JsonPath::root(),
                kind,
                errors.clone(),
            )],
        },
        warnings: vec![warning],
        lenient_errors: errors,
    }
}

impl Statement {
    /// An opaque statement of which nothing but its position is known (G-21).
    pub fn unknown(
        index: usize,
        path: JsonPath,
        kind: PolicyKind,
        errors: Vec<Error>,
    ) -> Statement {
        Statement {
            index,
            path,
            sid: None,
            effect: Effect::Deny,
            principal: kind.has_principal().then(PrincipalPart::anyone),
            action: ActionPart::any(),
            resource: ResourcePart::any(),
            conditions: Vec::new(),
            opaque: Some(Box::new(Opaque {
                errors,
                effect_unknown: true,
            })),
        }
    }
}

/// Parse a policy document from its bytes (bare JSON, a `PolicyVersion` wrapper, or
/// URL-encoded), as a policy of `kind`.
pub fn parse_policy(
    source: &str,
    bytes: &[u8],
    kind: PolicyKind,
    limits: &Limits,
) -> Result<Parsed, Vec<Error>> {
    let source: Arc<str> = Arc::from(source);
    let root = JsonPath::root();
    if bytes.len() > limits.max_policy_bytes {
        return Err(vec![Error::new(
            &source,
            &root,
            ErrorKind::TooLarge {
                limit: limits.max_policy_bytes,
                size: bytes.len(),
            },
        )]);
    }
    let doc = read_document(&source, bytes, limits)?;
    parse_policy_json(source, &doc, kind, limits)
}

/// Decode the bytes of a document into JSON, undoing URL-encoding and the CLI wrapper.
pub(super) fn read_document(
    source: &Arc<str>,
    bytes: &[u8],
    limits: &Limits,
) -> Result<Json, Vec<Error>> {
    let root = JsonPath::root();
    let decoded;
    let bytes = match trim_ascii(bytes).first() {
        Some(b'%') => {
            decoded = percent_decode(bytes)
                .ok_or_else(|| vec![Error::new(source, &root, ErrorKind::BadUrlEncoding)])?;
            &decoded[..]
        }
        _ => bytes,
    };
    let doc = json::parse_bytes(bytes, limits.max_json_depth)
        .map_err(|e| vec![Error::new(source, &root, ErrorKind::Json(e.to_string()))])?;
    unwrap_document(source, doc, limits)
}

/// `{"PolicyVersion":{"Document":…}}` → the document (object or URL-encoded string).
pub(super) fn unwrap_document(
    source: &Arc<str>,
    doc: Json,
    limits: &Limits,
) -> Result<Json, Vec<Error>> {
    let Some(pv) = doc.get("PolicyVersion") else {
        return Ok(doc);
    };
    let path = JsonPath::root().key("PolicyVersion").key("Document");
    match pv.get("Document") {
        Some(Json::String(s)) => {
            let decoded = percent_decode(s.as_bytes())
                .ok_or_else(|| vec![Error::new(source, &path, ErrorKind::BadUrlEncoding)])?;
            json::parse_bytes(&decoded, limits.max_json_depth)
                .map_err(|e| vec![Error::new(source, &path, ErrorKind::Json(e.to_string()))])
        }
        Some(d @ Json::Object(_)) => Ok(d.clone()),
        Some(other) => Err(vec![Error::new(
            source,
            &path,
            ErrorKind::WrongType {
                expected: "an object or a URL-encoded string",
                found: other.type_name(),
            },
        )]),
        None => Err(vec![Error::new(
            source,
            &JsonPath::root().key("PolicyVersion"),
            ErrorKind::MissingElement("Document"),
        )]),
    }
}

pub(super) fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    &b[start..]
}

/// Decode `%XX` escapes (RFC 3986). `+` is kept: AWS encodes spaces as `%20`, and a literal
/// `+` can occur in a policy.
pub fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Parse an already-read JSON value as a policy of `kind`.
pub fn parse_policy_json(
    source: Arc<str>,
    doc: &Json,
    kind: PolicyKind,
    limits: &Limits,
) -> Result<Parsed, Vec<Error>> {
    let mut p = PolicyParser {
        source,
        kind,
        limits,
        errors: Vec::new(),
        warnings: Vec::new(),
        version: Version::V2008_10_17,
        lenient: false,
        opaque_errors: Vec::new(),
    };
    let policy = p.policy(doc);
    if p.errors.is_empty() {
        if let Some(policy) = policy {
            return Ok(Parsed {
                policy,
                warnings: p.warnings,
                lenient_errors: Vec::new(),
            });
        }
    }
    Err(p.errors)
}

pub(super) struct PolicyParser<'a> {
    source: Arc<str>,
    kind: PolicyKind,
    limits: &'a Limits,
    errors: Vec<Error>,
    warnings: Vec<Warning>,
    version: Version,
    /// G-21: a statement's errors make it opaque instead of failing the document.
    lenient: bool,
    /// Lenient reads: the errors moved into opaque statements.
    opaque_errors: Vec<Error>,
}

pub(super) const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
pub(super) const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
pub(super) const PRINCIPAL_KEYS: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

/// Whether `key` occurs more than once exactly (already reported as a duplicate JSON key).
pub(super) fn keys_exact_dup(members: &[(String, Json)], key: &str) -> bool {
    members.iter().filter(|(k, _)| k == key).count() > 1
}

/// The errors of an opaque statement in one line (for its warning).
pub(super) fn describe_errors(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {} ({})", e.path, e.kind, e.kind.rule()))
        .collect::<Vec<_>>()
        .join("; ")
}
