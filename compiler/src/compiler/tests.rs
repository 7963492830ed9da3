//! Tests of the front door: every error of every document, level checks, the config reaching
//! the set, lenient reads.

#![allow(clippy::unwrap_used)]

use super::*;

const ALLOW: &[u8] = br#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

#[test]
fn every_error_of_every_document() {
    let mut c = Compiler::default();
    c.add(
        PolicyKind::Identity,
        0,
        "a.json",
        br#"{"Statement":[{"Effect":"Alow","Action":"s3:Get","Resource":"*"},
            {"Effect":"Allow","Action":"x","Resource":"*","Foo":1}]}"#,
    )
    .add(PolicyKind::Identity, 0, "b.json", b"{")
    .add(PolicyKind::Identity, 0, "c.json", ALLOW);
    let e = c.build().unwrap_err();
    let sources: Vec<_> = e.errors().iter().filter_map(|e| e.source_name()).collect();
    assert!(
        sources.iter().filter(|s| **s == "a.json").count() >= 2,
        "{e}"
    );
    assert!(sources.contains(&"b.json"), "{e}");
    assert!(!sources.contains(&"c.json"), "{e}");
    assert!(e.errors().iter().any(|e| e
        .path()
        .is_some_and(|p| p.as_str().starts_with("$.Statement[1]"))));
}

#[test]
fn level_gap_is_an_error() {
    let mut c = Compiler::default();
    c.add(PolicyKind::Identity, 0, "id.json", ALLOW)
        .add(PolicyKind::Scp, 0, "root.json", ALLOW)
        .add(PolicyKind::Scp, 2, "ou.json", ALLOW);
    let e = c.build().unwrap_err();
    assert_eq!(
        e.errors(),
        &[CompileError::LevelGap {
            kind: PolicyKind::Scp,
            missing: 1,
            highest: 2
        }]
    );
    assert!(e.to_string().contains("scp level 1 has no policies"), "{e}");
    assert!(c.build_ast().is_err());
    assert!(c.check().is_err());
    c.add(PolicyKind::Scp, 1, "mid.json", ALLOW);
    assert_eq!(c.build().unwrap().stats().scp_levels, 3);
}

#[test]
fn set_errors() {
    let mut c = Compiler::new(Config::new().max_levels(4));
    c.add(PolicyKind::Resource, 0, "r1.json", RESOURCE)
        .add(PolicyKind::Resource, 0, "r2.json", RESOURCE)
        .add(PolicyKind::Identity, 1, "i.json", ALLOW)
        .add(PolicyKind::Rcp, 4, "rcp.json", RCP);
    let e = c.build().unwrap_err().into_errors();
    assert!(matches!(&e[0], CompileError::OnlyOne { source, .. } if &**source == "r2.json"));
    assert!(matches!(
        &e[1],
        CompileError::LevelNotAllowed { level: 1, .. }
    ));
    assert!(matches!(&e[2], CompileError::LevelTooHigh { level: 4, .. }));
    assert_eq!(e.len(), 3);
}

const RESOURCE: &[u8] = br#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
const RCP: &[u8] = br#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;

#[test]
fn lenient_reads_warn_and_compile() {
    let bad = br#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
        {"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Foo":1}]}"#;
    let mut strict = Compiler::default();
    strict.add(PolicyKind::Identity, 0, "p.json", bad);
    assert!(strict.build().is_err());

    let mut lenient = Compiler::new(Config::new().read_mode(ReadMode::Lenient));
    lenient.add(PolicyKind::Identity, 0, "p.json", bad);
    let set = lenient.build().unwrap();
    assert!(set.has_opaque_statements());
    assert!(lenient
        .warnings()
        .iter()
        .any(|w| matches!(w.kind, crate::check::WarningKind::OpaqueStatement(_))));
}

#[test]
fn config_reaches_the_set() {
    let config = Config::new()
        .rcp_services(["s3"])
        .management_account(Some("111122223333".into()));
    let mut c = Compiler::new(config);
    c.add(PolicyKind::Rcp, 0, "rcp.json", RCP);
    let ast = c.build_ast().unwrap();
    assert_eq!(ast.rcp_services, vec!["s3".to_string()]);
    assert_eq!(ast.management_account.as_deref(), Some("111122223333"));
    let set = c.build().unwrap();
    assert_eq!(set.rcp_services().collect::<Vec<_>>(), vec!["s3"]);
}

#[test]
fn from_set_checks_and_keeps_the_sets_own_settings() {
    let mut c = Compiler::default();
    c.add(PolicyKind::Identity, 0, "id.json", ALLOW)
        .add(PolicyKind::Scp, 0, "root.json", ALLOW)
        .add(PolicyKind::Rcp, 0, "rcp.json", RCP);
    let mut set = c.into_ast().unwrap();
    set.rcp_services = vec!["s3".into()];
    set.management_account = Some("111122223333".into());

    let c = Compiler::from_set(Config::new(), set.clone());
    assert_eq!(c.config().get_rcp_services(), ["s3".to_string()]);
    assert_eq!(c.config().get_management_account(), Some("111122223333"));
    let ast = c.build_ast().unwrap();
    assert_eq!(
        (ast.identity.len(), ast.scps.len(), ast.rcps.len()),
        (1, 1, 1)
    );
    let built = c.build().unwrap();
    assert_eq!(built.rcp_services().collect::<Vec<_>>(), vec!["s3"]);
    assert_eq!(built.stats().scp_levels, 1);

    // An empty level the set holds is explicit (a scenario's `"scps":[[]]`): it compiles
    // and denies every request (E-11), as the reference decides; a level `add` skips past
    // the given ones is a gap.
    let mut empty = set.clone();
    empty.scps.insert(0, Vec::new());
    let built = Compiler::from_set(Config::new(), empty.clone())
        .build()
        .unwrap();
    assert_eq!(built.stats().scp_levels, 2);
    let mut c = Compiler::from_set(Config::new(), empty);
    c.add(PolicyKind::Scp, 3, "scp3.json", ALLOW);
    let e = c.build().unwrap_err();
    assert!(matches!(
        e.errors(),
        [CompileError::LevelGap {
            kind: PolicyKind::Scp,
            missing: 2,
            ..
        }]
    ));
    let mut deep = set;
    deep.rcps = vec![deep.rcps[0].clone(); 3];
    let e = Compiler::from_set(Config::new().max_levels(2), deep)
        .build()
        .unwrap_err();
    assert!(matches!(
        e.errors(),
        [CompileError::LevelTooHigh {
            kind: PolicyKind::Rcp,
            level: 2,
            limit: 2,
            ..
        }]
    ));
}

#[test]
fn from_set_uses_the_automata_limits() {
    let glob = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*a*b*c*d*e"}]}"#;
    let mut c = Compiler::default();
    c.add(PolicyKind::Identity, 0, "g.json", glob);
    let set = c.into_ast().unwrap();
    let with = Compiler::from_set(Config::new(), set.clone());
    assert_eq!(with.build().unwrap().stats().automata, 1);
    assert_eq!(with.build_ir().unwrap().automata.len(), 1);
    let none = AutomataLimits {
        max_total_bytes: 0,
        ..AutomataLimits::default()
    };
    let without = Compiler::from_set(Config::new().automata_limits(none), set);
    assert_eq!(without.build().unwrap().stats().automata, 0);
    assert!(without.build_ir().unwrap().automata.is_empty());
}

#[test]
fn automata_limits_are_used() {
    let glob = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*a*b*c*d*e"}]}"#;
    let mut c = Compiler::default();
    c.add(PolicyKind::Identity, 0, "g.json", glob);
    let with = c.build().unwrap().stats();
    assert_eq!(with.automata, 1, "{with:?}");
    let none = AutomataLimits {
        max_total_bytes: 0,
        ..AutomataLimits::default()
    };
    let mut c = Compiler::new(Config::new().automata_limits(none));
    c.add(PolicyKind::Identity, 0, "g.json", glob);
    assert_eq!(c.build().unwrap().stats().automata, 0);
}
