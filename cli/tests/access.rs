//! End-to-end tests of `iamc who-can`, `iamc can-what` and `iamc synth-org`: output lines,
//! conditional grants (E-21), outside principals, exit statuses.

#![allow(clippy::panic, clippy::unwrap_used)]

mod support;

use serde_json::Value;

use support::{iamc, lines, shared};

fn service_reference() -> String {
    shared()
        .join("corpus/service-reference/iam-service-reference.json")
        .display()
        .to_string()
}

fn temp(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("iamc-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.display().to_string()
}

const SNAP: &str = r#"{
  "UserDetailList": [
    {"UserName": "alice", "Arn": "arn:aws:iam::111122223333:user/alice", "GroupList": ["readers"],
     "UserPolicyList": [], "AttachedManagedPolicies": []},
    {"UserName": "bob", "Arn": "arn:aws:iam::111122223333:user/bob", "GroupList": [],
     "UserPolicyList": [], "AttachedManagedPolicies": []},
    {"UserName": "carol", "Arn": "arn:aws:iam::111122223333:user/carol", "GroupList": [],
     "UserPolicyList": [{"PolicyName": "office", "PolicyDocument": {"Version": "2012-10-17",
       "Statement": [{"Sid": "FromOffice", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}]}}],
     "AttachedManagedPolicies": []}],
  "GroupDetailList": [
    {"GroupName": "readers", "Arn": "arn:aws:iam::111122223333:group/readers", "GroupPolicyList": [],
     "AttachedManagedPolicies": [{"PolicyName": "Read", "PolicyArn": "arn:aws:iam::111122223333:policy/Read"}]}],
  "RoleDetailList": [],
  "Policies": [{"PolicyName": "Read", "Arn": "arn:aws:iam::111122223333:policy/Read",
    "PolicyVersionList": [{"IsDefaultVersion": true, "Document": {"Version": "2012-10-17",
      "Statement": [{"Sid": "ReadAll", "Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}}]}]
}"#;

const BUCKETS: &str = r#"{"arn:aws:s3:::shared": {"Version": "2012-10-17", "Statement": [
  {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "444455556666"},
   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"}]}}"#;

#[test]
fn who_can_lists_allowed_conditional_and_outside_principals_e21() {
    let snap = temp("snap.json", SNAP);
    let rp = temp("buckets.json", BUCKETS);
    let sr = service_reference();
    let out = iamc(&[
        "who-can",
        "--account-details",
        &snap,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::shared/k",
        "--resource-policies",
        &rp,
        "--service-reference",
        &sr,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    let by = |p: &str| l.iter().find(|v| v["principal"] == p);
    let alice = by("arn:aws:iam::111122223333:user/alice").unwrap();
    assert_eq!(alice["decision"], "allow");
    assert_eq!(alice["deciding"]["sid"], "ReadAll");
    assert_eq!(
        alice["deciding"]["policy"],
        "managed:arn:aws:iam::111122223333:policy/Read"
    );
    assert_eq!(alice["access_level"], "Read");
    // carol's grant hinges on aws:SourceIp, which the query does not fix: conditional.
    let carol = by("arn:aws:iam::111122223333:user/carol").unwrap();
    assert_eq!(carol["decision"], "indeterminate");
    assert_eq!(
        carol["depends_on"]["keys"],
        serde_json::json!(["aws:sourceip"])
    );
    assert!(by("arn:aws:iam::111122223333:user/bob").is_none(), "{l:?}");
    // The bucket policy's partner account is outside the snapshot.
    let partner = by("arn:aws:iam::444455556666:root").unwrap();
    assert_eq!(partner["principal_type"], "account");
    assert!(partner["assumes"].is_string());
    assert_eq!(l.len(), 3, "{l:?}");

    // Fixing the key decides carol's grant.
    let out = iamc(&[
        "who-can",
        "--account-details",
        &snap,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::other/k",
        "--context",
        "aws:SourceIp=10.1.2.3",
        "--service-reference",
        &sr,
    ]);
    let l = lines(&out);
    assert!(l.iter().all(|v| v["decision"] == "allow"), "{l:?}");
    assert_eq!(l.len(), 2);
}

#[test]
fn who_can_expands_wildcards_and_groups_by_access_level() {
    let snap = temp("snap2.json", SNAP);
    let sr = service_reference();
    let out = iamc(&[
        "who-can",
        "--account-details",
        &snap,
        "--action",
        "s3:GetObject,s3:ListBuck*",
        "--resource",
        "arn:aws:s3:::b",
        "--group-by",
        "access-level",
        "--format",
        "table",
        "--service-reference",
        &sr,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let t = String::from_utf8_lossy(&out.stdout);
    let list = t.find("== List ==").unwrap();
    let read = t.find("== Read ==").unwrap();
    assert!(list < read, "{t}");
    assert!(t.contains("s3:ListBucketVersions"), "{t}");
}

#[test]
fn can_what_summarises_and_rejects_an_unknown_principal() {
    let snap = temp("snap3.json", SNAP);
    let sr = service_reference();
    let out = iamc(&[
        "can-what",
        "--account-details",
        &snap,
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
        "--service-reference",
        &sr,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let l = lines(&out);
    let summary = &l.last().unwrap()["summary"];
    let s3 = &summary["by_service"]["s3"];
    assert!(s3["Read"]["allowed"].as_u64().unwrap() > 10, "{summary}");
    assert!(s3.get("Write").is_none(), "{summary}");
    assert!(l
        .iter()
        .any(|v| v["action"] == "s3:GetObject" && v["decision"] == "allow"));

    let out = iamc(&[
        "can-what",
        "--account-details",
        &snap,
        "--principal",
        "arn:aws:iam::111122223333:user/nobody",
        "--service-reference",
        &sr,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("user/nobody"));
    let out = iamc(&[
        "who-can",
        "--account-details",
        "/nonexistent/snap.json",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
        "--service-reference",
        &sr,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/snap.json"));
}

#[test]
fn synth_org_writes_what_who_can_reads() {
    let dir = std::env::temp_dir().join(format!("iamc-synth-{}", std::process::id()));
    let d = dir.display().to_string();
    let managed = shared()
        .join("corpus/managed-policies/aws-managed-policies.jsonl")
        .display()
        .to_string();
    let out = iamc(&[
        "synth-org",
        "--out",
        &d,
        "--principals",
        "40",
        "--accounts",
        "2",
        "--managed-policies",
        &managed,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = std::fs::read_to_string(dir.join("args.txt")).unwrap();
    let mut a: Vec<&str> = vec!["can-what"];
    a.extend(args.lines());
    let sr = service_reference();
    a.extend(["--all", "--service-reference", &sr]);
    let out = iamc(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = lines(&out);
    assert_eq!(
        l.iter().filter(|v| v.get("principal").is_some()).count(),
        40
    );
    assert!(l
        .iter()
        .any(|v| v.get("profile").is_some() && v.get("allowed").is_some_and(Value::is_array)));
}
