//! `Action`/`NotAction` (A), `Resource`/`NotResource` (R) and `Principal`/`NotPrincipal`
//! (G-9, E-14 … E-16) elements.

use super::*;

impl PolicyParser<'_> {
    pub(super) fn action_part(
        &mut self,
        negated: bool,
        path: JsonPath,
        value: &Json,
    ) -> Option<ActionPart> {
        let list = self.string_list(&path, value)?;
        let mut patterns = Vec::with_capacity(list.len());
        let mut ok = true;
        for (p, text) in list {
            if !self.check_pattern_limits(&p, &text) {
                ok = false;
                continue;
            }
            if text.contains("${") {
                //
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

    pub(super) fn resource_part(
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
    /// substituted before it is matched as one glob over the request ARN, so a variable's
    /// value is never split into fields.
    pub(super) fn resource_pattern(&mut self, path: &JsonPath, text: &str) -> Option<Template> {
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
    pub(super) fn template(&mut self, path: &JsonPath, text: &str) -> Option<Template> {
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

    pub(super) fn principal_part(
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
}
