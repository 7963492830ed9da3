//! An organisation loaded for access queries: the users and roles of one or more
//! `get-account-authorization-details` snapshots (read by the audit's snapshot reader), SCP and
//! RCP levels, and resource policies by ARN — with every distinct policy set compiled once.
//!
//! # Sharing
//! Principals with the same policies share one compiled set. A policy's identity is its content
//! (its `Debug` form, computed once per parsed document, so an AWS managed policy attached in
//! twenty accounts is one policy), a set's identity the list of its policies' identities plus
//! the account's SCP levels. Generated organisations, like real ones, hand out policies through
//! groups and role templates, so 10,000 principals make a few hundred distinct sets.
//!
//! # What a principal brings to a request
//! The request principal is the user's ARN, or for a role a session of it
//! (`arn:aws:sts::ACCOUNT:assumed-role/NAME/iamc`, what calls as the role). The snapshot fixes
//! the principal's own keys: `aws:PrincipalArn` (the role's ARN for a session),
//! `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:username` (users), `aws:PrincipalTag/*`
//! (a tag the snapshot does not list is absent), `aws:PrincipalIsAWSService`. Every other key a
//! set's policies read is unknown (K-13) unless the query gives it, so a decision that hinges on
//! it comes out indeterminate with what it depends on (E-21), never allowed.
//!
//! Trade-off: a resource policy changes the set, so a query on a resource that has one compiles
//! each distinct set again with it (on demand, in parallel, cached by [`Org`] per resource ARN).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iamc_audit::snapshot::{keys_read, PrincipalPolicies, Snapshot};
use iamc_compiler::ast::{Policy, PolicyKind};
use iamc_compiler::{Compiler, Config};
use iamc_runtime::PolicySet;
use rayon::prelude::*;

/// Keys the snapshot fixes for each principal (lower case; `aws:PrincipalTag/` by prefix).
const PRINCIPAL_KEYS: [&str; 6] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
];

/// One user or role.
#[derive(Clone, Debug)]
pub struct Principal {
    /// Its ARN (with its path).
    pub arn: String,
    /// The ARN requests are made with: the user's, or a session of the role.
    pub request_arn: String,
    /// User or role.
    pub is_user: bool,
    /// Its account.
    pub account: String,
    /// Its compiled set, an index into [`Org::sets`].
    pub set: usize,
    /// The context keys it fixes (see the module docs).
    pub context: Vec<(String, String)>,
    /// Its class for sharing decisions between principals (see [`Org::class_of`]).
    class: usize,
}

impl Principal {
    /// `user` or `role`.
    pub fn kind(&self) -> &'static str {
        if self.is_user {
            "user"
        } else {
            "role"
        }
    }
}

/// One distinct policy set.
pub struct SetEntry {
    /// Identity policies.
    pub identity: Vec<Arc<Policy>>,
    /// The boundary, if any.
    pub boundary: Option<Arc<Policy>>,
    /// SCP levels, root first.
    pub scps: Vec<Vec<Arc<Policy>>>,
    /// The set compiled without a resource policy.
    pub compiled: PolicySet,
    /// Condition keys and variables its policies read that no principal fixes (lower case).
    pub keys: Vec<String>,
    /// Whether its policies read a key that differs from principal to principal of one
    /// account and kind (`aws:PrincipalArn`, `aws:username`): then decisions are per
    /// principal, never shared.
    pub reads_own_keys: bool,
    /// Whether its policies read a principal tag (then tags are part of the sharing class).
    pub reads_tags: bool,
}

/// What the org is built from besides the snapshots.
#[derive(Clone, Debug, Default)]
pub struct OrgInputs {
    /// SCP levels for every account, root first.
    pub scps: Vec<Vec<Arc<Policy>>>,
    /// SCP levels for one account, after the common ones.
    pub scps_by_account: HashMap<String, Vec<Vec<Arc<Policy>>>>,
    /// RCP levels, root first (E-10).
    pub rcps: Vec<Vec<Arc<Policy>>>,
    /// Resource policies by resource ARN (an S3 bucket's also covers its objects).
    pub resource_policies: HashMap<String, Arc<Policy>>,
    /// The management account (E-10, E-12), which SCPs do not restrict.
    pub management_account: Option<String>,
}

/// The loaded organisation (see the module docs).
pub struct Org {
    principals: Vec<Principal>,
    sets: Vec<SetEntry>,
    inputs: OrgInputs,
    /// Compiled sets with a resource policy, by (set, resource policy ARN).
    with_resource: Mutex<HashMap<String, Arc<Vec<PolicySet>>>>,
    /// Problems found while loading; reported, never fatal.
    pub warnings: Vec<String>,
    /// Number of distinct policies (by content).
    pub distinct_policies: usize,
    classes: usize,
}

/// A set to compile: identity policies, boundary, SCP levels.
type Proto = (Vec<Arc<Policy>>, Option<Arc<Policy>>, Vec<Vec<Arc<Policy>>>);

/// What principals of one sharing class have in common: set, user or role, account, the tags
/// the set reads.
type ClassKey = (usize, bool, String, Vec<(String, String)>);

/// Interns policies by content.
#[derive(Default)]
struct Interner {
    by_ptr: HashMap<*const Policy, usize>,
    by_text: HashMap<String, usize>,
}

impl Interner {
    fn id(&mut self, p: &Arc<Policy>) -> usize {
        if let Some(id) = self.by_ptr.get(&Arc::as_ptr(p)) {
            return *id;
        }
        let next = self.by_text.len();
        let id = *self.by_text.entry(format!("{p:?}")).or_insert(next);
        self.by_ptr.insert(Arc::as_ptr(p), id);
        id
    }
}

fn compile(
    config: &Config,
    identity: &[Arc<Policy>],
    boundary: Option<&Arc<Policy>>,
    scps: &[Vec<Arc<Policy>>],
    rcps: &[Vec<Arc<Policy>>],
    resource: Option<&Arc<Policy>>,
) -> Result<PolicySet, String> {
    let mut c = Compiler::new(config.clone());
    for p in identity {
        c.add_policy(PolicyKind::Identity, 0, (**p).clone());
    }
    if let Some(b) = boundary {
        c.add_policy(PolicyKind::Boundary, 0, (**b).clone());
    }
    for (level, ps) in scps.iter().enumerate() {
        for p in ps {
            c.add_policy(PolicyKind::Scp, level, (**p).clone());
        }
    }
    for (level, ps) in rcps.iter().enumerate() {
        for p in ps {
            c.add_policy(PolicyKind::Rcp, level, (**p).clone());
        }
    }
    if let Some(r) = resource {
        c.add_policy(PolicyKind::Resource, 0, (**r).clone());
    }
    c.build().map_err(|e| e.to_string())
}

/// Whether a lower-case key is one the principal fixes.
pub(crate) fn principal_key(k: &str) -> bool {
    PRINCIPAL_KEYS.contains(&k) || k.starts_with("aws:principaltag/")
}

/// The context a principal fixes.
fn principal_context(p: &PrincipalPolicies) -> Vec<(String, String)> {
    let mut c = vec![
        ("aws:PrincipalArn".to_string(), p.arn.clone()),
        ("aws:PrincipalAccount".to_string(), p.account.clone()),
        (
            "aws:PrincipalType".to_string(),
            if p.is_user { "User" } else { "AssumedRole" }.to_string(),
        ),
        ("aws:PrincipalIsAWSService".to_string(), "false".to_string()),
    ];
    if p.is_user {
        c.push(("aws:username".to_string(), p.name.clone()));
    }
    for (k, v) in &p.tags {
        c.push((format!("aws:PrincipalTag/{k}"), v.clone()));
    }
    c
}

impl Org {
    /// Build the org from loaded snapshots (one per account, or several accounts in one).
    /// Compiles every distinct set, in parallel; a set that does not compile is an error
    /// naming its policies.
    pub fn new(snapshots: &[Snapshot], inputs: OrgInputs) -> Result<Org, String> {
        let config = Config::new().management_account(inputs.management_account.clone());
        let mut interner = Interner::default();
        let mut by_key: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut protos: Vec<Proto> = Vec::new();
        let mut principals = Vec::new();
        let mut warnings = Vec::new();
        let mut scp_levels: HashMap<String, Vec<Vec<Arc<Policy>>>> = HashMap::new();
        for snap in snapshots {
            for p in snap.principals() {
                let mut key: Vec<usize> = p.identity.iter().map(|x| interner.id(x)).collect();
                key.push(usize::MAX);
                if let Some(b) = &p.boundary {
                    key.push(interner.id(b));
                }
                key.push(usize::MAX);
                let scps = scp_levels.entry(p.account.clone()).or_insert_with(|| {
                    let mut scps = inputs.scps.clone();
                    if let Some(l) = inputs.scps_by_account.get(&p.account) {
                        scps.extend(l.iter().cloned());
                    }
                    scps
                });
                for level in scps.iter() {
                    key.extend(level.iter().map(|x| interner.id(x)));
                    key.push(usize::MAX);
                }
                let set = *by_key.entry(key).or_insert_with(|| {
                    protos.push((p.identity.clone(), p.boundary.clone(), scps.clone()));
                    protos.len() - 1
                });
                let request_arn = if p.is_user {
                    p.arn.clone()
                } else {
                    format!("arn:aws:sts::{}:assumed-role/{}/iamc", p.account, p.name)
                };
                principals.push(Principal {
                    context: principal_context(&p),
                    request_arn,
                    arn: p.arn,
                    is_user: p.is_user,
                    account: p.account,
                    set,
                    class: 0,
                });
            }
            warnings.extend(
                snap.warnings
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .iter()
                    .cloned(),
            );
        }
        let compiled: Vec<Result<SetEntry, String>> = protos
            .into_par_iter()
            .map(|(identity, boundary, scps)| {
                let set = compile(
                    &config,
                    &identity,
                    boundary.as_ref(),
                    &scps,
                    &inputs.rcps,
                    None,
                )?;
                let mut all: Vec<Arc<Policy>> = identity.clone();
                all.extend(boundary.iter().cloned());
                all.extend(scps.iter().flatten().cloned());
                all.extend(inputs.rcps.iter().flatten().cloned());
                let mut keys: Vec<String> = keys_read(&all)
                    .into_iter()
                    .map(|k| k.to_ascii_lowercase())
                    .collect();
                keys.sort();
                keys.dedup();
                let reads_own_keys = keys
                    .iter()
                    .any(|k| k == "aws:principalarn" || k == "aws:username");
                let reads_tags = keys.iter().any(|k| k.starts_with("aws:principaltag/"));
                keys.retain(|k| !principal_key(k));
                Ok(SetEntry {
                    identity,
                    boundary,
                    scps,
                    compiled: set,
                    keys,
                    reads_own_keys,
                    reads_tags,
                })
            })
            .collect();
        let sets = compiled.into_iter().collect::<Result<Vec<_>, _>>()?;
        let mut org = Org {
            principals,
            distinct_policies: interner.by_text.len(),
            sets,
            inputs,
            with_resource: Mutex::new(HashMap::new()),
            warnings,
            classes: 0,
        };
        org.assign_classes();
        Ok(org)
    }

    /// Principals whose decisions are equal for every request without a resource policy:
    /// same set, same kind (`aws:PrincipalType`), same account (`aws:PrincipalAccount`, the
    /// resource's account), the same tags when the set reads tags, and neither is a
    /// service-linked role (E-12). A set that reads `aws:PrincipalArn` or `aws:username` (a
    /// variable included) puts each principal in a class of its own.
    fn assign_classes(&mut self) {
        let mut classes: HashMap<ClassKey, usize> = HashMap::new();
        let mut n = 0;
        for p in &mut self.principals {
            let set = &self.sets[p.set];
            let slr = p.arn.contains(":role/aws-service-role/");
            if set.reads_own_keys || slr {
                p.class = n;
                n += 1;
                continue;
            }
            // Tags count only when the set reads some (`aws:PrincipalTag/K`).
            let tags = if set.reads_tags {
                p.context
                    .iter()
                    .filter(|(k, _)| k.starts_with("aws:PrincipalTag/"))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            let key = (p.set, p.is_user, p.account.clone(), tags);
            p.class = *classes.entry(key).or_insert_with(|| {
                n += 1;
                n - 1
            });
        }
        self.classes = n;
    }

    /// Every principal, sorted by snapshot then ARN.
    pub fn principals(&self) -> &[Principal] {
        &self.principals
    }

    /// Every distinct set.
    pub fn sets(&self) -> &[SetEntry] {
        &self.sets
    }

    /// The inputs besides the snapshots.
    pub fn inputs(&self) -> &OrgInputs {
        &self.inputs
    }

    /// The principal's sharing class: principals of one class decide alike for every request
    /// on a resource without a resource policy.
    pub fn class_of(&self, p: &Principal) -> usize {
        p.class
    }

    /// Principal indexes grouped by sharing class.
    pub fn by_class(&self) -> Vec<Vec<usize>> {
        let mut v = vec![Vec::new(); self.classes];
        for (i, p) in self.principals.iter().enumerate() {
            if let Some(c) = v.get_mut(p.class) {
                c.push(i);
            }
        }
        v
    }

    /// Principal indexes grouped by set.
    pub fn by_set(&self) -> Vec<Vec<usize>> {
        let mut v = vec![Vec::new(); self.sets.len()];
        for (i, p) in self.principals.iter().enumerate() {
            if let Some(c) = v.get_mut(p.set) {
                c.push(i);
            }
        }
        v
    }

    /// How many sharing classes.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The principal with this ARN (user or role ARN, or a role's session ARN).
    pub fn principal(&self, arn: &str) -> Option<&Principal> {
        self.principals
            .iter()
            .find(|p| p.arn == arn || p.request_arn == arn)
    }

    /// The accounts of the org's principals.
    pub fn accounts(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self.principals.iter().map(|p| p.account.as_str()).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The resource policy for a resource ARN: exact, else the bucket's for an S3 object.
    pub fn resource_policy(&self, arn: &str) -> Option<(&str, &Arc<Policy>)> {
        let rp = &self.inputs.resource_policies;
        if let Some((k, p)) = rp.get_key_value(arn) {
            return Some((k.as_str(), p));
        }
        let bucket = arn.strip_prefix("arn:aws:s3:::")?.split('/').next()?;
        rp.get_key_value(&format!("arn:aws:s3:::{bucket}"))
            .map(|(k, p)| (k.as_str(), p))
    }

    /// Every set compiled with the resource policy at `key` (compiled on first use, in
    /// parallel, then cached).
    pub fn sets_with_resource(&self, key: &str) -> Result<Arc<Vec<PolicySet>>, String> {
        if let Some(v) = self
            .with_resource
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
        {
            return Ok(Arc::clone(v));
        }
        let Some(policy) = self.inputs.resource_policies.get(key) else {
            return Err(format!("no resource policy for {key}"));
        };
        let config = Config::new().management_account(self.inputs.management_account.clone());
        let built: Result<Vec<PolicySet>, String> = self
            .sets
            .par_iter()
            .map(|s| {
                compile(
                    &config,
                    &s.identity,
                    s.boundary.as_ref(),
                    &s.scps,
                    &self.inputs.rcps,
                    Some(policy),
                )
            })
            .collect();
        let built = Arc::new(built?);
        self.with_resource
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), Arc::clone(&built));
        Ok(built)
    }

    /// The set of one principal and the keys unknown to its requests, as the reference
    /// interpreter's AST (for brute-force checks): its policies, the account's SCPs, the RCPs
    /// and the resource policy of `resource`, if any.
    pub fn ast_of(&self, p: &Principal, resource: Option<&str>) -> iamc_compiler::ast::ParsedSet {
        let s = &self.sets[p.set];
        let mut set = iamc_compiler::ast::ParsedSet {
            management_account: self.inputs.management_account.clone(),
            ..Default::default()
        };
        set.identity = s.identity.iter().map(|x| (**x).clone()).collect();
        set.boundaries = s.boundary.iter().map(|x| (**x).clone()).collect();
        set.scps = s
            .scps
            .iter()
            .map(|l| l.iter().map(|x| (**x).clone()).collect())
            .collect();
        set.rcps = self
            .inputs
            .rcps
            .iter()
            .map(|l| l.iter().map(|x| (**x).clone()).collect())
            .collect();
        set.resource = resource
            .and_then(|r| self.resource_policy(r))
            .map(|(_, x)| (**x).clone());
        set
    }
}

impl Principal {
    /// A principal outside the org, named by a resource policy: no context of its own beyond
    /// `aws:PrincipalArn` for an ARN.
    pub fn outside(arn: &str) -> Principal {
        let mut context = Vec::new();
        if arn.starts_with("arn:") {
            context.push(("aws:PrincipalArn".to_string(), arn.to_string()));
            if let Some(a) = arn.split(':').nth(4).filter(|a| !a.is_empty()) {
                context.push(("aws:PrincipalAccount".to_string(), a.to_string()));
            }
        }
        Principal {
            arn: arn.to_string(),
            request_arn: arn.to_string(),
            is_user: false,
            account: arn.split(':').nth(4).unwrap_or("").to_string(),
            set: usize::MAX,
            context,
            class: usize::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn snap(account: &str, extra_user_policy: &str) -> Snapshot {
        let text = format!(
            r#"{{"UserDetailList":[
              {{"UserName":"a","Arn":"arn:aws:iam::{account}:user/a","GroupList":["g"],"UserPolicyList":[],"AttachedManagedPolicies":[]}},
              {{"UserName":"b","Arn":"arn:aws:iam::{account}:user/b","GroupList":["g"],"UserPolicyList":[],"AttachedManagedPolicies":[]}},
              {{"UserName":"c","Arn":"arn:aws:iam::{account}:user/c","GroupList":[],"UserPolicyList":[
                 {{"PolicyName":"p","PolicyDocument":{extra_user_policy}}}],"AttachedManagedPolicies":[]}}],
             "GroupDetailList":[{{"GroupName":"g","Arn":"arn:aws:iam::{account}:group/g","GroupPolicyList":[],
               "AttachedManagedPolicies":[{{"PolicyArn":"arn:aws:iam::aws:policy/R"}}]}}],
             "RoleDetailList":[],
             "Policies":[{{"Arn":"arn:aws:iam::aws:policy/R","PolicyVersionList":[{{"IsDefaultVersion":true,
               "Document":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}]}}}}]}}]}}"#
        );
        Snapshot::from_slice("t", text.as_bytes()).unwrap()
    }

    const PLAIN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#;
    const OWN: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#;

    #[test]
    fn same_policies_share_one_set_across_accounts() {
        let org = Org::new(
            &[snap("111111111111", PLAIN), snap("222222222222", PLAIN)],
            OrgInputs::default(),
        )
        .unwrap();
        assert_eq!(org.principals().len(), 6);
        // a and b (group g, the AWS managed policy) in both accounts: one set; c in both
        // accounts (the same inline document under the same name): one more.
        assert_eq!(org.sets().len(), 2);
        assert_eq!(org.distinct_policies, 2);
        // Classes split by account (the resource's account matters for decisions).
        assert_eq!(org.classes(), 4);
    }

    #[test]
    fn a_set_reading_the_principal_name_is_decided_per_principal() {
        let org = Org::new(&[snap("111111111111", OWN)], OrgInputs::default()).unwrap();
        let c = org.principal("arn:aws:iam::111111111111:user/c").unwrap();
        assert!(org.sets()[c.set].reads_own_keys);
        let a = org.principal("arn:aws:iam::111111111111:user/a").unwrap();
        let b = org.principal("arn:aws:iam::111111111111:user/b").unwrap();
        assert_eq!(org.class_of(a), org.class_of(b));
        assert_ne!(org.class_of(a), org.class_of(c));
        assert_eq!(org.classes(), 2);
    }
}
