//! Reading one request object: principal, action, resource, context (K-2), unknowns (K-13),
//! the expected decision or possible set (E-21) and its policy overrides.

use std::collections::HashMap;
use std::sync::Arc;

use iamc_compiler::ast::{JsonPath, ParsedSet};
use iamc_compiler::error::ErrorKind;
use iamc_compiler::json::Json;
use iamc_runtime::{Decision, Possible};

use super::loader::{Loader, REQUEST_FIELDS};
use super::ScenarioRequest;
use crate::request::{Context, ContextValue, Request, Unknowns};

impl Loader<'_> {
    /// One request object; `base` is the scenario's policy set.
    pub(super) fn request(
        &mut self,
        file: &Arc<str>,
        value: &Json,
        path: &JsonPath,
        index: usize,
        base: &Arc<ParsedSet>,
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
                // a request without a resource is for `*`.
                resource: resource.unwrap_or_else(|| "*".to_string()),
                resource_account,
                context,
                unknown,
            },
            expect,
        })
    }

    /// E-21: the sorted list of possible outcomes of an indeterminate decision (≥ 2).
    pub(super) fn possible(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
    ) -> Option<Possible> {
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
    pub(super) fn unknown(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Unknowns {
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

    pub(super) fn expect(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
    ) -> Option<Decision> {
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
    pub(super) fn context(&mut self, file: &Arc<str>, v: &Json, path: &JsonPath) -> Context {
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
    pub(super) fn context_scalar(
        &mut self,
        file: &Arc<str>,
        v: &Json,
        path: &JsonPath,
    ) -> Option<String> {
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
}
