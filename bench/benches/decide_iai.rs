//! Instruction-count benchmarks (iai-callgrind 0.16, run under valgrind's callgrind).
//!
//! Each `evaluate` bench decides `iamc_bench::IAI_REQUESTS` requests of one workload with the
//! compiled engine; `compile` compiles the realistic set; `load_set` loads the realistic set's
//! artifact (`PolicySet::from_bytes`). Everything else — loading, compiling,
//! borrowing the requests, warming the scratch — happens in the `setup` functions, whose
//! instructions callgrind does not attribute to the benchmark. The check of these workloads
//! against the reference runs natively in `bench_check` before it starts this bench (under
//! callgrind it would dominate the run time).
//! The prepared data is leaked so that freeing it is not measured either.
//!
//! Run: `cargo bench -p iamc-bench --bench decide_iai` (needs valgrind and
//! `iai-callgrind-runner` of the same version as the `iai-callgrind` library);
//! `bench/check` compares the counts with `bench/baseline.json`.

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main, LibraryBenchmarkConfig};
use iamc_bench::{compile, iai_workload, prepare_unchecked, Prepared, Workload};
use iamc_compiler::Compiler;

fn setup_eval(id: &str) -> &'static mut Prepared {
    Box::leak(Box::new(prepare_unchecked(iai_workload(id))))
}

/// The workload and the front door holding its set ([`iamc_bench::compiler`]): the bench
/// measures `Compiler::build` alone.
fn setup_compile(id: &str) -> &'static (Workload, Compiler) {
    let w = match id {
        "realistic" => iamc_bench::realistic(),
        _ => iai_workload(id),
    };
    let c = iamc_bench::compiler(&w);
    Box::leak(Box::new((w, c)))
}

#[library_benchmark]
#[bench::single(args = ("single"), setup = setup_eval)]
#[bench::realistic(args = ("realistic"), setup = setup_eval)]
#[bench::managed_all(args = ("managed_all"), setup = setup_eval)]
#[bench::scale_10_named(args = ("scale_10_named"), setup = setup_eval)]
#[bench::scale_10_unnamed(args = ("scale_10_unnamed"), setup = setup_eval)]
#[bench::scale_100_named(args = ("scale_100_named"), setup = setup_eval)]
#[bench::scale_100_unnamed(args = ("scale_100_unnamed"), setup = setup_eval)]
#[bench::scale_1000_named(args = ("scale_1000_named"), setup = setup_eval)]
#[bench::scale_1000_unnamed(args = ("scale_1000_unnamed"), setup = setup_eval)]
#[bench::scale_10000_named(args = ("scale_10000_named"), setup = setup_eval)]
#[bench::scale_10000_unnamed(args = ("scale_10000_unnamed"), setup = setup_eval)]
#[bench::hostile(args = ("hostile"), setup = setup_eval)]
fn evaluate(p: &'static mut Prepared) -> usize {
    let mut allowed = 0;
    for r in &p.requests {
        let o = p.set.evaluate(&mut p.scratch, black_box(r));
        if o.decision == iamc_runtime::Decision::Allow {
            allowed += 1;
        }
        black_box(o);
    }
    allowed
}

// Compiles the set `COMPILE_ROUNDS` times: one compile's count varies by a few percent from
// run to run (hash tables seeded per process), and the mean of ten is steadier.
#[library_benchmark]
#[bench::realistic(args = ("realistic"), setup = setup_compile)]
fn compile_set((w, c): &'static (Workload, Compiler)) -> Vec<iamc_runtime::PolicySet> {
    (0..iamc_bench::COMPILE_ROUNDS)
        .map(|_| iamc_bench::build(black_box(c), w))
        .collect()
}

fn setup_load(id: &str) -> &'static [u8] {
    let w = match id {
        "realistic" => iamc_bench::realistic(),
        _ => iai_workload(id),
    };
    Box::leak(compile(&w).to_bytes().into_boxed_slice())
}

// Loads the set's artifact once (`PolicySet::from_bytes`: checks, decoding, building the
// indexes); the loaded set is returned, so dropping it is not measured.
#[library_benchmark]
#[bench::realistic(args = ("realistic"), setup = setup_load)]
fn load_set(bytes: &'static [u8]) -> iamc_runtime::PolicySet {
    iamc_runtime::PolicySet::from_bytes(black_box(bytes)).unwrap_or_else(|e| panic!("{e}"))
}

library_benchmark_group!(name = evaluate_group; benchmarks = evaluate);
library_benchmark_group!(name = compile_group; benchmarks = compile_set);
library_benchmark_group!(name = load_group; benchmarks = load_set);

main!(
    config = LibraryBenchmarkConfig::default();
    library_benchmark_groups = evaluate_group, compile_group, load_group
);
