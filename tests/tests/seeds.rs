//! The seed scenarios (`corpus/seeds/*.json`): every policy of the five seed documents with
//! requests whose expectations were derived from the spec (each request cites its rule).
//! Every request must have an `expect`, and the reference interpreter must agree with all of
//! them; a failure lists every disagreement.
//!
//! The oracle's differing opinions are recorded in the requests' `note`s (see
//! `shared/spec/ORACLE_DIFFERENCES.md`); the spec wins.

use std::path::PathBuf;

use iamc_compiler::check::{check_policy, WarningKind};
use iamc_harness::scenario;

fn seed_files() -> Vec<PathBuf> {
    let dir = iamc_tests::repo_dir().join("corpus/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

// E-1 … E-19 on the seed policies: the reference interpreter agrees with every expectation.
#[test]
fn seeds_reference_agrees_with_every_expectation() {
    let files = seed_files();
    assert!(files.len() >= 5, "{files:?}");
    let mut disagreements = Vec::new();
    let mut total = 0;
    for file in &files {
        let loaded = scenario::load_file(file).unwrap_or_else(|errors| {
            panic!(
                "{}:\n{}",
                file.display(),
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        for sc in &loaded.scenarios {
            for r in &sc.requests {
                total += 1;
                let Some(expect) = r.expect else {
                    disagreements.push(format!(
                        "{}: {}/{}: no expect",
                        file.display(),
                        sc.name,
                        r.id
                    ));
                    continue;
                };
                let got = iamc_reference::evaluate(&r.policies, &r.request);
                if got.decision != expect {
                    disagreements.push(format!(
                        "{}: {}/{} [{}]: expected {expect}, reference says {} ({} {} on {})",
                        file.file_name().and_then(|f| f.to_str()).unwrap_or("?"),
                        sc.name,
                        r.id,
                        r.rule.as_deref().or(sc.rule.as_deref()).unwrap_or("-"),
                        got.decision,
                        r.request.principal,
                        r.request.action,
                        r.request.resource,
                    ));
                }
            }
        }
    }
    assert!(total > 200, "only {total} seed requests");
    assert!(
        disagreements.is_empty(),
        "{} of {total} seed requests disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

// C-24: the policy checks flag exactly the seed 000 tag deny among all seed policies' C-24
// candidates (no catalog needed).
#[test]
fn c24_seed_policies_checked() {
    let mut flagged = Vec::new();
    for file in seed_files() {
        let loaded = scenario::load_file(&file).expect("loads");
        for sc in &loaded.scenarios {
            let Some(first) = sc.requests.first() else {
                continue;
            };
            for (_, policy) in first.policies.iter() {
                for w in check_policy(policy, None) {
                    if let WarningKind::PlainOperatorOnMultivaluedKey { key, .. } = &w.kind {
                        flagged.push((sc.name.clone(), key.clone(), w.to_string()));
                    }
                }
            }
        }
    }
    assert!(!flagged.is_empty());
    for (name, key, text) in &flagged {
        assert_eq!(key, "aws:TagKeys", "{name}: {text}");
        assert!(
            text.contains("fires on every request without tags and never on tagged ones"),
            "{text}"
        );
    }
}
