//! Unit tests of the reference interpreter: boundary values per operator and per combining
//! rule, each named after the rule it pins. Policies are built from JSON text through the
//! compiler's parser, so the tests exercise the same AST the differential tests use.
#![allow(clippy::panic)]

use crate::request::{Context, ContextValue, Request};
use iamc_compiler::ast::{ParsedSet, PolicyKind, PolicyRef};
use iamc_compiler::parse::parse_policy;
use iamc_compiler::Limits;
use iamc_runtime::Decision::{self, Allow, ExplicitDeny, ImplicitDeny};

use crate::evaluate;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const OBJECT: &str = "arn:aws:s3:::b/k";

fn pol(kind: PolicyKind, json: &str) -> iamc_compiler::ast::Policy {
    match parse_policy("test.json", json.as_bytes(), kind, &Limits::default()) {
        Ok(p) => p.policy,
        Err(e) => panic!("policy does not parse: {e:?}\n{json}"),
    }
}

fn doc(statements: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#)
}

fn identity(statements: &str) -> iamc_compiler::ast::Policy {
    pol(PolicyKind::Identity, &doc(statements))
}

fn resource(statements: &str) -> iamc_compiler::ast::Policy {
    pol(PolicyKind::Resource, &doc(statements))
}

const ALLOW_ALL: &str = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;

fn req(principal: &str, action: &str, resource: &str) -> Request {
    Request {
        principal: principal.into(),
        action: action.into(),
        resource: resource.into(),
        resource_account: None,
        context: Context::default(),
        unknown: Default::default(),
    }
}

fn single(k: &str, v: &str) -> (String, ContextValue) {
    (k.into(), ContextValue::Single(v.into()))
}

fn multi(k: &str, vs: &[&str]) -> (String, ContextValue) {
    (
        k.into(),
        ContextValue::Multi(vs.iter().map(|s| s.to_string()).collect()),
    )
}

/// Whether one condition entry `{op: {key: values}}` holds for `context`, through a whole
/// evaluation: an identity Allow carrying only that condition.
fn cond(op: &str, key: &str, values: &str, context: Vec<(String, ContextValue)>) -> bool {
    let set = ParsedSet {
        identity: vec![identity(&format!(
            r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"{op}":{{"{key}":{values}}}}}}}"#
        ))],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", OBJECT);
    r.context.entries = context;
    evaluate(&set, &r).decision == Allow
}

fn decide(set: &ParsedSet, r: &Request) -> Decision {
    evaluate(set, r).decision
}

// ---------------------------------------------------------------- C: operators

#[test]
fn c9_numeric_less_than_at_boundary_is_false() {
    let age = |v| vec![single("aws:MultiFactorAuthAge", v)];
    assert!(!cond(
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        "3600",
        age("3600")
    ));
    assert!(cond(
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        "3600",
        age("3599")
    ));
    assert!(cond(
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        "3600",
        age("3599.999")
    ));
}

#[test]
fn c9_numeric_less_than_equals_at_boundary_is_true() {
    let age = |v| vec![single("aws:MultiFactorAuthAge", v)];
    assert!(cond(
        "NumericLessThanEquals",
        "aws:MultiFactorAuthAge",
        "3600",
        age("3600")
    ));
    assert!(cond(
        "NumericLessThanEquals",
        "aws:MultiFactorAuthAge",
        "3600",
        age("3600.0")
    ));
    assert!(!cond(
        "NumericLessThanEquals",
        "aws:MultiFactorAuthAge",
        "3600",
        age("3600.01")
    ));
}

#[test]
fn c9_numeric_greater_than_boundaries() {
    let n = |v| vec![single("k:n", v)];
    assert!(!cond("NumericGreaterThan", "k:n", "3600", n("3600")));
    assert!(cond("NumericGreaterThan", "k:n", "3600", n("3601")));
    assert!(cond("NumericGreaterThanEquals", "k:n", "3600", n("3600")));
    assert!(!cond("NumericGreaterThanEquals", "k:n", "3600", n("3599")));
    assert!(cond("NumericGreaterThan", "k:n", "-2", n("-1.5")));
}

#[test]
fn c9_numeric_equals_is_numeric_not_textual() {
    let n = |v| vec![single("k:n", v)];
    assert!(cond("NumericEquals", "k:n", "10", n("010")));
    assert!(cond("NumericEquals", "k:n", "10", n("10.0")));
    assert!(!cond("NumericNotEquals", "k:n", "10", n("10.00")));
    assert!(cond("NumericNotEquals", "k:n", "10", n("11")));
    // spec: C-19 — a JSON number in the policy is its text.
    assert!(cond("NumericEquals", "k:n", "[5]", n("5")));
}

#[test]
fn c9_several_values_are_or() {
    let n = |v| vec![single("k:n", v)];
    assert!(cond("NumericLessThan", "k:n", r#"["10","20"]"#, n("15")));
    assert!(!cond("NumericLessThan", "k:n", r#"["10","20"]"#, n("20")));
}

#[test]
fn c17_unparseable_number_is_false_positive_and_negated() {
    let n = |v| vec![single("k:n", v)];
    for bad in ["abc", "1e1", "", " 1", "+1"] {
        assert!(!cond("NumericLessThan", "k:n", "10", n(bad)), "{bad:?}");
        assert!(!cond("NumericNotEquals", "k:n", "10", n(bad)), "{bad:?}");
        // spec: C-17 — IfExists does not help: the key is present.
        assert!(
            !cond("NumericNotEqualsIfExists", "k:n", "10", n(bad)),
            "{bad:?}"
        );
    }
}

#[test]
fn c3_absent_key_positive_false_negated_true() {
    assert!(!cond("StringEquals", "k:s", r#""a""#, vec![]));
    assert!(cond("StringNotEquals", "k:s", r#""a""#, vec![]));
    assert!(!cond(
        "NumericLessThan",
        "aws:MultiFactorAuthAge",
        "3600",
        vec![]
    ));
    assert!(cond(
        "NotIpAddress",
        "aws:SourceIp",
        r#""10.0.0.0/8""#,
        vec![]
    ));
    assert!(cond(
        "ArnNotLike",
        "aws:SourceArn",
        r#""arn:aws:s3:::*""#,
        vec![]
    ));
    assert!(!cond("Bool", "aws:SecureTransport", r#""false""#, vec![]));
}

#[test]
fn c5_ifexists_absent_positive_is_true() {
    assert!(cond("StringEqualsIfExists", "k:s", r#""a""#, vec![]));
    assert!(cond(
        "BoolIfExists",
        "aws:MultiFactorAuthPresent",
        r#""false""#,
        vec![]
    ));
    assert!(cond("NumericGreaterThanIfExists", "k:n", "5", vec![]));
}

#[test]
fn c5_ifexists_absent_negated_is_true() {
    assert!(cond("StringNotEqualsIfExists", "k:s", r#""a""#, vec![]));
    assert!(cond(
        "NotIpAddressIfExists",
        "aws:SourceIp",
        r#""10.0.0.0/8""#,
        vec![]
    ));
}

#[test]
fn c5_ifexists_present_is_the_base_operator() {
    let s = |v| vec![single("k:s", v)];
    assert!(cond("StringEqualsIfExists", "k:s", r#""a""#, s("a")));
    assert!(!cond("StringEqualsIfExists", "k:s", r#""a""#, s("b")));
    assert!(!cond("StringNotEqualsIfExists", "k:s", r#""a""#, s("a")));
}

#[test]
fn c15_empty_list_is_absent_for_ifexists_and_negated() {
    let empty = || vec![multi("k:s", &[])];
    assert!(cond("StringEqualsIfExists", "k:s", r#""a""#, empty()));
    assert!(cond("StringNotEquals", "k:s", r#""a""#, empty()));
    assert!(!cond("StringEquals", "k:s", r#""a""#, empty()));
}

#[test]
fn c4_negated_operator_is_nor_over_values() {
    let s = |v| vec![single("k:s", v)];
    assert!(!cond("StringNotEquals", "k:s", r#"["a","b"]"#, s("b")));
    assert!(cond("StringNotEquals", "k:s", r#"["a","b"]"#, s("c")));
}

#[test]
fn c6_string_equals_is_exact_without_wildcards() {
    let s = |v| vec![single("k:s", v)];
    assert!(cond("StringEquals", "k:s", r#""a*""#, s("a*")));
    assert!(!cond("StringEquals", "k:s", r#""a*""#, s("ab")));
    assert!(!cond("StringEquals", "k:s", r#""abc""#, s("ABC")));
    // spec: C-2 — key names are case-insensitive.
    assert!(cond("StringEquals", "K:S", r#""a""#, s("a")));
}

#[test]
fn c7_ignore_case_folds_unicode() {
    let s = |v| vec![single("k:s", v)];
    assert!(cond("StringEqualsIgnoreCase", "k:s", r#""ÄBC""#, s("äbc")));
    assert!(!cond(
        "StringNotEqualsIgnoreCase",
        "k:s",
        r#""ÄBC""#,
        s("äBc")
    ));
    assert!(!cond("StringEqualsIgnoreCase", "k:s", r#""a*""#, s("ab")));
    // char::to_lowercase of every character: a capital sigma is σ wherever it stands.
    assert!(cond(
        "StringEqualsIgnoreCase",
        "k:s",
        r#""ΟΔΟΣ""#,
        s("οδοσ")
    ));
}

#[test]
fn c8_string_like_globs_anchored() {
    let s = |v| vec![single("k:s", v)];
    assert!(cond("StringLike", "k:s", r#""home/*""#, s("home/")));
    assert!(cond("StringLike", "k:s", r#""home/*""#, s("home/a/b")));
    assert!(!cond("StringLike", "k:s", r#""home/*""#, s("x/home/a")));
    assert!(cond("StringLike", "k:s", r#""a?c""#, s("abc")));
    assert!(!cond("StringLike", "k:s", r#""a?c""#, s("ac")));
    assert!(!cond("StringLike", "k:s", r#""a?c""#, s("abbc")));
    assert!(!cond("StringNotLike", "k:s", r#""a?c""#, s("abc")));
}

#[test]
fn c10_dates_mix_formats_and_compare_instants() {
    let t = |v| vec![single("aws:CurrentTime", v)];
    let iso = r#""2024-01-01T00:00:00Z""#;
    assert!(cond("DateEquals", "aws:CurrentTime", iso, t("1704067200")));
    assert!(cond(
        "DateEquals",
        "aws:CurrentTime",
        iso,
        t("2024-01-01T02:00:00+02:00")
    ));
    assert!(cond(
        "DateEquals",
        "aws:CurrentTime",
        r#""1704067200""#,
        t("2024-01-01")
    ));
    assert!(!cond(
        "DateLessThan",
        "aws:CurrentTime",
        iso,
        t("1704067200")
    ));
    assert!(cond(
        "DateLessThanEquals",
        "aws:CurrentTime",
        iso,
        t("1704067200")
    ));
    assert!(cond(
        "DateLessThan",
        "aws:CurrentTime",
        iso,
        t("2023-12-31T23:59:59.999Z")
    ));
    assert!(cond(
        "DateGreaterThan",
        "aws:CurrentTime",
        iso,
        t("2024-01-01T00:00:00.001Z")
    ));
    assert!(!cond(
        "DateGreaterThanEquals",
        "aws:CurrentTime",
        iso,
        t("1704067199")
    ));
}

#[test]
fn c17_unparseable_date_is_false_positive_and_negated() {
    let t = |v| vec![single("aws:CurrentTime", v)];
    let iso = r#""2024-01-01T00:00:00Z""#;
    for bad in ["yesterday", "2023-02-29", "2024-01-01 00:00:00", "-1"] {
        assert!(
            !cond("DateNotEquals", "aws:CurrentTime", iso, t(bad)),
            "{bad}"
        );
        assert!(
            !cond("DateLessThan", "aws:CurrentTime", iso, t(bad)),
            "{bad}"
        );
    }
}

#[test]
fn c11_bool_case_insensitive_and_garbage_false() {
    let b = |v| vec![single("aws:SecureTransport", v)];
    assert!(cond("Bool", "aws:SecureTransport", "true", b("TRUE")));
    assert!(cond("Bool", "aws:SecureTransport", r#""True""#, b("true")));
    assert!(!cond("Bool", "aws:SecureTransport", "true", b("false")));
    // spec: C-17
    assert!(!cond("Bool", "aws:SecureTransport", "true", b("yes")));
    assert!(!cond("Bool", "aws:SecureTransport", "false", b("yes")));
}

#[test]
fn c12_binary_equals_compares_decoded_bytes() {
    let v = |s| vec![single("k:b", s)];
    assert!(cond("BinaryEquals", "k:b", r#""aGk=""#, v("aGk=")));
    assert!(!cond("BinaryEquals", "k:b", r#""aGk=""#, v("aGU=")));
    assert!(!cond("BinaryEquals", "k:b", r#""aGk=""#, v("aGk")));
    assert!(!cond("BinaryEqualsIfExists", "k:b", r#""aGk=""#, v("!!!!")));
}

#[test]
fn c13_ip_blocks_and_boundaries() {
    let ip = |s| vec![single("aws:SourceIp", s)];
    assert!(cond(
        "IpAddress",
        "aws:SourceIp",
        r#""192.0.2.0/24""#,
        ip("192.0.2.255")
    ));
    assert!(!cond(
        "IpAddress",
        "aws:SourceIp",
        r#""192.0.2.0/24""#,
        ip("192.0.3.0")
    ));
    assert!(cond(
        "IpAddress",
        "aws:SourceIp",
        r#""10.1.2.3/8""#,
        ip("10.9.9.9")
    ));
    assert!(cond(
        "IpAddress",
        "aws:SourceIp",
        r#""203.0.113.7""#,
        ip("203.0.113.7")
    ));
    assert!(cond(
        "IpAddress",
        "aws:SourceIp",
        r#""2001:db8::/32""#,
        ip("2001:db8::1")
    ));
    assert!(cond(
        "NotIpAddress",
        "aws:SourceIp",
        r#""192.0.2.0/24""#,
        ip("192.0.3.0")
    ));
}

#[test]
fn c13_ipv4_mapped_ipv6_is_not_ipv4() {
    let ip = |s| vec![single("aws:SourceIp", s)];
    assert!(!cond(
        "IpAddress",
        "aws:SourceIp",
        r#""10.0.0.0/8""#,
        ip("::ffff:10.1.1.1")
    ));
    assert!(cond(
        "NotIpAddress",
        "aws:SourceIp",
        r#""10.0.0.0/8""#,
        ip("::ffff:10.1.1.1")
    ));
}

#[test]
fn c17_unparseable_ip_is_false_positive_and_negated() {
    let ip = |s| vec![single("aws:SourceIp", s)];
    for bad in ["10.0.0.0/8", "not-an-ip", "", "10.0.0.256"] {
        assert!(
            !cond("IpAddress", "aws:SourceIp", r#""0.0.0.0/0""#, ip(bad)),
            "{bad}"
        );
        assert!(
            !cond("NotIpAddress", "aws:SourceIp", r#""10.0.0.0/8""#, ip(bad)),
            "{bad}"
        );
    }
}

#[test]
fn c14_arn_like_matches_field_by_field() {
    let a = |s| vec![single("aws:SourceArn", s)];
    let user = "arn:aws:iam::111122223333:user/bob";
    assert!(cond(
        "ArnLike",
        "aws:SourceArn",
        r#""arn:aws:iam::*:user/*""#,
        a(user)
    ));
    assert!(cond(
        "ArnEquals",
        "aws:SourceArn",
        r#""arn:aws:iam::*:user/*""#,
        a(user)
    ));
    assert!(!cond(
        "ArnLike",
        "aws:SourceArn",
        r#""arn:aws:iam::*:role/*""#,
        a(user)
    ));
    assert!(cond(
        "ArnNotLike",
        "aws:SourceArn",
        r#""arn:aws:iam::*:role/*""#,
        a(user)
    ));
    // `*` does not cross a field: the region pattern `*` cannot swallow the account.
    assert!(!cond(
        "ArnLike",
        "aws:SourceArn",
        r#""arn:aws:*:111122223333:user/bob""#,
        a(user)
    ));
    // The resource field may hold colons.
    assert!(cond(
        "ArnLike",
        "aws:SourceArn",
        r#""arn:aws:rds:*:*:db:*""#,
        a("arn:aws:rds:us-east-1:111122223333:db:my:db")
    ));
}

#[test]
fn c14_arn_like_with_fewer_than_six_fields_matches_nothing() {
    let a = |s| vec![single("aws:SourceArn", s)];
    let user = "arn:aws:iam::111122223333:user/bob";
    assert!(!cond(
        "ArnLike",
        "aws:SourceArn",
        r#""arn:aws:iam::*""#,
        a(user)
    ));
    assert!(cond(
        "ArnNotLike",
        "aws:SourceArn",
        r#""arn:aws:iam::*""#,
        a(user)
    ));
}

#[test]
fn c17_request_arn_with_fewer_than_six_fields_is_false_both_ways() {
    let a = |s| vec![single("aws:SourceArn", s)];
    assert!(!cond("ArnLike", "aws:SourceArn", r#""*""#, a("arn:aws:s3")));
    assert!(!cond(
        "ArnNotLike",
        "aws:SourceArn",
        r#""arn:aws:iam::*:user/*""#,
        a("not-an-arn")
    ));
}

#[test]
fn c15_null_checks_presence() {
    assert!(cond("Null", "k:s", "true", vec![]));
    assert!(!cond("Null", "k:s", "false", vec![]));
    assert!(cond("Null", "k:s", r#""FALSE""#, vec![single("k:s", "")]));
    assert!(!cond("Null", "k:s", "true", vec![single("k:s", "")]));
    assert!(cond("Null", "k:s", "true", vec![multi("k:s", &[])]));
    assert!(cond("Null", "k:s", "false", vec![multi("k:s", &["a"])]));
}

#[test]
fn c20_forallvalues_absent_and_empty_are_true() {
    let op = "ForAllValues:StringEquals";
    let vals = r#"["env","owner"]"#;
    assert!(cond(op, "aws:TagKeys", vals, vec![]));
    assert!(cond(
        op,
        "aws:TagKeys",
        vals,
        vec![multi("aws:TagKeys", &[])]
    ));
    assert!(cond(
        op,
        "aws:TagKeys",
        vals,
        vec![multi("aws:TagKeys", &["env"])]
    ));
    assert!(!cond(
        op,
        "aws:TagKeys",
        vals,
        vec![multi("aws:TagKeys", &["env", "cost"])]
    ));
}

#[test]
fn c20_forallvalues_with_an_unparseable_member_is_false() {
    let n = vec![multi("k:n", &["1", "x"])];
    assert!(!cond(
        "ForAllValues:NumericLessThan",
        "k:n",
        "10",
        n.clone()
    ));
    assert!(!cond("ForAllValues:NumericNotEquals", "k:n", "10", n));
}

#[test]
fn c21_foranyvalue_absent_is_false() {
    let op = "ForAnyValue:StringEquals";
    assert!(!cond(op, "aws:TagKeys", r#""a""#, vec![]));
    assert!(!cond(
        op,
        "aws:TagKeys",
        r#""a""#,
        vec![multi("aws:TagKeys", &[])]
    ));
    assert!(!cond(
        "ForAnyValue:StringNotEquals",
        "aws:TagKeys",
        r#""a""#,
        vec![]
    ));
}

#[test]
fn c21_foranyvalue_negated_base() {
    let op = "ForAnyValue:StringNotEquals";
    let vals = r#"["a","b"]"#;
    assert!(cond(
        op,
        "aws:TagKeys",
        vals,
        vec![multi("aws:TagKeys", &["a", "c"])]
    ));
    assert!(!cond(
        op,
        "aws:TagKeys",
        vals,
        vec![multi("aws:TagKeys", &["a", "b"])]
    ));
}

#[test]
fn c22_foranyvalue_ifexists_absent_is_true() {
    assert!(cond(
        "ForAnyValue:StringEqualsIfExists",
        "aws:TagKeys",
        r#""a""#,
        vec![]
    ));
    assert!(cond(
        "ForAllValues:StringEqualsIfExists",
        "aws:TagKeys",
        r#""a""#,
        vec![]
    ));
}

#[test]
fn c23_set_operator_on_a_scalar_is_a_set_of_one() {
    assert!(cond(
        "ForAnyValue:StringEquals",
        "k:s",
        r#""a""#,
        vec![single("k:s", "a")]
    ));
    assert!(!cond(
        "ForAllValues:StringEquals",
        "k:s",
        r#""a""#,
        vec![single("k:s", "b")]
    ));
}

#[test]
fn c24_plain_operator_on_a_list_is_false() {
    let list = || vec![multi("k:s", &["a"])];
    assert!(!cond("StringEquals", "k:s", r#""a""#, list()));
    assert!(!cond("StringNotEquals", "k:s", r#""b""#, list()));
    assert!(!cond("StringEqualsIfExists", "k:s", r#""a""#, list()));
    assert!(!cond("StringNotEqualsIfExists", "k:s", r#""b""#, list()));
}

#[test]
fn c24_scalar_for_a_multivalued_key_is_a_list() {
    let tags = || vec![single("aws:TagKeys", "production")];
    assert!(!cond(
        "StringLikeIfExists",
        "aws:TagKeys",
        r#""production""#,
        tags()
    ));
    assert!(!cond("StringNotLike", "aws:TagKeys", r#""x""#, tags()));
    assert!(cond(
        "ForAnyValue:StringLike",
        "aws:TagKeys",
        r#""prod*""#,
        tags()
    ));
    // Absent: the IfExists rule applies (C-5).
    assert!(cond(
        "StringLikeIfExists",
        "aws:TagKeys",
        r#""production""#,
        vec![]
    ));
}

#[test]
fn c1_every_condition_must_hold() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{
                "StringEquals":{"k:a":"1","k:b":"2"},"Bool":{"k:c":"true"}}}"#,
        )],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", OBJECT);
    r.context.entries = vec![
        single("k:a", "1"),
        single("k:b", "2"),
        single("k:c", "true"),
    ];
    assert_eq!(decide(&set, &r), Allow);
    r.context.entries[1] = single("k:b", "3");
    assert_eq!(decide(&set, &r), ImplicitDeny);
}

// ---------------------------------------------------------------- V: variables

#[test]
fn v7_unresolved_variable_value_is_skipped() {
    let vals = r#"["${aws:username}","x"]"#;
    // Positive: the unresolved value never matches; the other value still does.
    assert!(!cond(
        "StringEquals",
        "k:s",
        r#""${aws:username}""#,
        vec![single("k:s", "")]
    ));
    assert!(cond("StringEquals", "k:s", vals, vec![single("k:s", "x")]));
    assert!(!cond(
        "StringLike",
        "k:s",
        r#""${aws:username}*""#,
        vec![single("k:s", "a")]
    ));
    // Negated: "not equal to" the null value.
    assert!(cond(
        "StringNotEquals",
        "k:s",
        r#""${aws:username}""#,
        vec![single("k:s", "a")]
    ));
    assert!(!cond(
        "StringNotEquals",
        "k:s",
        vals,
        vec![single("k:s", "x")]
    ));
    assert!(cond(
        "ArnNotLike",
        "aws:SourceArn",
        r#""arn:aws:iam::${k:acct}:*""#,
        vec![single("aws:SourceArn", "arn:aws:iam::1:user/u")]
    ));
}

#[test]
fn v9_list_valued_variable_does_not_resolve() {
    let ctx = vec![multi("k:v", &["a"]), single("k:s", "a")];
    assert!(!cond("StringEquals", "k:s", r#""${k:v}""#, ctx.clone()));
    assert!(cond("StringEquals", "k:s", r#""${k:v, 'a'}""#, ctx));
}

#[test]
fn v1_variables_in_condition_values_resolve() {
    let ctx = vec![
        single("aws:username", "alice"),
        single("k:s", "home/alice/x"),
    ];
    assert!(cond(
        "StringLike",
        "k:s",
        r#""home/${AWS:UserName}/*""#,
        ctx.clone()
    ));
    assert!(!cond(
        "StringEquals",
        "k:s",
        r#""home/${aws:username}/*""#,
        ctx
    ));
}

#[test]
fn v6_unresolved_variable_in_resource_matches_nothing() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::b/${aws:username}/*","arn:aws:s3:::pub/*"]}"#,
        )],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", "arn:aws:s3:::b/alice/k");
    assert_eq!(decide(&set, &r), ImplicitDeny);
    r.context.entries = vec![single("aws:username", "alice")];
    assert_eq!(decide(&set, &r), Allow);
    r.resource = "arn:aws:s3:::pub/k".into();
    r.context.entries.clear();
    assert_eq!(decide(&set, &r), Allow);
}

#[test]
fn v6_unresolved_variable_in_not_resource_excludes_nothing() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b/${aws:username}/*"}"#,
        )],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", "arn:aws:s3:::b/alice/k");
    assert_eq!(decide(&set, &r), Allow);
    r.context.entries = vec![single("aws:username", "alice")];
    assert_eq!(decide(&set, &r), ImplicitDeny);
}

#[test]
fn v8_substituted_wildcards_are_literal_in_resource() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}"#,
        )],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", "arn:aws:s3:::b/ab/k");
    r.context.entries = vec![single("aws:username", "a*")];
    assert_eq!(decide(&set, &r), ImplicitDeny);
    r.resource = "arn:aws:s3:::b/a*/k".into();
    assert_eq!(decide(&set, &r), Allow);
}

#[test]
fn v2_version_2008_does_not_substitute() {
    let set = ParsedSet {
        identity: vec![pol(
            PolicyKind::Identity,
            r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}"#,
        )],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", "arn:aws:s3:::b/alice/k");
    r.context.entries = vec![single("aws:username", "alice")];
    assert_eq!(decide(&set, &r), ImplicitDeny);
    r.resource = "arn:aws:s3:::b/${aws:username}/k".into();
    assert_eq!(decide(&set, &r), Allow);
}

// ---------------------------------------------------------------- A, R: actions, resources

#[test]
fn a2_actions_are_ascii_case_insensitive_a5_prefix_must_match() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","Action":["S3:get*","rds:*"],"Resource":"*"}"#,
        )],
        ..Default::default()
    };
    assert_eq!(decide(&set, &req(ALICE, "s3:GetObject", OBJECT)), Allow);
    assert_eq!(decide(&set, &req(ALICE, "s3:Get", OBJECT)), Allow);
    assert_eq!(
        decide(&set, &req(ALICE, "s3express:GetObject", OBJECT)),
        ImplicitDeny
    );
    assert_eq!(
        decide(&set, &req(ALICE, "rds-db:connect", OBJECT)),
        ImplicitDeny
    );
    assert_eq!(
        decide(&set, &req(ALICE, "RDS:CreateDBInstance", OBJECT)),
        Allow
    );
}

#[test]
fn a7_not_action_matches_everything_else() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
        )],
        ..Default::default()
    };
    assert_eq!(decide(&set, &req(ALICE, "s3:GetObject", OBJECT)), Allow);
    assert_eq!(
        decide(&set, &req(ALICE, "IAM:CreateUser", "*")),
        ImplicitDeny
    );
}

#[test]
fn r4_resources_are_case_sensitive_r2_star_matches_star() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::Bucket/*"},
               {"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
        )],
        ..Default::default()
    };
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", "arn:aws:s3:::bucket/k")),
        ImplicitDeny
    );
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", "arn:aws:s3:::Bucket/k")),
        Allow
    );
    assert_eq!(
        decide(&set, &req(ALICE, "ec2:DescribeInstances", "*")),
        Allow
    );
    assert_eq!(
        decide(&set, &req(ALICE, "s3:ListAllMyBuckets", "*")),
        ImplicitDeny
    );
}

#[test]
fn r6_not_resource_with_request_star() {
    let set = ParsedSet {
        identity: vec![identity(
            r#"{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::b/*"},
               {"Effect":"Allow","Action":"*","Resource":"*"}"#,
        )],
        ..Default::default()
    };
    assert_eq!(
        decide(&set, &req(ALICE, "ec2:DescribeInstances", "*")),
        ExplicitDeny
    );
    assert_eq!(decide(&set, &req(ALICE, "s3:GetObject", OBJECT)), Allow);
}

// ---------------------------------------------------------------- E: combining

fn user(name: &str, account: &str) -> String {
    format!("arn:aws:iam::{account}:user/{name}")
}

fn bucket_policy(principal: &str) -> iamc_compiler::ast::Policy {
    resource(&format!(
        r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
    ))
}

#[test]
fn e3_explicit_deny_wins_and_names_the_first_deny() {
    let set = ParsedSet {
        identity: vec![
            identity(ALLOW_ALL),
            identity(
                r#"{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#,
            ),
        ],
        boundaries: vec![pol(
            PolicyKind::Boundary,
            &doc(
                r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}"#,
            ),
        )],
        ..Default::default()
    };
    let out = evaluate(&set, &req(ALICE, "s3:GetObject", OBJECT));
    assert_eq!(out.decision, ExplicitDeny);
    assert_eq!(
        out.statement(),
        Some(PolicyRef::new(PolicyKind::Identity, 0, 1).statement(1))
    );
    let out = evaluate(&set, &req(ALICE, "ec2:RunInstances", "*"));
    assert_eq!(out.decision, Allow);
    assert_eq!(
        out.statement(),
        Some(PolicyRef::new(PolicyKind::Identity, 0, 0).statement(0))
    );
}

#[test]
fn e4_no_policies_is_implicit_deny() {
    let out = evaluate(&ParsedSet::default(), &req(ALICE, "s3:GetObject", OBJECT));
    assert_eq!(out.decision, ImplicitDeny);
    assert_eq!(out.deciding, None);
}

#[test]
fn e5_boundary_and_session_limit_the_identity_side() {
    let boundary = pol(
        PolicyKind::Boundary,
        &doc(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#),
    );
    let session = pol(
        PolicyKind::Session,
        &doc(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}"#),
    );
    let mut set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        boundaries: vec![boundary.clone()],
        ..Default::default()
    };
    assert_eq!(decide(&set, &req(ALICE, "s3:PutObject", OBJECT)), Allow);
    assert_eq!(
        decide(&set, &req(ALICE, "ec2:RunInstances", "*")),
        ImplicitDeny
    );
    set.session = Some(session);
    assert_eq!(
        decide(&set, &req(ALICE, "s3:PutObject", OBJECT)),
        ImplicitDeny
    );
    assert_eq!(decide(&set, &req(ALICE, "s3:GetObject", OBJECT)), Allow);
    // A boundary grants nothing on its own.
    let alone = ParsedSet {
        boundaries: vec![boundary],
        ..Default::default()
    };
    assert_eq!(
        decide(&alone, &req(ALICE, "s3:GetObject", OBJECT)),
        ImplicitDeny
    );
}

#[test]
fn e7_same_account_grant_strengths() {
    let sess = "arn:aws:sts::111122223333:assumed-role/Dev/s1";
    let role = r#"{"AWS":"arn:aws:iam::111122223333:role/team/Dev"}"#;
    let boundary = pol(
        PolicyKind::Boundary,
        &doc(r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#),
    );
    let r = |p: &str| {
        let mut r = req(p, "s3:GetObject", OBJECT);
        r.resource_account = Some("111122223333".into());
        r
    };
    // Direct (the user ARN): stands alone, even against a boundary's implicit deny (E-13).
    let set = ParsedSet {
        resource: Some(bucket_policy(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
        boundaries: vec![boundary.clone()],
        ..Default::default()
    };
    assert_eq!(decide(&set, &r(ALICE)), Allow);
    // Role ARN for a session: stands alone, but a boundary's implicit deny blocks it.
    let mut set = ParsedSet {
        resource: Some(bucket_policy(role)),
        ..Default::default()
    };
    assert_eq!(decide(&set, &r(sess)), Allow);
    set.boundaries = vec![boundary.clone()];
    assert_eq!(decide(&set, &r(sess)), ImplicitDeny);
    // `*` is direct.
    let set = ParsedSet {
        resource: Some(bucket_policy(r#""*""#)),
        boundaries: vec![boundary],
        ..Default::default()
    };
    assert_eq!(decide(&set, &r(sess)), Allow);
    // Account root delegates: the identity side must allow.
    let mut set = ParsedSet {
        resource: Some(bucket_policy(r#"{"AWS":"111122223333"}"#)),
        ..Default::default()
    };
    assert_eq!(decide(&set, &r(ALICE)), ImplicitDeny);
    set.identity = vec![identity(ALLOW_ALL)];
    let out = evaluate(&set, &r(ALICE));
    assert_eq!(out.decision, Allow);
    assert_eq!(out.statement().map(|d| d.kind), Some(PolicyKind::Identity));
}

#[test]
fn e14_role_grant_needs_same_partition_account_and_name() {
    let set = ParsedSet {
        resource: Some(bucket_policy(
            r#"{"AWS":["arn:aws:iam::444455556666:role/Dev","arn:aws:iam::111122223333:role/Devs"]}"#,
        )),
        ..Default::default()
    };
    let r = req(
        "arn:aws:sts::111122223333:assumed-role/Dev/s1",
        "s3:GetObject",
        OBJECT,
    );
    assert_eq!(decide(&set, &r), ImplicitDeny);
    // A grant to the user does not cover its federated-user sessions.
    let set = ParsedSet {
        resource: Some(bucket_policy(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
        ..Default::default()
    };
    let fed = req(
        "arn:aws:sts::111122223333:federated-user/alice",
        "s3:GetObject",
        OBJECT,
    );
    assert_eq!(decide(&set, &fed), ImplicitDeny);
}

#[test]
fn e8_cross_account_needs_both_sides() {
    let bob = user("bob", "444455556666");
    let mut r = req(&bob, "s3:GetObject", OBJECT);
    r.resource_account = Some("111122223333".into());
    let mut set = ParsedSet {
        resource: Some(bucket_policy(&format!(r#"{{"AWS":"{bob}"}}"#))),
        ..Default::default()
    };
    assert_eq!(decide(&set, &r), ImplicitDeny);
    set.identity = vec![identity(ALLOW_ALL)];
    assert_eq!(decide(&set, &r), Allow);
    set.resource = None;
    assert_eq!(decide(&set, &r), ImplicitDeny);
    // Naming the other account's root is enough cross-account (with the identity side).
    set.resource = Some(bucket_policy(r#"{"AWS":"444455556666"}"#));
    assert_eq!(decide(&set, &r), Allow);
    // E-9: without resource_account an S3 ARN has no account: the principal's is used.
    r.resource_account = None;
    set.resource = None;
    assert_eq!(decide(&set, &r), Allow);
}

#[test]
fn e9_resource_account_from_the_arn() {
    let set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        ..Default::default()
    };
    let r = req(
        ALICE,
        "ec2:StartInstances",
        "arn:aws:ec2:us-east-1:444455556666:instance/i-1",
    );
    assert_eq!(decide(&set, &r), ImplicitDeny);
    let r = req(
        ALICE,
        "ec2:StartInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
    );
    assert_eq!(decide(&set, &r), Allow);
}

#[test]
fn e7_service_principal_needs_a_direct_grant() {
    let svc = "cloudtrail.amazonaws.com";
    let set = ParsedSet {
        resource: Some(bucket_policy(&format!(r#"{{"Service":"{svc}"}}"#))),
        ..Default::default()
    };
    assert_eq!(decide(&set, &req(svc, "s3:GetObject", OBJECT)), Allow);
    assert_eq!(
        decide(&set, &req("s3.amazonaws.com", "s3:GetObject", OBJECT)),
        ImplicitDeny
    );
    let identity_only = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        ..Default::default()
    };
    assert_eq!(
        decide(&identity_only, &req(svc, "s3:GetObject", OBJECT)),
        ImplicitDeny
    );
}

fn scp(statements: &str) -> iamc_compiler::ast::Policy {
    pol(PolicyKind::Scp, &doc(statements))
}

#[test]
fn e11_every_scp_level_must_allow() {
    let full = scp(ALLOW_ALL);
    let s3_only = scp(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#);
    let mut set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        scps: vec![
            vec![full.clone()],
            vec![
                s3_only.clone(),
                scp(r#"{"Effect":"Allow","Action":"sqs:*","Resource":"*"}"#),
            ],
        ],
        ..Default::default()
    };
    assert_eq!(decide(&set, &req(ALICE, "s3:GetObject", OBJECT)), Allow);
    assert_eq!(decide(&set, &req(ALICE, "sqs:SendMessage", "*")), Allow);
    assert_eq!(
        decide(&set, &req(ALICE, "ec2:RunInstances", "*")),
        ImplicitDeny
    );
    // A level with no policies allows nothing.
    set.scps.push(vec![]);
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", OBJECT)),
        ImplicitDeny
    );
    // SCPs never grant.
    let alone = ParsedSet {
        scps: vec![vec![full]],
        ..Default::default()
    };
    assert_eq!(
        decide(&alone, &req(ALICE, "s3:GetObject", OBJECT)),
        ImplicitDeny
    );
}

#[test]
fn e11_scp_deny_is_explicit_and_names_the_level() {
    let set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        scps: vec![
            vec![scp(ALLOW_ALL)],
            vec![
                scp(ALLOW_ALL),
                scp(r#"{"Effect":"Deny","Action":"s3:*","Resource":"*"}"#),
            ],
        ],
        ..Default::default()
    };
    let out = evaluate(&set, &req(ALICE, "s3:GetObject", OBJECT));
    assert_eq!(out.decision, ExplicitDeny);
    assert_eq!(
        out.statement(),
        Some(PolicyRef::new(PolicyKind::Scp, 1, 1).statement(0))
    );
}

#[test]
fn e12_management_account_and_service_linked_roles_ignore_scps() {
    let deny = scp(r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#);
    let mut set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        scps: vec![vec![deny]],
        ..Default::default()
    };
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", OBJECT)),
        ExplicitDeny
    );
    let slr = "arn:aws:iam::111122223333:role/aws-service-role/elasticmapreduce.amazonaws.com/AWSServiceRoleForEMR";
    assert_eq!(decide(&set, &req(slr, "s3:GetObject", OBJECT)), Allow);
    // Recognised through aws:PrincipalArn for a session of the role.
    let mut r = req(
        "arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForEMR/s",
        "s3:GetObject",
        OBJECT,
    );
    assert_eq!(decide(&set, &r), ExplicitDeny);
    r.context.entries = vec![single("aws:PrincipalArn", slr)];
    assert_eq!(decide(&set, &r), Allow);
    // Never guessed from the name.
    let not_slr = "arn:aws:iam::111122223333:role/AWSServiceRoleForEMR";
    assert_eq!(
        decide(&set, &req(not_slr, "s3:GetObject", OBJECT)),
        ExplicitDeny
    );
    set.management_account = Some("111122223333".into());
    assert_eq!(decide(&set, &req(ALICE, "s3:GetObject", OBJECT)), Allow);
}

fn rcp(statements: &str) -> iamc_compiler::ast::Policy {
    pol(PolicyKind::Rcp, &doc(statements))
}

#[test]
fn e10_rcps_restrict_only_by_deny_and_cover_every_caller() {
    let deny = rcp(
        r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"}}}"#,
    );
    let svc = "cloudtrail.amazonaws.com";
    let mut set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        resource: Some(bucket_policy(&format!(r#"{{"Service":"{svc}"}}"#))),
        rcps: vec![vec![deny], vec![]],
        ..Default::default()
    };
    let mut r = req(ALICE, "s3:GetObject", OBJECT);
    assert_eq!(decide(&set, &r), ExplicitDeny);
    r.context.entries = vec![single("aws:PrincipalOrgID", "o-1")];
    // An empty RCP level does not implicitly deny: RCPFullAWSAccess is always attached.
    assert_eq!(decide(&set, &r), Allow);
    // Service principals are not exempt from RCPs.
    let mut s = req(svc, "s3:GetObject", OBJECT);
    s.resource_account = Some("111122223333".into());
    assert_eq!(decide(&set, &s), ExplicitDeny);
    // The management account's resources are not restricted.
    set.management_account = Some("111122223333".into());
    assert_eq!(decide(&set, &s), Allow);
}

#[test]
fn e10_service_linked_roles_ignore_rcps() {
    let set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        rcps: vec![vec![rcp(
            r#"{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}"#,
        )]],
        ..Default::default()
    };
    let slr = "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/R";
    assert_eq!(decide(&set, &req(slr, "s3:GetObject", OBJECT)), Allow);
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", OBJECT)),
        ExplicitDeny
    );
}

fn not_principal_policy(listed: &str) -> iamc_compiler::ast::Policy {
    resource(&format!(
        r#"{{"Effect":"Deny","NotPrincipal":{{"AWS":{listed}}},"Action":"s3:*","Resource":"*"}},
           {{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#
    ))
}

#[test]
fn e15_not_principal_user_needs_account_and_user() {
    let root = "arn:aws:iam::111122223333:root";
    let r = req(ALICE, "s3:GetObject", OBJECT);
    let d = |listed: String| {
        decide(
            &ParsedSet {
                resource: Some(not_principal_policy(&listed)),
                ..Default::default()
            },
            &r,
        )
    };
    assert_eq!(d(format!(r#"["{root}","{ALICE}"]"#)), Allow);
    assert_eq!(d(format!(r#"["{root}"]"#)), ExplicitDeny);
    assert_eq!(d(format!(r#"["{ALICE}"]"#)), ExplicitDeny);
    assert_eq!(d(r#"["111122223333"]"#.to_string()), ExplicitDeny);
}

#[test]
fn e15_not_principal_session_needs_account_and_role_or_session() {
    let root = "arn:aws:iam::111122223333:root";
    let role = "arn:aws:iam::111122223333:role/path/Dev";
    let sess = "arn:aws:sts::111122223333:assumed-role/Dev/s1";
    let r = req(sess, "s3:GetObject", OBJECT);
    let d = |listed: String| {
        decide(
            &ParsedSet {
                resource: Some(not_principal_policy(&listed)),
                ..Default::default()
            },
            &r,
        )
    };
    assert_eq!(d(format!(r#"["{root}","{role}"]"#)), Allow);
    assert_eq!(d(format!(r#"["{root}","{sess}"]"#)), Allow);
    assert_eq!(d(format!(r#"["{role}"]"#)), ExplicitDeny);
    assert_eq!(d(format!(r#"["{root}"]"#)), ExplicitDeny);
    // Account root as principal: the account is enough.
    let rr = req(root, "s3:GetObject", OBJECT);
    let set = ParsedSet {
        resource: Some(not_principal_policy(r#""111122223333""#)),
        ..Default::default()
    };
    assert_eq!(decide(&set, &rr), Allow);
}

#[test]
fn e15_not_principal_service_principal_is_exempt_when_listed() {
    let svc = "logs.amazonaws.com";
    let set = ParsedSet {
        resource: Some(resource(&format!(
            r#"{{"Effect":"Deny","NotPrincipal":{{"Service":"{svc}"}},"Action":"s3:*","Resource":"*"}},
               {{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#
        ))),
        ..Default::default()
    };
    assert_eq!(decide(&set, &req(svc, "s3:GetObject", OBJECT)), Allow);
    assert_eq!(
        decide(&set, &req("sns.amazonaws.com", "s3:GetObject", OBJECT)),
        ExplicitDeny
    );
}

#[test]
fn e16_not_principal_with_boundary_exempts_nobody() {
    let root = "arn:aws:iam::111122223333:root";
    let boundary = pol(PolicyKind::Boundary, &doc(ALLOW_ALL));
    let mut set = ParsedSet {
        resource: Some(not_principal_policy(&format!(r#"["{root}","{ALICE}"]"#))),
        ..Default::default()
    };
    let r = req(ALICE, "s3:GetObject", OBJECT);
    assert_eq!(decide(&set, &r), Allow);
    set.boundaries = vec![boundary];
    assert_eq!(decide(&set, &r), ExplicitDeny);
}

#[test]
fn e19_kms_key_requires_the_key_policy() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234";
    let r = req(ALICE, "kms:Decrypt", key);
    let key_policy = |principal: &str| {
        resource(&format!(
            r#"{{"Effect":"Allow","Principal":{principal},"Action":"kms:*","Resource":"*"}}"#
        ))
    };
    let mut set = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        ..Default::default()
    };
    assert_eq!(decide(&set, &r), ImplicitDeny);
    // Account root delegates: with the identity side, allow; without it, not.
    set.resource = Some(key_policy(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#));
    assert_eq!(decide(&set, &r), Allow);
    let no_identity = ParsedSet {
        resource: set.resource.clone(),
        ..Default::default()
    };
    assert_eq!(decide(&no_identity, &r), ImplicitDeny);
    // Naming the user stands on its own.
    let direct = ParsedSet {
        resource: Some(key_policy(&format!(r#"{{"AWS":"{ALICE}"}}"#))),
        ..Default::default()
    };
    assert_eq!(decide(&direct, &r), Allow);
    // Not a key (an alias): the ordinary same-account union.
    let alias = req(
        ALICE,
        "kms:Decrypt",
        "arn:aws:kms:us-east-1:111122223333:alias/a",
    );
    let identity_only = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        ..Default::default()
    };
    assert_eq!(decide(&identity_only, &alias), Allow);
}

#[test]
fn e19_assume_role_requires_the_trust_policy() {
    let target = "arn:aws:iam::111122223333:role/Target";
    let identity_only = ParsedSet {
        identity: vec![identity(ALLOW_ALL)],
        ..Default::default()
    };
    for action in [
        "sts:AssumeRole",
        "STS:assumerolewithsaml",
        "sts:AssumeRoleWithWebIdentity",
    ] {
        assert_eq!(
            decide(&identity_only, &req(ALICE, action, target)),
            ImplicitDeny,
            "{action}"
        );
    }
    // Other sts actions, or a non-role resource, are not required.
    assert_eq!(
        decide(&identity_only, &req(ALICE, "sts:TagSession", target)),
        Allow
    );
    assert_eq!(
        decide(&identity_only, &req(ALICE, "sts:AssumeRole", "*")),
        Allow
    );
    let trust = resource(&format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"sts:AssumeRole","Resource":"{target}"}}"#
    ));
    let set = ParsedSet {
        resource: Some(trust),
        ..Default::default()
    };
    let out = evaluate(&set, &req(ALICE, "sts:AssumeRole", target));
    assert_eq!(out.decision, Allow);
    assert_eq!(
        out.statement(),
        Some(PolicyRef::new(PolicyKind::Resource, 0, 0).statement(0))
    );
}

#[test]
fn deciding_allow_names_the_strongest_resource_grant() {
    let sess = "arn:aws:sts::111122223333:assumed-role/Dev/s1";
    let set = ParsedSet {
        resource: Some(resource(
            r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"},
               {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Dev"},"Action":"s3:*","Resource":"*"},
               {"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"},
               {"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#,
        )),
        ..Default::default()
    };
    let out = evaluate(&set, &req(sess, "s3:GetObject", OBJECT));
    assert_eq!(out.decision, Allow);
    assert_eq!(
        out.statement(),
        Some(PolicyRef::new(PolicyKind::Resource, 0, 0).statement(2))
    );
}
