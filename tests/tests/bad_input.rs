//! Hostile and malformed policy documents: every class gets its own error, naming the source
//! and the JSON path, and none panics or runs away (spec group G; `Limits`).
//!
//! Each test states its time bound in a comment; the biggest inputs also assert a generous
//! wall-clock bound (debug builds) so a quadratic regression shows up as a failure.

use std::time::{Duration, Instant};

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::error::{Error, ErrorKind};
use iamc_compiler::parse::Parsed;
use iamc_compiler::{parse_policy, Limits};
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_runtime::Decision;

const SOURCE: &str = "bad.json";

fn parse_with(bytes: &[u8], limits: &Limits) -> Result<Parsed, Vec<Error>> {
    parse_policy(SOURCE, bytes, PolicyKind::Identity, limits)
}

fn parse(bytes: &[u8]) -> Result<Parsed, Vec<Error>> {
    parse_with(bytes, &Limits::default())
}

/// The errors of a document that must fail, each checked to name the source.
fn errors(bytes: &[u8]) -> Vec<Error> {
    errors_with(bytes, &Limits::default())
}

fn errors_with(bytes: &[u8], limits: &Limits) -> Vec<Error> {
    match parse_with(bytes, limits) {
        Ok(_) => panic!(
            "expected an error for {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        ),
        Err(e) => {
            assert!(!e.is_empty());
            for err in &e {
                assert_eq!(&*err.source, SOURCE);
                assert!(err.path.as_str().starts_with('$'), "{err}");
                assert!(err.to_string().starts_with("bad.json: $"), "{err}");
            }
            e
        }
    }
}

/// The single error of a document, at `path`.
fn one_error(bytes: &[u8], path: &str) -> ErrorKind {
    let e = errors(bytes);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].path.as_str(), path, "{}", e[0]);
    e[0].kind.clone()
}

/// A one-statement policy whose statement is `{"Effect":"Allow",<body>}`.
fn stmt(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",{body}}}]}}"#)
}

/// A policy with one condition `{op: {key: value}}` (value as raw JSON).
fn cond(op: &str, key: &str, value: &str) -> String {
    stmt(&format!(
        r#""Action":"*","Resource":"*","Condition":{{"{op}":{{"{key}":{value}}}}}"#
    ))
}

fn cond_path(op: &str, key: &str) -> String {
    format!("$.Statement[0].Condition.{op}[\"{key}\"]")
}

// Malformed JSON → Json at the root, with line and column. Bound: linear, < 1 ms.
#[test]
fn malformed_json() {
    for bad in [
        &b"{"[..],
        b"",
        b"{\"Version\":}",
        b"{\"Version\":\"2012-10-17\",}",
        b"[1,2",
        b"{\"a\":1} trailing",
        b"{'Version':'2012-10-17'}",
    ] {
        let k = one_error(bad, "$");
        let ErrorKind::Json(msg) = k else {
            panic!("{k:?}")
        };
        assert!(msg.contains("line"), "{msg}");
    }
}

// G-1, G-4, G-8, G-9, G-14: wrong JSON types, each at its own path. Bound: < 1 ms.
#[test]
fn g_wrong_types() {
    let cases: [(String, &str, &str); 7] = [
        ("[]".into(), "$", "an object"),
        (
            r#"{"Version":"2012-10-17","Statement":"x"}"#.into(),
            "$.Statement",
            "an object or an array of objects",
        ),
        (
            r#"{"Version":2012,"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#.into(),
            "$.Version",
            "a string",
        ),
        (
            stmt(r#""Effect2":1,"Action":"*","Resource":"*""#)
                .replace(r#""Effect":"Allow","Effect2":1"#, r#""Effect":true"#),
            "$.Statement[0].Effect",
            "a string",
        ),
        (
            stmt(r#""Action":{"s3":"x"},"Resource":"*""#),
            "$.Statement[0].Action",
            "a string or an array of strings",
        ),
        (
            stmt(r#""Action":["s3:GetObject",7],"Resource":"*""#),
            "$.Statement[0].Action[1]",
            "a string",
        ),
        (
            cond("StringEquals", "a:b", "null"),
            "$.Statement[0].Condition.StringEquals[\"a:b\"]",
            "a string, number or boolean",
        ),
    ];
    for (doc, path, expected) in cases {
        let k = one_error(doc.as_bytes(), path);
        assert!(
            matches!(k, ErrorKind::WrongType { expected: e, .. } if e == expected),
            "{doc}: {k:?}"
        );
    }
    // A nested object as a condition value (G-14).
    let k = one_error(
        cond("StringEquals", "a:b", r#"{"x":"y"}"#).as_bytes(),
        "$.Statement[0].Condition.StringEquals[\"a:b\"]",
    );
    assert!(
        matches!(
            k,
            ErrorKind::WrongType {
                found: "an object",
                ..
            }
        ),
        "{k:?}"
    );
}

// G-1, G-5, G-17: unknown elements and operators, with did-you-mean hints. Bound: < 1 ms.
#[test]
fn g1_g5_g17_unknown_elements_and_operators() {
    let k = one_error(br#"{"Version":"2012-10-17","Statment":[],"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#, "$.Statment");
    assert_eq!(
        k,
        ErrorKind::UnknownElement {
            name: "Statment".into(),
            suggestion: Some("Statement".into())
        }
    );
    let doc = stmt(r#""Action":"*","Resource":"*","Conditon":{}"#);
    let k = one_error(doc.as_bytes(), "$.Statement[0].Conditon");
    assert!(
        matches!(&k, ErrorKind::UnknownElement { suggestion: Some(s), .. } if s == "Condition"),
        "{k:?}"
    );
    let doc = cond("StringEqualz", "a:b", "\"x\"");
    let k = one_error(doc.as_bytes(), "$.Statement[0].Condition.StringEqualz");
    assert_eq!(
        k,
        ErrorKind::UnknownOperator {
            name: "StringEqualz".into(),
            suggestion: Some("StringEquals".into())
        }
    );
    // C-16: Null takes no IfExists.
    let doc = cond("NullIfExists", "a:b", "\"true\"");
    let k = one_error(doc.as_bytes(), "$.Statement[0].Condition.NullIfExists");
    assert!(matches!(k, ErrorKind::UnknownOperator { .. }), "{k:?}");
}

// G-9, G-10: both of a pair, or neither. Bound: < 1 ms.
#[test]
fn g9_g10_both_and_neither() {
    let doc = stmt(r#""Action":"*","NotAction":"s3:*","Resource":"*""#);
    assert_eq!(
        one_error(doc.as_bytes(), "$.Statement[0]"),
        ErrorKind::BothElements("Action", "NotAction")
    );
    let doc = stmt(r#""Action":"*","Resource":"*","NotResource":"*""#);
    assert_eq!(
        one_error(doc.as_bytes(), "$.Statement[0]"),
        ErrorKind::BothElements("Resource", "NotResource")
    );
    let doc = stmt(r#""Resource":"*""#);
    assert_eq!(
        one_error(doc.as_bytes(), "$.Statement[0]"),
        ErrorKind::NeitherElement("Action", "NotAction")
    );
}

// G-18: values that do not parse as the operator's type. Bound: < 1 ms.
#[test]
fn g18_invalid_cidr_date_number() {
    for (op, value, expected) in [
        (
            "IpAddress",
            "\"10.0.0.300/8\"",
            "an IP address or CIDR block",
        ),
        (
            "IpAddress",
            "\"10.0.0.0/33\"",
            "an IP address or CIDR block",
        ),
        (
            "NotIpAddress",
            "\"2001:db8::/129\"",
            "an IP address or CIDR block",
        ),
        ("IpAddress", "\"10.0.0.0/\"", "an IP address or CIDR block"),
        (
            "DateLessThan",
            "\"2024-02-30T00:00:00Z\"",
            "an ISO 8601 date or epoch seconds",
        ),
        (
            "DateLessThan",
            "\"yesterday\"",
            "an ISO 8601 date or epoch seconds",
        ),
        (
            "DateEquals",
            "\"2024-01-01T25:00:00Z\"",
            "an ISO 8601 date or epoch seconds",
        ),
        ("NumericLessThan", "\"abc\"", "a decimal number"),
        ("NumericLessThan", "\"1e3\"", "a decimal number"),
        ("NumericLessThan", "\"+5\"", "a decimal number"),
        ("NumericLessThan", "\"0x10\"", "a decimal number"),
    ] {
        let doc = cond(op, "a:b", value);
        let k = one_error(doc.as_bytes(), &cond_path(op, "a:b"));
        assert!(
            matches!(&k, ErrorKind::InvalidValue { expected: e, .. } if *e == expected),
            "{op} {value}: {k:?}"
        );
    }
    // Several bad values in one list: each is reported at its index.
    let doc = cond(
        "IpAddress",
        "aws:SourceIp",
        r#"["10.0.0.0/8","bad","1.2.3.4/40"]"#,
    );
    let paths: Vec<String> = errors(doc.as_bytes())
        .iter()
        .map(|e| e.path.as_str().to_string())
        .collect();
    assert_eq!(
        paths,
        vec![
            format!("{}[1]", cond_path("IpAddress", "aws:SourceIp")),
            format!("{}[2]", cond_path("IpAddress", "aws:SourceIp")),
        ]
    );
}

/// A JSON document nested `depth` levels deep: `{"a":{"a":...}}` and `[[[...]]]`.
fn nested(depth: usize, object: bool) -> Vec<u8> {
    let mut s = Vec::with_capacity(depth * 6);
    for _ in 0..depth {
        s.extend_from_slice(if object { b"{\"a\":" } else { b"[" });
    }
    s.extend_from_slice(b"1");
    for _ in 0..depth {
        s.push(if object { b'}' } else { b']' });
    }
    s
}

// 100,000 levels of nesting: a Json depth error, no stack overflow (the reader stops at
// max_json_depth = 32). Bound: stops after 33 levels, < 1 ms of parsing after the read.
#[test]
fn deeply_nested_json_100k_levels() {
    for object in [true, false] {
        let doc = nested(100_000, object);
        let t = Instant::now();
        let k = one_error(&doc, "$");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
        let ErrorKind::Json(msg) = k else {
            panic!("{k:?}")
        };
        assert!(msg.contains("nest") || msg.contains("depth"), "{msg}");
    }
    // Nesting inside a condition value is still bounded.
    let mut doc = cond("StringEquals", "a:b", "X").into_bytes();
    let at = doc.iter().position(|b| *b == b'X').unwrap();
    doc.splice(at..at + 1, nested(100_000, false));
    assert!(matches!(one_error(&doc, "$"), ErrorKind::Json(_)));
}

// A 10 MB document: TooLarge before any parsing (default limit 1 MiB). Bound: O(1) after the
// length check, < 1 ms.
#[test]
fn ten_megabyte_document_is_too_large() {
    let mut doc = stmt(r#""Action":"*","Resource":"*","Sid":"PAD""#).into_bytes();
    let pad = vec![b'x'; 10 * 1024 * 1024];
    let at = doc.windows(3).position(|w| w == b"PAD").unwrap();
    doc.splice(at..at + 3, pad);
    let size = doc.len();
    let t = Instant::now();
    let k = one_error(&doc, "$");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        k,
        ErrorKind::TooLarge {
            limit: Limits::default().max_policy_bytes,
            size
        }
    );
}

// Invalid UTF-8 and lone surrogates: Json errors (text must be Unicode scalar values).
// Bound: linear, < 1 ms.
#[test]
fn invalid_utf8_and_lone_surrogates() {
    let mut doc = stmt(r#""Action":"*","Resource":"arn:aws:s3:::b/Z""#).into_bytes();
    let at = doc.iter().position(|b| *b == b'Z').unwrap();
    doc.splice(at..at + 1, [0xff, 0xfe]);
    let ErrorKind::Json(msg) = one_error(&doc, "$") else {
        panic!()
    };
    assert!(msg.to_lowercase().contains("utf-8"), "{msg}");
    // Overlong encoding of '/' and a truncated sequence.
    for bytes in [&[0xc0u8, 0xaf][..], &[0xe2, 0x82]] {
        let mut d = stmt(r#""Action":"*","Resource":"arn:aws:s3:::b/Z""#).into_bytes();
        let at = d.iter().position(|b| *b == b'Z').unwrap();
        d.splice(at..at + 1, bytes.iter().copied());
        assert!(matches!(one_error(&d, "$"), ErrorKind::Json(_)));
    }
    for escape in [r"\ud800", r"\udc00", r"\ud800\u0041", r"\ud800x"] {
        let doc = stmt(&format!(
            r#""Action":"*","Resource":"arn:aws:s3:::b/{escape}""#
        ));
        let ErrorKind::Json(msg) = one_error(doc.as_bytes(), "$") else {
            panic!()
        };
        assert!(msg.contains("surrogate"), "{escape}: {msg}");
    }
    // A valid surrogate pair is fine.
    let doc = stmt(r#""Action":"*","Resource":"arn:aws:s3:::b/\ud83d\ude00""#);
    assert!(parse(doc.as_bytes()).is_ok());
}

fn decide(doc: &str, key: &str, value: &str) -> Decision {
    let policy = parse(doc.as_bytes()).expect("parses").policy;
    let set = ParsedSet {
        identity: vec![policy],
        ..ParsedSet::default()
    };
    let mut context = Context::default();
    context.insert(key, ContextValue::Single(value.to_string()));
    let req = Request {
        principal: "arn:aws:iam::111122223333:user/alice".into(),
        action: "s3:GetObject".into(),
        resource: "arn:aws:s3:::b/k".into(),
        resource_account: None,
        context,
        unknown: Default::default(),
    };
    iamc_reference::evaluate(&set, &req).decision
}

// C-9, G-16, G-18: NaN, 1e400 and -0 in numeric conditions. Bound: < 1 ms.
// - `NaN` (bare) is not JSON → Json error; `"NaN"` (string) is not a C-9 number → InvalidValue.
// - `1e400` is a valid JSON number; G-16 keeps its text "1e400", which has an exponent and so is
//   not a C-9 number → InvalidValue naming "1e400" (it never becomes infinity).
// - `-0` is a C-9 number equal to 0: `NumericEquals -0` matches a request value `0`.
#[test]
fn c9_nan_1e400_minus_zero() {
    let doc = cond("NumericEquals", "a:n", "NaN");
    assert!(matches!(one_error(doc.as_bytes(), "$"), ErrorKind::Json(_)));
    let doc = cond("NumericEquals", "a:n", "Infinity");
    assert!(matches!(one_error(doc.as_bytes(), "$"), ErrorKind::Json(_)));
    for value in ["\"NaN\"", "1e400", "-1E-400", "\"1e400\""] {
        let doc = cond("NumericEquals", "a:n", value);
        let k = one_error(doc.as_bytes(), &cond_path("NumericEquals", "a:n"));
        assert!(
            matches!(&k, ErrorKind::InvalidValue { value: v, expected: "a decimal number", .. }
                if *v == value.trim_matches('"')),
            "{value}: {k:?}"
        );
    }
    // 1e400 under a String operator is just the text "1e400" (G-16).
    let doc = cond("StringEquals", "a:n", "1e400");
    assert_eq!(decide(&doc, "a:n", "1e400"), Decision::Allow);
    assert_eq!(decide(&doc, "a:n", "inf"), Decision::ImplicitDeny);
    // -0 as a JSON number and as a string: equal to 0, 0.0 and -0.
    for value in ["-0", "\"-0\"", "-0.0"] {
        let doc = cond("NumericEquals", "a:n", value);
        for request in ["0", "-0", "0.000", "00"] {
            assert_eq!(
                decide(&doc, "a:n", request),
                Decision::Allow,
                "{value} {request}"
            );
        }
        assert_eq!(decide(&doc, "a:n", "1"), Decision::ImplicitDeny);
        // An unparseable request value matches neither way (C-17).
        assert_eq!(decide(&doc, "a:n", "NaN"), Decision::ImplicitDeny);
    }
}

// G-20: malformed variables. Bound: linear in the value, < 1 ms.
#[test]
fn g20_malformed_variables() {
    for (resource, reason) in [
        ("arn:aws:s3:::b/${aws:username", "missing closing brace"),
        ("arn:aws:s3:::b/${", "missing closing brace"),
        ("arn:aws:s3:::b/${}", "empty variable name"),
        (
            "arn:aws:s3:::b/${${a}}",
            "invalid character in variable name",
        ),
        (
            "arn:aws:s3:::b/${aws:username,'x'}",
            "a default value is written as ${key, 'default'}",
        ),
        (
            "arn:aws:s3:::b/${aws:username, 'x}",
            "missing closing quote in default value",
        ),
    ] {
        let doc = stmt(&format!(r#""Action":"*","Resource":"{resource}""#));
        let k = one_error(doc.as_bytes(), "$.Statement[0].Resource");
        assert!(
            matches!(&k, ErrorKind::MalformedVariable { reason: r, .. } if *r == reason),
            "{resource}: {k:?}"
        );
    }
    // The same in a condition value, at the value's path.
    let doc = cond("StringLike", "s3:prefix", "\"home/${aws:username\"");
    let k = one_error(doc.as_bytes(), &cond_path("StringLike", "s3:prefix"));
    assert!(matches!(k, ErrorKind::MalformedVariable { .. }), "{k:?}");
    let doc = cond("StringLike", "s3:prefix", "\"${${a}}\"");
    let k = one_error(doc.as_bytes(), &cond_path("StringLike", "s3:prefix"));
    assert!(matches!(k, ErrorKind::MalformedVariable { .. }), "{k:?}");
    // V-2: under 2008-10-17 the same text is literal, not an error.
    let doc = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::b/${${a}}"}]}"#;
    assert!(parse(doc.as_bytes()).is_ok());
}

// Limits: a 10,000-star pattern. With default limits the byte limit (4,096) trips first; with
// a larger byte limit the wildcard limit (256) does. Bound: one linear scan, < 1 ms; glob
// matching is never attempted.
#[test]
fn ten_thousand_star_wildcard_hits_a_limit() {
    let stars = "*".repeat(10_000);
    let doc = stmt(&format!(
        r#""Action":"*","Resource":"arn:aws:s3:::b/{stars}""#
    ));
    let k = one_error(doc.as_bytes(), "$.Statement[0].Resource");
    assert_eq!(
        k,
        ErrorKind::PatternTooLong {
            limit: 4096,
            what: "bytes in one pattern"
        }
    );
    let limits = Limits {
        max_pattern_bytes: 100_000,
        ..Limits::default()
    };
    for body in [
        format!(r#""Action":"*","Resource":"arn:aws:s3:::b/{stars}""#),
        format!(r#""Action":"s3:{stars}","Resource":"*""#),
        format!(
            r#""Action":"*","Resource":"*","Condition":{{"StringLike":{{"s3:prefix":"{stars}"}}}}"#
        ),
    ] {
        let e = errors_with(stmt(&body).as_bytes(), &limits);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].kind,
            ErrorKind::PatternTooLong {
                limit: 256,
                what: "wildcards in one pattern"
            },
            "{body}"
        );
    }
    // 256 wildcards is within the limit.
    let doc = stmt(&format!(
        r#""Action":"*","Resource":"arn:aws:s3:::b/{}""#,
        "*".repeat(256)
    ));
    assert!(parse(doc.as_bytes()).is_ok());
}

// G-19: duplicate JSON keys at every level, each at its own path. Bound: < 1 ms.
#[test]
fn g19_duplicate_json_keys() {
    let k = one_error(
        br#"{"Version":"2012-10-17","Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
        "$.Version",
    );
    assert_eq!(k, ErrorKind::DuplicateKey("Version".into()));
    let doc = stmt(r#""Action":"*","Action":"s3:*","Resource":"*""#);
    assert_eq!(
        one_error(doc.as_bytes(), "$.Statement[0].Action"),
        ErrorKind::DuplicateKey("Action".into())
    );
    let doc =
        stmt(r#""Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":"x","a:b":"y"}}"#);
    assert_eq!(
        one_error(
            doc.as_bytes(),
            "$.Statement[0].Condition.StringEquals[\"a:b\"]"
        ),
        ErrorKind::DuplicateKey("a:b".into())
    );
    let doc =
        stmt(r#""Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":"x","A:B":"y"}}"#);
    assert_eq!(
        one_error(
            doc.as_bytes(),
            "$.Statement[0].Condition.StringEquals[\"A:B\"]"
        ),
        ErrorKind::DuplicateConditionKey("A:B".into())
    );
}

// C-1: 1,000 condition keys under one operator parse (no limit on keys per block beyond the
// document size). Bound: linear (the case-insensitive duplicate check is a hash set), < 1 s.
#[test]
fn c1_thousand_condition_keys_parse() {
    let keys: Vec<String> = (0..1000)
        .map(|i| format!(r#""svc:key{i}":"v{i}""#))
        .collect();
    let doc = stmt(&format!(
        r#""Action":"*","Resource":"*","Condition":{{"StringEquals":{{{}}}}}"#,
        keys.join(",")
    ));
    let t = Instant::now();
    let parsed = parse(doc.as_bytes()).expect("1,000 keys parse");
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    assert_eq!(parsed.policy.statements[0].conditions.len(), 1000);
    assert_eq!(
        parsed.policy.statements[0].conditions[999].path.as_str(),
        "$.Statement[0].Condition.StringEquals[\"svc:key999\"]"
    );
}

// Every class above, and random truncations of a real policy: errors, never a panic.
// Bound: ~2,000 parses of < 1 KB, < 1 s.
#[test]
fn truncations_never_panic() {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*"],"Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":false},"NumericLessThan":{"aws:MultiFactorAuthAge":3600},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"ForAnyValue:StringLike":{"aws:TagKeys":["a*"]}}}]}"#;
    assert!(parse(doc.as_bytes()).is_ok());
    for cut in 0..doc.len() {
        let _ = parse(&doc.as_bytes()[..cut]);
        let mut flipped = doc.as_bytes().to_vec();
        flipped[cut] ^= 0x20;
        let _ = parse(&flipped);
    }
}
