//! Run one workload's compiled decisions many times (for callgrind/perf).
//! `cargo run --release -p iamc-bench --example profile -- realistic 200`
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let name = args.next().unwrap_or_else(|| "realistic".into());
    let rounds: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(100);
    let w = match name.as_str() {
        "single" => iamc_bench::single(),
        "managed-all" => iamc_bench::managed_all(),
        "hostile" => iamc_bench::hostile(),
        n if n.starts_with("scale-") => iamc_bench::scale(n[6..].parse().unwrap_or(100)),
        _ => iamc_bench::realistic(),
    };
    let set = iamc_bench::compile(&w);
    let rr = iamc_bench::RuntimeRequests::new(&w.requests);
    let ctxs: Vec<_> = (0..w.requests.len()).map(|i| rr.context(i)).collect();
    let mut scratch = set.create_scratch();
    let mut n = 0usize;
    for _ in 0..rounds {
        for (r, ctx) in w.requests.iter().zip(&ctxs) {
            let req = iamc_harness::adapter::runtime_request(r, ctx)
                .expect("workload requests are well-formed (K-2)");
            if set.evaluate(&mut scratch, black_box(&req)).decision == iamc_runtime::Decision::Allow
            {
                n += 1;
            }
        }
    }
    println!(
        "{name}: {} decisions, {n} allowed",
        rounds * w.requests.len()
    );
}
