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
use crate::check::{Warning, WarningKind};
use crate::error::{suggest, Error, ErrorKind};
use crate::json::{self, Json};
use crate::limits::Limits;
use iamc_runtime::compiler_support::value;

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
fn unreadable(source: Arc<str>, kind: PolicyKind, errors: Vec<Error>) -> Parsed {
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
fn read_document(source: &Arc<str>, bytes: &[u8], limits: &Limits) -> Result<Json, Vec<Error>> {
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
fn unwrap_document(source: &Arc<str>, doc: Json, limits: &Limits) -> Result<Json, Vec<Error>> {
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

fn trim_ascii(b: &[u8]) -> &[u8] {
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

struct PolicyParser<'a> {
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

const TOP_ELEMENTS: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: [&str; 9] = [
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
const PRINCIPAL_KEYS: [&str; 4] = ["AWS", "Service", "Federated", "CanonicalUser"];

impl PolicyParser<'_> {
    fn err(&mut self, path: &JsonPath, kind: ErrorKind) {
        self.errors.push(Error::new(&self.source, path, kind));
    }

    fn warn(&mut self, path: &JsonPath, kind: WarningKind) {
        self.warnings.push(Warning {
            source: Arc::clone(&self.source),
            path: path.clone(),
            kind,
        });
    }

    fn wrong_type(&mut self, path: &JsonPath, expected: &'static str, found: &Json) {
        self.err(
            path,
            ErrorKind::WrongType {
                expected,
                found: found.type_name(),
            },
        );
    }

    /// The members of an object, reporting duplicate keys (G-19) and unknown ones (G-1/G-5).
    fn members<'j>(
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

    fn policy(&mut self, doc: &Json) -> Option<Policy> {
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

    fn statement(&mut self, index: usize, path: &JsonPath, st: &Json) -> Option<Statement> {
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
    fn take_errors(&mut self, from: usize) -> Vec<Error> {
        let errors: Vec<Error> = self.errors.drain(from..).collect();
        self.opaque_errors.extend(errors.iter().cloned());
        errors
    }

    /// A statement that is not even an object: strict reads fail; lenient reads keep an
    /// opaque statement of which nothing is known (G-21).
    fn opaque_unknown(&mut self, index: usize, path: &JsonPath, from: usize) -> Option<Statement> {
        if !self.lenient {
            return None;
        }
        let errors = self.take_errors(from);
        self.warn(path, WarningKind::OpaqueStatement(describe_errors(&errors)));
        Some(Statement::unknown(index, path.clone(), self.kind, errors))
    }

    /// Exactly one of a pair of elements (G-9, G-10).
    fn pair<'j>(
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
    fn check_list_len(&mut self, path: &JsonPath, len: usize) -> bool {
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
    fn string_list(&mut self, path: &JsonPath, value: &Json) -> Option<Vec<(JsonPath, String)>> {
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
    fn check_pattern_limits(&mut self, path: &JsonPath, text: &str) -> bool {
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

    fn action_part(&mut self, negated: bool, path: JsonPath, value: &Json) -> Option<ActionPart> {
        let list = self.string_list(&path, value)?;
        let mut patterns = Vec::with_capacity(list.len());
        let mut ok = true;
        for (p, text) in list {
            if !self.check_pattern_limits(&p, &text) {
                ok = false;
                continue;
            }
            if text.contains("${") {
                // A-8
                self.err(&p, ErrorKind::VariableInAction(text));
                ok = false;
                continue;
            }
            if text != "*" {
                let reason = match text.split_once(':') {
                    None => Some("expected \"*\" or \"service:action\""),
                    Some(("", _)) => Some("empty service prefix"),
                    Some((prefix, _)) if prefix.contains(['*', '?']) => {
                        Some("wildcards are not allowed in the service prefix")
                    }
                    Some((_, "")) => Some("empty action name"),
                    Some(_) => None,
                };
                if let Some(reason) = reason {
                    self.err(
                        &p,
                        ErrorKind::InvalidAction {
                            action: text,
                            reason,
                        },
                    );
                    ok = false;
                    continue;
                }
            }
            patterns.push(ActionPattern { text, path: p });
        }
        ok.then_some(ActionPart {
            negated,
            patterns,
            path,
        })
    }

    fn resource_part(
        &mut self,
        negated: bool,
        path: JsonPath,
        value: &Json,
    ) -> Option<ResourcePart> {
        let list = self.string_list(&path, value)?;
        let mut patterns = Vec::with_capacity(list.len());
        let mut ok = true;
        for (p, text) in list {
            if !self.check_pattern_limits(&p, &text) {
                ok = false;
                continue;
            }
            match self.resource_pattern(&p, &text) {
                Some(template) => patterns.push(ResourcePattern {
                    text,
                    template,
                    path: p,
                }),
                None => ok = false,
            }
        }
        if negated && self.version.substitutes_variables() {
            for pat in &patterns {
                if pat.template.has_variables() {
                    // V-6: an unresolved variable in NotResource excludes nothing.
                    self.warnings.push(Warning {
                        source: Arc::clone(&self.source),
                        path: pat.path.clone(),
                        kind: WarningKind::VariableInNotResource,
                    });
                }
            }
        }
        ok.then_some(ResourcePart {
            negated,
            patterns,
            path,
        })
    }

    /// G-10, V-3: `*` or an ARN of six fields. Variables may stand in the region, account and
    /// resource fields (AWS ships `arn:*:kms:*:${aws:PrincipalAccount}:key/*` in a managed
    /// policy), not in the partition or service field. The whole text is one template: it is
    /// substituted before it is matched as one glob over the request ARN (R-3), so a variable's
    /// value is never split into fields.
    fn resource_pattern(&mut self, path: &JsonPath, text: &str) -> Option<Template> {
        if text == "*" {
            return Some(Template::text("*"));
        }
        let subst = self.version.substitutes_variables();
        // Count the colons outside `${...}`; note in which field the first variable opens.
        let bytes = text.as_bytes();
        let mut colons = 0;
        let mut i = 0;
        let mut first_var_field = None;
        while i < bytes.len() {
            if subst && bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
                first_var_field.get_or_insert(colons);
                match text[i..].find('}') {
                    Some(close) => i += close + 1,
                    None => break,
                }
                continue;
            }
            if bytes[i] == b':' {
                colons += 1;
            }
            i += 1;
        }
        if !text.starts_with("arn:") {
            self.err(
                path,
                ErrorKind::InvalidResource {
                    resource: text.to_string(),
                    reason: "expected \"*\" or an ARN starting with \"arn:\"",
                },
            );
            return None;
        }
        if colons < 5 {
            self.err(
                path,
                ErrorKind::InvalidResource {
                    resource: text.to_string(),
                    reason: "an ARN needs six colon-separated fields",
                },
            );
            return None;
        }
        // Fields: 0 `arn`, 1 partition, 2 service, 3 region, 4 account, 5 resource.
        match first_var_field {
            Some(field) if field < 3 => {
                self.err(path, ErrorKind::VariableInArnPrefix(text.to_string()));
                return None;
            }
            Some(field) if field < 5 => self.warnings.push(Warning {
                source: Arc::clone(&self.source),
                path: path.clone(),
                kind: WarningKind::VariableOutsideResourcePart(text.to_string()),
            }),
            _ => {}
        }
        if !subst {
            return Some(Template::text(text));
        }
        self.template(path, text)
    }

    /// Split text into literal text and variables (V-1, V-4, V-5), reporting G-20 errors.
    fn template(&mut self, path: &JsonPath, text: &str) -> Option<Template> {
        match parse_template(text) {
            Ok(t) => Some(t),
            Err(reason) => {
                self.err(
                    path,
                    ErrorKind::MalformedVariable {
                        text: text.to_string(),
                        reason,
                    },
                );
                None
            }
        }
    }

    fn principal_part(
        &mut self,
        path: &JsonPath,
        principal: Option<&Json>,
        not_principal: Option<&Json>,
        effect: Option<Effect>,
    ) -> Option<Option<PrincipalPart>> {
        let (negated, epath, value) = match (principal, not_principal) {
            (None, None) => {
                if self.kind.has_principal() {
                    self.err(path, ErrorKind::MissingPrincipal);
                    return None;
                }
                return Some(None);
            }
            (Some(_), Some(_)) => {
                self.err(path, ErrorKind::BothElements("Principal", "NotPrincipal"));
                return None;
            }
            (Some(v), None) => (false, path.key("Principal"), v),
            (None, Some(v)) => (true, path.key("NotPrincipal"), v),
        };
        if !self.kind.has_principal() {
            let kind = match self.kind {
                PolicyKind::Identity => "identity",
                PolicyKind::Boundary => "permissions boundary",
                PolicyKind::Session => "session",
                _ => "service control",
            };
            self.err(&epath, ErrorKind::PrincipalNotAllowed(kind));
            return None;
        }
        if negated && effect == Some(Effect::Allow) {
            self.err(&epath, ErrorKind::NotPrincipalWithAllow);
            return None;
        }
        let mut part = PrincipalPart {
            negated,
            wildcard: false,
            entries: Vec::new(),
            path: epath.clone(),
        };
        match value {
            Json::String(s) if s == "*" => part.wildcard = true,
            Json::String(s) => {
                self.err(&epath, ErrorKind::InvalidPrincipal(s.clone()));
                return None;
            }
            obj @ Json::Object(_) => {
                let members = self.members(obj, &epath, Some(&PRINCIPAL_KEYS))?;
                if members.is_empty() {
                    self.err(&epath, ErrorKind::EmptyArray);
                    return None;
                }
                for (key, v) in members {
                    let kind = match key.as_str() {
                        "AWS" => PrincipalType::Aws,
                        "Service" => PrincipalType::Service,
                        "Federated" => PrincipalType::Federated,
                        "CanonicalUser" => PrincipalType::CanonicalUser,
                        _ => continue, // reported by members()
                    };
                    let kpath = epath.key(key);
                    let list = self.string_list(&kpath, v)?;
                    for (p, value) in list {
                        if value.is_empty() {
                            self.err(&p, ErrorKind::InvalidPrincipal(value));
                            continue;
                        }
                        if kind == PrincipalType::Aws && value == "*" {
                            part.wildcard = true;
                            continue;
                        }
                        let value = if kind == PrincipalType::Aws
                            && value.len() == 12
                            && value.bytes().all(|b| b.is_ascii_digit())
                        {
                            format!("arn:aws:iam::{value}:root")
                        } else {
                            value
                        };
                        if value.contains(['*', '?']) {
                            self.warn(&p, WarningKind::WildcardInPrincipal(value.clone()));
                        }
                        part.entries.push(PrincipalEntry {
                            kind,
                            value,
                            path: p,
                        });
                    }
                }
            }
            other => {
                self.wrong_type(&epath, "\"*\" or an object", other);
                return None;
            }
        }
        if self.kind == PolicyKind::Rcp && (negated || !part.wildcard || !part.entries.is_empty()) {
            self.err(&epath, ErrorKind::RcpPrincipal);
            return None;
        }
        Some(Some(part))
    }

    fn conditions(&mut self, path: &JsonPath, value: &Json) -> Vec<Condition> {
        let mut out = Vec::new();
        let Some(ops) = self.members(value, path, None) else {
            return out;
        };
        for (op_name, keys) in ops {
            let op_path = path.key(op_name);
            let Some(op) = Operator::parse(op_name) else {
                let names = Operator::all_names();
                let suggestion = suggest(op_name, names.iter().map(String::as_str));
                self.err(
                    &op_path,
                    ErrorKind::UnknownOperator {
                        name: op_name.clone(),
                        suggestion,
                    },
                );
                continue;
            };
            let Some(keys) = self.members(keys, &op_path, None) else {
                continue;
            };
            let mut seen_lower: HashSet<String> = HashSet::new();
            for (key, values) in keys {
                let kpath = op_path.key(key);
                if key.is_empty() {
                    self.err(&kpath, ErrorKind::EmptyConditionKey);
                    continue;
                }
                if !seen_lower.insert(key.to_lowercase()) && !keys_exact_dup(keys, key) {
                    self.err(&kpath, ErrorKind::DuplicateConditionKey(key.clone()));
                }
                if let Some(values) = self.condition_values(&op, &kpath, values) {
                    if op.base == BaseOp::Bool && values.len() > 1 {
                        self.warn(&kpath, WarningKind::MultipleBoolValues);
                    }
                    out.push(Condition {
                        op: op.clone(),
                        key: key.clone(),
                        values,
                        path: kpath,
                    });
                }
            }
        }
        out
    }

    /// G-14, G-16, G-18, V-3: the values under one key.
    fn condition_values(
        &mut self,
        op: &Operator,
        path: &JsonPath,
        value: &Json,
    ) -> Option<Vec<ConditionValue>> {
        let items: Vec<(JsonPath, &Json)> = match value {
            Json::Array(items) => {
                if !self.check_list_len(path, items.len()) {
                    return None;
                }
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (path.index(i), v))
                    .collect()
            }
            other => vec![(path.clone(), other)],
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (p, item) in items {
            let text = match item {
                Json::String(s) => s.clone(),
                Json::Number(n) => n.clone(),
                Json::Bool(b) => b.to_string(),
                other => {
                    self.wrong_type(&p, "a string, number or boolean", other);
                    ok = false;
                    continue;
                }
            };
            match self.condition_value(op, &p, text) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn condition_value(
        &mut self,
        op: &Operator,
        path: &JsonPath,
        text: String,
    ) -> Option<ConditionValue> {
        if text.len() > self.limits.max_pattern_bytes {
            self.err(
                path,
                ErrorKind::PatternTooLong {
                    limit: self.limits.max_pattern_bytes,
                    what: "bytes in one value",
                },
            );
            return None;
        }
        let vt = op.base.value_type();
        let subst = self.version.substitutes_variables();
        if (matches!(op.base, BaseOp::StringLike | BaseOp::StringNotLike) || vt == ValueType::Arn)
            && !self.check_pattern_limits(path, &text)
        {
            return None;
        }
        let invalid = |expected: &'static str| ErrorKind::InvalidValue {
            operator: op.to_string(),
            value: text.clone(),
            expected,
        };
        if subst && text.contains("${") && !op.base.allows_variables() {
            // V-3: only string and ARN operators take variables.
            self.err(
                path,
                ErrorKind::VariableNotAllowed {
                    operator: op.to_string(),
                },
            );
            return None;
        }
        let error = match vt {
            ValueType::String | ValueType::Arn => None,
            ValueType::Numeric => value::Decimal::parse(&text)
                .is_none()
                .then(|| invalid("a decimal number")),
            ValueType::Date => value::parse_date(&text)
                .is_none()
                .then(|| invalid("an ISO 8601 date or epoch seconds")),
            ValueType::Bool | ValueType::Null => value::parse_bool(&text)
                .is_none()
                .then(|| invalid("true or false")),
            ValueType::Binary => value::base64_decoded_len(&text)
                .is_none()
                .then(|| invalid("base64")),
            ValueType::Ip => value::Cidr::parse(&text)
                .is_none()
                .then(|| invalid("an IP address or CIDR block")),
        };
        if let Some(e) = error {
            self.err(path, e);
            return None;
        }
        let template = if subst && op.base.allows_variables() {
            self.template(path, &text)?
        } else {
            Template::text(&text)
        };
        Some(ConditionValue {
            text,
            template,
            path: path.clone(),
        })
    }
}

/// Whether `key` occurs more than once exactly (already reported as a duplicate JSON key).
fn keys_exact_dup(members: &[(String, Json)], key: &str) -> bool {
    members.iter().filter(|(k, _)| k == key).count() > 1
}

/// Split a string into text, special characters and variables (V-1, V-4, V-5, G-20).
///
/// Grammar: `${` key `}` or `${` key `, '` default `'}`, where key is non-empty and holds no
/// `$ { } ' ,` or white space; `${*}` `${?}` `${$}` are the literal characters. A `$` not
/// followed by `{` is ordinary text, and so is a `}` outside a variable.
pub fn parse_template(text: &str) -> Result<Template, &'static str> {
    let mut parts: Vec<TemplatePart> = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        lit.push_str(&rest[..start]);
        let body = &rest[start + 2..];
        let Some(end) = body.find(['}', ',']) else {
            return Err("missing closing brace");
        };
        let key = &body[..end];
        let mut after = &body[end..];
        let default = if after.starts_with(',') {
            let Some(quoted) = after.strip_prefix(", '") else {
                return Err("a default value is written as ${key, 'default'}");
            };
            let Some(close) = quoted.find('\'') else {
                return Err("missing closing quote in default value");
            };
            let default = &quoted[..close];
            after = &quoted[close + 1..];
            if !after.starts_with('}') {
                return Err("missing closing brace after default value");
            }
            Some(default.to_string())
        } else {
            None
        };
        after = &after[1..]; // the closing brace
        if key.is_empty() {
            return Err("empty variable name");
        }
        match key {
            "*" | "?" | "$" if default.is_none() => {
                lit_flush(&mut parts, &mut lit);
                parts.push(TemplatePart::Literal(key.chars().next().unwrap_or('$')));
            }
            _ => {
                if key
                    .chars()
                    .any(|c| matches!(c, '$' | '{' | '}' | '\'' | ',') || c.is_whitespace())
                {
                    return Err("invalid character in variable name");
                }
                lit_flush(&mut parts, &mut lit);
                parts.push(TemplatePart::Variable {
                    key: key.to_string(),
                    default,
                });
            }
        }
        rest = after;
    }
    lit.push_str(rest);
    lit_flush(&mut parts, &mut lit);
    Ok(Template { parts })
}

fn lit_flush(parts: &mut Vec<TemplatePart>, lit: &mut String) {
    if !lit.is_empty() {
        parts.push(TemplatePart::Text(std::mem::take(lit)));
    }
}

/// The errors of an opaque statement in one line (for its warning).
fn describe_errors(errors: &[Error]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {} ({})", e.path, e.kind, e.kind.rule()))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(kind: PolicyKind, text: &str) -> Result<Parsed, Vec<Error>> {
        parse_policy("t.json", text.as_bytes(), kind, &Limits::default())
    }

    fn err_text(kind: PolicyKind, text: &str) -> String {
        match parse(kind, text) {
            Ok(_) => panic!("expected an error for {text}"),
            Err(e) => e
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn template_grammar_g20_v4_v5() {
        assert_eq!(
            parse_template("a/${aws:username}/b").unwrap().parts,
            vec![
                TemplatePart::Text("a/".into()),
                TemplatePart::Variable {
                    key: "aws:username".into(),
                    default: None
                },
                TemplatePart::Text("/b".into())
            ]
        );
        assert_eq!(
            parse_template("${*}${?}${$}").unwrap().parts,
            vec![
                TemplatePart::Literal('*'),
                TemplatePart::Literal('?'),
                TemplatePart::Literal('$')
            ]
        );
        assert_eq!(
            parse_template("${aws:username, 'anon}x'}").unwrap().parts,
            vec![TemplatePart::Variable {
                key: "aws:username".into(),
                default: Some("anon}x".into())
            }]
        );
        assert!(parse_template("${aws:username").is_err());
        assert!(parse_template("${}").is_err());
        assert!(parse_template("${aws:username,'x'}").is_err());
        assert!(parse_template("${${a}}").is_err());
        assert_eq!(
            parse_template("$a}").unwrap().parts,
            vec![TemplatePart::Text("$a}".into())]
        );
    }

    #[test]
    fn g1_unknown_top_level_element_with_hint() {
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statment":[]}"#,
        );
        assert!(
            e.contains("$.Statment: unknown element \"Statment\" (did you mean \"Statement\"?)"),
            "{e}"
        );
    }

    #[test]
    fn g6_element_names_are_case_sensitive() {
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":{"effect":"Allow","Action":"*","Resource":"*"}}"#,
        );
        assert!(e.contains("unknown element \"effect\""), "{e}");
    }

    #[test]
    fn g9_both_action_and_notaction() {
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}"#,
        );
        assert!(
            e.contains("$.Statement[0]: both \"Action\" and \"NotAction\""),
            "{e}"
        );
    }

    #[test]
    fn g17_unknown_operator_with_hint() {
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringLik":{"a:b":"x"}}}]}"#,
        );
        assert!(
            e.contains("$.Statement[0].Condition.StringLik: unknown condition operator \"StringLik\" (did you mean \"StringLike\"?)"),
            "{e}"
        );
        for bad in [
            "NullIfExists",
            "ForAnyValue:Null",
            "stringequals",
            "ForSomeValues:StringEquals",
        ] {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{bad}":{{"a:b":"true"}}}}}}]}}"#
            );
            assert!(err_text(PolicyKind::Identity, &doc).contains("unknown condition operator"));
        }
    }

    #[test]
    fn g18_value_typing() {
        for (op, v) in [
            ("NumericLessThan", "\"abc\""),
            ("NumericLessThan", "\"1e1\""),
            ("IpAddress", "\"10.0.0.300/8\""),
            ("IpAddress", "\"1.2.3.4/33\""),
            ("DateEquals", "\"yesterday\""),
            ("Bool", "\"yes\""),
            ("Null", "\"maybe\""),
            ("BinaryEquals", "\"!!!\""),
        ] {
            let doc = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{op}":{{"a:b":{v}}}}}}}]}}"#
            );
            let e = err_text(PolicyKind::Identity, &doc);
            assert!(
                e.contains(&format!("$.Statement[0].Condition.{op}[\"a:b\"]")),
                "{e}"
            );
        }
    }

    #[test]
    fn g19_duplicate_keys() {
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"},"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        );
        assert!(e.contains("duplicate key \"Bool\""), "{e}");
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}}]}"#,
        );
        assert!(e.contains("appears twice"), "{e}");
    }

    #[test]
    fn g11_principal_placement() {
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#,
        );
        assert!(e.contains("must not contain Principal"), "{e}");
        let e = err_text(
            PolicyKind::Resource,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        assert!(e.contains("needs Principal"), "{e}");
        let e = err_text(
            PolicyKind::Resource,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"*","Resource":"*"}]}"#,
        );
        assert!(
            e.contains("NotPrincipal is only supported with Deny"),
            "{e}"
        );
    }

    #[test]
    fn g12_account_id_normalised() {
        let p = parse(
            PolicyKind::Resource,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","*"]},"Action":"*","Resource":"*"}]}"#,
        )
        .unwrap();
        let pr = p.policy.statements[0].principal.as_ref().unwrap();
        assert!(pr.wildcard);
        assert_eq!(pr.entries[0].value, "arn:aws:iam::111122223333:root");
    }

    #[test]
    fn v3_variables_only_where_allowed() {
        // Partition and service: rejected.
        for arn in [
            "arn:${aws:Partition}:s3:::b",
            "arn:aws:${a:svc}:us-east-1:1:x",
        ] {
            let e = err_text(
                PolicyKind::Identity,
                &format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"{arn}"}}]}}"#
                ),
            );
            assert!(e.contains("partition or service field"), "{e}");
        }
        // Region and account: accepted with a warning (AWS's own managed policy does it).
        for arn in [
            "arn:aws:iam::${aws:PrincipalAccount}:user/x",
            "arn:*:kms:*:${aws:PrincipalAccount}:key/*",
            "arn:aws:ec2:${aws:RequestedRegion}:1:instance/*",
        ] {
            let p = parse(
                PolicyKind::Identity,
                &format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"{arn}"}}]}}"#),
            )
            .unwrap_or_else(|e| panic!("{arn}: {e:?}"));
            assert!(p.policy.statements[0].resource.patterns[0]
                .template
                .has_variables());
            assert!(
                p.warnings
                    .iter()
                    .any(|w| matches!(w.kind, WarningKind::VariableOutsideResourcePart(_))),
                "{arn}: {:?}",
                p.warnings
            );
        }
        // The resource part: no warning.
        let p = parse(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#,
        )
        .unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:${aws:username}","Resource":"*"}]}"#,
        );
        assert!(e.contains("not allowed in actions"), "{e}");
        let e = err_text(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericLessThan":{"a:b":"${a:c}"}}}]}"#,
        );
        assert!(e.contains("does not accept policy variables"), "{e}");
    }

    #[test]
    fn v2_2008_keeps_variables_literal() {
        let p = parse(
            PolicyKind::Identity,
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${aws:username"}]}"#,
        )
        .unwrap();
        assert!(!p.policy.statements[0].resource.patterns[0]
            .template
            .has_variables());
    }

    #[test]
    fn wrappers_and_url_encoding() {
        let doc = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
        let encoded: String = doc
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert!(parse(PolicyKind::Identity, &encoded).is_ok());
        let wrapped = format!(r#"{{"PolicyVersion":{{"Document":{doc},"VersionId":"v1"}}}}"#);
        assert!(parse(PolicyKind::Identity, &wrapped).is_ok());
        let wrapped = format!(r#"{{"PolicyVersion":{{"Document":"{encoded}"}}}}"#);
        assert!(parse(PolicyKind::Identity, &wrapped).is_ok());
    }

    #[test]
    fn collects_every_error() {
        let e = parse(
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"s3","Resource":"nope"}]}"#,
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
    }
}
