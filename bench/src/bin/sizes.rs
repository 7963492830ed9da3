//! Print the compiled size of every benchmark workload:
//! `cargo run --release -p iamc-bench --bin sizes`.
fn main() {
    print!("{}", iamc_bench::sizes_table());
}
