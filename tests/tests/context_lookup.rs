//! Context keys found by name (C-2, K-2) through both lookup strategies of the runtime — the
//! per-key scan used for the first few keys of a decision and the resolve-everything pass that
//! takes over when a decision reads many keys — agree with the reference interpreter.

use iamc_compiler::ast::ParsedSet;
use iamc_harness::request::{Context, ContextValue, Request};

fn set_with_conditions(n: usize) -> ParsedSet {
    let conds: Vec<String> = (0..n)
        .map(|i| format!(r#""aws:PrincipalTag/K{i}":"v{i}""#))
        .collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{{}}}}}}}]}}"#,
        conds.join(",")
    );
    iamc_tests::identity_set(&doc)
}

fn request(context: Vec<(String, String)>) -> Request {
    let mut ctx = Context::default();
    for (k, v) in context {
        ctx.insert(k, ContextValue::Single(v));
    }
    Request {
        principal: "arn:aws:iam::111122223333:user/alice".into(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::b/k".into(),
        resource_account: None,
        context: ctx,
        unknown: Default::default(),
    }
}

fn both(set: &ParsedSet, req: &Request) -> (String, String) {
    let compiled = iamc_tests::compile(set).unwrap();
    let mut scratch = compiled.create_scratch();
    let got =
        iamc_harness::adapter::with_runtime_request(req, |r| compiled.evaluate(&mut scratch, r))
            .unwrap_or(iamc_runtime::Outcome::MALFORMED);
    let want = iamc_reference::evaluate(set, req);
    (got.decision.to_string(), want.decision.to_string())
}

/// C-2: every spelling of the key names, with few and with many keys read per decision.
#[test]
fn c2_key_names_any_case_few_and_many_keys() {
    for n in [1, 3, 8, 9, 30] {
        let set = set_with_conditions(n);
        // Keys written in another case, in reverse order, plus unrelated keys first.
        let mut ctx: Vec<(String, String)> = vec![
            ("aws:SourceIp".into(), "10.0.0.1".into()),
            ("AWS:USERNAME".into(), "alice".into()),
        ];
        for i in (0..n).rev() {
            ctx.push((format!("AWS:principaltag/k{i}"), format!("v{i}")));
        }
        let (got, want) = both(&set, &request(ctx.clone()));
        assert_eq!((got.as_str(), want.as_str()), ("allow", "allow"), "n = {n}");
        // One value wrong: no allow, whichever strategy found it.
        let last = ctx.len() - 1;
        ctx[last].1 = "wrong".into();
        let (got, want) = both(&set, &request(ctx.clone()));
        assert_eq!(got, want, "n = {n}");
        assert_eq!(got, "implicit_deny", "n = {n}");
        // One key missing.
        ctx.remove(last);
        let (got, want) = both(&set, &request(ctx));
        assert_eq!(got, want, "n = {n}");
        assert_eq!(got, "implicit_deny", "n = {n}");
    }
}

/// C-2 with non-ASCII names: a final sigma and the Kelvin sign fold like the reference.
#[test]
fn c2_unicode_key_names_fold_alike() {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/ΟΔΟΣ":"a","aws:RequestTag/kind":"b"}}}]}"#;
    let set = iamc_tests::identity_set(doc);
    for (sigma, kelvin) in [
        ("aws:requesttag/οδοσ", "aws:requesttag/kind"),
        ("AWS:REQUESTTAG/ΟΔΟΣ", "aws:RequestTag/\u{212A}ind"),
        ("aws:RequestTag/ΟΔΟς", "AWS:REQUESTTAG/KIND"),
    ] {
        let req = request(vec![
            (sigma.into(), "a".into()),
            (kelvin.into(), "b".into()),
        ]);
        let (got, want) = both(&set, &req);
        assert_eq!(got, want, "{sigma} / {kelvin}");
        assert_eq!(got, "allow", "{sigma} / {kelvin}");
    }
}

/// C-2 through the word-at-a-time name comparison: key names shorter than, equal to and
/// longer than a word (8 bytes), in any case, agree with the reference; names that differ
/// only in bit 0x20 of a non-letter (`@` and `` ` ``, `[` and `{`) are different names.
#[test]
fn c2_key_names_of_every_length_compare_exactly() {
    let keys = [
        "ec2:ab",
        "ec2:abcd",
        "ec2:abcde",
        "ec2:a@b`c",
        "ec2:abcdefghijkl",
        "ec2:abcdefghijklm",
        "ec2:x[y]z{w}0123456789_tail",
    ];
    let conds: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| format!(r#""{k}":"v{i}""#))
        .collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{{}}}}}}}]}}"#,
        conds.join(",")
    );
    let set = iamc_tests::identity_set(&doc);
    let spell = |k: &str, upper: bool| -> String {
        if upper {
            k.to_ascii_uppercase()
        } else {
            k.chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect()
        }
    };
    for upper in [false, true] {
        let ctx: Vec<(String, String)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (spell(k, upper), format!("v{i}")))
            .collect();
        let (got, want) = both(&set, &request(ctx.clone()));
        assert_eq!((got.as_str(), want.as_str()), ("allow", "allow"), "{ctx:?}");
        // One name changed in bit 0x20 of a non-letter: that key is absent.
        for (from, to) in [('@', '`'), ('`', '@'), ('[', '{'), ('}', ']')] {
            let mut bad = ctx.clone();
            let Some(e) = bad.iter_mut().find(|(k, _)| k.contains(from)) else {
                continue;
            };
            e.0 = e.0.replacen(from, &to.to_string(), 1);
            let (got, want) = both(&set, &request(bad.clone()));
            assert_eq!(got, want, "{bad:?}");
            assert_eq!(got, "implicit_deny", "{bad:?}");
        }
    }
}

/// C-2 on the interned path: two spellings of one key (`Σ` at the end of a word and `σ`) in
/// one policy are one key, so a request that resolves its name once with `key_id` satisfies
/// both conditions, as lookup by name and the reference do.
#[test]
fn c2_spellings_of_one_unicode_key_intern_to_one_id() {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:RequestTag/ΟΔΟΣ":"a","aws:RequestTag/ΟΔΟσ":"a"}}}]}"#;
    let set = iamc_tests::identity_set(doc);
    let compiled = iamc_tests::compile(&set).unwrap();
    assert_eq!(
        compiled.key_id("aws:RequestTag/ΟΔΟΣ"),
        compiled.key_id("aws:requesttag/οδος"),
    );
    for (name, value, expect) in [
        ("aws:RequestTag/ΟΔΟΣ", "a", "allow"),
        ("aws:requesttag/οδος", "a", "allow"),
        ("aws:RequestTag/ΟΔΟσ", "b", "implicit_deny"),
    ] {
        let req = request(vec![(name.into(), value.into())]);
        let (by_name, want) = both(&set, &req);
        let id = compiled.key_id(name).expect("the policy's key");
        let ctx = [(id, iamc_runtime::Value::Single(value))];
        let interned = iamc_runtime::InternedRequest {
            principal: &req.principal,
            action: &req.action,
            resource: &req.resource,
            resource_account: None,
            context: compiled.intern_context(&ctx).unwrap(),
        };
        let got = compiled.evaluate_interned(&mut compiled.create_scratch(), &interned);
        assert_eq!(
            (got.decision.as_str(), by_name.as_str(), want.as_str()),
            (expect, expect, expect),
            "{name}"
        );
    }
}

fn view(v: &[(String, String)]) -> Vec<(&str, iamc_runtime::Value<'_>)> {
    v.iter()
        .map(|(k, x)| (k.as_str(), iamc_runtime::Value::Single(x.as_str())))
        .collect()
}

/// K-2 at the runtime's own API: a context naming one key twice, in any case and in either
/// order, cannot be built ([`iamc_runtime::Context::new`]), so it is never decided by
/// whichever entry comes first; and one scratch reused across requests whose keys move,
/// change case or disappear answers each request on its own.
#[test]
fn k2_duplicates_refused_and_requests_do_not_leak_into_each_other() {
    use iamc_runtime::{Context, Decision, Request as Rt, RequestError, Value};
    for n in [1, 3, 9, 30] {
        let compiled = iamc_tests::compile(&set_with_conditions(n)).unwrap();
        let mut scratch = compiled.create_scratch();
        let names: Vec<String> = (0..n).map(|i| format!("aws:PrincipalTag/K{i}")).collect();
        let good: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
        let decide = |scratch: &mut iamc_runtime::Scratch, ctx: &[(&str, Value)]| {
            let r = Rt {
                principal: "arn:aws:iam::111122223333:user/alice",
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                resource_account: None,
                context: Context::new(ctx).unwrap(),
            };
            compiled.evaluate(scratch, &r).decision == Decision::Allow
        };
        let upper: Vec<String> = names.iter().map(|k| k.to_uppercase()).collect();
        let all = |names: &[String]| -> Vec<(String, String)> {
            names.iter().cloned().zip(good.iter().cloned()).collect()
        };
        for round in 0..3 {
            // In order; reversed; in upper case; with padding entries in front.
            let base = all(&names);
            assert!(decide(&mut scratch, &view(&base)), "n {n} round {round}");
            let mut rev = base.clone();
            rev.reverse();
            assert!(decide(&mut scratch, &view(&rev)), "n {n}");
            let up = all(&upper);
            assert!(decide(&mut scratch, &view(&up)), "n {n}");
            let mut padded: Vec<(String, String)> = (0..5)
                .map(|i| (format!("aws:PrincipalTag/X{i}"), "x".into()))
                .collect();
            padded.extend(base.clone());
            assert!(decide(&mut scratch, &view(&padded)), "n {n}");
            // A key removed: no allow, right after requests that had it.
            let mut removed = base.clone();
            removed.remove(round % n);
            assert!(!decide(&mut scratch, &view(&removed)), "n {n}");
            // Duplicates, after or before the right entry, in either case: refused, naming
            // both entries.
            for i in [0, n - 1] {
                for (at, spelling) in [
                    (base.len(), names[i].to_lowercase()),
                    (0, upper[i].clone()),
                    (i + 1, names[i].to_lowercase()),
                    (i, names[i].to_lowercase()),
                ] {
                    let mut dup = base.clone();
                    dup.insert(at, (spelling, "wrong".into()));
                    let v = view(&dup);
                    let (first, second) = if at <= i { (at, i + 1) } else { (i, at) };
                    assert_eq!(
                        Context::new(&v).map(|_| ()),
                        Err(RequestError::DuplicateKey { first, second }),
                        "n {n} i {i} at {at}"
                    );
                }
            }
        }
    }
}

/// Key names for the property below: short and word-boundary lengths, pairs of one length
/// (`…Tag/env` / `…Tag/team`-like), pairs equal in their first and last eight bytes (any hash
/// of the ends collides on them), names that differ from a key only in bit 0x20 of a
/// non-letter (`@` / `` ` ``), and names with a `k` (reachable through the Kelvin sign).
const PROP_KEYS: [&str; 12] = [
    "s3:x",
    "ec2:ab",
    "aws:username",
    "aws:sourceip",
    "aws:principaltag/env",
    "aws:resourcetag/team",
    "aws:principaltag/team",
    "ec2:aaaa1aaa:tag/team",
    "ec2:aaaa2aaa:tag/team",
    "ec2:a@b`c",
    "kms:viaservice",
    "aws:multifactorauthpresent",
];

/// A context's names, drawn near [`PROP_KEYS`].
#[derive(Clone, Debug)]
struct Names(Vec<String>);

use quickcheck::Arbitrary;

impl Arbitrary for Names {
    fn arbitrary(g: &mut quickcheck::Gen) -> Names {
        let n = usize::arbitrary(g) % 15;
        let names = (0..n)
            .map(|_| {
                let key = *g.choose(&PROP_KEYS).unwrap_or(&"s3:x");
                let mut s: Vec<char> = key.chars().collect();
                let pick = |g: &mut quickcheck::Gen, len: usize| usize::arbitrary(g) % len.max(1);
                match u8::arbitrary(g) % 8 {
                    // Random ASCII case.
                    0..=2 => s.iter_mut().for_each(|c| {
                        if bool::arbitrary(g) {
                            *c = c.to_ascii_uppercase();
                        }
                    }),
                    // One character off: a neighbour, or bit 0x20 flipped (`@` ↔ `` ` ``).
                    3 => {
                        let i = pick(g, s.len());
                        if let Some(c) = s.get_mut(i) {
                            let b = *c as u8 ^ if bool::arbitrary(g) { 0x20 } else { 1 };
                            *c = b as char;
                        }
                    }
                    // The Kelvin sign for a `k`.
                    4 => {
                        if let Some(c) = s.iter_mut().find(|c| **c == 'k') {
                            *c = '\u{212A}';
                        }
                    }
                    // Same length, other letters; or one character longer or shorter.
                    5 => s.iter_mut().rev().take(2).for_each(|c| *c = 'q'),
                    6 => {
                        if bool::arbitrary(g) {
                            s.push('s');
                        } else {
                            s.pop();
                        }
                    }
                    _ => {}
                }
                s.into_iter().collect()
            })
            .collect();
        Names(names)
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Names>> {
        Box::new(self.0.shrink().map(Names))
    }
}

/// The lookup rule the runtime implements (C-2, K-2): the first entry whose name equals the
/// folded key ignoring ASCII case; failing that, the first non-ASCII name that folds to it.
fn model_lookup(names: &[String], key: &str) -> Option<usize> {
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(key))
        .or_else(|| {
            names
                .iter()
                .position(|n| !n.is_ascii() && iamc_runtime::compiler_support::fold_key(n) == key)
        })
}

/// C-2, K-2 as a property: for random contexts of near-miss, recased, repeated and
/// Kelvin-sign names, a context with two names that fold alike is refused by the runtime and
/// denied by the reference's K-2 rule; in any other, every key of the set is found at the
/// entry [`model_lookup`] names (its value decides), or found absent (`Null`), through one
/// reused scratch, and the reference decides the same.
/// The set of the property below, compiled once, and a scratch reused by every case.
fn prop_set() -> &'static (ParsedSet, iamc_runtime::PolicySet) {
    static SET: std::sync::OnceLock<(ParsedSet, iamc_runtime::PolicySet)> =
        std::sync::OnceLock::new();
    SET.get_or_init(|| {
    // Per key i: `s3:Get{i}` is allowed when the key's value is "good", `s3:Nul{i}` when the
    // key is absent.
    let stmts: Vec<String> = PROP_KEYS
        .iter()
        .enumerate()
        .flat_map(|(i, k)| {
            [
                format!(
                    r#"{{"Effect":"Allow","Action":"s3:Get{i}","Resource":"*","Condition":{{"StringEquals":{{"{k}":"good"}}}}}}"#
                ),
                format!(
                    r#"{{"Effect":"Allow","Action":"s3:Nul{i}","Resource":"*","Condition":{{"Null":{{"{k}":"true"}}}}}}"#
                ),
            ]
        })
        .collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    );
    let set = iamc_tests::identity_set(&doc);
    let compiled = iamc_tests::compile(&set).unwrap();
    (set, compiled)
    })
}

thread_local! {
    static PROP_SCRATCH: std::cell::RefCell<Option<iamc_runtime::Scratch>> =
        const { std::cell::RefCell::new(None) };
}

#[test]
fn c2_k2_lookup_matches_the_model_for_random_contexts() {
    fn prop(names: Names) -> quickcheck::TestResult {
        let (set, compiled) = prop_set();
        let names = names.0;
        let folded: std::collections::HashSet<String> = names
            .iter()
            .map(|n| iamc_runtime::compiler_support::fold_key(n))
            .collect();
        let well_formed = folded.len() == names.len();
        for (i, key) in PROP_KEYS.iter().enumerate() {
            let want = model_lookup(&names, key);
            // The winning entry holds "good", every other one "bad".
            let values: Vec<String> = (0..names.len())
                .map(|j| if Some(j) == want { "good" } else { "bad" }.to_string())
                .collect();
            let ctx: Vec<(String, String)> = names.iter().cloned().zip(values).collect();
            for (action, expect) in [
                (format!("s3:Get{i}"), want.is_some()),
                (format!("s3:Nul{i}"), want.is_none()),
            ] {
                let v = view(&ctx);
                let Ok(context) = iamc_runtime::Context::new(&v) else {
                    let mut req = request(ctx.clone());
                    req.action = action.clone();
                    let reference = iamc_reference::evaluate(set, &req);
                    if well_formed || reference != iamc_runtime::Outcome::MALFORMED {
                        eprintln!("{action}: refused; reference {reference:?}; {ctx:?}");
                        return quickcheck::TestResult::failed();
                    }
                    continue;
                };
                if !well_formed {
                    eprintln!("{action}: a malformed context was accepted; {ctx:?}");
                    return quickcheck::TestResult::failed();
                }
                let r = iamc_runtime::Request {
                    principal: "arn:aws:iam::111122223333:user/alice",
                    action: &action,
                    resource: "arn:aws:s3:::b/k",
                    resource_account: None,
                    context,
                };
                let got = PROP_SCRATCH.with_borrow_mut(|s| {
                    let s = s.get_or_insert_with(|| compiled.create_scratch());
                    compiled.evaluate(s, &r).decision == iamc_runtime::Decision::Allow
                });
                if got != expect {
                    eprintln!("key {key} {action}: runtime {got}, model {want:?}; {ctx:?}");
                    return quickcheck::TestResult::failed();
                }
                if well_formed {
                    let mut req = request(ctx.clone());
                    req.action = action.clone();
                    let reference = iamc_reference::evaluate(set, &req).decision.to_string();
                    if (reference == "allow") != expect {
                        eprintln!("key {key} {action}: reference {reference}; {ctx:?}");
                        return quickcheck::TestResult::failed();
                    }
                }
            }
        }
        quickcheck::TestResult::passed()
    }
    quickcheck::QuickCheck::new()
        .tests(400)
        .quickcheck(prop as fn(Names) -> quickcheck::TestResult);
}
