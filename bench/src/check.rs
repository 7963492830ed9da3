//! The regression check: read iai-callgrind summaries, compare instruction counts with the
//! committed baseline, render the table. `src/bin/bench_check.rs` drives it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Instruction counts by bench id (`function/case`, e.g. `evaluate/realistic`).
pub type Counts = BTreeMap<String, u64>;

/// One integer metric of an iai-callgrind 0.16 summary (schema v6): `{"Int": n}` under
/// `Left` (this run), `Right` (the previous run only) or `Both` ([this, previous]).
fn metric(v: &serde_json::Value) -> Option<u64> {
    let m = &v["metrics"];
    let this = if let Some(both) = m.get("Both") {
        &both[0]
    } else {
        m.get("Left")?
    };
    this.get("Int")
        .and_then(serde_json::Value::as_u64)
        .or_else(|| {
            this.get("Float")
                .and_then(serde_json::Value::as_f64)
                .map(|f| f as u64)
        })
}

/// `(bench id, instructions)` from one `summary.json` (written with `--save-summary=json`).
pub fn parse_summary(text: &str) -> Result<(String, u64), String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let function = v["function_name"].as_str().ok_or("no function_name")?;
    let id = v["id"].as_str().ok_or("no id")?;
    let profiles = v["profiles"].as_array().ok_or("no profiles")?;
    let callgrind = profiles
        .iter()
        .find(|p| p["tool"] == "Callgrind")
        .ok_or("no Callgrind profile")?;
    let ir = metric(&callgrind["summaries"]["total"]["summary"]["Callgrind"]["Ir"])
        .ok_or("no Ir metric")?;
    Ok((format!("{function}/{id}"), ir))
}

/// Every `summary.json` below `dir`.
pub fn find_summaries(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == "summary.json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Read every summary below `dir`.
pub fn read_summaries(dir: &Path) -> Result<Counts, String> {
    let mut c = Counts::new();
    for p in find_summaries(dir) {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))?;
        let (id, ir) = parse_summary(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        c.insert(id, ir);
    }
    Ok(c)
}

/// Parse a baseline file: `{"bench id": instructions, ...}`.
pub fn parse_baseline(text: &str) -> Result<Counts, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let obj = v.as_object().ok_or("baseline is not a JSON object")?;
    obj.iter()
        .map(|(k, v)| {
            v.as_u64()
                .map(|n| (k.clone(), n))
                .ok_or_else(|| format!("{k}: not an instruction count"))
        })
        .collect()
}

/// The baseline file text for `counts` (sorted keys, one a line).
pub fn render_baseline(counts: &Counts) -> String {
    let mut s = String::from("{\n");
    for (i, (k, v)) in counts.iter().enumerate() {
        let comma = if i + 1 < counts.len() { "," } else { "" };
        s.push_str(&format!(
            "  {}: {v}{comma}\n",
            serde_json::Value::from(k.as_str())
        ));
    }
    s.push_str("}\n");
    s
}

/// The outcome of a comparison.
pub struct Report {
    /// The table, ready to print.
    pub table: String,
    /// Bench ids that regressed by more than the threshold, or that the baseline has and the
    /// run did not produce.
    pub failures: Vec<String>,
}

/// Compare `now` with `baseline`. A bench fails when it got more than `threshold_pct`
/// percent more instructions, or when it is in the baseline and missing from `now`. A bench
/// missing from the baseline is listed as `new` and does not fail (run `--update`).
/// `per_decision` gives the request count of an id, to print instructions per decision.
pub fn compare(
    baseline: &Counts,
    now: &Counts,
    threshold_pct: f64,
    per_decision: impl Fn(&str) -> Option<usize>,
) -> Report {
    let mut ids: Vec<&String> = baseline.keys().chain(now.keys()).collect();
    ids.sort();
    ids.dedup();
    let width = ids.iter().map(|s| s.len()).max().unwrap_or(5).max(5);
    let mut table = format!(
        "{:<width$}  {:>12}  {:>12}  {:>9}  {:>10}  status\n",
        "bench", "baseline", "now", "change", "per op"
    );
    let mut failures = Vec::new();
    for id in ids {
        let per = |n: u64| match per_decision(id) {
            Some(k) if k > 0 => format!("{}", n / k as u64),
            _ => "-".into(),
        };
        let (b, n) = (baseline.get(id), now.get(id));
        let line = match (b, n) {
            (Some(&b), Some(&n)) => {
                let change = if b == 0 {
                    0.0
                } else {
                    (n as f64 - b as f64) * 100.0 / b as f64
                };
                let status = if change > threshold_pct {
                    failures.push(id.clone());
                    "REGRESSED"
                } else if change < -threshold_pct {
                    "improved"
                } else {
                    "ok"
                };
                format!(
                    "{id:<width$}  {b:>12}  {n:>12}  {change:>+8.2}%  {:>10}  {status}\n",
                    per(n)
                )
            }
            (Some(&b), None) => {
                failures.push(id.clone());
                format!(
                    "{id:<width$}  {b:>12}  {:>12}  {:>9}  {:>10}  MISSING\n",
                    "-", "-", "-"
                )
            }
            (None, Some(&n)) => format!(
                "{id:<width$}  {:>12}  {n:>12}  {:>9}  {:>10}  new (not in baseline)\n",
                "-",
                "-",
                per(n)
            ),
            (None, None) => continue,
        };
        table.push_str(&line);
    }
    Report { table, failures }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(v: &[(&str, u64)]) -> Counts {
        v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
    }

    #[test]
    fn passes_on_equal_and_small_changes_fails_past_threshold() {
        let now = counts(&[("evaluate/realistic", 380_000), ("evaluate/single", 51_000)]);
        assert!(compare(&now, &now, 5.0, |_| Some(100)).failures.is_empty());
        // A baseline 4% lower: within 5%.
        let b = counts(&[("evaluate/realistic", 365_400), ("evaluate/single", 51_000)]);
        assert!(compare(&b, &now, 5.0, |_| None).failures.is_empty());
        // A baseline 10% lower: the run is a regression.
        let b = counts(&[("evaluate/realistic", 342_000), ("evaluate/single", 51_000)]);
        let r = compare(&b, &now, 5.0, |_| Some(100));
        assert_eq!(r.failures, vec!["evaluate/realistic".to_string()]);
        assert!(r.table.contains("REGRESSED"), "{}", r.table);
        // Faster is never a failure.
        let b = counts(&[("evaluate/realistic", 900_000), ("evaluate/single", 51_000)]);
        assert!(compare(&b, &now, 5.0, |_| None).failures.is_empty());
    }

    #[test]
    fn missing_bench_fails_new_bench_does_not() {
        let b = counts(&[("evaluate/gone", 1)]);
        let now = counts(&[("evaluate/new", 1)]);
        let r = compare(&b, &now, 5.0, |_| None);
        assert_eq!(r.failures, vec!["evaluate/gone".to_string()]);
        assert!(r.table.contains("new (not in baseline)"));
    }

    #[test]
    fn baseline_round_trips() {
        let c = counts(&[("a/b", 12), ("c/d", 34)]);
        assert_eq!(parse_baseline(&render_baseline(&c)), Ok(c));
    }

    #[test]
    fn parses_v6_summary_shapes() {
        let left = r#"{"function_name":"evaluate","id":"single","profiles":[{"tool":"Callgrind",
            "summaries":{"total":{"summary":{"Callgrind":{"Ir":{"diffs":null,
            "metrics":{"Left":{"Int":51155}}}}}}}}]}"#;
        assert_eq!(parse_summary(left), Ok(("evaluate/single".into(), 51155)));
        let both = r#"{"function_name":"evaluate","id":"single","profiles":[{"tool":"Callgrind",
            "summaries":{"total":{"summary":{"Callgrind":{"Ir":{"diffs":null,
            "metrics":{"Both":[{"Int":7},{"Int":9}]}}}}}}}]}"#;
        assert_eq!(parse_summary(both), Ok(("evaluate/single".into(), 7)));
    }
}
