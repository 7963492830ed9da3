//! G-21 in the audit: a snapshot policy with one statement iamc cannot read is read leniently,
//! so its other statements still decide. The case of issue 16: an inline `Deny s3:*` on every
//! user, in a policy whose second statement (an Allow) has `NumericLessThan` on `"abc"`. A
//! strict reader dropped the whole policy and every S3 call the Deny refuses became an allow;
//! now each stays denied (the Deny reads fine) or is indeterminate, never allowed.

use std::path::PathBuf;

use iamc_audit::{run, Options};

fn shared() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn g21_a_policy_with_one_bad_statement_still_denies() {
    let src = repo().join("corpus/audit/account-details.json");
    let mut snap: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&src).expect("snapshot")).expect("JSON");
    let policy = serde_json::json!({
        "PolicyName": "deny-s3",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Sid": "DenyS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},
            {"Sid": "Odd", "Effect": "Allow", "Action": "ec2:DescribeInstances", "Resource": "*",
             "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "abc"}}}
        ]}
    });
    for u in snap["UserDetailList"].as_array_mut().expect("users") {
        u["UserPolicyList"]
            .as_array_mut()
            .expect("inline list")
            .push(policy.clone());
    }
    let dir = std::env::temp_dir().join(format!("iamc-lenient-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("account-details.json");
    std::fs::write(&path, serde_json::to_vec(&snap).expect("JSON")).expect("write");
    let o = Options {
        account_details: path,
        logs: vec![shared().join("corpus/cloudtrail")],
        json: true,
        progress: false,
        ..Options::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&o, &mut out, &mut err).expect("audit runs");
    let report = String::from_utf8_lossy(&err);
    // The opaque statement is reported, once per user that carries it.
    assert!(
        s.warnings.iter().any(|w| w.contains("opaque statement")),
        "{report}"
    );
    let users: Vec<String> = snap["UserDetailList"]
        .as_array()
        .expect("users")
        .iter()
        .filter_map(|u| u["Arn"].as_str().map(str::to_string))
        .collect();
    let mut s3_calls = 0;
    for line in String::from_utf8_lossy(&out).lines() {
        let e: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        let (Some(principal), Some(action)) = (e["principal"].as_str(), e["action"].as_str())
        else {
            continue;
        };
        if !users.iter().any(|u| u == principal) || !action.to_ascii_lowercase().starts_with("s3:")
        {
            continue;
        }
        s3_calls += 1;
        let before = e["before"].as_str().unwrap_or_default();
        assert!(
            before == "explicit_deny" || before == "indeterminate",
            "an S3 call the Deny refuses is {before}: {line}"
        );
    }
    assert!(s3_calls > 100, "only {s3_calls} S3 calls by snapshot users");
    std::fs::remove_dir_all(&dir).ok();
}

/// K-13, E-21 in the audit: CloudTrail does not record resource tags, so a proposed Deny on
/// `aws:ResourceTag/env` cannot be decided from the logs. Its calls become indeterminate (their
/// own count), never "nothing changes" and never a confident deny.
#[test]
fn k13_a_deny_on_resource_tags_is_indeterminate_not_absent() {
    let dir = std::env::temp_dir().join(format!("iamc-k13-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let proposed = dir.join("deny-prod.json");
    std::fs::write(
        &proposed,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*",
            "Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}"#,
    )
    .expect("write");
    let o = Options {
        account_details: repo().join("corpus/audit/account-details.json"),
        logs: vec![shared().join("corpus/cloudtrail")],
        proposed: vec![proposed],
        attach_to: vec!["all".into()],
        json: true,
        progress: false,
        ..Options::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&o, &mut out, &mut err).expect("audit runs");
    let report = String::from_utf8_lossy(&err);
    assert!(s.became_indeterminate > 100, "{report}");
    assert_eq!(
        s.after[3],
        s.before[3] + s.became_indeterminate - s.was_indeterminate
    );
    // No S3 call is confidently newly denied by a condition the logs cannot show.
    assert!(
        s.newly_denied
            .values()
            .flat_map(|t| t.keys())
            .all(|a| !a.to_ascii_lowercase().starts_with("s3:")),
        "{report}"
    );
    assert!(report.contains("indeterminate"), "{report}");
    std::fs::remove_dir_all(&dir).ok();
}
