//! Hostile policies compile and decide in bounded time (issue: bounded compile).
//!
//! The bounds below are hang detectors, far above the measured costs (milliseconds): a
//! regression to exponential matching or unbounded automata would blow through them.

use std::time::{Duration, Instant};

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::parse::parse_policy;
use iamc_compiler::Limits;

fn set_of(doc: &str, limits: &Limits) -> ParsedSet {
    let p = parse_policy("hostile.json", doc.as_bytes(), PolicyKind::Identity, limits)
        .unwrap_or_else(|e| panic!("{}", e[0]));
    ParsedSet {
        identity: vec![p.policy],
        ..ParsedSet::default()
    }
}

fn decide(set: &iamc_runtime::PolicySet, action: &str, resource: &str) -> iamc_runtime::Decision {
    let mut scratch = set.create_scratch();
    let req = iamc_runtime::Request {
        principal: "arn:aws:iam::111122223333:user/alice",
        action,
        resource,
        resource_account: None,
        context: iamc_runtime::Context::EMPTY,
    };
    set.evaluate(&mut scratch, &req).decision
}

/// R-3/A-3 with the most wildcards the default limits accept (256): the greedy matcher is
/// O(text × pattern), so a non-matching 2,000-byte ARN costs at most ~1M steps.
#[test]
fn r3_star_a_star_a_pattern_is_bounded() {
    let star_a = "*a".repeat(127);
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:{star_a}*","Resource":"arn:aws:s3:::{star_a}b"}}]}}"#
    );
    let set = iamc_tests::compile(&set_of(&doc, &Limits::default())).unwrap();
    let long = format!("arn:aws:s3:::{}", "a".repeat(2000));
    let start = Instant::now();
    assert_eq!(
        decide(&set, "s3:aaaa", &long),
        iamc_runtime::Decision::ImplicitDeny
    );
    let long_b = format!("{long}b");
    assert_eq!(
        decide(&set, &format!("s3:{}", "a".repeat(200)), &long_b),
        iamc_runtime::Decision::Allow
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
}

/// 10,000 statements (the default statement limit) compile in bounded time, and an action
/// no statement names is decided without touching them.
#[test]
fn ten_thousand_statements_compile() {
    let stmts: Vec<String> = (0..10_000)
        .map(|i| {
            format!(
                r#"{{"Effect":"Allow","Action":["svc{}:Get*","svc{}:Put{i}"],"Resource":"arn:aws:svc:::r/{i}/*","Condition":{{"StringEquals":{{"aws:PrincipalTag/k{}":"v"}}}}}}"#,
                i % 97,
                i % 89,
                i % 50
            )
        })
        .collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    );
    let limits = Limits {
        max_policy_bytes: 16 << 20,
        ..Limits::default()
    };
    let ast = set_of(&doc, &limits);
    let start = Instant::now();
    let set = iamc_tests::compile(&ast).unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(set.stats().statements, 10_000);
    assert_eq!(
        decide(&set, "other:Thing", "arn:aws:svc:::r/1/x"),
        iamc_runtime::Decision::ImplicitDeny
    );
}

/// `?` runs and many `*` in condition values (C-8) are matched by the same bounded matcher.
#[test]
fn c8_long_question_runs_are_bounded() {
    let q = "?".repeat(250);
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"StringLike":{{"s3:prefix":"{q}*"}}}}}}]}}"#
    );
    let set = iamc_tests::compile(&set_of(&doc, &Limits::default())).unwrap();
    let mut scratch = set.create_scratch();
    let long = "x".repeat(4000);
    let ctx = [("s3:prefix", iamc_runtime::Value::Single(long.as_str()))];
    let req = iamc_runtime::Request {
        principal: "arn:aws:iam::111122223333:user/alice",
        action: "s3:ListBucket",
        resource: "*",
        resource_account: None,
        context: iamc_runtime::Context::new(&ctx).unwrap(),
    };
    let start = Instant::now();
    assert_eq!(
        set.evaluate(&mut scratch, &req).decision,
        iamc_runtime::Decision::Allow
    );
    let short = [("s3:prefix", iamc_runtime::Value::Single("abc"))];
    let req = iamc_runtime::Request {
        context: iamc_runtime::Context::new(&short).unwrap(),
        ..req
    };
    assert_eq!(
        set.evaluate(&mut scratch, &req).decision,
        iamc_runtime::Decision::ImplicitDeny
    );
    assert!(start.elapsed() < Duration::from_secs(5));
}
