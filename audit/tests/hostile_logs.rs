//! Hostile and unlucky log sets (issue 18): every record is decided, reported unreadable or
//! stated in the summary — a second `Records` member, directory symlinks, oversized records
//! and lines, capped lists, objects that are not CloudTrail, a raw NUL in a Records array.
//! (FIFOs and `/dev/zero`, which could hang a broken build, are tested through the binary
//! with a timeout in `cli/tests/cli.rs`.)

#![allow(clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use iamc_audit::{run, Options, Stats};

fn shared() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn opts(logs: Vec<PathBuf>) -> Options {
    let audit = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus/audit");
    Options {
        account_details: audit.join("account-details.json"),
        logs,
        proposed: vec![audit.join("RDSDenyDelete.json")],
        attach_to: vec!["all".into()],
        service_reference: Some(
            shared().join("corpus/service-reference/iam-service-reference.json"),
        ),
        json: true,
        summary_only: true,
        ..Options::default()
    }
}

/// A fresh, empty temp folder.
fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "iamc-hostile-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn rec(id: &str) -> String {
    format!(
        r#"{{"eventID":"{id}","eventTime":"2023-07-10T11:42:23Z","eventSource":"rds.amazonaws.com","eventName":"DeleteDBInstance","awsRegion":"us-east-1","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}},"requestParameters":{{"dBInstanceIdentifier":"db1"}}}}"#
    )
}

/// Run the audit; the stats, the JSON summary and the human report.
fn audit(o: &Options) -> (Stats, serde_json::Value, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let s = run(o, &mut out, &mut err).unwrap();
    let report = String::from_utf8_lossy(&err).into_owned();
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().last().unwrap_or("{}");
    let summary = serde_json::from_str::<serde_json::Value>(last).unwrap()["summary"].clone();
    (s, summary, report)
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_second_records_member_is_read() {
    let d = temp_dir("dup");
    write(
        &d.join("split.json"),
        format!(
            r#"{{"Records":[{}],"Records":[{},{}]}}"#,
            rec("a1"),
            rec("b1"),
            rec("b2")
        )
        .as_bytes(),
    );
    let (s, _, report) = audit(&opts(vec![d.clone()]));
    assert_eq!((s.read, s.decided, s.unreadable), (3, 3, 0), "{report}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn directory_symlinks_are_not_followed_and_are_reported() {
    let d = temp_dir("links");
    let recs: Vec<String> = (0..10).map(|i| rec(&format!("r{i}"))).collect();
    write(
        &d.join("f.json"),
        format!(r#"{{"Records":[{}]}}"#, recs.join(",")).as_bytes(),
    );
    std::fs::create_dir_all(d.join("sub")).unwrap();
    // One link back up is enough to show the loop (the old walk read f.json 41 times; two
    // such links grow exponentially).
    std::os::unix::fs::symlink(".", d.join("self")).unwrap();
    // A link to a regular file is read (once, under its own name).
    std::os::unix::fs::symlink(d.join("f.json"), d.join("sub/g.json")).unwrap();
    let (s, summary, report) = audit(&opts(vec![d.clone()]));
    // Read twice (f.json and the link g.json), decided once: the second reading's event ids
    // are duplicates (issue 17).
    assert_eq!((s.read, s.decided, s.duplicates), (20, 10, 10), "{report}");
    let skipped = summary["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 1, "{summary}");
    assert!(
        skipped
            .iter()
            .all(|v| v.as_str().unwrap().contains("symbolic link to a directory")),
        "{summary}"
    );
    assert!(report.contains("not followed"), "{report}");
    std::fs::remove_dir_all(&d).ok();
}

/// A 9 MiB line (over the 8 MiB default) in a `.jsonl.gz` and a 9 MiB element of `Records`:
/// each is one unreadable record naming the limit; the records around them are decided.
#[test]
fn records_and_lines_over_the_size_limit_are_reported_and_skipped() {
    let d = temp_dir("big");
    let big = format!(
        r#"{{"eventID":"big","eventSource":"s3.amazonaws.com","eventName":"GetObject","pad":"{}"}}"#,
        "x".repeat(9 << 20)
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("{}\n{big}\n{}\n", rec("l1"), rec("l3")).as_bytes())
        .unwrap();
    write(&d.join("lines.jsonl.gz"), &gz.finish().unwrap());
    write(
        &d.join("records.json"),
        format!(r#"{{"Records":[{},{big},{}]}}"#, rec("r1"), rec("r3")).as_bytes(),
    );
    let (s, _, report) = audit(&opts(vec![d.clone()]));
    assert_eq!((s.read, s.decided, s.unreadable), (6, 4, 2), "{report}");
    let mut positions: Vec<&str> = s
        .unreadable_list
        .iter()
        .map(|u| u.position.as_str())
        .collect();
    positions.sort();
    let at = format!("record 1 (byte {})", 13 + rec("r1").len());
    assert_eq!(positions, ["line 2", at.as_str()], "{report}");
    assert!(
        s.unreadable_list
            .iter()
            .all(|u| u.reason.contains("limit of 8388608 bytes")),
        "{report}"
    );
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn capped_lists_state_the_full_count() {
    let d = temp_dir("caps");
    let bad: Vec<&str> = vec![r#"{"eventSource":"s3.amazonaws.com","eventTime":5}"#; 1_080];
    write(
        &d.join("bad.json"),
        format!(r#"{{"Records":[{}]}}"#, bad.join(",")).as_bytes(),
    );
    let mut logs = vec![d.clone()];
    logs.extend((0..1_500).map(|i| d.join(format!("missing-{i}.json"))));
    let (s, summary, report) = audit(&opts(logs));
    assert_eq!(s.unreadable, 1_080, "{report}");
    assert_eq!(summary["unreadable"], 1_080);
    assert_eq!(
        summary["unreadable_records"].as_array().unwrap().len(),
        1_000
    );
    assert_eq!(summary["unreadable_records_omitted"], 80, "{summary}");
    assert_eq!(summary["file_errors"].as_array().unwrap().len(), 1_000);
    assert_eq!(summary["file_errors_count"], 1_500, "{summary}");
    assert_eq!(summary["file_errors_omitted"], 500, "{summary}");
    assert!(report.contains("1500 file errors"), "{report}");
    assert!(report.contains("1060 more unreadable records"), "{report}");
    assert!(report.contains("first 1000 in --json"), "{report}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn objects_that_are_not_cloudtrail_are_not_decided() {
    let d = temp_dir("notct");
    for (i, t) in [
        "{}",
        r#"{"Records":null}"#,
        r#"{"Records":{}}"#,
        r#"{"Records":[{}]}"#,
    ]
    .iter()
    .enumerate()
    {
        write(&d.join(format!("f{i}.json")), t.as_bytes());
    }
    let (s, summary, report) = audit(&opts(vec![d.clone()]));
    assert_eq!(s.decided, 0, "{report}");
    // Each file is reported: as an unreadable record or a file error.
    let reported = s.unreadable_list.len() + s.file_errors.len();
    assert_eq!(reported, 4, "{report}\n{summary}");
    assert!(
        s.unreadable_list
            .iter()
            .all(|u| u.reason.contains("not a CloudTrail event")),
        "{report}"
    );
    assert!(
        s.file_errors
            .iter()
            .all(|e| e.contains("Records is not an array")),
        "{report}"
    );
    std::fs::remove_dir_all(&d).ok();
}

/// A raw NUL in a Records array: inside a record only that record is lost; between records
/// (where the array breaks off) the report says how many records follow unread.
#[test]
fn a_raw_nul_loses_only_what_it_must_and_says_how_many() {
    let d = temp_dir("nul");
    let inside = format!(
        r#"{{"Records":[{},{},{},{}]}}"#,
        rec("a1"),
        rec("a2").replace("db1", "db\0"),
        rec("a3"),
        rec("a4")
    );
    write(&d.join("inside.json"), inside.as_bytes());
    let (s, _, report) = audit(&opts(vec![d.join("inside.json")]));
    assert_eq!((s.read, s.decided, s.unreadable), (4, 3, 1), "{report}");
    assert_eq!(
        s.unreadable_list[0].position,
        format!("record 1 (byte {})", 13 + rec("a1").len())
    );

    let between = format!(
        "{{\"Records\":[{},{}\0,{},{}]}}",
        rec("b1"),
        rec("b2"),
        rec("b3"),
        rec("b4")
    );
    write(&d.join("between.json"), between.as_bytes());
    let (s, _, report) = audit(&opts(vec![d.join("between.json")]));
    assert_eq!((s.read, s.decided, s.unreadable), (4, 2, 2), "{report}");
    assert!(
        s.unreadable_list[0].reason.contains("2 records lost"),
        "{report}"
    );

    // The file ends in NULs (space allocated, never written) after a whole record: nothing is
    // lost, and the damage is a file error.
    let mut tail = format!("{{\"Records\":[{},{}", rec("c1"), rec("c2")).into_bytes();
    tail.extend_from_slice(&[0u8; 4096]);
    write(&d.join("tail.json"), &tail);
    let (s, _, report) = audit(&opts(vec![d.join("tail.json")]));
    assert_eq!((s.read, s.decided, s.unreadable), (2, 2, 0), "{report}");
    assert!(
        s.file_errors
            .iter()
            .any(|e| e.contains("tail.json") && e.contains("no record lost")),
        "{report}"
    );
    std::fs::remove_dir_all(&d).ok();
}

/// A 256 MiB line inside a small `.jsonl.gz`: skipped in one pass (the old reader searched
/// the whole pending buffer for a newline after every read: quadratic, minutes and rising).
#[test]
fn a_huge_line_is_skipped_in_one_pass() {
    let d = temp_dir("huge");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(format!("{}\n{{\"eventID\":\"", rec("h1")).as_bytes())
        .unwrap();
    let block = vec![b'x'; 1 << 20];
    for _ in 0..256 {
        gz.write_all(&block).unwrap();
    }
    gz.write_all(format!("\"}}\n{}\n", rec("h3")).as_bytes())
        .unwrap();
    write(&d.join("huge.jsonl.gz"), &gz.finish().unwrap());
    let t = std::time::Instant::now();
    let (s, _, report) = audit(&opts(vec![d.clone()]));
    let took = t.elapsed();
    assert_eq!((s.read, s.decided, s.unreadable), (3, 2, 1), "{report}");
    assert_eq!(s.unreadable_list[0].position, "line 2");
    // Release: well under a second; the bound is a hang detector for slow machines.
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    std::fs::remove_dir_all(&d).ok();
}
