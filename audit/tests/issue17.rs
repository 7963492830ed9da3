//! Issue 17, replay correctness: each test runs on corpus records (the shared corpus's
//! CloudTrail) or on synthetic records in the shape AWS documents for the `userIdentity` types
//! the corpus lacks, and each failed on the code before the issue was addressed.
#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

use std::io::Read;
use std::path::{Path, PathBuf};

use iamc_audit::catalog::Catalog;
use iamc_audit::event::{map_event, Approx, Event, PrincipalKind};
use iamc_audit::{run, Options, Stats};

fn shared() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn cloudtrail(file: &str) -> PathBuf {
    shared().join("corpus/cloudtrail").join(file)
}

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("iamc-issue17-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Every record of the corpus, as JSON text (26,801).
fn corpus_records() -> Vec<String> {
    let mut out = Vec::new();
    for f in [
        "invictus-ir-stratus.json.gz",
        "otrf-ec2-proxy-s3-exfiltration.jsonl.gz",
        "sans-504-s3-ransomware-lab.json.gz",
    ] {
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(cloudtrail(f)).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        if f.ends_with(".jsonl.gz") {
            out.extend(
                text.lines()
                    .filter(|l| !l.trim().is_empty())
                    .map(str::to_string),
            );
        } else {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            out.extend(
                v["Records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.to_string()),
            );
        }
    }
    out
}

fn audit(o: &Options) -> (Stats, Vec<serde_json::Value>, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(o, &mut out, &mut err).unwrap();
    let lines = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (s, lines, String::from_utf8_lossy(&err).into_owned())
}

fn opts(snapshot: PathBuf, logs: Vec<PathBuf>) -> Options {
    Options {
        account_details: snapshot,
        logs,
        json: true,
        ..Options::default()
    }
}

fn corpus_snapshot() -> PathBuf {
    repo().join("corpus/audit/account-details.json")
}

fn ev(json: &str) -> Event<'_> {
    serde_json::from_str(json).unwrap()
}

fn key<'a>(m: &'a iamc_audit::event::Mapped<'_>, k: &str) -> Option<&'a str> {
    m.context
        .iter()
        .find(|(n, _)| n == k)
        .map(|(_, v)| v.as_ref())
}

// ---- 1. Principals -------------------------------------------------------------------

/// A snapshot holding a user `bert-jan` of another account (111111111111) with full access:
/// the corpus's `arn:aws:iam::123837392027:user/bert-jan` must not get his permissions.
#[test]
fn a_user_of_another_account_with_the_same_name_grants_nothing() {
    let dir = scratch("byarn");
    let snap = write(
        &dir,
        "snap.json",
        r#"{"UserDetailList":[{"UserName":"bert-jan","Arn":"arn:aws:iam::111111111111:user/bert-jan",
        "UserPolicyList":[{"PolicyName":"all","PolicyDocument":{"Version":"2012-10-17",
        "Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}}]}],
        "GroupDetailList":[],"RoleDetailList":[],"Policies":[]}"#,
    );
    let (s, lines, report) = audit(&opts(snap, vec![cloudtrail("invictus-ir-stratus.json.gz")]));
    let bert: Vec<_> = lines
        .iter()
        .filter(|e| e["principal"] == "arn:aws:iam::123837392027:user/bert-jan")
        .filter(|e| e["action"] != "sts:GetCallerIdentity")
        .collect();
    assert!(bert.len() > 1000, "{}", bert.len());
    for e in &bert {
        assert_ne!(e["before"], "allow", "{e}");
        assert!(e["approximate"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == "unknown_principal")));
    }
    // And the run says loudly that the snapshot is not of the logs' accounts.
    assert!(
        report.starts_with("WARNING: THE SNAPSHOT IS NOT OF THE LOGS' ACCOUNTS"),
        "{report}"
    );
    assert!(s.account_warning.is_some());
}

#[test]
fn real_snapshots_of_other_accounts_are_warned_about() {
    let snap = shared().join("corpus/account-authorization-details/cloudsplaining-example.json");
    let (_, _, report) = audit(&opts(snap, vec![cloudtrail("invictus-ir-stratus.json.gz")]));
    assert!(
        report.contains("THE SNAPSHOT IS NOT OF THE LOGS' ACCOUNTS"),
        "{report}"
    );
    // The snapshot of the logs' own accounts: no warning.
    let (s, _, report) = audit(&opts(
        corpus_snapshot(),
        vec![cloudtrail("invictus-ir-stratus.json.gz")],
    ));
    assert!(s.account_warning.is_none(), "{report}");
}

/// A role session whose record has no sessionIssuer: aws:PrincipalArn is the snapshot's role
/// ARN, path included (`role/service-role/X`, not `role/X`).
#[test]
fn a_session_without_issuer_keeps_its_roles_path() {
    let dir = scratch("rolepath");
    let snap = write(
        &dir,
        "snap.json",
        r#"{"UserDetailList":[],"GroupDetailList":[],"Policies":[],
        "RoleDetailList":[{"RoleName":"X","Arn":"arn:aws:iam::111111111111:role/service-role/X",
        "RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*","Condition":{"ArnEquals":
        {"aws:PrincipalArn":"arn:aws:iam::111111111111:role/service-role/X"}}}]}}]}]}"#,
    );
    let logs = write(
        &dir,
        "logs.jsonl",
        r#"{"eventID":"00000000-0000-4000-8000-000000000001","eventTime":"2024-01-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:s","arn":"arn:aws:sts::111111111111:assumed-role/X/s","accountId":"111111111111"},"eventType":"AwsApiCall","recipientAccountId":"111111111111"}
"#,
    );
    let (s, lines, report) = audit(&opts(snap, vec![logs]));
    assert_eq!(s.decided, 1, "{report}");
    assert_eq!(lines[0]["before"], "allow", "{report}");
}

/// userIdentity types the corpus lacks, in the shape of AWS's CloudTrail userIdentity
/// documentation.
#[test]
fn web_identity_saml_and_identity_center_users_are_their_principals() {
    let web = ev(
        r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity",
        "awsRegion":"us-east-1","recipientAccountId":"123456789012",
        "userIdentity":{"type":"WebIdentityUser",
        "principalId":"accounts.google.com:application-id.apps.googleusercontent.com:user-id",
        "userName":"user-id","identityProvider":"accounts.google.com"},
        "requestParameters":{"roleArn":"arn:aws:iam::123456789012:role/r","roleSessionName":"s"}}"#,
    );
    let m = map_event(&web, None);
    assert_eq!(m.principal.arn, "accounts.google.com");
    assert_eq!(m.principal.kind, PrincipalKind::IdentityProvider);
    assert_eq!(m.resources, vec!["arn:aws:iam::123456789012:role/r"]);
    assert_eq!(key(&m, "sts:RoleSessionName"), Some("s"));
    // An OIDC provider is named by its IAM ARN in trust policies.
    let oidc = ev(
        r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity",
        "awsRegion":"us-east-1","recipientAccountId":"123456789012",
        "userIdentity":{"type":"WebIdentityUser","principalId":"x","userName":"repo:o/r:ref:main",
        "identityProvider":"token.actions.githubusercontent.com"}}"#,
    );
    assert_eq!(
        map_event(&oidc, None).principal.arn,
        "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    );
    let saml = ev(
        r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithSAML",
        "awsRegion":"us-east-1","recipientAccountId":"444455556666",
        "userIdentity":{"type":"SAMLUser","principalId":"SampleUkh1i4+ExamplexL/jEvs=:SamlExample",
        "userName":"SamlExample","identityProvider":"bdGOnTesti4+ExamplexL/jEvs="},
        "requestParameters":{"sAMLAssertionID":"_c0046cEXAMPLEb9d4b8eEXAMPLE2619aEXAMPLE",
        "roleSessionName":"MyAssignedRoleSessionName",
        "principalArn":"arn:aws:iam::444455556666:saml-provider/test-saml-provider",
        "roleArn":"arn:aws:iam::444455556666:role/SAMLTestRoleShibboleth","durationSeconds":3600}}"#,
    );
    let m = map_event(&saml, None);
    assert_eq!(
        m.principal.arn,
        "arn:aws:iam::444455556666:saml-provider/test-saml-provider"
    );
    assert!(!m.has(Approx::UnknownPrincipal));
    let ic = ev(
        r#"{"eventSource":"sso.amazonaws.com","eventName":"ListAccounts",
        "awsRegion":"us-east-1","userIdentity":{"type":"IdentityCenterUser","accountId":"123456789012",
        "onBehalfOf":{"userId":"544894e8-80c1-707f-60e3-3ba6510dfac1",
        "identityStoreArn":"arn:aws:identitystore::123456789012:identitystore/d-9067642ac7"},
        "credentialId":"EXAMPLEVHULjJdTUdPJfofVa1sufHDoj7aYcOYcxFVllWR_Whr1fEXAMPLE"}}"#,
    );
    let m = map_event(&ic, None);
    assert_eq!(
        m.principal.arn,
        "arn:aws:identitystore:::user/544894e8-80c1-707f-60e3-3ba6510dfac1"
    );
    // Identity Center decides these, not IAM policies: approximate, never exact.
    assert!(m.has(Approx::UnknownPrincipal));
}

#[test]
fn another_accounts_role_session_is_not_its_root() {
    let e = ev(
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1",
        "userIdentity":{"type":"AWSAccount","principalId":"AROAEXAMPLEID:session-name",
        "accountId":"222222222222"},
        "resources":[{"ARN":"arn:aws:s3:::b/k","accountId":"111111111111"}]}"#,
    );
    let m = map_event(&e, None);
    assert_ne!(m.principal.arn, "arn:aws:iam::222222222222:root");
    assert!(m
        .principal
        .arn
        .starts_with("arn:aws:sts::222222222222:assumed-role/"));
    assert!(m.has(Approx::UnknownPrincipal));
    // An account id alone is the account.
    let e = ev(
        r#"{"userIdentity":{"type":"AWSAccount","principalId":"222222222222","accountId":"222222222222"}}"#,
    );
    assert_eq!(
        map_event(&e, None).principal.arn,
        "arn:aws:iam::222222222222:root"
    );
}

#[test]
fn the_partition_follows_the_region() {
    for (region, part) in [
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("eu-west-1", "aws"),
    ] {
        let json = format!(
            r#"{{"eventSource":"s3.amazonaws.com","eventName":"GetBucketAcl","awsRegion":"{region}",
            "userIdentity":{{"type":"IAMUser","accountId":"1","userName":"u"}},
            "requestParameters":{{"bucketName":"b"}}}}"#
        );
        let e = ev(&json);
        let m = map_event(&e, None);
        assert_eq!(m.principal.arn, format!("arn:{part}:iam::1:user/u"));
        assert_eq!(m.resources, vec![format!("arn:{part}:s3:::b")]);
    }
}

#[test]
fn attach_to_a_target_the_snapshot_lacks_is_an_error() {
    let audit = repo().join("corpus/audit");
    for target in ["user:nobody", "role:nobody", "group:nobody"] {
        let mut o = opts(
            corpus_snapshot(),
            vec![cloudtrail("otrf-ec2-proxy-s3-exfiltration.jsonl.gz")],
        );
        o.proposed = vec![audit.join("RDSDenyDelete.json")];
        o.attach_to = vec![target.into()];
        let err = run(&o, &mut Vec::new(), &mut Vec::new())
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("nobody")),
            "{target}: {err:?}"
        );
    }
}

// ---- 2. Condition keys the record carries -------------------------------------------------

/// Events of the corpus (all 26,801 records) that carry each key. Before issue 17 every count
/// but aws:SecureTransport's (1,850, from tlsDetails) was 0.
#[test]
fn condition_keys_the_record_carries_are_set() {
    let cat = Catalog::builtin().unwrap();
    let recs = corpus_records();
    assert_eq!(recs.len(), 26_801);
    let keys: [(&str, Option<&str>); 17] = [
        ("aws:PrincipalIsAWSService", Some("true")),
        ("aws:PrincipalIsAWSService", Some("false")),
        ("s3:signatureversion", None),
        ("s3:authType", None),
        ("aws:SecureTransport", None),
        ("s3:x-amz-acl", None),
        ("kms:EncryptionContext:", None),
        ("kms:CallerAccount", None),
        ("sts:RoleSessionName", None),
        ("aws:RequestTag/", None),
        ("aws:TagKeys", None),
        ("kms:ViaService", None),
        ("ec2:RoleDelivery", None),
        ("ec2:SourceInstanceARN", None),
        ("iam:PolicyARN", None),
        ("s3:prefix", None),
        ("aws:CalledVia", None),
    ];
    let mut counts = [0u64; 17];
    for r in &recs {
        let e: Event<'_> = serde_json::from_str(r).unwrap();
        let m = map_event(&e, Some(&cat));
        for (i, (k, v)) in keys.iter().enumerate() {
            let single = m.context.iter().any(|(n, x)| {
                (if k.ends_with(':') || k.ends_with('/') {
                    n.starts_with(k)
                } else {
                    n == k
                }) && v.is_none_or(|v| x == v)
            });
            let multi = m.multi.iter().any(|(n, _)| n == k);
            if single || multi {
                counts[i] += 1;
            }
        }
    }
    let table: Vec<String> = keys
        .iter()
        .zip(counts)
        .map(|((k, v), n)| format!("{k}{}: {n}", v.map(|v| format!("={v}")).unwrap_or_default()))
        .collect();
    println!("{}", table.join("\n"));
    // The issue's measurements; aws:RequestTag/aws:TagKeys: 97 of its 100, because 3 records
    // carry tags CloudTrail hid (HIDDEN_DUE_TO_SECURITY_REASONS), which are not guessed; the
    // corpus has no call through a service that sets aws:CalledVia (below, a synthetic one).
    let want: [u64; 17] = [
        21_513, 5_288, 18_728, 18_728, 20_372, 11_741, 5_370, 1_355, 179, 97, 97, 57, 32, 32, 29,
        9, 0,
    ];
    assert_eq!(counts, want, "{}", table.join("\n"));
}

/// A call CloudFormation makes with the caller's credentials (forward access session).
#[test]
fn called_via_is_set_for_forward_access_calls() {
    let e = ev(
        r#"{"eventSource":"s3.amazonaws.com","eventName":"CreateBucket","awsRegion":"us-east-1",
        "sourceIPAddress":"cloudformation.amazonaws.com",
        "userIdentity":{"type":"AssumedRole","principalId":"AROAX:s",
        "arn":"arn:aws:sts::1:assumed-role/r/s","accountId":"1",
        "invokedBy":"cloudformation.amazonaws.com"},
        "requestParameters":{"bucketName":"b"}}"#,
    );
    let m = map_event(&e, None);
    let via = m.multi.iter().find(|(k, _)| *k == "aws:CalledVia").unwrap();
    assert_eq!(via.1, vec!["cloudformation.amazonaws.com"]);
    assert_eq!(
        key(&m, "aws:CalledViaFirst"),
        Some("cloudformation.amazonaws.com")
    );
    assert_eq!(key(&m, "aws:ViaAWSService"), Some("true"));
}

/// The dataset's CloudTrail bucket and KMS key, with the policies AWS documents for a trail
/// (bucket policy: PutObject only with `s3:x-amz-acl` = bucket-owner-full-control; key policy:
/// GenerateDataKey* only with the trail's encryption context): every successful write and
/// data-key call by cloudtrail.amazonaws.com is allowed (before issue 17, all 8,229 were
/// predicted deny: the record's x-amz-acl and encryption context were dropped).
#[test]
fn cloudtrail_writes_are_allowed_by_the_trail_bucket_and_key_policies() {
    let dir = scratch("trail");
    let key = "arn:aws:kms:us-west-1:342082656213:key/85b4ab0e-eee7-4450-adba-82137e39764c";
    let rp = write(
        &dir,
        "rp.json",
        &format!(
            r#"{{"arn:aws:s3:::falsimentis-log":{{"Version":"2012-10-17","Statement":[
            {{"Sid":"AWSCloudTrailAclCheck","Effect":"Allow","Principal":{{"Service":"cloudtrail.amazonaws.com"}},
              "Action":"s3:GetBucketAcl","Resource":"arn:aws:s3:::falsimentis-log"}},
            {{"Sid":"AWSCloudTrailWrite","Effect":"Allow","Principal":{{"Service":"cloudtrail.amazonaws.com"}},
              "Action":"s3:PutObject","Resource":"arn:aws:s3:::falsimentis-log/AWSLogs/342082656213/*",
              "Condition":{{"StringEquals":{{"s3:x-amz-acl":"bucket-owner-full-control"}},
                           "Bool":{{"aws:SecureTransport":"true"}}}}}}]}},
            "{key}":{{"Version":"2012-10-17","Statement":[
            {{"Sid":"Allow CloudTrail to encrypt logs","Effect":"Allow",
              "Principal":{{"Service":"cloudtrail.amazonaws.com"}},"Action":"kms:GenerateDataKey*",
              "Resource":"*","Condition":{{"StringLike":{{
                "kms:EncryptionContext:aws:cloudtrail:arn":"arn:aws:cloudtrail:*:342082656213:trail/*"}}}}}}]}}}}"#
        ),
    );
    let mut o = opts(
        corpus_snapshot(),
        vec![cloudtrail("sans-504-s3-ransomware-lab.json.gz")],
    );
    o.resource_policies = Some(rp);
    let (_, lines, report) = audit(&o);
    let writes: Vec<_> = lines
        .iter()
        .filter(|e| e["principal"] == "cloudtrail.amazonaws.com")
        .filter(|e| e["action"] == "s3:PutObject" || e["action"] == "kms:GenerateDataKey")
        .filter(|e| e["observed"].is_null())
        .collect();
    // 4,210 + 4,019 records; each event id decided once.
    assert!(writes.len() > 6_000, "{} {report}", writes.len());
    let denied: Vec<_> = writes.iter().filter(|e| e["before"] != "allow").collect();
    assert!(
        denied.is_empty(),
        "{} predicted deny, e.g. {}",
        denied.len(),
        denied[0]
    );
}

// ---- 3. Actions ----------------------------------------------------------------------------

#[test]
fn api_names_map_to_the_actions_iam_checks() {
    let cat = Catalog::builtin().unwrap();
    let action = |src: &str, name: &str, params: &str| {
        let json = format!(
            r#"{{"eventSource":"{src}","eventName":"{name}","awsRegion":"us-east-1",
            "userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"}},
            "requestParameters":{params}}}"#
        );
        let e: Event<'_> = serde_json::from_str(&json).unwrap();
        let m = map_event(&e, Some(&cat));
        (m.action.to_string(), m.has(Approx::UnknownAction))
    };
    let known = |a: &str| (a.to_string(), false);
    // The corpus's 8 GetBucketReplication records, its 3 application-insights ones.
    assert_eq!(
        action(
            "s3.amazonaws.com",
            "GetBucketReplication",
            r#"{"bucketName":"b"}"#
        ),
        known("s3:GetReplicationConfiguration")
    );
    assert_eq!(
        action(
            "application-insights.amazonaws.com",
            "ListApplications",
            "{}"
        ),
        known("applicationinsights:ListApplications")
    );
    // versionId: the *Version actions.
    assert_eq!(
        action(
            "s3.amazonaws.com",
            "GetObject",
            r#"{"bucketName":"b","key":"k","versionId":"v1"}"#
        ),
        known("s3:GetObjectVersion")
    );
    assert_eq!(
        action(
            "s3.amazonaws.com",
            "DeleteObject",
            r#"{"bucketName":"b","key":"k","versionId":"v1"}"#
        ),
        known("s3:DeleteObjectVersion")
    );
    assert_eq!(
        action(
            "s3.amazonaws.com",
            "GetObject",
            r#"{"bucketName":"b","key":"k"}"#
        ),
        known("s3:GetObject")
    );
    // S3 REST names from the SDK-method map.
    for (api, want) in [
        (
            "GetBucketAccelerateConfiguration",
            "s3:GetAccelerateConfiguration",
        ),
        (
            "PutBucketAnalyticsConfiguration",
            "s3:PutAnalyticsConfiguration",
        ),
        (
            "GetBucketNotificationConfiguration",
            "s3:GetBucketNotification",
        ),
        ("ListParts", "s3:ListMultipartUploadParts"),
        ("GetBucketCors", "s3:GetBucketCORS"),
    ] {
        assert_eq!(
            action("s3.amazonaws.com", api, r#"{"bucketName":"b"}"#),
            known(want),
            "{api}"
        );
    }
}

/// A RunInstances record of the corpus's shape (instance profile, tag specifications) by a
/// user allowed ec2:RunInstances only: the call also needs iam:PassRole on the profile's role
/// and ec2:CreateTags, each decided as its own request; the event is allowed only if all are.
#[test]
fn calls_that_need_further_permissions_are_decided_on_each() {
    let dir = scratch("extra");
    let snap = |actions: &str| {
        format!(
            r#"{{"UserDetailList":[{{"UserName":"u","Arn":"arn:aws:iam::111111111111:user/u",
            "UserPolicyList":[{{"PolicyName":"p","PolicyDocument":{{"Version":"2012-10-17",
            "Statement":[{{"Effect":"Allow","Action":[{actions}],"Resource":"*"}}]}}}}]}}],
            "GroupDetailList":[],"Policies":[],
            "RoleDetailList":[{{"RoleName":"web","Arn":"arn:aws:iam::111111111111:role/web",
              "InstanceProfileList":[{{"InstanceProfileName":"web-profile",
              "Arn":"arn:aws:iam::111111111111:instance-profile/web-profile"}}]}}]}}"#
        )
    };
    let logs = write(
        &dir,
        "logs.jsonl",
        concat!(
            r#"{"eventID":"00000000-0000-4000-8000-0000000000a1","eventTime":"2024-01-01T00:00:00Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","awsRegion":"us-east-1","eventType":"AwsApiCall","recipientAccountId":"111111111111","userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111","userName":"u"},"requestParameters":{"instancesSet":{"items":[{"imageId":"ami-1","minCount":1,"maxCount":1}]},"instanceType":"t3.micro","iamInstanceProfile":{"name":"web-profile"},"tagSpecificationSet":{"items":[{"resourceType":"instance","tags":[{"key":"team","value":"red"}]}]}}}"#,
            "\n",
            r#"{"eventID":"00000000-0000-4000-8000-0000000000a2","eventTime":"2024-01-01T00:00:01Z","eventSource":"s3.amazonaws.com","eventName":"CopyObject","awsRegion":"us-east-1","eventType":"AwsApiCall","recipientAccountId":"111111111111","userIdentity":{"type":"IAMUser","principalId":"AIDAX","arn":"arn:aws:iam::111111111111:user/u","accountId":"111111111111","userName":"u"},"requestParameters":{"bucketName":"dst","key":"k","x-amz-copy-source":"src/a%20b.txt"}}"#,
            "\n"
        ),
    );
    let decide = |actions: &str| {
        let s = write(&dir, "snap.json", &snap(actions));
        let (_, lines, report) = audit(&opts(s, vec![logs.clone()]));
        let get = |id: &str| {
            lines
                .iter()
                .find(|e| e["event_id"] == id)
                .unwrap_or_else(|| panic!("{report}"))["before"]
                .as_str()
                .unwrap()
                .to_string()
        };
        (
            get("00000000-0000-4000-8000-0000000000a1"),
            get("00000000-0000-4000-8000-0000000000a2"),
        )
    };
    assert_eq!(
        decide(r#""ec2:RunInstances","s3:PutObject""#),
        ("implicit_deny".into(), "implicit_deny".into())
    );
    assert_eq!(
        decide(r#""ec2:RunInstances","iam:PassRole","s3:PutObject""#).0,
        "implicit_deny",
        "ec2:CreateTags is needed too"
    );
    assert_eq!(
        decide(
            r#""ec2:RunInstances","iam:PassRole","ec2:CreateTags","s3:PutObject","s3:GetObject""#
        ),
        ("allow".into(), "allow".into())
    );
    // The pass is of the profile's role (resolved by the snapshot), the copy reads its source.
    let s = write(
        &dir,
        "snap.json",
        &snap(r#""ec2:RunInstances","ec2:CreateTags","s3:*""#).replace(
            r#""Resource":"*"}]"#,
            r#""Resource":"*"},{"Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::111111111111:role/web"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::src/a b.txt"}]"#,
        ),
    );
    let (_, lines, report) = audit(&opts(s, vec![logs.clone()]));
    assert_eq!(
        lines[..2].iter().filter(|e| e["before"] == "allow").count(),
        1,
        "{report}"
    );
    let copy = lines
        .iter()
        .find(|e| e["action"] == "s3:PutObject")
        .unwrap();
    assert_eq!(copy["before"], "explicit_deny", "{copy}");
    // Each event line names the further permissions it was decided on, with their resources.
    assert_eq!(
        copy["further"],
        serde_json::json!([{"action": "s3:GetObject", "resources": ["arn:aws:s3:::src/a b.txt"]}]),
        "{copy}"
    );
    let run = lines
        .iter()
        .find(|e| e["action"] == "ec2:RunInstances")
        .unwrap();
    let further: Vec<&str> = run["further"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(further, ["iam:PassRole", "ec2:CreateTags"], "{run}");
    assert_eq!(
        run["further"][0]["resources"],
        serde_json::json!(["arn:aws:iam::111111111111:role/web"]),
        "{run}"
    );
    assert!(lines.iter().all(|e| e["action"] == "ec2:RunInstances"
        || e["action"] == "s3:PutObject"
        || e.get("further").is_none()));
}

/// Records that are no authorization request (E-20) are counted, not decided; so are
/// duplicate event ids; sts:GetCallerIdentity is always allowed (E-20).
#[test]
fn the_corpus_is_counted_read_equals_decided_unreadable_and_not_decided() {
    let mut o = opts(corpus_snapshot(), vec![shared().join("corpus/cloudtrail")]);
    o.proposed = vec![repo().join("corpus/audit/BlockMostAccessUnlessSignedInWithMFA.json")];
    o.attach_to = vec!["all".into()];
    let (s, lines, report) = audit(&o);
    assert_eq!(s.read, 26_801);
    // CloudTrail delivered 4,276 records twice (same eventID): decided once.
    assert_eq!(s.duplicates, 4_276, "{report}");
    // 20 AwsServiceEvent, 5 AwsConsoleSignIn, 3 AwsConsoleAction, one of them a duplicate.
    assert_eq!(s.not_request, 27, "{report}");
    assert_eq!(s.decided, 26_801 - 4_276 - 27);
    assert!(s.adds_up());
    assert_eq!(s.per_file.len(), 3);
    assert_eq!(s.per_file.iter().map(|f| f.read).sum::<u64>(), 26_801);
    assert_eq!(s.per_file.iter().map(|f| f.duplicates).sum::<u64>(), 4_276);
    let events = &lines[..lines.len() - 1];
    let mut ids: Vec<&str> = events
        .iter()
        .map(|e| e["event_id"].as_str().unwrap())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "an event id decided twice");
    assert!(events.iter().all(|e| e["action"] != "signin:ConsoleLogin"));
    // GetCallerIdentity: allowed whatever the MFA policy says.
    let gci: Vec<_> = events
        .iter()
        .filter(|e| e["action"] == "sts:GetCallerIdentity")
        .collect();
    assert!(!gci.is_empty());
    assert!(gci
        .iter()
        .all(|e| e["before"] == "allow" && e["after"] == "allow"));
    // The JSON summary and the human one give the same accounting, per file too.
    let sum = &lines.last().unwrap()["summary"];
    assert_eq!(sum["not_decided"]["duplicate"], 4_276);
    assert_eq!(sum["not_decided"]["not_a_request"], 27);
    assert_eq!(sum["files_counts"].as_array().unwrap().len(), 3);
    assert!(report.contains(&format!(
        "read 26801 = decided {} + unreadable 0 + not decided 4303 (not a request 27, duplicate 4276)",
        s.decided
    )), "{report}");
    assert!(
        report.contains("sans-504-s3-ransomware-lab.json.gz: read 24379 = decided"),
        "{report}"
    );
}

// ---- 4. Resources ----------------------------------------------------------------------------

#[test]
fn resources_come_from_the_record() {
    let cat = Catalog::builtin().unwrap();
    let map = |json: &str| {
        let e: Event<'_> = serde_json::from_str(json).unwrap();
        let m = map_event(&e, Some(&cat));
        (
            m.resources
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>(),
            m.has(Approx::ResourceStar),
        )
    };
    // A corpus record: the caller's own user (iam:GetUser without userName).
    assert_eq!(
        map(
            r#"{"eventSource":"iam.amazonaws.com","eventName":"GetUser","awsRegion":"us-east-1",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027"},
            "requestParameters":null}"#
        ),
        (
            vec!["arn:aws:iam::123837392027:user/bert-jan".to_string()],
            false
        )
    );
    // Identifiers in requestParameters (corpus shapes).
    assert_eq!(
        map(
            r#"{"eventSource":"ec2.amazonaws.com","eventName":"DescribeVpcAttribute","awsRegion":"us-east-1",
            "recipientAccountId":"1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"},
            "requestParameters":{"vpcId":"vpc-1","attribute":"enableDnsSupport"}}"#
        ),
        (vec!["arn:aws:ec2:us-east-1:1:vpc/vpc-1".to_string()], false)
    );
    assert_eq!(
        map(
            r#"{"eventSource":"cloudtrail.amazonaws.com","eventName":"GetTrailStatus","awsRegion":"us-east-1",
            "recipientAccountId":"1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accountId":"1"},
            "requestParameters":{"name":"t"}}"#
        ),
        (
            vec!["arn:aws:cloudtrail:us-east-1:1:trail/t".to_string()],
            false
        )
    );
    // A denied call: the resource the AccessDenied message names (a corpus record).
    assert_eq!(
        map(
            r#"{"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1",
            "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027"},
            "errorCode":"AccessDenied",
            "errorMessage":"User: arn:aws:iam::123837392027:user/bert-jan is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123837392027:role/stratus-red-team-ec2-get-password-data-role",
            "requestParameters":null}"#
        ),
        (
            vec![
                "arn:aws:iam::123837392027:role/stratus-red-team-ec2-get-password-data-role"
                    .to_string()
            ],
            false
        )
    );
    assert_eq!(
        map(
            r#"{"eventSource":"organizations.amazonaws.com","eventName":"LeaveOrganization","awsRegion":"us-east-1",
            "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/s","accountId":"1"},
            "errorCode":"AccessDenied",
            "errorMessage":"User: arn:aws:sts::1:assumed-role/r/s is not authorized to perform: organizations:LeaveOrganization on resource: * because no identity-based policy allows the organizations:LeaveOrganization action"}"#
        ),
        (vec!["*".to_string()], false)
    );
}

// ---- 7. The report -----------------------------------------------------------------------------

#[test]
fn the_report_groups_changes_and_keeps_service_principals_apart() {
    let audit_dir = repo().join("corpus/audit");
    let mut o = opts(corpus_snapshot(), vec![shared().join("corpus/cloudtrail")]);
    o.proposed = vec![
        audit_dir.join("RDSDenyDelete.json"),
        audit_dir.join("BlockMostAccessUnlessSignedInWithMFA.json"),
    ];
    o.attach_to = vec!["all".into()];
    o.top = Some(2);
    let (s, lines, report) = audit(&o);
    // Service principals: their own section, not mismatches.
    let svc: u64 = s.services.values().flatten().flatten().sum();
    assert!(svc > 17_000, "{svc}");
    let matrix: u64 = s.confusion.iter().flatten().sum();
    assert_eq!(matrix + svc, s.decided);
    assert!(report.contains("AWS service principals:"), "{report}");
    assert!(
        !report.contains("AWS service principal (granted by a resource policy"),
        "{report}"
    );
    // Newly denied groups: succeeded vs already failed, deciding policy and Sid, resources,
    // first/last seen; --top 2 lists two and says how many more.
    assert!(
        report.contains("newly denied, calls that succeeded:"),
        "{report}"
    );
    assert!(report.contains("decided after the change by: "), "{report}");
    assert!(
        report.contains("(Sid BlockMostAccessUnlessSignedInWithMFA)"),
        "{report}"
    );
    assert!(
        report.contains("more groups (--top N, --all-groups, or --json)"),
        "{report}"
    );
    let sum = &lines.last().unwrap()["summary"];
    let groups = sum["newly_denied"].as_array().unwrap();
    assert!(groups.len() > 2);
    let rds = groups
        .iter()
        .find(|g| g["action"] == "rds:DeleteDBInstance")
        .unwrap();
    let ok = &rds["succeeded"];
    assert!(ok["decided_by"]["policy"]
        .as_str()
        .unwrap()
        .ends_with("RDSDenyDelete.json"));
    assert!(
        rds["succeeded"]["count"].as_u64().unwrap() + rds["failed"]["count"].as_u64().unwrap()
            == rds["count"].as_u64().unwrap()
    );
    assert!(ok["top_resources"][0]["resource"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:rds:"));
    assert!(ok["first_seen"].as_str().unwrap() <= ok["last_seen"].as_str().unwrap());
    assert!(!ok["first_seen"].as_str().unwrap().is_empty());
    // All groups on request.
    o.top = None;
    let (_, _, all) = audit(&o);
    assert!(!all.contains("more groups"), "{all}");
}

// ---- 8. The action table ships with the binary -----------------------------------------------

#[test]
fn the_built_in_action_table_is_used_without_a_service_reference() {
    let logs = vec![shared().join("corpus/cloudtrail")];
    let (builtin, _, report) = audit(&opts(corpus_snapshot(), logs.clone()));
    assert!(builtin.catalog, "{report}");
    assert!(!report.contains("actions were not checked"), "{report}");
    let mut o = opts(corpus_snapshot(), logs);
    o.service_reference =
        Some(shared().join("corpus/service-reference/iam-service-reference.json"));
    let (file, _, _) = audit(&o);
    // The same table: the same decisions and approximations.
    assert_eq!(builtin.approx_by, file.approx_by);
    assert_eq!(builtin.before, file.before);
    assert_eq!(builtin.confusion, file.confusion);
}

// ---- Trust policies (E-19) -------------------------------------------------------------------

/// A role's trust policy as `get-account-authorization-details` gives it: URL-encoded, no
/// `Resource`.
fn trust_doc(statements: &str) -> String {
    let doc = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    doc.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn role(name: &str, account: &str, trust: &str) -> String {
    format!(
        r#"{{"RoleName":"{name}","Arn":"arn:aws:iam::{account}:role/{name}",
        "AssumeRolePolicyDocument":"{}","RolePolicyList":[],"AttachedManagedPolicies":[]}}"#,
        trust_doc(trust)
    )
}

fn user(name: &str, account: &str, allow_assume: bool) -> String {
    let policies = if allow_assume {
        r#"[{"PolicyName":"assume","PolicyDocument":{"Version":"2012-10-17",
        "Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}}]"#
    } else {
        "[]"
    };
    format!(
        r#"{{"UserName":"{name}","Arn":"arn:aws:iam::{account}:user/{name}",
        "UserPolicyList":{policies},"GroupList":[],"AttachedManagedPolicies":[]}}"#
    )
}

/// A successful AssumeRole record (shape of the corpus's and of AWS's CloudTrail examples).
fn assume_record(id: u32, caller: &str, role_arn: &str) -> String {
    let account = caller.split(':').nth(4).unwrap();
    let name = caller.rsplit('/').next().unwrap();
    format!(
        r#"{{"eventVersion":"1.08","eventID":"00000000-0000-4000-8000-{id:012}","eventTime":"2024-01-01T00:00:00Z",
        "eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1",
        "eventType":"AwsApiCall","recipientAccountId":"{account}",
        "userIdentity":{{"type":"IAMUser","principalId":"AIDAEXAMPLE{id}","arn":"{caller}",
        "accountId":"{account}","userName":"{name}"}},
        "requestParameters":{{"roleArn":"{role_arn}","roleSessionName":"s{id}"}}}}"#
    )
}

/// E-19 in the audit: the role's trust policy from the snapshot is the resource policy of
/// `sts:AssumeRole*` on it; an identity Allow alone assumes nothing; a grant naming the user
/// stands alone within the account, a grant naming the account delegates to the identity side,
/// and across accounts both sides must allow (E-8). Web identity and SAML callers are granted by
/// `Federated`. Before: every trust policy was ignored (the identity policy decided alone).
#[test]
fn trust_policies_decide_role_assumption_e19() {
    let dir = scratch("trust");
    let a = "111111111111";
    let b = "222222222222";
    let user_a = format!("arn:aws:iam::{a}:user/alice");
    let user_n = format!("arn:aws:iam::{a}:user/nopol");
    let user_b = format!("arn:aws:iam::{b}:user/bob");
    let user_b2 = format!("arn:aws:iam::{b}:user/bobnopol");
    let roles = [
        role(
            "ec2only",
            a,
            r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
        ),
        role(
            "acct",
            a,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{a}:root"}},"Action":"sts:AssumeRole"}}"#
            ),
        ),
        role(
            "named",
            a,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":["{user_n}","{user_b}","{user_b2}"]}},"Action":"sts:AssumeRole"}}"#
            ),
        ),
        role(
            "web",
            a,
            r#"{"Effect":"Allow","Principal":{"Federated":"accounts.google.com"},"Action":"sts:AssumeRoleWithWebIdentity"}"#,
        ),
        role(
            "saml",
            a,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{a}:saml-provider/idp"}},"Action":"sts:AssumeRoleWithSAML","Condition":{{"StringEquals":{{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}}}}"#
            ),
        ),
    ];
    let snap = write(
        &dir,
        "snap.json",
        &format!(
            r#"{{"UserDetailList":[{},{},{},{}],"GroupDetailList":[],"RoleDetailList":[{}],"Policies":[]}}"#,
            user("alice", a, true),
            user("nopol", a, false),
            user("bob", b, true),
            user("bobnopol", b, false),
            roles.join(",")
        ),
    );
    let r = |n: &str| format!("arn:aws:iam::{a}:role/{n}");
    let cases: Vec<(String, String, &str)> = vec![
        // identity Allow, trust names only a service: E-19 denies
        (user_a.clone(), r("ec2only"), "implicit_deny"),
        // trust names the account: delegates, the identity side allows
        (user_a.clone(), r("acct"), "allow"),
        // trust names the account, no identity Allow
        (user_n.clone(), r("acct"), "implicit_deny"),
        // trust names the user: stands alone within the account
        (user_n.clone(), r("named"), "allow"),
        // another account: the trust names the user, and the identity side allows
        (user_b.clone(), r("named"), "allow"),
        // another account without an identity Allow (E-8)
        (user_b2.clone(), r("named"), "implicit_deny"),
    ];
    let mut lines: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (who, role, _))| assume_record(i as u32 + 1, who, role))
        .collect();
    lines.push(format!(
        r#"{{"eventID":"00000000-0000-4000-8000-000000000101","eventTime":"2024-01-01T00:00:00Z",
        "eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithWebIdentity",
        "awsRegion":"us-east-1","eventType":"AwsApiCall","recipientAccountId":"{a}",
        "userIdentity":{{"type":"WebIdentityUser",
        "principalId":"accounts.google.com:application-id.apps.googleusercontent.com:user-id",
        "userName":"user-id","identityProvider":"accounts.google.com"}},
        "requestParameters":{{"roleArn":"{}","roleSessionName":"s"}}}}"#,
        r("web")
    ));
    lines.push(format!(
        r#"{{"eventID":"00000000-0000-4000-8000-000000000102","eventTime":"2024-01-01T00:00:00Z",
        "eventSource":"sts.amazonaws.com","eventName":"AssumeRoleWithSAML",
        "awsRegion":"us-east-1","eventType":"AwsApiCall","recipientAccountId":"{a}",
        "userIdentity":{{"type":"SAMLUser","principalId":"x:SamlExample","userName":"SamlExample",
        "identityProvider":"bdGOnTesti4+ExamplexL/jEvs="}},
        "requestParameters":{{"roleSessionName":"s","principalArn":"arn:aws:iam::{a}:saml-provider/idp",
        "roleArn":"{}"}},"additionalEventData":{{}}}}"#,
        r("saml")
    ));
    let flat: Vec<String> = lines.iter().map(|l| l.replace('\n', " ")).collect();
    let logs = write(&dir, "trail.jsonl", &(flat.join("\n") + "\n"));
    let (s, out, report) = audit(&opts(snap.clone(), vec![logs.clone()]));
    assert_eq!(s.unreadable, 0, "{report}");
    let by_role = |who: &str, role: &str| {
        out.iter()
            .find(|e| e["principal"] == who && e["resources"][0] == role)
            .unwrap_or_else(|| panic!("no line for {who} on {role}: {report}"))
            .clone()
    };
    for (who, role, want) in &cases {
        let e = by_role(who, role);
        assert_eq!(e["before"], *want, "{who} on {role}: {e}");
        if *want == "allow" && who == &user_n {
            assert!(
                e["before_by"]["policy"]
                    .as_str()
                    .is_some_and(|p| p.ends_with(":trust")),
                "{e}"
            );
        }
    }
    let web = by_role("accounts.google.com", &r("web"));
    assert_eq!(web["before"], "allow", "{web}");
    // The SAML trust policy's condition reads SAML:aud, a claim of the assertion that
    // CloudTrail does not record (K-13): the decision hinges on it, so it is indeterminate,
    // neither a false deny nor an allow.
    let saml = by_role(&format!("arn:aws:iam::{a}:saml-provider/idp"), &r("saml"));
    assert_eq!(saml["before"], "indeterminate", "{saml}");
    assert!(!report.contains("opaque"), "{report}");

    // A real trust policy (no Resource) given with --resource-policies is read as IAM stores
    // it and takes the snapshot's place for that role: here it names alice directly.
    let rp = write(
        &dir,
        "rp.json",
        &format!(
            r#"{{"{}":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
            "Principal":{{"AWS":"{user_n}"}},"Action":"sts:AssumeRole"}}]}}}}"#,
            r("ec2only")
        ),
    );
    let mut records = vec![assume_record(201, &user_n, &r("ec2only"))];
    records.push(assume_record(202, &user_a, &r("ec2only")));
    let logs2 = write(
        &dir,
        "trail2.jsonl",
        &(records
            .iter()
            .map(|l| l.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"),
    );
    let mut o = opts(snap, vec![logs2]);
    o.resource_policies = Some(rp);
    let (_, out, report) = audit(&o);
    assert!(!report.contains("opaque"), "{report}");
    assert!(!report.contains("Resource"), "{report}");
    let n = out
        .iter()
        .find(|e| e["principal"] == user_n.as_str())
        .unwrap();
    assert_eq!(n["before"], "allow", "{n}");
    assert_eq!(
        n["before_by"]["policy"],
        format!("resource:{}", r("ec2only"))
    );
    let al = out
        .iter()
        .find(|e| e["principal"] == user_a.as_str())
        .unwrap();
    assert_eq!(al["before"], "implicit_deny", "{al}");
}

/// Corpus records: the services' AssumeRole calls on the corpus snapshot's roles are granted by
/// the roles' trust policies (`ec2.amazonaws.com`), the others are not (the snapshot's trust
/// policies name no one else), and a role the snapshot lacks is marked approximate.
#[test]
fn corpus_assume_role_calls_are_decided_by_the_snapshots_trust_policies() {
    let (_, lines, report) = audit(&opts(
        corpus_snapshot(),
        vec![cloudtrail("invictus-ir-stratus.json.gz")],
    ));
    let assume: Vec<_> = lines
        .iter()
        .filter(|e| e["action"] == "sts:AssumeRole")
        .collect();
    assert!(assume.len() > 30, "{} {report}", assume.len());
    let ec2: Vec<_> = assume
        .iter()
        .filter(|e| e["principal"] == "ec2.amazonaws.com")
        .collect();
    assert_eq!(ec2.len(), 3);
    for e in &ec2 {
        assert_eq!(e["before"], "allow", "{e}");
        assert!(e["before_by"]["policy"]
            .as_str()
            .unwrap()
            .ends_with(":trust"));
    }
    // bert-jan's identity policy allows everything; the trust policies name only EC2 (E-19).
    let bert: Vec<_> = assume
        .iter()
        .filter(|e| e["principal"] == "arn:aws:iam::123837392027:user/bert-jan")
        .collect();
    assert!(bert.len() > 10);
    assert!(
        bert.iter().all(|e| e["before"] == "implicit_deny"),
        "{bert:?}"
    );
    let anywhere = assume
        .iter()
        .find(|e| e["principal"] == "rolesanywhere.amazonaws.com")
        .unwrap();
    assert!(anywhere["approximate"]
        .as_array()
        .is_some_and(|a| a.iter().any(|x| x == "unknown_trust_policy")));
}

// ---- RCPs (E-10) ---------------------------------------------------------------------------

/// `--rcp [ACCOUNT=]FILE`, `--rcp-services FILE` and `--proposed-rcp FILE` on the corpus: the
/// user's 1,168 successful `s3:GetObject` calls (the snapshot allows them) are denied by an RCP
/// of the bucket's account, not by one of another account, not when S3 is not among the RCP
/// services, and a proposed RCP makes them newly denied. Before: no RCP option at all.
#[test]
fn rcps_current_and_proposed_e10() {
    let dir = scratch("rcp");
    let rcp = write(
        &dir,
        "deny-get.json",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoReads","Effect":"Deny","Principal":"*",
        "Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let kms_only = write(&dir, "services.json", r#"["kms", "sqs"]"#);
    let user = "arn:aws:iam::342082656213:user/FalsimentisRoot";
    let run_with = |f: &dyn Fn(&mut Options)| {
        let mut o = opts(
            corpus_snapshot(),
            vec![cloudtrail("sans-504-s3-ransomware-lab.json.gz")],
        );
        f(&mut o);
        let (s, lines, report) = audit(&o);
        let gets: Vec<serde_json::Value> = lines
            .into_iter()
            .filter(|e| e["principal"] == user && e["action"] == "s3:GetObject")
            .collect();
        assert!(gets.len() > 1000, "{} {report}", gets.len());
        (s, gets, report)
    };
    let (_, gets, _) = run_with(&|_| {});
    assert!(gets.iter().all(|e| e["before"] == "allow"));
    let (_, gets, _) = run_with(&|o| o.rcp = vec![rcp.display().to_string()]);
    for e in &gets {
        assert_eq!(e["before"], "explicit_deny", "{e}");
        assert_eq!(e["before_by"]["sid"], "NoReads", "{e}");
    }
    let (_, gets, _) = run_with(&|o| o.rcp = vec![format!("342082656213={}", rcp.display())]);
    assert!(gets.iter().all(|e| e["before"] == "explicit_deny"));
    let (_, gets, _) = run_with(&|o| o.rcp = vec![format!("999999999999={}", rcp.display())]);
    assert!(gets.iter().all(|e| e["before"] == "allow"));
    let (_, gets, _) = run_with(&|o| {
        o.rcp = vec![rcp.display().to_string()];
        o.rcp_services = Some(kms_only.clone());
    });
    assert!(gets.iter().all(|e| e["before"] == "allow"));
    let (s, gets, report) = run_with(&|o| o.proposed_rcp = vec![rcp.clone()]);
    for e in &gets {
        assert_eq!(e["before"], "allow", "{e}");
        assert_eq!(e["after"], "explicit_deny", "{e}");
    }
    assert!(s.changed >= gets.len() as u64, "{report}");
    assert!(report.contains("newly denied"), "{report}");
    // A bad service list is an error naming the file.
    let bad = write(&dir, "bad.txt", "s3 k$ms");
    let mut o = opts(
        corpus_snapshot(),
        vec![cloudtrail("sans-504-s3-ransomware-lab.json.gz")],
    );
    o.rcp_services = Some(bad.clone());
    let e = run(&o, &mut Vec::new(), &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains(&bad.display().to_string()), "{e}");
}

// ---- Resource tags (K-13, E-21) --------------------------------------------------------------

/// `--resource-tags FILE` (`get-resources` output): a proposed Deny on the key's `env` tag makes
/// the user's 566 `kms:Decrypt` calls indeterminate without the file (CloudTrail does not carry
/// resource tags), explicit deny when the file tags the key `prod` (pages concatenated, the
/// `ec2:`-style alias answered too), allowed when it tags it `dev` or leaves the tag out, and
/// indeterminate again when the file does not name the key. Before: no such option.
#[test]
fn resource_tags_file_makes_tag_keys_known() {
    let dir = scratch("tags");
    let key = "arn:aws:kms:us-west-1:342082656213:key/85b4ab0e-eee7-4450-adba-82137e39764c";
    let rp = write(
        &dir,
        "rp.json",
        &format!(
            r#"{{"{key}":{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
            "Principal":{{"AWS":"arn:aws:iam::342082656213:root"}},"Action":"kms:*","Resource":"*"}}]}}}}"#
        ),
    );
    let deny = write(
        &dir,
        "deny.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt",
        "Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod","kms:ResourceTag/Env":"prod"}}}]}"#,
    );
    let page = |arn: &str, tags: &str| {
        format!(
            r#"{{"ResourceTagMappingList":[{{"ResourceARN":"{arn}","Tags":[{tags}]}}],"PaginationToken":""}}"#
        )
    };
    let other = page(
        "arn:aws:s3:::falsimentis-log",
        r#"{"Key":"env","Value":"prod"}"#,
    );
    let decrypts = |tags: Option<String>| {
        let mut o = opts(
            corpus_snapshot(),
            vec![cloudtrail("sans-504-s3-ransomware-lab.json.gz")],
        );
        o.resource_policies = Some(rp.clone());
        o.proposed = vec![deny.clone()];
        o.attach_to = vec!["user:FalsimentisRoot".into()];
        o.resource_tags = tags.map(|t| write(&dir, "tags.json", &t));
        let (_, lines, report) = audit(&o);
        let d: Vec<serde_json::Value> = lines
            .into_iter()
            .filter(|e| e["action"] == "kms:Decrypt" && e["resources"][0] == key)
            .collect();
        assert!(d.len() > 500, "{} {report}", d.len());
        assert!(d.iter().all(|e| e["before"] == "allow"), "{report}");
        d
    };
    let after = |d: &[serde_json::Value], want: &str| {
        for e in d {
            assert_eq!(e["after"], want, "{e}");
        }
    };
    after(&decrypts(None), "indeterminate");
    after(
        &decrypts(Some(format!(
            "{other}{}",
            page(
                key,
                r#"{"Key":"env","Value":"prod"},{"Key":"Env","Value":"prod"}"#
            )
        ))),
        "explicit_deny",
    );
    after(
        &decrypts(Some(format!(
            "{other}\n{}\n",
            page(key, r#"{"Key":"env","Value":"dev"}"#)
        ))),
        "allow",
    );
    after(&decrypts(Some(page(key, ""))), "allow");
    after(&decrypts(Some(other.clone())), "indeterminate");
    // A bad file: the error names the file, the page and the path.
    let mut o = opts(
        corpus_snapshot(),
        vec![cloudtrail("sans-504-s3-ransomware-lab.json.gz")],
    );
    let bad = write(
        &dir,
        "bad.json",
        &format!(r#"{other}{{"ResourceTagMappingList":[{{"Tags":[]}}]}}"#),
    );
    o.resource_tags = Some(bad.clone());
    let e = run(&o, &mut Vec::new(), &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: page 2: $.ResourceTagMappingList[0].ResourceARN: expected a string",
            bad.display()
        )
    );
}
