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
//!   parsed [`PolicySet`] through one `Arc`.
//! - `permission_boundary` (a single document) is accepted in place of `permission_boundaries`.
//! - `management_account` is an iamc extension (E-10, E-12); the oracle ignores it. So is
//!   `rcp_services` (E-10: the services RCPs apply to; default
//!   [`crate::ast::default_rcp_services`]).
//! - A policy document may be an object, a `PolicyVersion` wrapper, or a string holding the
//!   document as JSON text or URL-encoded, as [`crate::parse::parse_policy`] accepts them.
//! - `resource` defaults to `*` (R-9); `id` defaults to the request's index.
//! - Context values (K-2): a string is single-valued, an array is multivalued, JSON numbers and
//!   booleans are converted to their text; two keys that differ only in case are rejected.
//!
//! Unknown members are errors (with a did-you-mean hint): a misspelt `expect` must not quietly
//! turn a conformance check into no check. Every error names the file and the JSON path, and
//! the loader reports all of them rather than the first.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use crate::ast::{JsonPath, Policy, PolicyKind, PolicySet};
use crate::check::Warning;
use crate::decision::{Decision, Possible};
use crate::error::{suggest, Error, ErrorKind};
use crate::json::{self, Json};
use crate::limits::Limits;
use crate::parse::{parse_lenient_json, parse_policy_json, parse_policy_with, ReadMode};
use crate::request::{Context, ContextValue, Request, Unknowns};

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
    pub policies: Arc<PolicySet>,
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
    let base = Arc::new(PolicySet::default());
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

const SCENARIO_FIELDS: [&str; 14] = [
    "name",
    "rule",
    "note",
    "requests",
    "identity_policies",
    "resource_policy",
    "permission_boundaries",
    "permission_boundary",
    "session_policy",
    "scps",
    "rcps",
    "management_account",
    "rcp_services",
    "lenient",
];

const REQUEST_FIELDS: [&str; 20] = [
    "id",
    "principal",
    "action",
    "resource",
    "resource_account",
    "context",
    "expect",
    "possible",
    "unknown",
    "rule",
    "note",
    "identity_policies",
    "resource_policy",
    "permission_boundaries",
    "permission_boundary",
    "session_policy",
    "scps",
    "rcps",
    "management_account",
    "rcp_services",
];

/// Policy fields given at one level (scenario or request); `Some` means "given here".
#[derive(Default)]
struct PolicyFields {
    identity: Option<Vec<Policy>>,
    resource: Option<Option<Policy>>,
    boundaries: Option<Vec<Policy>>,
    session: Option<Option<Policy>>,
    scps: Option<Vec<Vec<Policy>>>,
    rcps: Option<Vec<Vec<Policy>>>,
    management_account: Option<Option<String>>,
    rcp_services: Option<Vec<String>>,
}

impl PolicyFields {
    fn is_empty(&self) -> bool {
        self.identity.is_none()
            && self.resource.is_none()
            && self.boundaries.is_none()
            && self.session.is_none()
            && self.scps.is_none()
            && self.rcps.is_none()
            && self.management_account.is_none()
            && self.rcp_services.is_none()
    }

    /// `base` with the fields given here replacing its own.
    fn apply(self, base: &PolicySet) -> PolicySet {
        PolicySet {
            identity: self.identity.unwrap_or_else(|| base.identity.clone()),
            resource: self.resource.unwrap_or_else(|| base.resource.clone()),
            boundaries: self.boundaries.unwrap_or_else(|| base.boundaries.clone()),
            session: self.session.unwrap_or_else(|| base.session.clone()),
            scps: self.scps.unwrap_or_else(|| base.scps.clone()),
            rcps: self.rcps.unwrap_or_else(|| base.rcps.clone()),
            management_account: self
                .management_account
                .unwrap_or_else(|| base.management_account.clone()),
            rcp_services: self
                .rcp_services
                .unwrap_or_else(|| base.rcp_services.clone()),
        }
    }
}

struct Loader<'a> {
    limits: &'a Limits,
    errors: Vec<Error>,
    warnings: Vec<Warning>,
    /// The scenario being read has `"lenient": true` (G-21).
    lenient: bool,
}

/// `$.scenarios[3].identity_policies[0]` → `scenarios[3].identity_policies[0]`, for naming a
/// policy document inside the file.
fn relative(path: &JsonPath) -> &str {
    let s = path.as_str();
    let s = s.strip_prefix('$').unwrap_or(s);
    s.strip_prefix('.').unwrap_or(s)
}

impl Loader<'_> {
    fn err(&mut self, file: &Arc<str>, path: &JsonPath, kind: ErrorKind) {
        self.errors.push(Error::new(file, path, kind));
    }

    fn wrong_type(&mut self, file: &Arc<str>, path: &JsonPath, expected: &'static str, v: &Json) {
        self.err(
            file,
            path,
            ErrorKind::WrongType {
                expected,
                found: v.type_name(),
            },
        );
    }

    /// The members of an object, reporting duplicate and unknown keys.
    fn members<'j>(
        &mut self,
        file: &Arc<str>,
        value: &'j Json,
        path: &JsonPath,
        allowed: &[&str],
    ) -> Option<&'j [(String, Json)]> {
        let Json::Object(members) = value else {
            self.wrong_type(file, path, "an object", value);
            return None;
        };
        let mut seen = HashSet::new();
        for (k, _) in members {
            if !seen.insert(k.as_str()) {
                self.err(file, &path.key(k), ErrorKind::DuplicateKey(k.clone()));
            }
            if !allowed.contains(&k.as_str()) {
                let suggestion = suggest(k, allowed.iter().copied());
                self.err(
                    file,
                    &path.key(k),
                    ErrorKind::UnknownElement {
                        name: k.clone(),
                        suggestion,
                    },
                );
            }
        }
        Some(members)
    }

    /// The top-level value of a `.json` file.
    fn document(&mut self, file: &Arc<str>, doc: &Json, out: &mut Vec<Scenario>) {
        let root = JsonPath::root();
        match doc {
            Json::Object(members) if doc.get("scenarios").is_some() => {
                for (k, _) in members.iter().filter(|(k, _)| k != "scenarios") {
                    self.err(
                        file,
                        &root.key(k),
                        ErrorKind::UnknownElement {
                            name: k.clone(),
                            suggestion: None,
                        },
                    );
                }
                if members.iter().filter(|(k, _)| k == "scenarios").count() > 1 {
                    self.err(
                        file,
                        &root.key("scenarios"),
                        ErrorKind::DuplicateKey("scenarios".to_string()),
                    );
                }
                let path = root.key("scenarios");
                match doc.get("scenarios") {
                    Some(Json::Array(items)) => self.scenario_list(file, items, &path, out),
                    Some(other) => self.wrong_type(file, &path, "an array of scenarios", other),
                    None => {}
                }
            }
            Json::Object(_) => {
                if let Some(s) = self.scenario(file, doc, &root, "scenario") {
                    out.push(s);
                }
            }
            Json::Array(items) => self.scenario_list(file, items, &root, out),
            other => self.wrong_type(
                file,
                &root,
                "a scenario, an array of scenarios or {\"scenarios\": [...]}",
                other,
            ),
        }
    }

    fn scenario_list(
        &mut self,
        file: &Arc<str>,
        items: &[Json],
        path: &JsonPath,
        out: &mut Vec<Scenario>,
    ) {
        for (i, item) in items.iter().enumerate() {
            let p = path.index(i);
            let label = relative(&p).to_string();
            if let Some(s) = self.scenario(file, item, &p, &label) {
                out.push(s);
            }
        }
    }

    fn string(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Option<String> {
        match v {
            Json::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(file, path, "a string", other);
                None
            }
        }
    }

    /// An array of strings (E-10's service list); an element that is not a string is an error.
    fn string_list(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Vec<String> {
        match v {
            Json::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| self.string(file, item, &path.index(i)))
                .collect(),
            other => {
                self.wrong_type(file, path, "an array of strings", other);
                Vec::new()
            }
        }
    }

    /// A string, or `null` for "absent".
    fn opt_string(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Option<String> {
        match v {
            Json::Null => None,
            other => self.string(file, other, path),
        }
    }

    /// One scenario object at `path`; `label` is its default name.
    fn scenario(
        &mut self,
        file: &Arc<str>,
        value: &Json,
        path: &JsonPath,
        label: &str,
    ) -> Option<Scenario> {
        let errors_before = self.errors.len();
        let members = self.members(file, value, path, &SCENARIO_FIELDS)?;
        // G-21: read before the policies, whatever the member order.
        self.lenient = false;
        if let Some((k, v)) = members.iter().find(|(k, _)| k == "lenient") {
            match v {
                Json::Bool(b) => self.lenient = *b,
                other => self.wrong_type(file, &path.key(k), "true or false", other),
            }
        }
        let mut name = None;
        let mut rule = None;
        let mut note = None;
        let mut requests = None;
        for (k, v) in members {
            let p = path.key(k);
            match k.as_str() {
                "name" => name = self.string(file, v, &p),
                "rule" => rule = self.opt_string(file, v, &p),
                "note" => note = self.opt_string(file, v, &p),
                "requests" => match v {
                    Json::Array(items) => requests = Some((items, p)),
                    other => self.wrong_type(file, &p, "an array of requests", other),
                },
                _ => {}
            }
        }
        let fields = self.policy_fields(file, members, path);
        let Some((items, rpath)) = requests else {
            if !members.iter().any(|(k, _)| k == "requests") {
                self.err(file, path, ErrorKind::MissingElement("requests"));
            }
            return None;
        };
        let set = Arc::new(fields.apply(&PolicySet::default()));
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(r) = self.request(file, item, &rpath.index(i), i, &set) {
                out.push(r);
            }
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Scenario {
            name: name.unwrap_or_else(|| label.to_string()),
            rule,
            note,
            requests: out,
        })
    }

    /// One request object; `base` is the scenario's policy set.
    fn request(
        &mut self,
        file: &Arc<str>,
        value: &Json,
        path: &JsonPath,
        index: usize,
        base: &Arc<PolicySet>,
    ) -> Option<ScenarioRequest> {
        let errors_before = self.errors.len();
        let members = self.members(file, value, path, &REQUEST_FIELDS)?;
        let mut id = None;
        let mut rule = None;
        let mut principal = None;
        let mut action = None;
        let mut resource = None;
        let mut resource_account = None;
        let mut context = Context::default();
        let mut expect = None;
        let mut possible = None;
        let mut unknown = Unknowns::default();
        for (k, v) in members {
            let p = path.key(k);
            match k.as_str() {
                "id" => {
                    id = match v {
                        // An oracle-style numeric id is read as its text.
                        Json::Number(n) => Some(n.clone()),
                        other => self.string(file, other, &p),
                    }
                }
                "rule" => rule = self.opt_string(file, v, &p),
                "note" => {
                    self.opt_string(file, v, &p);
                }
                "principal" => principal = self.string(file, v, &p),
                "action" => action = self.string(file, v, &p),
                "resource" => resource = self.string(file, v, &p),
                "resource_account" => resource_account = self.opt_string(file, v, &p),
                "context" => context = self.context(file, v, &p),
                "expect" => expect = self.expect(file, v, &p),
                "possible" => possible = self.possible(file, v, &p),
                "unknown" => unknown = self.unknown(file, v, &p),
                _ => {}
            }
        }
        for (field, given) in [
            ("principal", principal.is_some()),
            ("action", action.is_some()),
        ] {
            if !given && !members.iter().any(|(k, _)| k == field) {
                self.err(file, path, ErrorKind::MissingElement(field));
            }
        }
        // E-21: `indeterminate` is expected with its possible outcomes, and only then.
        match (expect, possible) {
            (Some(Decision::Indeterminate(_)), Some(p)) => {
                expect = Some(Decision::Indeterminate(p));
            }
            (Some(Decision::Indeterminate(_)), None) => self.err(
                file,
                &path.key("expect"),
                ErrorKind::Scenario(
                    "\"indeterminate\" needs \"possible\": the outcomes that may result".into(),
                ),
            ),
            (_, Some(_)) => self.err(
                file,
                &path.key("possible"),
                ErrorKind::Scenario("\"possible\" goes with \"expect\": \"indeterminate\"".into()),
            ),
            _ => {}
        }
        // K-13: a key is given a value or declared unknown, not both; an unknown resource
        // has no `resource` member.
        for k in &unknown.context {
            if context.get(k).is_some() {
                self.err(
                    file,
                    &path.key("unknown").key("context"),
                    ErrorKind::Scenario(format!(
                        "{k:?} is both in the context and declared unknown (K-13)"
                    )),
                );
            }
        }
        if unknown.resource && resource.is_some() {
            self.err(
                file,
                &path.key("unknown").key("resource"),
                ErrorKind::Scenario(
                    "the resource is declared unknown but also given (K-13)".into(),
                ),
            );
        }
        let fields = self.policy_fields(file, members, path);
        if self.errors.len() > errors_before {
            return None;
        }
        let policies = if fields.is_empty() {
            Arc::clone(base)
        } else {
            Arc::new(fields.apply(base))
        };
        Some(ScenarioRequest {
            index,
            id: id.unwrap_or_else(|| index.to_string()),
            rule,
            policies,
            request: Request {
                principal: principal.unwrap_or_default(),
                action: action.unwrap_or_default(),
                // R-9: a request without a resource is for `*`.
                resource: resource.unwrap_or_else(|| "*".to_string()),
                resource_account,
                context,
                unknown,
            },
            expect,
        })
    }

    /// E-21: the sorted list of possible outcomes of an indeterminate decision (≥ 2).
    fn possible(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Option<Possible> {
        let Json::Array(items) = v else {
            self.wrong_type(file, path, "an array of outcomes", v);
            return None;
        };
        let mut set = Possible::default();
        for (i, item) in items.iter().enumerate() {
            match item.as_str().and_then(Possible::from_name) {
                Some(p) if !set.contains(p) => set = set.union(p),
                _ => {
                    self.err(
                        file,
                        &path.index(i),
                        ErrorKind::Scenario(
                            "expected a distinct outcome: \"allow\", \"explicit_deny\" or \
                             \"implicit_deny\""
                                .into(),
                        ),
                    );
                    return None;
                }
            }
        }
        if set.len() < 2 {
            self.err(
                file,
                path,
                ErrorKind::Scenario("an indeterminate decision has two or more outcomes".into()),
            );
            return None;
        }
        Some(set)
    }

    /// K-13: `{"context": [keys...], "resource": true}`, both optional.
    fn unknown(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Unknowns {
        let mut u = Unknowns::default();
        let Some(members) = self.members(file, v, path, &["context", "resource"]) else {
            return u;
        };
        for (k, v) in members {
            let p = path.key(k);
            match (k.as_str(), v) {
                ("context", Json::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if let Some(s) = self.string(file, item, &p.index(i)) {
                            if u.has_key(&s) {
                                self.err(file, &p.index(i), ErrorKind::DuplicateContextKey(s));
                            } else {
                                u.context.push(s);
                            }
                        }
                    }
                }
                ("context", other) => self.wrong_type(file, &p, "an array of keys", other),
                ("resource", Json::Bool(b)) => u.resource = *b,
                ("resource", other) => self.wrong_type(file, &p, "true or false", other),
                _ => {}
            }
        }
        u
    }

    fn expect(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Option<Decision> {
        match v {
            Json::Null => None,
            Json::String(s) if s == "indeterminate" => {
                // The possible outcomes come from the `possible` member (see `request`).
                Some(Decision::Indeterminate(Possible::default()))
            }
            Json::String(s) => {
                let d = Decision::from_name(s);
                if d.is_none() {
                    self.err(
                        file,
                        path,
                        ErrorKind::Scenario(format!(
                            "unknown expectation {s:?} (expected \"allow\", \"explicit_deny\" or \
                             \"implicit_deny\")"
                        )),
                    );
                }
                d
            }
            other => {
                self.wrong_type(file, path, "a string", other);
                None
            }
        }
    }

    /// The request context (K-2).
    fn context(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Context {
        let mut ctx = Context::default();
        let Json::Object(members) = v else {
            if !matches!(v, Json::Null) {
                self.wrong_type(file, path, "an object", v);
            }
            return ctx;
        };
        // K-2: keys are case-insensitive (C-2), so two keys that differ only in case are
        // ambiguous and rejected; the same key twice is a duplicate key.
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (k, value) in members {
            let p = path.key(k);
            if let Some(first) = seen.get(&k.to_lowercase()) {
                let kind = if *first == k.as_str() {
                    ErrorKind::DuplicateKey(k.clone())
                } else {
                    ErrorKind::DuplicateContextKey(k.clone())
                };
                self.err(file, &p, kind);
                continue;
            }
            seen.insert(k.to_lowercase(), k.as_str());
            let parsed = match value {
                Json::Array(items) => {
                    let mut list = Vec::with_capacity(items.len());
                    for (i, item) in items.iter().enumerate() {
                        if let Some(s) = self.context_scalar(file, item, &p.index(i)) {
                            list.push(s);
                        }
                    }
                    // C-15: an empty list is kept; engines read it as an absent key.
                    Some(ContextValue::Multi(list))
                }
                other => self
                    .context_scalar(file, other, &p)
                    .map(ContextValue::Single),
            };
            if let Some(parsed) = parsed {
                ctx.insert(k.clone(), parsed);
            }
        }
        ctx
    }

    /// A string, or a JSON number/boolean converted to its text (K-2).
    fn context_scalar(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Option<String> {
        match v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.clone()),
            Json::Bool(b) => Some(b.to_string()),
            other => {
                self.wrong_type(
                    file,
                    path,
                    "a string, number, boolean or array of them",
                    other,
                );
                None
            }
        }
    }

    /// The policy fields among `members` (of a scenario or a request at `path`).
    fn policy_fields(
        &mut self,
        file: &Arc<str>,
        members: &[(String, Json)],
        path: &JsonPath,
    ) -> PolicyFields {
        let mut f = PolicyFields::default();
        let has = |name: &str| members.iter().any(|(k, _)| k == name);
        if has("permission_boundaries") && has("permission_boundary") {
            self.err(
                file,
                path,
                ErrorKind::BothElements("permission_boundaries", "permission_boundary"),
            );
        }
        for (k, v) in members {
            let p = path.key(k);
            match k.as_str() {
                "identity_policies" => {
                    f.identity = Some(self.policy_list(file, v, &p, PolicyKind::Identity))
                }
                "resource_policy" => {
                    f.resource = Some(self.opt_policy(file, v, &p, PolicyKind::Resource))
                }
                "permission_boundaries" => {
                    f.boundaries = Some(self.policy_list(file, v, &p, PolicyKind::Boundary))
                }
                "permission_boundary" => {
                    f.boundaries = Some(
                        self.opt_policy(file, v, &p, PolicyKind::Boundary)
                            .into_iter()
                            .collect(),
                    )
                }
                "session_policy" => {
                    f.session = Some(self.opt_policy(file, v, &p, PolicyKind::Session))
                }
                "scps" => f.scps = Some(self.levels(file, v, &p, PolicyKind::Scp)),
                "rcps" => f.rcps = Some(self.levels(file, v, &p, PolicyKind::Rcp)),
                "management_account" => {
                    f.management_account = Some(self.opt_string(file, v, &p));
                }
                "rcp_services" => {
                    f.rcp_services = Some(self.string_list(file, v, &p));
                }
                _ => {}
            }
        }
        f
    }

    /// An array of documents (`null` reads as none).
    fn policy_list(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Vec<Policy> {
        match v {
            Json::Null => Vec::new(),
            Json::Array(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, doc)| self.policy(file, doc, &path.index(i), kind))
                .collect(),
            other => {
                self.wrong_type(file, path, "an array of policy documents", other);
                Vec::new()
            }
        }
    }

    /// SCP/RCP levels: an array (root first) of arrays of documents (E-10, E-11).
    fn levels(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Vec<Vec<Policy>> {
        match v {
            Json::Null => Vec::new(),
            Json::Array(levels) => levels
                .iter()
                .enumerate()
                .map(|(l, level)| match level {
                    Json::Array(_) => self.policy_list(file, level, &path.index(l), kind),
                    other => {
                        self.wrong_type(
                            file,
                            &path.index(l),
                            "an array of policy documents (one level)",
                            other,
                        );
                        Vec::new()
                    }
                })
                .collect(),
            other => {
                self.wrong_type(
                    file,
                    path,
                    "an array of levels, each an array of policy documents",
                    other,
                );
                Vec::new()
            }
        }
    }

    /// A single document, or `null` for none.
    fn opt_policy(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Option<Policy> {
        match v {
            Json::Null => None,
            doc => self.policy(file, doc, path, kind),
        }
    }

    /// Parse one policy document; its source names the file and its place in it.
    fn policy(
        &mut self,
        file: &Arc<str>,
        doc: &Json,
        path: &JsonPath,
        kind: PolicyKind,
    ) -> Option<Policy> {
        let source = format!("{file}: {}", relative(path));
        let mode = if self.lenient {
            ReadMode::Lenient
        } else {
            ReadMode::Strict
        };
        let parsed = match doc {
            Json::Object(_) if doc.get("PolicyVersion").is_none() && self.lenient => Ok(
                parse_lenient_json(Arc::from(source.as_str()), doc, kind, self.limits),
            ),
            Json::Object(_) if doc.get("PolicyVersion").is_none() => {
                parse_policy_json(Arc::from(source.as_str()), doc, kind, self.limits)
            }
            // The CLI's `PolicyVersion` wrapper, or a document given as JSON text or
            // URL-encoded: the same readers as for a policy file.
            Json::Object(_) => parse_policy_with(
                &source,
                doc.to_json_string().as_bytes(),
                kind,
                self.limits,
                mode,
            ),
            Json::String(text) => {
                parse_policy_with(&source, text.as_bytes(), kind, self.limits, mode)
            }
            other => {
                self.wrong_type(file, path, "a policy document", other);
                return None;
            }
        };
        match parsed {
            Ok(p) => {
                self.warnings.extend(p.warnings);
                Some(p.policy)
            }
            Err(errors) => {
                self.errors.extend(errors);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use super::*;

    const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

    fn scenario_json(extra_request: &str) -> String {
        format!(
            r#"{{"name":"s","rule":"E-5","identity_policies":[{ALLOW_S3}],
                "requests":[{{"id":"r0","principal":"arn:aws:iam::111122223333:user/a",
                              "action":"s3:GetObject","expect":"allow"}}{extra_request}]}}"#
        )
    }

    fn errors_of(source: &str, text: &str) -> Vec<Error> {
        match load_bytes(source, text.as_bytes()) {
            Ok(l) => panic!("expected errors, loaded {} scenarios", l.scenarios.len()),
            Err(e) => e,
        }
    }

    #[test]
    fn single_scenario_object() {
        let l = load_bytes("t.json", scenario_json("").as_bytes()).unwrap();
        assert_eq!(l.scenarios.len(), 1);
        let s = &l.scenarios[0];
        assert_eq!(s.name, "s");
        assert_eq!(s.rule.as_deref(), Some("E-5"));
        let r = &s.requests[0];
        assert_eq!(r.id, "r0");
        assert_eq!(r.index, 0);
        assert_eq!(r.request.resource, "*", "R-9: resource defaults to *");
        assert_eq!(r.expect, Some(Decision::Allow));
        assert_eq!(r.policies.identity.len(), 1);
        assert_eq!(
            &*r.policies.identity[0].source,
            "t.json: identity_policies[0]"
        );
    }

    #[test]
    fn wrapper_array_and_jsonl_forms() {
        let one = scenario_json("");
        let wrapped = format!(r#"{{"scenarios":[{one},{one}]}}"#);
        assert_eq!(
            load_bytes("a.json", wrapped.as_bytes())
                .unwrap()
                .scenarios
                .len(),
            2
        );
        let array = format!("[{one},{one},{one}]");
        let l = load_bytes("a.json", array.as_bytes()).unwrap();
        assert_eq!(l.scenarios.len(), 3);
        assert_eq!(l.request_count(), 3);
        let lines = format!("{}\n\n{}\n", one.replace('\n', " "), one.replace('\n', " "));
        assert_eq!(
            load_bytes("a.jsonl", lines.as_bytes())
                .unwrap()
                .scenarios
                .len(),
            2
        );
    }

    #[test]
    fn policy_source_names_file_and_place() {
        let one = scenario_json("");
        let wrapped = format!(r#"{{"scenarios":[{one},{one}]}}"#);
        let l = load_bytes("cases.json", wrapped.as_bytes()).unwrap();
        assert_eq!(
            &*l.scenarios[1].requests[0].policies.identity[0].source,
            "cases.json: scenarios[1].identity_policies[0]"
        );
        assert_eq!(l.scenarios[1].name, "s");
    }

    #[test]
    fn requests_share_the_scenario_policy_set_unless_they_override() {
        let extra = r#",{"principal":"p","action":"s3:GetObject"},
            {"principal":"p","action":"s3:GetObject","identity_policies":[],
             "session_policy":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}}"#;
        let l = load_bytes("t.json", scenario_json(extra).as_bytes()).unwrap();
        let r = &l.scenarios[0].requests;
        assert!(Arc::ptr_eq(&r[0].policies, &r[1].policies));
        assert!(!Arc::ptr_eq(&r[0].policies, &r[2].policies));
        assert_eq!(r[1].id, "1", "id defaults to the index");
        assert!(r[2].policies.identity.is_empty());
        assert!(r[2].policies.session.is_some());
        assert_eq!(r[1].expect, None);
    }

    #[test]
    fn all_policy_kinds_and_levels() {
        let doc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        let rdoc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#;
        let text = format!(
            r#"{{"identity_policies":[{doc}],"resource_policy":{rdoc},"permission_boundary":{doc},
                "session_policy":{doc},"scps":[[{doc}],[{doc},{doc}]],"rcps":[[{rdoc}]],
                "management_account":"999988887777",
                "requests":[{{"principal":"p","action":"a:b"}}]}}"#
        );
        let l = load_bytes("t.json", text.as_bytes()).unwrap();
        let set = &l.scenarios[0].requests[0].policies;
        assert!(set.resource.is_some());
        assert_eq!(set.boundaries.len(), 1);
        assert!(set.session.is_some());
        assert_eq!(set.scps.len(), 2);
        assert_eq!(set.scps[1].len(), 2);
        assert_eq!(set.scps[1][1].kind, PolicyKind::Scp);
        assert_eq!(set.rcps[0][0].kind, PolicyKind::Rcp);
        assert_eq!(set.management_account.as_deref(), Some("999988887777"));
        assert_eq!(l.scenarios[0].name, "scenario");
    }

    #[test]
    fn context_values_k2() {
        let extra = r#",{"principal":"p","action":"a:b","context":{"aws:TagKeys":["a","b"],
            "aws:MultiFactorAuthAge":3600,"aws:SecureTransport":true,"aws:Empty":[]}}"#;
        let l = load_bytes("t.json", scenario_json(extra).as_bytes()).unwrap();
        let ctx = &l.scenarios[0].requests[1].request.context;
        assert_eq!(
            ctx.get("aws:tagkeys"),
            Some(&ContextValue::Multi(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            ctx.get("aws:MultiFactorAuthAge"),
            Some(&ContextValue::Single("3600".into()))
        );
        assert_eq!(
            ctx.get("aws:SecureTransport"),
            Some(&ContextValue::Single("true".into()))
        );
        assert_eq!(ctx.get("aws:Empty"), Some(&ContextValue::Multi(vec![])));
    }

    #[test]
    fn context_keys_differing_in_case_are_rejected() {
        let extra = r#",{"principal":"p","action":"a:b","context":{"aws:username":"a","AWS:UserName":"b"}}"#;
        let errors = errors_of("t.json", &scenario_json(extra));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].kind,
            ErrorKind::DuplicateContextKey("AWS:UserName".into())
        );
        assert_eq!(
            errors[0].path.as_str(),
            r#"$.requests[1].context["AWS:UserName"]"#
        );
    }

    #[test]
    fn errors_name_file_and_path_and_are_all_collected() {
        let text = r#"{"scenarios":[
            {"name":"a","identity_policies":[{"Statement":{"Effect":"Alow","Action":"*","Resource":"*"}}],
             "requests":[{"principal":"p","action":"a:b","expect":"deny"},
                         {"action":"a:b","expeect":"allow"}]},
            {"name":"b","requests":"no"}]}"#;
        let errors = errors_of("cases.json", text);
        let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        let has = |needle: &str| shown.iter().any(|s| s.contains(needle));
        assert!(
            has("cases.json: scenarios[0].identity_policies[0]: $.Statement.Effect"),
            "{shown:#?}"
        );
        assert!(
            has("cases.json: $.scenarios[0].requests[0].expect: unknown expectation \"deny\""),
            "{shown:#?}"
        );
        assert!(
            has("cases.json: $.scenarios[0].requests[1]: missing required element \"principal\""),
            "{shown:#?}"
        );
        assert!(
            has(
                r#"$.scenarios[0].requests[1].expeect: unknown element "expeect" (did you mean "expect"?)"#
            ),
            "{shown:#?}"
        );
        assert!(
            has("cases.json: $.scenarios[1].requests: expected an array of requests"),
            "{shown:#?}"
        );
    }

    #[test]
    fn malformed_inputs_are_errors_not_panics() {
        for (name, text) in [
            ("t.json", ""),
            ("t.json", "{"),
            ("t.json", "42"),
            ("t.json", "[1]"),
            ("t.json", r#"{"scenarios":{}}"#),
            ("t.json", r#"{"requests":[{"principal":1,"action":[]}]}"#),
            ("t.json", r#"{"requests":[],"scps":[{}]}"#),
            ("t.json", r#"{"requests":[],"identity_policies":{}}"#),
            ("t.json", r#"{"requests":[],"identity_policies":[7]}"#),
            (
                "t.json",
                r#"{"requests":[{"principal":"p","action":"a:b","context":{"k":null}}]}"#,
            ),
            (
                "t.json",
                r#"{"requests":[{"principal":"p","action":"a:b","context":[]}]}"#,
            ),
            (
                "t.json",
                r#"{"requests":[],"permission_boundary":null,"permission_boundaries":[]}"#,
            ),
            ("t.jsonl", "{\"requests\":[]}\nnot json\n"),
            ("t.json", &"[".repeat(100_000)),
        ] {
            let errors = errors_of(name, text);
            assert!(!errors.is_empty(), "{text:?}");
            assert!(
                errors.iter().all(|e| e.source.starts_with(name)),
                "{errors:?}"
            );
        }
    }

    #[test]
    fn jsonl_errors_name_the_line() {
        let errors = errors_of("t.jsonl", "{\"requests\":[]}\n\n{\"requests\":[{}]}\n");
        assert_eq!(&*errors[0].source, "t.jsonl:3");
        assert_eq!(errors[0].path.as_str(), "$.requests[0]");
    }

    #[test]
    fn warnings_are_returned_beside() {
        let text = r#"{"identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}],
                       "requests":[]}"#;
        let l = load_bytes("w.json", text.as_bytes()).unwrap();
        assert_eq!(l.warnings.len(), 1, "G-2: missing Version");
        assert_eq!(&*l.warnings[0].source, "w.json: identity_policies[0]");
    }

    #[test]
    fn string_and_wrapped_documents() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%7D";
        let text = format!(
            r#"{{"identity_policies":["{enc}",{{"PolicyVersion":{{"Document":{ALLOW_S3}}}}}],
                "requests":[{{"principal":"p","action":"a:b"}}]}}"#
        );
        let l = load_bytes("t.json", text.as_bytes()).unwrap();
        assert_eq!(l.scenarios[0].requests[0].policies.identity.len(), 2);
    }

    #[test]
    fn missing_file_is_an_io_error() {
        let errors = load_file("/nonexistent/iamc/cases.json").unwrap_err();
        assert!(matches!(errors[0].kind, ErrorKind::Io(_)));
        assert_eq!(&*errors[0].source, "/nonexistent/iamc/cases.json");
    }
}
