//! Load-time and decide-time figures for compiled artifacts (issue: compile once, load
//! anywhere). Ignored by default — timings belong in release builds on a quiet machine:
//!
//! ```text
//! cargo test --release -p iamc-tests --test artifact_bench -- --ignored --nocapture
//! ```
//!
//! Prints, for the realistic benchmark set (`shared/bench/realistic.json`) and all managed
//! policies as one identity set: artifact size, median `from_bytes` time (it decodes into a
//! view borrowing the input's strings and builds from that), and for comparison the time of
//! `artifact::decode` into an owned IR and of `ParsedSet::new` from an owned IR (which also
//! encodes the IR it keeps for `to_bytes`; `from_bytes` copies the input's bytes instead), its
//! CPU time over many runs, and for realistic
//! the median time per decision from a fresh and from a loaded set (whose decisions must be
//! equal). Medians of many runs (minimums with `IAMC_BENCH_MIN=1`); the only assertions are
//! equality of decisions.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::json::{self, Json};
use iamc_compiler::{parse_policy_json, Limits};
use iamc_harness::scenario;
use iamc_runtime::artifact;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    if std::env::var_os("IAMC_BENCH_MIN").is_some() {
        // On a busy machine the minimum says more about the code than the median.
        return v[0];
    }
    v[v.len() / 2]
}

/// Median time of `f` over `runs` runs; the result is dropped outside the timed part (an
/// authorizer keeps what it loads).
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                let r = black_box(f());
                let e = t.elapsed();
                drop(r);
                e
            })
            .collect(),
    )
}

/// This thread's CPU time (user + system) from `/proc/thread-self/stat`, in clock ticks of
/// 10 ms (`CLK_TCK` = 100 on Linux); `None` elsewhere. On a busy machine, CPU time per run
/// over many runs is a fairer figure than wall time, which includes waiting for a core.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Mean CPU time of `f` over enough runs to fill at least `min_ms` of CPU time.
fn cpu_time<T>(min_ms: u64, mut f: impl FnMut() -> T) -> Option<Duration> {
    let start = cpu_ticks()?;
    let mut runs = 0u32;
    loop {
        drop(black_box(f()));
        runs += 1;
        let used = cpu_ticks()? - start;
        if used * 10 >= min_ms {
            return Some(Duration::from_millis(used * 10) / runs);
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

/// Size and load-time figures of one set.
fn load_figures(label: &str, set: &ParsedSet, runs: usize) -> iamc_runtime::PolicySet {
    let compile = time(runs.min(20), || iamc_tests::compile(set).expect("compiles"));
    let fresh = iamc_tests::compile(set).expect("compiles");
    let bytes = fresh.to_bytes();
    let ir = iamc_tests::ir(set).expect("lowers");
    let load = time(runs, || {
        iamc_runtime::PolicySet::from_bytes(&bytes).expect("loads")
    });
    let decode = time(runs, || artifact::decode(&bytes).expect("decodes"));
    let build = time(runs, || iamc_runtime::PolicySet::new(&ir).expect("builds"));
    let write = time(runs, || fresh.to_bytes());
    let encode = time(runs, || {
        artifact::encode(&ir, &artifact::BuildInfo::default())
    });
    let cpu = cpu_time(3000, || {
        iamc_runtime::PolicySet::from_bytes(&bytes).expect("loads")
    });
    let st = fresh.stats();
    println!(
        "{label}: {} policies, {} statements; artifact {} bytes ({:.2} MB); \
         from_bytes {}; for comparison: decode to an owned IR {}, ParsedSet::new from an \
         owned IR {} (of which encoding the IR it keeps {}); to_bytes {}; compile from AST {}",
        st.policies,
        st.statements,
        bytes.len(),
        bytes.len() as f64 / 1e6,
        ms(load),
        ms(decode),
        ms(build),
        ms(encode),
        ms(write),
        ms(compile),
    );
    if let Some(cpu) = cpu {
        println!(
            "{label}: from_bytes CPU time (mean over 3 s of CPU, load and drop): {}",
            ms(cpu)
        );
    }
    iamc_runtime::PolicySet::from_bytes(&bytes).expect("loads")
}

#[test]
#[ignore = "timings: run with --release --ignored --nocapture"]
fn realistic_and_managed_load_and_decide_times() {
    let path = iamc_tests::shared_dir().join("bench/realistic.json");
    let loaded = scenario::load_file(&path).unwrap_or_else(|e| panic!("{e:?}"));
    let mut set = None;
    let mut requests = Vec::new();
    for s in loaded.scenarios {
        for r in s.requests {
            set.get_or_insert_with(|| Arc::clone(&r.policies));
            requests.push(r.request);
        }
    }
    let set = set.expect("realistic has requests");
    let from_bytes = load_figures("realistic", &set, 2001);
    let fresh = iamc_tests::compile(&set).expect("compiles");

    // Decisions: equal, then timed (median of 31 passes over the 1,000 requests).
    iamc_harness::adapter::with_runtime_requests(&requests, |reqs| {
        let (mut s1, mut s2) = (fresh.create_scratch(), from_bytes.create_scratch());
        for q in reqs {
            assert_eq!(fresh.evaluate(&mut s1, q), from_bytes.evaluate(&mut s2, q));
        }
        let per = |set: &iamc_runtime::PolicySet, s: &mut iamc_runtime::Scratch| {
            time(31, || {
                for q in reqs {
                    black_box(set.evaluate(s, q));
                }
            })
            .as_secs_f64()
                * 1e9
                / reqs.len() as f64
        };
        // Alternate so neither set is favoured by warm-up or frequency scaling.
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            a.push(per(&fresh, &mut s1));
            b.push(per(&from_bytes, &mut s2));
        }
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        println!(
            "realistic decide ({} requests, same decisions): fresh {:.0} ns/decision, loaded {:.0} ns/decision",
            reqs.len(),
            a[2],
            b[2]
        );
    })
    .expect("well-formed requests (K-2)");

    // All managed policies as one identity set.
    let mpath = iamc_tests::shared_dir().join("corpus/managed-policies/aws-managed-policies.jsonl");
    let text = std::fs::read_to_string(&mpath).expect("managed policies");
    let identity = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| {
            let v = json::parse(line, 64).ok()?;
            let name = v.get("name").and_then(Json::as_str).unwrap_or("?");
            parse_policy_json(
                Arc::from(name),
                v.get("document")?,
                PolicyKind::Identity,
                &Limits::default(),
            )
            .ok()
            .map(|p| p.policy)
        })
        .collect();
    let managed = ParsedSet {
        identity,
        ..ParsedSet::default()
    };
    load_figures("all managed policies", &managed, 41);
}
