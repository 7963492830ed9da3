//! Glob DFAs (issue #4) decide exactly like the linear matcher, and fall back to it at their
//! size limit.
//!
//! - property: for random globs (`*`, `?`, ASCII and 2-, 3- and 4-byte characters, literal
//!   `*` from `${*}`) and random texts, the compiler's DFA — serialised, loaded by the runtime
//!   and matched as the runtime matches it (prefix, suffix, DFA over the middle) — gives the
//!   linear matcher's answer;
//! - a glob whose DFA is exponential (`*a` then twenty `?`) exceeds the per-glob limit, gets
//!   no automaton, and the set still decides by the linear matcher;
//! - the budget and failure cap stop building; the selection rule leaves simple globs alone.

use iamc_compiler::automata::{self, AutomataLimits};
use iamc_runtime::compiler_support::automaton::{split_general, GlobDfa};
use iamc_runtime::compiler_support::glob::{Glob, TokenBuf};
use iamc_runtime::ir::{PolicySetIr, TemplateIr, TemplatePartIr};
use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

const ATOMS: [&str; 9] = ["a", "b", ":", "/", "é", "€", "😀", "ab", "a/b"];

#[derive(Clone, Debug)]
struct Pattern(TokenBuf, String);

impl Arbitrary for Pattern {
    fn arbitrary(g: &mut Gen) -> Pattern {
        let n = usize::arbitrary(g) % 10;
        let mut buf = TokenBuf::default();
        let mut text = String::new();
        for _ in 0..n {
            match u8::arbitrary(g) % 8 {
                0 | 1 => {
                    buf.push_glob(b"*");
                    text.push('*');
                }
                2 => {
                    buf.push_glob(b"?");
                    text.push('?');
                }
                3 => {
                    // A literal star (`${*}`): never a wildcard.
                    buf.push_lit(b"*");
                    text.push_str("${*}");
                }
                _ => {
                    let a = *g.choose(&ATOMS).unwrap_or(&"a");
                    buf.push_lit(a.as_bytes());
                    text.push_str(a);
                }
            }
        }
        Pattern(buf, text)
    }
}

#[derive(Clone, Debug)]
struct Text(String);

impl Arbitrary for Text {
    fn arbitrary(g: &mut Gen) -> Text {
        let n = usize::arbitrary(g) % 14;
        let mut s = String::new();
        for _ in 0..n {
            let a = *g
                .choose(&["a", "b", ":", "/", "é", "€", "😀", "*", "?"])
                .unwrap_or(&"a");
            s.push_str(a);
        }
        Text(s)
    }
}

/// Match the way the runtime does with a DFA: through `Glob::with_dfa`.
fn dfa_glob(buf: &TokenBuf) -> Option<Glob> {
    let g = Glob::from_tokens(buf.clone());
    if !matches!(g, Glob::General { .. }) {
        return None;
    }
    let (_, middle, _) = split_general(buf);
    let dfa = automata::build_dfa(&middle, 64 << 10).expect("small globs fit the limit");
    let loaded = GlobDfa::load(&automata::dfa_bytes(&dfa))
        .expect("valid")
        .expect("little-endian host");
    let g = g.with_dfa(loaded);
    assert!(matches!(g, Glob::Dfa { .. }));
    Some(g)
}

#[test]
fn dfa_decides_like_the_linear_matcher() {
    fn prop(p: Pattern, texts: Vec<Text>) -> TestResult {
        let Some(g) = dfa_glob(&p.0) else {
            return TestResult::discard();
        };
        for t in &texts {
            let want = p.0.matches(t.0.as_bytes());
            if g.matches(t.0.as_bytes()) != want {
                eprintln!("pattern {:?} text {:?}: linear {want}", p.1, t.0);
                return TestResult::failed();
            }
        }
        // Texts built from the pattern itself match far more often than random ones.
        let mut filled = String::new();
        for c in p.1.replace("${*}", "\u{0}").chars() {
            match c {
                '*' => filled.push_str("x€"),
                '?' => filled.push('😀'),
                '\u{0}' => filled.push('*'),
                c => filled.push(c),
            }
        }
        if g.matches(filled.as_bytes()) != p.0.matches(filled.as_bytes()) {
            eprintln!("pattern {:?} text {filled:?}", p.1);
            return TestResult::failed();
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(3000)
        .max_tests(30_000)
        .min_tests_passed(1000)
        .quickcheck(prop as fn(Pattern, Vec<Text>) -> TestResult);
}

#[test]
fn fixed_cases() {
    let cases: &[(&str, &str, bool)] = &[
        ("a?c", "aéc", true),
        ("a??c", "aéc", false),
        ("*?", "é", true),
        ("*??", "é", false),
        ("*??", "é😀", true),
        ("a*?b*", "a€b", true),
        ("a*?b*", "ab", false),
        ("*a*b", "xaxxab", true),
        ("*a*b", "xaxxa", false),
        ("a*b*c", "abbbc", true),
        ("ab*?*ba", "aba", false),
        ("ab*?*ba", "abxba", true),
        ("arn:aws:s3:::b/*/x?/*", "arn:aws:s3:::b/1/xé/k", true),
        ("arn:aws:s3:::b/*/x?/*", "arn:aws:s3:::b/1/xéé/k", false),
    ];
    for &(p, t, want) in cases {
        let g = dfa_glob(&{
            let mut b = TokenBuf::default();
            b.push_glob(p.as_bytes());
            b
        })
        .unwrap_or_else(|| panic!("{p} is not general"));
        assert_eq!(g.matches(t.as_bytes()), want, "{p} vs {t}");
        assert_eq!(Glob::new(p).matches(t.as_bytes()), want, "{p} vs {t}");
    }
}

fn ir_with_resources(resources: &[&str]) -> PolicySetIr {
    use iamc_runtime::ir::{PolicyIr, StatementIr};
    PolicySetIr {
        policies: vec![PolicyIr {
            kind: iamc_runtime::PolicyKind::Identity,
            level: 0,
            index: 0,
            name: "p".into(),
            statements: vec![StatementIr {
                index: 0,
                sid: None,
                allow: true,
                principal: None,
                not_action: false,
                actions: vec!["s3:GetObject".into()],
                not_resource: false,
                resources: resources
                    .iter()
                    .map(|r| TemplateIr {
                        parts: vec![TemplatePartIr::Text(r.to_string())],
                    })
                    .collect(),
                conditions: vec![],
                opaque: None,
            }],
        }],
        ..PolicySetIr::default()
    }
}

fn allowed(set: &iamc_runtime::PolicySet, resource: &str) -> bool {
    let mut scratch = set.create_scratch();
    let req = iamc_runtime::Request {
        principal: "arn:aws:iam::111122223333:user/alice",
        action: "s3:GetObject",
        resource,
        resource_account: None,
        context: iamc_runtime::Context::EMPTY,
    };
    set.evaluate(&mut scratch, &req).decision == iamc_runtime::Decision::Allow
}

#[test]
fn a_dfa_over_the_size_limit_falls_back_to_the_linear_matcher() {
    // (a|b)*a(a|b){n}: the classic DFA blow-up, 2^20 states.
    let hostile = format!("arn:aws:s3:::*a{}", "?".repeat(20));
    let mut buf = TokenBuf::default();
    buf.push_glob(hostile.as_bytes());
    let (_, middle, _) = split_general(&buf);
    assert!(automata::build_dfa(&middle, 64 << 10).is_none());

    let mut ir = ir_with_resources(&[&hostile, "arn:aws:s3:::x/*/y?"]);
    let report = automata::attach(&mut ir, &AutomataLimits::default());
    assert_eq!(report.globs, 2);
    assert_eq!((report.built, report.fell_back), (1, 1), "{report:?}");
    let set = iamc_runtime::PolicySet::new(&ir).expect("builds");
    assert_eq!(set.stats().general_globs, [1, 1]);
    let hit = format!("arn:aws:s3:::zzza{}", "b".repeat(20));
    let miss = format!("arn:aws:s3:::zzza{}", "b".repeat(21));
    assert!(allowed(&set, &hit));
    assert!(!allowed(&set, &miss));
    assert!(allowed(&set, "arn:aws:s3:::x/1/2/yé"));
    assert!(!allowed(&set, "arn:aws:s3:::x/1/2/y"));
}

#[test]
fn budget_and_failure_cap_stop_building() {
    let globs: Vec<String> = (0..6).map(|i| format!("arn:aws:s3:::{i}/*/?/*")).collect();
    let refs: Vec<&str> = globs.iter().map(String::as_str).collect();
    let mut ir = ir_with_resources(&refs);
    let full = automata::attach(&mut ir, &AutomataLimits::default());
    assert_eq!(full.built, 6);
    let one = full.bytes / 6;
    let report = automata::attach(
        &mut ir,
        &AutomataLimits {
            max_total_bytes: one * 2 + one / 2,
            ..AutomataLimits::default()
        },
    );
    assert_eq!((report.built, report.fell_back), (2, 4), "{report:?}");
    let hostile: Vec<String> = (0..5)
        .map(|i| format!("arn:aws:s3:::{i}*a{}", "?".repeat(20)))
        .collect();
    let refs: Vec<&str> = hostile.iter().map(String::as_str).collect();
    let mut ir = ir_with_resources(&refs);
    let report = automata::attach(
        &mut ir,
        &AutomataLimits {
            max_failures: 2,
            ..AutomataLimits::default()
        },
    );
    assert_eq!((report.built, report.fell_back), (0, 5), "{report:?}");
}

#[test]
fn simple_general_globs_keep_the_linear_matcher() {
    // Two or three `*` around literals: the linear matcher is faster, no DFA is built.
    // A `?` before every `*` is matched once, never retried.
    let mut ir = ir_with_resources(&[
        "arn:aws:s3:::*/logs/*",
        "arn:aws:ec2:*:*:x/*",
        "arn:aws:sns:us-east-?:1:app-*",
    ]);
    let report = automata::attach(&mut ir, &AutomataLimits::default());
    assert_eq!(report.built, 0, "{report:?}");
    assert!(ir.automata.is_empty());
    // The rule itself, on the tokens.
    for (glob, worth) in [
        ("arn:aws:s3:::*/logs/*", false),
        ("arn:aws:sns:us-east-?:1:app-*", false),
        ("arn:aws:ec2:*:*:*/*", true),
        ("a*?b", true),
        ("a**?", true),
    ] {
        let mut buf = TokenBuf::default();
        buf.push_glob(glob.as_bytes());
        assert_eq!(automata::worth_a_dfa(&buf, 4), worth, "{glob}");
    }
}

/// Wildcard actions (issue #4): a service with enough wildcard action names gets one
/// multi-pattern DFA, and it selects exactly the statements the per-pattern scan selects.
/// Statement `i` denies pattern `i` only for user `u{i}`, so each request tests one pattern.
#[test]
fn action_dfa_selects_like_the_per_pattern_scan() {
    use iamc_runtime::ir::{ConditionIr, KeyIr, OpKind, PolicyIr, StatementIr};
    fn prop(pats: Vec<Pattern>, names: Vec<Text>) -> TestResult {
        // Action names are lower-cased and have no literal `*` part: use the glob text.
        let mut patterns: Vec<String> = pats
            .iter()
            .take(16)
            .map(|p| p.1.replace("${*}", "x").to_lowercase())
            .filter(|p| p.contains(['*', '?']) && !p.chars().all(|c| c == '*'))
            .collect();
        patterns.sort();
        patterns.dedup();
        if patterns.len() < 8 {
            return TestResult::discard();
        }
        let user = |i: usize| TemplateIr {
            parts: vec![TemplatePartIr::Text(format!("u{i}"))],
        };
        let statements = patterns
            .iter()
            .enumerate()
            .map(|(i, p)| StatementIr {
                index: i as u32,
                sid: None,
                allow: false,
                principal: None,
                not_action: i % 3 == 2,
                actions: vec![format!("svc:{p}")],
                not_resource: false,
                resources: vec![TemplateIr {
                    parts: vec![TemplatePartIr::Text("*".into())],
                }],
                conditions: vec![ConditionIr {
                    key: 0,
                    set: None,
                    op: OpKind::StringEquals,
                    negated: false,
                    if_exists: false,
                    values: vec![user(i)],
                }],
                opaque: None,
            })
            .collect();
        let mut ir = PolicySetIr {
            policies: vec![PolicyIr {
                kind: iamc_runtime::PolicyKind::Identity,
                level: 0,
                index: 0,
                name: "p".into(),
                statements,
            }],
            keys: vec![KeyIr {
                name: "aws:username".into(),
                multivalued: false,
            }],
            ..PolicySetIr::default()
        };
        let report = automata::attach(&mut ir, &AutomataLimits::default());
        if report.action_automata != 1 {
            return TestResult::discard();
        }
        let with = iamc_runtime::PolicySet::new(&ir).expect("builds");
        assert_eq!(with.stats().action_automata, 1);
        ir.action_automata.clear();
        let without = iamc_runtime::PolicySet::new(&ir).expect("builds");
        let (mut s1, mut s2) = (with.create_scratch(), without.create_scratch());
        let mut names: Vec<String> = names.iter().take(8).map(|t| t.0.to_lowercase()).collect();
        names.extend(
            patterns
                .iter()
                .map(|p| p.replace('*', "é").replace('?', "😀")),
        );
        for (i, p) in patterns.iter().enumerate() {
            let u = format!("u{i}");
            let ctx = [("aws:username", iamc_runtime::Value::Single(&u))];
            for n in &names {
                let action = format!("svc:{n}");
                let req = iamc_runtime::Request {
                    principal: "arn:aws:iam::111122223333:user/alice",
                    action: &action,
                    resource: "r",
                    resource_account: None,
                    context: iamc_runtime::Context::new(&ctx).unwrap(),
                };
                let a = with.evaluate(&mut s1, &req);
                let b = without.evaluate(&mut s2, &req);
                let matches = Glob::new(p).matches(n.as_bytes());
                let denied = a.decision == iamc_runtime::Decision::ExplicitDeny;
                if a != b || denied != (matches != (i % 3 == 2)) {
                    eprintln!("pattern {p:?} action {n:?}: dfa {a:?}, scan {b:?}");
                    return TestResult::failed();
                }
            }
        }
        TestResult::passed()
    }
    QuickCheck::new()
        .tests(60)
        .max_tests(20_000)
        .min_tests_passed(30)
        .quickcheck(prop as fn(Vec<Pattern>, Vec<Text>) -> TestResult);
}
