//! No request value buys unbounded CPU through a glob (C-8, R-3, C-14): `StringLike`,
//! `ArnLike` and resource patterns at the policy limits, against 1 MB request values.
//!
//! The case that took ~40 s before the matchers became linear: one `StringLike` with 250
//! values `*aaa…ab*` (~4 KB each, a 1 MB policy within every limit) against a 1 MB
//! `aws:UserAgent` of `a`s. The 1 MB decisions are taken by the compiled engine only (the
//! reference interpreter may be slow); the same policies against short values are decided by
//! both engines, which must agree. The time bound is a hang detector, not a benchmark: 10 s
//! where a release build takes milliseconds (`bench/benches/decide.rs`, `hostile_glob`, has
//! the figures). An unoptimised (debug) build gets 12 times the bound: the 1 MB `?`-segment
//! case takes ~2.4 s in release and over 20 s in debug.

use std::time::{Duration, Instant};

use iamc_harness::request::{Context, ContextValue, Request};
use iamc_runtime::Decision;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOUND: Duration = Duration::from_secs(if cfg!(debug_assertions) { 120 } else { 10 });

fn policy(op: &str, key: &str, values: &[String]) -> String {
    let list = values
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(",");
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"{op}":{{"{key}":[{list}]}}}}}}]}}"#
    )
}

fn request(resource: &str, key: &str, value: &str) -> Request {
    let mut ctx = Context::default();
    ctx.insert(key, ContextValue::Single(value.into()));
    Request {
        principal: ALICE.into(),
        action: "s3:GetObject".into(),
        resource: resource.into(),
        resource_account: None,
        context: ctx,
        unknown: Default::default(),
    }
}

/// The compiled engine's decision, within [`BOUND`].
fn compiled(set: &iamc_runtime::PolicySet, req: &Request, what: &str) -> Decision {
    let mut scratch = set.create_scratch();
    let t = Instant::now();
    let out = iamc_harness::adapter::with_runtime_request(req, |r| {
        set.evaluate(&mut scratch, r).decision
    })
    .expect("well-formed");
    assert!(
        t.elapsed() < BOUND,
        "{what}: one decision took {:?}",
        t.elapsed()
    );
    out
}

/// Both engines on a short value: they agree.
fn both(set: &iamc_compiler::ast::ParsedSet, req: &Request) -> Decision {
    let want = iamc_reference::evaluate(set, req);
    let c = iamc_tests::compile(set).expect("compiles");
    let got = iamc_harness::adapter::decide(&c, &mut c.create_scratch(), req);
    assert_eq!(want, got, "engines disagree");
    want.decision
}

/// C-8: the issue's policy (250 × `*a…ab*`, 4,000 bytes each) against a 1 MB value of `a`s
/// (no match) and one that ends in the pattern's `b` (a match), and the same shape with the
/// general matcher's worst case (`*a*a…*a*b`, 200 stars, too many wildcards for a DFA).
#[test]
fn c8_string_like_is_linear_in_the_request_value() {
    let infix: Vec<String> = (0..250)
        .map(|i| format!("*{}{}b*", "a".repeat(3_990), i % 10))
        .collect();
    let stars: Vec<String> = (0..250).map(|i| "*a".repeat(200 + i % 7) + "b").collect();
    let huge = "a".repeat(1 << 20);
    for (name, values, hit) in [
        ("infix", &infix, format!("{}9b", "a".repeat(4_000))),
        ("stars", &stars, "ab".to_string()),
    ] {
        let doc = policy("StringLike", "aws:UserAgent", values);
        assert!(doc.len() < 1 << 20, "{name}: within max_policy_bytes");
        let set = iamc_tests::identity_set(&doc);
        let c = iamc_tests::compile(&set).expect("compiles");
        // The `*lit*` values are one automaton, one pass over the megabyte.
        let automata = usize::from(name == "infix");
        assert_eq!(c.stats().infix_automata, automata, "{name}");
        let miss = request("*", "aws:UserAgent", &huge);
        assert_eq!(compiled(&c, &miss, name), Decision::ImplicitDeny, "{name}");
        let with_hit = format!("{huge}{hit}");
        let hit_req = request("*", "aws:UserAgent", &with_hit);
        assert_eq!(compiled(&c, &hit_req, name), Decision::Allow, "{name}");
        // Short values, the first ten patterns (the reference is quadratic): the engines
        // agree.
        let set = iamc_tests::identity_set(&policy("StringLike", "aws:UserAgent", &values[..10]));
        let short = "a".repeat(5_000);
        assert_eq!(
            both(&set, &request("*", "aws:UserAgent", &short)),
            Decision::ImplicitDeny
        );
        let short_hit = format!("x{hit}x");
        let expect = if name == "infix" {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        };
        assert_eq!(
            both(&set, &request("*", "aws:UserAgent", &short_hit)),
            expect,
            "{name}"
        );
    }
}

/// R-3, C-14: resource patterns and `ArnLike` fields of the same shapes against a 1 MB
/// resource ARN.
#[test]
fn r3_c14_resource_and_arn_globs_are_linear() {
    let huge = format!("arn:aws:s3:::{}", "a".repeat(1 << 20));
    let resources: Vec<String> = (0..200)
        .map(|i| format!("arn:aws:s3:::*{}{}b*", "a".repeat(3_900), i % 10))
        .collect();
    let list = resources
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(",");
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":[{list}]}}]}}"#
    );
    let set = iamc_tests::identity_set(&doc);
    let c = iamc_tests::compile(&set).expect("compiles");
    assert_eq!(
        compiled(&c, &request(&huge, "x:y", "1"), "resource"),
        Decision::ImplicitDeny
    );
    let arns: Vec<String> = (0..200)
        .map(|_| format!("arn:aws:s3:::{}b", "*a".repeat(120)))
        .collect();
    let doc = policy("ArnLike", "aws:SourceArn", &arns[..1]);
    let set = iamc_tests::identity_set(&doc);
    assert_eq!(
        both(&set, &request("*", "aws:SourceArn", "arn:aws:s3:::aab")),
        Decision::ImplicitDeny,
        "120 `a`s are needed"
    );
    let doc = policy("ArnLike", "aws:SourceArn", &arns);
    let set = iamc_tests::identity_set(&doc);
    let c = iamc_tests::compile(&set).expect("compiles");
    assert_eq!(
        compiled(&c, &request("*", "aws:SourceArn", &huge), "arn"),
        Decision::ImplicitDeny
    );
    let hit = format!("arn:aws:s3:::{}b", "a".repeat(120));
    assert_eq!(
        compiled(&c, &request("*", "aws:SourceArn", &hit), "arn"),
        Decision::Allow
    );
}

/// C-8, R-3: the `?` case (issue 18 item 7): 250 values `*a?a?…a?N?a…?a*` (120 `?`, too many
/// wildcards for a DFA; every `a` of the text starts a candidate that checks out up to the
/// digit) against a 1 MiB value of `a`s, as `StringLike` values and as resource patterns. The
/// anchor search was O(text × segment) here (~1.3 s a decision at 16 KiB, ~64× that at 1 MiB);
/// with the Shift-And tables built with the glob it is one pass per value.
#[test]
fn c8_r3_quest_segments_are_linear() {
    let seg = |i: usize| format!("{}{}{}", "a?".repeat(60), i % 10, "?a".repeat(60));
    let values: Vec<String> = (0..250).map(|i| format!("*{}*", seg(i))).collect();
    let huge = "a".repeat(1 << 20);
    // A match for the values whose digit is 9 (the `?` filled with `b`).
    let hit = format!("{}9{}", "ab".repeat(60), "ba".repeat(60));
    let doc = policy("StringLike", "aws:UserAgent", &values);
    let set = iamc_tests::identity_set(&doc);
    let c = iamc_tests::compile(&set).expect("compiles");
    assert_eq!(
        c.stats().general_globs,
        [0, 250],
        "no DFA: the segment matcher runs"
    );
    let miss = request("*", "aws:UserAgent", &huge);
    assert_eq!(compiled(&c, &miss, "quest"), Decision::ImplicitDeny);
    let with_hit = format!("{huge}{hit}x");
    let req = request("*", "aws:UserAgent", &with_hit);
    assert_eq!(compiled(&c, &req, "quest"), Decision::Allow);
    // One character short of a match: the last `a` missing.
    let near = format!("{huge}{}9{}bb", "ab".repeat(60), "ba".repeat(59));
    let req = request("*", "aws:UserAgent", &near);
    assert_eq!(compiled(&c, &req, "quest"), Decision::ImplicitDeny);
    // A loaded artifact builds the same tables (they are derived from the patterns).
    let loaded = iamc_runtime::PolicySet::from_bytes(&c.to_bytes()).expect("loads");
    assert_eq!(
        compiled(&loaded, &req, "quest, loaded"),
        Decision::ImplicitDeny
    );
    // Short values, ten patterns: the engines agree.
    let set = iamc_tests::identity_set(&policy("StringLike", "aws:UserAgent", &values[..10]));
    for (text, want) in [
        (format!("{}{hit}x", "a".repeat(3_000)), Decision::Allow),
        ("a".repeat(3_000), Decision::ImplicitDeny),
        (
            format!("{}{near}", "a".repeat(1_000)),
            Decision::ImplicitDeny,
        ),
    ] {
        assert_eq!(both(&set, &request("*", "aws:UserAgent", &text)), want);
    }

    // Resource patterns: `arn:aws:s3:::*<segment>*` against a 1 MiB resource ARN.
    let resources: Vec<String> = (0..100)
        .map(|i| format!("arn:aws:s3:::*{}*", seg(i)))
        .collect();
    let list = resources
        .iter()
        .map(|v| format!("\"{v}\""))
        .collect::<Vec<_>>()
        .join(",");
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":[{list}]}}]}}"#
    );
    let set = iamc_tests::identity_set(&doc);
    let c = iamc_tests::compile(&set).expect("compiles");
    assert_eq!(
        c.stats().general_globs,
        [0, 100],
        "no DFA: the segment matcher runs"
    );
    let arn = |s: &str| format!("arn:aws:s3:::{s}");
    for (text, want) in [
        (arn(&huge), Decision::ImplicitDeny),
        (arn(&with_hit), Decision::Allow),
        (arn(&near), Decision::ImplicitDeny),
    ] {
        assert_eq!(compiled(&c, &request(&text, "x:y", "1"), "resource"), want);
    }
    let short = arn(&format!("{}{hit}", "a".repeat(2_000)));
    assert_eq!(both(&set, &request(&short, "x:y", "1")), Decision::Allow);
}

/// V-1, C-8: a variable between wildcards (`*${aws:PrincipalTag/t}*`), whose value is request
/// input too: a 512 KiB value against a 1 MiB text, both `a`s but the value ending in `b`.
/// Matched in place, every occurrence of `a` retried the whole value (O(text × value)).
#[test]
fn v1_c8_variable_between_wildcards_is_linear() {
    let doc = policy(
        "StringLike",
        "aws:UserAgent",
        &["*${aws:PrincipalTag/t}*".to_string()],
    );
    let set = iamc_tests::identity_set(&doc);
    let c = iamc_tests::compile(&set).expect("compiles");
    let value = format!("{}b", "a".repeat(512 << 10));
    let text = "a".repeat(1 << 20);
    let mut req = request("*", "aws:UserAgent", &text);
    req.context
        .insert("aws:PrincipalTag/t", ContextValue::Single(value.clone()));
    assert_eq!(compiled(&c, &req, "variable"), Decision::ImplicitDeny);
    let hit = format!("{text}{value}x");
    let mut req = request("*", "aws:UserAgent", &hit);
    req.context
        .insert("aws:PrincipalTag/t", ContextValue::Single(value));
    assert_eq!(compiled(&c, &req, "variable"), Decision::Allow);
    // Short: the engines agree, a `*` in the value matching only `*` (V-1).
    let mut req = request("*", "aws:UserAgent", "xa*bx");
    req.context
        .insert("aws:PrincipalTag/t", ContextValue::Single("a*b".into()));
    assert_eq!(both(&set, &req), Decision::Allow);
    let mut req = request("*", "aws:UserAgent", "xaZbx");
    req.context
        .insert("aws:PrincipalTag/t", ContextValue::Single("a*b".into()));
    assert_eq!(both(&set, &req), Decision::ImplicitDeny);
}

/// C-8, C-23, C-24, V-1, E-21: a list with enough `*literal*` values is matched by one
/// automaton (`infix_automata` in the stats proves the path is taken); mixed with other shapes
/// (`?`, prefix, exact, a variable between stars), under `StringLike` and `StringNotLike`, plain
/// and with each set operator, on single and multivalued keys, with an unknown variable:
/// both engines agree on every request, and the decisions that the automaton alone makes are
/// pinned.
#[test]
fn c8_infix_automaton_agrees_with_the_reference() {
    let values: Vec<String> = [
        "*alpha*",
        "*beta*",
        "*gamma*",
        "*délta*",
        "a?c",
        "prefix*",
        "exact",
        "*${aws:username}*",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let single = |v: &str| ContextValue::Single(v.into());
    let multi = |v: &[&str]| ContextValue::Multi(v.iter().map(|s| s.to_string()).collect());
    let texts = [
        single("xxalphaxx"),
        single("BETA"),
        single("none"),
        single(""),
        single("abc"),
        single("aéc"),
        single("prefix-1"),
        single("exact"),
        single("exactly"),
        single("u-bob-u"),
        single("xdéltax"),
        multi(&["alpha", "none"]),
        multi(&["none", "zzz"]),
        multi(&["gamma", "beta"]),
        multi(&["gamma", "abc", "u-bob-u"]),
    ];
    let mut decided = 0;
    for op in [
        "StringLike",
        "StringNotLike",
        "ForAnyValue:StringLike",
        "ForAllValues:StringLike",
        "ForAnyValue:StringNotLike",
        "ForAllValues:StringNotLike",
        "StringLikeIfExists",
    ] {
        for key in ["aws:UserAgent", "aws:TagKeys"] {
            let set = iamc_tests::identity_set(&policy(op, key, &values));
            let c = iamc_tests::compile(&set).expect("compiles");
            assert_eq!(c.stats().infix_automata, 1, "{op} {key}: automaton built");
            for t in &texts {
                for unknown_user in [false, true] {
                    let mut req = request("*", key, "");
                    req.context = Context::default();
                    req.context.insert(key, t.clone());
                    if unknown_user {
                        req.unknown.context = vec!["aws:username".into()];
                    } else {
                        req.context.insert("aws:username", single("bob"));
                    }
                    let want = iamc_reference::evaluate(&set, &req);
                    let got = iamc_harness::adapter::decide(&c, &mut c.create_scratch(), &req);
                    assert_eq!(want, got, "{op} {key} {t:?} unknown={unknown_user}");
                    decided += 1;
                }
            }
        }
    }
    assert_eq!(decided, 7 * 2 * texts.len() * 2);
    // Pinned: decided by the automaton alone (no other value can match these texts).
    let set = iamc_tests::identity_set(&policy("StringLike", "aws:UserAgent", &values));
    let c = iamc_tests::compile(&set).expect("compiles");
    for (text, want) in [
        ("xxalphaxx", Decision::Allow),
        ("xdéltax", Decision::Allow),
        ("BETA", Decision::ImplicitDeny),
        ("delta", Decision::ImplicitDeny),
    ] {
        let req = request("*", "aws:UserAgent", text);
        assert_eq!(both(&set, &req), want, "{text}");
        assert_eq!(compiled(&c, &req, text), want, "{text}");
    }
    let set = iamc_tests::identity_set(&policy("StringNotLike", "aws:UserAgent", &values));
    for (text, want) in [
        ("gamma", Decision::ImplicitDeny),
        ("Gamma", Decision::Allow),
    ] {
        assert_eq!(
            both(&set, &request("*", "aws:UserAgent", text)),
            want,
            "{text}"
        );
    }
}
