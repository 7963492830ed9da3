//! `iamc audit` gives the same result from any working directory (issue 17): the action table
//! is built into the binary, not looked up relative to the working directory.
#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

mod support;

use std::path::PathBuf;
use std::process::Command;

use support::shared;

#[test]
fn audit_results_do_not_depend_on_the_working_directory() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap();
    let logs = shared()
        .join("corpus/cloudtrail/invictus-ir-stratus.json.gz")
        .canonicalize()
        .unwrap();
    let summary = |cwd: &std::path::Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_iamc"))
            .current_dir(cwd)
            .env_remove("IAMC_SHARED")
            .args(["audit", "--account-details"])
            .arg(repo.join("corpus/audit/account-details.json"))
            .arg("--logs")
            .arg(&logs)
            .args(["--summary-only", "--json", "--no-progress"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        let s = v["summary"].as_object_mut().unwrap();
        for k in ["seconds", "events_per_second", "files_counts"] {
            s.remove(k);
        }
        v
    };
    let at_repo = summary(&repo);
    let elsewhere = summary(&std::env::temp_dir());
    assert_eq!(at_repo, elsewhere);
    // The table was used: few unknown actions, never "not checked".
    assert!(
        at_repo["summary"]["approximate_by"]["unknown_action"]
            .as_u64()
            .unwrap()
            < 10
    );
}
