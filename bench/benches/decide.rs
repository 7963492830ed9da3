//! Wall-clock benchmarks (criterion): decisions per second for every named workload, through
//! the compiled engine (from raw strings, and with pre-interned keys), the reference
//! interpreter, and compile time. Each workload's decision counts are checked against the
//! reference before anything is timed.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iamc_bench::{compile, compiled_counts, reference_counts, RuntimeRequests, Workload};

fn workloads() -> Vec<Workload> {
    let mut w = vec![iamc_bench::single(), iamc_bench::realistic()];
    w.extend(iamc_bench::seeds());
    w.push(iamc_bench::managed_all());
    for n in [10, 100, 1_000, 10_000] {
        w.push(iamc_bench::scale(n));
    }
    w.push(iamc_bench::hostile());
    w
}

fn bench(c: &mut Criterion) {
    for w in workloads() {
        let set = compile(&w);
        let want = reference_counts(&w);
        assert_eq!(
            compiled_counts(&set, &w),
            want,
            "{}: engines disagree",
            w.name
        );
        let rr = RuntimeRequests::new(&w.requests);
        let contexts: Vec<_> = (0..w.requests.len()).map(|i| rr.context(i)).collect();
        let reqs: Vec<iamc_runtime::Request<'_>> = w
            .requests
            .iter()
            .zip(&contexts)
            .map(|(r, ctx)| iamc_runtime::Request {
                principal: &r.principal,
                action: &r.action,
                resource: &r.resource,
                resource_account: r.resource_account.as_deref(),
                context: ctx,
            })
            .collect();
        let interned_ctx: Vec<Vec<(u32, iamc_runtime::Value<'_>)>> = contexts
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
                context: ctx,
            })
            .collect();

        let mut g = c.benchmark_group(&w.name);
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
        if w.set.identity.len() < 100 && !w.name.starts_with("scale-10000") {
            g.bench_function("reference", |b| {
                b.iter(|| {
                    for r in &w.requests {
                        black_box(iamc_reference::evaluate(&w.set, black_box(r)));
                    }
                })
            });
        }
        g.throughput(Throughput::Elements(1));
        g.bench_with_input(BenchmarkId::new("compile", &w.name), &w, |b, w| {
            b.iter(|| black_box(compile(w)))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
