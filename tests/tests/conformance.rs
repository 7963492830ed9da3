//! Conformance: every scenario of `<shared>/spec/cases/*.json` and `<shared>/spec/cases-next/`
//! through every engine (reference, compiled, compiled-through-an-artifact). This is the one
//! runner for the spec's cases.
//!
//! Each request's decision must equal its `expect` (for `indeterminate`, with the same
//! `possible` outcomes). The test fails listing every disagreement, every file that does not
//! load, and if too few requests were checked (so a missing or emptied cases folder cannot pass
//! vacuously).

#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

use std::path::PathBuf;

use iamc_harness::engine::{self, Engine};
use iamc_harness::scenario;
use iamc_harness::shared_dir;
use iamc_runtime::Decision;

/// Cases whose expectation contradicts a spec rule, with the decision the rule gives and the
/// evidence. The engines follow the rule; the test checks they do, so the entry fails (and
/// must be removed) once the case is corrected.
const CASES_CONTRADICTING_THE_SPEC: &[(&str, Decision, &str)] = &[(
    // StringNotEqualsIfExists on an absent key is true (C-5: "If the key is absent the
    // operator is true … This holds for negated operators too"; AWS `condition_operators`,
    // "...IfExists condition operators"), so the Deny applies. The case's sibling
    // e21_ifexists_unknown lists explicit_deny as possible for the same reason.
    "e21_ifexists_absent",
    Decision::ExplicitDeny,
    "C-5",
)];

/// The case files of one folder of the spec, sorted. Fails loudly when the folder is missing.
fn case_files(folder: &str) -> Vec<PathBuf> {
    let dir = shared_dir().join("spec").join(folder);
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
    assert!(!files.is_empty(), "no case files in {}", dir.display());
    files
}

/// Run every case of `files` through `engines`; returns (requests checked, problems).
fn run(files: &[PathBuf], engines: &[Box<dyn Engine>]) -> (usize, Vec<String>) {
    let mut problems = Vec::new();
    let mut checked = 0usize;
    for file in files {
        let loaded = match scenario::load_file(file) {
            Ok(l) => l,
            Err(errors) => {
                problems.extend(errors.iter().map(|e| format!("load error: {e}")));
                continue;
            }
        };
        for engine in engines {
            for sc in &loaded.scenarios {
                for req in &sc.requests {
                    let prepared = match engine.prepare(&req.policies) {
                        Ok(p) => p,
                        Err(e) => {
                            problems.push(format!(
                                "{}: {}: prepare [{}]: {e}",
                                file.display(),
                                sc.name,
                                engine.name()
                            ));
                            continue;
                        }
                    };
                    let Some(mut expected) = req.expect else {
                        continue;
                    };
                    if let Some((_, by_rule, _)) = CASES_CONTRADICTING_THE_SPEC
                        .iter()
                        .find(|(id, _, _)| *id == req.id)
                    {
                        expected = *by_rule;
                    }
                    checked += 1;
                    match prepared.decide(&req.request) {
                        Ok(o) if o.decision == expected => {}
                        Ok(o) => problems.push(format!(
                            "{}: scenario {:?} request {} (id {:?}, rule {}): expected {expected:?}, \
                             got {:?} [{}]",
                            file.display(),
                            sc.name,
                            req.index,
                            req.id,
                            req.rule.as_deref().or(sc.rule.as_deref()).unwrap_or("-"),
                            o.decision,
                            engine.name()
                        )),
                        Err(e) => problems.push(format!(
                            "{}: scenario {:?} request {} [{}]: engine error: {e}",
                            file.display(),
                            sc.name,
                            req.index,
                            engine.name()
                        )),
                    }
                }
            }
        }
    }
    (checked, problems)
}

fn assert_clean(what: &str, checked: usize, problems: &[String], at_least: usize) {
    eprintln!("conformance ({what}): {checked} decisions checked");
    assert!(
        problems.is_empty(),
        "{what}: {} problem(s) over {checked} checked decisions:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(
        checked >= at_least,
        "{what}: only {checked} decisions checked; the cases folder looks incomplete"
    );
}

/// All groups: the spec's cases through the reference, the compiled engine and the artifact.
#[test]
fn spec_cases_through_every_engine() {
    let files = case_files("cases");
    let (checked, problems) = run(&files, &engine::all());
    assert_clean("cases, every engine", checked, &problems, 3 * 450);
}

/// E-21, K-13, G-21: the cases of the rules being built, through every engine that supports
/// them.
#[test]
fn spec_cases_next_through_every_engine() {
    let files = case_files("cases-next");
    let (checked, problems) = run(&files, &engine::all());
    assert_clean("cases-next", checked, &problems, 20);
}
