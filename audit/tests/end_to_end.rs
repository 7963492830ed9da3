//! End to end: the shared corpus's CloudTrail logs replayed against `corpus/audit/`'s snapshot
//! (every principal of the logs, policies that allow and deny) with the README's change
//! (RDSDenyDelete + BlockMostAccessUnlessSignedInWithMFA attached to everyone); damaged input
//! (truncated gzip, malformed record, non-UTF-8 byte) is counted unreadable and the run goes on.

use std::io::Write;
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

fn opts(logs: Vec<PathBuf>) -> Options {
    let audit = repo().join("corpus/audit");
    Options {
        account_details: audit.join("account-details.json"),
        logs,
        proposed: vec![
            audit.join("RDSDenyDelete.json"),
            audit.join("BlockMostAccessUnlessSignedInWithMFA.json"),
        ],
        attach_to: vec!["all".into()],
        service_reference: Some(
            shared().join("corpus/service-reference/iam-service-reference.json"),
        ),
        json: true,
        ..Options::default()
    }
}

fn lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8(out.to_vec())
        .expect("output is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("output lines are JSON"))
        .collect()
}

#[test]
fn corpus_replay_counts_add_up_and_known_events_change() {
    let o = opts(vec![shared().join("corpus/cloudtrail")]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&o, &mut out, &mut err).unwrap();
    let report = String::from_utf8_lossy(&err);
    // Every record of the three files (24,379 + 2,319 + 103) is read; each is decided, or
    // counted as not decided (duplicate event id, not an authorization request).
    assert_eq!(s.read, 26_801, "{report}");
    assert_eq!(
        s.read,
        s.decided + s.unreadable + s.not_request + s.duplicates
    );
    assert!(s.adds_up());
    assert_eq!(s.unreadable, 0, "{report}");
    assert_eq!(s.before.iter().sum::<u64>(), s.decided);
    assert_eq!(s.after.iter().sum::<u64>(), s.decided);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let all = lines(&out);
    let summary = &all.last().unwrap()["summary"];
    assert_eq!(summary["read"], 26_801);
    assert_eq!(summary["decided"], s.decided);
    assert_eq!(summary["changed"], s.changed);
    let events = &all[..all.len() - 1];
    assert_eq!(events.len() as u64, s.decided);
    let find = |id: &str| events.iter().find(|e| e["event_id"] == id).unwrap();
    let changed = events.iter().filter(|e| e["changed"] == true).count() as u64;
    assert_eq!(changed, s.changed);
    // bert-jan (admins group, long-term keys) deleting an RDS instance: allowed now, denied
    // by RDSDenyDelete (first applicable Deny in canonical order) with the change.
    let del = events
        .iter()
        .find(|e| {
            e["action"] == "rds:DeleteDBInstance"
                && e["principal"] == "arn:aws:iam::123837392027:user/bert-jan"
        })
        .unwrap();
    assert_eq!(del["before"], "allow");
    assert_eq!(del["after"], "explicit_deny");
    assert!(del["after_by"]["policy"]
        .as_str()
        .unwrap()
        .ends_with("RDSDenyDelete.json"));
    // The same user's GetCallerIdentity: the MFA policy would deny it, but the call needs no
    // permission (E-20): allowed before and after, by the built-in rule.
    let gci = find("c51ec284-c59d-4e86-8dc2-a81867b807be");
    assert_eq!(gci["before"], "allow");
    assert_eq!(gci["after"], "allow");
    assert!(gci["after_by"]["policy"].as_str().unwrap().contains("E-20"));
    // pedro signed in with MFA (console session): nothing of his changes.
    let pedro: Vec<_> = events
        .iter()
        .filter(|e| e["principal"] == "arn:aws:iam::123456789123:user/pedro")
        .collect();
    assert_eq!(pedro.len(), 87);
    assert!(pedro
        .iter()
        .all(|e| e["changed"] == false && e["before"] == "allow"));
    // jmerckle's observed AccessDenied on EC2 is predicted by his inline Deny.
    let jm: Vec<_> = events
        .iter()
        .filter(|e| {
            e["principal"] == "arn:aws:iam::342082656213:user/jmerckle"
                && e["action"] == "ec2:DescribeInstances"
        })
        .collect();
    assert_eq!(jm.len(), 1);
    assert_eq!(jm[0]["before"], "explicit_deny");
    assert_eq!(jm[0]["observed_denied"], true);
    // The change breaks calls and allows nothing new.
    assert!(!s.newly_denied.is_empty());
    assert!(s.newly_allowed.is_empty());
    assert!(report.contains("newly denied"), "{report}");
}

#[test]
fn replace_swaps_a_managed_policy_wherever_it_is_attached() {
    // AdministratorAccess (attached to the admins group, a user and a role) replaced by a copy
    // that denies rds:Delete*: only admins' RDS deletes change, nothing is newly allowed.
    let mut o = opts(vec![shared().join("corpus/cloudtrail")]);
    o.proposed = vec![repo().join("corpus/audit/AdministratorAccessWithoutRdsDelete.json")];
    o.attach_to = vec![];
    o.replace = Some("AdministratorAccess".into());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&o, &mut out, &mut err).unwrap();
    let report = String::from_utf8_lossy(&err);
    assert_eq!(s.read, 26_801, "{report}");
    assert!(s.adds_up());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let all = lines(&out);
    let events = &all[..all.len() - 1];
    let changed: Vec<_> = events.iter().filter(|e| e["changed"] == true).collect();
    assert!(!changed.is_empty());
    assert_eq!(changed.len() as u64, s.changed);
    for e in &changed {
        assert!(
            e["action"].as_str().unwrap().starts_with("rds:Delete"),
            "{e}"
        );
        assert_eq!(e["before"], "allow");
        assert_eq!(e["after"], "explicit_deny");
        assert_eq!(e["after_by"]["sid"], "NoRdsDelete");
    }
    assert!(changed
        .iter()
        .any(|e| e["principal"] == "arn:aws:iam::123837392027:user/bert-jan"));
    // The same admin's other calls keep their decision (no MFA policy in this change).
    let gci = events
        .iter()
        .find(|e| e["event_id"] == "c51ec284-c59d-4e86-8dc2-a81867b807be")
        .unwrap();
    assert_eq!(gci["changed"], false);
    assert!(s.newly_allowed.is_empty());
    // A name nobody has is reported, and changes nothing.
    let mut o2 =
        opts(vec![shared().join(
            "corpus/cloudtrail/otrf-ec2-proxy-s3-exfiltration.jsonl.gz",
        )]);
    o2.proposed = o.proposed.clone();
    o2.attach_to = vec![];
    o2.replace = Some("NoSuchPolicy".into());
    let s2 = run(&o2, &mut Vec::new(), &mut Vec::new()).unwrap();
    assert_eq!(s2.changed, 0);
    assert!(
        s2.warnings
            .iter()
            .any(|w| w.contains("--replace NoSuchPolicy")),
        "{:?}",
        s2.warnings
    );
}

#[test]
fn a_large_json_lines_file_is_decided_in_blocks_with_exact_line_numbers() {
    // ~5 MB of JSON lines in one .jsonl.gz (several blocks decided in parallel), a malformed
    // line deep inside and a blank line: every line is accounted for, at its own number.
    let dir = std::env::temp_dir().join(format!("iamc-audit-lines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut body = String::new();
    let n = 8_000;
    for i in 1..=n {
        if i == 6_543 {
            body.push_str("{\"eventID\": oops\n");
        } else if i == 100 {
            body.push('\n');
        } else {
            body.push_str(&format!(
                r#"{{"eventID":"e{i}","eventTime":"2023-07-10T11:42:23Z","eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance","awsRegion":"us-east-1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}},"requestParameters":{{"dBInstanceIdentifier":"db{i}"}},"pad":"{}"}}"#,
                "x".repeat(400)
            ));
            body.push('\n');
        }
    }
    assert!(body.len() > 4 << 20);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(body.as_bytes()).unwrap();
    std::fs::write(dir.join("big.jsonl.gz"), gz.finish().unwrap()).unwrap();
    let o = opts(vec![dir.clone()]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&o, &mut out, &mut err).unwrap();
    let report = String::from_utf8_lossy(&err).to_string();
    assert_eq!(s.read, n as u64 - 1, "{report}");
    assert_eq!(s.decided, n as u64 - 2, "{report}");
    assert_eq!(s.unreadable, 1);
    let u = &s.unreadable_list[0];
    assert_eq!(u.position, "line 6543", "{report}");
    assert!(u.reason.contains("malformed"), "{report}");
    let all = lines(&out);
    let ids: std::collections::HashSet<&str> =
        all.iter().filter_map(|e| e["event_id"].as_str()).collect();
    assert_eq!(ids.len(), n - 2);
    assert!(ids.contains("e1") && ids.contains(&*format!("e{n}")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_json_file_without_records_is_read_as_json_lines() {
    let dir = std::env::temp_dir().join(format!("iamc-audit-notrecords-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ev = |id: &str| {
        format!(
            r#"{{"eventID":"{id}","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}}}}"#
        )
    };
    let mut bytes = format!("{}\n{}\n", ev("x1"), ev("x2")).into_bytes();
    bytes.extend_from_slice(ev("x3").replace("x3", "x\u{e9}").as_bytes());
    let at = bytes.windows(2).position(|w| w == [0xC3, 0xA9]).unwrap();
    bytes[at] = 0xFF;
    std::fs::write(dir.join("export.json"), &bytes).unwrap();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&opts(vec![dir.clone()]), &mut out, &mut err).unwrap();
    let report = String::from_utf8_lossy(&err).to_string();
    assert_eq!((s.read, s.decided, s.unreadable), (3, 2, 1), "{report}");
    assert_eq!(s.unreadable_list[0].position, "line 3");
    assert!(
        s.unreadable_list[0]
            .reason
            .contains(&format!("UTF-8 at byte {at}")),
        "{report}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn damaged_input_is_counted_and_the_run_goes_on() {
    let dir = std::env::temp_dir().join(format!("iamc-audit-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rec = |id: &str| {
        format!(
            r#"{{"eventID":"{id}","eventTime":"2023-07-10T11:42:23Z","eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance","awsRegion":"us-east-1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}},"requestParameters":{{"dBInstanceIdentifier":"db1"}}}}"#
        )
    };
    // 1. A Records file with a malformed record (eventTime is a number) and a non-UTF-8 byte.
    let mut good = format!("{{\"Records\":[{},{},", rec("a1"), rec("a2"));
    good.push_str(r#"{"eventID":"bad","eventTime":5,"userIdentity":{}},"#);
    let mut bytes = good.into_bytes();
    bytes.extend_from_slice(rec("a4").replace("db1", "db\u{e9}").as_bytes());
    let n = bytes.len();
    // Corrupt the é (0xC3 0xA9) into a lone 0xFF.
    let at = bytes.windows(2).position(|w| w == [0xC3, 0xA9]).unwrap();
    bytes[at] = 0xFF;
    bytes[at + 1] = b'x';
    assert_eq!(bytes.len(), n);
    bytes.extend_from_slice(format!(",{}]}}", rec("a5")).as_bytes());
    std::fs::write(dir.join("records.json"), &bytes).unwrap();
    // 2. A truncated .json.gz: 200 records, gzip cut in the middle.
    let body = format!(
        "{{\"Records\":[{}]}}",
        (0..200)
            .map(|i| rec(&format!("t{i}")))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(body.as_bytes()).unwrap();
    let gz = gz.finish().unwrap();
    std::fs::write(dir.join("cut.json.gz"), &gz[..gz.len() / 2]).unwrap();
    // 3. JSON lines with a malformed line.
    std::fs::write(
        dir.join("lines.jsonl"),
        format!("{}\n{{\"eventID\":\n{}\n", rec("l1"), rec("l3")),
    )
    .unwrap();
    let o = opts(vec![dir.clone()]);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(&o, &mut out, &mut err).unwrap();
    let report = String::from_utf8_lossy(&err).to_string();
    assert_eq!(s.read, s.decided + s.unreadable, "{report}");
    // records.json: 4 decided (a1 a2 a4? no: a4 has the bad byte) → a1, a2, a5 decided;
    // "bad" malformed and a4 non-UTF-8 unreadable.
    let reasons: Vec<String> = s
        .unreadable_list
        .iter()
        .map(|u| format!("{}: {}: {}", u.file, u.position, u.reason))
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("records.json")
            && r.contains("record 2")
            && r.contains("malformed")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("records.json") && r.contains("record 3") && r.contains("UTF-8")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("lines.jsonl") && r.contains("line 2")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("cut.json.gz") && r.contains("unreadable from here on")),
        "{reasons:?}"
    );
    assert!(
        s.file_errors.iter().any(|e| e.contains("cut.json.gz")),
        "{:?}",
        s.file_errors
    );
    // Some of the truncated file's records were decided before the cut.
    let all = lines(&out);
    let ids: Vec<&str> = all.iter().filter_map(|e| e["event_id"].as_str()).collect();
    assert!(
        ids.contains(&"a1") && ids.contains(&"a5") && ids.contains(&"l1") && ids.contains(&"l3")
    );
    assert!(ids.iter().any(|i| i.starts_with('t')));
    assert_eq!(s.unreadable, 4, "{report}");
    // Every decided event is the RDS delete, newly denied.
    assert!(all[..all.len() - 1]
        .iter()
        .all(|e| e["after"] == "explicit_deny" && e["before"] == "allow"));
    std::fs::remove_dir_all(&dir).ok();
}
