//! Compiled artifacts (issue: compile once, load anywhere): a set loaded from bytes decides
//! exactly like the set it was written from, and no byte string makes the loader panic.
//!
//! - every spec case through compile → `to_bytes` → `from_bytes` → evaluate: the same
//!   outcome (decision and deciding statement) as the fresh set, and the expectation;
//! - all managed policies as one identity set (and the set without the policies holding a
//!   Deny, so Allows decide): round-trip, then a sample of requests built from the policies'
//!   own actions, resources and condition values decided identically;
//! - corruption: every truncation, every single-bit flip (caught by the checksum), wrong
//!   magic / version / byte order; and with the checksum off every single-bit flip and
//!   ~100,000 random inputs and mutations reach the decoder: an error or a set that
//!   evaluates, never a panic.

use iamc_harness::rng::Rng;
use std::collections::HashMap;
use std::sync::Arc;

use iamc_compiler::ast::{Effect, ParsedSet, Policy, PolicyKind};
use iamc_compiler::json::{self, Json};
use iamc_compiler::{parse_policy, parse_policy_json, Limits};
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_harness::scenario;
use iamc_runtime::artifact::{self, BuildInfo, LoadOptions, FORMAT_VERSION, HEADER_LEN};
use iamc_runtime::ir::{PolicySetIr, TemplatePartIr};
use iamc_runtime::{LoadError, Outcome};

fn decide(set: &iamc_runtime::PolicySet, r: &Request) -> Outcome {
    let mut scratch = set.create_scratch();
    iamc_harness::adapter::with_runtime_request(r, |req| set.evaluate(&mut scratch, req))
        .unwrap_or(Outcome::MALFORMED)
}

fn round_trip(fresh: &iamc_runtime::PolicySet) -> iamc_runtime::PolicySet {
    let bytes = fresh.to_bytes();
    let loaded = iamc_runtime::PolicySet::from_bytes(&bytes)
        .unwrap_or_else(|e| panic!("round trip does not load: {e}"));
    assert_eq!(
        loaded.to_bytes(),
        bytes,
        "a loaded set writes the same bytes"
    );
    loaded
}

#[test]
fn spec_cases_decide_the_same_after_a_round_trip() {
    let dir = iamc_tests::shared_dir().join("spec/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut total, mut sets) = (0, 0);
    let mut bad = Vec::new();
    for f in &files {
        let loaded = scenario::load_file(f).unwrap_or_else(|e| panic!("{e:?}"));
        let mut compiled: HashMap<*const ParsedSet, (iamc_runtime::PolicySet, _)> = HashMap::new();
        for sc in &loaded.scenarios {
            for r in &sc.requests {
                let (fresh, from_bytes) =
                    compiled.entry(Arc::as_ptr(&r.policies)).or_insert_with(|| {
                        sets += 1;
                        let fresh = iamc_tests::compile(&r.policies).expect("compiles");
                        let from_bytes = round_trip(&fresh);
                        (fresh, from_bytes)
                    });
                let want = decide(fresh, &r.request);
                let got = decide(from_bytes, &r.request);
                total += 1;
                let name = f.file_name().unwrap_or_default().to_string_lossy();
                if got != want {
                    bad.push(format!(
                        "{name}: {} ({}): fresh {want:?}, loaded {got:?}",
                        r.id, sc.name
                    ));
                }
                if let Some(expect) = r.expect {
                    let d = got.decision;
                    if d != expect {
                        bad.push(format!(
                            "{name}: {} ({}): expected {expect}, loaded set decided {d}",
                            r.id, sc.name
                        ));
                    }
                }
            }
        }
    }
    assert!(
        total > 400 && sets > 50,
        "only {total} requests, {sets} sets"
    );
    assert!(
        bad.is_empty(),
        "{} of {total} differ:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Every managed policy that parses (the documented V-3 reject does not).
fn managed_policies() -> Vec<Policy> {
    let path = iamc_tests::shared_dir().join("corpus/managed-policies/aws-managed-policies.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v = json::parse(line, 64).expect("jsonl line");
        let name = v.get("name").and_then(Json::as_str).unwrap_or("?");
        let doc = v.get("document").expect("document");
        if let Ok(p) = parse_policy_json(
            Arc::from(name),
            doc,
            PolicyKind::Identity,
            &Limits::default(),
        ) {
            out.push(p.policy);
        }
    }
    assert!(out.len() > 1500, "only {} managed policies", out.len());
    out
}

/// Text of a template with wildcards and variables filled in.
fn fill(parts: &[TemplatePartIr], rng: &mut Rng) -> String {
    let mut s = String::new();
    for p in parts {
        match p {
            TemplatePartIr::Text(t) => {
                for c in t.chars() {
                    match c {
                        '*' => s.push_str(["", "x", "abc/def"][rng.below(3)]),
                        '?' => s.push('q'),
                        c => s.push(c),
                    }
                }
            }
            TemplatePartIr::Literal(t) => s.push_str(t),
            TemplatePartIr::Variable { .. } => s.push_str("alice"),
        }
    }
    s
}

/// Requests from the IR's own actions, resources and condition values.
fn sample_requests(ir: &PolicySetIr, n: usize, seed: u64) -> Vec<Request> {
    let mut rng = Rng(seed);
    let stmts: Vec<_> = ir.policies.iter().flat_map(|p| &p.statements).collect();
    let principals = [
        "arn:aws:iam::123456789012:user/alice",
        "arn:aws:sts::123456789012:assumed-role/Admin/alice",
        "arn:aws:iam::123456789012:role/aws-service-role/x.amazonaws.com/R",
        "s3.amazonaws.com",
    ];
    (0..n)
        .map(|_| {
            let s = stmts[rng.below(stmts.len())];
            let action = match s.actions.get(rng.below(s.actions.len().max(1))) {
                Some(a) => a.replace('*', ["", "Get", "List"][rng.below(3)]),
                None => "s3:GetObject".to_string(),
            };
            let resource = match s.resources.get(rng.below(s.resources.len().max(1))) {
                Some(t) => fill(&t.parts, &mut rng),
                None => "*".to_string(),
            };
            let mut entries = vec![(
                "aws:username".to_string(),
                ContextValue::Single("alice".into()),
            )];
            for c in &s.conditions {
                if rng.below(4) == 0 {
                    continue;
                }
                let Some(k) = ir.keys.get(c.key as usize) else {
                    continue;
                };
                let v = match c.values.get(rng.below(c.values.len().max(1))) {
                    Some(t) => fill(&t.parts, &mut rng),
                    None => "x".to_string(),
                };
                entries.push((
                    k.name.clone(),
                    if k.multivalued {
                        ContextValue::Multi(vec![v])
                    } else {
                        ContextValue::Single(v)
                    },
                ));
            }
            Request {
                principal: principals[rng.below(principals.len())].to_string(),
                action,
                resource,
                resource_account: None,
                context: Context { entries },
                unknown: Default::default(),
            }
        })
        .collect()
}

#[test]
fn all_managed_policies_decide_the_same_after_a_round_trip() {
    let all = managed_policies();
    let allow_only: Vec<Policy> = all
        .iter()
        .filter(|p| p.statements.iter().all(|s| s.effect == Effect::Allow))
        .cloned()
        .collect();
    for (label, identity) in [("all", all), ("allow-only", allow_only)] {
        let set = ParsedSet {
            identity,
            ..ParsedSet::default()
        };
        let ir = iamc_tests::ir(&set).expect("lowers");
        let fresh = iamc_runtime::PolicySet::new(&ir).expect("compiles");
        let bytes = fresh.to_bytes_with(&BuildInfo {
            compiler_version: "iamc test".into(),
            created_unix_secs: 1,
            producer: "artifact.rs".into(),
            inputs: vec!["aws-managed-policies.jsonl".into()],
        });
        assert!(bytes.len() < 20 << 20, "{label}: {} bytes", bytes.len());
        assert_eq!(artifact::decode(&bytes).map(|a| a.ir).as_ref(), Ok(&ir));
        let loaded = iamc_runtime::PolicySet::from_bytes(&bytes).expect("loads");
        assert_eq!(loaded.stats(), fresh.stats(), "{label}");
        let requests = sample_requests(&ir, 5000, 0x5EED);
        let mut counts = [0usize; 4];
        for r in &requests {
            let want = decide(&fresh, r);
            let got = decide(&loaded, r);
            assert_eq!(got, want, "{label}: {r:?}");
            counts[match want.decision {
                iamc_runtime::Decision::Allow => 0,
                iamc_runtime::Decision::ExplicitDeny => 1,
                iamc_runtime::Decision::ImplicitDeny => 2,
                iamc_runtime::Decision::Indeterminate(_) => 3,
            }] += 1;
        }
        println!("{label}: {} bytes, decisions {counts:?}", bytes.len());
        if label == "allow-only" {
            assert!(counts[0] > 500, "{label}: too few allows {counts:?}");
        }
    }
}

/// A small set with every part of the format: identity, resource (principals), boundary,
/// session, two SCP levels, an RCP, conditions of several operators, variables with and
/// without defaults, a management account, and glob DFAs (a resource, a `StringLike` value
/// and an ARN field with `?`), so corruption of DFA bytes is exercised too.
fn small_set() -> iamc_runtime::PolicySet {
    let parse = |doc: &str, kind| {
        parse_policy("small.json", doc.as_bytes(), kind, &Limits::default())
            .unwrap_or_else(|e| panic!("{}", e[0]))
            .policy
    };
    let identity = parse(
        r#"{"Version":"2012-10-17","Statement":[
          {"Sid":"Home","Effect":"Allow","Action":["s3:Get*","s3:PutObject"],
           "Resource":"arn:aws:s3:::b/${aws:username}/*",
           "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
                        "ForAnyValue:StringLike":{"aws:TagKeys":["a*","b"]}}},
          {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b/*/x?/*",
           "Condition":{"StringLike":{"s3:prefix":"p*?/*"},"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:t*?pic*"}}},
          {"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:role/${aws:PrincipalTag/team, 'x'}",
           "Condition":{"NumericLessThanIfExists":{"s3:max-keys":"10"},"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        PolicyKind::Identity,
    );
    let resource = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"]},
           "Action":"s3:GetObject","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#,
        PolicyKind::Resource,
    );
    let scp = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        PolicyKind::Scp,
    );
    let set = ParsedSet {
        identity: vec![identity],
        resource: Some(resource),
        boundaries: vec![scp.clone()],
        session: Some(scp.clone()),
        scps: vec![vec![scp.clone()], vec![scp.clone()]],
        rcps: vec![vec![scp]],
        management_account: Some("999999999999".into()),
        rcp_services: vec!["s3".into(), "sns".into()],
    };
    iamc_tests::compile(&set).expect("compiles")
}

fn small_artifact() -> Vec<u8> {
    small_set().to_bytes_with(&BuildInfo {
        compiler_version: "iamc test".into(),
        created_unix_secs: 1_700_000_000,
        producer: "artifact.rs".into(),
        inputs: vec!["small.json".into()],
    })
}

/// A loaded (possibly odd) set must still evaluate without panicking.
fn exercise(set: &iamc_runtime::PolicySet) {
    let mut scratch = set.create_scratch();
    let ctx = [
        ("aws:username", iamc_runtime::Value::Single("alice")),
        ("aws:SourceIp", iamc_runtime::Value::Single("10.1.2.3")),
        ("aws:TagKeys", iamc_runtime::Value::Multi(&["ab", "c"])),
        ("s3:prefix", iamc_runtime::Value::Single("pé/x/y")),
        (
            "aws:SourceArn",
            iamc_runtime::Value::Single("arn:aws:sns:us-east-1:1:topic1"),
        ),
    ];
    for action in [
        "s3:GetObject",
        "s3:ListBucket",
        "iam:PassRole",
        "ec2:RunInstances",
    ] {
        for resource in ["arn:aws:s3:::b/alice/k", "arn:aws:s3:::b/a/xé/k"] {
            let req = iamc_runtime::Request {
                principal: "arn:aws:iam::111122223333:user/alice",
                action,
                resource,
                resource_account: None,
                context: iamc_runtime::Context::new(&ctx).unwrap(),
            };
            let _ = set.evaluate(&mut scratch, &req);
        }
    }
    let _ = set.stats();
    let _ = set.ir();
}

#[test]
fn small_artifact_round_trips_and_decides_the_same() {
    let fresh = small_set();
    let bytes = small_artifact();
    let a = artifact::decode(&bytes).expect("decodes");
    assert_eq!(a.header.format_version, FORMAT_VERSION);
    assert_eq!(a.build.created_unix_secs, 1_700_000_000);
    assert_eq!(a.ir.scp_levels, 2);
    assert_eq!(a.ir.management_account.as_deref(), Some("999999999999"));
    let loaded = iamc_runtime::PolicySet::from_bytes(&bytes).expect("loads");
    assert_eq!(loaded.build_info(), Some(&a.build));
    assert_eq!(loaded.stats(), fresh.stats());
    // The three `?` globs carry DFAs, so the corruption tests below flip their bytes too.
    assert_eq!(a.ir.automata.len(), 3, "{:?}", a.ir.automata);
    assert_eq!(loaded.stats().automata, 3);
    assert_eq!(loaded.stats().general_globs, [3, 0]);
    let mut scratch = loaded.create_scratch();
    let ctx = [
        ("s3:prefix", iamc_runtime::Value::Single("pé/x/y")),
        (
            "aws:SourceArn",
            iamc_runtime::Value::Single("arn:aws:sns:us-east-1:1:topic1"),
        ),
    ];
    let req = iamc_runtime::Request {
        principal: "arn:aws:iam::111122223333:user/alice",
        action: "s3:ListBucket",
        resource: "arn:aws:s3:::b/a/xé/k",
        resource_account: None,
        context: iamc_runtime::Context::new(&ctx).unwrap(),
    };
    assert_eq!(
        loaded.evaluate(&mut scratch, &req).decision,
        iamc_runtime::Decision::Allow
    );
    let requests = sample_requests(&a.ir, 2000, 42);
    for r in &requests {
        assert_eq!(decide(&loaded, r), decide(&fresh, r), "{r:?}");
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = small_artifact();
    for n in 0..bytes.len() {
        match iamc_runtime::PolicySet::from_bytes(&bytes[..n]) {
            Err(LoadError::Truncated { .. }) => {}
            other => panic!("prefix of {n} bytes: {other:?}"),
        }
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        iamc_runtime::PolicySet::from_bytes(&longer),
        Err(LoadError::TrailingBytes { .. })
    ));
}

#[test]
fn every_single_bit_flip_is_an_error() {
    let bytes = small_artifact();
    let mut kinds: HashMap<String, usize> = HashMap::new();
    let mut b = bytes.clone();
    for i in 0..bytes.len() * 8 {
        b[i / 8] ^= 1 << (i % 8);
        match iamc_runtime::PolicySet::from_bytes(&b) {
            Ok(_) => panic!("bit {i} flipped and still loads"),
            Err(e) => {
                let name = format!("{e:?}");
                let name = name.split([' ', '(', '{']).next().unwrap_or("").to_string();
                *kinds.entry(name).or_default() += 1;
                assert!(!e.to_string().is_empty());
            }
        }
        b[i / 8] ^= 1 << (i % 8);
    }
    assert!(kinds.get("ChecksumMismatch").copied().unwrap_or(0) > bytes.len() * 6);
    println!(
        "{} bytes, {} flips: {kinds:?}",
        bytes.len(),
        bytes.len() * 8
    );
}

#[test]
fn every_single_bit_flip_without_the_checksum_never_panics() {
    let bytes = small_artifact();
    let opts = LoadOptions {
        verify_checksum: false,
        ..LoadOptions::default()
    };
    let (mut ok, mut err, mut bad_dfa) = (0, 0, 0);
    let mut b = bytes.clone();
    for i in HEADER_LEN * 8..bytes.len() * 8 {
        b[i / 8] ^= 1 << (i % 8);
        match iamc_runtime::PolicySet::from_bytes_with(&b, opts) {
            Ok(set) => {
                ok += 1;
                exercise(&set);
            }
            Err(e) => {
                err += 1;
                if matches!(
                    e,
                    LoadError::Build(iamc_runtime::BuildError::InvalidAutomaton { .. })
                ) {
                    bad_dfa += 1;
                }
                assert!(!e.to_string().is_empty());
            }
        }
        b[i / 8] ^= 1 << (i % 8);
    }
    println!(
        "body bit flips without checksum: {ok} load, {err} rejected ({bad_dfa} as an invalid DFA)"
    );
    assert!(err > 0 && ok > 0);
    // Flips inside the DFA bytes reach regex-automata's validating `from_bytes`.
    assert!(bad_dfa > 0);
}

#[test]
fn wrong_magic_version_and_byte_order() {
    let bytes = small_artifact();
    let load = |b: &[u8]| iamc_runtime::PolicySet::from_bytes(b).map(|_| ());
    let mut b = bytes.clone();
    b[..4].copy_from_slice(b"ELF\x7f");
    assert!(matches!(load(&b), Err(LoadError::BadMagic { .. })));
    for v in [0u16, 1, 2, 4, 0x0100, u16::MAX] {
        let mut b = bytes.clone();
        b[4..6].copy_from_slice(&v.to_le_bytes());
        assert_eq!(
            load(&b),
            Err(LoadError::UnsupportedVersion {
                found: v,
                supported: FORMAT_VERSION
            })
        );
    }
    let mut b = bytes.clone();
    b.swap(6, 7);
    assert_eq!(load(&b), Err(LoadError::WrongEndianness));
    let mut b = bytes.clone();
    b[6] = 0;
    assert!(matches!(load(&b), Err(LoadError::BadByteOrderMark { .. })));
    assert!(matches!(load(b""), Err(LoadError::Truncated { .. })));
    assert!(matches!(
        load(br#"{"Version":"2012-10-17","Statement":[]}"#),
        Err(LoadError::BadMagic { .. })
    ));
    // A body length that would overflow the file size.
    let mut b = bytes.clone();
    b[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(load(&b), Err(LoadError::Truncated { .. })));
}

/// ~100,000 random inputs: random bytes, a valid header with a random body, and valid
/// artifacts with a few random byte edits, truncations or insertions — with the checksum
/// off, so the decoder sees them all. None may panic.
#[test]
fn random_inputs_never_panic() {
    let base = small_artifact();
    let opts = LoadOptions {
        verify_checksum: false,
        ..LoadOptions::default()
    };
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let (mut ok, mut err) = (0usize, 0usize);
    let mut buf = Vec::new();
    for i in 0..100_000 {
        buf.clear();
        match i % 4 {
            0 => {
                let n = rng.below(300);
                buf.extend((0..n).map(|_| rng.next_u64() as u8));
            }
            1 => {
                buf.extend_from_slice(&base[..HEADER_LEN]);
                let n = rng.below(400);
                buf.extend((0..n).map(|_| match rng.below(4) {
                    0 => 0,
                    1 => 1,
                    _ => rng.next_u64() as u8,
                }));
                let len = (buf.len() - HEADER_LEN) as u64;
                buf[8..16].copy_from_slice(&len.to_le_bytes());
            }
            _ => {
                buf.extend_from_slice(&base);
                for _ in 0..1 + rng.below(8) {
                    let at = HEADER_LEN + rng.below(buf.len() - HEADER_LEN);
                    match rng.below(6) {
                        0 => {
                            buf.truncate(at);
                        }
                        1 => buf.insert(at, rng.next_u64() as u8),
                        2 => buf[at] = 0xff,
                        3 => buf[at] = 0,
                        _ => buf[at] ^= 1 << rng.below(8),
                    }
                    if buf.len() <= HEADER_LEN {
                        break;
                    }
                }
                if rng.below(2) == 0 {
                    let len = buf.len().saturating_sub(HEADER_LEN) as u64;
                    if buf.len() >= 16 {
                        buf[8..16].copy_from_slice(&len.to_le_bytes());
                    }
                }
            }
        }
        match iamc_runtime::PolicySet::from_bytes_with(&buf, opts) {
            Ok(set) => {
                ok += 1;
                exercise(&set);
            }
            Err(_) => err += 1,
        }
        let _ = artifact::decode_with(&buf, opts);
    }
    println!("random inputs: {ok} load, {err} rejected");
    assert!(err > 50_000);
}

/// Issue 18.10: the CRC32C only catches accidents. Whoever can write the artifact turns a Deny
/// into an Allow, re-encodes (the CRC recomputed), and the file loads and allows; with the
/// deployer's SHA-256 pinned it is refused with a typed error, and the genuine file still
/// loads under the pin.
#[test]
fn tampered_artifact_with_recomputed_crc_loads_unpinned_and_is_refused_pinned() {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret/*"}]}"#;
    let genuine = iamc_tests::compile(&iamc_tests::identity_set(doc))
        .unwrap()
        .to_bytes();
    let pin = artifact::sha256(&genuine);
    let req = iamc_runtime::Request {
        principal: "arn:aws:iam::111122223333:user/alice",
        action: "s3:GetObject",
        resource: "arn:aws:s3:::secret/k",
        resource_account: None,
        context: iamc_runtime::Context::EMPTY,
    };
    let decide =
        |set: &iamc_runtime::PolicySet| set.evaluate(&mut set.create_scratch(), &req).decision;
    let set = iamc_runtime::PolicySet::from_bytes_pinned(&genuine, &pin).expect("genuine loads");
    assert_eq!(decide(&set), iamc_runtime::Decision::ExplicitDeny);

    // The attacker flips the Deny and re-encodes: a valid CRC.
    let mut a = artifact::decode(&genuine).unwrap();
    let mut flipped = 0;
    for s in
        a.ir.policies
            .iter_mut()
            .flat_map(|p| p.statements.iter_mut())
            .filter(|s| !s.allow)
    {
        s.allow = true;
        flipped += 1;
    }
    assert_eq!(flipped, 1);
    let tampered = artifact::encode(&a.ir, &a.build);
    assert_ne!(tampered, genuine);
    let set = iamc_runtime::PolicySet::from_bytes(&tampered).expect("the CRC does not stop it");
    assert_eq!(decide(&set), iamc_runtime::Decision::Allow);

    let err = iamc_runtime::PolicySet::from_bytes_pinned(&tampered, &pin).unwrap_err();
    assert_eq!(
        err,
        LoadError::Sha256Mismatch {
            expected: pin,
            computed: artifact::sha256(&tampered)
        }
    );
    assert!(err.to_string().contains(&artifact::hex(&pin)), "{err}");
    // The same through LoadOptions, and a hex pin as a deployer writes it.
    let opts = LoadOptions {
        expected_sha256: artifact::parse_sha256(&artifact::hex(&pin).to_uppercase()),
        ..LoadOptions::default()
    };
    assert!(iamc_runtime::PolicySet::from_bytes_with(&tampered, opts).is_err());
    assert!(iamc_runtime::PolicySet::from_bytes_with(&genuine, opts).is_ok());
    assert_eq!(artifact::parse_sha256("+f"), None);
    assert_eq!(artifact::parse_sha256(&"+f".repeat(32)), None);
}
