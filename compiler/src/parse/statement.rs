//! The policy and statement level of the parser: elements (G-3 … G-11), `Sid`s, effects,
//! lenient reading into opaque statements (G-21), and the list and pattern limits.

use super::*;

impl PolicyParser<'_> {
    pub(super) fn err(&mut self, path: &JsonPath, kind: ErrorKind) {
        self.errors.push(Error::new(&self.source, path, kind));
    }

    pub(super) fn warn(&mut self, path: &JsonPath, kind: WarningKind) {
        self.warnings.push(Warning {
            source: Arc::clone(&self.source),
            path: path.clone(),
            kind,
        });
    }

    pub(super) fn wrong_type(&mut self, path: &JsonPath, expected: &'static str, found: &Json) {
        self.err(
            path,
            ErrorKind::WrongType {
                expected,
                found: found.type_name(),
            },
        );
    }

    /// The members of an object, reporting duplicate keys (G-19) and unknown ones (G-1/G-5).
    pub(super) fn members<'j>(
        &mut self,
        value: &'j Json,
        path: &JsonPath,
        allowed: Option<&[&str]>,
    ) -> Option<&'j [(String, Json)]> {
        let Json::Object(members) = value else {
            self.wrong_type(path, "an object", value);
            return None;
        };
        let mut seen = HashSet::new();
        for (k, _) in members {
            if !seen.insert(k.as_str()) {
                self.err(&path.key(k), ErrorKind::DuplicateKey(k.clone()));
            }
            if let Some(allowed) = allowed {
                if !allowed.contains(&k.as_str()) {
                    let suggestion = suggest(k, allowed.iter().copied());
                    self.err(
                        &path.key(k),
                        ErrorKind::UnknownElement {
                            name: k.clone(),
                            suggestion,
                        },
                    );
                }
            }
        }
        Some(members)
    }

    pub(super) fn policy(&mut self, doc: &Json) -> Option<Policy> {
        let root = JsonPath::root();
        let members = self.members(doc, &root, Some(&TOP_ELEMENTS))?;
        let get = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v);

        // G-2
        let mut version_written = false;
        match get("Version") {
            None => {
                self.warn(&root, WarningKind::MissingVersion);
            }
            Some(Json::String(v)) if v == "2012-10-17" => {
                self.version = Version::V2012_10_17;
                version_written = true;
            }
            Some(Json::String(v)) if v == "2008-10-17" => version_written = true,
            Some(Json::String(v)) => {
                self.err(&root.key("Version"), ErrorKind::InvalidVersion(v.clone()))
            }
            Some(other) => self.wrong_type(&root.key("Version"), "a string", other),
        }
        // G-3
        let id = match get("Id") {
            None => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(other) => {
                self.wrong_type(&root.key("Id"), "a string", other);
                None
            }
        };
        // G-4
        let spath = root.key("Statement");
        let statements: Vec<(JsonPath, &Json)> = match get("Statement") {
            None => {
                self.err(&root, ErrorKind::MissingElement("Statement"));
                return None;
            }
            Some(obj @ Json::Object(_)) => vec![(spath, obj)],
            Some(Json::Array(items)) => {
                if items.is_empty() {
                    self.err(&spath, ErrorKind::EmptyArray);
                }
                if items.len() > self.limits.max_statements {
                    self.err(
                        &spath,
                        ErrorKind::TooMany {
                            what: "statements",
                            limit: self.limits.max_statements,
                            count: items.len(),
                        },
                    );
                    return None;
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (spath.index(i), s))
                    .collect()
            }
            Some(other) => {
                self.wrong_type(&spath, "an object or an array of objects", other);
                return None;
            }
        };
        let mut out = Vec::with_capacity(statements.len());
        let mut sids: HashSet<String> = HashSet::new();
        for (index, (path, st)) in statements.into_iter().enumerate() {
            if let Some(st) = self.statement(index, &path, st) {
                if let Some(sid) = &st.sid {
                    if !sids.insert(sid.clone()) {
                        self.warn(&path.key("Sid"), WarningKind::DuplicateSid(sid.clone()));
                    }
                }
                out.push(st);
            }
        }
        Some(Policy {
            source: Arc::clone(&self.source),
            kind: self.kind,
            version: self.version,
            version_written,
            id,
            statements: out,
        })
    }

    pub(super) fn statement(
        &mut self,
        index: usize,
        path: &JsonPath,
        st: &Json,
    ) -> Option<Statement> {
        let errors_before = self.errors.len();
        let Some(members) = self.members(st, path, Some(&STATEMENT_ELEMENTS)) else {
            return self.opaque_unknown(index, path, errors_before);
        };
        let get = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| v);

        let sid = match get("Sid") {
            None => None,
            Some(Json::String(s)) => Some(s.clone()),
            Some(other) => {
                self.wrong_type(&path.key("Sid"), "a string", other);
                None
            }
        };
        // G-8
        let effect = match get("Effect") {
            Some(Json::String(e)) if e == "Allow" => Some(Effect::Allow),
            Some(Json::String(e)) if e == "Deny" => Some(Effect::Deny),
            Some(Json::String(e)) => {
                self.err(&path.key("Effect"), ErrorKind::InvalidEffect(e.clone()));
                None
            }
            Some(other) => {
                self.wrong_type(&path.key("Effect"), "a string", other);
                None
            }
            None => {
                self.err(path, ErrorKind::MissingElement("Effect"));
                None
            }
        };
        // G-11, G-12, G-13
        let principal = self.principal_part(path, get("Principal"), get("NotPrincipal"), effect);
        // G-9
        let action = match self.pair(path, "Action", "NotAction", get("Action"), get("NotAction")) {
            Some((negated, epath, value)) => self.action_part(negated, epath, value),
            None => None,
        };
        // G-10
        let resource = match self.pair(
            path,
            "Resource",
            "NotResource",
            get("Resource"),
            get("NotResource"),
        ) {
            Some((negated, epath, value)) => self.resource_part(negated, epath, value),
            None => None,
        };
        // G-14
        let conditions = match get("Condition") {
            None => Vec::new(),
            Some(c) => self.conditions(&path.key("Condition"), c),
        };
        if self.errors.len() != errors_before {
            if !self.lenient {
                return None;
            }
            // G-21: keep every part that parsed; a part that did not matches everything,
            // and the statement applies at most "unknown" (E-21). A condition entry that did
            // not parse is left out: with the statement capped at unknown, that is the same
            // as an entry whose truth is unknown.
            let errors = self.take_errors(errors_before);
            self.warn(path, WarningKind::OpaqueStatement(describe_errors(&errors)));
            return Some(Statement {
                index,
                path: path.clone(),
                sid,
                effect: effect.unwrap_or(Effect::Deny),
                principal: match principal {
                    Some(p) => p,
                    None => self.kind.has_principal().then(PrincipalPart::anyone),
                },
                action: action.unwrap_or_else(ActionPart::any),
                resource: resource.unwrap_or_else(ResourcePart::any),
                conditions,
                opaque: Some(Box::new(Opaque {
                    errors,
                    effect_unknown: effect.is_none(),
                })),
            });
        }
        Some(Statement {
            index,
            path: path.clone(),
            sid,
            effect: effect?,
            principal: principal.unwrap_or(None),
            action: action?,
            resource: resource?,
            conditions,
            opaque: None,
        })
    }

    /// Lenient reads: the errors since `from`, moved out of the error list (they now belong to
    /// an opaque statement and are reported as its reasons).
    pub(super) fn take_errors(&mut self, from: usize) -> Vec<Error> {
        let errors: Vec<Error> = self.errors.drain(from..).collect();
        self.opaque_errors.extend(errors.iter().cloned());
        errors
    }

    /// A statement that is not even an object: strict reads fail; lenient reads keep an
    /// opaque statement of which nothing is known (G-21).
    pub(super) fn opaque_unknown(
        &mut self,
        index: usize,
        path: &JsonPath,
        from: usize,
    ) -> Option<Statement> {
        if !self.lenient {
            return None;
        }
        let errors = self.take_errors(from);
        self.warn(path, WarningKind::OpaqueStatement(describe_errors(&errors)));
        Some(Statement::unknown(index, path.clone(), self.kind, errors))
    }

    /// Exactly one of a pair of elements (G-9, G-10).
    pub(super) fn pair<'j>(
        &mut self,
        path: &JsonPath,
        a: &'static str,
        b: &'static str,
        va: Option<&'j Json>,
        vb: Option<&'j Json>,
    ) -> Option<(bool, JsonPath, &'j Json)> {
        match (va, vb) {
            (Some(_), Some(_)) => {
                self.err(path, ErrorKind::BothElements(a, b));
                None
            }
            (None, None) => {
                self.err(path, ErrorKind::NeitherElement(a, b));
                None
            }
            (Some(v), None) => Some((false, path.key(a), v)),
            (None, Some(v)) => Some((true, path.key(b), v)),
        }
    }

    /// A value list must be non-empty (G-9, G-10, G-14) and within `max_list_len`.
    pub(super) fn check_list_len(&mut self, path: &JsonPath, len: usize) -> bool {
        if len == 0 {
            self.err(path, ErrorKind::EmptyArray);
            return false;
        }
        if len > self.limits.max_list_len {
            self.err(
                path,
                ErrorKind::TooMany {
                    what: "values",
                    limit: self.limits.max_list_len,
                    count: len,
                },
            );
            return false;
        }
        true
    }

    /// A string or a non-empty array of strings (G-15), with each element's path.
    pub(super) fn string_list(
        &mut self,
        path: &JsonPath,
        value: &Json,
    ) -> Option<Vec<(JsonPath, String)>> {
        match value {
            Json::String(s) => Some(vec![(path.clone(), s.clone())]),
            Json::Array(items) => {
                if !self.check_list_len(path, items.len()) {
                    return None;
                }
                let mut out = Vec::with_capacity(items.len());
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Json::String(s) => out.push((path.index(i), s.clone())),
                        other => {
                            self.wrong_type(&path.index(i), "a string", other);
                            ok = false;
                        }
                    }
                }
                ok.then_some(out)
            }
            other => {
                self.wrong_type(path, "a string or an array of strings", other);
                None
            }
        }
    }

    /// Length and wildcard-count limits on one glob pattern.
    pub(super) fn check_pattern_limits(&mut self, path: &JsonPath, text: &str) -> bool {
        if text.len() > self.limits.max_pattern_bytes {
            self.err(
                path,
                ErrorKind::PatternTooLong {
                    limit: self.limits.max_pattern_bytes,
                    what: "bytes in one pattern",
                },
            );
            return false;
        }
        let wildcards = text.bytes().filter(|b| *b == b'*' || *b == b'?').count();
        if wildcards > self.limits.max_wildcards {
            self.err(
                path,
                ErrorKind::PatternTooLong {
                    limit: self.limits.max_wildcards,
                    what: "wildcards in one pattern",
                },
            );
            return false;
        }
        true
    }
}
