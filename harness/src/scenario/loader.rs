//! The scenario loader's state and the file, scenario and scalar readers; requests
//! ([`super::request`]) and policies ([`super::policies`]) are read by the same [`Loader`] in
//! their own files.

use std::collections::HashSet;
use std::sync::Arc;

use iamc_compiler::ast::{JsonPath, ParsedSet};
use iamc_compiler::check::Warning;
use iamc_compiler::error::{suggest, Error, ErrorKind};
use iamc_compiler::json::Json;
use iamc_compiler::limits::Limits;

use super::Scenario;

pub(super) const SCENARIO_FIELDS: [&str; 14] = [
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

pub(super) const REQUEST_FIELDS: [&str; 20] = [
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

/// Reads scenarios, collecting every error and warning rather than stopping at the first.
pub(super) struct Loader<'a> {
    pub(super) limits: &'a Limits,
    pub(super) errors: Vec<Error>,
    pub(super) warnings: Vec<Warning>,
    /// The scenario being read has `"lenient": true` (G-21).
    pub(super) lenient: bool,
}

/// `$.scenarios[3].identity_policies[0]` → `scenarios[3].identity_policies[0]`, for naming a
/// policy document inside the file.
pub(super) fn relative(path: &JsonPath) -> &str {
    let s = path.as_str();
    let s = s.strip_prefix('$').unwrap_or(s);
    s.strip_prefix('.').unwrap_or(s)
}

impl Loader<'_> {
    pub(super) fn err(&mut self, file: &Arc<str>, path: &JsonPath, kind: ErrorKind) {
        self.errors.push(Error::new(file, path, kind));
    }

    pub(super) fn wrong_type(
        &mut self,
        file: &Arc<str>,
        path: &JsonPath,
        expected: &'static str,
        v: &Json,
    ) {
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
    pub(super) fn members<'j>(
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
    pub(super) fn document(&mut self, file: &Arc<str>, doc: &Json, out: &mut Vec<Scenario>) {
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

    pub(super) fn scenario_list(
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

    pub(super) fn string(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Option<String> {
        match v {
            Json::String(s) => Some(s.clone()),
            other => {
                self.wrong_type(file, path, "a string", other);
                None
            }
        }
    }

    /// An array of strings (E-10's service list); an element that is not a string is an error.
    pub(super) fn string_list(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
    ) -> Vec<String> {
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
    pub(super) fn opt_string(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
    ) -> Option<String> {
        match v {
            Json::Null => None,
            other => self.string(file, other, path),
        }
    }

    /// One scenario object at `path`; `label` is its default name.
    pub(super) fn scenario(
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
        let set = Arc::new(fields.apply(&ParsedSet::default()));
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
}
