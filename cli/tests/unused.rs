//! End-to-end tests of `iamc unused` and `iamc generate-policy` on the shared corpus: output
//! lines, tables, the proof, `iamc check` on the generated policy, exit statuses.

#![allow(clippy::panic, clippy::unwrap_used)]

mod support;

use std::path::PathBuf;

use serde_json::Value;

use support::{iamc, lines, shared};

fn s(p: PathBuf) -> String {
    p.display().to_string()
}

fn logs() -> String {
    s(shared().join("corpus/cloudtrail"))
}

fn details() -> String {
    s(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/audit/account-details.json"))
}

fn service_reference() -> String {
    s(shared().join("corpus/service-reference/iam-service-reference.json"))
}

fn temp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("iamc-unused-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    s(dir.join(name))
}

#[test]
fn unused_lines_principals_statements_then_summary() {
    let sr = service_reference();
    let out = iamc(&[
        "unused",
        "--account-details",
        &details(),
        "--logs",
        &logs(),
        "--service-reference",
        &sr,
        "--top",
        "5",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let ls = lines(&out);
    let principals: Vec<&Value> = ls.iter().filter(|l| l.get("principal").is_some()).collect();
    let statements: Vec<&Value> = ls.iter().filter(|l| l.get("statement").is_some()).collect();
    assert_eq!(principals.len(), 17);
    assert!(statements.len() > 10);
    let summary = &ls.last().unwrap()["summary"];
    assert_eq!(summary["principals"], 17);
    assert!(summary["events"]["decided"].as_u64().unwrap() > 20_000);
    // Order: principals, statements, summary.
    assert!(ls[..17].iter().all(|l| l.get("principal").is_some()));
    // Capped lists state their full count.
    let bert = principals
        .iter()
        .find(|p| p["principal"] == "arn:aws:iam::123837392027:user/bert-jan")
        .unwrap();
    assert_eq!(bert["used"]["list"].as_array().unwrap().len(), 5);
    assert!(bert["used"]["count"].as_u64().unwrap() > 100);
    let unused_allowed = bert["unused"]["allowed"]["count"].as_u64().unwrap();
    assert_eq!(
        unused_allowed + bert["used"]["count"].as_u64().unwrap()
            - bert["used_not_granted"]["count"].as_u64().unwrap(),
        bert["granted"]["allowed"].as_u64().unwrap()
            + bert["granted"]["conditional"].as_u64().unwrap()
            - bert["unused"]["conditional"]["count"].as_u64().unwrap()
    );
    assert!(bert["by_service"]["s3"]["List"]["used"].as_u64().unwrap() > 0);
    // A statement that decided calls, and one that decided none.
    let admin = statements
        .iter()
        .find(|l| l["statement"]["policy"] == "managed:arn:aws:iam::aws:policy/AdministratorAccess")
        .unwrap();
    assert!(admin["decided"].as_u64().unwrap() > 1000);
    assert!(admin["last_used"].is_string());
    assert!(statements
        .iter()
        .any(|l| l["used"] == false && l["decided"] == 0));
    let n_unused = statements.iter().filter(|l| l["used"] == false).count();
    assert_eq!(summary["statements_unused"]["count"], n_unused);
    assert!(
        summary["statements_unused"]["list"]
            .as_array()
            .unwrap()
            .len()
            <= 5
    );
    assert!(err.contains("statements never decided a call"), "{err}");
}

#[test]
fn unused_table() {
    let sr = service_reference();
    let out = iamc(&[
        "unused",
        "--account-details",
        &details(),
        "--logs",
        &logs(),
        "--service-reference",
        &sr,
        "--format",
        "table",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.starts_with("principal "), "{t}");
    assert!(
        t.contains("arn:aws:iam::123456789123:user/pedro — used 22 actions:"),
        "{t}"
    );
    assert!(t.contains("statements never used:"), "{t}");
    assert!(
        t.contains("managed:arn:aws:iam::aws:policy/AdministratorAccess#0"),
        "{t}"
    );
}

#[test]
fn unused_unusable_input_is_status_2_naming_the_file() {
    let out = iamc(&[
        "unused",
        "--account-details",
        "/nonexistent/details.json",
        "--logs",
        &logs(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/details.json"));
    let bad = temp("bad.json");
    std::fs::write(&bad, "{\"UserDetailList\": [").unwrap();
    let out = iamc(&["unused", "--account-details", &bad, "--logs", &logs()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&bad));
}

#[test]
fn generate_policy_is_proved_and_passes_check() {
    for p in [
        "arn:aws:iam::123456789123:user/pedro",
        "arn:aws:iam::123837392027:user/benjamin",
        "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0",
    ] {
        let file = temp(&format!("{}.json", p.rsplit('/').next().unwrap()));
        let out = iamc(&[
            "generate-policy",
            "--logs",
            &logs(),
            "--principal",
            p,
            "--account-details",
            &details(),
            "-o",
            &file,
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{p}: {err}");
        let proved = err
            .lines()
            .find(|l| l.starts_with("proved: "))
            .unwrap_or_else(|| panic!("{err}"));
        let n: Vec<&str> = proved.split(' ').collect();
        assert_eq!(n[1], n[3], "{proved}");
        let policy: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        assert_eq!(policy["Version"], "2012-10-17");
        // `iamc check` (embedded catalog) and with the service reference: no error.
        for extra in [vec![], vec!["--catalog".to_string(), service_reference()]] {
            let mut args = vec!["check".to_string(), file.clone(), "--json".into()];
            args.extend(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let c = iamc(&args);
            assert_eq!(
                c.status.code(),
                Some(0),
                "{p}: {}",
                String::from_utf8_lossy(&c.stdout)
            );
            let summary = lines(&c).pop().unwrap();
            assert_eq!(summary["summary"]["errors"], 0, "{summary}");
        }
    }
    // pedro on stdout, without the snapshot.
    let out = iamc(&[
        "generate-policy",
        "--logs",
        &logs(),
        "--principal",
        "arn:aws:iam::123456789123:user/pedro",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let policy: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!policy["Statement"].as_array().unwrap().is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("proved: 87 of 87 successful calls allowed")
    );
}

#[test]
fn generate_policy_not_proved_is_status_1_and_no_calls_status_2() {
    // kms:Decrypt succeeded in CloudTrail, but no key policy is in the inputs: not provable.
    let out = iamc(&[
        "generate-policy",
        "--logs",
        &logs(),
        "--principal",
        "arn:aws:iam::342082656213:user/FalsimentisRoot",
        "--account-details",
        &details(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("NOT proved: 1172 of 1738"), "{err}");
    assert!(err.contains("566 of the 566 not allowed"), "{err}");
    let out = iamc(&[
        "generate-policy",
        "--logs",
        &logs(),
        "--principal",
        "arn:aws:iam::111122223333:user/nobody",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no successful call"));
}

/// `--json`: one line with the policy and the proof, the failures capped with their count.
#[test]
fn generate_policy_json_line_carries_the_policy_and_the_proof() {
    let out = iamc(&[
        "generate-policy",
        "--logs",
        &logs(),
        "--principal",
        "arn:aws:iam::342082656213:user/FalsimentisRoot",
        "--account-details",
        &details(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let v: serde_json::Value = serde_json::from_str(lines[0]).expect("one JSON line");
    assert_eq!(v["proof"]["proved"], false);
    assert_eq!(v["proof"]["allowed"], 1172);
    assert_eq!(v["proof"]["of"], 1738);
    assert_eq!(v["proof"]["failures"].as_array().map(Vec::len), Some(20));
    assert_eq!(v["proof"]["failures_omitted"], 566 - 20);
    assert_eq!(v["calls"], 1738);
    assert!(v["policy"]["Statement"]
        .as_array()
        .is_some_and(|s| !s.is_empty()));
    let out = iamc(&[
        "generate-policy",
        "--logs",
        &logs(),
        "--principal",
        "arn:aws:iam::123456789123:user/pedro",
        "--account-details",
        &details(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).expect("one JSON line");
    assert_eq!(v["proof"]["proved"], true);
    assert_eq!(v["proof"]["allowed"], v["proof"]["of"]);
    assert_eq!(v["proof"]["failures_omitted"], 0);
}
