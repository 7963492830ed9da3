//! `iamc inspect`: show what a compiled artifact (`iamc compile -o set.iamc`) holds, so a
//! deployment can tell which policies are live.
//!
//! The file is loaded exactly as an authorizer loads it ([`PolicySet::from_bytes`]: header,
//! checksum, every field checked, the set built), so a file `inspect` accepts is one the
//! runtime accepts, and the load time printed is the one an authorizer pays. Printed: format
//! version and checksum, build info (compiler version, creation time, producer, inputs), every
//! policy (kind, level, index, name, statement count) and the built set's sizes
//! ([`iamc_runtime::Stats`]). `--json` prints one JSON object instead.
//!
//! A file that cannot be read or does not load is reported as `iamc inspect: FILE: error` on
//! stderr, an input error (exit status 2, [`crate::EXIT_INPUT`]).

use std::io::{self, Write};
use std::path::Path;
use std::time::Instant;

use iamc_runtime::artifact;
use iamc_runtime::{PolicyKind, PolicySet};
use serde_json::json;

use crate::compile::{merge, print_stats, stats_json};

/// Options of `iamc inspect`.
#[derive(Clone, Copy, Debug, Default)]
pub struct InspectOptions {
    /// One JSON object instead of text.
    pub json: bool,
}

/// `YYYY-MM-DDThh:mm:ssZ` for Unix seconds (proleptic Gregorian, UTC).
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// Inspect the artifact at `path`. Returns whether it loaded (exit status 0; otherwise the
/// input error was reported on `err`).
pub fn inspect(
    path: &Path,
    opts: InspectOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<bool> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            writeln!(err, "iamc inspect: {}: {e}", path.display())?;
            return Ok(false);
        }
    };
    let start = Instant::now();
    let loaded =
        artifact::read_header(&bytes).and_then(|h| PolicySet::from_bytes(&bytes).map(|s| (h, s)));
    let load = start.elapsed();
    let (header, set) = match loaded {
        Ok(x) => x,
        Err(e) => {
            writeln!(err, "iamc inspect: {}: {e}", path.display())?;
            return Ok(false);
        }
    };
    let build = set.build_info().cloned().unwrap_or_default();
    let st = set.stats();
    let micros = load.as_secs_f64() * 1e6;
    if opts.json {
        let policies: Vec<_> = set
            .policies()
            .iter()
            .map(|p| {
                json!({
                    "kind": p.kind.as_str(),
                    "level": p.level,
                    "index": p.index,
                    "name": p.name,
                    "statements": p.sids.len(),
                })
            })
            .collect();
        let mut obj = json!({
            "file": path.display().to_string(),
            "bytes": bytes.len(),
            "format_version": header.format_version,
            "checksum": format!("{:08x}", header.checksum),
            "sha256": artifact::hex(&artifact::sha256(&bytes)),
            "compiler_version": build.compiler_version,
            "created_unix_secs": build.created_unix_secs,
            "created": (build.created_unix_secs > 0).then(|| format_utc(build.created_unix_secs)),
            "producer": build.producer,
            "inputs": build.inputs,
            "load_micros": micros.round(),
            "encoded_ir_bytes": set.encoded_ir_len(),
        });
        merge(&mut obj, stats_json(&st));
        if let Some(o) = obj.as_object_mut() {
            o.insert("policy_list".into(), json!(policies));
            o.insert(
                "rcp_services".into(),
                json!(set.rcp_services().collect::<Vec<_>>()),
            );
        }
        writeln!(out, "{obj}")?;
        return Ok(true);
    }
    writeln!(
        out,
        "iamc inspect: {} ({} bytes)",
        path.display(),
        bytes.len()
    )?;
    writeln!(
        out,
        "  format:             version {}, CRC32C {:08x} (verified)",
        header.format_version, header.checksum
    )?;
    writeln!(
        out,
        "  sha256:             {} (pin with --sha256 to refuse other bytes)",
        artifact::hex(&artifact::sha256(&bytes))
    )?;
    writeln!(out, "  compiler:           {}", build.compiler_version)?;
    if build.created_unix_secs > 0 {
        writeln!(
            out,
            "  created:            {} (unix {})",
            format_utc(build.created_unix_secs),
            build.created_unix_secs
        )?;
    } else {
        writeln!(out, "  created:            unknown")?;
    }
    if !build.producer.is_empty() {
        writeln!(out, "  producer:           {}", build.producer)?;
    }
    writeln!(out, "  inputs:             {}", build.inputs.len())?;
    for i in &build.inputs {
        writeln!(out, "    {i}")?;
    }
    if micros >= 10_000.0 {
        writeln!(out, "  load time:          {:.1} ms", micros / 1000.0)?;
    } else {
        writeln!(out, "  load time:          {micros:.0} µs")?;
    }
    print_stats(out, &st)?;
    writeln!(out, "  encoded IR:         {} bytes", set.encoded_ir_len())?;
    if set.policies().iter().any(|p| p.kind == PolicyKind::Rcp) {
        let list: Vec<String> = set.rcp_services().map(str::to_string).collect();
        writeln!(out, "  {}", crate::render::rcp_services_line(&list))?;
    }
    writeln!(out, "  policy list (kind level index: name, statements):")?;
    for p in set.policies() {
        writeln!(
            out,
            "    {} {} {}: {}, {} statement(s)",
            p.kind.as_str(),
            p.level,
            p.index,
            p.name,
            p.sids.len()
        )?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formatting() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(format_utc(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
