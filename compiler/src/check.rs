//! Policy checks: warnings for policies AWS accepts but that don't do what they seem.
//!
//! The parser ([`crate::parse`]) reports the grammar-level warnings (G-2, G-7, G-12, C-11,
//! V-6). [`check_policy`] adds the semantic ones, some of which need the IAM Service
//! Authorization Reference loaded as a [`Catalog`]:
//!
//! - a plain operator on a multivalued key (C-24) — e.g. the RDS seed's
//!   `StringLikeIfExists {"aws:TagKeys": "production"}`;
//! - a set operator (`ForAllValues:`/`ForAnyValue:`) on a single-valued key (C-20, C-21, C-23);
//! - an action, service prefix or condition key the service reference does not know, with a
//!   did-you-mean hint; a wildcard action that matches no action of its service (A-3);
//! - a policy variable under Version 2008-10-17, where it is literal text (V-2);
//! - an `IfExists` or negated operator on a service key none of the statement's actions carries,
//!   which makes the condition always true (C-3, C-5, K-10).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::ast::{BaseOp, Condition, JsonPath, Operator, Policy, SetOp, Statement, Version};
use crate::error::{suggest, Error, ErrorKind};
use crate::keys;

/// A warning about one place in one policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The input's name.
    pub source: Arc<str>,
    /// Where in the document.
    pub path: JsonPath,
    /// What may be wrong.
    pub kind: WarningKind,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.source, self.path, self.kind)
    }
}

/// What a warning is about.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WarningKind {
    /// G-2: no `Version`; evaluated as 2008-10-17, so variables are literal text.
    MissingVersion,
    /// G-7: a Sid used twice in one policy.
    DuplicateSid(String),
    /// G-12: a wildcard inside a principal ARN is compared literally.
    WildcardInPrincipal(String),
    /// C-11: several values under `Bool`.
    MultipleBoolValues,
    /// V-6: a variable in `NotResource` excludes nothing when unresolved.
    VariableInNotResource,
    /// G-21: a statement that breaks a G rule, read leniently as an opaque statement (its
    /// decisions may come out indeterminate). The text lists the violations.
    OpaqueStatement(String),
    /// V-3: a variable in the region or account field of a resource ARN. AWS evaluates it
    /// (one of its managed policies does this), but documents variables in the resource part.
    VariableOutsideResourcePart(String),
    /// C-24: an operator without `ForAnyValue:`/`ForAllValues:` on a multivalued key is false
    /// whenever the key is present.
    PlainOperatorOnMultivaluedKey {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
    /// C-20, C-21, C-23: a set operator on a key that is known to be single-valued.
    SetOperatorOnSingleValuedKey {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
    /// A-1: an action whose service prefix the service reference does not know.
    UnknownService {
        /// The action pattern as written.
        action: String,
        /// A close known prefix.
        suggestion: Option<String>,
    },
    /// A-1: an action its service does not have.
    UnknownAction {
        /// The action as written.
        action: String,
        /// A close known action.
        suggestion: Option<String>,
    },
    /// A-3: a wildcard action pattern that matches no action of its service.
    ActionPatternMatchesNothing(String),
    /// K-10: a condition key the service reference does not know (global keys: K-4 … K-9).
    UnknownConditionKey {
        /// The key as written.
        key: String,
        /// A close known key.
        suggestion: Option<String>,
    },
    /// V-2: a policy variable under Version 2008-10-17 (or no Version) is literal text.
    LiteralVariable(String),
    /// C-3, C-5, K-10: an `IfExists` or negated operator on a service key that none of the
    /// statement's actions carries, so the condition is always true.
    KeyNeverPresent {
        /// The operator as written.
        operator: String,
        /// The key as written.
        key: String,
    },
}

impl fmt::Display for WarningKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use WarningKind::*;
        match self {
            MissingVersion => write!(
                f,
                "no Version: evaluated as 2008-10-17, where policy variables are literal text"
            ),
            DuplicateSid(s) => write!(f, "Sid {s:?} is used more than once"),
            WildcardInPrincipal(p) => write!(
                f,
                "wildcards in principal {p:?} are not wildcards: it is compared literally"
            ),
            MultipleBoolValues => write!(f, "several values under Bool"),
            VariableInNotResource => write!(
                f,
                "a variable in NotResource excludes nothing when its key is missing"
            ),
            OpaqueStatement(why) => write!(
                f,
                "opaque statement (read leniently, G-21; decisions it could change are \
                 indeterminate): {why}"
            ),
            VariableOutsideResourcePart(r) => write!(
                f,
                "a policy variable in the region or account field of {r:?}: AWS documents \
                 variables in the resource part only (V-3)"
            ),
            PlainOperatorOnMultivaluedKey { operator, key } => {
                write!(
                    f,
                    "{operator} on multivalued key {key:?} has no ForAnyValue:/ForAllValues: \
                     qualifier, so it is false whenever the key is present (C-24)"
                )?;
                let op = Operator::parse(operator);
                let absent_true = op
                    .as_ref()
                    .is_some_and(|o| o.if_exists || o.base.is_negated());
                let what = if key.eq_ignore_ascii_case("aws:TagKeys") {
                    ("without tags", "on tagged ones")
                } else {
                    ("without the key", "on one that carries it")
                };
                if absent_true {
                    write!(
                        f,
                        ": it fires on every request {} and never {}",
                        what.0, what.1
                    )
                } else {
                    write!(f, ": it never holds (an absent key is false too, C-3)")
                }
            }
            SetOperatorOnSingleValuedKey { operator, key } => {
                write!(f, "{operator} on single-valued key {key:?}")?;
                if operator.starts_with("ForAllValues:") {
                    write!(
                        f,
                        ": ForAllValues is true when the key is absent (C-20); use the plain operator"
                    )
                } else {
                    write!(
                        f,
                        ": a set operator is meant for multivalued keys; use the plain operator"
                    )
                }
            }
            UnknownService { action, suggestion } => {
                write!(f, "unknown service prefix in action {action:?}")?;
                hint(f, suggestion)
            }
            UnknownAction { action, suggestion } => {
                write!(f, "unknown action {action:?}")?;
                hint(f, suggestion)
            }
            ActionPatternMatchesNothing(a) => {
                write!(f, "action pattern {a:?} matches no action of its service")
            }
            UnknownConditionKey { key, suggestion } => {
                write!(f, "unknown condition key {key:?}")?;
                hint(f, suggestion)
            }
            LiteralVariable(text) => write!(
                f,
                "{text:?} holds a policy variable, but under Version 2008-10-17 (or no Version) \
                 it is literal text (V-2); use \"Version\": \"2012-10-17\""
            ),
            KeyNeverPresent { operator, key } => write!(
                f,
                "{operator} on {key:?}: none of the statement's actions carries this key, so \
                 the condition is always true (C-3, C-5)"
            ),
        }
    }
}

impl WarningKind {
    /// A stable identifier of the check (like IAM Access Analyzer's `issueCode`): it names
    /// the check, never the instance, and does not change between releases.
    pub fn code(&self) -> &'static str {
        use WarningKind::*;
        match self {
            MissingVersion => "MISSING_VERSION",
            DuplicateSid(_) => "DUPLICATE_SID",
            WildcardInPrincipal(_) => "WILDCARD_IN_PRINCIPAL_ARN",
            MultipleBoolValues => "MULTIPLE_BOOL_VALUES",
            VariableInNotResource => "VARIABLE_IN_NOT_RESOURCE",
            OpaqueStatement(_) => "OPAQUE_STATEMENT",
            VariableOutsideResourcePart(_) => "VARIABLE_OUTSIDE_RESOURCE_PART",
            PlainOperatorOnMultivaluedKey { .. } => "MISSING_SET_OPERATOR_ON_MULTIVALUED_KEY",
            SetOperatorOnSingleValuedKey { .. } => "SET_OPERATOR_ON_SINGLE_VALUED_KEY",
            UnknownService { .. } => "UNKNOWN_SERVICE",
            UnknownAction { .. } => "UNKNOWN_ACTION",
            ActionPatternMatchesNothing(_) => "ACTION_PATTERN_MATCHES_NOTHING",
            UnknownConditionKey { .. } => "UNKNOWN_CONDITION_KEY",
            LiteralVariable(_) => "LITERAL_POLICY_VARIABLE",
            KeyNeverPresent { .. } => "CONDITION_KEY_NEVER_PRESENT",
        }
    }

    /// How serious it is: `security_warning` when the policy grants more than it seems to
    /// (a condition that is always true, a Deny exception that excludes nothing), `warning`
    /// when it does not do what it seems, `suggestion` for style. (`error` is for documents
    /// AWS refuses, which are errors, not warnings.)
    pub fn severity(&self) -> &'static str {
        use WarningKind::*;
        match self {
            VariableInNotResource | KeyNeverPresent { .. } => "security_warning",
            PlainOperatorOnMultivaluedKey { operator, .. } => {
                // With IfExists or a negated operator it fires on every request without the
                // key: it grants (or exempts) more than it seems.
                let absent_true = Operator::parse(operator)
                    .as_ref()
                    .is_some_and(|o| o.if_exists || o.base.is_negated());
                if absent_true {
                    "security_warning"
                } else {
                    "warning"
                }
            }
            SetOperatorOnSingleValuedKey { operator, .. }
                if operator.starts_with("ForAllValues:") =>
            {
                "security_warning"
            }
            VariableOutsideResourcePart(_) => "suggestion",
            _ => "warning",
        }
    }

    /// The spec rule the check stands for (`docs`/the spec's ids: G-2, C-24, A-1, …).
    pub fn rule(&self) -> &'static str {
        use WarningKind::*;
        match self {
            MissingVersion => "G-2",
            DuplicateSid(_) => "G-7",
            WildcardInPrincipal(_) => "G-12",
            MultipleBoolValues => "C-11",
            VariableInNotResource => "V-6",
            OpaqueStatement(_) => "G-21",
            VariableOutsideResourcePart(_) => "V-3",
            PlainOperatorOnMultivaluedKey { .. } => "C-24",
            SetOperatorOnSingleValuedKey { .. } => "C-20",
            UnknownService { .. } | UnknownAction { .. } => "A-1",
            ActionPatternMatchesNothing(_) => "A-3",
            UnknownConditionKey { .. } => "K-10",
            LiteralVariable(_) => "V-2",
            KeyNeverPresent { .. } => "C-3",
        }
    }
}

fn hint(f: &mut fmt::Formatter<'_>, suggestion: &Option<String>) -> fmt::Result {
    match suggestion {
        Some(s) => write!(f, " (did you mean {s:?}?)"),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// The catalog
// ---------------------------------------------------------------------------------------------

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
    fn new(name: &str, ty: &str) -> KeyInfo {
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

    fn merge(&mut self, ty: &str) {
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
struct Service {
    /// Lower-cased action name → the action.
    actions: HashMap<Box<str>, Action>,
}

/// One action: its canonical name and every condition key it can carry.
#[derive(Clone, Debug, Default)]
struct Action {
    /// The name with its documented casing (`GetObject`).
    name: Box<str>,
    /// Lower-cased keys: the action's own `conditionKeys` plus those of its resource types.
    keys: Box<[Box<str>]>,
}

/// A templated key (`s3:ExistingObjectTag/<key>`, `aws:ResourceTag/${TagKey}`): lower-cased
/// text before and after the placeholder.
#[derive(Clone, Debug)]
struct Template {
    head: Box<str>,
    tail: Box<str>,
    info: KeyInfo,
}

impl Template {
    fn matches(&self, lower_key: &str) -> bool {
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
    services: HashMap<Box<str>, Service>,
    /// Lower-cased plain key → info.
    keys: HashMap<Box<str>, KeyInfo>,
    /// Templated keys.
    templates: Vec<Template>,
}

/// Global condition keys (K-4 … K-9) with their documented types. Tag keys are templates.
const GLOBAL_KEYS: &[(&str, &str)] = &[
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
fn member<'j>(
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

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn strings(v: Option<&serde_json::Value>) -> impl Iterator<Item = &str> {
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

    fn add_key(&mut self, name: &str, ty: &str) {
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
    /// (A-2, A-3): `*` matches every action; an unknown service matches none.
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
    fn matching_actions<'c>(&'c self, prefix: &str, pattern: &str) -> Option<Vec<&'c Action>> {
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

    fn suggest_key(&self, key: &str) -> Option<String> {
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
fn glob(pattern: &[u8], text: &[u8]) -> bool {
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

// ---------------------------------------------------------------------------------------------
// The checks
// ---------------------------------------------------------------------------------------------

/// Run the policy checks on one parsed policy. Without a catalog only the checks that need no
/// service reference run (C-24 via [`keys::is_multivalued`], set operators on the documented
/// single-valued global keys, V-2).
pub fn check_policy(policy: &Policy, catalog: Option<&Catalog>) -> Vec<Warning> {
    let builtin;
    let keys_catalog = match catalog {
        Some(c) => c,
        None => {
            builtin = Catalog::with_global_keys();
            &builtin
        }
    };
    let mut out = Vec::new();
    let mut warn = |path: &JsonPath, kind: WarningKind| {
        out.push(Warning {
            source: Arc::clone(&policy.source),
            path: path.clone(),
            kind,
        })
    };
    for st in &policy.statements {
        if let Some(cat) = catalog {
            check_actions(st, cat, &mut warn);
        }
        for cond in &st.conditions {
            check_valuedness(cond, keys_catalog, &mut warn);
            if let Some(cat) = catalog {
                if cat.key_info(&cond.key).is_none() {
                    warn(
                        &cond.path,
                        WarningKind::UnknownConditionKey {
                            key: cond.key.clone(),
                            suggestion: cat.suggest_key(&cond.key),
                        },
                    );
                }
            }
        }
        if let Some(cat) = catalog {
            check_key_never_present(st, cat, &mut warn);
        }
        if policy.version == Version::V2008_10_17 {
            check_literal_variables(st, &mut warn);
        }
    }
    out
}

/// C-24 and C-20/C-21: set operators against what the key is documented to hold.
fn check_valuedness(
    cond: &Condition,
    cat: &Catalog,
    warn: &mut impl FnMut(&JsonPath, WarningKind),
) {
    if cond.op.base == BaseOp::Null {
        return;
    }
    let documented = cat.key_info(&cond.key).map(|i| i.valued);
    match cond.op.set {
        None => {
            let multi = keys::is_multivalued(&cond.key) || documented == Some(Valued::Multi);
            if multi {
                warn(
                    &cond.path,
                    WarningKind::PlainOperatorOnMultivaluedKey {
                        operator: cond.op.to_string(),
                        key: cond.key.clone(),
                    },
                );
            }
        }
        Some(SetOp::ForAllValues | SetOp::ForAnyValue) => {
            if documented == Some(Valued::Single) && !keys::is_multivalued(&cond.key) {
                warn(
                    &cond.path,
                    WarningKind::SetOperatorOnSingleValuedKey {
                        operator: cond.op.to_string(),
                        key: cond.key.clone(),
                    },
                );
            }
        }
    }
}

/// A-1, A-3: every action pattern names a known service and matches a known action.
fn check_actions(st: &Statement, cat: &Catalog, warn: &mut impl FnMut(&JsonPath, WarningKind)) {
    for pat in &st.action.patterns {
        if pat.text == "*" {
            continue;
        }
        let Some((prefix, name)) = pat.text.split_once(':') else {
            continue;
        };
        let lp = prefix.to_lowercase();
        match cat.matching_actions(&lp, name) {
            None => {
                let suggestion = suggest(prefix, cat.services.keys().map(|k| &**k))
                    .map(|p| format!("{p}:{name}"));
                warn(
                    &pat.path,
                    WarningKind::UnknownService {
                        action: pat.text.clone(),
                        suggestion,
                    },
                );
            }
            Some(found) if found.is_empty() => {
                if name.contains(['*', '?']) {
                    warn(
                        &pat.path,
                        WarningKind::ActionPatternMatchesNothing(pat.text.clone()),
                    );
                } else {
                    let suggestion = cat.services.get(lp.as_str()).and_then(|s| {
                        suggest(name, s.actions.values().map(|a| &*a.name))
                            .map(|n| format!("{prefix}:{n}"))
                    });
                    warn(
                        &pat.path,
                        WarningKind::UnknownAction {
                            action: pat.text.clone(),
                            suggestion,
                        },
                    );
                }
            }
            Some(_) => {}
        }
    }
}

/// C-3, C-5, K-10: an `IfExists` or negated operator on a service key that none of the
/// statement's actions carries is always true. Only for `Action` (not `NotAction`) whose
/// patterns all resolve against the catalog.
fn check_key_never_present(
    st: &Statement,
    cat: &Catalog,
    warn: &mut impl FnMut(&JsonPath, WarningKind),
) {
    if st.action.negated {
        return;
    }
    let candidates: Vec<&Condition> = st
        .conditions
        .iter()
        .filter(|c| {
            c.op.base != BaseOp::Null
                && (c.op.if_exists || c.op.base.is_negated())
                && !c.key.to_ascii_lowercase().starts_with("aws:")
                && cat.key_info(&c.key).is_some()
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let mut actions: Vec<&Action> = Vec::new();
    for pat in &st.action.patterns {
        let Some((prefix, name)) = pat.text.split_once(':') else {
            return; // `*`: every action, some of which may carry the key
        };
        match cat.matching_actions(&prefix.to_lowercase(), name) {
            Some(found) if !found.is_empty() => actions.extend(found),
            _ => return, // unknown: reported by check_actions; nothing to conclude
        }
    }
    for cond in candidates {
        let lower = cond.key.to_lowercase();
        let carried = actions.iter().any(|a| {
            a.keys.iter().any(|k| {
                **k == *lower
                    || keys::split_template(k).is_some_and(|(h, t)| {
                        lower.len() > h.len() + t.len()
                            && lower.starts_with(h)
                            && lower.ends_with(t)
                    })
            })
        });
        if !carried {
            warn(
                &cond.path,
                WarningKind::KeyNeverPresent {
                    operator: cond.op.to_string(),
                    key: cond.key.clone(),
                },
            );
        }
    }
}

/// V-2: `${` in a resource pattern or a string/ARN condition value is literal under
/// 2008-10-17.
fn check_literal_variables(st: &Statement, warn: &mut impl FnMut(&JsonPath, WarningKind)) {
    for pat in &st.resource.patterns {
        if looks_like_variable(&pat.text) {
            warn(&pat.path, WarningKind::LiteralVariable(pat.text.clone()));
        }
    }
    for cond in &st.conditions {
        if !cond.op.base.allows_variables() {
            continue;
        }
        for v in &cond.values {
            if looks_like_variable(&v.text) {
                warn(&v.path, WarningKind::LiteralVariable(v.text.clone()));
            }
        }
    }
}

/// Whether the text holds something that would be a variable under 2012-10-17.
fn looks_like_variable(text: &str) -> bool {
    crate::parse::parse_template(text).is_ok_and(|t| t.has_variables())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::ast::PolicyKind;
    use crate::limits::Limits;
    use crate::parse::parse_policy;

    /// A hand-written service reference in the corpus file's shape.
    const TINY: &str = r#"{
      "rds": {"prefix": "rds", "name": "Amazon RDS",
        "actions": {
          "deletedbinstance": {"name": "DeleteDBInstance",
            "resourceTypes": [{"name": "db", "required": true, "conditionKeys": [], "dependentActions": []}],
            "conditionKeys": []},
          "createdbinstance": {"name": "CreateDBInstance",
            "resourceTypes": [{"name": "db", "required": true, "conditionKeys": []}],
            "conditionKeys": ["aws:RequestTag/${TagKey}", "aws:TagKeys", "rds:DatabaseEngine", "rds:Piops"]},
          "addtagstoresource": {"name": "AddTagsToResource",
            "resourceTypes": [{"name": "db", "required": false, "conditionKeys": []}],
            "conditionKeys": ["aws:TagKeys"]}
        },
        "resourceTypes": {
          "db": {"key": "db", "arn": "arn:${Partition}:rds:${Region}:${Account}:db:${DbInstanceName}",
                 "conditionKeys": ["aws:ResourceTag/${TagKey}", "rds:db-tag/${TagKey}"]}
        },
        "conditionKeys": {
          "aws:tagkeys": {"key": "aws:TagKeys", "type": "ArrayOfString"},
          "aws:requesttag/${tagkey}": {"key": "aws:RequestTag/${TagKey}", "type": "String"},
          "rds:databaseengine": {"key": "rds:DatabaseEngine", "type": "String"},
          "rds:piops": {"key": "rds:Piops", "type": "Numeric"},
          "rds:db-tag/${tagkey}": {"key": "rds:db-tag/${TagKey}", "type": "String"},
          "rds:endpointtypes": {"key": "rds:EndpointTypes", "type": "ArrayOfString"}
        }},
      "s3": {"prefix": "s3", "name": "Amazon S3",
        "actions": {
          "getobject": {"name": "GetObject",
            "resourceTypes": [{"name": "object", "required": false, "conditionKeys": []}],
            "conditionKeys": ["s3:ExistingObjectTag/<key>"]}
        },
        "resourceTypes": {"object": {"key": "object", "conditionKeys": []}},
        "conditionKeys": {
          "s3:existingobjecttag/<key>": {"key": "s3:ExistingObjectTag/<key>", "type": "String"}
        }}
    }"#;

    fn catalog() -> Catalog {
        Catalog::from_json_slice("tiny.json", TINY.as_bytes()).unwrap()
    }

    fn policy(text: &str) -> Policy {
        parse_policy(
            "p.json",
            text.as_bytes(),
            PolicyKind::Identity,
            &Limits::default(),
        )
        .unwrap()
        .policy
    }

    fn stmt(body: &str) -> Policy {
        policy(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny",{body}}}]}}"#
        ))
    }

    fn kinds(p: &Policy, cat: Option<&Catalog>) -> Vec<WarningKind> {
        check_policy(p, cat).into_iter().map(|w| w.kind).collect()
    }

    #[test]
    fn catalog_loads_services_actions_keys_and_templates() {
        let c = catalog();
        assert_eq!(c.service_count(), 2);
        assert!(c.has_service("RDS"));
        assert!(!c.has_service("rds-db"));
        assert!(c.has_action("rds:DeleteDBInstance"));
        assert!(c.has_action("RDS:deletedbinstance"));
        assert!(!c.has_action("rds:DeleteDBInstances"));
        assert_eq!(c.key_type("rds:piops"), Some("Numeric"));
        assert_eq!(c.key_type("RDS:DB-TAG/stage"), Some("String"));
        assert_eq!(c.key_type("rds:db-tag/"), None);
        assert_eq!(c.key_type("s3:ExistingObjectTag/team"), Some("String"));
        // Global keys are built in (K-4 … K-9), tag keys as templates.
        assert_eq!(c.key_type("aws:MultiFactorAuthAge"), Some("Numeric"));
        assert_eq!(c.key_type("aws:PrincipalTag/team"), Some("String"));
        assert_eq!(c.key_info("aws:TagKeys").unwrap().valued, Valued::Multi);
        assert_eq!(c.key_type("aws:NoSuchKey"), None);
        assert_eq!(
            c.actions_matching("RDS:*DBInstance"),
            vec!["rds:CreateDBInstance", "rds:DeleteDBInstance"]
        );
        assert_eq!(c.actions_matching("*").len(), 4);
        assert!(c.actions_matching("nope:*").is_empty());
    }

    #[test]
    fn catalog_errors_name_the_place() {
        let e = Catalog::from_json_slice("bad.json", b"[1]").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::WrongType { .. }), "{e}");
        let e = Catalog::from_json_slice("bad.json", br#"{"s3": 5}"#).unwrap_err();
        assert_eq!(e.path.as_str(), "$.s3");
        let e = Catalog::from_json_slice("bad.json", b"{").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Json(_)));
        let e = Catalog::load(Path::new("/nonexistent/x.json")).unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Io(_)));
    }

    #[test]
    fn c24_seed_000_string_like_if_exists_on_tag_keys() {
        // Seed 000: the "production only" deny is a plain operator on aws:TagKeys.
        let p = policy(
            r#"{"Statement":[{"Effect":"Deny","Action":["rds:DeleteDBInstance"],"Resource":"*",
                "Condition":{"StringLikeIfExists":{"aws:TagKeys":"production"}}}]}"#,
        );
        for cat in [None, Some(&catalog())] {
            let w = check_policy(&p, cat);
            let hits: Vec<_> = w
                .iter()
                .filter(|w| matches!(w.kind, WarningKind::PlainOperatorOnMultivaluedKey { .. }))
                .collect();
            assert_eq!(hits.len(), 1, "{w:?}");
            assert_eq!(
                hits[0].path.as_str(),
                "$.Statement[0].Condition.StringLikeIfExists[\"aws:TagKeys\"]"
            );
            let text = hits[0].to_string();
            assert!(
                text.contains("fires on every request without tags and never on tagged ones"),
                "{text}"
            );
        }
    }

    #[test]
    fn c24_positive_plain_operator_never_holds_and_set_operators_are_fine() {
        let p = stmt(
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringEquals":{"AWS:TAGKEYS":"a"}}"#,
        );
        let w = check_policy(&p, None);
        assert_eq!(w.len(), 1);
        assert!(w[0].to_string().contains("it never holds"), "{}", w[0]);
        // With a set operator, or on a single-valued key: no C-24 warning.
        for body in [
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"a"}}"#,
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngine":"mysql"}}"#,
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"Null":{"aws:TagKeys":"true"}}"#,
        ] {
            assert_eq!(kinds(&stmt(body), Some(&catalog())), vec![], "{body}");
        }
        // A service key typed ArrayOfString in the catalog only.
        let p = stmt(
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringNotEquals":{"rds:EndpointTypes":"READER"}}"#,
        );
        let k = kinds(&p, Some(&catalog()));
        assert!(
            k.iter().any(|k| matches!(k, WarningKind::PlainOperatorOnMultivaluedKey { key, .. } if key == "rds:EndpointTypes")),
            "{k:?}"
        );
    }

    #[test]
    fn c20_c21_set_operator_on_single_valued_key() {
        let p = stmt(
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:username":"a"},"ForAnyValue:StringEquals":{"rds:DatabaseEngine":"mysql"}}"#,
        );
        let w = check_policy(&p, Some(&catalog()));
        let set: Vec<_> = w
            .iter()
            .filter(|w| matches!(w.kind, WarningKind::SetOperatorOnSingleValuedKey { .. }))
            .collect();
        assert_eq!(set.len(), 2, "{w:?}");
        assert!(set[0].to_string().contains("true when the key is absent"));
        // Without a catalog only the global key is known.
        assert_eq!(
            kinds(&p, None),
            vec![WarningKind::SetOperatorOnSingleValuedKey {
                operator: "ForAllValues:StringEquals".into(),
                key: "aws:username".into()
            }]
        );
        // Unknown keys are not known to be single-valued.
        let p = stmt(
            r#""Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"x:y":"a"}}"#,
        );
        assert_eq!(kinds(&p, None), vec![]);
    }

    #[test]
    fn a1_unknown_service_and_action_with_hints() {
        let p = stmt(
            r#""Action":["rdss:DeleteDBInstance","rds:DeleteDBInstanse","rds:Delete*","rds:Nope*","*","S3:getobject"],"Resource":"*""#,
        );
        let k = kinds(&p, Some(&catalog()));
        assert_eq!(
            k,
            vec![
                WarningKind::UnknownService {
                    action: "rdss:DeleteDBInstance".into(),
                    suggestion: Some("rds:DeleteDBInstance".into())
                },
                WarningKind::UnknownAction {
                    action: "rds:DeleteDBInstanse".into(),
                    suggestion: Some("rds:DeleteDBInstance".into())
                },
                WarningKind::ActionPatternMatchesNothing("rds:Nope*".into()),
            ]
        );
        let w = check_policy(&p, Some(&catalog()));
        assert_eq!(w[1].path.as_str(), "$.Statement[0].Action[1]");
        assert!(w[1]
            .to_string()
            .contains("(did you mean \"rds:DeleteDBInstance\"?)"));
        // No catalog: no catalog checks.
        assert_eq!(kinds(&p, None), vec![]);
    }

    #[test]
    fn k10_unknown_condition_key_with_hint() {
        let p = stmt(
            r#""Action":"rds:CreateDBInstance","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngin":"mysql","rds:db-tag/stage":"x","aws:MultiFactorAuthAge2":"1","aws:PrincipalTag/team":"t"}}"#,
        );
        let k = kinds(&p, Some(&catalog()));
        assert_eq!(
            k,
            vec![
                WarningKind::UnknownConditionKey {
                    key: "rds:DatabaseEngin".into(),
                    suggestion: Some("rds:DatabaseEngine".into())
                },
                WarningKind::UnknownConditionKey {
                    key: "aws:MultiFactorAuthAge2".into(),
                    suggestion: Some("aws:MultiFactorAuthAge".into())
                },
            ]
        );
    }

    #[test]
    fn v2_variable_under_2008_is_literal() {
        let p = policy(
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",
               "Resource":"arn:aws:s3:::b/${aws:username}/*",
               "Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"},"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#,
        );
        let w = check_policy(&p, None);
        let lit: Vec<_> = w
            .iter()
            .filter(|w| matches!(w.kind, WarningKind::LiteralVariable(_)))
            .map(|w| w.path.as_str().to_string())
            .collect();
        assert_eq!(
            lit,
            vec![
                "$.Statement[0].Resource".to_string(),
                "$.Statement[0].Condition.StringLike[\"s3:prefix\"]".to_string()
            ]
        );
        // No Version at all reads as 2008-10-17 too (G-2).
        let p = policy(
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}"#,
        );
        assert_eq!(check_policy(&p, None).len(), 1);
        // Same text under 2012-10-17: a real variable, no warning.
        let p = policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}"#,
        );
        assert_eq!(check_policy(&p, None), vec![]);
        // Literal special characters and a lone `$` are not variables.
        let p = policy(
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/$x"}]}"#,
        );
        assert_eq!(check_policy(&p, None), vec![]);
    }

    #[test]
    fn c5_if_exists_on_key_the_actions_never_carry() {
        let cat = catalog();
        // rds:DatabaseEngine is carried by CreateDBInstance, not DeleteDBInstance.
        let p = stmt(
            r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
        );
        assert_eq!(
            kinds(&p, Some(&cat)),
            vec![WarningKind::KeyNeverPresent {
                operator: "StringEqualsIfExists".into(),
                key: "rds:DatabaseEngine".into()
            }]
        );
        // Negated operator: same.
        let p = stmt(
            r#""Action":"rds:Delete*","Resource":"*","Condition":{"NumericNotEquals":{"rds:Piops":"0"}}"#,
        );
        assert_eq!(kinds(&p, Some(&cat)).len(), 1);
        // Carried by one of the actions (directly, or through the resource type's keys).
        for body in [
            r#""Action":["rds:DeleteDBInstance","rds:CreateDBInstance"],"Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
            r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:db-tag/stage":"devo"}}"#,
            r#""Action":"rds:C*","Resource":"*","Condition":{"NumericNotEquals":{"rds:Piops":"0"}}"#,
            // Positive operator without IfExists: not this check.
            r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngine":"mysql"}}"#,
            // NotAction and `*`: the actions are not a closed set.
            r#""NotAction":"rds:DeleteDBInstance","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
            r#""Action":"*","Resource":"*","Condition":{"StringEqualsIfExists":{"rds:DatabaseEngine":"mysql"}}"#,
            // Global keys are not service keys.
            r#""Action":"rds:DeleteDBInstance","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#,
        ] {
            assert_eq!(kinds(&stmt(body), Some(&cat)), vec![], "{body}");
        }
    }

    #[test]
    fn glob_matches_whole_string() {
        assert!(glob(b"delete*", b"deletedbinstance"));
        assert!(glob(b"*instance", b"deletedbinstance"));
        assert!(glob(b"d?l*e", b"deletedbinstance"));
        assert!(!glob(b"delete", b"deletedbinstance"));
        assert!(!glob(b"?", b""));
        assert!(glob(b"*", b""));
        assert!(glob(b"a*b*c", b"aXbYbZc"));
    }
}
