//! iamc-arrow: the audit as one engine-agnostic Arrow kernel — `RecordBatch` in,
//! `RecordBatch` out — for Spark's `mapInArrow`, the Python package, or any Arrow engine.
//!
//! Input ([`audit_batch`]): a batch of trail files (`path: Utf8, content: Binary`, as Spark's
//! `binaryFile` source gives them) or of JSON-lines records (`record: Utf8`, with optional
//! `path: Utf8` and `line: Int64`). Output ([`schema::output_schema`]): one row per record read,
//! unreadable and not decided ones included, so `read = decided + unreadable + not decided`
//! holds for any subset of rows after any shuffle.
//!
//! Trade-offs:
//! - The deciding is the audit's own ([`iamc_audit::batch`]): same reader, event→request
//!   mapping, approximation flags, duplicate handling and unreadable accounting as
//!   `iamc audit`; this crate only turns rows into Arrow columns.
//! - Only the small Arrow crates (`arrow-array`, `arrow-schema`, `arrow-buffer`): no compute
//!   kernels, no DataFusion, so the crate builds in seconds next to the workspace.
//! - Input columns are read in place (binary and string arrays are borrowed, not copied);
//!   the output is built with Arrow builders, one copy of each string kept.

#![forbid(unsafe_code)]

pub mod kernel;
pub mod schema;

pub use kernel::{audit_batch, KernelError, Output};
pub use schema::{output_schema, OUTPUT_DDL};
