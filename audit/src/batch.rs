//! One row per record, for engines that hold the input themselves (the Arrow kernel, Spark):
//! the bytes of one trail file, or one JSON-lines record, are decided by the very same worker
//! as `iamc audit` decides a file with ([`decide_bytes`], [`decide_lines`]), and every record
//! read gives a row — decided, unreadable, or not decided (no authorization request,
//! duplicate) — to a [`RowSink`], so counts still add up after any shuffle.
//!
//! Trade-offs:
//! - The rows borrow from the record and the worker ([`Row`]): a sink copies what it keeps
//!   (into Arrow builders), nothing is allocated for it in between.
//! - With a sink the records of one source are decided in order by one worker (a large
//!   JSON-lines file is not split over the pool): an engine parallelises over sources itself.
//! - Duplicates are found among the records one [`Auditor`] sees; an engine that spreads the
//!   input over several auditors finds those across them itself (by `event_id`).
//! - An unreadable tail (a Records array broken off) is one row standing for `records` records.

use std::borrow::Cow;
use std::path::Path;

use iamc_runtime::Decision;

use crate::event::{Event, Mapped};
use crate::input::{Format, Position};
use crate::{Auditor, Deciding, Stats, Worker};

/// What became of a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Decided before and after the change.
    Decided,
    /// Could not be read (the reason says why).
    Unreadable,
    /// Read, but not decided: no authorization request (E-20), or a duplicate event id.
    NotDecided,
}

impl Status {
    /// `decided`, `unreadable`, `not_decided`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Decided => "decided",
            Status::Unreadable => "unreadable",
            Status::NotDecided => "not_decided",
        }
    }
}

/// The reason of a duplicate's row.
pub const DUPLICATE: &str = "duplicate event id";

/// One record's outcome. Decided rows have `mapped`, `before` and `after`.
#[derive(Debug)]
pub struct Row<'r> {
    /// The source's name (the file's path).
    pub file: &'r str,
    /// Where in the source.
    pub position: Position,
    /// How many records the row stands for: 1, or the records lost in an unreadable tail.
    pub records: u64,
    /// What became of it.
    pub status: Status,
    /// Why it is unreadable or not decided.
    pub reason: Option<Cow<'r, str>>,
    /// The record, when it could be read.
    pub event: Option<&'r Event<'r>>,
    /// The request(s) it maps to, when decided.
    pub mapped: Option<&'r Mapped<'r>>,
    /// The decision before the change (the worst over the event's requests).
    pub before: Option<Decision>,
    /// Its deciding statement.
    pub before_by: Option<&'r Deciding>,
    /// The decision after the change.
    pub after: Option<Decision>,
    /// Its deciding statement.
    pub after_by: Option<&'r Deciding>,
}

/// Where rows go.
pub trait RowSink {
    /// Take one row (copy what is kept: it borrows from the record).
    fn row(&mut self, row: &Row<'_>);
}

impl<'a> Worker<'a> {
    fn emit(&mut self, row: Row<'_>) {
        if let Some(s) = self.sink.as_deref_mut() {
            s.row(&row);
        }
    }

    fn blank<'r>(file: &'r str, position: Position, status: Status) -> Row<'r> {
        Row {
            file,
            position,
            records: 1,
            status,
            reason: None,
            event: None,
            mapped: None,
            before: None,
            before_by: None,
            after: None,
            after_by: None,
        }
    }

    pub(crate) fn row_unreadable(&mut self, file: &str, pos: Position, reason: &str, n: u64) {
        if self.sink.is_some() {
            let mut r = Self::blank(file, pos, Status::Unreadable);
            r.records = n;
            r.reason = Some(Cow::Borrowed(reason));
            self.emit(r);
        }
    }

    pub(crate) fn row_duplicate(&mut self, file: &str, pos: Position, ev: &Event<'_>) {
        if self.sink.is_some() {
            let mut r = Self::blank(file, pos, Status::NotDecided);
            r.reason = Some(Cow::Borrowed(DUPLICATE));
            r.event = Some(ev);
            self.emit(r);
        }
    }

    pub(crate) fn row_not_request(
        &mut self,
        file: &str,
        pos: Position,
        ev: &Event<'_>,
        event_type: &str,
    ) {
        if self.sink.is_some() {
            let mut r = Self::blank(file, pos, Status::NotDecided);
            r.reason = Some(Cow::Owned(format!(
                "not an authorization request (eventType {event_type})"
            )));
            r.event = Some(ev);
            self.emit(r);
        }
    }

    pub(crate) fn row_decided(
        &mut self,
        file: &str,
        pos: Position,
        ev: &Event<'_>,
        m: &Mapped<'_>,
        w: &crate::decide::Worst,
    ) {
        if self.sink.is_some() {
            let mut r = Self::blank(file, pos, Status::Decided);
            r.event = Some(ev);
            r.mapped = Some(m);
            r.before = w.before.map(|o| o.decision);
            r.after = w.after.map(|o| o.decision);
            r.before_by = w.before_name.as_ref();
            r.after_by = w.after_name.as_ref();
            self.emit(r);
        }
    }
}

/// A worker whose output channel goes nowhere: with a sink, rows are the output.
fn with_worker<T>(
    aud: &Auditor,
    sink: &mut (dyn RowSink + Send),
    f: impl FnOnce(Worker<'_>) -> T,
) -> T {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    // A send to a closed channel fails at once (never blocks): event lines are dropped.
    drop(rx);
    let mut w = Worker::new(aud, &tx);
    w.sink = Some(sink);
    f(w)
}

/// Decide every record of one trail file held in memory, as `iamc audit` decides a file of
/// that name (`.gz`: gzip; `.jsonl`/`.ndjson`: JSON lines; else `{"Records":[...]}`, or JSON
/// lines when it has no `Records`). Each record read gives one row to `sink`; the returned
/// counters are the file's (`read = decided + unreadable + not decided`).
pub fn decide_bytes(
    aud: &Auditor,
    name: &str,
    bytes: &[u8],
    sink: &mut (dyn RowSink + Send),
) -> Stats {
    let path = Path::new(name);
    let gz = path.extension().is_some_and(|e| e == "gz");
    let open = || -> std::io::Result<Box<dyn std::io::Read + Send + '_>> {
        Ok(if gz {
            Box::new(flate2::read::MultiGzDecoder::new(bytes))
        } else {
            Box::new(bytes)
        })
    };
    let mut st = with_worker(aud, sink, |w| {
        crate::process_source(w, name, crate::input::format_of(path), &open, &|| true)
    });
    st.close_file(name);
    st
}

/// Decide every record of one log file on disk, streamed as `iamc audit` reads it (Records,
/// JSON lines, `.gz`), each record read giving one row to `sink` (`iamc unused`,
/// `iamc generate-policy`: callers spread files over threads themselves).
pub fn decide_file(aud: &Auditor, path: &Path, sink: &mut (dyn RowSink + Send)) -> Stats {
    let name = path.display().to_string();
    let open = || crate::input::open(path);
    let mut st = with_worker(aud, sink, |w| {
        crate::process_source(w, &name, crate::input::format_of(path), &open, &|| {
            std::fs::metadata(path).is_ok_and(|m| m.is_file())
        })
    });
    st.close_file(&name);
    st
}

/// Decide JSON-lines records, each `(source name, 1-based line number, record)`, as
/// `iamc audit` decides the lines of a `.jsonl` file (one worker for them all: compiled sets
/// and scratch space are reused from one record to the next); a blank line is no record
/// (nothing counted, no row).
pub fn decide_lines<'l>(
    aud: &Auditor,
    lines: &mut dyn Iterator<Item = (&'l str, usize, &'l str)>,
    sink: &mut (dyn RowSink + Send),
) -> Stats {
    with_worker(aud, sink, |mut w| {
        for (name, line, record) in lines {
            let t = record.trim();
            if !t.is_empty() {
                w.record(name, Position::Line(line), t);
            }
        }
        w.stats
    })
}

/// Whether a file name is read as JSON lines.
pub fn is_lines(name: &str) -> bool {
    matches!(crate::input::format_of(Path::new(name)), Format::Lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    impl RowSink for Vec<String> {
        /// A row as text (tests).
        fn row(&mut self, row: &Row<'_>) {
            self.push(format!(
                "{} {} x{} {} {:?} {:?} {:?} {:?}",
                row.file,
                row.position,
                row.records,
                row.status.as_str(),
                row.reason,
                row.event.and_then(|e| e.event_id.as_deref()),
                row.before.map(Decision::as_str),
                row.after.map(Decision::as_str),
            ));
        }
    }

    fn auditor() -> Auditor {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus/audit");
        let opts = crate::Options {
            account_details: dir.join("account-details.json"),
            proposed: vec![dir.join("RDSDenyDelete.json")],
            attach_to: vec!["all".into()],
            summary_only: true,
            ..Default::default()
        };
        crate::load(&opts).expect("corpus/audit loads")
    }

    fn record(id: &str, event_type: &str, name: &str) -> String {
        format!(
            r#"{{"eventVersion":"1.08","userIdentity":{{"type":"IAMUser","principalId":"AIDA","arn":"arn:aws:iam::123837392027:user/bert-jan","accountId":"123837392027","userName":"bert-jan"}},"eventTime":"2023-07-10T11:55:11Z","eventSource":"rds.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","eventID":"{id}","eventType":"{event_type}","recipientAccountId":"123837392027"}}"#
        )
    }

    #[test]
    fn one_row_per_record_read_and_counts_add_up() {
        let aud = auditor();
        let a = record(
            "11111111-1111-4111-8111-111111111111",
            "AwsApiCall",
            "DeleteDBInstance",
        );
        let svc = record(
            "22222222-2222-4222-8222-222222222222",
            "AwsServiceEvent",
            "DeleteDBInstance",
        );
        // Records: a decided call, a service event, a duplicate, a record that is no event,
        // then the array breaks off with two more records in it.
        let text = format!(r#"{{"Records":[{a},{svc},{a},{{"x":1}},#!{{}},{{}}]}}"#);
        let mut rows: Vec<String> = Vec::new();
        let st = decide_bytes(&aud, "t.json", text.as_bytes(), &mut rows);
        assert!(st.adds_up(), "{st:?}");
        assert_eq!(
            (st.decided, st.not_request, st.duplicates),
            (1, 1, 1),
            "{rows:#?}"
        );
        assert!(st.unreadable >= 3, "{rows:#?}");
        // Every record read is in exactly one row's count.
        let in_rows: u64 = rows
            .iter()
            .map(|r| {
                r.split(' ')
                    .find_map(|t| t.strip_prefix('x')?.parse::<u64>().ok())
                    .unwrap_or(0)
            })
            .sum();
        assert_eq!(in_rows, st.read, "{rows:#?}");
        let decided: Vec<_> = rows.iter().filter(|r| r.contains(" decided ")).collect();
        assert_eq!(decided.len(), 1, "{rows:#?}");
        // RDSDenyDelete attached to everyone denies the delete after the change.
        assert!(decided[0].contains("Some(\"explicit_deny\")"), "{rows:#?}");
        assert!(rows.iter().any(|r| r.contains(DUPLICATE)), "{rows:#?}");
        assert!(
            rows.iter().any(|r| r.contains("AwsServiceEvent")),
            "{rows:#?}"
        );
        assert!(rows.iter().any(|r| r.contains("lost")), "{rows:#?}");
    }

    #[test]
    fn gzip_and_lines_as_the_cli_reads_them() {
        use std::io::Write;
        let aud = auditor();
        let a = record(
            "33333333-3333-4333-8333-333333333333",
            "AwsApiCall",
            "DescribeDBInstances",
        );
        let lines = format!("{a}\n\nnot json\n");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(lines.as_bytes()).expect("in memory");
        let gz = gz.finish().expect("in memory");
        let mut rows: Vec<String> = Vec::new();
        let st = decide_bytes(&aud, "x.jsonl.gz", &gz, &mut rows);
        assert_eq!((st.read, st.decided, st.unreadable), (2, 1, 1), "{rows:#?}");
        assert!(rows[1].contains("line 3"), "{rows:#?}");
        // One line at a time gives the same.
        let aud = auditor();
        let mut one: Vec<String> = Vec::new();
        let mut it = lines
            .lines()
            .enumerate()
            .map(|(i, l)| ("x.jsonl.gz", i + 1, l));
        let total = decide_lines(&aud, &mut it, &mut one);
        assert_eq!((total.read, total.decided, total.unreadable), (2, 1, 1));
        assert_eq!(rows, one);
        assert!(is_lines("x.jsonl.gz") && !is_lines("x.json.gz"));
    }
}
