//! Reading the policy fields of a scenario or a request (identity, resource, boundaries,
//! session, SCP and RCP levels, management account, RCP services) and the documents in them,
//! strictly or leniently (G-21).

use std::sync::Arc;

use iamc_compiler::ast::{JsonPath, ParsedSet, Policy, PolicyKind};
use iamc_compiler::error::ErrorKind;
use iamc_compiler::json::Json;
use iamc_compiler::parse::{parse_lenient_json, parse_policy_json, parse_policy_with, ReadMode};

use super::loader::{relative, Loader};

/// Policy fields given at one level (scenario or request); `Some` means "given here".
#[derive(Default)]
pub(super) struct PolicyFields {
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
    pub(super) fn is_empty(&self) -> bool {
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
    pub(super) fn apply(self, base: &ParsedSet) -> ParsedSet {
        ParsedSet {
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

impl Loader<'_> {
    /// The policy fields among `members` (of a scenario or a request at `path`).
    pub(super) fn policy_fields(
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
    pub(super) fn policy_list(
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
    pub(super) fn levels(
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
    pub(super) fn opt_policy(
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
    pub(super) fn policy(
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
