//! Context keys found by name (C-2, K-2) through both lookup strategies of the runtime — the
//! per-key scan used for the first few keys of a decision and the resolve-everything pass that
//! takes over when a decision reads many keys — agree with the reference interpreter.

use iamc_compiler::ast::PolicySet;
use iamc_compiler::lower;
use iamc_compiler::request::{Context, ContextValue, Request};

fn set_with_conditions(n: usize) -> PolicySet {
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
    }
}

fn both(set: &PolicySet, req: &Request) -> (String, String) {
    let compiled = lower::compile(set).unwrap();
    let mut scratch = compiled.create_scratch();
    let got =
        lower::with_runtime_request(req, |r| lower::outcome(compiled.evaluate(&mut scratch, r)));
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
    let compiled = lower::compile(&set).unwrap();
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
            context: &ctx,
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

/// K-2 at the runtime's own API, where nothing stops two entries naming one key: the first
/// entry wins, in any case; and one scratch reused across requests whose keys move, change
/// case, disappear or repeat answers each request on its own.
#[test]
fn k2_first_entry_wins_and_requests_do_not_leak_into_each_other() {
    use iamc_runtime::{Decision, Request as Rt, Value};
    for n in [1, 3, 9, 30] {
        let compiled = lower::compile(&set_with_conditions(n)).unwrap();
        let mut scratch = compiled.create_scratch();
        let names: Vec<String> = (0..n).map(|i| format!("aws:PrincipalTag/K{i}")).collect();
        let good: Vec<String> = (0..n).map(|i| format!("v{i}")).collect();
        let decide = |scratch: &mut iamc_runtime::Scratch, ctx: &[(&str, Value)]| {
            let r = Rt {
                principal: "arn:aws:iam::111122223333:user/alice",
                action: "s3:GetObject",
                resource: "arn:aws:s3:::b/k",
                resource_account: None,
                context: ctx,
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
            // Duplicates: a wrong value after the right one changes nothing; before it, the
            // wrong one wins, in whatever case it is written.
            for i in [0, n - 1] {
                let mut dup = base.clone();
                dup.push((names[i].to_lowercase(), "wrong".into()));
                assert!(decide(&mut scratch, &view(&dup)), "n {n} i {i}");
                let mut dup = base.clone();
                dup.insert(0, (upper[i].clone(), "wrong".into()));
                assert!(!decide(&mut scratch, &view(&dup)), "n {n} i {i}");
                let mut dup = base.clone();
                dup.insert(i + 1, (names[i].to_lowercase(), "wrong".into()));
                assert!(decide(&mut scratch, &view(&dup)), "n {n} i {i}");
                let mut dup = base.clone();
                dup.insert(i, (names[i].to_lowercase(), "wrong".into()));
                assert!(!decide(&mut scratch, &view(&dup)), "n {n} i {i}");
            }
        }
    }
}
