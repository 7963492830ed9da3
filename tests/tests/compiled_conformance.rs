//! Every conformance case in `shared/spec/cases` through the compiled engine (spec: all groups).

use std::collections::HashMap;
use std::sync::Arc;

use iamc_compiler::ast::PolicySet;
use iamc_compiler::lower;
use iamc_compiler::scenario;

#[test]
fn spec_cases_compiled_engine() {
    let dir = iamc_tests::shared_dir().join("spec/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut bad = Vec::new();
    for f in &files {
        let loaded = scenario::load_file(f).unwrap_or_else(|e| panic!("{e:?}"));
        let mut compiled: HashMap<*const PolicySet, iamc_runtime::PolicySet> = HashMap::new();
        for sc in &loaded.scenarios {
            for r in &sc.requests {
                let key = Arc::as_ptr(&r.policies);
                let set = compiled
                    .entry(key)
                    .or_insert_with(|| lower::compile(&r.policies).expect("compiles"));
                let mut scratch = set.create_scratch();
                let got = lower::with_runtime_request(&r.request, |req| {
                    lower::outcome(set.evaluate(&mut scratch, req))
                });
                total += 1;
                if let Some(want) = r.expect {
                    if got.decision != want {
                        bad.push(format!(
                            "{}: {} ({}): expected {want}, got {}",
                            f.file_name().unwrap_or_default().to_string_lossy(),
                            r.id,
                            sc.name,
                            got.decision
                        ));
                    }
                }
            }
        }
    }
    assert!(
        total > 400,
        "only {total} requests found in {}",
        dir.display()
    );
    assert!(
        bad.is_empty(),
        "{} of {total} disagree:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
