//! The checks' index of the service reference: actions and condition keys (lower-cased, for
//! case-insensitive lookups), key types and valuedness, templated keys, with the global `aws:`
//! keys built in and a small glob of its own for action patterns.
//!
//! Built from the one model of the reference, [`iamc_catalog::ServiceReference`] (loaded from
//! `iam-service-reference.json` or the copy embedded in `iamc`); this module keeps only the
//! lookup structures the checks need, so a catalog is loaded and validated in one place.

use iamc_catalog::ServiceReference;

use super::*;

/// Whether a condition key takes one value or a list (K-2, C-24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Valued {
    /// A single value (`String`, `ARN`, `Bool`, …).
    Single,
    /// A list (`ArrayOfString`, `ArrayOfARN`, …).
    Multi,
    /// Services disagree (one types it as an array, another as a scalar).
    Ambiguous,
}

/// What the catalog knows about one condition key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyInfo {
    /// The key with its documented casing (templated keys keep their template).
    pub name: String,
    /// The documented type (`String`, `ArrayOfString`, `ARN`, `Bool`, `Numeric`, `Date`,
    /// `IPAddress`, …; the first one seen when services disagree).
    pub ty: String,
    /// Single- or multivalued.
    pub valued: Valued,
}

impl KeyInfo {
    pub(super) fn new(name: &str, ty: &str) -> KeyInfo {
        KeyInfo {
            name: name.to_string(),
            ty: ty.to_string(),
            valued: if ty.starts_with("ArrayOf") {
                Valued::Multi
            } else {
                Valued::Single
            },
        }
    }

    pub(super) fn merge(&mut self, ty: &str) {
        let v = if ty.starts_with("ArrayOf") {
            Valued::Multi
        } else {
            Valued::Single
        };
        if v != self.valued {
            self.valued = Valued::Ambiguous;
        }
    }
}

/// One service of the catalog.
#[derive(Clone, Debug, Default)]
pub(super) struct Service {
    /// Lower-cased action name → the action.
    pub(super) actions: HashMap<Box<str>, Action>,
}

/// One action: its canonical name and every condition key it can carry.
#[derive(Clone, Debug, Default)]
pub(super) struct Action {
    /// The name with its documented casing (`GetObject`).
    pub(super) name: Box<str>,
    /// Lower-cased keys: the action's own `conditionKeys` plus those of its resource types.
    pub(super) keys: Box<[Box<str>]>,
}

/// A templated key (`s3:ExistingObjectTag/<key>`, `aws:ResourceTag/${TagKey}`): lower-cased
/// text before and after the placeholder.
#[derive(Clone, Debug)]
pub(super) struct Template {
    pub(super) head: Box<str>,
    pub(super) tail: Box<str>,
    pub(super) info: KeyInfo,
}

impl Template {
    pub(super) fn matches(&self, lower_key: &str) -> bool {
        lower_key.len() > self.head.len() + self.tail.len()
            && lower_key.starts_with(&*self.head)
            && lower_key.ends_with(&*self.tail)
    }
}

/// The IAM Service Authorization Reference, as far as the checks need it: service prefixes,
/// actions (lower-cased), condition keys with their types, templated keys, and which keys each
/// action can carry. Global `aws:` keys are not in the reference; the catalog adds the
/// documented ones (K-4 … K-9).
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Lower-cased service prefix → service.
    pub(super) services: HashMap<Box<str>, Service>,
    /// Lower-cased plain key → info.
    pub(super) keys: HashMap<Box<str>, KeyInfo>,
    /// Templated keys.
    pub(super) templates: Vec<Template>,
}

/// Global condition keys (K-4 … K-9) with their documented types. Tag keys are templates.
pub(super) const GLOBAL_KEYS: &[(&str, &str)] = &[
    // K-4
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    // K-5
    ("aws:CurrentTime", "Date"),
    ("aws:EpochTime", "Date"),
    // K-6
    ("aws:SourceIp", "IPAddress"),
    ("aws:SecureTransport", "Bool"),
    ("aws:SourceVpc", "String"),
    ("aws:SourceVpce", "String"),
    ("aws:VpcSourceIp", "IPAddress"),
    ("aws:RequestedRegion", "String"),
    // K-7
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalOrgID", "String"),
    ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalType", "String"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
    ("aws:PrincipalTag/${TagKey}", "String"),
    ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalServiceName", "String"),
    ("aws:PrincipalServiceNamesList", "ArrayOfString"),
    ("aws:SourceIdentity", "String"),
    ("aws:FederatedProvider", "String"),
    ("aws:TokenIssueTime", "Date"),
    // K-8
    ("aws:RequestTag/${TagKey}", "String"),
    ("aws:ResourceTag/${TagKey}", "String"),
    ("aws:TagKeys", "ArrayOfString"),
    // K-9
    ("aws:SourceArn", "ARN"),
    ("aws:SourceAccount", "String"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"),
    ("aws:CalledVia", "ArrayOfString"),
    ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"),
    ("aws:ViaAWSService", "Bool"),
    ("aws:Referer", "String"),
    ("aws:UserAgent", "String"),
    ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"),
    ("aws:ResourceOrgPaths", "ArrayOfString"),
    // Further global keys on the same AWS page (global_keys), not used by the spec's rules.
    ("aws:SourceVpcArn", "ARN"),
    ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"),
    ("aws:VpceOrgPaths", "ArrayOfString"),
    ("aws:Ec2InstanceSourceVpc", "String"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
    ("aws:AssumedRoot", "Bool"),
];

impl Catalog {
    /// Load the service reference (`iam-service-reference.json`) from a file, with
    /// `iamc_catalog`'s loader (errors name the file and the JSON path).
    pub fn load(path: &Path) -> Result<Catalog, iamc_catalog::Error> {
        Ok(Catalog::from_reference(&ServiceReference::load(path)?))
    }

    /// Build the catalog from the text of a service reference (the shape of
    /// `iam-service-reference.json`: `{prefix: {actions, resourceTypes, conditionKeys}}`).
    pub fn from_json_slice(source: &str, bytes: &[u8]) -> Result<Catalog, iamc_catalog::Error> {
        Ok(Catalog::from_reference(&ServiceReference::from_json_slice(
            source, bytes,
        )?))
    }

    /// The checks' index of a service reference: the built-in global keys, then each
    /// service's condition keys (in the reference's order: the first type seen is kept), and
    /// each action's keys — its own, its resource-type entries' and those of the resource
    /// types it authorizes on — lower-cased.
    pub fn from_reference(r: &ServiceReference<'_>) -> Catalog {
        let mut cat = Catalog::with_global_keys();
        for svc in &r.services {
            // Condition keys first: resource types and actions refer to them.
            for k in &svc.condition_keys {
                cat.add_key(&k.name, &k.ty);
            }
            let mut service = Service::default();
            service.actions.reserve(svc.actions.len());
            for a in &svc.actions {
                let type_keys = a
                    .resource_types
                    .iter()
                    .filter_map(|&i| svc.resource_types.get(usize::from(i)))
                    .flat_map(|t| &t.condition_keys);
                let mut keys: Vec<Box<str>> = a
                    .condition_keys
                    .iter()
                    .chain(type_keys)
                    .map(|k| k.to_lowercase().into_boxed_str())
                    .collect();
                keys.sort_unstable();
                keys.dedup();
                service.actions.insert(
                    a.name.to_lowercase().into_boxed_str(),
                    Action {
                        name: (*a.name).into(),
                        keys: keys.into_boxed_slice(),
                    },
                );
            }
            cat.services
                .insert(svc.prefix.to_lowercase().into_boxed_str(), service);
        }
        cat
    }

    /// A catalog with only the built-in global keys (K-4 … K-9) and no services.
    pub fn with_global_keys() -> Catalog {
        let mut cat = Catalog::default();
        for (name, ty) in GLOBAL_KEYS {
            cat.add_key(name, ty);
        }
        cat
    }

    pub(super) fn add_key(&mut self, name: &str, ty: &str) {
        let lower = name.to_lowercase();
        match keys::split_template(&lower) {
            Some((head, tail)) => {
                if let Some(t) = self
                    .templates
                    .iter_mut()
                    .find(|t| &*t.head == head && &*t.tail == tail)
                {
                    t.info.merge(ty);
                } else {
                    self.templates.push(Template {
                        head: head.into(),
                        tail: tail.into(),
                        info: KeyInfo::new(name, ty),
                    });
                }
            }
            None => match self.keys.get_mut(lower.as_str()) {
                Some(info) => info.merge(ty),
                None => {
                    self.keys
                        .insert(lower.into_boxed_str(), KeyInfo::new(name, ty));
                }
            },
        }
    }

    /// Whether the service prefix is known (case-insensitive).
    pub fn has_service(&self, prefix: &str) -> bool {
        self.services.contains_key(prefix.to_lowercase().as_str())
    }

    /// Whether `prefix:Name` is a known action (case-insensitive, A-2).
    pub fn has_action(&self, action: &str) -> bool {
        let lower = action.to_lowercase();
        let Some((prefix, name)) = lower.split_once(':') else {
            return false;
        };
        self.services
            .get(prefix)
            .is_some_and(|s| s.actions.contains_key(name))
    }

    /// Number of services.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// Every known action as `prefix:Name` (documented casing), in no particular order.
    pub fn actions(&self) -> impl Iterator<Item = String> + '_ {
        self.services
            .iter()
            .flat_map(|(p, s)| s.actions.values().map(move |a| format!("{p}:{}", a.name)))
    }

    /// The known actions (`prefix:Name`, documented casing, sorted) an action pattern matches
    /// `*` matches every action; an unknown service matches none.
    pub fn actions_matching(&self, pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = if pattern == "*" {
            self.actions().collect()
        } else {
            let Some((prefix, name)) = pattern.split_once(':') else {
                return Vec::new();
            };
            let lp = prefix.to_lowercase();
            self.matching_actions(&lp, name)
                .unwrap_or_default()
                .into_iter()
                .map(|a| format!("{lp}:{}", a.name))
                .collect()
        };
        out.sort_unstable();
        out
    }

    /// What is known about a condition key (case-insensitive, C-2; templated keys by their
    /// surrounding text), `None` for an unknown key.
    pub fn key_info(&self, key: &str) -> Option<&KeyInfo> {
        let lower = key.to_lowercase();
        self.keys.get(lower.as_str()).or_else(|| {
            self.templates
                .iter()
                .find(|t| t.matches(&lower))
                .map(|t| &t.info)
        })
    }

    /// The documented type of a condition key (`String`, `ArrayOfString`, …).
    pub fn key_type(&self, key: &str) -> Option<&str> {
        self.key_info(key).map(|i| i.ty.as_str())
    }

    /// The lower-cased actions of `prefix` matched by `pattern` (the name part, any case, with
    /// `*`/`?`, A-3). `None` when the service is unknown.
    pub(super) fn matching_actions<'c>(
        &'c self,
        prefix: &str,
        pattern: &str,
    ) -> Option<Vec<&'c Action>> {
        let service = self.services.get(prefix)?;
        let pattern = pattern.to_lowercase();
        if !pattern.contains(['*', '?']) {
            return Some(service.actions.get(pattern.as_str()).into_iter().collect());
        }
        Some(
            service
                .actions
                .iter()
                .filter(|(name, _)| glob(pattern.as_bytes(), name.as_bytes()))
                .map(|(_, a)| a)
                .collect(),
        )
    }

    pub(super) fn suggest_key(&self, key: &str) -> Option<String> {
        let lower = key.to_lowercase();
        let prefix = lower.split_once(':').map(|(p, _)| p).unwrap_or("");
        let same: Vec<&str> = self
            .keys
            .iter()
            .filter(|(k, _)| k.split_once(':').is_some_and(|(p, _)| p == prefix))
            .map(|(_, i)| i.name.as_str())
            .chain(
                self.templates
                    .iter()
                    .filter(|t| t.head.split_once(':').is_some_and(|(p, _)| p == prefix))
                    .map(|t| t.info.name.as_str()),
            )
            .collect();
        if !same.is_empty() {
            return suggest(key, same);
        }
        suggest(key, self.keys.values().map(|i| i.name.as_str()))
    }
}

/// Case-sensitive glob over bytes: `*` any sequence, `?` one byte (callers lower-case both
/// sides; action names are ASCII). Linear-time backtracking on the last `*`.
pub(super) fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}
