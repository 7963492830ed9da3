//! Access queries on the synthetic organisation (`iamc_access::synth`: 10,000 users and roles
//! in 20 accounts): who-can for one action and resource over every principal, can-what for one
//! principal over every action of the service reference, and compiling every principal. Each
//! query is timed next to a brute-force loop over the compiled engine (every principal, or
//! every action, decided one by one with `evaluate_with_unknowns`, no sharing), so the ratio
//! comes from one run on one machine. `can-what --all` takes tens of seconds a run and is
//! timed once by `IAMC_BENCH_ALL=1` (printed, not a criterion sample).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use iamc_access::catalog::Catalog;
use iamc_access::org::{Org, Principal};
use iamc_access::query::{can_what, can_what_all, who_can, Facts};
use iamc_runtime::{Decision, Request, Unknown, Value};

fn shared() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn synth() -> iamc_access::synth::SynthOrg {
    let (managed, _) = iamc_access::synth::read_managed(
        &shared().join("corpus/managed-policies/aws-managed-policies.jsonl"),
    )
    .unwrap();
    iamc_access::synth::generate(&iamc_access::synth::Config::default(), &managed)
}

/// One decision of the brute-force loop: the principal's own set, its own unknown keys.
fn brute(
    org: &Org,
    p: &Principal,
    action: &str,
    resource: Option<&str>,
    scratch: &mut iamc_runtime::Scratch,
) -> Decision {
    let set = &org.sets()[p.set].compiled;
    let ctx: Vec<(&str, Value<'_>)> = p
        .context
        .iter()
        .map(|(k, v)| (k.as_str(), Value::Single(v.as_str())))
        .collect();
    let keys: Vec<&str> = org.sets()[p.set].keys.iter().map(String::as_str).collect();
    // A principal's generated context names each key once (K-2); a refusal is a deny.
    let Ok(context) = iamc_runtime::Context::new(&ctx) else {
        return Decision::ExplicitDeny;
    };
    let req = Request {
        principal: &p.request_arn,
        action,
        resource: resource.unwrap_or("*"),
        resource_account: resource.is_none().then_some(p.account.as_str()),
        context,
    };
    let unknown = Unknown {
        context: &keys,
        resource: resource.is_none(),
    };
    set.evaluate_with_unknowns(scratch, &req, &unknown).decision
}

fn access(c: &mut Criterion) {
    let synth = synth();
    let t = Instant::now();
    let org = synth.load().unwrap();
    eprintln!(
        "access: {} principals, {} sets, {} classes, {} distinct policies; loaded and compiled in {:.2} s",
        org.principals().len(),
        org.sets().len(),
        org.classes(),
        org.distinct_policies,
        t.elapsed().as_secs_f64()
    );
    let cat = Catalog::load(&shared().join("corpus/service-reference/iam-service-reference.json"))
        .unwrap();
    let facts = Facts::default();
    let action = cat.expand("ec2:RunInstances");
    let resource = vec!["arn:aws:ec2:us-east-1:210000000000:instance/i-1".to_string()];

    let mut g = c.benchmark_group("access");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("who-can/1x1/10k-principals", |b| {
        b.iter(|| black_box(who_can(&org, &action, &resource, &facts).unwrap()))
    });
    g.bench_function("who-can/1x1/10k-principals/brute-force", |b| {
        // One scratch per set, reused (as a careful caller would).
        let mut scratches: Vec<_> = org
            .sets()
            .iter()
            .map(|s| s.compiled.create_scratch())
            .collect();
        b.iter(|| {
            org.principals()
                .iter()
                .filter(|p| {
                    let r = Some(resource[0].as_str());
                    brute(&org, p, "ec2:RunInstances", r, &mut scratches[p.set]) == Decision::Allow
                })
                .count()
        })
    });
    let p = &org.principals()[17];
    g.bench_function("can-what/1-principal/all-actions", |b| {
        b.iter(|| black_box(can_what(&org, p, &cat, None, &facts).unwrap()))
    });
    g.bench_function("can-what/1-principal/all-actions/brute-force", |b| {
        let mut scratch = org.sets()[p.set].compiled.create_scratch();
        b.iter(|| {
            cat.actions()
                .iter()
                .filter(|a| {
                    let r = a.resource_types.is_empty().then_some("*");
                    brute(&org, p, &a.name, r, &mut scratch) == Decision::Allow
                })
                .count()
        })
    });
    g.bench_function("compile-all/10k-principals", |b| {
        b.iter(|| black_box(synth.load().unwrap()))
    });
    g.finish();

    if std::env::var_os("IAMC_BENCH_ALL").is_some() {
        let t = Instant::now();
        let all = can_what_all(&org, &cat, &facts);
        let took = t.elapsed();
        // Brute force on a sample of principals, extrapolated to all of them.
        let sample = 20;
        let t = Instant::now();
        for p in org
            .principals()
            .iter()
            .step_by(org.principals().len() / sample)
        {
            let mut scratch = org.sets()[p.set].compiled.create_scratch();
            for a in cat.actions() {
                let r = a.resource_types.is_empty().then_some("*");
                black_box(brute(&org, p, &a.name, r, &mut scratch));
            }
        }
        let per = t.elapsed().as_secs_f64() / sample as f64;
        eprintln!(
            "access/can-what-all: {} principals x {} actions in {:.1} s; brute force {:.1} ms a principal, {:.0} s for all (x{:.1})",
            all.len(),
            cat.actions().len(),
            took.as_secs_f64(),
            per * 1e3,
            per * org.principals().len() as f64,
            per * org.principals().len() as f64 / took.as_secs_f64()
        );
    }
}

criterion_group!(benches, access);
criterion_main!(benches);
