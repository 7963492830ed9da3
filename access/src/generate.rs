//! A least-privilege identity policy from a principal's successful calls
//! (`iamc generate-policy`), and its proof by replay.
//!
//! - [`generate`]: one `Allow` per group of actions with the same resources. The actions are
//!   those of the principal's successful calls (the call's own and each further permission the
//!   audit's mapping derives; calls that need no permission, E-20, need nothing). Resources
//!   are generalised by [`generalise`]: `*` for an action some call of which names no
//!   resource; else, per service and resource type, region and account kept when every call
//!   agrees and `*` where they vary, up to [`EXACT_MAX`] names listed as they are, more
//!   replaced by their common prefix (cut after a delimiter: S3 key prefixes at `/`, bucket
//!   names at `-`, `.`, `_`) and `*`. Every pattern matches every resource it stands for
//!   (A-4 globbing), so the policy allows each observed request.
//! - [`prove`]: the principal's observed successful calls replayed through the audit's
//!   decision path with the generated policy as the principal's only identity policy (no
//!   boundary, no group, no SCP or RCP; the snapshot's other principals and trust policies as
//!   they are): each must be allowed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use iamc_runtime::Decision;
use serde_json::{json, Value};

use crate::usage::{replay, Call};

/// Names listed as they are before they are replaced by a prefix and `*`.
pub const EXACT_MAX: usize = 3;

/// Delimiters a prefix is cut after.
const DELIMITERS: &[char] = &['/', ':', '-', '.', '_'];

/// The name of the generated policy in the proof's snapshot.
pub const POLICY_NAME: &str = "iamc-generated";

/// A value as a literal in a policy: a policy variable's opening (`${`) would be read as a
/// variable (K-9 in Version 2012-10-17), so the value is cut before it and ends with `*`.
fn literal(s: &str) -> String {
    match s.find("${") {
        Some(i) => format!("{}*", &s[..i]),
        None => s.to_string(),
    }
}

/// The common prefix of `values`, cut after its last delimiter.
fn prefix<'a>(values: &BTreeSet<&'a str>) -> &'a str {
    let mut it = values.iter();
    let Some(first) = it.next() else {
        return "";
    };
    let mut len = first.len();
    for v in it {
        len = first
            .bytes()
            .zip(v.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count();
    }
    // Back to a char boundary, then after the last delimiter.
    while !first.is_char_boundary(len) {
        len -= 1;
    }
    let common = &first[..len];
    match common.rfind(DELIMITERS) {
        Some(i) => &common[..=i],
        None => "",
    }
}

/// Up to [`EXACT_MAX`] names as they are, else their prefix and `*`.
fn names(values: &BTreeSet<&str>) -> Vec<String> {
    if values.len() <= EXACT_MAX {
        values.iter().map(|v| literal(v)).collect()
    } else {
        vec![format!("{}*", literal(prefix(values)))]
    }
}

/// The value, or `*` when the values differ.
fn same_or_star<'a>(mut values: impl Iterator<Item = &'a str>) -> &'a str {
    let Some(first) = values.next() else {
        return "*";
    };
    if values.all(|v| v == first) {
        first
    } else {
        "*"
    }
}

/// Generalise the resources of one action (see the module doc): patterns that match every
/// resource given, sorted.
pub fn generalise(resources: &BTreeSet<String>) -> Vec<String> {
    if resources.iter().any(|r| r == "*") || resources.is_empty() {
        return vec!["*".into()];
    }
    let mut out: BTreeSet<String> = BTreeSet::new();
    // (partition, service, S3 kind, type prefix) -> [(region, account, resource part)]
    type Parts<'a> = Vec<(&'a str, &'a str, &'a str)>;
    let mut groups: BTreeMap<(&str, &str, &str, &str), Parts<'_>> = BTreeMap::new();
    for r in resources {
        let p: Vec<&str> = r.splitn(6, ':').collect();
        let [arn, partition, service, region, account, res] = p[..] else {
            out.insert(literal(r));
            continue;
        };
        if arn != "arn" {
            out.insert(literal(r));
            continue;
        }
        // S3 ARNs have no type prefix: buckets and objects are told apart by the `/`.
        let (kind, ty) = if service == "s3" {
            (
                if res.contains('/') {
                    "object"
                } else {
                    "bucket"
                },
                "",
            )
        } else {
            ("", res.find(['/', ':']).map_or("", |i| &res[..=i]))
        };
        groups
            .entry((partition, service, kind, ty))
            .or_default()
            .push((region, account, res));
    }
    for ((partition, service, kind, ty), parts) in groups {
        let region = same_or_star(parts.iter().map(|p| p.0));
        let account = same_or_star(parts.iter().map(|p| p.1));
        let arn = |res: &str| format!("arn:{partition}:{service}:{region}:{account}:{res}");
        if kind == "object" {
            // Per bucket, the keys; many buckets: their prefix, every key.
            let mut by_bucket: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
            for (_, _, res) in &parts {
                let (b, k) = res.split_once('/').unwrap_or((res, ""));
                by_bucket.entry(b).or_default().insert(k);
            }
            let buckets: BTreeSet<&str> = by_bucket.keys().copied().collect();
            if buckets.len() > EXACT_MAX {
                let keys: BTreeSet<&str> = by_bucket.values().flatten().copied().collect();
                for b in names(&buckets) {
                    for k in names(&keys) {
                        out.insert(arn(&format!("{b}/{k}")));
                    }
                }
            } else {
                for (b, keys) in by_bucket {
                    for k in names(&keys) {
                        out.insert(arn(&format!("{}/{k}", literal(b))));
                    }
                }
            }
        } else {
            let rest: BTreeSet<&str> = parts.iter().map(|p| &p.2[ty.len()..]).collect();
            for n in names(&rest) {
                out.insert(arn(&format!("{ty}{n}")));
            }
        }
    }
    out.into_iter().collect()
}

/// The successful calls of `principal` among `calls`.
pub fn observed<'c>(calls: &'c [Call], principal: &str) -> Vec<&'c Call> {
    calls
        .iter()
        .filter(|c| c.succeeded && c.is_of(principal))
        .collect()
}

/// The least-privilege policy for these calls (see the module doc); `None` when no call needs
/// a permission.
pub fn generate(calls: &[&Call]) -> Option<Value> {
    // Lower-case action -> (spelling, resources).
    let mut by_action: BTreeMap<String, (String, BTreeSet<String>)> = BTreeMap::new();
    for c in calls.iter().filter(|c| !c.e20) {
        for (a, rs) in &c.requests {
            let e = by_action
                .entry(a.to_ascii_lowercase())
                .or_insert_with(|| (a.clone(), BTreeSet::new()));
            e.1.extend(rs.iter().cloned());
        }
    }
    if by_action.is_empty() {
        return None;
    }
    let mut statements: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for (_, (name, rs)) in by_action {
        statements.entry(generalise(&rs)).or_default().insert(name);
    }
    let statements: Vec<Value> = statements
        .into_iter()
        .enumerate()
        .map(|(i, (resources, actions))| {
            let one = |v: Vec<String>| match v.len() {
                1 => json!(v[0]),
                _ => json!(v),
            };
            json!({
                "Sid": format!("Observed{}", i + 1),
                "Effect": "Allow",
                "Action": one(actions.into_iter().collect()),
                "Resource": one(resources),
            })
        })
        .collect();
    Some(json!({"Version": "2012-10-17", "Statement": statements}))
}

/// The outcome of a proof.
#[derive(Clone, Debug, Default)]
pub struct Proof {
    /// The principal's successful calls replayed.
    pub calls: u64,
    /// Of those, allowed.
    pub allowed: u64,
    /// Those not allowed: (event id, action, resources, decision).
    pub failures: Vec<(String, String, Vec<String>, Decision)>,
    /// The replay's counters.
    pub stats: iamc_audit::Stats,
}

impl Proof {
    /// Every call allowed (and at least one call).
    pub fn holds(&self) -> bool {
        self.calls > 0 && self.allowed == self.calls
    }
}

/// The user or role ARN behind `principal`: as given, or a session's role
/// (`arn:aws:sts::A:assumed-role/R/S` -> `arn:aws:iam::A:role/R`, path unknown).
fn entity_arn(principal: &str) -> Option<(bool, String, String)> {
    let p: Vec<&str> = principal.splitn(6, ':').collect();
    let [_, partition, service, _, account, res] = p[..] else {
        return None;
    };
    match service {
        "iam" => {
            let name = res.rsplit('/').next()?;
            if res.starts_with("user/") {
                Some((true, principal.to_string(), name.to_string()))
            } else if res.starts_with("role/") {
                Some((false, principal.to_string(), name.to_string()))
            } else {
                None
            }
        }
        "sts" => {
            let name = res.strip_prefix("assumed-role/")?.split('/').next()?;
            Some((
                false,
                format!("arn:{partition}:iam::{account}:role/{name}"),
                name.to_string(),
            ))
        }
        _ => None,
    }
}

/// The snapshot of the proof: `account_details` (or an empty one) with the principal's
/// policies replaced by `policy` alone (no group, boundary or managed policy); the principal
/// is added when the snapshot does not hold it.
pub fn proof_snapshot(
    account_details: Option<&Value>,
    principal: &str,
    policy: &Value,
) -> Result<Value, String> {
    let (is_user, arn, name) = entity_arn(principal)
        .ok_or_else(|| format!("--principal {principal}: not a user, role or role session ARN"))?;
    let mut snap = account_details
        .cloned()
        .unwrap_or_else(|| json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}));
    let (list, name_key, policies) = if is_user {
        ("UserDetailList", "UserName", "UserPolicyList")
    } else {
        ("RoleDetailList", "RoleName", "RolePolicyList")
    };
    let inline = json!([{"PolicyName": POLICY_NAME, "PolicyDocument": policy}]);
    let obj = snap
        .as_object_mut()
        .ok_or("the account details are not a JSON object")?;
    let entries = obj.entry(list).or_insert_with(|| json!([]));
    let entries = entries
        .as_array_mut()
        .ok_or_else(|| format!("$.{list}: not an array"))?;
    // By ARN; a session's role by account and name (its path is not in the session ARN).
    let account = arn.split(':').nth(4).unwrap_or("");
    let found = entries.iter_mut().find(|e| {
        let a = e.get("Arn").and_then(Value::as_str).unwrap_or("");
        a == arn
            || (!is_user
                && a.split(':').nth(4) == Some(account)
                && e.get(name_key).and_then(Value::as_str) == Some(name.as_str()))
    });
    match found {
        Some(e) => {
            let e = e
                .as_object_mut()
                .ok_or_else(|| format!("$.{list}[]: an entry is not an object"))?;
            e.insert(policies.into(), inline);
            e.insert("AttachedManagedPolicies".into(), json!([]));
            e.insert("GroupList".into(), json!([]));
            e.remove("PermissionsBoundary");
        }
        None => entries.push(json!({name_key: name, "Arn": arn, policies: inline,
                                    "AttachedManagedPolicies": [], "GroupList": []})),
    }
    Ok(snap)
}

/// What a proof replays: the logs, and the audit's options besides the snapshot.
#[derive(Clone, Debug, Default)]
pub struct ProofInput {
    /// The logs (files or directories).
    pub logs: Vec<PathBuf>,
    /// The snapshot the principal's other facts come from (trust policies, other principals).
    pub account_details: Option<PathBuf>,
    /// The audit's service reference (`--service-reference`).
    pub service_reference: Option<PathBuf>,
    /// Resource policies (`{ARN: policy}`: key policies, bucket policies, trust policies).
    pub resource_policies: Option<PathBuf>,
}

/// Replay `principal`'s successful calls with `policy` as its only identity policy.
pub fn prove(input: &ProofInput, principal: &str, policy: &Value) -> Result<Proof, String> {
    let details = match &input.account_details {
        Some(p) => {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            Some(
                serde_json::from_slice::<Value>(&bytes)
                    .map_err(|e| format!("{}: $: {e}", p.display()))?,
            )
        }
        None => None,
    };
    let snap = proof_snapshot(details.as_ref(), principal, policy)?;
    let virtual_path = PathBuf::from("<generated policy snapshot>");
    let bytes = serde_json::to_vec(&snap).map_err(|e| e.to_string())?;
    let opts = iamc_audit::Options {
        account_details: virtual_path.clone(),
        logs: input.logs.clone(),
        service_reference: input.service_reference.clone(),
        resource_policies: input.resource_policies.clone(),
        summary_only: true,
        ..iamc_audit::Options::default()
    };
    let aud = iamc_audit::load_with(&opts, &|p: &Path| {
        if p == virtual_path {
            Ok(bytes.clone())
        } else {
            std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
        }
    })
    .map_err(|e| e.0)?;
    let r = replay(&aud, &input.logs);
    let mut proof = Proof {
        stats: r.stats,
        ..Proof::default()
    };
    for c in observed(&r.calls, principal) {
        proof.calls += 1;
        if c.decision == Decision::Allow {
            proof.allowed += 1;
        } else {
            proof.failures.push((
                c.event_id.clone().unwrap_or_default(),
                c.requests.first().map(|r| r.0.clone()).unwrap_or_default(),
                c.requests.first().map(|r| r.1.clone()).unwrap_or_default(),
                c.decision,
            ));
        }
    }
    Ok(proof)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: &[&str]) -> BTreeSet<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn resources_generalise_only_where_calls_vary() {
        // One resource: as it is.
        assert_eq!(
            generalise(&set(&["arn:aws:s3:::b/k/1.txt"])),
            ["arn:aws:s3:::b/k/1.txt"]
        );
        // A resourceless call: `*`.
        assert_eq!(generalise(&set(&["*", "arn:aws:s3:::b/k"])), ["*"]);
        // Few keys: listed; many: their prefix, cut at `/`.
        assert_eq!(
            generalise(&set(&["arn:aws:s3:::b/a/1", "arn:aws:s3:::b/a/2"])),
            ["arn:aws:s3:::b/a/1", "arn:aws:s3:::b/a/2"]
        );
        let keys: Vec<String> = (0..10)
            .map(|i| format!("arn:aws:s3:::b/logs/2024/{i:02}.gz"))
            .chain(["arn:aws:s3:::b/logs/2023/x.gz".into()])
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(generalise(&set(&keys)), ["arn:aws:s3:::b/logs/*"]);
        // Keys of two buckets stay apart; a bucket ARN is its own type.
        assert_eq!(
            generalise(&set(&[
                "arn:aws:s3:::one/k",
                "arn:aws:s3:::two/k",
                "arn:aws:s3:::one"
            ])),
            [
                "arn:aws:s3:::one",
                "arn:aws:s3:::one/k",
                "arn:aws:s3:::two/k"
            ]
        );
        // Many buckets: their name prefix (at `-`); bucket ARNs alike.
        let b: Vec<String> = (0..5).map(|i| format!("arn:aws:s3:::logs-{i}")).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        assert_eq!(generalise(&set(&b)), ["arn:aws:s3:::logs-*"]);
        let b: Vec<String> = (0..5).map(|i| format!("arn:aws:s3:::data-{i}/k")).collect();
        let b: Vec<&str> = b.iter().map(String::as_str).collect();
        assert_eq!(generalise(&set(&b)), ["arn:aws:s3:::data-*/k"]);
        // Region and account: kept when every call agrees, `*` where they vary.
        let same = [
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-2",
        ];
        assert_eq!(generalise(&set(&same)), same);
        assert_eq!(
            generalise(&set(&[
                "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                "arn:aws:ec2:eu-west-1:111122223333:instance/i-1",
            ])),
            ["arn:aws:ec2:*:111122223333:instance/i-1"]
        );
        assert_eq!(
            generalise(&set(&[
                "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
                "arn:aws:ec2:us-east-1:444455556666:instance/i-1",
            ])),
            ["arn:aws:ec2:us-east-1:*:instance/i-1"]
        );
        // Many names of one type: the type kept, the names' prefix.
        let many: Vec<String> = (0..6)
            .map(|i| format!("arn:aws:iam::111122223333:role/app/r{i}"))
            .collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        assert_eq!(
            generalise(&set(&many)),
            ["arn:aws:iam::111122223333:role/app/*"]
        );
        // Types stay apart.
        assert_eq!(
            generalise(&set(&[
                "arn:aws:iam::111122223333:role/a",
                "arn:aws:iam::111122223333:user/a",
            ])),
            [
                "arn:aws:iam::111122223333:role/a",
                "arn:aws:iam::111122223333:user/a"
            ]
        );
        // A policy variable's opening is never written (K-9).
        assert_eq!(
            generalise(&set(&["arn:aws:s3:::b/x${aws:username}"])),
            ["arn:aws:s3:::b/x*"]
        );
    }

    #[test]
    fn every_pattern_matches_what_it_stands_for() {
        use iamc_reference::glob;
        let rs = set(&[
            "arn:aws:s3:::data-1/a/b/c",
            "arn:aws:s3:::data-2/a/b/d",
            "arn:aws:s3:::data-3/a/x",
            "arn:aws:s3:::data-4/q",
            "arn:aws:s3:::zz/q",
            "arn:aws:sqs:us-east-1:1:queue-a",
            "arn:aws:sqs:us-east-1:1:queue-b",
            "arn:aws:sqs:us-west-2:1:queue-c",
            "arn:aws:sqs:us-east-1:1:queue-d",
        ]);
        let pats = generalise(&rs);
        for r in &rs {
            assert!(
                pats.iter()
                    .any(|p| glob::matches(&glob::wildcard_pattern(p), r)),
                "{r} not matched by {pats:?}"
            );
        }
    }
}
