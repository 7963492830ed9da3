//! The audit image and the [`Auditor`].
//!
//! An image is the audit's inputs bundled, not compiled: the options of `iamc audit` (the
//! snapshot, the proposed change, SCPs, RCPs and their service list, resource policies,
//! resource tags, service reference) and the bytes
//! of every file they name, keyed by the path as given. Loading it runs the audit's own loader
//! (`iamc_audit::load_with`) over those bytes, so messages and report names are the CLI's,
//! and each principal's policy set is compiled once, on first use, as `iamc audit` does.
//! Trade-off: a Spark task pays the snapshot's parse on load (milliseconds for real
//! snapshots) in exchange for one format that cannot drift from the CLI's inputs.
//!
//! Format: JSON, `{"iamc_audit_image": 1, "options": {...}, "files": {path: text}}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use iamc_audit::{Options, Stats};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::{json, Value};

use crate::{BatchError, ImageError};

const VERSION: u64 = 1;

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn path_of(v: &Value, k: &str) -> Option<PathBuf> {
    v.get(k).and_then(Value::as_str).map(PathBuf::from)
}

fn options_json(o: &Options) -> Value {
    let p = |p: &Path| p.display().to_string();
    json!({
        "account_details": p(&o.account_details),
        "proposed": o.proposed.iter().map(|x| p(x)).collect::<Vec<_>>(),
        "attach_to": o.attach_to,
        "replace": o.replace,
        "proposed_scp": o.proposed_scp.iter().map(|x| p(x)).collect::<Vec<_>>(),
        "scp": o.scp,
        "resource_policies": o.resource_policies.as_deref().map(p),
        "rcp": o.rcp,
        "proposed_rcp": o.proposed_rcp.iter().map(|x| p(x)).collect::<Vec<_>>(),
        "rcp_services": o.rcp_services.as_deref().map(p),
        "resource_tags": o.resource_tags.as_deref().map(p),
        "service_reference": o.service_reference.as_deref().map(p),
        "max_record_bytes": o.max_record_bytes,
    })
}

fn options_of(v: &Value) -> Result<Options, String> {
    let Some(ad) = path_of(v, "account_details") else {
        return Err("the image has no options.account_details".into());
    };
    Ok(Options {
        account_details: ad,
        proposed: strings(v, "proposed")
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        attach_to: strings(v, "attach_to"),
        replace: v.get("replace").and_then(Value::as_str).map(str::to_string),
        proposed_scp: strings(v, "proposed_scp")
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        scp: strings(v, "scp"),
        resource_policies: path_of(v, "resource_policies"),
        rcp: strings(v, "rcp"),
        proposed_rcp: strings(v, "proposed_rcp")
            .into_iter()
            .map(PathBuf::from)
            .collect(),
        rcp_services: path_of(v, "rcp_services"),
        resource_tags: path_of(v, "resource_tags"),
        service_reference: path_of(v, "service_reference"),
        max_record_bytes: v
            .get("max_record_bytes")
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok()),
        summary_only: true,
        ..Options::default()
    })
}

/// Build an audit image from the files `iamc audit` would read with these options.
#[pyfunction]
#[pyo3(signature = (account_details, *, proposed=vec![], attach_to=vec![], replace=None,
    proposed_scp=vec![], scp=vec![], resource_policies=None, service_reference=None,
    max_record_bytes=None, rcp=vec![], proposed_rcp=vec![], rcp_services=None,
    resource_tags=None))]
#[allow(clippy::too_many_arguments)]
pub fn image<'py>(
    py: Python<'py>,
    account_details: PathBuf,
    proposed: Vec<PathBuf>,
    attach_to: Vec<String>,
    replace: Option<String>,
    proposed_scp: Vec<PathBuf>,
    scp: Vec<String>,
    resource_policies: Option<PathBuf>,
    service_reference: Option<PathBuf>,
    max_record_bytes: Option<usize>,
    rcp: Vec<String>,
    proposed_rcp: Vec<PathBuf>,
    rcp_services: Option<PathBuf>,
    resource_tags: Option<PathBuf>,
) -> PyResult<Bound<'py, PyBytes>> {
    let opts = Options {
        rcp,
        proposed_rcp,
        rcp_services,
        resource_tags,
        account_details,
        proposed,
        attach_to,
        replace,
        proposed_scp,
        scp,
        resource_policies,
        service_reference,
        max_record_bytes,
        summary_only: true,
        ..Options::default()
    };
    // Every file the loader reads, recorded as it reads it: the loader validates the options
    // (its errors are the CLI's) and the image holds exactly what it needed.
    let files: Mutex<BTreeMap<String, Value>> = Mutex::new(BTreeMap::new());
    let read = |p: &Path| -> Result<Vec<u8>, String> {
        let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|e| format!("{}: not UTF-8 text: {e}", p.display()))?;
        files
            .lock()
            .map_err(|_| "image: a poisoned lock".to_string())?
            .insert(p.display().to_string(), Value::String(text));
        Ok(bytes)
    };
    iamc_audit::load_with(&opts, &read).map_err(|e| ImageError::new_err(e.to_string()))?;
    let files = files
        .into_inner()
        .map_err(|_| ImageError::new_err("image: a poisoned lock"))?;
    let v = json!({
        "iamc_audit_image": VERSION,
        "options": options_json(&opts),
        "files": files,
    });
    let bytes = serde_json::to_vec(&v).map_err(|e| ImageError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Load an audit image (from [`image`]).
#[pyfunction]
pub fn load(image: &[u8]) -> PyResult<Auditor> {
    let v: Value = serde_json::from_slice(image)
        .map_err(|e| ImageError::new_err(format!("not an iamc audit image: {e}")))?;
    match v.get("iamc_audit_image").and_then(Value::as_u64) {
        Some(VERSION) => {}
        Some(n) => {
            return Err(ImageError::new_err(format!(
                "audit image version {n}; this iamc reads version {VERSION}"
            )))
        }
        None => {
            return Err(ImageError::new_err(
                "not an iamc audit image (no iamc_audit_image member)",
            ))
        }
    }
    let opts = options_of(v.get("options").unwrap_or(&Value::Null)).map_err(ImageError::new_err)?;
    let files = v.get("files").and_then(Value::as_object);
    let read = |p: &Path| -> Result<Vec<u8>, String> {
        let key = p.display().to_string();
        files
            .and_then(|f| f.get(&key))
            .and_then(Value::as_str)
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| format!("{key}: not in the audit image"))
    };
    let aud =
        iamc_audit::load_with(&opts, &read).map_err(|e| ImageError::new_err(e.to_string()))?;
    Ok(Auditor {
        aud,
        stats: Mutex::new((Stats::default(), 0.0)),
    })
}

/// Decides record batches of trail files or JSON-lines records against an image's snapshot
/// and change, and keeps the counters of everything it decided (for [`Auditor::summary`]).
///
/// An auditor finds duplicate event ids among the records it sees; an engine that spreads the
/// input over several auditors finds those across them itself (by `event_id`).
#[pyclass(module = "iamc._iamc", frozen)]
pub struct Auditor {
    aud: iamc_audit::Auditor,
    /// The counters so far, and the seconds spent deciding.
    stats: Mutex<(Stats, f64)>,
}

#[pymethods]
impl Auditor {
    /// Audit one batch: `path` + `content` (trail files) or `record` (+ `path`, `line`).
    /// Returns a pyarrow RecordBatch of `iamc.OUTPUT_DDL`: one row per record read.
    fn audit<'py>(
        &self,
        py: Python<'py>,
        batch: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = crate::ffi::import(batch)?;
        let aud = &self.aud;
        let start = Instant::now();
        let out = py
            .detach(|| iamc_arrow::audit_batch(aud, &input))
            .map_err(|e| BatchError::new_err(e.to_string()))?;
        let secs = start.elapsed().as_secs_f64();
        if let Ok(mut s) = self.stats.lock() {
            let (st, t) = std::mem::take(&mut *s);
            *s = (Stats::merge(st, out.stats), t + secs);
        }
        crate::ffi::export(py, out.batch)
    }

    /// The summary of everything audited so far, as `iamc audit` prints it (human text), or
    /// with `json=True` the `{"summary": ...}` line of `iamc audit --json`.
    #[pyo3(signature = (*, json=false, top=None))]
    fn summary(&self, json: bool, top: Option<usize>) -> PyResult<String> {
        let mut st = match self.stats.lock() {
            Ok(s) => {
                let mut st = s.0.clone();
                st.seconds = s.1;
                st
            }
            Err(_) => return Err(BatchError::new_err("auditor: a poisoned lock")),
        };
        self.aud.finish(&mut st, top);
        let mut out = Vec::new();
        let r = if json {
            iamc_audit::report::json_summary(&st, &mut out)
        } else {
            iamc_audit::report::human(&st, &mut out)
        };
        r.map_err(|e| BatchError::new_err(e.to_string()))?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// What the report adds to counters gathered elsewhere (a Spark job's aggregations), as
    /// `iamc audit` computes it (`Auditor::finish`): `(warnings, account_warning, catalog,
    /// change)` — the snapshot's and compiler's warnings, the warning when the decided calls'
    /// IAM principals (`principal_accounts`: account → events, the `principal_account`
    /// column's counts) are not of the snapshot's accounts, whether a service reference was
    /// given, whether a change was.
    fn report_facts(
        &self,
        principal_accounts: std::collections::HashMap<String, u64>,
    ) -> (Vec<String>, Option<String>, bool, bool) {
        let mut st = Stats {
            principal_accounts: principal_accounts.into_iter().collect(),
            ..Stats::default()
        };
        self.aud.finish(&mut st, None);
        (st.warnings, st.account_warning, st.catalog, st.change)
    }

    /// `(read, decided, unreadable, not_decided)` so far.
    fn counts(&self) -> PyResult<(u64, u64, u64, u64)> {
        let s = self
            .stats
            .lock()
            .map_err(|_| BatchError::new_err("auditor: a poisoned lock"))?;
        let st = &s.0;
        Ok((
            st.read,
            st.decided,
            st.unreadable,
            st.not_request + st.duplicates,
        ))
    }
}
