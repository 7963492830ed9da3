//! `iamc_reference::explain` over every request of the spec's cases (`cases/` and
//! `cases-next/`): the explanation agrees with the decision it explains.
//!
//! - its outcome is the reference's [`evaluate`];
//! - a decision made by a statement names it, by its policy's name and Sid;
//! - an implicit deny's near misses match the action and resource but do not apply, and each
//!   named failed condition is really false; some near miss shows each reason the corpus has;
//! - an indeterminate decision's unknowns are [`depends_on`].

#![allow(clippy::panic, clippy::unwrap_used)] // tests report failures by panicking

use std::collections::BTreeMap;

use iamc_harness::scenario;
use iamc_reference::explain::{explain, statement_at, Failed};
use iamc_reference::tri::Tri;
use iamc_reference::{depends_on, evaluate, statement_applies};
use iamc_runtime::{Deciding, Decision};
use iamc_tests::shared_dir;

#[test]
fn explanations_of_every_spec_case_agree_with_their_decisions() {
    let mut requests = 0usize;
    let mut why: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for folder in ["cases", "cases-next"] {
        let dir = shared_dir().join("spec").join(folder);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{} ({e}); set IAMC_SHARED", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for file in files {
            let Ok(loaded) = scenario::load_file(&file) else {
                continue; // the conformance runner reports load errors
            };
            for sc in &loaded.scenarios {
                for req in &sc.requests {
                    requests += 1;
                    let set = &req.policies;
                    let r = &req.request;
                    let e = explain(set, r);
                    let at = format!("{}: {} {}", file.display(), sc.name, req.id);
                    if e.outcome != evaluate(set, r) {
                        problems.push(format!("{at}: outcome differs"));
                    }
                    if let Some(Deciding::Statement(s)) = e.outcome.deciding {
                        let (policy, stmt) = statement_at(set, s).unwrap();
                        let named = e.deciding.as_ref().unwrap();
                        if named.name != *policy.source || named.sid != stmt.sid {
                            problems.push(format!("{at}: deciding misnamed: {named:?}"));
                        }
                    }
                    match e.outcome.decision {
                        Decision::ImplicitDeny => {
                            let boundaries = !set.boundaries.is_empty();
                            for m in &e.near_misses {
                                let (_, stmt) = statement_at(set, m.statement.at).unwrap();
                                if statement_applies(stmt, r, boundaries) != Tri::No {
                                    problems.push(format!("{at}: near miss applies: {m:?}"));
                                }
                                if let Failed::Condition(c) = &m.failed {
                                    *why.entry(c.why.code()).or_default() += 1;
                                }
                            }
                        }
                        Decision::Indeterminate(_) => {
                            if e.unknowns != depends_on(set, r) {
                                problems.push(format!("{at}: unknowns differ"));
                            }
                        }
                        _ => {
                            if !e.near_misses.is_empty() || !e.missing.is_empty() {
                                problems.push(format!("{at}: near misses on a decided request"));
                            }
                        }
                    }
                }
            }
        }
    }
    println!("explained {requests} requests; failed-condition reasons: {why:?}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        requests > 200,
        "only {requests} requests: is the cases folder there?"
    );
    for reason in ["key_absent", "value_differs", "value_unparseable"] {
        assert!(
            why.contains_key(reason),
            "no near miss with {reason}: {why:?}"
        );
    }
}
