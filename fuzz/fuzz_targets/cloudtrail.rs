//! Fuzz target (c): the CloudTrail record reader and the event → request mapping of the audit
//! crate (`iamc_audit::event::{Event, map_event}`), then both engines on the mapped request.
//!
//! The input is read as `iamc audit` reads a log: invalid UTF-8 repaired
//! (`input::repair_utf8`, which must leave valid UTF-8), then a `{"Records":[...]}` file, or
//! else JSON lines, each record deserialized into a borrowed `Event` and mapped — without and
//! with the IAM service reference catalog (loaded once from `$IAMC_SHARED` or `../shared`
//! beside the repository, if present). Every mapped request is decided against a fixed policy
//! set by the compiled engine and by the reference interpreter; they must agree, so
//! CloudTrail-shaped strings (odd ARNs, IPs, service principals) also test the evaluators.
//!
//! The same bytes also go through the streaming reader `iamc audit` uses for Records files
//! (`records::for_each_record`) twice: with a window that holds the whole input and with a
//! small window (64–574 bytes, from the first byte), so records and UTF-8 sequences are cut at
//! window edges. What is read — each record's position, whether it is readable, the event —
//! and how the stream ends must not depend on the window size; the record size limit (32 to
//! 2,072 bytes, from the second byte) is the same in both, so records over it are skipped in
//! both, at the same places.
//!
//! Every record is accounted for: when the input is a JSON object whose `Records` members
//! (any number of them) are arrays, the reader passes on exactly as many records as those
//! arrays hold, counting the records a break loses (`End::tail`). (This would have caught a
//! second `Records` member being skipped.) Must never panic or hang.

#![no_main]

use std::sync::OnceLock;

use iamc_audit::catalog::Catalog;
use iamc_audit::event::{map_event, Event};
use iamc_audit::records::for_each_record;
use iamc_compiler::ast::{PolicyKind, ParsedSet};
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_compiler::{parse_policy, Compiler, Config, Limits};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserializer as _, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, rename = "Records")]
    records: Vec<&'a RawValue>,
}

fn catalog() -> Option<&'static Catalog> {
    static CATALOG: OnceLock<Option<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| {
            let shared = std::env::var("IAMC_SHARED")
                .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared").into());
            let path = format!("{shared}/corpus/service-reference/iam-service-reference.json");
            Catalog::load(std::path::Path::new(&path)).ok()
        })
        .as_ref()
}

const POLICIES: [(PolicyKind, &str); 4] = [
    (
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*","iam:Get*","sts:AssumeRole"],"Resource":"*"},{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::*/home/${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]}}}]}"#,
    ),
    (
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"},"NumericGreaterThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}},{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}"#,
    ),
    (
        PolicyKind::Resource,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}},{"Effect":"Allow","Principal":{"Service":["cloudtrail.amazonaws.com","ec2.amazonaws.com"]},"Action":"*","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:*:*:*:*"}}}]}"#,
    ),
    (
        PolicyKind::Scp,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":["iam:CreateUser","s3:DeleteBucket"],"Resource":"*","Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin*"}}}]}"#,
    ),
];

fn policies() -> &'static (ParsedSet, iamc_runtime::PolicySet) {
    static SET: OnceLock<(ParsedSet, iamc_runtime::PolicySet)> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = ParsedSet::default();
        for (i, (kind, doc)) in POLICIES.iter().enumerate() {
            let p = parse_policy(&format!("p{i}"), doc.as_bytes(), *kind, &Limits::default())
                .expect("fixed policy parses")
                .policy;
            match kind {
                PolicyKind::Resource => set.resource = Some(p),
                PolicyKind::Scp => set.scps.push(vec![p]),
                _ => set.identity.push(p),
            }
        }
        let compiled = Compiler::from_set(Config::default(), set.clone())
            .build()
            .expect("fixed policies compile");
        (set, compiled)
    })
}

fn decide(ev: &Event<'_>, catalog: Option<&'static Catalog>) {
    let m = map_event(ev, catalog);
    assert!(
        !m.resources.is_empty(),
        "a mapped event has at least one resource"
    );
    let (set, compiled) = policies();
    let mut scratch = compiled.create_scratch();
    for resource in &m.resources {
        let mut context = Context::default();
        for (k, v) in &m.context {
            if context.get(k).is_none() {
                context.insert(k.to_string(), ContextValue::Single(v.to_string()));
            }
        }
        let req = Request {
            principal: m.principal.arn.to_string(),
            action: m.action.to_string(),
            resource: resource.to_string(),
            resource_account: m.resource_account.as_ref().map(|a| a.to_string()),
            context,
            unknown: Default::default(),
        };
        let want = iamc_reference::evaluate(set, &req);
        let got = iamc_harness::adapter::with_runtime_request(&req, |r| {
            compiled.evaluate(&mut scratch, r)
        })
        .unwrap_or(iamc_runtime::Outcome::MALFORMED);
        assert_eq!(
            want, got,
            "engines disagree on the request mapped from {ev:?}: {req:?}"
        );
    }
}

fn record(text: &str) {
    if let Ok(ev) = serde_json::from_str::<Event<'_>>(text) {
        decide(&ev, None);
        if let Some(c) = catalog() {
            decide(&ev, Some(c));
        }
    }
}

/// The number of records of a JSON object's `Records` members (all of them, duplicates
/// too), independently of the streaming reader; `None` when a `Records` member is not an
/// array or there is none.
struct CountRecords;

impl<'de> Visitor<'de> for CountRecords {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Option<usize>, A::Error> {
        let mut n = Some(0usize);
        let mut any = false;
        while let Some(k) = m.next_key::<std::borrow::Cow<'de, str>>()? {
            if k == "Records" {
                any = true;
                match m.next_value::<serde_json::Value>()? {
                    serde_json::Value::Array(a) => n = n.map(|x| x + a.len()),
                    _ => n = None,
                }
            } else {
                m.next_value::<IgnoredAny>()?;
            }
        }
        Ok(if any { n } else { None })
    }
}

fn count_records(text: &str) -> Option<usize> {
    let mut de = serde_json::Deserializer::from_str(text);
    let n = de.deserialize_map(CountRecords).ok()?;
    de.end().ok()?;
    n
}

/// What the streaming reader reads from `data` with a window of `chunk` bytes. Error texts are
/// left out (serde's line/column are relative to the window); their presence is kept.
fn stream(data: &[u8], chunk: usize, max: usize, decide_events: bool) -> (Vec<String>, String) {
    let mut seen = Vec::new();
    let end = for_each_record(data, chunk, max, &mut |pos, r| {
        seen.push(match r {
            Ok(ev) => {
                if decide_events {
                    decide(ev, None);
                }
                format!("{pos}: {ev:?}")
            }
            Err(_) => format!("{pos}: unreadable"),
        })
    });
    let end = format!(
        "not_records {} io_error {:?} tail {:?} records {}",
        end.not_records,
        end.io_error,
        end.tail.map(|(p, _, lost)| (p, lost)),
        end.records
    );
    (seen, end)
}

fuzz_target!(|data: &[u8]| {
    let max = 32 + 8 * usize::from(data.get(1).copied().unwrap_or(255));
    let whole = stream(data, data.len() + 64, max, true);
    let small = 64 + 2 * usize::from(data.first().copied().unwrap_or(0));
    let windowed = stream(data, small, max, false);
    assert_eq!(
        whole, windowed,
        "the window size ({small} bytes) changed what was read"
    );

    // Every record accounted for (no size limit here: every record is whole).
    if let Some(want) = std::str::from_utf8(data).ok().and_then(count_records) {
        let mut passed = 0usize;
        let end = for_each_record(data, data.len() + 64, usize::MAX, &mut |_, _| passed += 1);
        let lost = end.tail.as_ref().map_or(0, |t| t.2);
        assert!(!end.not_records, "a Records object taken for something else");
        assert_eq!(passed, end.records);
        assert_eq!(
            passed + lost,
            want,
            "records passed on ({passed}) + lost ({lost}) != records in the input ({want}): {:?}",
            end.tail
        );
    }

    let mut buf = data.to_vec();
    let bad = iamc_audit::input::repair_utf8(&mut buf);
    assert!(bad.windows(2).all(|w| w[0] < w[1]), "offsets sorted");
    let text = match std::str::from_utf8(&buf) {
        Ok(t) => t,
        Err(e) => panic!("repair_utf8 left invalid UTF-8: {e}"),
    };
    match serde_json::from_str::<Top<'_>>(text) {
        Ok(top) => top.records.iter().for_each(|r| record(r.get())),
        Err(_) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .for_each(record),
    }
});
