//! End-to-end tests of the `iamc` binary: exit statuses, output lines, error messages.

#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

mod support;

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use support::{assert_no_panic, iamc, lines as json_lines, shared, temp_file, text};

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
    assert_eq!(out.status.code(), Some(2));
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
        assert_eq!(out.status.code(), Some(2));
        assert!(
            text(&out.stderr).contains(&format!("{p}: $")),
            "{}",
            text(&out.stderr)
        );
        let _ = std::fs::remove_file(f);
    }
    let out = iamc(&["eval", "--scenarios", "/nonexistent/iamc/x.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
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

const BULK_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:List*"],
     "Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]},
    {"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}"#;

#[test]
fn compile_reports_statement_counts() {
    let policy = temp_file("compile.json", BULK_POLICY);
    let path = policy.to_str().unwrap();
    let out = iamc(&["compile", path]);
    assert_no_panic(&out);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    assert!(stdout.contains("statements:         2"), "{stdout}");
    assert!(stdout.contains("policies:           1"), "{stdout}");

    let out = iamc(&["compile", "--json", path]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let v: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(v["statements"], 2);
    assert_eq!(v["policies"], 1);
    assert_eq!(v["exact_actions"], 1);
    assert_eq!(v["wildcard_actions"], 2);
    assert_eq!(v["resource_patterns"]["any"], 1);
}

#[test]
fn compile_of_a_bad_file_exits_1_naming_the_path() {
    let good = temp_file("compile-good.json", BULK_POLICY);
    let bad = temp_file(
        "compile-bad.json",
        r#"{"Statement":[{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let out = iamc(&["compile", good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{}: $.Statement[0].Effect:", bad.display())),
        "{stderr}"
    );
    assert!(text(&out.stdout).is_empty(), "nothing compiled");
}

#[test]
fn compile_reads_named_jsonl_policies() {
    let file = temp_file(
        "managed.jsonl",
        &format!(
            "{{\"name\":\"A\",\"arn\":\"x\",\"document\":{}}}\n\n{}\n",
            BULK_POLICY.replace('\n', ""),
            BULK_POLICY.replace('\n', "")
        ),
    );
    let out = iamc(&["compile", "--json", file.to_str().unwrap()]);
    assert!(out.status.success(), "stderr:\n{}", text(&out.stderr));
    let v: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(v["policies"], 2);
    assert_eq!(v["statements"], 4);
}

const BULK_REQUESTS: &str = concat!(
    r#"{"id":"get","principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","expect":"allow"}"#,
    "\n",
    r#"{"id":"broken","principal":"#,
    "\n",
    r#"{"id":"del","principal":"arn:aws:iam::111122223333:user/a","action":"s3:DeleteObject","resource":"arn:aws:s3:::b/k"}"#,
    "\n",
);

#[test]
fn bulk_eval_decides_each_line_and_fails_on_a_malformed_one() {
    let policy = temp_file("bulk-policy.json", BULK_POLICY);
    let requests = temp_file("bulk-requests.jsonl", BULK_REQUESTS);
    let out = iamc(&[
        "eval",
        "--policies",
        policy.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
    ]);
    assert_no_panic(&out);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr:\n{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["id"], "get");
    assert_eq!(lines[0]["decision"], "allow");
    assert_eq!(lines[0]["agrees"], true);
    assert_eq!(lines[0]["deciding"]["sid"], "Read");
    assert_eq!(lines[1]["id"], "del");
    assert_eq!(lines[1]["decision"], "explicit_deny");
    assert_eq!(lines[1]["deciding"]["sid"], "NoDelete");
    assert!(lines[1].get("expect").is_none());
    assert_eq!(
        lines[0]["scenario"],
        Value::String(requests.display().to_string())
    );
    assert!(
        stderr.contains(&format!("{}:2: ", requests.display())),
        "the bad line is named: {stderr}"
    );
    assert!(stderr.contains("malformed request lines: 1"), "{stderr}");
}

#[test]
fn bulk_eval_with_both_engines_agrees() {
    let policy = temp_file("bulk-both-policy.json", BULK_POLICY);
    let good: String = BULK_REQUESTS
        .lines()
        .filter(|l| !l.contains("broken"))
        .map(|l| format!("{l}\n"))
        .collect();
    let requests = temp_file("bulk-both-requests.jsonl", &good);
    let out = iamc(&[
        "eval",
        "--engine",
        "both",
        "--policies",
        policy.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
    ]);
    assert_no_panic(&out);
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "stderr:\n{stderr}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4, "two requests, two engines");
    for pair in lines.chunks(2) {
        assert_eq!(pair[0]["engine"], "compiled");
        assert_eq!(pair[1]["engine"], "reference");
        assert_eq!(pair[0]["decision"], pair[1]["decision"]);
        assert_eq!(pair[0]["deciding"], pair[1]["deciding"]);
    }
    assert!(stderr.contains("0 disagree"), "{stderr}");
}

/// The audit run in a pseudo-terminal (stderr is a terminal, so the progress bar draws from a
/// worker thread): it must finish. It used to deadlock for ever because the main thread held
/// the stderr lock for the whole run. `script` (util-linux) gives the pty; the child is killed
/// after 120 s so a regression fails instead of hanging the suite.
#[test]
fn audit_in_a_terminal_finishes() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let shared = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo.join("../shared"));
    let logs = shared.join("corpus/cloudtrail");
    assert!(logs.exists(), "shared corpus missing: {}", logs.display());
    let audit = repo.join("corpus/audit");
    for extra in ["", " --no-progress"] {
        let cmd = format!(
            "{} audit --account-details {} --logs {} --proposed {} --attach-to all --summary-only{extra}",
            env!("CARGO_BIN_EXE_iamc"),
            audit.join("account-details.json").display(),
            logs.display(),
            audit.join("RDSDenyDelete.json").display(),
        );
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run script(1) for a pty: {e}"));
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > std::time::Duration::from_secs(120) {
                let _ = child.kill();
                panic!("iamc audit in a terminal{extra} did not finish in 120 s (deadlock)");
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let mut transcript = String::new();
        if let Some(mut o) = child.stdout.take() {
            use std::io::Read;
            let _ = o.read_to_string(&mut transcript);
        }
        // RDSDenyDelete attached to everyone changes decisions: the findings, exit 1.
        assert_eq!(status.code(), Some(1), "exit {status}:\n{transcript}");
        assert!(
            transcript.contains("26801") || transcript.contains("26,801"),
            "{transcript}"
        );
    }
}

/// E-10 on the command line: `--rcp` levels in bulk mode, the default service list (sns is
/// not covered), `--rcp-services` (sns only), and the list printed in the summary. E-20: the
/// built-in rule is named in the JSON `deciding` and counted in the summary.
#[test]
fn e10_rcp_services_and_e20_builtin_on_the_command_line() {
    let allow = temp_file(
        "e10-allow.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let rcp = temp_file(
        "e10-rcp.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["s3:*","sns:*","sts:*"],"Resource":"*"}]}"#,
    );
    let requests = temp_file(
        "e10-requests.jsonl",
        concat!(
            r#"{"id":"sns","principal":"arn:aws:iam::111122223333:user/a","action":"sns:Publish","resource":"arn:aws:sns:us-east-1:111122223333:t"}"#,
            "\n",
            r#"{"id":"s3","principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}"#,
            "\n",
            r#"{"id":"gci","principal":"arn:aws:iam::111122223333:user/a","action":"sts:GetCallerIdentity"}"#,
            "\n",
        ),
    );
    let services = temp_file("e10-services.txt", "# only sns\nsns\n");
    let base = [
        "eval",
        "--policies",
        allow.to_str().unwrap(),
        "--rcp",
        rcp.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
    ];
    let decisions = |out: &Output| -> Vec<String> {
        json_lines(out)
            .iter()
            .map(|l| l["decision"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    let out = iamc(&base);
    assert_no_panic(&out);
    assert_eq!(decisions(&out), ["allow", "explicit_deny", "allow"]);
    let lines = json_lines(&out);
    assert_eq!(lines[2]["deciding"]["kind"], "builtin");
    assert_eq!(lines[2]["deciding"]["rule"], "E-20");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("RCP services (E-10): s3, sts, kms, sqs, secretsmanager, ecr, aoss"),
        "{stderr}"
    );
    assert!(stderr.contains("built-in rule E-20"), "{stderr}");
    let mut with_list = base.to_vec();
    with_list.extend(["--rcp-services", services.to_str().unwrap()]);
    let out = iamc(&with_list);
    assert_eq!(decisions(&out), ["explicit_deny", "allow", "allow"]);
    assert!(text(&out.stderr).contains("RCP services (E-10): sns\n"));
    // A bad list is refused, naming the file.
    let bad = temp_file("e10-bad.txt", "s3:GetObject\n");
    let mut with_bad = base.to_vec();
    with_bad.extend(["--rcp-services", bad.to_str().unwrap()]);
    let out = iamc(&with_bad);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not a service prefix"));
}

/// V-3 on the command line: every AWS managed policy compiles (1,594, among them one with a
/// variable in a KMS key ARN's account field), and `check` warns about that variable.
#[test]
fn v3_managed_policies_compile_and_check_warns() {
    let shared = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let managed = shared.join("corpus/managed-policies/aws-managed-policies.jsonl");
    let out = iamc(&["compile", "--json", managed.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(v["policies"], 1594);
    let policy = temp_file(
        "v3.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:*:kms:*:${aws:PrincipalAccount}:key/*"}]}"#,
    );
    let out = iamc(&["check", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("region or account field"), "{all}");
}

/// Run `iamc args` with a time bound and a 2 GB address-space cap (`ulimit -v`), so that a
/// regression that hangs or grows without bound fails the test instead of the machine.
/// Returns the output, or panics naming `what` when the time runs out.
fn iamc_bounded(args: &[&str], secs: u64, what: &str) -> Output {
    use std::io::Read;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 2000000; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_iamc"))
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run iamc: {e}"));
    // Drain both pipes on threads: a full pipe would block the child and look like a hang.
    let mut so = child.stdout.take().unwrap();
    let mut se = child.stderr.take().unwrap();
    let ho = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = so.read_to_end(&mut v);
        v
    });
    let he = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = se.read_to_end(&mut v);
        v
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(secs) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: iamc did not finish in {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    Output {
        status,
        stdout: ho.join().unwrap(),
        stderr: he.join().unwrap(),
    }
}

/// A fresh empty folder in the temp folder.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "iamc-cli-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A FIFO at `path` (`mkfifo`; std has no mkfifo).
fn mkfifo(path: &std::path::Path) {
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success(), "mkfifo {}", path.display());
}

/// Write `data` into the FIFO `path` from a detached thread, then keep it open (no end of
/// input) for two minutes: a reader that waits for the end hangs, one with a bound does not.
fn feed_fifo_and_hold(path: PathBuf, data: Vec<u8>) {
    std::thread::spawn(move || {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&path) {
            let _ = f.write_all(&data);
            std::thread::sleep(std::time::Duration::from_secs(120));
        }
    });
}

fn audit_args(logs: &[&str]) -> Vec<String> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let audit = repo.join("corpus/audit");
    let mut v: Vec<String> = vec![
        "audit".into(),
        "--account-details".into(),
        audit.join("account-details.json").display().to_string(),
        "--json".into(),
        "--summary-only".into(),
        "--no-progress".into(),
        "--logs".into(),
    ];
    v.extend(logs.iter().map(|s| s.to_string()));
    v
}

const AUDIT_RECORD: &str = r#"{"eventID":"e1","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}}"#;

fn last_summary(out: &Output) -> Value {
    let stdout = text(&out.stdout);
    let last = stdout.lines().last().unwrap_or("{}");
    serde_json::from_str::<Value>(last).unwrap_or_else(|e| panic!("{e}: {stdout}"))["summary"]
        .clone()
}

/// A FIFO named `*.json` and a link to `/dev/zero` named `z.jsonl` in a log folder are
/// reported and not read (they used to hang the run, or grow without end).
#[test]
fn audit_reports_fifos_and_devices_in_a_log_folder_and_finishes() {
    let d = temp_dir("audit-fifo");
    std::fs::write(
        d.join("good.json"),
        format!(r#"{{"Records":[{AUDIT_RECORD}]}}"#),
    )
    .unwrap();
    mkfifo(&d.join("pipe.json"));
    std::os::unix::fs::symlink("/dev/zero", d.join("z.jsonl")).unwrap();
    let args = audit_args(&[d.to_str().unwrap()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = iamc_bounded(&args, 60, "audit of a folder with a FIFO and /dev/zero");
    assert_no_panic(&out);
    let s = last_summary(&out);
    assert_eq!(s["read"], 1, "{}", text(&out.stderr));
    assert_eq!(s["decided"], 1);
    let skipped = s["skipped"].to_string();
    assert!(
        skipped.contains("pipe.json") && skipped.contains("not a regular file"),
        "{s}"
    );
    assert!(skipped.contains("z.jsonl"), "{s}");
    std::fs::remove_dir_all(&d).ok();
}

/// `/dev/zero` named explicitly (through a link called `z.jsonl`) is refused with an error
/// naming it, at once: it is neither a file nor a pipe.
#[test]
fn audit_refuses_a_device_named_explicitly() {
    let d = temp_dir("audit-zero");
    let z = d.join("z.jsonl");
    std::os::unix::fs::symlink("/dev/zero", &z).unwrap();
    let args = audit_args(&[z.to_str().unwrap()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = iamc_bounded(&args, 60, "audit of /dev/zero named z.jsonl");
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let s = last_summary(&out);
    assert_eq!(s["read"], 0);
    let errors = s["file_errors"].to_string();
    assert!(
        errors.contains("z.jsonl") && errors.contains("character device"),
        "{s}"
    );
    std::fs::remove_dir_all(&d).ok();
}

/// `iamc check` reads at most the policy limit (1 MiB) and refuses, naming the limit: a pipe
/// that never ends after 2 MiB does not keep it waiting.
#[test]
fn check_stops_reading_at_the_policy_limit() {
    let d = temp_dir("check-fifo");
    let p = d.join("policy.json");
    mkfifo(&p);
    feed_fifo_and_hold(p.clone(), vec![b' '; 2 << 20]);
    let out = iamc_bounded(
        &["check", p.to_str().unwrap()],
        60,
        "check of an endless pipe",
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("policy.json") && stdout.contains("limit of 1048576"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&d).ok();
}

/// `iamc compile` of a `.jsonl` whose line passes the line limit (2 MiB) stops at that line.
#[test]
fn compile_stops_at_a_jsonl_line_over_the_limit() {
    let d = temp_dir("compile-fifo");
    let p = d.join("policies.jsonl");
    mkfifo(&p);
    feed_fifo_and_hold(p.clone(), vec![b'x'; 3 << 20]);
    let out = iamc_bounded(
        &["compile", p.to_str().unwrap()],
        60,
        "compile of an endless line",
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("policies.jsonl:1") && stderr.contains("limit of 2097152"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&d).ok();
}

/// `iamc eval --requests` with a line over the request-line limit (16 MiB): that line is
/// reported with the limit, skipped without being held in memory, and the next one decided.
#[test]
fn eval_requests_reports_a_line_over_the_limit_and_goes_on() {
    let d = temp_dir("eval-long");
    let policy = d.join("p.json");
    std::fs::write(
        &policy,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    )
    .unwrap();
    let req = r#"{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}"#;
    let mut body = format!(
        r#"{{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"{}"}}"#,
        "x".repeat(17 << 20)
    );
    body.push('\n');
    body.push_str(req);
    body.push('\n');
    let requests = d.join("requests.jsonl");
    std::fs::write(&requests, body).unwrap();
    let out = iamc_bounded(
        &[
            "eval",
            "--requests",
            requests.to_str().unwrap(),
            "--policies",
            policy.to_str().unwrap(),
        ],
        60,
        "eval of a long request line",
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("requests.jsonl:1") && stderr.contains("limit of 16777216"),
        "{stderr}"
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["decision"], "allow");
    std::fs::remove_dir_all(&d).ok();
}

// ---- issue 16: --explain and --lenient ----

const MFA_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[
 {"Sid":"NeedsMfa","Effect":"Allow","Action":"s3:GetObject","Resource":"*",
  "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
 {"Sid":"Young","Effect":"Allow","Action":"s3:PutObject","Resource":"*",
  "Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#;

fn request_line(id: &str, action: &str, context: &str) -> String {
    format!(
        r#"{{"id":"{id}","principal":"arn:aws:iam::111122223333:user/a","action":"{action}","resource":"arn:aws:s3:::b/k","resource_account":"111122223333","context":{context}}}"#
    )
}

fn by_id<'a>(lines: &'a [Value], id: &str) -> &'a Value {
    lines
        .iter()
        .find(|l| l["id"] == id)
        .unwrap_or_else(|| panic!("no line {id}"))
}

#[test]
fn explain_names_the_failed_condition_and_why() {
    let policy = temp_file("mfa.json", MFA_POLICY);
    let requests = temp_file(
        "req.jsonl",
        &[
            request_line("absent", "s3:GetObject", "{}"),
            request_line(
                "differs",
                "s3:GetObject",
                r#"{"aws:MultiFactorAuthPresent":"false"}"#,
            ),
            request_line(
                "unparseable",
                "s3:PutObject",
                r#"{"aws:MultiFactorAuthAge":"soon"}"#,
            ),
            request_line(
                "allowed",
                "s3:GetObject",
                r#"{"aws:MultiFactorAuthPresent":"true"}"#,
            ),
        ]
        .join("\n"),
    );
    let (p, r) = (policy.to_str().unwrap(), requests.to_str().unwrap());
    let out = iamc(&["eval", "--policies", p, "--requests", r, "--explain"]);
    assert_no_panic(&out);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let failed = |id: &str| by_id(&lines, id)["explain"]["near_misses"][0]["failed"].clone();
    assert_eq!(failed("absent")["why"], "key_absent");
    assert_eq!(failed("absent")["key"], "aws:MultiFactorAuthPresent");
    assert_eq!(failed("differs")["why"], "value_differs");
    assert_eq!(failed("differs")["request_values"][0], "false");
    assert_eq!(failed("unparseable")["why"], "value_unparseable");
    assert_eq!(failed("unparseable")["unparseable"], "soon");
    let miss = &by_id(&lines, "absent")["explain"]["near_misses"][0];
    assert_eq!(miss["sid"], "NeedsMfa");
    assert_eq!(miss["name"], p);
    // The deciding statement is named by policy name (old fields kept).
    let allowed = by_id(&lines, "allowed");
    assert_eq!(allowed["deciding"]["name"], p);
    assert_eq!(allowed["deciding"]["sid"], "NeedsMfa");
    assert_eq!(allowed["deciding"]["policy"], 0);
    assert_eq!(allowed["explain"]["deciding"]["sid"], "NeedsMfa");
    // The readable trace goes to stderr.
    let err = text(&out.stderr);
    assert!(err.contains(r#"(id "absent")"#), "{err}");
    assert!(
        err.contains(r#"near miss: "#) && err.contains("Sid \"NeedsMfa\" (Allow): Bool"),
        "{err}"
    );
    assert!(err.contains("key absent"), "{err}");
    assert!(
        err.contains("does not parse as the operator's type (C-17)"),
        "{err}"
    );

    // Without --explain nothing is explained.
    let plain = iamc(&["eval", "--policies", p, "--requests", r]);
    assert!(!text(&plain.stdout).contains("\"explain\""));
    assert!(!text(&plain.stderr).contains("near miss"));

    // --explain=text: the trace on stdout, no JSON lines.
    let t = iamc(&["eval", "--policies", p, "--requests", r, "--explain=text"]);
    let stdout = text(&t.stdout);
    assert!(stdout.contains("value differs"), "{stdout}");
    assert!(!stdout.contains("{\"file\""), "{stdout}");
}

#[test]
fn explain_says_the_boundary_does_not_allow() {
    let admin = temp_file(
        "admin.json",
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow",
            "Action":"*","Resource":"*"}]}"#,
    );
    let boundary = temp_file(
        "boundary.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*",
            "Resource":"*"}]}"#,
    );
    let requests = temp_file("req.jsonl", &request_line("s3", "s3:GetObject", "{}"));
    let out = iamc(&[
        "eval",
        "--policies",
        admin.to_str().unwrap(),
        "--boundary",
        boundary.to_str().unwrap(),
        "--requests",
        requests.to_str().unwrap(),
        "--explain",
    ]);
    assert_no_panic(&out);
    let lines = json_lines(&out);
    let e = &by_id(&lines, "s3")["explain"];
    assert_eq!(lines[0]["decision"], "implicit_deny");
    assert_eq!(e["missing"][0]["what"], "boundary", "{e}");
    let err = text(&out.stderr);
    assert!(
        err.contains("missing: the permissions boundary does not allow it (E-17)"),
        "{err}"
    );
}

#[test]
fn explain_lists_the_unknowns_of_indeterminate_cases_and_counts_opaque_statements() {
    let cases = shared().join("spec/cases-next/unknowns.json");
    let out = iamc(&[
        "eval",
        "-s",
        cases.to_str().unwrap(),
        "--explain",
        "--json-summary",
    ]);
    assert_no_panic(&out);
    let lines = json_lines(&out);
    let tag = by_id(&lines, "e21_deny_unknown");
    assert_eq!(tag["decision"], "indeterminate");
    assert_eq!(
        tag["explain"]["unknowns"]["keys"][0], "aws:ResourceTag/stage",
        "{tag}"
    );
    let mut indeterminate = 0;
    for l in lines.iter().filter(|l| l["decision"] == "indeterminate") {
        indeterminate += 1;
        assert_eq!(l["explain"]["unknowns"], l["depends_on"], "{l}");
    }
    assert!(indeterminate > 0);
    let summary = &lines[lines.len() - 1]["summary"];
    assert!(
        summary["opaque_statements"].as_u64().unwrap() > 0,
        "{summary}"
    );
    assert_eq!(
        summary["indeterminate_possible"]["allow"].as_u64().unwrap() > 0,
        indeterminate > 0
    );
    let err = text(&out.stderr);
    assert!(err.contains("  opaque statements: "), "{err}");
    assert!(err.contains("unknown keys: aws:ResourceTag/stage"), "{err}");
}

#[test]
fn bulk_lenient_keeps_the_deny_and_makes_unreadable_documents_indeterminate() {
    // Issue 16's example: a Deny s3:* beside an Allow whose NumericLessThan value is "abc".
    let deny = temp_file(
        "deny.json",
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"DenyS3","Effect":"Deny","Action":"s3:*","Resource":"*"},
            {"Sid":"Odd","Effect":"Allow","Action":"ec2:*","Resource":"*",
             "Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":"abc"}}}]}"#,
    );
    let admin = temp_file(
        "admin.json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    );
    let broken = temp_file("broken.json", "not json at all");
    let requests = temp_file(
        "req.jsonl",
        &[
            request_line("s3", "s3:GetObject", "{}"),
            request_line("iam", "iam:ListUsers", "{}"),
        ]
        .join("\n"),
    );
    let (d, a, b, r) = (
        deny.to_str().unwrap(),
        admin.to_str().unwrap(),
        broken.to_str().unwrap(),
        requests.to_str().unwrap(),
    );
    // Strict (the default): the files fail to load, nothing is decided.
    let strict = iamc(&["eval", "--policies", a, d, "--requests", r]);
    assert_eq!(strict.status.code(), Some(2));
    assert!(text(&strict.stdout).is_empty());

    let out = iamc(&[
        "eval",
        "--policies",
        a,
        d,
        b,
        "--requests",
        r,
        "--lenient",
        "--json-summary",
    ]);
    assert_no_panic(&out);
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    let lines = json_lines(&out);
    assert_eq!(by_id(&lines, "s3")["decision"], "explicit_deny");
    assert_eq!(by_id(&lines, "s3")["deciding"]["sid"], "DenyS3");
    // The unreadable document may deny anything: never a silent allow.
    let iam = by_id(&lines, "iam");
    assert_eq!(iam["decision"], "indeterminate", "{iam}");
    assert_eq!(iam["depends_on"]["opaque"][0]["name"], b);
    let summary = &lines[lines.len() - 1]["summary"];
    assert_eq!(summary["opaque_statements"], 2, "{summary}");
    assert_eq!(summary["decisions"]["allow"], 0, "{summary}");
    assert_eq!(summary["decisions"]["indeterminate"], 1, "{summary}");
    // Each opaque statement reported once, with file, JSON path and rule.
    assert_eq!(err.matches("opaque statement (").count(), 2, "{err}");
    assert!(
        err.contains(&format!("{d}: $.Statement[1]: opaque statement (G-18)")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{b}: $: opaque statement (")),
        "{err}"
    );
    assert!(err.contains("  opaque statements: 2"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Issue 19: check inputs, the embedded catalog, codes and spans, closed stdout, exit statuses
// ---------------------------------------------------------------------------------------------

fn iamc_stdin(args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_iamc"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // iamc may stop reading early (the policy limit): a broken pipe here is expected.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// 19.1: `.jsonl` (bare documents and `{"name","document"}` lines), get-role-policy output
/// (object and URL-encoded), get-policy-version output and `-` for standard input.
#[test]
fn check_reads_jsonl_inline_policy_output_and_stdin() {
    let jsonl = temp_file(
        "policies.jsonl",
        concat!(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
            "\n\n",
            r#"{"name":"Named","document":{"Version":"2012-10-17","Statement":{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}}}"#,
            "\n"
        ),
    );
    let out = iamc(&["check", "--json", jsonl.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let jsonl_name = jsonl.display().to_string();
    let e = &lines[0];
    assert_eq!(e["file"], format!("{jsonl_name}:3"), "{e}");
    assert_eq!(e["path"], "$.document.Statement.Effect", "{e}");
    assert_eq!(e["code"], "INVALID_EFFECT", "{e}");
    assert_eq!(e["line"], 3, "{e}");
    assert_eq!(lines.last().unwrap()["summary"]["documents"], 2);

    let role = temp_file(
        "role.json",
        r#"{"RoleName":"r","PolicyName":"p","PolicyDocument":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}}"#,
    );
    let out = iamc(&["check", role.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let encoded = temp_file(
        "user.json",
        r#"{"UserName":"u","PolicyName":"p","PolicyDocument":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Alow%22%2C%22Action%22%3A%22s3%3AGetObject%22%2C%22Resource%22%3A%22*%22%7D%7D"}"#,
    );
    let out = iamc(&["check", encoded.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("INVALID_EFFECT"),
        "{}",
        text(&out.stdout)
    );
    let bad_wrapper = temp_file(
        "group.json",
        r#"{"GroupName":"g","PolicyName":"p","PolicyDocument":7}"#,
    );
    let out = iamc(&["check", bad_wrapper.to_str().unwrap()]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("$.PolicyDocument"),
        "{}",
        text(&out.stdout)
    );
    let version = temp_file(
        "version.json",
        "{\"PolicyVersion\":{\"VersionId\":\"v1\",\"Document\":\n  {\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:GetObjekt\",\"Resource\":\"*\"}}}}",
    );
    let out = iamc(&["check", "--json", version.to_str().unwrap()]);
    let lines = json_lines(&out);
    assert_eq!(lines[0]["code"], "UNKNOWN_ACTION", "{:?}", lines);
    assert_eq!(lines[0]["line"], 2, "{:?}", lines);

    let out = iamc_stdin(
        &["check", "-"],
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Alow","Action":"s3:GetObject","Resource":"*"}}"#,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("<stdin>: $.Statement.Effect: error:"),
        "{}",
        text(&out.stdout)
    );
    for f in [jsonl, role, encoded, bad_wrapper, version] {
        let _ = std::fs::remove_file(f);
    }
}

/// 19.1: standard input keeps the 1 MiB policy bound.
#[test]
fn check_stdin_stops_at_the_policy_limit() {
    let big = " ".repeat(2 << 20);
    let out = iamc_stdin(&["check", "--json", "-"], &big);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["code"], "DOCUMENT_TOO_LARGE", "{:?}", lines);
}

/// 19.2: the embedded catalog flags a misspelt action and key by default; --no-catalog skips
/// them, --catalog replaces the catalog, --deny-warnings fails the run; codes, severities,
/// rules and spans.
#[test]
fn check_uses_the_embedded_catalog_with_codes_and_spans() {
    let p = temp_file(
        "typos.json",
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\n  \"Action\":\"s3:GetObjekt\",\"Resource\":\"*\",\n  \"Condition\":{\"StringEquals\":{\"aws:usrname\":\"x\"}}}]}",
    );
    let path = p.to_str().unwrap();
    let out = iamc(&["check", "--json", path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out);
    let action = lines
        .iter()
        .find(|l| l["code"] == "UNKNOWN_ACTION")
        .unwrap();
    assert_eq!(action["severity"], "warning");
    assert_eq!(action["rule"], "A-1");
    assert_eq!(action["path"], "$.Statement[0].Action");
    assert_eq!(
        (action["line"].as_u64(), action["column"].as_u64()),
        (Some(2), Some(12))
    );
    let key = lines
        .iter()
        .find(|l| l["code"] == "UNKNOWN_CONDITION_KEY")
        .unwrap();
    assert_eq!(key["line"], 3, "{key}");
    assert!(
        key["message"].as_str().unwrap().contains("aws:username"),
        "{key}"
    );

    let out = iamc(&["check", path]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("[UNKNOWN_ACTION]") && stdout.contains("(line 2, column 12)"),
        "{stdout}"
    );

    let out = iamc(&["check", "--deny-warnings", path]);
    assert_eq!(out.status.code(), Some(1));
    let out = iamc(&["check", "--no-catalog", "--deny-warnings", path]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let tiny = temp_file("catalog.json", r#"{"s3":{"actions":{"GetObjekt":{}}}}"#);
    let out = iamc(&["check", "--json", "--catalog", tiny.to_str().unwrap(), path]);
    let lines = json_lines(&out);
    assert!(
        !lines.iter().any(|l| l["code"] == "UNKNOWN_ACTION"),
        "{lines:?}"
    );
    let out = iamc(&["check", "--catalog", "/nonexistent/catalog.json", path]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_file(p);
    let _ = std::fs::remove_file(tiny);
}

/// The embedded catalog knows what the full service reference knows (actions, key types) when
/// the shared corpus is there (`iamc-catalog`'s `embedded_copy_matches_the_service_reference`
/// compares the whole model).
#[test]
fn embedded_catalog_matches_the_service_reference() {
    let shared = std::env::var_os("IAMC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"));
    let full = shared.join("corpus/service-reference/iam-service-reference.json");
    if !full.exists() {
        eprintln!("skipped: no {}", full.display());
        return;
    }
    let full = iamc_compiler::check::Catalog::load(&full).unwrap();
    let embedded = iamc::check::embedded_catalog().unwrap();
    let mut a: Vec<String> = full.actions().map(|a| a.to_lowercase()).collect();
    let mut b: Vec<String> = embedded.actions().map(|a| a.to_lowercase()).collect();
    a.sort();
    b.sort();
    assert!(
        a == b,
        "the embedded catalog is out of date: run catalog/generate.py"
    );
    assert_eq!(full.service_count(), embedded.service_count());
    for k in [
        "s3:x-amz-acl",
        "aws:TagKeys",
        "ec2:ResourceTag/Name",
        "iam:PassedToService",
    ] {
        assert_eq!(full.key_info(k), embedded.key_info(k), "{k}");
    }
}

/// 19.3: a closed stdout ends `inspect` (and every command) quietly with status 141.
#[test]
fn closed_stdout_ends_quietly() {
    use std::process::Stdio;
    let d = temp_dir("broken-pipe");
    let policy = d.join("p.json");
    std::fs::write(
        &policy,
        r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
    )
    .unwrap();
    let artifact = d.join("set.iamc");
    let out = iamc(&[
        "compile",
        policy.to_str().unwrap(),
        "-o",
        artifact.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for args in [
        vec!["inspect", artifact.to_str().unwrap()],
        // (no Version: a warning to print)
        vec!["check", policy.to_str().unwrap()],
        vec!["eval"],
    ] {
        // A pipe whose read end is closed before the child starts: its first write fails
        // (closing the reader after the spawn would race with a fast child).
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_iamc"))
            .args(&args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = text(&out.stderr);
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&d).ok();
}

/// 19.6: one exit-status convention, documented in --help: input errors are 2.
#[test]
fn exit_status_convention() {
    let out = iamc(&["--help"]);
    let help = text(&out.stdout);
    assert!(
        help.contains("Exit status") && help.contains("2    usage error"),
        "{help}"
    );
    let out = iamc(&["check", "/nonexistent/policy.json"]);
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stdout).contains("/nonexistent/policy.json"),
        "{}",
        text(&out.stdout)
    );
    let out = iamc(&["inspect", "/nonexistent/set.iamc"]);
    assert_eq!(out.status.code(), Some(2));
    let not_artifact = temp_file("not-an-artifact.iamc", "hello");
    let out = iamc(&["inspect", not_artifact.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_file(not_artifact);
}

/// 19.5: the README says how to install the binary.
#[test]
fn readme_has_install_instructions() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    assert!(
        readme.contains("cargo install --path cli"),
        "README has no install step"
    );
    assert!(
        readme.contains("Exit status"),
        "README has no exit-status section"
    );
}

/// `iamc audit --rcp/--proposed-rcp/--rcp-services/--resource-tags` reach the audit: a proposed
/// RCP denying `s3:GetObject` changes the admin's read, not when S3 is outside the RCP
/// services; a tags file that is not `get-resources` output is refused naming file and path.
#[test]
fn audit_rcp_and_resource_tags_options() {
    let d = temp_dir("audit-rcp");
    let rec = r#"{"eventID":"e2","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","recipientAccountId":"123837392027","requestParameters":{"bucketName":"b","key":"k"},"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}}"#;
    let logs = d.join("l.json");
    std::fs::write(&logs, format!(r#"{{"Records":[{rec}]}}"#)).unwrap();
    let rcp = d.join("rcp.json");
    std::fs::write(&rcp, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}"#).unwrap();
    let services = d.join("services.txt");
    std::fs::write(&services, "kms, sqs\n").unwrap();
    let tags = d.join("tags.json");
    std::fs::write(
        &tags,
        r#"{"ResourceTagMappingList":[{"ResourceARN":"arn:aws:s3:::b","Tags":{}}]}"#,
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = audit_args(&[logs.to_str().unwrap()]);
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        iamc_bounded(&args, 60, "audit with RCP options")
    };
    let out = run(&["--proposed-rcp", rcp.to_str().unwrap()]);
    assert_eq!(last_summary(&out)["changed"], 1, "{}", text(&out.stderr));
    let out = run(&["--rcp", rcp.to_str().unwrap()]);
    assert_eq!(
        last_summary(&out)["before"]["explicit_deny"],
        1,
        "{}",
        text(&out.stderr)
    );
    let out = run(&[
        "--proposed-rcp",
        rcp.to_str().unwrap(),
        "--rcp-services",
        services.to_str().unwrap(),
    ]);
    assert_eq!(last_summary(&out)["changed"], 0, "{}", text(&out.stderr));
    let out = run(&["--resource-tags", tags.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "unusable input");
    let err = text(&out.stderr);
    assert!(
        err.contains(tags.to_str().unwrap())
            && err.contains("$.ResourceTagMappingList[0].Tags: expected an array"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).ok();
}
