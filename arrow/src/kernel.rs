//! The kernel: read the input batch's columns in place, decide with the audit
//! ([`iamc_audit::batch`]), append each row to Arrow builders.
//!
//! A file error (a gzip stream broken before its first record, records lost after damage that
//! cannot be counted) has no record to give a row for; so that it is not lost after a shuffle
//! either, each gives one row of status `file_error` with the message (not a record: not
//! counted in `read`, listed apart as `iamc audit` lists it).

use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
};
use arrow_array::{
    Array, ArrayRef, BinaryArray, BinaryViewArray, Int64Array, LargeBinaryArray, LargeStringArray,
    RecordBatch, StringArray, StringViewArray,
};
use arrow_schema::{ArrowError, DataType, Field};
use iamc_audit::batch::{Row, RowSink};
use iamc_audit::event::Approx;
use iamc_audit::input::Position;
use iamc_audit::{Auditor, Stats};
use iamc_runtime::Decision;

use crate::schema::{output_schema, ITEM};

/// Status of a row that stands for a file no record of which could be read.
pub const FILE_ERROR: &str = "file_error";

/// Why a batch cannot be audited.
#[derive(Debug)]
pub enum KernelError {
    /// Neither `content` (trail files) nor `record` (JSON lines) is a column.
    NoInput {
        /// The batch's columns.
        columns: Vec<String>,
    },
    /// A column has a type the kernel does not read.
    WrongType {
        /// The column.
        column: &'static str,
        /// Its type.
        found: DataType,
        /// What it should be.
        want: &'static str,
    },
    /// Building the output failed (a bug: the builders follow the schema).
    Arrow(ArrowError),
}

impl std::fmt::Display for KernelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KernelError::NoInput { columns } => write!(
                f,
                "the batch has neither a `content` column (trail files, with `path`) nor a \
                 `record` column (JSON-lines records); its columns: {}",
                columns.join(", ")
            ),
            KernelError::WrongType {
                column,
                found,
                want,
            } => write!(f, "column `{column}` is {found}, expected {want}"),
            KernelError::Arrow(e) => write!(f, "building the output batch: {e}"),
        }
    }
}

impl std::error::Error for KernelError {}

/// The kernel's result for one batch.
pub struct Output {
    /// One row per record read (and one per unreadable file): [`crate::output_schema`].
    pub batch: RecordBatch,
    /// The audit's counters for the batch (per file, unreadable list, groups).
    pub stats: Stats,
}

/// A string column of any of Arrow's string layouts, read in place.
enum Strings<'a> {
    Utf8(&'a StringArray),
    Large(&'a LargeStringArray),
    View(&'a StringViewArray),
}

impl<'a> Strings<'a> {
    fn of(batch: &'a RecordBatch, column: &'static str) -> Result<Option<Self>, KernelError> {
        let Some(a) = batch.column_by_name(column) else {
            return Ok(None);
        };
        let any = a.as_any();
        if let Some(s) = any.downcast_ref::<StringArray>() {
            Ok(Some(Strings::Utf8(s)))
        } else if let Some(s) = any.downcast_ref::<LargeStringArray>() {
            Ok(Some(Strings::Large(s)))
        } else if let Some(s) = any.downcast_ref::<StringViewArray>() {
            Ok(Some(Strings::View(s)))
        } else {
            Err(KernelError::WrongType {
                column,
                found: a.data_type().clone(),
                want: "Utf8, LargeUtf8 or Utf8View",
            })
        }
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            Strings::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Strings::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// A binary column of any of Arrow's binary layouts, read in place.
enum Bytes<'a> {
    Binary(&'a BinaryArray),
    Large(&'a LargeBinaryArray),
    View(&'a BinaryViewArray),
}

impl<'a> Bytes<'a> {
    fn of(batch: &'a RecordBatch, column: &'static str) -> Result<Option<Self>, KernelError> {
        let Some(a) = batch.column_by_name(column) else {
            return Ok(None);
        };
        let any = a.as_any();
        if let Some(s) = any.downcast_ref::<BinaryArray>() {
            Ok(Some(Bytes::Binary(s)))
        } else if let Some(s) = any.downcast_ref::<LargeBinaryArray>() {
            Ok(Some(Bytes::Large(s)))
        } else if let Some(s) = any.downcast_ref::<BinaryViewArray>() {
            Ok(Some(Bytes::View(s)))
        } else {
            Err(KernelError::WrongType {
                column,
                found: a.data_type().clone(),
                want: "Binary, LargeBinary or BinaryView",
            })
        }
    }

    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Bytes::Binary(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

fn list() -> ListBuilder<StringBuilder> {
    ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
        ITEM,
        DataType::Utf8,
        true,
    )))
}

/// The output columns being built, in schema order.
struct Builders {
    file: StringBuilder,
    position: StringBuilder,
    record_index: Int64Builder,
    status: StringBuilder,
    reason: StringBuilder,
    event_id: StringBuilder,
    event_time: StringBuilder,
    principal: StringBuilder,
    principal_account: StringBuilder,
    actions: ListBuilder<StringBuilder>,
    resources: ListBuilder<StringBuilder>,
    before: StringBuilder,
    before_policy: StringBuilder,
    before_statement: Int32Builder,
    before_sid: StringBuilder,
    after: StringBuilder,
    after_policy: StringBuilder,
    after_statement: Int32Builder,
    after_sid: StringBuilder,
    changed: BooleanBuilder,
    approximate: ListBuilder<StringBuilder>,
    indeterminate: BooleanBuilder,
    observed_error: StringBuilder,
    observed_denied: BooleanBuilder,
    /// Scratch for the position's text.
    text: String,
}

impl Builders {
    fn new() -> Builders {
        Builders {
            file: StringBuilder::new(),
            position: StringBuilder::new(),
            record_index: Int64Builder::new(),
            status: StringBuilder::new(),
            reason: StringBuilder::new(),
            event_id: StringBuilder::new(),
            event_time: StringBuilder::new(),
            principal: StringBuilder::new(),
            principal_account: StringBuilder::new(),
            actions: list(),
            resources: list(),
            before: StringBuilder::new(),
            before_policy: StringBuilder::new(),
            before_statement: Int32Builder::new(),
            before_sid: StringBuilder::new(),
            after: StringBuilder::new(),
            after_policy: StringBuilder::new(),
            after_statement: Int32Builder::new(),
            after_sid: StringBuilder::new(),
            changed: BooleanBuilder::new(),
            approximate: list(),
            indeterminate: BooleanBuilder::new(),
            observed_error: StringBuilder::new(),
            observed_denied: BooleanBuilder::new(),
            text: String::new(),
        }
    }

    fn deciding(
        policy: &mut StringBuilder,
        statement: &mut Int32Builder,
        sid: &mut StringBuilder,
        by: Option<&iamc_audit::Deciding>,
    ) {
        match by {
            Some((name, index, s)) => {
                policy.append_value(name);
                statement.append_option(i32::try_from(*index).ok());
                sid.append_option(s.as_deref());
            }
            None => {
                policy.append_null();
                statement.append_null();
                sid.append_null();
            }
        }
    }

    fn one(&mut self, r: &Row<'_>) {
        use std::fmt::Write;
        self.file.append_value(r.file);
        self.text.clear();
        let _ = write!(self.text, "{}", r.position);
        self.position.append_value(&self.text);
        let index = match r.position {
            Position::Record(i, _) | Position::Tail(i, _) => i,
            Position::Line(l) => l,
        };
        self.record_index.append_option(i64::try_from(index).ok());
        self.status.append_value(r.status.as_str());
        self.reason.append_option(r.reason.as_deref());
        let ev = r.event;
        self.event_id
            .append_option(ev.and_then(|e| e.event_id.as_deref()));
        self.event_time
            .append_option(ev.and_then(|e| e.event_time.as_deref().or(e.timestamp.as_deref())));
        match r.mapped {
            Some(m) => {
                self.principal.append_value(&m.principal.arn);
                self.principal_account
                    .append_option(m.principal.iam_account());
                self.actions.values().append_value(&m.action);
                for x in &m.extra {
                    self.actions.values().append_value(&x.action);
                }
                self.actions.append(true);
                for res in &m.resources {
                    self.resources.values().append_value(res);
                }
                self.resources.append(true);
                for a in Approx::ALL {
                    if m.has(a) {
                        self.approximate.values().append_value(a.as_str());
                    }
                }
                self.approximate.append(true);
                self.observed_denied.append_value(m.observed_denied);
            }
            None => {
                self.principal.append_null();
                self.principal_account.append_null();
                self.actions.append_null();
                self.resources.append_null();
                self.approximate.append_null();
                self.observed_denied.append_null();
            }
        }
        self.before.append_option(r.before.map(Decision::as_str));
        Self::deciding(
            &mut self.before_policy,
            &mut self.before_statement,
            &mut self.before_sid,
            r.before_by,
        );
        self.after.append_option(r.after.map(Decision::as_str));
        Self::deciding(
            &mut self.after_policy,
            &mut self.after_statement,
            &mut self.after_sid,
            r.after_by,
        );
        match (r.before, r.after) {
            (Some(b), Some(a)) => {
                self.changed.append_value(b != a);
                self.indeterminate.append_value(
                    matches!(b, Decision::Indeterminate(_))
                        || matches!(a, Decision::Indeterminate(_)),
                );
            }
            _ => {
                self.changed.append_null();
                self.indeterminate.append_null();
            }
        }
        self.observed_error
            .append_option(ev.and_then(|e| e.error_code.as_deref()));
    }

    /// A row for a file none of whose records could be read.
    fn file_error(&mut self, file: &str, reason: &str) {
        self.file.append_value(file);
        self.position.append_null();
        self.record_index.append_null();
        self.status.append_value(FILE_ERROR);
        self.reason.append_value(reason);
        for b in [
            &mut self.event_id,
            &mut self.event_time,
            &mut self.principal,
            &mut self.principal_account,
            &mut self.before,
            &mut self.before_policy,
            &mut self.before_sid,
            &mut self.after,
            &mut self.after_policy,
            &mut self.after_sid,
            &mut self.observed_error,
        ] {
            b.append_null();
        }
        for l in [
            &mut self.actions,
            &mut self.resources,
            &mut self.approximate,
        ] {
            l.append_null();
        }
        self.before_statement.append_null();
        self.after_statement.append_null();
        for b in [
            &mut self.changed,
            &mut self.indeterminate,
            &mut self.observed_denied,
        ] {
            b.append_null();
        }
    }

    fn finish(mut self) -> Result<RecordBatch, ArrowError> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.file.finish()),
            Arc::new(self.position.finish()),
            Arc::new(self.record_index.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.reason.finish()),
            Arc::new(self.event_id.finish()),
            Arc::new(self.event_time.finish()),
            Arc::new(self.principal.finish()),
            Arc::new(self.principal_account.finish()),
            Arc::new(self.actions.finish()),
            Arc::new(self.resources.finish()),
            Arc::new(self.before.finish()),
            Arc::new(self.before_policy.finish()),
            Arc::new(self.before_statement.finish()),
            Arc::new(self.before_sid.finish()),
            Arc::new(self.after.finish()),
            Arc::new(self.after_policy.finish()),
            Arc::new(self.after_statement.finish()),
            Arc::new(self.after_sid.finish()),
            Arc::new(self.changed.finish()),
            Arc::new(self.approximate.finish()),
            Arc::new(self.indeterminate.finish()),
            Arc::new(self.observed_error.finish()),
            Arc::new(self.observed_denied.finish()),
        ];
        RecordBatch::try_new(output_schema(), cols)
    }
}

impl RowSink for Builders {
    fn row(&mut self, r: &Row<'_>) {
        // An unreadable tail stands for `records` records: one row each, so row counts add
        // up like the audit's counters.
        for _ in 0..r.records {
            self.one(r);
        }
    }
}

/// The name of a JSON-lines batch without a `path` column.
pub const RECORDS_NAME: &str = "<records>";

/// Audit one batch: trail files (`path`, `content`) or JSON-lines records (`record`, with
/// optional `path` and `line`; without `line` a record's line is its row number, 1-based).
pub fn audit_batch(aud: &Auditor, input: &RecordBatch) -> Result<Output, KernelError> {
    let mut b = Builders::new();
    let mut stats = Stats::default();
    let paths = Strings::of(input, "path")?;
    if let Some(content) = Bytes::of(input, "content")? {
        for i in 0..input.num_rows() {
            let name = paths.as_ref().and_then(|p| p.get(i)).unwrap_or("");
            let bytes = content.get(i).unwrap_or(&[]);
            let st = iamc_audit::batch::decide_bytes(aud, name, bytes, &mut b);
            for e in &st.file_errors {
                b.file_error(name, e);
            }
            stats = Stats::merge(stats, st);
        }
    } else if let Some(records) = Strings::of(input, "record")? {
        let lines = match input.column_by_name("line") {
            None => None,
            Some(a) => Some(a.as_any().downcast_ref::<Int64Array>().ok_or_else(|| {
                KernelError::WrongType {
                    column: "line",
                    found: a.data_type().clone(),
                    want: "Int64",
                }
            })?),
        };
        let mut it = (0..input.num_rows()).filter_map(|i| {
            let name = paths
                .as_ref()
                .and_then(|p| p.get(i))
                .unwrap_or(RECORDS_NAME);
            let line = lines
                .and_then(|l| l.is_valid(i).then(|| l.value(i)))
                .and_then(|l| usize::try_from(l).ok())
                .unwrap_or(i + 1);
            records.get(i).map(|r| (name, line, r))
        });
        stats = iamc_audit::batch::decide_lines(aud, &mut it, &mut b);
    } else {
        return Err(KernelError::NoInput {
            columns: input
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect(),
        });
    }
    let batch = b.finish().map_err(KernelError::Arrow)?;
    Ok(Output { batch, stats })
}
