//! K-2: a malformed request is never allowed, in every engine and at every door.
//!
//! - A context naming one key twice, in any spelling (C-2), is denied by the rule
//!   (`BuiltinRule::MalformedRequest`, `K-2`) by the reference interpreter and the compiled
//!   engine alike, whichever entry comes first; the runtime's `Context::new` refuses it, the
//!   scenario loader reports it as an input error.
//! - An interned key of one set is refused by another (`intern_context`), and an interned
//!   context checked for one set is denied by another: a bare id would name some other key
//!   there.

use iamc_harness::request::{Context, ContextValue, Request};
use iamc_runtime::{BuiltinRule, Deciding, Decision, Outcome};
use iamc_runtime::{InternedRequest, RequestError, Value};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

/// Allows `s3:GetObject` only with MFA (the example of the issue: `true;false` allowed, the
/// first entry deciding).
const MFA: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;

fn req(action: &str, ctx: &[(&str, &str)]) -> Request {
    Request {
        principal: ALICE.into(),
        action: action.into(),
        resource: "arn:aws:s3:::b/k".into(),
        resource_account: None,
        context: Context {
            entries: ctx
                .iter()
                .map(|(k, v)| (k.to_string(), ContextValue::Single(v.to_string())))
                .collect(),
        },
        unknown: Default::default(),
    }
}

fn malformed() -> Outcome {
    Outcome {
        decision: Decision::ExplicitDeny,
        deciding: Some(Deciding::Rule(BuiltinRule::MalformedRequest)),
    }
}

/// Both engines' outcome, checked equal.
fn decide(set: &iamc_compiler::ast::ParsedSet, r: &Request) -> Outcome {
    let want = iamc_reference::evaluate(set, r);
    let compiled = iamc_tests::compile(set).expect("compiles");
    let got = iamc_harness::adapter::decide(&compiled, &mut compiled.create_scratch(), r);
    assert_eq!(want, got, "reference vs compiled for {r:?}");
    want
}

/// K-2, C-2: the same key twice, in any spelling and either order, is an explicit deny by
/// the K-2 rule in both engines (it was an allow when the `true` came first); with one entry
/// the policy decides as usual.
#[test]
fn k2_duplicate_key_is_denied_by_the_rule_in_both_engines() {
    let set = iamc_tests::identity_set(MFA);
    let spellings = [
        ("aws:MultiFactorAuthPresent", "AWS:MultiFactorAuthPresent"),
        ("aws:MultiFactorAuthPresent", "aws:multifactorauthpresent"),
        ("AWS:MULTIFACTORAUTHPRESENT", "aws:MultiFactorAuthPresent"),
    ];
    for (a, b) in spellings {
        for (x, y) in [("true", "false"), ("false", "true"), ("true", "true")] {
            let r = req(
                "s3:GetObject",
                &[(a, x), ("aws:SourceIp", "10.0.0.1"), (b, y)],
            );
            assert_eq!(decide(&set, &r), malformed(), "{a}={x}, {b}={y}");
        }
    }
    assert_eq!(
        decide(
            &set,
            &req("s3:GetObject", &[("AWS:MultiFactorAuthPresent", "true")])
        )
        .decision,
        Decision::Allow
    );
    assert_eq!(
        decide(
            &set,
            &req("s3:GetObject", &[("aws:MultiFactorAuthPresent", "false")])
        )
        .decision,
        Decision::ImplicitDeny
    );
    // Before E-20 too: a malformed request is refused whatever it asks for.
    let r = req("sts:GetCallerIdentity", &[("aws:a", "1"), ("AWS:A", "1")]);
    assert_eq!(decide(&set, &r), malformed());
    // A key the policies do not read, given twice, still makes the request malformed.
    let r = req(
        "s3:GetObject",
        &[
            ("aws:MultiFactorAuthPresent", "true"),
            ("x:y", "1"),
            ("X:Y", "2"),
        ],
    );
    assert_eq!(decide(&set, &r), malformed());
}

/// K-2 with names that fold alike only under Unicode case folding (C-2): the Kelvin sign is a
/// `k`, and a final sigma a sigma.
#[test]
fn k2_unicode_spellings_are_one_key() {
    let set = iamc_tests::identity_set(MFA);
    for (a, b) in [
        ("aws:PrincipalTag/k", "aws:PrincipalTag/\u{212A}"),
        ("aws:RequestTag/ΟΔΟΣ", "aws:requesttag/οδος"),
    ] {
        let r = req(
            "s3:GetObject",
            &[("aws:MultiFactorAuthPresent", "true"), (a, "1"), (b, "2")],
        );
        assert_eq!(decide(&set, &r), malformed(), "{a} / {b}");
    }
}

/// The runtime's own API: `Context::new` names the two entries; the scenario loader reports
/// the request as an input error with its K-2 code.
#[test]
fn k2_refused_at_the_runtime_api_and_by_the_loader() {
    let ctx = [
        ("aws:MultiFactorAuthPresent", Value::Single("true")),
        ("AWS:MultiFactorAuthPresent", Value::Single("false")),
    ];
    assert_eq!(
        iamc_runtime::Context::new(&ctx).map(|_| ()),
        Err(RequestError::DuplicateKey {
            first: 0,
            second: 1
        })
    );
    let scenario = format!(
        r#"{{"scenarios":[{{"name":"s","identity_policies":[{MFA}],"requests":[{{"principal":"{ALICE}","action":"s3:GetObject","resource":"*","context":{{"aws:MultiFactorAuthPresent":"true","AWS:MultiFactorAuthPresent":"false"}}}}]}}]}}"#
    );
    let errors = match iamc_harness::scenario::load_bytes("s.json", scenario.as_bytes()) {
        Ok(_) => panic!("a malformed request loaded"),
        Err(e) => e,
    };
    assert!(
        errors
            .iter()
            .any(|e| e.to_string().contains("appears twice")),
        "{errors:?}"
    );
}

/// Interned keys carry their set: a key of another set is refused when the context is
/// checked, an id given twice too, and a context checked for one set is denied by another
/// (the ids would name other keys there). The same policy compiled twice is two sets.
#[test]
fn interned_keys_of_another_set_fail_closed() {
    let a = iamc_tests::compile(&iamc_tests::identity_set(MFA)).expect("compiles");
    // A set whose key 0 is another key, which a bare id from `a` would name.
    let b = iamc_tests::compile(&iamc_tests::identity_set(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"true"}}}]}"#,
    ))
    .expect("compiles");
    let key_a = a.key_id("aws:MultiFactorAuthPresent").expect("a's key");
    let key_b = b.key_id("aws:username").expect("b's key");
    assert_eq!(key_a.id(), key_b.id(), "both sets' only key has id 0");
    let ctx = [(key_a, Value::Single("true"))];
    let with = |context| InternedRequest {
        principal: ALICE,
        action: "s3:GetObject",
        resource: "arn:aws:s3:::b/k",
        resource_account: None,
        context,
    };
    let checked = a.intern_context(&ctx).expect("a's own key");
    assert_eq!(
        a.evaluate_interned(&mut a.create_scratch(), &with(checked))
            .decision,
        iamc_runtime::Decision::Allow
    );
    assert_eq!(
        b.intern_context(&ctx).map(|_| ()),
        Err(RequestError::ForeignKey { index: 0 })
    );
    assert_eq!(
        b.evaluate_interned(&mut b.create_scratch(), &with(checked)),
        iamc_runtime::Outcome::MALFORMED
    );
    // A clone shares the set (and its stamp); a second compile does not.
    let clone = a.clone();
    assert_eq!(
        clone
            .evaluate_interned(&mut clone.create_scratch(), &with(checked))
            .decision,
        iamc_runtime::Decision::Allow
    );
    let again = iamc_tests::compile(&iamc_tests::identity_set(MFA)).expect("compiles");
    assert_eq!(
        again.evaluate_interned(&mut again.create_scratch(), &with(checked)),
        iamc_runtime::Outcome::MALFORMED
    );
    // One id twice (K-2), in a short and in a long context.
    let twice = [
        (key_a, Value::Single("true")),
        (key_a, Value::Single("false")),
    ];
    assert_eq!(
        a.intern_context(&twice).map(|_| ()),
        Err(RequestError::DuplicateKey {
            first: 0,
            second: 1
        })
    );
    let mut long = vec![(key_a, Value::Single("false")); 1];
    long.extend(std::iter::repeat_n((key_a, Value::Single("true")), 100));
    assert_eq!(
        a.intern_context(&long).map(|_| ()),
        Err(RequestError::DuplicateKey {
            first: 0,
            second: 1
        })
    );
}
