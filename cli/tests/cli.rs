//! End-to-end tests of the `iamc` binary: exit statuses, output lines, error messages.

#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

fn iamc(args: &[&str]) -> Output {
    match Command::new(env!("CARGO_BIN_EXE_iamc")).args(args).output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run iamc: {e}"),
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh file in the temp folder with `content`, named `<stem>-<pid>-<n>.<ext>`.
fn temp_file(name: &str, content: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, "json"));
    let path = std::env::temp_dir().join(format!(
        "iamc-cli-{stem}-{}-{}.{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    if let Err(e) = std::fs::write(&path, content) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

fn assert_no_panic(out: &Output) {
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "iamc panicked:\n{err}");
    assert_ne!(out.status.code(), Some(101), "iamc panicked:\n{err}");
}

#[test]
fn default_example_runs_and_agrees() {
    let out = iamc(&["eval"]);
    assert_no_panic(&out);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() >= 8, "{stdout}");
    let mut seen = std::collections::HashSet::new();
    for l in &lines {
        for key in [
            "scenario", "index", "id", "decision", "expect", "engine", "deciding",
        ] {
            assert!(l.get(key).is_some(), "missing {key}: {l}");
        }
        assert_eq!(l["agrees"], true, "{l}");
        assert_eq!(l["engine"], "compiled");
        seen.insert(l["decision"].as_str().unwrap_or("").to_string());
    }
    // The example shows all three outcomes (E-1).
    assert_eq!(seen.len(), 3, "{seen:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains("0 disagree"), "{stderr}");
}

#[test]
fn json_summary_is_the_last_line() {
    let out = iamc(&["eval", "--json-summary"]);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let last = stdout.lines().last().unwrap_or("");
    let v: Value = serde_json::from_str(last).unwrap_or(Value::Null);
    assert_eq!(v["summary"]["disagree"], 0, "{last}");
    assert_eq!(v["summary"]["ok"], true, "{last}");
}

#[test]
fn a_disagreement_fails() {
    let file = temp_file(
        "wrong.json",
        r#"{"scenarios":[{"name":"wrong","identity_policies":[
             {"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}],
           "requests":[{"id":"r1","principal":"arn:aws:iam::111122223333:user/a",
                        "action":"s3:GetObject","resource":"arn:aws:s3:::b/k","expect":"allow"}]}]}"#,
    );
    let path = file.display().to_string();
    let out = iamc(&["eval", "--scenarios", &path]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let line: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap_or(Value::Null);
    assert_eq!(line["decision"], "explicit_deny");
    assert_eq!(line["agrees"], false);
    assert_eq!(line["deciding"]["kind"], "identity");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            r#"{path}: scenario "wrong" request 0 (id "r1"): expected allow, got explicit_deny"#
        )),
        "{stderr}"
    );
    let _ = std::fs::remove_file(file);
}

#[test]
fn malformed_scenario_file_names_the_path_and_other_files_still_run() {
    let bad = temp_file(
        "bad.json",
        r#"{"scenarios":[{"name":"b","identity_policies":[{"Version":"2012-10-17",
              "Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                           "Condition":{"StringLik":{"aws:username":"a"}}}}],
            "requests":[{"principal":"p","action":"s3:GetObject","expect":"allow",
                         "context":{"aws:username":"a","AWS:USERNAME":"b"}}]}]}"#,
    );
    let good = temp_file(
        "good.json",
        r#"[{"requests":[{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject",
              "expect":"implicit_deny"}]}]"#,
    );
    let (bad_path, good_path) = (bad.display().to_string(), good.display().to_string());
    let out = iamc(&["eval", "--scenarios", &bad_path, &good_path]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "{bad_path}: scenarios[0].identity_policies[0]: $.Statement.Condition.StringLik: unknown condition operator"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            r#"{bad_path}: $.scenarios[0].requests[0].context["AWS:USERNAME"]: context key"#
        )),
        "{stderr}"
    );
    // The good file was still evaluated.
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "{}",
        text(&out.stdout)
    );

    for content in ["", "{", "[1,2]", "{\"scenarios\":7}", &"[".repeat(50_000)] {
        let f = temp_file("junk.json", content);
        let p = f.display().to_string();
        let out = iamc(&["eval", "--scenarios", &p]);
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            text(&out.stderr).contains(&format!("{p}: $")),
            "{}",
            text(&out.stderr)
        );
        let _ = std::fs::remove_file(f);
    }
    let out = iamc(&["eval", "--scenarios", "/nonexistent/iamc/x.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("/nonexistent/iamc/x.json: $: cannot read"));
    let _ = std::fs::remove_file(bad);
    let _ = std::fs::remove_file(good);
}

#[test]
fn check_names_the_path_of_each_problem() {
    let bad = temp_file(
        "policy.json",
        r#"{"Version":"2012-10-17","Statement":[
             {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
             {"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"}}}]}"#,
    );
    let good = temp_file(
        "ok.json",
        r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
    );
    let (bad_path, good_path) = (bad.display().to_string(), good.display().to_string());
    let out = iamc(&["check", &bad_path, &good_path]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!(
            r#"{bad_path}: $.Statement[1].Condition.NumericLessThan["aws:MultiFactorAuthAge"][0]: error:"#
        )) || stdout.contains(&format!(
            r#"{bad_path}: $.Statement[1].Condition.NumericLessThan["aws:MultiFactorAuthAge"]: error:"#
        )),
        "{stdout}"
    );
    // G-2: the good file has no Version: a warning, not an error.
    assert!(
        stdout.contains(&format!("{good_path}: $: warning:")),
        "{stdout}"
    );

    let out = iamc(&["check", "--json", &bad_path, &good_path]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect();
    assert!(lines
        .iter()
        .any(|l| l["file"] == bad_path.as_str() && l["severity"] == "error"));
    assert!(lines.iter().any(|l| l["file"] == good_path.as_str()
        && l["severity"] == "warning"
        && l["path"] == "$"));
    let summary = &lines[lines.len() - 1]["summary"];
    assert_eq!(summary["files_with_errors"], 1, "{summary}");

    // Only the good file: success.
    let out = iamc(&["check", &good_path]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    // The same document as a resource policy lacks a Principal (G-11).
    let out = iamc(&["check", "--kind", "resource", &good_path]);
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_file(bad);
    let _ = std::fs::remove_file(good);
}

#[test]
fn usage_errors_exit_2() {
    let out = iamc(&["eval", "--engine", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let out = iamc(&["check"]);
    assert_eq!(out.status.code(), Some(2));
}
