//! A synthetic organisation for tests and benchmarks: deterministic (a seeded SplitMix64), in
//! the shapes AWS hands out — one `get-account-authorization-details` document per account,
//! SCP files, an RCP, and resource policies by ARN — drawing on the real AWS managed policies
//! (`corpus/managed-policies/aws-managed-policies.jsonl`).
//!
//! Shape (per account): 12 groups of one to three managed policies; users in one or two
//! groups, one in twenty with an inline policy of its own, one in five under a permissions
//! boundary; roles from 30 role templates of one or two managed policies, a quarter under the
//! boundary, three service-linked roles; customer-managed policies that read request keys
//! (`aws:ResourceTag/env`, `aws:MultiFactorAuthPresent`, `${aws:username}`). SCPs: a root
//! level for all, and an OU level that differs between the first and second half of the
//! accounts (one denies by `aws:RequestedRegion`). Five S3 buckets per account with bucket
//! policies naming another org account, an outside account, a service and `*`.
//!
//! Like real organisations, policies reach principals through groups and templates, so the
//! principals share a few hundred distinct policy sets ([`crate::org`] compiles each once).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};

/// What to generate.
#[derive(Clone, Debug)]
pub struct Config {
    /// The seed.
    pub seed: u64,
    /// Number of accounts.
    pub accounts: usize,
    /// Users and roles in all (split evenly across accounts, half users, half roles).
    pub principals: usize,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            seed: 20,
            accounts: 20,
            principals: 10_000,
        }
    }
}

/// A generated organisation, as the documents a user would have.
#[derive(Clone, Debug, Default)]
pub struct SynthOrg {
    /// Per account: its ID and its `get-account-authorization-details` document.
    pub accounts: Vec<(String, Value)>,
    /// SCP files: (account it is for, or `None` for every account; file name; document), one
    /// level each, root first.
    pub scps: Vec<(Option<String>, String, Value)>,
    /// RCP files (name, document), one level each.
    pub rcps: Vec<(String, Value)>,
    /// Resource policies by ARN.
    pub resource_policies: BTreeMap<String, Value>,
}

/// SplitMix64: small, seeded, the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

/// One AWS managed policy: (ARN, document).
pub type Managed = (String, Value);

/// Read managed policies from the corpus's JSON lines (`{"arn","document",...}` a line).
/// Lines that do not have both are counted and left out; the count is returned.
pub fn read_managed(path: &Path) -> Result<(Vec<Managed>, usize), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    let mut skipped = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        match (v.get("arn").and_then(Value::as_str), v.get("document")) {
            (Some(a), Some(d)) => out.push((a.to_string(), d.clone())),
            _ => skipped += 1,
        }
    }
    Ok((out, skipped))
}

/// The managed policies every generated account may use: a few well-known ones and a seeded
/// draw of 36 small ones (under 6 KB, so compiling stays quick).
fn pool(managed: &[Managed], rng: &mut Rng) -> Vec<Managed> {
    let named = [
        "AdministratorAccess",
        "PowerUserAccess",
        "ViewOnlyAccess",
        "AmazonS3ReadOnlyAccess",
        "AmazonEC2FullAccess",
        "AWSLambda_ReadOnlyAccess",
        "IAMReadOnlyAccess",
        "AmazonDynamoDBReadOnlyAccess",
    ];
    let mut out: Vec<Managed> = managed
        .iter()
        .filter(|(a, _)| named.iter().any(|n| a.rsplit('/').next() == Some(n)))
        .cloned()
        .collect();
    let small: Vec<&Managed> = managed
        .iter()
        .filter(|(a, d)| {
            !out.iter().any(|(x, _)| x == a)
                && a.starts_with("arn:aws:iam::aws:policy/")
                && !a.contains("service-role/")
                && d.to_string().len() < 6000
        })
        .collect();
    for _ in 0..36 {
        if small.is_empty() {
            break;
        }
        let m = small[rng.below(small.len())];
        if !out.iter().any(|(a, _)| *a == m.0) {
            out.push(m.clone());
        }
    }
    out
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn name_of(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Generate the organisation from `managed` (see [`read_managed`]).
pub fn generate(config: &Config, managed: &[Managed]) -> SynthOrg {
    let mut rng = Rng(config.seed);
    let pool = pool(managed, &mut rng);
    let accounts: Vec<String> = (0..config.accounts)
        .map(|k| format!("{:012}", 210_000_000_000u64 + 1_111 * k as u64))
        .collect();
    let per_account = config.principals / config.accounts.max(1);
    let mut org = SynthOrg::default();
    // Groups and role templates are the same shapes in every account (as an org's baseline).
    let groups: Vec<Vec<usize>> = (0..12)
        .map(|_| {
            (0..1 + rng.below(3))
                .map(|_| rng.below(pool.len()))
                .collect()
        })
        .collect();
    let templates: Vec<Vec<usize>> = (0..30)
        .map(|_| {
            (0..1 + rng.below(2))
                .map(|_| rng.below(pool.len()))
                .collect()
        })
        .collect();
    for (k, acct) in accounts.iter().enumerate() {
        let cm = |n: &str| format!("arn:aws:iam::{acct}:policy/{n}");
        let customer: Vec<(String, Value)> = vec![
            (
                cm("DenyDeleteProd"),
                doc(json!([{"Sid": "DenyDeleteProd", "Effect": "Deny",
                    "Action": ["ec2:TerminateInstances", "rds:DeleteDBInstance", "s3:DeleteBucket"],
                    "Resource": "*",
                    "Condition": {"StringEquals": {"aws:ResourceTag/env": "prod"}}}])),
            ),
            (
                cm("RequireMfaForIam"),
                doc(
                    json!([{"Sid": "NoIamWithoutMfa", "Effect": "Deny", "Action": "iam:*",
                    "Resource": "*",
                    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]),
                ),
            ),
            (
                cm("OwnHomePrefix"),
                doc(json!([{"Sid": "OwnPrefix", "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": format!("arn:aws:s3:::home-{acct}/${{aws:username}}/*")}])),
            ),
            (
                cm("DevBoundary"),
                doc(json!([{"Sid": "Boundary", "Effect": "Allow",
                    "Action": ["ec2:*", "s3:*", "lambda:*", "logs:*", "dynamodb:*", "cloudwatch:*", "sts:*"],
                    "Resource": "*"}])),
            ),
        ];
        let mut used: Vec<usize> = Vec::new();
        let mut group_list = Vec::new();
        for (g, ps) in groups.iter().enumerate() {
            used.extend(ps);
            let mut attached: Vec<Value> = ps
                .iter()
                .map(|i| json!({"PolicyName": name_of(&pool[*i].0), "PolicyArn": pool[*i].0}))
                .collect();
            if g % 4 == 0 {
                attached.push(
                    json!({"PolicyName": "RequireMfaForIam", "PolicyArn": cm("RequireMfaForIam")}),
                );
            }
            if g % 3 == 1 {
                attached.push(
                    json!({"PolicyName": "DenyDeleteProd", "PolicyArn": cm("DenyDeleteProd")}),
                );
            }
            group_list.push(json!({
                "GroupName": format!("group{g}"), "Path": "/",
                "Arn": format!("arn:aws:iam::{acct}:group/group{g}"),
                "GroupPolicyList": if g == 5 {
                    json!([{"PolicyName": "logs", "PolicyDocument": doc(json!([{"Effect": "Allow",
                        "Action": "logs:*", "Resource": format!("arn:aws:logs:*:{acct}:*")}]))}])
                } else { json!([]) },
                "AttachedManagedPolicies": attached,
            }));
        }
        let boundary = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": cm("DevBoundary")});
        let users_n = per_account / 2;
        let mut users = Vec::new();
        for u in 0..users_n {
            let name = format!("user{u}");
            let g1 = rng.below(groups.len());
            let mut gl = vec![json!(format!("group{g1}"))];
            if rng.chance(4) {
                // The common second group: one per first group.
                gl.push(json!(format!("group{}", (g1 + 5) % groups.len())));
            }
            let team = ["red", "blue", "green"][rng.below(3)];
            let mut user = json!({
                "UserName": name, "Path": "/",
                "Arn": format!("arn:aws:iam::{acct}:user/{name}"),
                "GroupList": gl,
                "UserPolicyList": [],
                "AttachedManagedPolicies": [],
                "Tags": [{"Key": "team", "Value": team}],
            });
            if rng.chance(20) {
                user["UserPolicyList"] = json!([{"PolicyName": "own", "PolicyDocument": doc(json!([
                    {"Sid": "OwnQueue", "Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                     "Resource": format!("arn:aws:sqs:us-east-1:{acct}:{name}-*")}]))}]);
            }
            if rng.chance(10) {
                user["AttachedManagedPolicies"] =
                    json!([{"PolicyName": "OwnHomePrefix", "PolicyArn": cm("OwnHomePrefix")}]);
            }
            if rng.chance(10) {
                user["PermissionsBoundary"] = boundary.clone();
            }
            users.push(user);
        }
        let mut roles = Vec::new();
        for r in 0..per_account - users_n {
            let slr = r < 3;
            let (name, path) = if slr {
                (
                    format!("AWSServiceRoleForSynth{r}"),
                    "/aws-service-role/synth.amazonaws.com/",
                )
            } else {
                (format!("role{r}"), "/")
            };
            let t = &templates[rng.below(templates.len())];
            used.extend(t);
            let mut role = json!({
                "RoleName": name, "Path": path,
                "Arn": format!("arn:aws:iam::{acct}:role{path}{name}"),
                "RolePolicyList": [],
                "AttachedManagedPolicies": t.iter()
                    .map(|i| json!({"PolicyName": name_of(&pool[*i].0), "PolicyArn": pool[*i].0}))
                    .collect::<Vec<_>>(),
                "InstanceProfileList": [],
                "Tags": [],
            });
            if !slr && rng.chance(4) {
                role["PermissionsBoundary"] = boundary.clone();
            }
            roles.push(role);
        }
        used.sort_unstable();
        used.dedup();
        let version =
            |d: &Value| json!([{"Document": d, "VersionId": "v1", "IsDefaultVersion": true}]);
        let mut policies: Vec<Value> = used
            .iter()
            .map(|i| {
                let (arn, d) = &pool[*i];
                json!({"PolicyName": name_of(arn), "Arn": arn, "PolicyVersionList": version(d)})
            })
            .collect();
        policies.extend(customer.iter().map(|(arn, d)| {
            json!({"PolicyName": name_of(arn), "Arn": arn, "PolicyVersionList": version(d)})
        }));
        org.accounts.push((
            acct.clone(),
            json!({"UserDetailList": users, "GroupDetailList": group_list,
                   "RoleDetailList": roles, "Policies": policies}),
        ));
        // Buckets and their policies.
        let other = &accounts[(k + 1) % accounts.len()];
        for b in 0..5 {
            let bucket = format!("arn:aws:s3:::synth-{acct}-{b}");
            let st = match b {
                0 => {
                    json!([{"Sid": "OrgRead", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{other}:root")},
                    "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": [bucket.clone(), format!("{bucket}/*")]}])
                }
                1 => {
                    json!([{"Sid": "PartnerWrite", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
                    "Action": "s3:PutObject", "Resource": format!("{bucket}/*")}])
                }
                2 => {
                    json!([{"Sid": "TrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
                    "Action": "s3:PutObject", "Resource": format!("{bucket}/*"),
                    "Condition": {"StringEquals": {"aws:SourceAccount": acct}}}])
                }
                3 => json!([{"Sid": "Public", "Effect": "Allow", "Principal": "*",
                    "Action": "s3:GetObject", "Resource": format!("{bucket}/*")}]),
                _ => {
                    json!([{"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                    "Resource": [bucket.clone(), format!("{bucket}/*")],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}}])
                }
            };
            org.resource_policies.insert(bucket, doc(st));
        }
    }
    org.scps.push((
        None,
        "scp-root.json".into(),
        doc(json!([
            {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoLeaving", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}])),
    ));
    // Two OUs: the first half of the accounts keeps its trails, the second is held to two
    // regions (a deny on `aws:RequestedRegion`, which queries do not fix: conditional).
    let prod = doc(json!([
        {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "KeepTrails", "Effect": "Deny",
         "Action": ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"], "Resource": "*"}]));
    let dev = doc(json!([
        {"Sid": "FullAWSAccess", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "organizations:*"],
         "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]));
    for (k, acct) in accounts.iter().enumerate() {
        let (file, d) = if k < accounts.len() / 2 {
            ("scp-ou-prod.json", &prod)
        } else {
            ("scp-ou-dev.json", &dev)
        };
        org.scps.push((Some(acct.clone()), file.into(), d.clone()));
    }
    org.rcps.push((
        "rcp.json".into(),
        doc(json!([
            {"Sid": "FullAWSAccess", "Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
            {"Sid": "NoOutsideDeleteBucket", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteBucket",
             "Resource": "*",
             "Condition": {"StringNotEqualsIfExists": {"aws:PrincipalAccount": accounts}}}])),
    ));
    org
}

impl SynthOrg {
    /// Write the organisation under `dir`: `accounts/ACCOUNT.json`, the SCP and RCP files,
    /// `resource-policies.json`, and `args.txt` with the matching `--account-details`,
    /// `--scp` and `--rcp` arguments (one a line).
    pub fn write(&self, dir: &Path) -> Result<(), String> {
        let w = |p: &Path, v: &Value| -> Result<(), String> {
            let text = serde_json::to_string(v).map_err(|e| e.to_string())?;
            std::fs::write(p, text).map_err(|e| format!("{}: {e}", p.display()))
        };
        std::fs::create_dir_all(dir.join("accounts"))
            .map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut args = Vec::new();
        for (acct, v) in &self.accounts {
            let p = dir.join("accounts").join(format!("{acct}.json"));
            w(&p, v)?;
            args.push(format!("--account-details\n{}", p.display()));
        }
        for (acct, file, v) in &self.scps {
            let p = dir.join(file);
            w(&p, v)?;
            args.push(match acct {
                Some(a) => format!("--scp\n{a}={}", p.display()),
                None => format!("--scp\n{}", p.display()),
            });
        }
        for (file, v) in &self.rcps {
            let p = dir.join(file);
            w(&p, v)?;
            args.push(format!("--rcp\n{}", p.display()));
        }
        let rp = dir.join("resource-policies.json");
        w(&rp, &json!(self.resource_policies))?;
        args.push(format!("--resource-policies\n{}", rp.display()));
        let a = dir.join("args.txt");
        std::fs::write(&a, args.join("\n") + "\n").map_err(|e| format!("{}: {e}", a.display()))
    }

    /// Load the organisation in memory as [`crate::org::Org`] (through the same snapshot
    /// reader the files would go through).
    pub fn load(&self) -> Result<crate::org::Org, String> {
        use iamc_audit::snapshot::{parse_doc, Snapshot};
        use iamc_compiler::ast::PolicyKind;
        let snaps = self
            .accounts
            .iter()
            .map(|(a, v)| {
                let bytes = serde_json::to_vec(v).map_err(|e| e.to_string())?;
                Snapshot::from_slice(&format!("accounts/{a}.json"), &bytes)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut inputs = crate::org::OrgInputs::default();
        for (acct, file, v) in &self.scps {
            let level = vec![parse_doc(file, v, PolicyKind::Scp).0];
            match acct {
                Some(a) => inputs
                    .scps_by_account
                    .entry(a.clone())
                    .or_default()
                    .push(level),
                None => inputs.scps.push(level),
            }
        }
        for (file, v) in &self.rcps {
            inputs
                .rcps
                .push(vec![parse_doc(file, v, PolicyKind::Rcp).0]);
        }
        for (arn, v) in &self.resource_policies {
            inputs.resource_policies.insert(
                arn.clone(),
                parse_doc(&format!("resource:{arn}"), v, PolicyKind::Resource).0,
            );
        }
        crate::org::Org::new(&snaps, inputs)
    }
}
