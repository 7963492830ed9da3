//! Rough timings of the synthetic organisation (the criterion benches are in `bench/`).
#![allow(clippy::unwrap_used)]
use std::time::Instant;

fn main() {
    let shared = std::env::var("IAMC_SHARED").unwrap_or_else(|_| "../shared".into());
    let (managed, _) = iamc_access::synth::read_managed(
        format!("{shared}/corpus/managed-policies/aws-managed-policies.jsonl").as_ref(),
    )
    .unwrap();
    let n: usize = std::env::args()
        .nth(1)
        .map_or(10_000, |s| s.parse().unwrap());
    let t = Instant::now();
    let org = iamc_access::synth::generate(
        &iamc_access::synth::Config {
            principals: n,
            ..Default::default()
        },
        &managed,
    );
    println!("generate {:?}", t.elapsed());
    let t = Instant::now();
    let org = org.load().unwrap();
    println!(
        "load+compile {:?}: {} principals, {} sets, {} classes, {} distinct policies",
        t.elapsed(),
        org.principals().len(),
        org.sets().len(),
        org.classes(),
        org.distinct_policies
    );
    let cat = iamc_access::catalog::Catalog::embedded().unwrap();
    let facts = iamc_access::query::Facts::default();
    let t = Instant::now();
    let g = iamc_access::query::who_can(
        &org,
        &cat.expand("ec2:RunInstances"),
        &["arn:aws:ec2:us-east-1:210000000000:instance/i-1".to_string()],
        &facts,
    )
    .unwrap();
    println!("who-can {:?}: {} grants", t.elapsed(), g.len());
    let p = &org.principals()[5];
    let t = Instant::now();
    let g = iamc_access::query::can_what(&org, p, &cat, None, &facts).unwrap();
    println!("can-what {:?}: {} grants", t.elapsed(), g.len());
    let t = Instant::now();
    let all = iamc_access::query::can_what_all(&org, &cat, &facts);
    println!("can-what-all {:?}: {}", t.elapsed(), all.len());
}
