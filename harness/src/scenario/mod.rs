//! Scenario files (the oracle's format, `shared/oracle/README.md`).
//!
//! A scenario names a set of policies and a list of requests to decide against them, each
//! optionally with the expected decision. Accepted shapes of a file:
//! - `{"scenarios": [<scenario>, ...]}` (the format of `shared/spec/cases/*.json`);
//! - a single scenario object;
//! - an array of scenarios;
//! - JSON lines (one scenario object a line; blank lines skipped) when the name ends in
//!   `.jsonl`.
//!
//! A scenario object:
//!
//! ```json
//! {"name": "...", "rule": "C-7", "note": "...",
//!  "identity_policies": [<doc>...], "resource_policy": <doc>,
//!  "permission_boundaries": [<doc>...], "session_policy": <doc>,
//!  "scps": [[<doc>...], ...], "rcps": [[<doc>...], ...],
//!  "management_account": "111122223333", "rcp_services": ["s3", "kms"],
//!  "requests": [{"id": "r1", "principal": "arn:...", "action": "svc:Action",
//!                "resource": "arn:...", "resource_account": "111122223333",
//!                "context": {"key": "value" | ["v1", "v2"]},
//!                "expect": "allow" | "explicit_deny" | "implicit_deny", "rule": "C-24"}]}
//! ```
//!
//! - Every policy field may also be given on a request; it then replaces the scenario's
//!   (a request-level `null` removes it). Requests that override nothing share the scenario's
//!   parsed [`ParsedSet`] through one `Arc`.
//! - `permission_boundary` (a single document) is accepted in place of `permission_boundaries`.
//! - `management_account` is an iamc extension (E-10, E-12); the oracle ignores it. So is
//!   `rcp_services` (E-10: the services RCPs apply to; default
//!   [`iamc_compiler::ast::default_rcp_services`]).
//! - A policy document may be an object, a `PolicyVersion` wrapper, or a string holding the
//!   document as JSON text or URL-encoded, as [`iamc_compiler::parse::parse_policy`] accepts them.
//! - `resource` defaults to `*` (R-9); `id` defaults to the request's index.
//! - Context values (K-2): a string is single-valued, an array is multivalued, JSON numbers and
//!   booleans are converted to their text; two keys that differ only in case are rejected.
//!
//! Unknown members are errors (with a did-you-mean hint): a misspelt `expect` must not quietly
//! turn a conformance check into no check. Every error names the file and the JSON path, and
//! the loader reports all of them rather than the first.

use std::path::Path;
use std::sync::Arc;

use iamc_compiler::ast::{JsonPath, ParsedSet};
use iamc_compiler::check::Warning;
use iamc_compiler::error::{Error, ErrorKind};
use iamc_compiler::json::{self, Json};
use iamc_compiler::limits::Limits;
use iamc_runtime::Decision;

use crate::request::Request;
use loader::Loader;

mod loader;
mod policies;
mod request;
#[cfg(test)]
mod tests;

/// Largest scenario file read (256 MiB). Each policy inside is still bounded by
/// [`Limits::max_policy_bytes`] and the other limits.
pub const MAX_SCENARIO_FILE_BYTES: u64 = 256 << 20;

/// Nesting a scenario file adds around a policy document (`{"scenarios":[{"scps":[[doc`,
/// plus a request-level override).
const WRAPPER_DEPTH: usize = 8;

/// One scenario: a policy set and the requests to decide against it.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// The scenario's `name` (default: its position, e.g. `scenarios[3]`).
    pub name: String,
    /// The spec rule the scenario checks, if given.
    pub rule: Option<String>,
    /// The scenario's `note`, if given.
    pub note: Option<String>,
    /// The requests in file order.
    pub requests: Vec<ScenarioRequest>,
}

/// One request of a scenario with the policies that decide it.
#[derive(Clone, Debug)]
pub struct ScenarioRequest {
    /// Position of the request in its scenario (0-based).
    pub index: usize,
    /// The request's `id` (default: its index as text).
    pub id: String,
    /// The rule the request pins, if given (more precise than the scenario's).
    pub rule: Option<String>,
    /// The policies: the scenario's, shared, unless the request overrides a policy field.
    pub policies: Arc<ParsedSet>,
    /// The request itself.
    pub request: Request,
    /// The expected decision, if given.
    pub expect: Option<Decision>,
}

/// The scenarios of one file and the parser warnings about its policies.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The scenarios in file order.
    pub scenarios: Vec<Scenario>,
    /// Warnings about policies in the file (each names its place in the file).
    pub warnings: Vec<Warning>,
}

impl Loaded {
    /// Total number of requests over every scenario.
    pub fn request_count(&self) -> usize {
        self.scenarios.iter().map(|s| s.requests.len()).sum()
    }
}

/// How a file's scenarios are laid out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// One JSON value: `{"scenarios":[...]}`, one scenario, or an array of scenarios.
    Json,
    /// One scenario object a line.
    JsonLines,
}

impl Format {
    /// [`Format::JsonLines`] for names ending in `.jsonl`, else [`Format::Json`].
    pub fn for_name(name: &str) -> Format {
        if name.to_ascii_lowercase().ends_with(".jsonl") {
            Format::JsonLines
        } else {
            Format::Json
        }
    }
}

/// Read and load a scenario file with the default [`Limits`]; the format follows the file
/// name ([`Format::for_name`]).
pub fn load_file(path: impl AsRef<Path>) -> Result<Loaded, Vec<Error>> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let source: Arc<str> = Arc::from(name.as_str());
    let root = JsonPath::root();
    let too_large = |size: u64| {
        vec![Error::new(
            &source,
            &root,
            ErrorKind::TooLarge {
                limit: usize::try_from(MAX_SCENARIO_FILE_BYTES).unwrap_or(usize::MAX),
                size: usize::try_from(size).unwrap_or(usize::MAX),
            },
        )]
    };
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_SCENARIO_FILE_BYTES => return Err(too_large(m.len())),
        Ok(_) => {}
        Err(e) => {
            return Err(vec![Error::new(
                &source,
                &root,
                ErrorKind::Io(e.to_string()),
            )])
        }
    }
    let bytes = std::fs::read(path)
        .map_err(|e| vec![Error::new(&source, &root, ErrorKind::Io(e.to_string()))])?;
    load_bytes_as(&name, &bytes, Format::for_name(&name), &Limits::default())
}

/// Load scenarios from bytes with the default [`Limits`]; `source_name` names the input in
/// errors and decides the format ([`Format::for_name`]).
pub fn load_bytes(source_name: &str, bytes: &[u8]) -> Result<Loaded, Vec<Error>> {
    load_bytes_as(
        source_name,
        bytes,
        Format::for_name(source_name),
        &Limits::default(),
    )
}

/// Load scenarios from bytes in a given format with given limits.
pub fn load_bytes_as(
    source_name: &str,
    bytes: &[u8],
    format: Format,
    limits: &Limits,
) -> Result<Loaded, Vec<Error>> {
    let mut loader = Loader {
        limits,
        errors: Vec::new(),
        warnings: Vec::new(),
        lenient: false,
    };
    let file: Arc<str> = Arc::from(source_name);
    let depth = limits.max_json_depth.saturating_add(WRAPPER_DEPTH);
    let mut scenarios = Vec::new();
    match format {
        Format::Json => match json::parse_bytes(bytes, depth) {
            Ok(doc) => loader.document(&file, &doc, &mut scenarios),
            Err(e) => loader.errors.push(Error::new(
                &file,
                &JsonPath::root(),
                ErrorKind::Json(e.to_string()),
            )),
        },
        Format::JsonLines => {
            for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                // Errors inside a line name the line in the source: `f.jsonl:4: $.requests[0]`.
                let at: Arc<str> = Arc::from(format!("{source_name}:{}", n + 1));
                match json::parse_bytes(line, depth) {
                    Ok(doc) => {
                        let label = format!("line {}", n + 1);
                        if let Some(s) = loader.scenario(&at, &doc, &JsonPath::root(), &label) {
                            scenarios.push(s);
                        }
                    }
                    Err(e) => loader.errors.push(Error::new(
                        &at,
                        &JsonPath::root(),
                        ErrorKind::Json(e.to_string()),
                    )),
                }
            }
        }
    }
    if loader.errors.is_empty() {
        Ok(Loaded {
            scenarios,
            warnings: loader.warnings,
        })
    } else {
        Err(loader.errors)
    }
}

/// Parse one request object (the shape of a scenario's `requests` items) on its own, as
/// `iamc eval --requests` reads them a line at a time: the request, its expectation and its
/// `id` (default: `index` as text). Errors name `source` and `path`. Policy fields are not
/// accepted here (there is no scenario for them to override).
pub fn parse_request(
    source: &str,
    value: &Json,
    path: &JsonPath,
    index: usize,
) -> Result<(Request, Option<Decision>, String), Vec<Error>> {
    let limits = Limits::default();
    let mut loader = Loader {
        limits: &limits,
        errors: Vec::new(),
        warnings: Vec::new(),
        lenient: false,
    };
    let file: Arc<str> = Arc::from(source);
    let base = Arc::new(ParsedSet::default());
    let parsed = loader.request(&file, value, path, index, &base);
    if let Some(r) = &parsed {
        if !Arc::ptr_eq(&r.policies, &base) {
            loader.err(
                &file,
                path,
                ErrorKind::Scenario(
                    "policy fields are not accepted in a request here; give the policies \
                     on the command line"
                        .to_string(),
                ),
            );
        }
    }
    match parsed {
        Some(r) if loader.errors.is_empty() => Ok((r.request, r.expect, r.id)),
        _ => Err(loader.errors),
    }
}
