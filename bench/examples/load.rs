//! Write a workload's artifact, or load one many times (for callgrind/perf of
//! `PolicySet::from_bytes`).
//! `cargo run --release -p iamc-bench --example load -- write managed-all /tmp/managed.iamc`
//! `valgrind --tool=callgrind target/release/examples/load load /tmp/managed.iamc 3`
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("write") => {
            let w = match args.get(1).map(String::as_str) {
                Some("managed-all") => iamc_bench::managed_all(),
                _ => iamc_bench::realistic(),
            };
            let bytes = iamc_bench::compile(&w).to_bytes();
            let path = args.get(2).map_or("artifact.iamc", String::as_str);
            std::fs::write(path, &bytes).unwrap_or_else(|e| panic!("{path}: {e}"));
            println!("{}: {} bytes to {path}", w.name, bytes.len());
        }
        Some("load") => {
            let path = args.get(1).map_or("artifact.iamc", String::as_str);
            let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
            let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let mut statements = 0;
            for _ in 0..rounds {
                let set = iamc_runtime::PolicySet::from_bytes(black_box(&bytes))
                    .unwrap_or_else(|e| panic!("{path}: {e}"));
                statements += set.stats().statements;
            }
            println!("{rounds} loads, {statements} statements");
        }
        _ => eprintln!("usage: load write (realistic|managed-all) PATH | load load PATH [ROUNDS]"),
    }
}
