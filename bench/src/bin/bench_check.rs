//! The performance regression check: runs the iai-callgrind benches (`decide_iai`), reads the
//! instruction count of every bench and compares it with `bench/baseline.json`.
//!
//!     bench/check [--threshold PCT] [--update] [--baseline FILE] [--no-run]
//!
//! Exits 1 when any bench got more than `--threshold` percent (default 5) more instructions
//! than its baseline, or is in the baseline and was not produced; `--update` rewrites the
//! baseline with this run's counts instead. Before running callgrind it checks, natively,
//! that the compiled engine decides every bench workload as the reference does. `--no-run`
//! compares the summaries left by the last run without running anything.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use iamc_bench::check::{compare, parse_baseline, read_summaries, render_baseline};

fn usage() -> ExitCode {
    eprintln!("usage: bench/check [--threshold PCT] [--update] [--baseline FILE] [--no-run]");
    ExitCode::from(2)
}

fn target_dir() -> Result<PathBuf, String> {
    if let Some(d) = std::env::var_os("CARGO_TARGET_DIR") {
        return Ok(PathBuf::from(d));
    }
    let out = Command::new(cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    v["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata: no target_directory".into())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

fn main() -> ExitCode {
    let mut threshold = 5.0;
    let mut update = false;
    let mut run = true;
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut baseline_path = repo.join("bench/baseline.json");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threshold" => match args.next().and_then(|s| s.parse().ok()) {
                Some(t) => threshold = t,
                None => return usage(),
            },
            "--update" => update = true,
            "--no-run" => run = false,
            "--baseline" => match args.next() {
                Some(p) => baseline_path = PathBuf::from(p),
                None => return usage(),
            },
            _ => return usage(),
        }
    }

    let results = match target_dir() {
        Ok(t) => t.join("iai/iamc-bench/decide_iai"),
        Err(e) => {
            eprintln!("bench-check: {e}");
            return ExitCode::from(2);
        }
    };

    if run {
        eprintln!("bench-check: checking the bench workloads against the reference (native)");
        for id in iamc_bench::IAI_IDS {
            let w = iamc_bench::iai_workload(id);
            iamc_bench::check(&iamc_bench::compile(&w), &w);
        }
        // Stale summaries of benches that no longer exist must not be read.
        for p in iamc_bench::check::find_summaries(&results) {
            let _ = std::fs::remove_file(p);
        }
        eprintln!("bench-check: cargo bench -p iamc-bench --bench decide_iai");
        let status = Command::new(cargo())
            .current_dir(&repo)
            .args([
                "bench",
                "-p",
                "iamc-bench",
                "--bench",
                "decide_iai",
                "--",
                "--save-summary=json",
            ])
            .status();
        match status {
            Ok(s) if s.success() => {}
            Ok(s) => {
                eprintln!("bench-check: the iai-callgrind benches failed ({s})");
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("bench-check: cannot run cargo: {e}");
                return ExitCode::from(2);
            }
        }
    }

    let now = match read_summaries(&results) {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            eprintln!("bench-check: no summary.json under {}", results.display());
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("bench-check: {e}");
            return ExitCode::from(2);
        }
    };

    if update {
        if let Err(e) = std::fs::write(&baseline_path, render_baseline(&now)) {
            eprintln!("bench-check: {}: {e}", baseline_path.display());
            return ExitCode::from(2);
        }
        println!(
            "bench-check: wrote {} ({} benches)",
            baseline_path.display(),
            now.len()
        );
        return ExitCode::SUCCESS;
    }

    let baseline = match std::fs::read_to_string(&baseline_path)
        .map_err(|e| e.to_string())
        .and_then(|t| parse_baseline(&t))
    {
        Ok(b) => b,
        Err(e) => {
            eprintln!("bench-check: {}: {e}", baseline_path.display());
            return ExitCode::from(2);
        }
    };
    // The last column: instructions per decision, or per compile.
    let report = compare(&baseline, &now, threshold, |id| {
        if id.starts_with("evaluate/") {
            Some(iamc_bench::IAI_REQUESTS)
        } else if id.starts_with("compile_set/") {
            Some(iamc_bench::COMPILE_ROUNDS)
        } else {
            None
        }
    });
    println!("{}", report.table);
    if report.failures.is_empty() {
        println!(
            "bench-check: OK: no bench regressed by more than {threshold}% (instructions, {} benches)",
            now.len()
        );
        ExitCode::SUCCESS
    } else {
        println!(
            "bench-check: FAILED: {} regressed by more than {threshold}% or missing: {}",
            report.failures.len(),
            report.failures.join(", ")
        );
        ExitCode::FAILURE
    }
}
