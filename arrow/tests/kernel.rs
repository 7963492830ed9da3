//! The kernel against the audit: the shared corpus's trail files, as a `binaryFile` batch,
//! give one row per record read whose decisions equal `iamc audit`'s event lines for the same
//! files, event for event, and whose counts equal the audit's counters.

#![allow(clippy::panic)] // tests report failures by panicking

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Int32Array, LargeBinaryArray, ListArray,
    RecordBatch, StringArray,
};
use iamc_arrow::{audit_batch, output_schema};
use iamc_audit::Options;

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
        proposed: vec![
            audit.join("RDSDenyDelete.json"),
            audit.join("BlockMostAccessUnlessSignedInWithMFA.json"),
        ],
        attach_to: vec!["all".into()],
        json: true,
        summary_only: false,
        ..Default::default()
    }
}

fn trail_files() -> Vec<PathBuf> {
    let dir = shared().join("corpus/cloudtrail");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (set IAMC_SHARED)", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    files
}

fn strings<'a>(b: &'a RecordBatch, c: &str) -> &'a StringArray {
    b.column_by_name(c)
        .and_then(|a| a.as_any().downcast_ref::<StringArray>())
        .unwrap_or_else(|| panic!("column {c}"))
}

fn get(a: &StringArray, i: usize) -> Option<String> {
    a.is_valid(i).then(|| a.value(i).to_string())
}

/// (before, before policy, statement, sid, after, …, changed) of a decided row, as the
/// audit's event line gives them.
type Decision = (String, serde_json::Value, String, serde_json::Value, bool);

fn deciding(b: &RecordBatch, prefix: &str, i: usize) -> serde_json::Value {
    let policy = get(strings(b, &format!("{prefix}_policy")), i);
    let statement = b
        .column_by_name(&format!("{prefix}_statement"))
        .and_then(|a| a.as_any().downcast_ref::<Int32Array>())
        .expect("statement column");
    let sid = get(strings(b, &format!("{prefix}_sid")), i);
    match policy {
        None => serde_json::Value::Null,
        Some(p) => serde_json::json!({"policy": p, "statement": statement.value(i), "sid": sid}),
    }
}

#[test]
fn rows_equal_the_audits_decisions_and_counts_add_up() {
    let files = trail_files();
    // The CLI's run: event lines, then the summary line.
    let o = opts(files.clone());
    let mut out = Vec::new();
    let mut err = Vec::new();
    let stats = iamc_audit::run(&o, &mut out, &mut err).expect("audit runs");
    let mut cli: BTreeMap<String, Vec<Decision>> = BTreeMap::new();
    for line in String::from_utf8(out).expect("utf-8").lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        if v.get("summary").is_some() {
            continue;
        }
        let s = |k: &str| v[k].as_str().expect(k).to_string();
        cli.entry(s("event_id")).or_default().push((
            s("before"),
            v["before_by"].clone(),
            s("after"),
            v["after_by"].clone(),
            v["changed"].as_bool().expect("changed"),
        ));
    }

    // The kernel: one batch of (path, content), as Spark's binaryFile gives it.
    let aud = iamc_audit::load(&Options {
        summary_only: true,
        json: false,
        ..o.clone()
    })
    .expect("loads");
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let contents: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(f).expect("read"))
        .collect();
    let input = RecordBatch::try_from_iter(vec![
        (
            "path",
            Arc::new(StringArray::from(names.clone())) as ArrayRef,
        ),
        (
            "content",
            Arc::new(BinaryArray::from_iter_values(contents.iter())) as ArrayRef,
        ),
    ])
    .expect("input batch");
    let got = audit_batch(&aud, &input).expect("kernel");
    let b = &got.batch;
    assert_eq!(b.schema(), output_schema());

    // Counts: one row per record read; per status as the audit counts them.
    let status = strings(b, "status");
    let count = |s: &str| (0..b.num_rows()).filter(|&i| status.value(i) == s).count() as u64;
    assert_eq!(b.num_rows() as u64, stats.read);
    assert_eq!(count("decided"), stats.decided);
    assert_eq!(count("unreadable"), stats.unreadable);
    assert_eq!(count("not_decided"), stats.not_request + stats.duplicates);
    assert_eq!(
        (got.stats.read, got.stats.decided, got.stats.duplicates),
        (stats.read, stats.decided, stats.duplicates)
    );
    assert!(got.stats.adds_up());
    assert!(
        stats.duplicates > 0,
        "the corpus has duplicates: the test covers them"
    );

    // Decisions: event for event.
    let ids = strings(b, "event_id");
    let before = strings(b, "before");
    let after = strings(b, "after");
    let changed = b
        .column_by_name("changed")
        .and_then(|a| a.as_any().downcast_ref::<BooleanArray>())
        .expect("changed");
    let mut kernel: BTreeMap<String, Vec<Decision>> = BTreeMap::new();
    for i in (0..b.num_rows()).filter(|&i| status.value(i) == "decided") {
        kernel.entry(ids.value(i).to_string()).or_default().push((
            before.value(i).to_string(),
            deciding(b, "before", i),
            after.value(i).to_string(),
            deciding(b, "after", i),
            changed.value(i),
        ));
    }
    assert_eq!(kernel.len(), cli.len());
    for (id, d) in &cli {
        assert_eq!(kernel.get(id), Some(d), "event {id}");
    }
    let changed_rows = (0..b.num_rows())
        .filter(|&i| changed.is_valid(i) && changed.value(i))
        .count() as u64;
    assert_eq!(changed_rows, stats.changed);

    // Decided rows carry the request; the others do not.
    let actions = b
        .column_by_name("actions")
        .and_then(|a| a.as_any().downcast_ref::<ListArray>())
        .expect("actions");
    for i in 0..b.num_rows() {
        assert_eq!(actions.is_valid(i), status.value(i) == "decided", "row {i}");
    }

    // The IAM principals' accounts: the audit's counts (its accounts check), row for row.
    let accounts = strings(b, "principal_account");
    let mut by_account: BTreeMap<String, u64> = BTreeMap::new();
    for i in (0..b.num_rows()).filter(|&i| accounts.is_valid(i)) {
        assert_eq!(status.value(i), "decided", "row {i}");
        *by_account.entry(accounts.value(i).to_string()).or_default() += 1;
    }
    let want: BTreeMap<String, u64> = stats
        .principal_accounts
        .iter()
        .map(|(a, n)| (a.clone(), *n))
        .collect();
    assert!(!want.is_empty(), "the corpus has IAM principals");
    assert_eq!(by_account, want);
}

#[test]
fn json_lines_records_and_large_binary() {
    let files = trail_files();
    let jsonl = files
        .iter()
        .find(|f| f.display().to_string().ends_with(".jsonl.gz"))
        .expect("a .jsonl.gz in the corpus");
    let o = Options {
        summary_only: true,
        json: false,
        ..opts(vec![jsonl.clone()])
    };
    // The file as one LargeBinary cell.
    let aud = iamc_audit::load(&o).expect("loads");
    let name = jsonl.display().to_string();
    let bytes = std::fs::read(jsonl).expect("read");
    let input = RecordBatch::try_from_iter(vec![
        (
            "path",
            Arc::new(StringArray::from(vec![name.clone()])) as ArrayRef,
        ),
        (
            "content",
            Arc::new(LargeBinaryArray::from_iter_values([&bytes])) as ArrayRef,
        ),
    ])
    .expect("batch");
    let whole = audit_batch(&aud, &input).expect("kernel");

    // The same records, one a row (as `spark.read.text` would give the inflated lines).
    let text = inflate(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let aud = iamc_audit::load(&o).expect("loads");
    let input = RecordBatch::try_from_iter(vec![
        (
            "path",
            Arc::new(StringArray::from(vec![name.as_str(); lines.len()])) as ArrayRef,
        ),
        (
            "record",
            Arc::new(StringArray::from(lines.clone())) as ArrayRef,
        ),
    ])
    .expect("batch");
    let rows = audit_batch(&aud, &input).expect("kernel");
    assert_eq!(rows.batch.num_rows(), whole.batch.num_rows());
    assert_eq!(rows.stats.decided, whole.stats.decided);
    for c in ["event_id", "position", "before", "after", "after_policy"] {
        let (a, b) = (strings(&rows.batch, c), strings(&whole.batch, c));
        for i in 0..a.len() {
            assert_eq!(get(a, i), get(b, i), "column {c} row {i}");
        }
    }

    // A batch with neither input column: an error naming the columns.
    let bad = RecordBatch::try_from_iter(vec![(
        "value",
        Arc::new(StringArray::from(vec!["{}"])) as ArrayRef,
    )])
    .expect("batch");
    let e = audit_batch(&aud, &bad).err().expect("an error").to_string();
    assert!(e.contains("`content`") && e.contains("value"), "{e}");
}

/// Inflate with the audit's own reader (the kernel's dependencies have no gzip of their own).
fn inflate(gz: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("iamc-arrow-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join("x.jsonl.gz");
    std::fs::write(&p, gz).expect("write");
    let (bytes, e) = iamc_audit::input::read_all(&p);
    assert!(e.is_none(), "{e:?}");
    let _ = std::fs::remove_dir_all(&dir);
    String::from_utf8(bytes).expect("utf-8")
}
