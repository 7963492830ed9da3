//! iamc-audit: replay CloudTrail logs against the current and a proposed set of policies —
//! "which of last month's calls would this change break?".
//!
//! # Example
//! Replay one CloudTrail record against the repository's example snapshot, with a policy
//! that denies deleting objects attached to everyone:
//! ```
//! use std::path::PathBuf;
//!
//! let dir = std::env::temp_dir().join(format!("iamc-audit-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let logs = dir.join("trail.json");
//! std::fs::write(&logs, r#"{"Records":[{"eventID":"e1","eventSource":"s3.amazonaws.com",
//!     "eventName":"DeleteObject","awsRegion":"us-east-1",
//!     "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123837392027:user/bert-jan",
//!                     "accountId":"123837392027","userName":"bert-jan"},
//!     "requestParameters":{"bucketName":"b","key":"k"}}]}"#)?;
//! let deny = dir.join("deny.json");
//! std::fs::write(&deny, r#"{"Version":"2012-10-17","Statement":[
//!     {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#)?;
//! let opts = iamc_audit::Options {
//!     account_details: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
//!         .join("../corpus/audit/account-details.json"),
//!     logs: vec![logs],
//!     proposed: vec![deny],
//!     attach_to: vec!["all".into()],
//!     summary_only: true,
//!     ..iamc_audit::Options::default()
//! };
//! let (mut out, mut err) = (Vec::new(), Vec::new());
//! let stats = iamc_audit::run(&opts, &mut out, &mut err).map_err(|e| e.0)?;
//! assert_eq!((stats.decided, stats.changed), (1, 1)); // bert-jan's delete is newly denied
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Pipeline: [`input`] finds and reads log files (Records, JSON lines, gz, directories;
//! [`records`] streams a Records file and parses each record once, straight into a borrowed
//! [`event::Event`]) → [`event`] maps each record to an IAM request → [`snapshot`] gives the
//! principal's policies (from `get-account-authorization-details`, SCPs, resource policies,
//! the change) → each distinct policy set is compiled once (`iamc_compiler::Compiler::from_set`,
//! cached by principal) and decided with `iamc_runtime::PolicySet::evaluate` before and after
//! the change → one JSON line per event and a summary ([`report`]).
//!
//! Trade-offs:
//! - Parallelism is rayon over files: each file is inflated, parsed and decided by one worker
//!   in a single pass (the event borrows the inflated window and is decided before the window
//!   moves on), so CloudTrail's many small files keep every core busy. A JSON-lines file is
//!   also cut into blocks of whole lines decided in parallel; one huge Records file uses one
//!   core. Output order is not the input order (each line carries the event id and time).
//! - `--parse-only` runs the very same reader and parse and skips only the deciding, so the
//!   throughput bound it measures compares like with like.
//! - The hot path allocates little: per-event vectors are recycled by the worker, strings
//!   borrow from the record, lookups use Fx hashing.
//! - Compiled sets are cached in a global map (compiled once, under a lock) and mirrored in a
//!   per-worker map together with that worker's `Scratch` (one per set per worker), so the hot
//!   path takes no lock and evaluation does not allocate.
//! - When the change does not touch a principal, its "after" decision is its "before"
//!   decision: the set is evaluated once.
//! - Never lose an event: `read = decided + unreadable + not decided` always (not decided:
//!   records that are no authorization request, and duplicate event ids — [`decide`]), per
//!   file and in total; every unreadable record is reported with file, position and reason.
//!   Paths not read (links to directories, FIFOs) are listed.
//! - Bounded: one record or line is at most `--max-record-bytes` (default
//!   [`records::DEFAULT_MAX_RECORD_BYTES`]); a larger one is reported and skipped in constant
//!   memory, one pass (docs/limits.md).

#![forbid(unsafe_code)]

pub mod batch;
pub mod catalog;
pub mod decide;
pub mod event;
pub mod input;
pub mod records;
pub mod report;
pub mod snapshot;
pub mod tags;

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::SyncSender;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use iamc_compiler::{Compiler, Config};
use iamc_runtime::{Decision, PolicySet, Scratch, Value};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::catalog::Catalog;
use crate::event::{Event, Mapped};
use crate::input::{Format, Position};
pub use crate::report::Stats;
use crate::snapshot::{Change, Snapshot, Target};

/// Options of `iamc audit`.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `get-account-authorization-details` output.
    pub account_details: PathBuf,
    /// Log files or directories.
    pub logs: Vec<PathBuf>,
    /// Proposed identity policies.
    pub proposed: Vec<PathBuf>,
    /// Where the proposed policies go: `user:NAME`, `role:NAME`, `group:NAME`, `all`.
    pub attach_to: Vec<String>,
    /// Instead of attaching: the proposed policies replace the managed (name or ARN) or inline
    /// policy of this name wherever it is attached.
    pub replace: Option<String>,
    /// Proposed SCPs.
    pub proposed_scp: Vec<PathBuf>,
    /// Current SCPs: `[ACCOUNT=]FILE`, each one level, root first.
    pub scp: Vec<String>,
    /// Proposed RCPs.
    pub proposed_rcp: Vec<PathBuf>,
    /// Current RCPs: `[ACCOUNT=]FILE`, each one level, root first (ACCOUNT: the resources'
    /// account).
    pub rcp: Vec<String>,
    /// The services RCPs apply to (E-10), a list file; `None`: the built-in list.
    pub rcp_services: Option<PathBuf>,
    /// Resource policies: a JSON object `{arn: document}`.
    pub resource_policies: Option<PathBuf>,
    /// Resource tags: `aws resourcegroupstaggingapi get-resources` output ([`tags`]).
    pub resource_tags: Option<PathBuf>,
    /// The IAM service reference (`iam-service-reference.json`).
    pub service_reference: Option<PathBuf>,
    /// Print the summary as a JSON object, last on stdout.
    pub json: bool,
    /// No per-event lines.
    pub summary_only: bool,
    /// Only inflate and parse the records (throughput bound for the benchmark).
    pub parse_only: bool,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// The largest record or JSON line read (bytes); `None`: [`records::DEFAULT_MAX_RECORD_BYTES`].
    pub max_record_bytes: Option<usize>,
    /// Groups listed per table in the human summary (`None`: all).
    pub top: Option<usize>,
}

/// A fatal error (the snapshot or a policy cannot be read).
#[derive(Debug)]
pub struct AuditError(pub String);

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for AuditError {}

/// A compiled principal: its set before and, when the change touches it, after.
struct Compiled {
    before: PolicySet,
    after: Option<PolicySet>,
    /// `aws:PrincipalTag/K` entries from the snapshot.
    tags: Vec<(String, String)>,
}

struct Local {
    c: Arc<Compiled>,
    before: Scratch,
    after: Option<Scratch>,
}

/// Everything the workers share.
pub struct Auditor {
    snapshot: Snapshot,
    change: Change,
    catalog: Option<Catalog>,
    cache: Mutex<HashMap<String, Arc<Compiled>>>,
    parse_only: bool,
    emit: bool,
    compile_errors: Mutex<Vec<String>>,
    /// The largest record or line read (bytes).
    max_record: usize,
    /// Event ids decided so far (duplicates are counted, not decided again).
    seen: decide::Seen,
    /// The context keys some policy of the run reads (the others are not built).
    want: event::Want,
    /// K-13: keys some policy reads that no CloudTrail record carries (resource tags): they
    /// are unknown, not absent, so decisions that hinge on them are indeterminate (E-21).
    unknown_keys: Vec<String>,
    /// `--resource-tags`: the tags of the resources it names (their tag keys are known).
    resource_tags: Option<tags::ResourceTags>,
    /// The unknown keys the tags file answers for a resource it names (one per key, whatever
    /// its case), and the unknown keys left for such a resource.
    tag_keys: Vec<(String, tags::TagKey)>,
    unknown_when_tagged: Vec<String>,
}

impl Auditor {
    /// Build from loaded parts.
    pub fn new(snapshot: Snapshot, change: Change, catalog: Option<Catalog>) -> Auditor {
        Auditor {
            snapshot,
            change,
            catalog,
            cache: Mutex::new(HashMap::new()),
            parse_only: false,
            emit: true,
            compile_errors: Mutex::new(Vec::new()),
            max_record: records::DEFAULT_MAX_RECORD_BYTES,
            seen: decide::Seen::default(),
            want: event::Want::ALL,
            unknown_keys: Vec::new(),
            resource_tags: None,
            tag_keys: Vec::new(),
            unknown_when_tagged: Vec::new(),
        }
    }

    /// The snapshot the auditor decides with.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn compiled(
        &self,
        key: &str,
        m: &Mapped<'_>,
        rp: Option<&Arc<iamc_compiler::ast::Policy>>,
        resource_account: Option<&str>,
    ) -> Arc<Compiled> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(key) {
            return Arc::clone(c);
        }
        let (before_set, _) = self
            .snapshot
            .policy_set(&m.principal, rp, resource_account, None);
        let (after_set, touched) =
            self.snapshot
                .policy_set(&m.principal, rp, resource_account, Some(&self.change));
        let compile =
            |s: iamc_compiler::ast::ParsedSet| match Compiler::from_set(Config::default(), s)
                .build()
            {
                Ok(c) => c,
                Err(e) => {
                    self.compile_errors
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(format!("{key}: {}", one_line(&e)));
                    // An empty set: everything is an implicit deny, reported above.
                    Compiler::default()
                        .build()
                        .unwrap_or_else(|_| unreachable_empty())
                }
            };
        let c = Arc::new(Compiled {
            before: compile(before_set),
            after: touched.then(|| compile(after_set)),
            tags: self
                .snapshot
                .tags(&m.principal)
                .into_iter()
                .map(|(k, v)| (format!("aws:PrincipalTag/{k}"), v))
                .collect(),
        });
        cache.insert(key.to_string(), Arc::clone(&c));
        c
    }
}

/// Every error of a failed compile on one line (the audit reports one line per set).
fn one_line(e: &iamc_compiler::CompileErrors) -> String {
    let errors: Vec<String> = e.errors().iter().map(ToString::to_string).collect();
    errors.join("; ")
}

#[allow(clippy::panic)]
fn unreachable_empty() -> PolicySet {
    // The empty set has no statements, no keys and no levels: nothing in it can fail to build.
    panic!("compiling the empty policy set failed")
}

/// One worker's state: its view of the cache, its counters and its output buffer.
struct Worker<'a> {
    aud: &'a Auditor,
    local: FxHashMap<String, Local>,
    stats: Stats,
    out: Vec<u8>,
    tx: &'a SyncSender<Vec<u8>>,
    /// Where each record's row goes, when a caller wants one per record ([`batch`]).
    sink: Option<&'a mut (dyn batch::RowSink + Send)>,
    key: String,
    /// Allocations kept from one event to the next (see [`recycle`]).
    spare_resources: Vec<std::borrow::Cow<'static, str>>,
    spare_context: Vec<(
        std::borrow::Cow<'static, str>,
        std::borrow::Cow<'static, str>,
    )>,
    spare_request: Vec<(&'static str, Value<'static>)>,
    /// The unknown keys (K-13) as the runtime takes them: for any resource, and for a resource
    /// `--resource-tags` names.
    unknown: Vec<&'a str>,
    unknown_when_tagged: Vec<&'a str>,
}

/// An empty vector with `v`'s allocation, for elements of another lifetime (the in-place
/// `collect` of std reuses the buffer: same size and alignment).
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// How strongly a decision refuses, to combine the decisions of one event's requests: any
/// deny refuses the event; an indeterminate one (E-21) is weaker than a certain deny but
/// stronger than an allow (the event is not known to be allowed).
fn rank(d: Decision) -> u8 {
    match d {
        Decision::Allow => 0,
        Decision::Indeterminate(_) => 1,
        Decision::ImplicitDeny => 2,
        Decision::ExplicitDeny => 3,
    }
}

impl<'a> Worker<'a> {
    fn new(aud: &'a Auditor, tx: &'a SyncSender<Vec<u8>>) -> Worker<'a> {
        // A worker parses on the thread that creates it.
        event::read_s3_facts(aud.want.s3_facts());
        Worker {
            aud,
            local: FxHashMap::default(),
            stats: Stats::default(),
            out: Vec::new(),
            tx,
            sink: None,
            key: String::new(),
            spare_resources: Vec::new(),
            spare_context: Vec::new(),
            spare_request: Vec::new(),
            unknown: aud.unknown_keys.iter().map(String::as_str).collect(),
            unknown_when_tagged: aud.unknown_when_tagged.iter().map(String::as_str).collect(),
        }
    }

    fn flush(&mut self) {
        if !self.out.is_empty() {
            // The receiver only goes away when the run is over.
            let _ = self.tx.send(std::mem::take(&mut self.out));
        }
    }

    fn unreadable(&mut self, file: &str, pos: Position, reason: String) {
        self.row_unreadable(file, pos, &reason, 1);
        self.stats.unreadable(file, &pos.to_string(), reason);
    }

    /// Decide one raw record (JSON lines).
    fn record(&mut self, file: &str, pos: Position, raw: &str) {
        self.stats.read += 1;
        match serde_json::from_str::<Event<'_>>(raw) {
            Ok(e) => self.event(file, pos, &e),
            Err(e) => self.unreadable(file, pos, format!("malformed record: {e}")),
        }
    }

    /// Decide one parsed record (already counted read).
    fn event(&mut self, file: &str, pos: Position, ev: &Event<'_>) {
        if !ev.is_cloudtrail() {
            self.unreadable(
                file,
                pos,
                "not a CloudTrail event (no eventSource, eventName or userIdentity)".into(),
            );
            return;
        }
        if self.aud.parse_only {
            self.stats.decided += 1;
            return;
        }
        self.decide(file, pos, ev);
        if self.out.len() > 256 * 1024 {
            self.flush();
        }
    }
}

/// The deciding statement, named: (policy name, statement index, sid).
pub type Deciding = (String, u32, Option<String>);

fn deciding(set: &PolicySet, d: &iamc_runtime::Deciding) -> Deciding {
    let d = match d {
        iamc_runtime::Deciding::Statement(d) => d,
        // E-20: no statement decided; the rule is named in place of the policy.
        iamc_runtime::Deciding::Rule(rule) => {
            return (format!("built-in rule {}", rule.id()), 0, None);
        }
    };
    let name = set
        .policies()
        .iter()
        .find(|p| p.kind == d.kind && p.level == d.level && p.index == d.policy)
        .map(|p| p.name.clone())
        .unwrap_or_else(|| format!("{}[{}]", d.kind.as_str(), d.policy));
    (name, d.statement, set.sid(d).map(str::to_string))
}

fn process_file(aud: &Auditor, path: &Path, tx: &SyncSender<Vec<u8>>) -> Stats {
    let name = path.display().to_string();
    let w = Worker::new(aud, tx);
    process_source(
        w,
        &name,
        input::format_of(path),
        &|| input::open(path),
        // A pipe cannot be read twice.
        &|| std::fs::metadata(path).is_ok_and(|m| m.is_file()),
    )
}

/// How a source is opened (again, for a Records file that turns out to be JSON lines).
type Open<'o> = dyn Fn() -> std::io::Result<Box<dyn std::io::Read + Send + 'o>> + 'o;

/// Decide every record of one source (a file, or bytes in memory: [`batch`]).
fn process_source(
    mut w: Worker<'_>,
    name: &str,
    format: Format,
    open: &Open<'_>,
    rereadable: &dyn Fn() -> bool,
) -> Stats {
    let name = name.to_string();
    let aud = w.aud;
    w.stats.files = 1;
    match format {
        Format::Lines => lines_file(&mut w, open, &name),
        Format::Records => {
            let r = match open() {
                Ok(r) => r,
                Err(e) => {
                    w.stats.file_error(format!("{name}: {e}"));
                    return w.stats;
                }
            };
            let end =
                records::for_each_record(r, records::CHUNK, aud.max_record, &mut |pos, ev| {
                    w.stats.read += 1;
                    match ev {
                        Ok(ev) => w.event(&name, pos, ev),
                        Err(why) => w.unreadable(&name, pos, why),
                    }
                });
            if end.not_records {
                // Not a Records file (a single event, JSON lines named .json): read it again as
                // JSON lines. Nothing was counted from it yet. A pipe cannot be read again.
                if rereadable() {
                    lines_file(&mut w, open, &name);
                } else {
                    w.stats.file_error(format!(
                        "{name}: not a {{\"Records\":[...]}} file, and a pipe cannot be read \
                         again as JSON lines (give JSON lines a .jsonl name)"
                    ));
                }
            } else {
                if let Some(e) = end.io_error {
                    w.stats
                        .file_error(format!("{name}: {e} (records after the damage are lost)"));
                }
                match end.tail {
                    Some((pos, why, 0)) => w.stats.file_error(format!("{name}: {pos}: {why}")),
                    Some((pos, why, lost)) => {
                        // The records after the break cannot be parsed: one unreadable entry
                        // stands for them all, with their count.
                        w.stats.read += lost as u64;
                        w.row_unreadable(&name, pos, &why, lost as u64);
                        w.stats
                            .unreadable_records(&name, &pos.to_string(), why, lost as u64);
                    }
                    None => {}
                }
            }
        }
    }
    w.flush();
    w.stats
}

/// Bytes of JSON lines decided by one task (cut at a line end).
const LINES_BLOCK: usize = 2 << 20;

/// A run of whole lines of a JSON-lines file.
struct LinesBlock {
    bytes: Vec<u8>,
    /// Number of the first line (1-based) and its byte offset in the inflated file.
    first_line: usize,
    offset: usize,
    /// The input broke right after this block (its last line may be cut).
    damaged: bool,
}

/// Count `\n` bytes eight at a time (a newline count per block gives the next block's first
/// line number without parsing).
fn count_newlines(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut n = 0usize;
    let chunks = b.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_ne_bytes(w) ^ (ONES * u64::from(b'\n'));
        // A byte of x is zero exactly where the input byte is a newline.
        let t = ((x & (ONES * 0x7f)).wrapping_add(ONES * 0x7f)) | x;
        n += 8 - (t & (ONES * 0x80)).count_ones() as usize;
    }
    n + rest.iter().filter(|&&c| c == b'\n').count()
}

fn over_limit(max: usize) -> String {
    format!("line longer than the limit of {max} bytes (--max-record-bytes); skipped")
}

/// Read past the rest of a line without keeping it: returns the bytes skipped (the newline
/// included) and whether a newline was found; what follows it is left in `rest`.
fn skip_line(r: &mut dyn std::io::Read, rest: &mut Vec<u8>) -> std::io::Result<(usize, bool)> {
    let mut buf = vec![0u8; 64 * 1024];
    let mut skipped = 0usize;
    loop {
        let n = match r.read(&mut buf) {
            Ok(0) => return Ok((skipped, false)),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if let Some(i) = buf[..n].iter().position(|&c| c == b'\n') {
            rest.extend_from_slice(&buf[i + 1..n]);
            return Ok((skipped + i + 1, true));
        }
        skipped += n;
    }
}

/// Decide the lines of one block.
fn lines_block(w: &mut Worker<'_>, name: &str, block: &LinesBlock) {
    let mut at = 0usize;
    let mut line_no = block.first_line;
    let b = &block.bytes;
    while at < b.len() {
        let end = b[at..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| at + i + 1);
        let line = &b[at..end];
        let complete = line.last() == Some(&b'\n');
        if line.len() - usize::from(complete) > w.aud.max_record {
            w.stats.read += 1;
            w.unreadable(name, Position::Line(line_no), over_limit(w.aud.max_record));
            line_no += 1;
            at = end;
            continue;
        }
        match std::str::from_utf8(line) {
            Ok(s) if !s.trim().is_empty() => {
                if block.damaged && !complete {
                    w.stats.read += 1;
                    w.unreadable(
                        name,
                        Position::Line(line_no),
                        "truncated line (input damaged)".into(),
                    );
                } else {
                    w.record(name, Position::Line(line_no), s.trim());
                }
            }
            Ok(_) => {}
            Err(e) => {
                w.stats.read += 1;
                w.unreadable(
                    name,
                    Position::Line(line_no),
                    format!(
                        "invalid UTF-8 at byte {}",
                        block.offset + at + e.valid_up_to()
                    ),
                );
            }
        }
        if w.out.len() > 256 * 1024 {
            w.flush();
        }
        line_no += 1;
        at = end;
    }
}

/// A JSON-lines file: read in blocks of whole lines (memory: a few blocks per file), each
/// decided by a rayon task so one large export keeps every core busy; when enough blocks are
/// in flight the reader decides the next one itself instead of waiting (no blocking inside the
/// pool, so no deadlock however many files are open).
fn lines_file(w: &mut Worker<'_>, open: &Open<'_>, name: &str) {
    let mut r = match open() {
        Ok(r) => r,
        Err(e) => {
            w.stats.file_error(format!("{name}: {e}"));
            return;
        }
    };
    let aud = w.aud;
    let tx = w.tx;
    let in_flight = AtomicU64::new(0);
    let max_in_flight = 2 * rayon::current_num_threads() as u64;
    let done = Mutex::new(Stats::default());
    rayon::scope(|sc| {
        // Bytes read after the last whole line; always the start of a line, never holding a
        // newline.
        let mut carry: Vec<u8> = Vec::new();
        let mut line_no = 1usize;
        let mut offset = 0usize;
        loop {
            let mut bytes = std::mem::take(&mut carry);
            let mut err = None;
            let mut eof = false;
            // The last newline in `bytes`: only new bytes are searched, so a long line costs
            // one pass, not one per read.
            let mut last_nl = bytes.iter().rposition(|&c| c == b'\n');
            // Fill to a block, then cut after its last newline.
            let cut = loop {
                if eof || err.is_some() {
                    break bytes.len();
                }
                if bytes.len() >= LINES_BLOCK {
                    if let Some(i) = last_nl {
                        break i + 1;
                    }
                }
                if last_nl.is_none() && bytes.len() > aud.max_record {
                    // One line over the limit: report it and read past it without keeping it.
                    w.stats.read += 1;
                    w.unreadable(name, Position::Line(line_no), over_limit(aud.max_record));
                    let skipped = bytes.len();
                    bytes.clear();
                    match skip_line(&mut r, &mut bytes) {
                        Ok((n, found)) => {
                            offset += skipped + n;
                            line_no += 1;
                            eof = !found;
                        }
                        Err(e) => err = Some(e.to_string()),
                    }
                    last_nl = bytes.iter().rposition(|&c| c == b'\n');
                    continue;
                }
                let len = bytes.len();
                bytes.resize(len + (LINES_BLOCK / 4).max(64 * 1024), 0);
                match r.read(&mut bytes[len..]) {
                    Ok(0) => {
                        bytes.truncate(len);
                        eof = true;
                    }
                    Ok(n) => {
                        bytes.truncate(len + n);
                        if let Some(i) = bytes[len..].iter().rposition(|&c| c == b'\n') {
                            last_nl = Some(len + i);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => bytes.truncate(len),
                    Err(e) => {
                        bytes.truncate(len);
                        err = Some(e.to_string());
                    }
                }
            };
            carry = bytes.split_off(cut);
            let lines = count_newlines(&bytes);
            let block = LinesBlock {
                first_line: line_no,
                offset,
                damaged: err.is_some(),
                bytes,
            };
            line_no += lines;
            offset += cut;
            if !block.bytes.is_empty() {
                // With a row sink the rows of a source come in order, from this worker.
                if w.sink.is_none() && in_flight.load(Ordering::Acquire) < max_in_flight {
                    in_flight.fetch_add(1, Ordering::AcqRel);
                    let (in_flight, done) = (&in_flight, &done);
                    sc.spawn(move |_| {
                        let mut tw = Worker::new(aud, tx);
                        lines_block(&mut tw, name, &block);
                        tw.flush();
                        let mut d = done.lock().unwrap_or_else(|e| e.into_inner());
                        *d = Stats::merge(std::mem::take(&mut d), tw.stats);
                        in_flight.fetch_sub(1, Ordering::AcqRel);
                    });
                } else {
                    lines_block(w, name, &block);
                }
            }
            if let Some(e) = err {
                w.stats
                    .file_error(format!("{name}: {e} (lines after the damage are lost)"));
                break;
            }
            if eof {
                break;
            }
        }
    });
    let d = done.into_inner().unwrap_or_else(|e| e.into_inner());
    w.stats = Stats::merge(std::mem::take(&mut w.stats), d);
}

/// Load everything the options name.
pub fn load(opts: &Options) -> Result<Auditor, AuditError> {
    load_with(opts, &|p: &Path| {
        std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))
    })
}

/// [`load`] with the files the options name read by `read` (an image holding them: the
/// Python package); names in messages and reports are the options' paths.
pub fn load_with(
    opts: &Options,
    read: &dyn Fn(&Path) -> Result<Vec<u8>, String>,
) -> Result<Auditor, AuditError> {
    let name = |p: &Path| p.display().to_string();
    let parse_file = |p: &Path, kind| -> Result<_, String> {
        Ok(snapshot::parse_bytes(&name(p), &read(p)?, kind))
    };
    let mut snapshot = Snapshot::from_slice(
        &name(&opts.account_details),
        &read(&opts.account_details).map_err(AuditError)?,
    )
    .map_err(AuditError)?;
    for s in &opts.scp {
        let (acct, file) = snapshot::scp_arg(s);
        let (p, notes) =
            parse_file(&file, iamc_compiler::ast::PolicyKind::Scp).map_err(AuditError)?;
        notes.into_iter().for_each(|n| snapshot.warn(n));
        snapshot.add_scp_level(acct.as_deref(), vec![p]);
    }
    for s in &opts.rcp {
        let (acct, file) = snapshot::scp_arg(s);
        let (p, notes) =
            parse_file(&file, iamc_compiler::ast::PolicyKind::Rcp).map_err(AuditError)?;
        notes.into_iter().for_each(|n| snapshot.warn(n));
        snapshot.add_rcp_level(acct.as_deref(), vec![p]);
    }
    if let Some(f) = &opts.rcp_services {
        let bytes = read(f).map_err(AuditError)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| AuditError(format!("{}: not UTF-8 text", name(f))))?;
        snapshot.rcp_services = Some(
            iamc_compiler::rcp_services::parse_rcp_services(&text)
                .map_err(|e| AuditError(format!("{}: {e}", name(f))))?,
        );
    }
    if let Some(rp) = &opts.resource_policies {
        let bytes = read(rp).map_err(AuditError)?;
        snapshot
            .resource_policies_from_slice(&name(rp), &bytes)
            .map_err(AuditError)?;
    }
    let mut change = Change::default();
    for f in &opts.proposed {
        let (p, notes) =
            parse_file(f, iamc_compiler::ast::PolicyKind::Identity).map_err(AuditError)?;
        notes.into_iter().for_each(|n| snapshot.warn(n));
        change.attach.push(p);
    }
    for t in &opts.attach_to {
        change.targets.push(Target::parse(t).map_err(AuditError)?);
    }
    change.replace = opts.replace.clone();
    if let Some(name) = &change.replace {
        if change.attach.is_empty() {
            return Err(AuditError(format!(
                "--replace {name} needs --proposed FILE (the replacement)"
            )));
        }
        if !change.targets.is_empty() {
            return Err(AuditError(
                "--replace and --attach-to exclude each other (a replacement goes where the \
                 replaced policy is)"
                    .into(),
            ));
        }
        if !snapshot.has_policy_named(name) {
            snapshot.warn(format!(
                "--replace {name}: no user, group or role of the snapshot has a policy of that \
                 name; nothing is replaced"
            ));
        }
    } else if !change.attach.is_empty() && change.targets.is_empty() {
        return Err(AuditError(
            "--proposed needs --attach-to user:NAME|role:NAME|group:NAME|all, or --replace NAME"
                .into(),
        ));
    }
    for f in &opts.proposed_scp {
        let (p, notes) = parse_file(f, iamc_compiler::ast::PolicyKind::Scp).map_err(AuditError)?;
        notes.into_iter().for_each(|n| snapshot.warn(n));
        change.scps.push(p);
    }
    for f in &opts.proposed_rcp {
        let (p, notes) = parse_file(f, iamc_compiler::ast::PolicyKind::Rcp).map_err(AuditError)?;
        notes.into_iter().for_each(|n| snapshot.warn(n));
        change.rcps.push(p);
    }
    // The built-in copy of the service catalog unless --service-reference names another: the
    // same result from any working directory.
    let catalog = match &opts.service_reference {
        Some(p) => Catalog::from_named_slice(&name(p), &read(p).map_err(AuditError)?)
            .map_err(AuditError)?,
        None => Catalog::builtin().map_err(AuditError)?,
    };
    for t in &change.targets {
        snapshot.check_target(t).map_err(AuditError)?;
    }
    let mut in_use = snapshot.policies_in_use();
    in_use.extend(change.attach.iter().cloned());
    in_use.extend(change.scps.iter().cloned());
    in_use.extend(change.rcps.iter().cloned());
    let keys = snapshot::keys_read(&in_use);
    let mut a = Auditor::new(snapshot, change, Some(catalog));
    a.want = event::Want::from_keys(keys.iter().map(String::as_str));
    a.unknown_keys = keys
        .iter()
        .filter(|k| event::not_in_cloudtrail(k))
        .cloned()
        .collect();
    a.unknown_keys.sort();
    a.unknown_keys.dedup();
    if let Some(f) = &opts.resource_tags {
        let bytes = read(f).map_err(AuditError)?;
        a.resource_tags =
            Some(tags::ResourceTags::from_slice(&name(f), &bytes).map_err(AuditError)?);
        for k in &a.unknown_keys {
            match tags::tag_key(k) {
                // Keys are looked up case-insensitively (C-2): a context holds each once.
                Some(t) if !a.tag_keys.iter().any(|(x, _)| x.eq_ignore_ascii_case(k)) => {
                    a.tag_keys.push((k.clone(), t));
                }
                Some(_) => {}
                None => a.unknown_when_tagged.push(k.clone()),
            }
        }
    }
    a.max_record = opts
        .max_record_bytes
        .unwrap_or(records::DEFAULT_MAX_RECORD_BYTES)
        .max(1);
    a.parse_only = opts.parse_only;
    a.emit = !opts.summary_only;
    Ok(a)
}

/// Run the audit: per-event JSON lines to `out` (unless `summary_only`), the human summary to
/// `err`, and with `json` a summary object as the last line of `out`.
pub fn run(opts: &Options, out: &mut dyn Write, err: &mut dyn Write) -> Result<Stats, AuditError> {
    let aud = load(opts)?;
    let found = input::discover(&opts.logs);
    let mut stats = audit_files(&aud, &found.files, opts, out)?;
    stats.found_unread(found.errors, found.skipped);
    aud.finish(&mut stats, opts.top);
    stats.parse_only = opts.parse_only;
    report::human(&stats, err).map_err(|e| AuditError(e.to_string()))?;
    if opts.json {
        report::json_summary(&stats, out).map_err(|e| AuditError(e.to_string()))?;
    }
    out.flush()
        .map_err(|e| AuditError(format!("cannot write output: {e}")))?;
    Ok(stats)
}

impl Auditor {
    /// Complete counters gathered by deciding (here, or by [`batch`] callers) for the report:
    /// the snapshot's and the compiler's warnings, the accounts check, what was given.
    pub fn finish(&self, stats: &mut Stats, top: Option<usize>) {
        stats.warnings = self
            .snapshot
            .warnings
            .lock()
            .map(|w| w.clone())
            .unwrap_or_default();
        stats.warnings.extend(
            self.compile_errors
                .lock()
                .map(|w| w.clone())
                .unwrap_or_default(),
        );
        stats.accounts_check(&self.snapshot.accounts());
        stats.catalog = self.catalog.is_some();
        stats.top = top;
        stats.change = !self.change.is_empty();
    }
}

/// Decide every record of `files`, writing event lines to `out`.
pub fn audit_files(
    aud: &Auditor,
    files: &[PathBuf],
    opts: &Options,
    out: &mut dyn Write,
) -> Result<Stats, AuditError> {
    let start = Instant::now();
    let total: u64 = files
        .iter()
        .map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0))
        .sum();
    // About one event per 100 bytes of gzipped CloudTrail, per 1,000 of plain JSON.
    let events: u64 = files
        .iter()
        .map(|f| {
            let len = std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
            let gz = f.extension().is_some_and(|e| e == "gz");
            len / if gz { 100 } else { 1000 }
        })
        .sum();
    aud.seen.reserve(events);
    let bar = (opts.progress && std::io::stderr().is_terminal()).then(|| {
        let pb = indicatif::ProgressBar::new(total);
        pb.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let events = AtomicU64::new(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| AuditError(e.to_string()))?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(64);
    let mut write_err = None;
    let stats = std::thread::scope(|s| {
        let h = s.spawn(|| {
            let tx = tx;
            pool.install(|| {
                files
                    .par_iter()
                    .map(|f| {
                        let mut st = process_file(aud, f, &tx);
                        st.close_file(&f.display().to_string());
                        let n = events.fetch_add(st.read, Ordering::Relaxed) + st.read;
                        if let Some(pb) = &bar {
                            pb.inc(std::fs::metadata(f).map(|m| m.len()).unwrap_or(0));
                            let secs = start.elapsed().as_secs_f64().max(1e-9);
                            pb.set_message(format!("{n} events, {:.0} events/s", n as f64 / secs));
                        }
                        st
                    })
                    .reduce(Stats::default, Stats::merge)
            })
        });
        for buf in rx {
            if write_err.is_none() {
                if let Err(e) = out.write_all(&buf) {
                    write_err = Some(e);
                }
            }
        }
        h.join()
    });
    if let Some(pb) = bar {
        pb.finish_and_clear();
    }
    if let Some(e) = write_err {
        return Err(AuditError(format!("cannot write output: {e}")));
    }
    let mut stats = stats.map_err(|_| AuditError("a worker thread panicked".into()))?;
    stats.seconds = start.elapsed().as_secs_f64();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines_are_counted_eight_at_a_time() {
        for text in [
            "",
            "\n",
            "a\nb\n\n",
            "0123456\n89abcdef\n\n\n\n\n\n\n\n\nxyz\n",
        ] {
            let want = text.bytes().filter(|&c| c == b'\n').count();
            assert_eq!(count_newlines(text.as_bytes()), want, "{text:?}");
        }
        let mixed: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 13) as u8).collect();
        let want = mixed.iter().filter(|&&c| c == b'\n').count();
        assert_eq!(count_newlines(&mixed), want);
        assert_eq!(
            count_newlines(&[0x8a, 0x0a, 0x0b, 0x09, 0x0a, 0xff, 0x0a, 0x00, 0x0a]),
            4
        );
    }
}
