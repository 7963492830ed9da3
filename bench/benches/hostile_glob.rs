//! The worst glob cases we can build within the default policy limits, against 1 MiB request
//! values: one decision each, wall clock (criterion). The figures are in `docs/limits.md`.
//!
//! - `infix`: one `StringLike` with 250 values `*a…aNb*` (3,990 `a`s; a 1 MB policy) against a
//!   1 MiB `aws:UserAgent` of `a`s: the case that took ~40 s when `*lit*` was searched by a
//!   compare at every occurrence of its first byte, and ~1 s as one `memmem` pass per value;
//!   now one Aho-Corasick pass for the whole list (`runtime::like`).
//! - `stars`: 250 values `*a*a…*a*b` (200–206 stars: too many wildcards for a DFA, so the
//!   segment matcher runs) against the same value.
//! - `many`: 10,000 values `*bNNNN*` (the most values a list may hold) against the same value:
//!   one automaton pass too (it was one substring search per value).
//! - `quest`: 250 values `*a?a?…a?N?a…?a*` (a segment with 120 `?`, too many wildcards for
//!   a DFA, whose literals are all one byte long, so every `a` of the text is a candidate
//!   checked up to the digit N), against a 16 KiB value: the case whose anchor search was
//!   O(text × segment) (1.3 s a decision); now the anchor search gives way to the Shift-And
//!   pass (`runtime::shift_and`), O(text × ⌈segment/64⌉).
//! - `quest_1mib`: the same values against the 1 MiB value.
//!
//! Run: `cargo bench -p iamc-bench --bench hostile_glob`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use iamc_harness::request::{Context, ContextValue, Request};

fn policy(values: &[String]) -> String {
    let list = values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringLike":{{"aws:UserAgent":[{list}]}}}}}}]}}"#
    )
}

fn request(value_len: usize) -> Request {
    let mut ctx = Context::default();
    ctx.insert("aws:UserAgent", ContextValue::Single("a".repeat(value_len)));
    Request {
        principal: "arn:aws:iam::111122223333:user/alice".into(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::b/k".into(),
        resource_account: None,
        context: ctx,
        unknown: Default::default(),
    }
}

fn bench(c: &mut Criterion) {
    let quest: Vec<String> = (0..250)
        .map(|i| format!("*{}{}{}*", "a?".repeat(60), i % 10, "?a".repeat(60)))
        .collect();
    let cases: [(&str, Vec<String>); 5] = [
        (
            "infix",
            (0..250)
                .map(|i| format!("*{}{}b*", "a".repeat(3_990), i % 10))
                .collect(),
        ),
        (
            "stars",
            (0..250).map(|i| "*a".repeat(200 + i % 7) + "b").collect(),
        ),
        ("many", (0..10_000).map(|i| format!("*b{i:04}*")).collect()),
        ("quest", quest.clone()),
        ("quest_1mib", quest),
    ];
    let mut g = c.benchmark_group("hostile_glob");
    for (name, values) in cases {
        let doc = policy(&values);
        let mut compiler = iamc_compiler::Compiler::default();
        compiler.add(
            iamc_compiler::ast::PolicyKind::Identity,
            0,
            "hostile.json",
            doc.as_bytes(),
        );
        let compiled = compiler.build().unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut scratch = compiled.create_scratch();
        let req = request(if name == "quest" { 16 << 10 } else { 1 << 20 });
        let lists = iamc_harness::adapter::list_values(&req);
        let context = iamc_harness::adapter::borrowed_context(&req, &lists);
        let r = iamc_harness::adapter::runtime_request(&req, &context).expect("one key");
        eprintln!("{name}: policy {} bytes", doc.len());
        g.bench_function(name, |b| {
            b.iter(|| black_box(compiled.evaluate(&mut scratch, black_box(&r))))
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(200))
        .measurement_time(Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
