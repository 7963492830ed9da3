//! Who has which policies: the output of `aws iam get-account-authorization-details`, optional
//! SCP files, resource policies by ARN, and the proposed change.
//!
//! Users and roles are found by account and name, as their ARNs name them (a user of another
//! account with the same name is someone else); roles keep their paths; `--attach-to` must
//! name a user, role or group the snapshot has.
//!
//! Every document goes through `iamc_compiler::parse::parse_policy` (which undoes the
//! URL-encoding the AWS API uses). A document that does not parse is reported once and left
//! out; the run goes on. [`Snapshot::policy_set`] assembles the `ast::ParsedSet` of one
//! principal (user: inline + attached + its groups' inline + attached; role: inline + attached;
//! boundaries as the permissions boundary, E-5), before or after the change.
//!
//! Root: the account root user is not governed by identity policies; it is modelled as one
//! synthetic identity policy `Allow *:*` so that only SCPs (E-11) and explicit denies in
//! resource policies restrict it. Service principals and principals of other accounts have no
//! identity policies; only resource policies can grant them (E-8).

// FxHash: the maps are looked up for every record (the caller, its role, resource policies);
// their keys come from the snapshot, not from the logs.
use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use iamc_compiler::ast::{ParsedSet, Policy, PolicyKind};
use iamc_compiler::parse::{parse_policy_with, ReadMode};

/// Read a document as AWS holds it (G-21: leniently): a statement iamc cannot read becomes an
/// opaque statement (its decisions may come out indeterminate), a document that cannot be read
/// at all one opaque statement that may allow or deny anything — never dropped. Returns the
/// policy and one message per opaque statement (to be reported).
fn read_lenient(source: &str, bytes: &[u8], kind: PolicyKind) -> (Arc<Policy>, Vec<String>) {
    match parse_policy_with(source, bytes, kind, &limits(), ReadMode::Lenient) {
        Ok(p) => {
            let notes = opaque_notes(&p.warnings);
            (Arc::new(p.policy), notes)
        }
        // A lenient read does not fail; should it all the same, the document is one opaque
        // statement rather than absent.
        Err(errs) => {
            let parsed = iamc_compiler::parse::parse_lenient_json(
                Arc::from(source),
                &iamc_compiler::json::Json::Null,
                kind,
                &limits(),
            );
            let notes = errs.iter().map(|e| format!("opaque: {e}")).collect();
            (Arc::new(parsed.policy), notes)
        }
    }
}
use iamc_compiler::Limits;
use serde_json::Value;

use crate::event::{Principal, PrincipalKind};

#[derive(Clone, Debug, Default)]
struct Entity {
    arn: String,
    /// The account of `arn`.
    account: String,
    /// Inline policies with their names.
    inline: Vec<(String, Arc<Policy>)>,
    attached: Vec<String>,
    boundary: Option<String>,
    groups: Vec<String>,
    tags: Vec<(String, String)>,
}

/// Where a proposed policy is attached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// An IAM user by name.
    User(String),
    /// An IAM role by name.
    Role(String),
    /// An IAM group by name (applies to its members).
    Group(String),
    /// Every user and role of the snapshot.
    All,
}

impl Target {
    /// Parse `user:NAME`, `role:NAME`, `group:NAME` or `all`.
    pub fn parse(s: &str) -> Result<Target, String> {
        if s == "all" {
            return Ok(Target::All);
        }
        match s.split_once(':') {
            Some(("user", n)) if !n.is_empty() => Ok(Target::User(n.to_string())),
            Some(("role", n)) if !n.is_empty() => Ok(Target::Role(n.to_string())),
            Some(("group", n)) if !n.is_empty() => Ok(Target::Group(n.to_string())),
            _ => Err(format!(
                "--attach-to {s:?}: expected user:NAME, role:NAME, group:NAME or all"
            )),
        }
    }
}

/// The proposed change.
#[derive(Clone, Debug, Default)]
pub struct Change {
    /// Identity policies to attach, and where.
    pub attach: Vec<Arc<Policy>>,
    /// Where `attach` goes (several targets allowed).
    pub targets: Vec<Target>,
    /// SCPs to add to the last SCP level (a new level with full access if there is none).
    pub scps: Vec<Arc<Policy>>,
    /// RCPs to add to the last RCP level (a new level with `RCPFullAWSAccess` if there is
    /// none).
    pub rcps: Vec<Arc<Policy>>,
    /// `--replace NAME`: `attach` takes the place of the managed (by name or ARN) or inline
    /// policy of that name wherever it is attached (to the principal or one of its groups);
    /// `targets` is then empty.
    pub replace: Option<String>,
}

impl Change {
    /// Whether there is any change at all.
    pub fn is_empty(&self) -> bool {
        (self.attach.is_empty() || (self.targets.is_empty() && self.replace.is_none()))
            && self.scps.is_empty()
            && self.rcps.is_empty()
    }
}

/// Whether a managed policy ARN is the one `name` designates: the ARN itself or its name (the
/// last path segment, `arn:aws:iam::aws:policy/job-function/ViewOnlyAccess` → `ViewOnlyAccess`).
pub fn managed_is(arn: &str, name: &str) -> bool {
    arn == name || arn.rsplit('/').next() == Some(name)
}

/// Managed policies parsed so far, by (ARN, kind); `None` when the document did not parse.
type ParsedCache = HashMap<(String, PolicyKind), Option<Arc<Policy>>>;

/// The loaded snapshot.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// Users and roles by `ACCOUNT/NAME` (names are unique within an account only: a user of
    /// another account with the same name is someone else).
    users: HashMap<String, Entity>,
    roles: HashMap<String, Entity>,
    /// Instance profile (name or ARN) → its role's ARN.
    instance_profiles: HashMap<String, String>,
    groups: HashMap<String, Entity>,
    managed: HashMap<String, String>,
    parsed: std::sync::Mutex<ParsedCache>,
    /// SCP levels (root first) applying to every account, or per account.
    scps_all: Vec<Vec<Arc<Policy>>>,
    scps_by_account: HashMap<String, Vec<Vec<Arc<Policy>>>>,
    /// RCP levels (root first) applying to the resources of every account, or of one account
    /// (E-10: RCPs follow the resource's account, SCPs the principal's).
    rcps_all: Vec<Vec<Arc<Policy>>>,
    rcps_by_account: HashMap<String, Vec<Vec<Arc<Policy>>>>,
    /// The services RCPs apply to (E-10); `None`: the compiler's default list.
    pub rcp_services: Option<Vec<String>>,
    resource_policies: HashMap<String, Arc<Policy>>,
    /// Each role's trust policy (`AssumeRolePolicyDocument`) by role ARN: the resource policy
    /// of `sts:` calls on the role (E-19).
    trust_policies: HashMap<String, Arc<Policy>>,
    root_policy: Option<Arc<Policy>>,
    /// Problems found while loading (a document that does not parse, a missing managed
    /// policy); reported, never fatal.
    pub warnings: std::sync::Mutex<Vec<String>>,
}

fn limits() -> Limits {
    Limits::default()
}

/// Read a role's trust policy as IAM stores it (no `Resource`: the role is the resource), leniently
/// (G-21); the messages name each opaque statement.
pub fn parse_trust(source: &str, doc: &Value, role_arn: &str) -> (Arc<Policy>, Vec<String>) {
    let text;
    let bytes = match doc {
        Value::String(s) => s.as_bytes(),
        other => {
            text = other.to_string();
            text.as_bytes()
        }
    };
    match iamc_compiler::parse::parse_trust_policy_with(
        source,
        bytes,
        role_arn,
        &limits(),
        ReadMode::Lenient,
    ) {
        Ok(p) => (Arc::new(p.policy), opaque_notes(&p.warnings)),
        Err(_) => read_lenient(source, bytes, PolicyKind::Resource),
    }
}

/// Whether `arn` is an IAM role's ARN (`arn:<partition>:iam::<account>:role/...`).
pub fn is_role_arn(arn: &str) -> bool {
    // Asked for every resource of every request: most ARNs fail at the service field.
    arn.strip_prefix("arn:")
        .and_then(|r| r.split_once(':'))
        .and_then(|(_, r)| r.strip_prefix("iam::"))
        .and_then(|r| r.split_once(':'))
        .is_some_and(|(_, res)| res.starts_with("role/"))
}

fn opaque_notes(warnings: &[iamc_compiler::check::Warning]) -> Vec<String> {
    warnings
        .iter()
        .filter(|w| {
            matches!(
                w.kind,
                iamc_compiler::check::WarningKind::OpaqueStatement(_)
            )
        })
        .map(|w| w.to_string())
        .collect()
}

/// Parse one document (object, string or URL-encoded string) as `kind`.
/// Read leniently (G-21, `read_lenient`); the messages name each opaque statement.
pub fn parse_doc(source: &str, doc: &Value, kind: PolicyKind) -> (Arc<Policy>, Vec<String>) {
    let text;
    let bytes = match doc {
        Value::String(s) => s.as_bytes(),
        other => {
            text = other.to_string();
            text.as_bytes()
        }
    };
    read_lenient(source, bytes, kind)
}

/// Parse a policy file as `kind`. Read leniently (G-21); an unreadable file is an error (it names no policy at all).
pub fn parse_file(path: &Path, kind: PolicyKind) -> Result<(Arc<Policy>, Vec<String>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(read_lenient(&path.display().to_string(), &bytes, kind))
}

/// [`parse_file`] of bytes already read; `name` stands for the file in messages and reports.
pub fn parse_bytes(name: &str, bytes: &[u8], kind: PolicyKind) -> (Arc<Policy>, Vec<String>) {
    read_lenient(name, bytes, kind)
}

/// `ACCOUNT/NAME` of a user or role (the account from its ARN).
fn entity_key(arn: &str, name: &str) -> String {
    let account = arn.split(':').nth(4).unwrap_or("");
    format!("{account}/{name}")
}

fn with_account(mut e: Entity) -> Entity {
    e.account = e.arn.split(':').nth(4).unwrap_or("").to_string();
    e
}

fn str_of<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn list<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

impl Snapshot {
    /// Load `get-account-authorization-details` output.
    pub fn load(path: &Path) -> Result<Snapshot, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Snapshot::from_slice(&path.display().to_string(), &bytes)
    }

    /// Parse `get-account-authorization-details` output from bytes.
    pub fn from_slice(name: &str, bytes: &[u8]) -> Result<Snapshot, String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("{name}: {e}"))?;
        if !v.is_object() {
            return Err(format!("{name}: not a JSON object"));
        }
        let mut s = Snapshot::default();
        let mut warnings = Vec::new();
        let inline = |who: &str, list_v: &[Value], warnings: &mut Vec<String>| {
            let mut out = Vec::new();
            for p in list_v {
                let pname = str_of(p, "PolicyName").unwrap_or("?");
                let source = format!("{who}:inline/{pname}");
                match p.get("PolicyDocument") {
                    Some(doc) => {
                        let (pol, notes) = parse_doc(&source, doc, PolicyKind::Identity);
                        warnings.extend(notes.into_iter().map(|n| format!("{name}: {n}")));
                        out.push((pname.to_string(), pol));
                    }
                    None => warnings.push(format!("{name}: {source}: no PolicyDocument")),
                }
            }
            out
        };
        let attached = |e: &Value| -> Vec<String> {
            list(e, "AttachedManagedPolicies")
                .iter()
                .filter_map(|a| str_of(a, "PolicyArn").map(str::to_string))
                .collect()
        };
        let boundary = |e: &Value| {
            e.get("PermissionsBoundary")
                .and_then(|b| str_of(b, "PermissionsBoundaryArn"))
                .map(str::to_string)
        };
        let tags = |e: &Value| -> Vec<(String, String)> {
            list(e, "Tags")
                .iter()
                .filter_map(|t| {
                    Some((
                        str_of(t, "Key")?.to_string(),
                        str_of(t, "Value")?.to_string(),
                    ))
                })
                .collect()
        };
        for u in list(&v, "UserDetailList") {
            let Some(n) = str_of(u, "UserName") else {
                continue;
            };
            let who = format!("user/{n}");
            let e = Entity {
                arn: str_of(u, "Arn").unwrap_or_default().to_string(),
                inline: inline(&who, list(u, "UserPolicyList"), &mut warnings),
                attached: attached(u),
                boundary: boundary(u),
                groups: list(u, "GroupList")
                    .iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect(),
                tags: tags(u),
                account: String::new(),
            };
            s.users.insert(entity_key(&e.arn, n), with_account(e));
        }
        for g in list(&v, "GroupDetailList") {
            let Some(n) = str_of(g, "GroupName") else {
                continue;
            };
            let who = format!("group/{n}");
            let e = Entity {
                arn: str_of(g, "Arn").unwrap_or_default().to_string(),
                inline: inline(&who, list(g, "GroupPolicyList"), &mut warnings),
                attached: attached(g),
                ..Entity::default()
            };
            s.groups.insert(n.to_string(), e);
        }
        for r in list(&v, "RoleDetailList") {
            let Some(n) = str_of(r, "RoleName") else {
                continue;
            };
            let who = format!("role/{n}");
            let e = Entity {
                arn: str_of(r, "Arn").unwrap_or_default().to_string(),
                inline: inline(&who, list(r, "RolePolicyList"), &mut warnings),
                attached: attached(r),
                boundary: boundary(r),
                tags: tags(r),
                ..Entity::default()
            };
            if let Some(doc) = r.get("AssumeRolePolicyDocument") {
                let (p, notes) = parse_trust(&format!("{who}:trust"), doc, &e.arn);
                warnings.extend(notes.into_iter().map(|n| format!("{name}: {n}")));
                s.trust_policies.insert(e.arn.clone(), p);
            }
            for ip in list(r, "InstanceProfileList") {
                for k in ["InstanceProfileName", "Arn"] {
                    if let Some(v) = str_of(ip, k) {
                        s.instance_profiles.insert(v.to_string(), e.arn.clone());
                    }
                }
            }
            s.roles.insert(entity_key(&e.arn, n), with_account(e));
        }
        for p in list(&v, "Policies") {
            let Some(arn) = str_of(p, "Arn") else {
                continue;
            };
            let doc = list(p, "PolicyVersionList")
                .iter()
                .find(|pv| pv.get("IsDefaultVersion").and_then(Value::as_bool) == Some(true))
                .and_then(|pv| pv.get("Document"));
            match doc {
                Some(Value::String(d)) => {
                    s.managed.insert(arn.to_string(), d.clone());
                }
                Some(d) => {
                    s.managed.insert(arn.to_string(), d.to_string());
                }
                None => warnings.push(format!("{name}: {arn}: no default policy version")),
            }
        }
        s.root_policy = Some(
            parse_doc(
                "root:full-access",
                &serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}),
                PolicyKind::Identity,
            )
            .0,
        );
        s.warnings = std::sync::Mutex::new(warnings);
        Ok(s)
    }

    /// Add an SCP level (root first), for one account or (None) every account.
    pub fn add_scp_level(&mut self, account: Option<&str>, level: Vec<Arc<Policy>>) {
        match account {
            Some(a) => self
                .scps_by_account
                .entry(a.to_string())
                .or_default()
                .push(level),
            None => self.scps_all.push(level),
        }
    }

    /// Add an RCP level (root first), for the resources of one account or (None) of every
    /// account.
    pub fn add_rcp_level(&mut self, account: Option<&str>, level: Vec<Arc<Policy>>) {
        match account {
            Some(a) => self
                .rcps_by_account
                .entry(a.to_string())
                .or_default()
                .push(level),
            None => self.rcps_all.push(level),
        }
    }

    /// Whether the RCP levels differ from one resource account to another (then a compiled
    /// set is kept per principal and resource account).
    pub fn rcps_per_account(&self) -> bool {
        !self.rcps_by_account.is_empty()
    }

    /// Whether any RCP was loaded.
    pub fn has_rcps(&self) -> bool {
        !self.rcps_all.is_empty() || !self.rcps_by_account.is_empty()
    }

    /// Load resource policies from a JSON map `{arn: document}`.
    pub fn load_resource_policies(&mut self, path: &Path) -> Result<(), String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        self.resource_policies_from_slice(&path.display().to_string(), &bytes)
    }

    /// [`Snapshot::load_resource_policies`] of bytes already read (`name`: the file's name).
    pub fn resource_policies_from_slice(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("{name}: {e}"))?;
        let Some(map) = v.as_object() else {
            return Err(format!("{name}: expected an object {{arn: policy}}"));
        };
        for (arn, doc) in map {
            let source = format!("resource:{arn}");
            // A role's resource policy is its trust policy, as IAM stores it (E-19).
            let (p, notes) = if is_role_arn(arn) {
                parse_trust(&source, doc, arn)
            } else {
                parse_doc(&source, doc, PolicyKind::Resource)
            };
            for n in notes {
                self.warn(format!("{name}: {n}"));
            }
            self.resource_policies.insert(arn.clone(), p);
        }
        Ok(())
    }

    /// The resource policy of `action` on a resource ARN: exact, else the bucket's for an S3
    /// object. A role's is its trust policy (`--resource-policies` first, else the snapshot's),
    /// and only for `sts:` calls on it (E-19): IAM's own actions on a role have no resource
    /// policy.
    pub fn resource_policy(&self, action: &str, arn: &str) -> Option<(&str, &Arc<Policy>)> {
        // Asked for every resource of every request: the common answers come first, without
        // looking at the ARN (trust policies only answer sts: actions).
        let sts = action.starts_with("sts:");
        if self.resource_policies.is_empty() && (!sts || self.trust_policies.is_empty()) {
            return None;
        }
        if is_role_arn(arn) {
            if !sts {
                return None;
            }
            return self
                .resource_policies
                .get_key_value(arn)
                .or_else(|| self.trust_policies.get_key_value(arn))
                .map(|(k, p)| (k.as_str(), p));
        }
        if self.resource_policies.is_empty() {
            return None;
        }
        if let Some((k, p)) = self.resource_policies.get_key_value(arn) {
            return Some((k.as_str(), p));
        }
        let bucket = arn.strip_prefix("arn:aws:s3:::")?.split('/').next()?;
        self.resource_policies
            .get_key_value(&format!("arn:aws:s3:::{bucket}"))
            .map(|(k, p)| (k.as_str(), p))
    }

    /// Whether any resource policy was loaded.
    pub fn has_resource_policies(&self) -> bool {
        !self.resource_policies.is_empty()
    }

    /// Whether any SCP was loaded.
    pub fn has_scps(&self) -> bool {
        !self.scps_all.is_empty() || !self.scps_by_account.is_empty()
    }

    fn managed(&self, arn: &str, kind: PolicyKind) -> Option<Arc<Policy>> {
        let key = (arn.to_string(), kind);
        let mut cache = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache.get(&key) {
            return p.clone();
        }
        let parsed = match self.managed.get(arn) {
            Some(doc) => {
                let (p, notes) = read_lenient(&format!("managed:{arn}"), doc.as_bytes(), kind);
                for n in notes {
                    self.warn(format!("managed policy {arn}: {n}"));
                }
                Some(p)
            }
            None => {
                self.warn(format!(
                    "managed policy {arn} is attached but not in the snapshot's Policies; left out"
                ));
                None
            }
        };
        cache.insert(key, parsed.clone());
        parsed
    }

    /// Record a warning (reported with the summary).
    pub fn warn(&self, w: String) {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(w);
    }

    /// The snapshot entity behind a principal: (is user, name) when it is known. Matched by
    /// account and name (what an ARN names), never by name alone.
    fn entity(&self, p: &Principal<'_>) -> Option<(bool, &str, &Entity)> {
        let name = p.name.as_deref()?;
        let account = p.account.as_deref()?;
        let (is_user, map) = match p.kind {
            PrincipalKind::User | PrincipalKind::Federated => (true, &self.users),
            PrincipalKind::Session => (false, &self.roles),
            _ => return None,
        };
        // `ACCOUNT/NAME` assembled on the stack (this runs for every event of a user or role).
        let mut buf = [0u8; 160];
        let len = account.len() + 1 + name.len();
        let owned;
        let key: &str = match buf.get_mut(..len) {
            Some(b) => {
                b[..account.len()].copy_from_slice(account.as_bytes());
                b[account.len()] = b'/';
                b[account.len() + 1..].copy_from_slice(name.as_bytes());
                std::str::from_utf8(b).ok()?
            }
            None => {
                owned = format!("{account}/{name}");
                &owned
            }
        };
        let (k, e) = map.get_key_value(key)?;
        Some((is_user, k.split_once('/').map_or(k.as_str(), |(_, n)| n), e))
    }

    /// The ARN of the snapshot's user or role behind a principal (with its path).
    pub fn entity_arn(&self, p: &Principal<'_>) -> Option<&str> {
        self.entity(p).map(|(_, _, e)| e.arn.as_str())
    }

    /// The role an instance profile (name or ARN) holds, when the snapshot lists it.
    pub fn instance_profile_role(&self, profile: &str) -> Option<&str> {
        self.instance_profiles.get(profile).map(String::as_str)
    }

    /// The accounts of the snapshot's users and roles.
    pub fn accounts(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .users
            .values()
            .chain(self.roles.values())
            .map(|e| e.account.clone())
            .filter(|a| !a.is_empty())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// `--attach-to` must name a user, role or group of the snapshot (a target that does not
    /// exist would silently change nothing).
    pub fn check_target(&self, t: &Target) -> Result<(), String> {
        let named = |map: &HashMap<String, Entity>, n: &str| {
            map.keys()
                .any(|k| k.split_once('/').is_some_and(|(_, x)| x == n))
        };
        let ok = match t {
            Target::All => true,
            Target::User(n) => named(&self.users, n),
            Target::Role(n) => named(&self.roles, n),
            Target::Group(n) => self.groups.contains_key(n),
        };
        if ok {
            Ok(())
        } else {
            let (kind, n) = match t {
                Target::User(n) => ("user", n),
                Target::Role(n) => ("role", n),
                Target::Group(n) => ("group", n),
                Target::All => ("", &String::new()),
            };
            Err(format!(
                "--attach-to {kind}:{n}: the snapshot has no {kind} named {n:?} (nothing would change)"
            ))
        }
    }

    /// Whether the snapshot knows the principal (root, services and other accounts count as
    /// known: their policies are not in any snapshot by nature).
    pub fn knows(&self, p: &Principal<'_>) -> bool {
        match p.kind {
            PrincipalKind::User | PrincipalKind::Federated | PrincipalKind::Session => {
                self.entity(p).is_some()
            }
            PrincipalKind::Anonymous => false,
            _ => true,
        }
    }

    /// The cache key of a principal's policies (the same key means the same policy set).
    pub fn principal_key(&self, p: &Principal<'_>) -> String {
        match self.entity(p) {
            Some((true, _, e)) => format!("user/{}/{}", e.account, e.arn),
            Some((false, _, e)) => format!("role/{}/{}", e.account, e.arn),
            None => match p.kind {
                PrincipalKind::Root => format!("root/{}", p.account.as_deref().unwrap_or("")),
                _ => format!("none/{}", p.account.as_deref().unwrap_or("")),
            },
        }
    }

    /// The principal tags the snapshot has (`aws:PrincipalTag/K`).
    pub fn tags(&self, p: &Principal<'_>) -> Vec<(String, String)> {
        self.entity(p)
            .map(|(_, _, e)| e.tags.clone())
            .unwrap_or_default()
    }

    /// The policy set of a principal, with a resource policy, before (`change == None`) or
    /// after the change. The second value says whether the change touched this principal.
    pub fn policy_set(
        &self,
        p: &Principal<'_>,
        resource_policy: Option<&Arc<Policy>>,
        resource_account: Option<&str>,
        change: Option<&Change>,
    ) -> (ParsedSet, bool) {
        let mut set = ParsedSet::default();
        let mut touched = false;
        let ent = self.entity(p);
        if let Some((is_user, name, e)) = ent {
            let replace = change.and_then(|c| c.replace.as_deref());
            let mut replaced = false;
            let mut add = |ent: &Entity| {
                for (n, p) in &ent.inline {
                    if replace == Some(n.as_str()) {
                        replaced = true;
                    } else {
                        set.identity.push((**p).clone());
                    }
                }
                for a in &ent.attached {
                    if replace.is_some_and(|r| managed_is(a, r)) {
                        replaced = true;
                    } else if let Some(pol) = self.managed(a, PolicyKind::Identity) {
                        set.identity.push((*pol).clone());
                    }
                }
            };
            add(e);
            if is_user {
                for g in &e.groups {
                    if let Some(ge) = self.groups.get(g) {
                        add(ge);
                    }
                }
            }
            if let (true, Some(c)) = (replaced, change) {
                // The replacement goes in once, however many places held the named policy.
                touched = true;
                set.identity.extend(c.attach.iter().map(|p| (**p).clone()));
            }
            if let Some(b) = &e.boundary {
                if let Some(pol) = self.managed(b, PolicyKind::Boundary) {
                    set.boundaries.push((*pol).clone());
                }
            }
            if let Some(c) = change {
                let hit = c.targets.iter().any(|t| match t {
                    Target::All => true,
                    Target::User(n) => is_user && n == name,
                    Target::Role(n) => !is_user && n == name,
                    Target::Group(g) => is_user && e.groups.iter().any(|x| x == g),
                });
                if hit && !c.attach.is_empty() {
                    touched = true;
                    set.identity.extend(c.attach.iter().map(|p| (**p).clone()));
                }
            }
        } else if p.kind == PrincipalKind::Root {
            if let Some(r) = &self.root_policy {
                set.identity.push((**r).clone());
            }
        }
        // E-11: SCPs apply to principals of member accounts (the runtime checks the rest).
        let mut levels: Vec<Vec<Arc<Policy>>> = self.scps_all.clone();
        if let Some(a) = p.account.as_deref() {
            if let Some(l) = self.scps_by_account.get(a) {
                levels.extend(l.iter().cloned());
            }
        }
        if let Some(c) = change {
            if !c.scps.is_empty() && p.account.is_some() {
                touched = true;
                match levels.last_mut() {
                    Some(last) => last.extend(c.scps.iter().cloned()),
                    None => {
                        let mut level = Vec::new();
                        level.push(
                            parse_doc(
                                "scp:FullAWSAccess",
                                &serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}),
                                PolicyKind::Scp,
                            )
                            .0,
                        );
                        level.extend(c.scps.iter().cloned());
                        levels.push(level);
                    }
                }
            }
        }
        set.scps = levels
            .into_iter()
            .map(|l| l.into_iter().map(|p| (*p).clone()).collect())
            .collect();
        // E-10: RCPs follow the resource's account (the runtime checks the rest: services,
        // service principals, the management account).
        let mut rlevels: Vec<Vec<Arc<Policy>>> = self.rcps_all.clone();
        if let Some(l) = resource_account.and_then(|a| self.rcps_by_account.get(a)) {
            rlevels.extend(l.iter().cloned());
        }
        if let Some(c) = change.filter(|c| !c.rcps.is_empty()) {
            touched = true;
            match rlevels.last_mut() {
                Some(last) => last.extend(c.rcps.iter().cloned()),
                None => {
                    let full = parse_doc(
                        "rcp:RCPFullAWSAccess",
                        &serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}),
                        PolicyKind::Rcp,
                    )
                    .0;
                    let mut level = vec![full];
                    level.extend(c.rcps.iter().cloned());
                    rlevels.push(level);
                }
            }
        }
        set.rcps = rlevels
            .into_iter()
            .map(|l| l.into_iter().map(|p| (*p).clone()).collect())
            .collect();
        if let Some(list) = &self.rcp_services {
            set.rcp_services = list.clone();
        }
        set.resource = resource_policy.map(|p| (**p).clone());
        (set, touched)
    }

    /// Every policy a decision of this snapshot can read: users', groups' and roles' inline
    /// and attached policies, boundaries, SCPs, resource policies (for the context keys worth
    /// building, [`crate::event::Want`]).
    pub fn policies_in_use(&self) -> Vec<Arc<Policy>> {
        let mut out: Vec<Arc<Policy>> = Vec::new();
        for e in self
            .users
            .values()
            .chain(self.groups.values())
            .chain(self.roles.values())
        {
            out.extend(e.inline.iter().map(|(_, p)| Arc::clone(p)));
            out.extend(
                e.attached
                    .iter()
                    .filter_map(|a| self.managed(a, PolicyKind::Identity)),
            );
            out.extend(
                e.boundary
                    .iter()
                    .filter_map(|b| self.managed(b, PolicyKind::Boundary)),
            );
        }
        out.extend(self.scps_all.iter().flatten().cloned());
        out.extend(self.scps_by_account.values().flatten().flatten().cloned());
        out.extend(self.rcps_all.iter().flatten().cloned());
        out.extend(self.rcps_by_account.values().flatten().flatten().cloned());
        out.extend(self.resource_policies.values().cloned());
        out.extend(self.trust_policies.values().cloned());
        out
    }

    /// Whether some user, group or role has an inline or attached managed policy `name`
    /// (see [`managed_is`]).
    pub fn has_policy_named(&self, name: &str) -> bool {
        self.users
            .values()
            .chain(self.groups.values())
            .chain(self.roles.values())
            .any(|e| {
                e.inline.iter().any(|(n, _)| n == name)
                    || e.attached.iter().any(|a| managed_is(a, name))
            })
    }

    /// Every user and role with the policies that govern it, shared rather than copied (for
    /// access queries over the whole snapshot), sorted by ARN. Identity policies are in the
    /// order [`Snapshot::policy_set`] assembles them (a user's groups' included); a managed
    /// policy missing from the snapshot is left out and warned about, as there.
    pub fn principals(&self) -> Vec<PrincipalPolicies> {
        let mut out = Vec::with_capacity(self.users.len() + self.roles.len());
        for (is_user, map) in [(true, &self.users), (false, &self.roles)] {
            for (key, e) in map {
                let mut identity = Vec::new();
                let mut add = |ent: &Entity| {
                    identity.extend(ent.inline.iter().map(|(_, p)| Arc::clone(p)));
                    identity.extend(
                        ent.attached
                            .iter()
                            .filter_map(|a| self.managed(a, PolicyKind::Identity)),
                    );
                };
                add(e);
                if is_user {
                    for g in &e.groups {
                        if let Some(ge) = self.groups.get(g) {
                            add(ge);
                        }
                    }
                }
                out.push(PrincipalPolicies {
                    is_user,
                    arn: e.arn.clone(),
                    account: e.account.clone(),
                    name: key
                        .split_once('/')
                        .map_or(key.as_str(), |(_, n)| n)
                        .to_string(),
                    tags: e.tags.clone(),
                    identity,
                    boundary: e
                        .boundary
                        .as_ref()
                        .and_then(|b| self.managed(b, PolicyKind::Boundary)),
                });
            }
        }
        out.sort_by(|a, b| a.arn.cmp(&b.arn));
        out
    }

    /// Users and roles, for reports.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.users.len(),
            self.groups.len(),
            self.roles.len(),
            self.managed.len(),
        )
    }

    /// The ARN of a user by name (tests).
    pub fn user_arn(&self, name: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|(k, _)| k.split_once('/').is_some_and(|(_, n)| n == name))
            .map(|(_, e)| e.arn.as_str())
    }
}

/// A user or role of a snapshot with every policy that governs it ([`Snapshot::principals`]).
#[derive(Clone, Debug)]
pub struct PrincipalPolicies {
    /// An IAM user (else a role).
    pub is_user: bool,
    /// Its ARN, with its path.
    pub arn: String,
    /// The account of `arn`.
    pub account: String,
    /// The user or role name.
    pub name: String,
    /// Its tags (`aws:PrincipalTag/K`).
    pub tags: Vec<(String, String)>,
    /// Inline and attached identity policies (a user's groups' included).
    pub identity: Vec<Arc<Policy>>,
    /// The permissions boundary (E-5).
    pub boundary: Option<Arc<Policy>>,
}

/// The condition keys and policy variables `policies` read (as written).
pub fn keys_read(policies: &[Arc<Policy>]) -> Vec<String> {
    use iamc_compiler::ast::{Template, TemplatePart};
    let mut out = Vec::new();
    let vars = |t: &Template, out: &mut Vec<String>| {
        for part in &t.parts {
            if let TemplatePart::Variable { key, .. } = part {
                out.push(key.clone());
            }
        }
    };
    for p in policies {
        for st in &p.statements {
            for r in &st.resource.patterns {
                vars(&r.template, &mut out);
            }
            for c in &st.conditions {
                out.push(c.key.clone());
                for v in &c.values {
                    vars(&v.template, &mut out);
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Parse `--scp [ACCOUNT=]FILE`.
pub fn scp_arg(s: &str) -> (Option<String>, PathBuf) {
    if let Some((a, f)) = s.split_once('=') {
        if a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()) {
            return (Some(a.to_string()), PathBuf::from(f));
        }
    }
    (None, PathBuf::from(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    const SNAP: &str = r#"{
      "UserDetailList":[{"UserName":"alice","Arn":"arn:aws:iam::1:user/alice","GroupList":["devs"],
        "UserPolicyList":[{"PolicyName":"inl","PolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D"}],
        "AttachedManagedPolicies":[{"PolicyName":"M","PolicyArn":"arn:aws:iam::1:policy/M"}],
        "PermissionsBoundary":{"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":"arn:aws:iam::1:policy/M"},
        "Tags":[{"Key":"team","Value":"red"}]}],
      "GroupDetailList":[{"GroupName":"devs","Arn":"arn:aws:iam::1:group/devs","GroupPolicyList":[
        {"PolicyName":"g","PolicyDocument":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}}],
        "AttachedManagedPolicies":[]}],
      "RoleDetailList":[{"RoleName":"r","Arn":"arn:aws:iam::1:role/r","RolePolicyList":[],"AttachedManagedPolicies":[{"PolicyArn":"arn:aws:iam::1:policy/M"}]}],
      "Policies":[{"PolicyName":"M","Arn":"arn:aws:iam::1:policy/M","PolicyVersionList":[
        {"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]},"IsDefaultVersion":false},
        {"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]},"IsDefaultVersion":true}]}]
    }"#;

    fn user(name: &str) -> Principal<'static> {
        Principal {
            kind: PrincipalKind::User,
            arn: Cow::Owned(format!("arn:aws:iam::1:user/{name}")),
            account: Some(Cow::Borrowed("1")),
            issuer_arn: None,
            name: Some(Cow::Owned(name.to_string())),
            inexact: false,
        }
    }

    #[test]
    fn snapshot_assembles_user_policies() {
        let s = Snapshot::from_slice("t", SNAP.as_bytes()).unwrap();
        let (set, touched) = s.policy_set(&user("alice"), None, None, None);
        assert!(!touched);
        // inline (URL-encoded) + managed (default version) + group inline.
        assert_eq!(set.identity.len(), 3);
        assert_eq!(set.boundaries.len(), 1);
        assert!(s.knows(&user("alice")));
        assert!(!s.knows(&user("bob")));
        assert_eq!(s.tags(&user("alice")), vec![("team".into(), "red".into())]);
        let change = Change {
            attach: vec![parse_doc(
                "p",
                &serde_json::json!({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}),
                PolicyKind::Identity,
            )
            .0],
            targets: vec![Target::Group("devs".into())],
            scps: vec![],
            rcps: vec![],
            replace: None,
        };
        let (set, touched) = s.policy_set(&user("alice"), None, None, Some(&change));
        assert!(touched);
        assert_eq!(set.identity.len(), 4);
        assert!(s.warnings.lock().unwrap().is_empty());
    }

    #[test]
    fn replace_swaps_the_named_policy_wherever_it_is_attached() {
        let s = Snapshot::from_slice("t", SNAP.as_bytes()).unwrap();
        let deny_all = parse_doc(
            "proposed.json",
            &serde_json::json!({"Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}),
            PolicyKind::Identity,
        )
        .0;
        let change = |name: &str| Change {
            attach: vec![Arc::clone(&deny_all)],
            replace: Some(name.to_string()),
            ..Change::default()
        };
        let role = Principal {
            kind: PrincipalKind::Session,
            arn: Cow::Borrowed("arn:aws:sts::1:assumed-role/r/s"),
            account: Some(Cow::Borrowed("1")),
            issuer_arn: None,
            name: Some(Cow::Borrowed("r")),
            inexact: false,
        };
        let is_deny_all = |p: &Policy| p.source == deny_all.source;
        // Managed, by name and by ARN: alice (directly) and role r (attached) both hold M.
        for name in ["M", "arn:aws:iam::1:policy/M"] {
            for p in [user("alice"), role.clone()] {
                let (before, _) = s.policy_set(&p, None, None, None);
                let (after, touched) = s.policy_set(&p, None, None, Some(&change(name)));
                assert!(touched, "{name}");
                assert_eq!(after.identity.len(), before.identity.len(), "{name}");
                assert_eq!(after.identity.iter().filter(|p| is_deny_all(p)).count(), 1);
                // The boundary is not an attachment: it stays.
                assert_eq!(after.boundaries.len(), before.boundaries.len());
            }
        }
        // Inline, the user's own and its group's.
        for name in ["inl", "g"] {
            let (after, touched) = s.policy_set(&user("alice"), None, None, Some(&change(name)));
            assert!(touched);
            assert_eq!(after.identity.len(), 3);
            assert!(after.identity.iter().any(&is_deny_all));
            let (_, touched) = s.policy_set(&role, None, None, Some(&change(name)));
            assert!(!touched, "role r has no policy {name}");
        }
        // A name nobody has touches nobody.
        let (_, touched) = s.policy_set(&user("alice"), None, None, Some(&change("Nope")));
        assert!(!touched);
        assert!(s.has_policy_named("M") && s.has_policy_named("g") && !s.has_policy_named("Nope"));
        assert!(managed_is(
            "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess",
            "ViewOnlyAccess"
        ));
    }

    #[test]
    fn role_arns_e19() {
        for a in [
            "arn:aws:iam::1:role/r",
            "arn:aws-cn:iam::123456789012:role/service-role/x",
        ] {
            assert!(is_role_arn(a), "{a}");
        }
        for a in [
            "arn:aws:iam::1:user/r",
            "arn:aws:sts::1:assumed-role/r/s",
            "arn:aws:iam:us-east-1:1:role/r",
            "arn:aws:s3:::role/x",
            "role/x",
            "*",
        ] {
            assert!(!is_role_arn(a), "{a}");
        }
    }

    #[test]
    fn targets_parse() {
        assert_eq!(Target::parse("all"), Ok(Target::All));
        assert_eq!(Target::parse("role:x"), Ok(Target::Role("x".into())));
        assert!(Target::parse("bucket:x").is_err());
        assert_eq!(
            scp_arg("123456789012=a.json").0.as_deref(),
            Some("123456789012")
        );
        assert_eq!(scp_arg("x=a.json").0, None);
    }
}
