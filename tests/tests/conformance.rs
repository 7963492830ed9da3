//! Conformance: every scenario of `<shared>/spec/cases/*.json` through the reference engine.
//!
//! Each request's decision must equal its `expect`. The test fails listing every
//! disagreement, every file that does not load, and if fewer than 400 requests were checked
//! (so a missing or emptied cases folder cannot pass vacuously).

#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

use std::path::PathBuf;

use iamc::engine::EngineChoice;
use iamc_compiler::scenario;
use iamc_tests::shared_dir;

/// The spec's case files, sorted. Fails loudly when the folder is missing.
fn case_files() -> Vec<PathBuf> {
    let dir = shared_dir().join("spec").join("cases");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) => panic!(
            "cannot read {} ({e}); set IAMC_SHARED to the shared folder",
            dir.display()
        ),
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn spec_cases_agree_with_the_reference_engine() {
    let engines = EngineChoice::Reference.engines();
    let mut problems = Vec::new();
    let mut checked = 0usize;
    let files = case_files();
    assert!(
        !files.is_empty(),
        "no case files in {}",
        shared_dir().display()
    );
    for file in &files {
        let loaded = match scenario::load_file(file) {
            Ok(l) => l,
            Err(errors) => {
                problems.extend(errors.iter().map(|e| format!("load error: {e}")));
                continue;
            }
        };
        for engine in &engines {
            for sc in &loaded.scenarios {
                for req in &sc.requests {
                    let prepared = match engine.prepare(&req.policies) {
                        Ok(p) => p,
                        Err(e) => {
                            problems.push(format!("{}: {}: prepare: {e}", file.display(), sc.name));
                            continue;
                        }
                    };
                    let Some(expected) = req.expect else {
                        continue;
                    };
                    checked += 1;
                    match prepared.decide(&req.request) {
                        Ok(o) if o.decision == expected => {}
                        Ok(o) => problems.push(format!(
                            "{}: scenario {:?} request {} (id {:?}, rule {}): expected {expected}, \
                             got {} [{}]",
                            file.display(),
                            sc.name,
                            req.index,
                            req.id,
                            req.rule.as_deref().or(sc.rule.as_deref()).unwrap_or("-"),
                            o.decision,
                            engine.name()
                        )),
                        Err(e) => problems.push(format!(
                            "{}: scenario {:?} request {}: engine error: {e}",
                            file.display(),
                            sc.name,
                            req.index
                        )),
                    }
                }
            }
        }
    }
    eprintln!(
        "conformance: {checked} requests checked in {} files",
        files.len()
    );
    assert!(
        problems.is_empty(),
        "{} problem(s) over {checked} checked requests:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        checked > 400,
        "only {checked} requests checked in {} files; the cases folder looks incomplete",
        files.len()
    );
}
