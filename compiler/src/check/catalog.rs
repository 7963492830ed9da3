//! The service-reference catalog the checks resolve actions, condition keys and resource
//! ARNs against: loaded from the reference's JSON shape, with the global `aws:` keys built in
//! and a small glob of its own for action patterns.

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

/// A member of a JSON object, or a catalog error naming where it was expected.
pub(super) fn member<'j>(
    source: &Arc<str>,
    path: &JsonPath,
    value: &'j serde_json::Value,
    name: &str,
) -> Result<Option<&'j serde_json::Value>, Error> {
    match value {
        serde_json::Value::Object(m) => Ok(m.get(name)),
        other => Err(Error::new(
            source,
            path,
            ErrorKind::WrongType {
                expected: "an object",
                found: json_type(other),
            },
        )),
    }
}

pub(super) fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

pub(super) fn strings(v: Option<&serde_json::Value>) -> impl Iterator<Item = &str> {
    v.and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str())
}

impl Catalog {
    /// Load the service reference (`iam-service-reference.json`) from a file.
    pub fn load(path: &Path) -> Result<Catalog, Error> {
        let source: Arc<str> = Arc::from(path.display().to_string());
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new(&source, &JsonPath::root(), ErrorKind::Io(e.to_string())))?;
        Catalog::from_json_slice(&source, &bytes)
    }

    /// Build the catalog from the text of a service reference (the shape of
    /// `iam-service-reference.json`: `{prefix: {actions, resourceTypes, conditionKeys}}`).
    pub fn from_json_slice(source: &str, bytes: &[u8]) -> Result<Catalog, Error> {
        let source: Arc<str> = Arc::from(source);
        let root = JsonPath::root();
        let doc: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| Error::new(&source, &root, ErrorKind::Json(e.to_string())))?;
        let serde_json::Value::Object(services) = &doc else {
            return Err(Error::new(
                &source,
                &root,
                ErrorKind::WrongType {
                    expected: "an object of services",
                    found: json_type(&doc),
                },
            ));
        };
        let mut cat = Catalog::with_global_keys();
        for (prefix, svc) in services {
            let spath = root.key(prefix);
            // Condition keys first: resource types and actions refer to them.
            if let Some(ck) = member(&source, &spath, svc, "conditionKeys")? {
                let cpath = spath.key("conditionKeys");
                let serde_json::Value::Object(ck) = ck else {
                    return Err(Error::new(
                        &source,
                        &cpath,
                        ErrorKind::WrongType {
                            expected: "an object",
                            found: json_type(ck),
                        },
                    ));
                };
                for (k, info) in ck {
                    let name = member(&source, &cpath.key(k), info, "key")?
                        .and_then(|v| v.as_str())
                        .unwrap_or(k);
                    let ty = member(&source, &cpath.key(k), info, "type")?
                        .and_then(|v| v.as_str())
                        .unwrap_or("String");
                    cat.add_key(name, ty);
                }
            }
            let mut rtype_keys: HashMap<&str, Vec<&str>> = HashMap::new();
            if let Some(serde_json::Value::Object(rts)) =
                member(&source, &spath, svc, "resourceTypes")?
            {
                for (name, rt) in rts {
                    let keys = strings(rt.get("conditionKeys")).collect();
                    rtype_keys.insert(name.as_str(), keys);
                }
            }
            let mut service = Service::default();
            if let Some(serde_json::Value::Object(actions)) =
                member(&source, &spath, svc, "actions")?
            {
                service.actions.reserve(actions.len());
                for (lower, a) in actions {
                    let name = a.get("name").and_then(|n| n.as_str()).unwrap_or(lower);
                    let mut keys: Vec<Box<str>> = strings(a.get("conditionKeys"))
                        .map(|k| k.to_lowercase().into_boxed_str())
                        .collect();
                    for rt in a
                        .get("resourceTypes")
                        .and_then(|r| r.as_array())
                        .into_iter()
                        .flatten()
                    {
                        for k in strings(rt.get("conditionKeys")) {
                            keys.push(k.to_lowercase().into_boxed_str());
                        }
                        if let Some(rk) = rt
                            .get("name")
                            .and_then(|n| n.as_str())
                            .and_then(|n| rtype_keys.get(n.to_lowercase().as_str()))
                        {
                            keys.extend(rk.iter().map(|k| k.to_lowercase().into_boxed_str()));
                        }
                    }
                    keys.sort_unstable();
                    keys.dedup();
                    service.actions.insert(
                        lower.to_lowercase().into_boxed_str(),
                        Action {
                            name: name.into(),
                            keys: keys.into_boxed_slice(),
                        },
                    );
                }
            }
            cat.services
                .insert(prefix.to_lowercase().into_boxed_str(), service);
        }
        Ok(cat)
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
