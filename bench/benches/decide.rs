//! Wall-clock benchmarks (criterion): time per decision and decisions per second (throughput
//! in elements = requests) for every named workload, through the compiled engine (from raw
//! strings, and with pre-interned keys) and the reference interpreter, and compile time per
//! set. Each workload's decision counts are checked against the reference before anything is
//! timed. A table of compiled sizes (`PolicySet::stats().memory_bytes`) is printed first.
//!
//! Groups: `single`, `realistic`, `seeds` (every seed scenario, each with its own set, as one
//! group), `managed-all`, `scale-N` (N = 10 … 10,000; plus `scale-N/named` and
//! `scale-N/unnamed` for the scaling curve), `hostile`; `realistic-batch` times the batch
//! calls (`serial`, and `parallel` on rayon's pool); and `load` (`load/realistic`,
//! `load/managed_all`: `PolicySet::from_bytes` of the set's artifact, throughput in bytes).

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use iamc_bench::{compile, compiled_counts, reference_counts, RuntimeRequests, Workload};

/// Reference runs on sets this large use the first `REFERENCE_SAMPLE` requests only (the
/// reference is linear in the statements; throughput is per request, so it stays comparable).
const LARGE_SET: usize = 1_000;
const REFERENCE_SAMPLE: usize = 100;

fn statements(w: &Workload) -> usize {
    let s = &w.set;
    s.identity
        .iter()
        .chain(&s.boundaries)
        .chain(s.scps.iter().flatten())
        .map(|p| p.statements.len())
        .sum()
}

/// A workload's requests as the runtime takes them, borrowing `contexts` (one per request).
fn runtime_requests<'a>(
    w: &'a Workload,
    contexts: &'a [Vec<(&'a str, iamc_runtime::Value<'a>)>],
) -> Vec<iamc_runtime::Request<'a>> {
    w.requests
        .iter()
        .zip(contexts)
        .map(|(r, ctx)| {
            iamc_harness::adapter::runtime_request(r, ctx)
                .expect("workload requests are well-formed (K-2)")
        })
        .collect()
}

/// Runtime and interned requests over a workload, built outside the timed loops.
fn bench_workload(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    w: &Workload,
    set: &iamc_runtime::PolicySet,
    with_compile: bool,
) {
    let rr = RuntimeRequests::new(&w.requests);
    let contexts: Vec<_> = (0..w.requests.len()).map(|i| rr.context(i)).collect();
    let reqs = runtime_requests(w, &contexts);
    let interned_ctx: Vec<Vec<(iamc_runtime::InternedKey, iamc_runtime::Value<'_>)>> = contexts
        .iter()
        .map(|ctx| {
            ctx.iter()
                .filter_map(|(k, v)| set.key_id(k).map(|id| (id, *v)))
                .collect()
        })
        .collect();
    let interned: Vec<iamc_runtime::InternedRequest<'_>> = reqs
        .iter()
        .zip(&interned_ctx)
        .map(|(r, ctx)| iamc_runtime::InternedRequest {
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            resource_account: r.resource_account,
            context: set
                .intern_context(ctx)
                .expect("workload requests are well-formed (K-2)"),
        })
        .collect();

    g.throughput(Throughput::Elements(reqs.len() as u64));
    let mut scratch = set.create_scratch();
    g.bench_function("compiled", |b| {
        b.iter(|| {
            for r in &reqs {
                black_box(set.evaluate(&mut scratch, black_box(r)));
            }
        })
    });
    g.bench_function("interned", |b| {
        b.iter(|| {
            for r in &interned {
                black_box(set.evaluate_interned(&mut scratch, black_box(r)));
            }
        })
    });
    let sample = if statements(w) > LARGE_SET {
        &w.requests[..w.requests.len().min(REFERENCE_SAMPLE)]
    } else {
        &w.requests[..]
    };
    g.throughput(Throughput::Elements(sample.len() as u64));
    g.bench_function("reference", |b| {
        b.iter(|| {
            for r in sample {
                black_box(iamc_reference::evaluate(&w.set, black_box(r)));
            }
        })
    });
    if with_compile {
        g.throughput(Throughput::Elements(1));
        let c = iamc_bench::compiler(w);
        g.bench_function("compile", |b| {
            b.iter(|| black_box(iamc_bench::build(black_box(&c), w)))
        });
    }
}

/// The batch calls over one workload: `evaluate_batch` on one core and `par_evaluate_batch`
/// on all of them (rayon), per request.
fn bench_batch(c: &mut Criterion, w: &Workload, set: &iamc_runtime::PolicySet) {
    let rr = RuntimeRequests::new(&w.requests);
    let contexts: Vec<_> = (0..w.requests.len()).map(|i| rr.context(i)).collect();
    let reqs = runtime_requests(w, &contexts);
    let mut out = vec![
        iamc_runtime::Outcome {
            decision: iamc_runtime::Decision::ImplicitDeny,
            deciding: None,
        };
        reqs.len()
    ];
    let mut g = c.benchmark_group(format!("{}-batch", w.name));
    g.throughput(Throughput::Elements(reqs.len() as u64));
    let mut scratch = set.create_scratch();
    g.bench_function("serial", |b| {
        b.iter(|| set.evaluate_batch(&mut scratch, black_box(&reqs), &mut out))
    });
    g.bench_function("parallel", |b| {
        b.iter(|| set.par_evaluate_batch(black_box(&reqs), &mut out))
    });
    g.finish();
}

fn checked(w: &Workload) -> iamc_runtime::PolicySet {
    let set = compile(w);
    assert_eq!(
        compiled_counts(&set, w),
        reference_counts(w),
        "{}: engines disagree",
        w.name
    );
    set
}

fn bench(c: &mut Criterion) {
    eprintln!("{}", iamc_bench::sizes_table());

    let mut workloads = vec![iamc_bench::single(), iamc_bench::realistic()];
    workloads.push(iamc_bench::managed_all());
    for n in [10, 100, 1_000, 10_000] {
        workloads.push(iamc_bench::scale(n));
    }
    workloads.push(iamc_bench::hostile());
    for w in &workloads {
        let set = checked(w);
        let mut g = c.benchmark_group(&w.name);
        if statements(w) > LARGE_SET || w.set.identity.len() > 100 {
            g.sample_size(10);
        }
        bench_workload(&mut g, w, &set, true);
        g.finish();
        if w.name == "realistic" {
            bench_batch(c, w, &set);
        }
    }

    // The scaling curve: actions the statements name vs actions no statement names.
    for n in [10, 100, 1_000, 10_000] {
        let (named, unnamed) = iamc_bench::scale_split(n, 500);
        let set = checked(&named);
        checked(&unnamed);
        for w in [&named, &unnamed] {
            let mut g = c.benchmark_group(&w.name);
            if n > LARGE_SET {
                g.sample_size(10);
            }
            bench_workload(&mut g, w, &set, false);
            g.finish();
        }
    }

    // Loading a compiled artifact (`PolicySet::from_bytes`); dropping the set is not timed.
    let mut g = c.benchmark_group("load");
    for w in [&workloads[1], &workloads[2]] {
        let bytes = compile(w).to_bytes();
        let id = w.name.replace('-', "_");
        if w.set.identity.len() > 100 {
            g.sample_size(10);
        } else {
            g.sample_size(20);
        }
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(id, |b| {
            b.iter_with_large_drop(|| {
                iamc_runtime::PolicySet::from_bytes(black_box(&bytes)).expect("loads")
            })
        });
    }
    g.finish();

    // Seeds: every seed scenario with its own set, as one group (per-scenario groups would
    // make the run long for a few requests each).
    let seeds = iamc_bench::seeds();
    let sets: Vec<_> = seeds.iter().map(checked).collect();
    let rrs: Vec<_> = seeds
        .iter()
        .map(|w| RuntimeRequests::new(&w.requests))
        .collect();
    let prepared: Vec<_> = seeds
        .iter()
        .zip(&rrs)
        .map(|(w, rr)| {
            (0..w.requests.len())
                .map(|i| rr.context(i))
                .collect::<Vec<_>>()
        })
        .collect();
    let total: usize = seeds.iter().map(|w| w.requests.len()).sum();
    let mut scratches: Vec<_> = sets.iter().map(|s| s.create_scratch()).collect();
    let mut g = c.benchmark_group("seeds");
    g.throughput(Throughput::Elements(total as u64));
    g.bench_function("compiled", |b| {
        b.iter(|| {
            for (((w, set), ctxs), scratch) in
                seeds.iter().zip(&sets).zip(&prepared).zip(&mut scratches)
            {
                for (r, ctx) in w.requests.iter().zip(ctxs) {
                    let req = iamc_harness::adapter::runtime_request(r, ctx)
                        .expect("workload requests are well-formed (K-2)");
                    black_box(set.evaluate(scratch, black_box(&req)));
                }
            }
        })
    });
    g.bench_function("reference", |b| {
        b.iter(|| {
            for w in &seeds {
                for r in &w.requests {
                    black_box(iamc_reference::evaluate(&w.set, black_box(r)));
                }
            }
        })
    });
    g.throughput(Throughput::Elements(seeds.len() as u64));
    let compilers: Vec<_> = seeds.iter().map(iamc_bench::compiler).collect();
    g.bench_function("compile", |b| {
        b.iter(|| {
            for (w, c) in seeds.iter().zip(&compilers) {
                black_box(iamc_bench::build(black_box(c), w));
            }
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
