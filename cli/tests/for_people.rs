//! The CLI as a new user meets it: one exit-status convention for every command, the
//! `eval` table, bulk runs without policies, the summary's file count, principal keys derived
//! from the principal ARN (K-7), and every command's `--help` stating its exit status.

#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

mod support;

use std::path::PathBuf;

use support::{iamc, lines as json_lines, repo, temp_file, text};

const ALLOW_S3: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Sid":"ReadAll","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
    {"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

fn request(id: &str, action: &str, expect: &str) -> String {
    format!(
        r#"{{"id":"{id}","principal":"{ALICE}","action":"{action}","resource":"arn:aws:s3:::b/k","expect":"{expect}"}}"#
    )
}

/// One convention: 1 for a disagreement, 2 for input that cannot be used, in `eval`
/// (scenario and bulk mode), `compile` and `audit` alike.
#[test]
fn exit_status_is_one_convention_across_commands() {
    let policy = temp_file("policy.json", ALLOW_S3);
    let p = policy.to_str().unwrap();
    // A disagreement: 1.
    let reqs = temp_file(
        "reqs.jsonl",
        &request("r1", "s3:GetObject", "implicit_deny"),
    );
    let out = iamc(&[
        "eval",
        "--policies",
        p,
        "--requests",
        reqs.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Agreement: 0.
    let reqs = temp_file("reqs.jsonl", &request("r1", "s3:GetObject", "allow"));
    let out = iamc(&[
        "eval",
        "--policies",
        p,
        "--requests",
        reqs.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Input errors: 2.
    let bad_line = temp_file("bad.jsonl", "{not json\n");
    let missing = "/nonexistent/iamc/file.json";
    let bad_json = temp_file("bad.json", "{");
    for args in [
        vec!["eval", "--scenarios", missing],
        vec!["eval", "--scenarios", bad_json.to_str().unwrap()],
        vec![
            "eval",
            "--policies",
            missing,
            "--requests",
            reqs.to_str().unwrap(),
        ],
        vec!["eval", "--policies", p, "--requests", missing],
        vec![
            "eval",
            "--policies",
            p,
            "--requests",
            bad_line.to_str().unwrap(),
        ],
        vec![
            "eval",
            "--policies",
            p,
            "--requests",
            reqs.to_str().unwrap(),
            "--rcp-services",
            missing,
        ],
        vec!["compile", missing],
        vec!["compile", "--manifest", missing],
        vec!["audit", "--account-details", missing, "--logs", missing],
        vec!["eval", "--no-such-flag"],
    ] {
        let out = iamc(&args);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // compile: a policy error (what compile judges) stays 1.
    let bad_policy = temp_file(
        "badpolicy.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}"#,
    );
    let out = iamc(&["compile", bad_policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
}

/// `audit`: changed decisions are the findings (1); the same replay without a change is 0.
#[test]
fn audit_exits_1_when_the_change_alters_decisions() {
    let audit = repo().join("corpus/audit");
    let record = r#"{"eventID":"e1","eventSource":"s3.amazonaws.com","eventName":"DeleteObject","awsRegion":"us-east-1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"},"requestParameters":{"bucketName":"b","key":"k"}}"#;
    let logs = temp_file("trail.json", &format!(r#"{{"Records":[{record}]}}"#));
    let deny = temp_file(
        "deny.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#,
    );
    let base = [
        "audit",
        "--account-details",
        audit.join("account-details.json").to_str().unwrap(),
        "--logs",
        logs.to_str().unwrap(),
        "--summary-only",
        "--no-progress",
    ]
    .map(String::from);
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = base.to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        iamc(&args)
    };
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = run(&["--proposed", deny.to_str().unwrap(), "--attach-to", "all"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("DeleteObject"),
        "{}",
        text(&out.stderr)
    );
}

/// Every command's `--help` states its exit status.
#[test]
fn every_help_states_the_exit_status() {
    for cmd in ["eval", "check", "compile", "audit", "inspect"] {
        let out = iamc(&[cmd, "--help"]);
        let help = text(&out.stdout);
        assert!(
            help.contains("Exit status") || help.contains("exits 2"),
            "{cmd}:\n{help}"
        );
    }
    let help = text(&iamc(&["eval", "--help"]).stdout);
    assert!(help.contains("2 a usage error"), "{help}");
}

/// `eval --format table`: one row per decision with the deciding policy's name and Sid;
/// the JSON default is unchanged and names the policy in `deciding.name`.
#[test]
fn eval_table_names_the_deciding_policy_and_sid() {
    let policy = temp_file("policy.json", ALLOW_S3);
    let p = policy.to_str().unwrap();
    let reqs = temp_file(
        "reqs.jsonl",
        &[
            request("read", "s3:GetObject", "allow"),
            request("delete", "s3:DeleteObject", "allow"),
            request("put", "s3:PutObject", "implicit_deny"),
        ]
        .join("\n"),
    );
    let r = reqs.to_str().unwrap();
    let out = iamc(&[
        "eval",
        "--policies",
        p,
        "--requests",
        r,
        "--format",
        "table",
    ]);
    assert_eq!(out.status.code(), Some(1), "the delete disagrees");
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    for h in [
        "id",
        "principal",
        "action",
        "resource",
        "decision",
        "deciding",
    ] {
        assert!(lines[0].contains(h), "{stdout}");
    }
    let row = |id: &str| *lines.iter().find(|l| l.starts_with(id)).unwrap();
    assert!(
        row("read").contains(&format!("{p} Sid \"ReadAll\"")),
        "{stdout}"
    );
    assert!(
        row("read").contains(ALICE) && row("read").contains("allow"),
        "{stdout}"
    );
    assert!(
        row("delete").contains("explicit_deny (expected allow)")
            && row("delete").contains("Sid \"NoDelete\""),
        "{stdout}"
    );
    assert!(row("put").contains("implicit_deny") && row("put").trim_end().ends_with('-'));
    // The summary's disagreement names the deciding policy too.
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "expected allow, got explicit_deny by {p} Sid \"NoDelete\""
        )),
        "{err}"
    );
    // The columns line up: "decision" starts where each row's decision does.
    let col = lines[0].find("decision").unwrap();
    assert_eq!(&row("read")[col..col + 5], "allow", "{stdout}");

    let out = iamc(&["eval", "--policies", p, "--requests", r]);
    let json = json_lines(&out);
    let keys: Vec<&str> = json[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in ["scenario", "id", "decision", "deciding", "expect", "agrees"] {
        assert!(keys.contains(&k), "{keys:?}");
    }
    assert_eq!(json[0]["deciding"]["name"], p);
    assert_eq!(json[0]["deciding"]["sid"], "ReadAll");
}

/// `eval --requests` without any policy is an input error, not "result: ok" against an
/// empty set.
#[test]
fn eval_requests_without_policies_is_an_input_error() {
    let reqs = temp_file("reqs.jsonl", &request("r", "s3:GetObject", "implicit_deny"));
    let out = iamc(&["eval", "--requests", reqs.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("needs policies") && !err.contains("result: ok"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// The summary counts one requests file as one file, and the policy files apart.
#[test]
fn eval_summary_counts_files() {
    let policies: Vec<PathBuf> = (0..3).map(|_| temp_file("p.json", ALLOW_S3)).collect();
    let reqs = temp_file(
        "reqs.jsonl",
        &(0..4)
            .map(|i| request(&format!("r{i}"), "s3:GetObject", "allow"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let mut args = vec![
        "eval",
        "--json-summary",
        "--requests",
        reqs.to_str().unwrap(),
        "--policies",
    ];
    args.extend(policies.iter().map(|p| p.to_str().unwrap()));
    let out = iamc(&args);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("4 request(s) from 1 file(s), policies from 3 file(s)"),
        "{err}"
    );
    let lines = json_lines(&out);
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["files"], 1);
    assert_eq!(summary["policy_files"], 3);
}

/// K-7: `${aws:username}` in a Resource works in bulk mode without spelling the key out
/// (derived from the principal ARN, on by default there), and not with
/// `--derive-principal-keys=false` (K-1: the runtime uses only what the request says).
/// A key the request gives wins. Scenario files derive nothing unless asked. Both engines.
#[test]
fn derived_principal_keys_resolve_aws_username() {
    let policy = temp_file(
        "home.json",
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"Home","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"},
            {"Sid":"UsersOnly","Effect":"Deny","Action":"s3:GetObject","Resource":"*",
             "Condition":{"StringNotEquals":{"aws:PrincipalType":"User"}}}]}"#,
    );
    let p = policy.to_str().unwrap();
    let line = |id: &str, principal: &str, resource: &str, context: &str| {
        format!(
            r#"{{"id":"{id}","principal":"{principal}","action":"s3:GetObject","resource":"{resource}","context":{context}}}"#
        )
    };
    let reqs = temp_file(
        "reqs.jsonl",
        &[
            line("own", ALICE, "arn:aws:s3:::home/alice/f", "{}"),
            line("other", ALICE, "arn:aws:s3:::home/bob/f", "{}"),
            line(
                "given_wins",
                ALICE,
                "arn:aws:s3:::home/bob/f",
                r#"{"aws:username":"bob"}"#,
            ),
            line(
                "role",
                "arn:aws:sts::111122223333:assumed-role/Admin/alice",
                "arn:aws:s3:::home/alice/f",
                "{}",
            ),
        ]
        .join("\n"),
    );
    let r = reqs.to_str().unwrap();
    for engine in ["compiled", "reference"] {
        let out = iamc(&["eval", "--policies", p, "--requests", r, "--engine", engine]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let lines = json_lines(&out);
        let decision = |id: &str| {
            lines.iter().find(|l| l["id"] == id).unwrap()["decision"]
                .as_str()
                .unwrap()
                .to_string()
        };
        assert_eq!(decision("own"), "allow", "{engine}");
        assert_eq!(decision("other"), "implicit_deny", "{engine}");
        assert_eq!(decision("given_wins"), "allow", "{engine}");
        // A role session has no aws:username and is of type AssumedRole: denied.
        assert_eq!(decision("role"), "explicit_deny", "{engine}");
        assert!(text(&out.stderr).contains("principal keys derived"));

        let out = iamc(&[
            "eval",
            "--policies",
            p,
            "--requests",
            r,
            "--engine",
            engine,
            "--derive-principal-keys=false",
        ]);
        let lines = json_lines(&out);
        let own = lines.iter().find(|l| l["id"] == "own").unwrap();
        // Without the derived keys: no username, and the StringNotEquals on the absent
        // PrincipalType is true (C-3), so the Deny decides.
        assert_eq!(own["decision"], "explicit_deny", "{engine}");
    }

    // Scenario files: off by default, on with the flag.
    let scenario = temp_file(
        "scenario.json",
        &format!(
            r#"{{"identity_policies":[{}],"requests":[{{"id":"own","principal":"{ALICE}",
                "action":"s3:GetObject","resource":"arn:aws:s3:::home/alice/f"}}]}}"#,
            std::fs::read_to_string(&policy).unwrap()
        ),
    );
    let s = scenario.to_str().unwrap();
    let out = iamc(&["eval", "--scenarios", s]);
    assert_eq!(json_lines(&out)[0]["decision"], "explicit_deny");
    let out = iamc(&["eval", "--scenarios", s, "--derive-principal-keys"]);
    assert_eq!(
        json_lines(&out)[0]["decision"],
        "allow",
        "{}",
        text(&out.stderr)
    );
}
