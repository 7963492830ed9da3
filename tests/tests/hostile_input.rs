//! Hostile input (issue 7): what `bad_input.rs` (malformed documents, one error per class) and
//! `hostile_compile.rs` (wildcard blow-ups, 10,000 statements) do not already cover — huge
//! lists and documents with raised limits, 1,000 condition keys deciding, duplicate keys
//! outside a policy body, lone surrogates outside the resource, hostile *request* values
//! (numbers, IPs, dates) and malformed variables in the places the other tests skip.
//!
//! Every decision is taken by both engines (`iamc_reference::evaluate` and the compiled
//! `iamc_runtime::PolicySet`) and they must agree. Each test states its time and memory bound;
//! the time bound is asserted loosely (a hang detector for debug builds, ~10–50× the measured
//! release cost), the memory bound is stated for review (the allocations are linear in the
//! input and the test sizes keep them well under 1 GiB).

use std::time::{Duration, Instant};

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::error::{Error, ErrorKind};
use iamc_compiler::{parse_policy, Limits};
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_harness::scenario;
use iamc_runtime::Decision;

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

fn parse_with(doc: &[u8], kind: PolicyKind, limits: &Limits) -> Result<ParsedSet, Vec<Error>> {
    let policy = parse_policy("hostile.json", doc, kind, limits)?.policy;
    let mut set = ParsedSet::default();
    match kind {
        PolicyKind::Resource => set.resource = Some(policy),
        _ => set.identity.push(policy),
    }
    Ok(set)
}

fn identity(doc: &str) -> ParsedSet {
    parse_with(doc.as_bytes(), PolicyKind::Identity, &Limits::default())
        .unwrap_or_else(|e| panic!("{doc}: {e:?}"))
}

/// The single error of an identity policy that must be rejected.
fn one_error(doc: &[u8], limits: &Limits) -> ErrorKind {
    match parse_with(doc, PolicyKind::Identity, limits) {
        Ok(_) => panic!(
            "accepted: {}",
            String::from_utf8_lossy(&doc[..doc.len().min(300)])
        ),
        Err(e) => {
            assert_eq!(e.len(), 1, "{e:?}");
            e[0].kind.clone()
        }
    }
}

fn stmt(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",{body}}}]}}"#)
}

fn cond(op: &str, key: &str, value: &str) -> String {
    stmt(&format!(
        r#""Action":"*","Resource":"*","Condition":{{"{op}":{{"{key}":{value}}}}}"#
    ))
}

fn request(resource: &str, context: &[(&str, &str)]) -> Request {
    let mut ctx = Context::default();
    for (k, v) in context {
        ctx.insert(*k, ContextValue::Single(v.to_string()));
    }
    Request {
        principal: ALICE.into(),
        action: "s3:GetObject".into(),
        resource: resource.into(),
        resource_account: None,
        context: ctx,
        unknown: Default::default(),
    }
}

/// Decide with both engines; they must agree (decision and deciding statement).
fn decide_set(set: &ParsedSet, compiled: &iamc_runtime::PolicySet, req: &Request) -> Decision {
    let want = iamc_reference::evaluate(set, req);
    let mut scratch = compiled.create_scratch();
    let got =
        iamc_harness::adapter::with_runtime_request(req, |r| compiled.evaluate(&mut scratch, r))
            .unwrap_or(iamc_runtime::Outcome::MALFORMED);
    assert_eq!(want, got, "engines disagree on {req:?}");
    want.decision
}

fn decide(set: &ParsedSet, req: &Request) -> Decision {
    let compiled = iamc_tests::compile(set).expect("compiles");
    decide_set(set, &compiled, req)
}

/// `op {key: policy_value}` decided for `key = request_value`.
fn decide_cond(op: &str, policy_value: &str, request_value: &str) -> Decision {
    let set = identity(&cond(op, "a:k", policy_value));
    decide(&set, &request("*", &[("a:k", request_value)]))
}

fn assert_within(t: Instant, bound: Duration, what: &str) {
    assert!(
        t.elapsed() < bound,
        "{what}: {:?} (bound {bound:?})",
        t.elapsed()
    );
}

// 100,000 resource patterns in one statement.
// - Default limits: the ~3 MB document is TooLarge (max_policy_bytes 1 MiB), O(1).
// - Bytes allowed: TooMany "values in a list" (max_list_len 10,000) after one linear pass; no
//   pattern is compiled.
// - max_list_len raised too: parses, compiles and decides (both engines; the reference tries the
//   patterns one by one, the runtime indexes them).
// Bound: release 0.55 s measured in all, debug < 60 s asserted; memory: 100k patterns in AST +
// IR + runtime tables, 86 MB peak RSS measured, < 200 MB.
#[test]
fn r_100k_resource_patterns() {
    let patterns: Vec<String> = (0..100_000)
        .map(|i| format!("\"arn:aws:s3:::bucket-{i}/*\""))
        .collect();
    let doc = stmt(&format!(
        r#""Action":"s3:GetObject","Resource":[{}]"#,
        patterns.join(",")
    ));
    // ~3 MB: the default document limit (1 MiB) refuses it before anything is parsed.
    let k = one_error(doc.as_bytes(), &Limits::default());
    assert!(matches!(k, ErrorKind::TooLarge { .. }), "{k:?}");
    // With room for the bytes, the list limit (10,000) refuses it.
    let big = Limits {
        max_policy_bytes: 16 << 20,
        ..Limits::default()
    };
    let t = Instant::now();
    let k = one_error(doc.as_bytes(), &big);
    assert!(
        matches!(
            k,
            ErrorKind::TooMany {
                limit: 10_000,
                count: 100_000,
                ..
            }
        ),
        "{k:?}"
    );
    assert_within(t, Duration::from_secs(10), "rejecting 100k patterns");

    let limits = Limits {
        max_list_len: 100_000,
        ..big
    };
    let t = Instant::now();
    let set = parse_with(doc.as_bytes(), PolicyKind::Identity, &limits).expect("parses");
    let compiled = iamc_tests::compile(&set).expect("compiles");
    for (resource, want) in [
        ("arn:aws:s3:::bucket-99999/k", Decision::Allow),
        ("arn:aws:s3:::bucket-0/a/b", Decision::Allow),
        ("arn:aws:s3:::bucket-100000/k", Decision::ImplicitDeny),
        ("arn:aws:s3:::bucket-5", Decision::ImplicitDeny),
    ] {
        assert_eq!(
            decide_set(&set, &compiled, &request(resource, &[])),
            want,
            "{resource}"
        );
    }
    assert_within(
        t,
        Duration::from_secs(60),
        "100k patterns parse+compile+decide",
    );
}

// C-1: 1,000 condition keys in one statement (over five operators) decide: all satisfied →
// Allow; any one missing or wrong → implicit deny. Bound: release ~10 ms, debug < 20 s
// asserted (the reference looks keys up linearly: 1,000 × 1,000 comparisons per request);
// memory < 10 MB (4 MB peak RSS measured).
#[test]
fn c1_thousand_condition_keys_decide() {
    let ops = [
        ("StringEquals", "v"),
        ("StringLike", "v*"),
        ("NumericLessThan", "100"),
        ("Bool", "true"),
        ("IpAddress", "10.0.0.0/8"),
    ];
    let mut blocks = Vec::new();
    for (o, (op, value)) in ops.iter().enumerate() {
        let keys: Vec<String> = (0..200)
            .map(|i| format!(r#""svc:k{o}x{i}":"{value}""#))
            .collect();
        blocks.push(format!(r#""{op}":{{{}}}"#, keys.join(",")));
    }
    let doc = stmt(&format!(
        r#""Action":"*","Resource":"*","Condition":{{{}}}"#,
        blocks.join(",")
    ));
    let t = Instant::now();
    let set = identity(&doc);
    assert_eq!(set.identity[0].statements[0].conditions.len(), 1000);
    let compiled = iamc_tests::compile(&set).expect("compiles");
    let good = ["v", "vvv", "99", "true", "10.1.2.3"];
    let keys: Vec<(String, String)> = (0..5)
        .flat_map(|o| (0..200).map(move |i| (format!("svc:k{o}x{i}"), good[o].to_string())))
        .collect();
    let ctx = |skip: Option<usize>, bad: Option<usize>| {
        let pairs: Vec<(&str, &str)> = keys
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != skip)
            .map(|(i, (k, v))| {
                if Some(i) == bad {
                    (k.as_str(), "zzz")
                } else {
                    (k.as_str(), v.as_str())
                }
            })
            .collect();
        request("*", &pairs)
    };
    assert_eq!(
        decide_set(&set, &compiled, &ctx(None, None)),
        Decision::Allow
    );
    for i in [0, 399, 612, 999] {
        assert_eq!(
            decide_set(&set, &compiled, &ctx(Some(i), None)),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide_set(&set, &compiled, &ctx(None, Some(i))),
            Decision::ImplicitDeny
        );
    }
    assert_within(t, Duration::from_secs(20), "1,000 condition keys");
}

// G-19, duplicate keys outside what bad_input.rs covers (Version, Action, a condition key).
// AWS documents no rule for a JSON object with the same key twice, and JSON parsers disagree on
// which member wins (first, last, or an error); spec G-19 (from IAM Access Analyzer's checks)
// says reject, and iamc rejects — it never picks one, because "last wins" could silently drop a
// Deny or a Condition and widen a policy. Shown here: a second `Effect` that would turn a Deny
// into an Allow, a second `Condition` that would drop the first, a second `Statement` member,
// a duplicate inside a `PolicyVersion` wrapper, and duplicate / case-variant context keys in a
// scenario request (K-2). Bound: each < 1 ms; memory ~ the input.
#[test]
fn g19_duplicate_keys_never_last_wins() {
    let limits = Limits::default();
    for (doc, key) in [
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            "Effect",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}},"Condition":{}}]}"#,
            "Condition",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"*","Resource":"*"},"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
            "Statement",
        ),
        (
            r#"{"PolicyVersion":{"Document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Resource":"arn:aws:s3:::b"}]}}}"#,
            "Resource",
        ),
    ] {
        let k = one_error(doc.as_bytes(), &limits);
        assert_eq!(k, ErrorKind::DuplicateKey(key.into()), "{doc}");
    }
    // Scenario files: a request context with the same key twice, or two spellings of one key.
    for ctx in [
        r#"{"aws:username":"alice","aws:username":"bob"}"#,
        r#"{"aws:username":"alice","AWS:UserName":"bob"}"#,
    ] {
        let file = format!(
            r#"{{"identity_policies":[{}],"requests":[{{"principal":"{ALICE}","action":"s3:GetObject","context":{ctx}}}]}}"#,
            stmt(r#""Action":"*","Resource":"*""#)
        );
        let e = scenario::load_bytes("dup.json", file.as_bytes()).expect_err(ctx);
        assert!(
            e.iter().any(|e| e.path.as_str().contains("context")),
            "{ctx}: {e:?}"
        );
    }
}

// Lone UTF-16 surrogates where bad_input.rs does not put them (it covers Resource): in a
// condition key, an action, a principal entry, a URL-encoded document, and in a scenario
// request's context key, context value and principal. JSON text must be Unicode scalar values,
// so each is a Json error at the root of its document, never a replacement character that
// would make two different strings equal. Bound: each < 1 ms; memory ~ the input.
#[test]
fn lone_surrogates_everywhere() {
    let limits = Limits::default();
    for doc in [
        cond("StringEquals", r"aws:PrincipalTag/\ud800", r#""x""#),
        stmt(r#""Action":"s3:Get\udfff","Resource":"*""#),
        stmt(r#""Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":["ok","\ud83d"]}}"#),
    ] {
        let k = one_error(doc.as_bytes(), &limits);
        assert!(
            matches!(&k, ErrorKind::Json(m) if m.contains("surrogate")),
            "{doc}: {k:?}"
        );
    }
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/\udc00"},"Action":"*","Resource":"*"}]}"#;
    let e = parse_with(doc.as_bytes(), PolicyKind::Resource, &limits).expect_err(doc);
    assert!(
        matches!(&e[0].kind, ErrorKind::Json(m) if m.contains("surrogate")),
        "{e:?}"
    );
    // URL-encoded: %5Cud800 decodes to the escape \ud800 inside the JSON text.
    let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22arn%3Aaws%3As3%3A%3A%3Ab%2F%5Cud800%22%7D%7D";
    let k = one_error(encoded.as_bytes(), &limits);
    assert!(
        matches!(&k, ErrorKind::Json(m) if m.contains("surrogate")),
        "{k:?}"
    );
    for req in [
        format!(
            r#"{{"principal":"{ALICE}","action":"s3:GetObject","context":{{"a:\ud800":"x"}}}}"#
        ),
        format!(
            r#"{{"principal":"{ALICE}","action":"s3:GetObject","context":{{"a:b":"\udbff"}}}}"#
        ),
        format!(
            r#"{{"principal":"{ALICE}","action":"s3:GetObject","context":{{"a:b":["x","\ud800"]}}}}"#
        ),
        r#"{"principal":"arn:aws:iam::111122223333:user/\ud800","action":"s3:GetObject"}"#
            .to_string(),
    ] {
        let file = format!(r#"{{"identity_policies":[],"requests":[{req}]}}"#);
        let e = scenario::load_bytes("s.json", file.as_bytes()).expect_err(&req);
        assert!(
            matches!(&e[0].kind, ErrorKind::Json(m) if m.contains("surrogate")),
            "{e:?}"
        );
    }
}

// C-9/C-17: hostile *request* values for Numeric operators (bad_input.rs covers policy values).
// `1e400`, `NaN`, `Infinity`, `1E2`, `+1`, `0x10` and the empty string are not C-9 numbers, so
// they satisfy neither the positive nor the negated operator, and `IfExists` does not help (the
// key is present). `-0` and `-0.0` are numbers equal to 0. A JSON number 1e400 in a scenario's
// context becomes the text "1e400" (K-2), never infinity. Bound: each decision < 1 ms;
// memory O(1) per value (no big-number expansion: 1e400 is rejected by its grammar).
#[test]
fn c17_hostile_numeric_request_values() {
    for v in [
        "1e400", "-1e400", "NaN", "Infinity", "1E2", "+1", "0x10", "", " 0", "1_000",
    ] {
        for op in [
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericGreaterThanEquals",
            "NumericNotEqualsIfExists",
            "NumericLessThanIfExists",
        ] {
            assert_eq!(
                decide_cond(op, r#""10""#, v),
                Decision::ImplicitDeny,
                "{op} {v:?}"
            );
        }
    }
    for v in ["-0", "-0.0", "0", "000", "0.000"] {
        assert_eq!(decide_cond("NumericEquals", "0", v), Decision::Allow, "{v}");
        assert_eq!(
            decide_cond("NumericNotEquals", "0", v),
            Decision::ImplicitDeny,
            "{v}"
        );
        assert_eq!(
            decide_cond("NumericLessThan", "-1", v),
            Decision::ImplicitDeny,
            "{v}"
        );
        assert_eq!(
            decide_cond("NumericGreaterThan", "-1", v),
            Decision::Allow,
            "{v}"
        );
    }
    // ForAnyValue over a list holding one unparseable value: the parseable one decides.
    let set = identity(&cond("ForAnyValue:NumericLessThan", "a:k", r#""10""#));
    let mut req = request("*", &[]);
    req.context.insert(
        "a:k",
        ContextValue::Multi(vec!["NaN".into(), "1e400".into(), "5".into()]),
    );
    assert_eq!(decide(&set, &req), Decision::Allow);
    // The same through a scenario file with JSON numbers in the context.
    let file = format!(
        r#"{{"identity_policies":[{}],"requests":[{{"principal":"{ALICE}","action":"s3:GetObject","context":{{"a:k":1e400}}}},{{"principal":"{ALICE}","action":"s3:GetObject","context":{{"a:k":-0}}}}]}}"#,
        cond("NumericNotEquals", "a:k", "5")
    );
    let loaded = scenario::load_bytes("n.json", file.as_bytes()).expect("loads");
    let reqs = &loaded.scenarios[0].requests;
    assert_eq!(
        reqs[0].request.context.get("a:k"),
        Some(&ContextValue::Single("1e400".into()))
    );
    assert_eq!(
        decide(&reqs[0].policies, &reqs[0].request),
        Decision::ImplicitDeny
    );
    assert_eq!(decide(&reqs[1].policies, &reqs[1].request), Decision::Allow);
}

// C-13: IP edge cases. `::ffff:1.2.3.4` is an IPv6 address (IPv4-mapped) and never matches an
// IPv4 block, nor an IPv4 request a mapped IPv6 block; `NotIpAddress` then holds (the value is
// an address, just of the other family). `1.2.3.4/33`, `1.2.3.4/32`, `[::1]`, `1.2.3` as a
// request value are not one address → false for IpAddress *and* NotIpAddress (C-17). As a
// policy value `1.2.3.4/33` (and `/129` for IPv6, `1.2.3.4/`, `1.2.3.4/-1`) is a G-18 parse
// error. Bound: each < 1 ms; memory O(1).
#[test]
fn c13_ip_edge_cases() {
    let v4 = r#""1.2.3.0/24""#;
    assert_eq!(decide_cond("IpAddress", v4, "1.2.3.4"), Decision::Allow);
    assert_eq!(
        decide_cond("IpAddress", v4, "::ffff:1.2.3.4"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        decide_cond("NotIpAddress", v4, "::ffff:1.2.3.4"),
        Decision::Allow
    );
    let mapped = r#""::ffff:1.2.3.0/120""#;
    assert_eq!(
        decide_cond("IpAddress", mapped, "::ffff:1.2.3.4"),
        Decision::Allow
    );
    assert_eq!(
        decide_cond("IpAddress", mapped, "::FFFF:1.2.3.4"),
        Decision::Allow
    );
    assert_eq!(
        decide_cond("IpAddress", mapped, "1.2.3.4"),
        Decision::ImplicitDeny
    );
    for bad in [
        "1.2.3.4/33",
        "1.2.3.4/32",
        "[::1]",
        "1.2.3",
        "1.2.3.4 ",
        "01.2.3.4",
        "",
    ] {
        for op in ["IpAddress", "NotIpAddress", "NotIpAddressIfExists"] {
            for policy in [v4, r#""0.0.0.0/0""#, r#""::/0""#] {
                assert_eq!(
                    decide_cond(op, policy, bad),
                    Decision::ImplicitDeny,
                    "{op} {policy} {bad:?}"
                );
            }
        }
    }
    for bad in [
        "1.2.3.4/33",
        "::ffff:1.2.3.4/129",
        "1.2.3.4/",
        "1.2.3.4/-1",
        "1.2.3.4/x",
    ] {
        let doc = cond("IpAddress", "aws:SourceIp", &format!("\"{bad}\""));
        let k = one_error(doc.as_bytes(), &Limits::default());
        assert!(
            matches!(&k, ErrorKind::InvalidValue { value, .. } if value == bad),
            "{bad}: {k:?}"
        );
    }
}

// C-10: dates with odd offsets. `+14:00` (Kiribati) and `-00:00` are valid offsets; `+24:00`,
// `+23:60`, `+1400`, `+14` are not. A policy date with an invalid offset is a G-18 parse error;
// a request date with one satisfies neither DateEquals nor DateNotEquals (C-17). Bound: each
// < 1 ms; memory O(1).
#[test]
fn c10_date_offsets() {
    let midnight = r#""2024-01-01T00:00:00Z""#;
    for same in [
        "2024-01-01T14:00:00+14:00",
        "2023-12-31T12:00:00-12:00",
        "2024-01-01T00:00:00-00:00",
        "2024-01-01T00:00:00+00:00",
        "2024-01-01T05:30:00+05:30",
        "1704067200",
    ] {
        assert_eq!(
            decide_cond("DateEquals", midnight, same),
            Decision::Allow,
            "{same}"
        );
        assert_eq!(
            decide_cond("DateNotEquals", midnight, same),
            Decision::ImplicitDeny,
            "{same}"
        );
    }
    // One second before midnight UTC, written at +14:00.
    assert_eq!(
        decide_cond("DateLessThan", midnight, "2024-01-01T13:59:59+14:00"),
        Decision::Allow
    );
    for bad in [
        "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+23:60",
        "2024-01-01T00:00:00+1400",
        "2024-01-01T00:00:00+14",
        "2024-01-01T00:00:00 +01:00",
        "2024-01-01T00:00:00z",
    ] {
        for op in [
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateGreaterThanEquals",
        ] {
            assert_eq!(
                decide_cond(op, midnight, bad),
                Decision::ImplicitDeny,
                "{op} {bad}"
            );
        }
        let doc = cond("DateLessThan", "aws:CurrentTime", &format!("\"{bad}\""));
        let k = one_error(doc.as_bytes(), &Limits::default());
        assert!(
            matches!(&k, ErrorKind::InvalidValue { value, .. } if value == bad),
            "{bad}: {k:?}"
        );
    }
    // A valid odd offset in the policy.
    let set = identity(&cond(
        "DateLessThan",
        "aws:CurrentTime",
        r#""2024-01-01T14:00:00+14:00""#,
    ));
    for (t, want) in [
        ("2023-12-31T23:59:59Z", Decision::Allow),
        ("2024-01-01T00:00:00Z", Decision::ImplicitDeny),
    ] {
        assert_eq!(
            decide(&set, &request("*", &[("aws:CurrentTime", t)])),
            want,
            "{t}"
        );
    }
}

// V: `${aws:username` and `${${a}}` where bad_input.rs does not put them (it covers Resource
// and a StringLike value): an ArnLike value and an action (A-8: no variables in actions); in
// a default value it is quoted text. In a *request* value the same text is plain data (V-8): it is
// substituted literally and never re-read as a variable. Bound: each < 1 ms; memory ~ input.
#[test]
fn v_malformed_variables_elsewhere() {
    let limits = Limits::default();
    for value in [
        r#""arn:aws:iam::111122223333:user/${aws:username""#,
        r#""arn:aws:iam::111122223333:user/${${a}}""#,
    ] {
        let doc = cond("ArnLike", "aws:PrincipalArn", value);
        let k = one_error(doc.as_bytes(), &limits);
        assert!(
            matches!(k, ErrorKind::MalformedVariable { .. }),
            "{value}: {k:?}"
        );
    }
    // Inside a default value the same text is a quoted literal, not a variable: it parses, and
    // is substituted as text when the key is missing (V-8).
    let set = identity(&stmt(
        r#""Action":"*","Resource":"arn:aws:s3:::b/${aws:username, '${${a}}'}""#,
    ));
    assert_eq!(
        decide(&set, &request("arn:aws:s3:::b/${${a}}", &[])),
        Decision::Allow
    );
    assert_eq!(
        decide(&set, &request("arn:aws:s3:::b/x", &[])),
        Decision::ImplicitDeny
    );
    let req = request("arn:aws:s3:::b/alice", &[("aws:username", "alice")]);
    assert_eq!(decide(&set, &req), Decision::Allow);
    for action in ["s3:${aws:username", "s3:${${a}}"] {
        let doc = stmt(&format!(r#""Action":"{action}","Resource":"*""#));
        let k = one_error(doc.as_bytes(), &limits);
        assert!(
            matches!(
                k,
                ErrorKind::VariableInAction(_) | ErrorKind::InvalidAction { .. }
            ),
            "{action}: {k:?}"
        );
    }
    // Request values that look like variables are literal text (V-8).
    let set = identity(&cond(
        "StringEquals",
        "s3:prefix",
        r#""home/${aws:username}""#,
    ));
    for (user, prefix, want) in [
        ("${aws:username", "home/${aws:username", Decision::Allow),
        ("${${a}}", "home/${${a}}", Decision::Allow),
        ("${aws:username}", "home/${aws:username}", Decision::Allow),
        ("${aws:username}", "home/alice", Decision::ImplicitDeny),
    ] {
        let req = request("*", &[("aws:username", user), ("s3:prefix", prefix)]);
        assert_eq!(decide(&set, &req), want, "{user} {prefix}");
    }
}

// A 10 MB policy with raised limits (bad_input.rs checks that the default 1 MiB limit refuses
// it): 24,000 statements of ~440 bytes each, each with a resource list, a condition and a
// variable. It parses, compiles and decides. Bound: release 1.2 s measured, debug < 120 s
// asserted; memory: the JSON tree + AST + IR + runtime tables, a small multiple of the 10 MB
// text (229 MB peak RSS measured, < 500 MB).
#[test]
fn ten_megabyte_policy_with_raised_limits() {
    let statements: Vec<String> = (0..24_000)
        .map(|i| {
            format!(
                r#"{{"Sid":"S{i}","Effect":"{}","Action":["s3:GetObject","s3:Put*","ec2:Describe{i}"],"Resource":["arn:aws:s3:::bucket-{i}/home/${{aws:username}}/*","arn:aws:s3:::bucket-{i}/shared/*","arn:aws:s3:::bucket-{i}/p{i}?/*"],"Condition":{{"StringEquals":{{"aws:PrincipalTag/team":["team-{i}","ops"]}},"IpAddress":{{"aws:SourceIp":["10.{}.0.0/16","2001:db8::/32"]}},"DateLessThan":{{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}}}}}"#,
                if i % 97 == 0 { "Deny" } else { "Allow" },
                i % 256
            )
        })
        .collect();
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    assert!(doc.len() > 10_000_000, "{}", doc.len());
    let limits = Limits {
        max_policy_bytes: 16 << 20,
        max_statements: 24_000,
        ..Limits::default()
    };
    let t = Instant::now();
    let set = parse_with(doc.as_bytes(), PolicyKind::Identity, &limits).expect("parses");
    assert_eq!(set.identity[0].statements.len(), 24_000);
    assert_within(t, Duration::from_secs(60), "parsing 10 MB");
    let compiled = iamc_tests::compile(&set).expect("compiles");
    for (resource, ip, want) in [
        (
            "arn:aws:s3:::bucket-7/home/alice/x",
            "10.7.1.1",
            Decision::Allow,
        ),
        (
            "arn:aws:s3:::bucket-7/home/bob/x",
            "10.7.1.1",
            Decision::ImplicitDeny,
        ),
        (
            "arn:aws:s3:::bucket-7/home/alice/x",
            "10.8.1.1",
            Decision::ImplicitDeny,
        ),
        (
            "arn:aws:s3:::bucket-97/shared/x",
            "10.97.1.1",
            Decision::ExplicitDeny,
        ),
        (
            "arn:aws:s3:::bucket-24000/shared/x",
            "10.32.1.1",
            Decision::ImplicitDeny,
        ),
    ] {
        let ctx = [
            ("aws:username", "alice"),
            ("aws:PrincipalTag/team", "ops"),
            ("aws:SourceIp", ip),
            ("aws:CurrentTime", "2025-01-01T00:00:00Z"),
        ];
        assert_eq!(
            decide_set(&set, &compiled, &request(resource, &ctx)),
            want,
            "{resource} {ip}"
        );
    }
    assert_within(t, Duration::from_secs(120), "10 MB parse+compile+decide");
}
