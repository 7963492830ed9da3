//! E-19 on role assumption, decided by every engine (the reference interpreter, the compiled
//! set, and the artifact loaded back), with trust policies as IAM stores them (no `Resource`,
//! read by `parse_trust_policy_with`): an identity Allow alone assumes nothing; a trust grant
//! naming the principal stands alone within the account; one naming the account delegates to
//! the identity side; across accounts both sides must allow (E-8); federated callers are
//! granted by `Federated`. The spec's cases cover only the first two.

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::parse::{parse_policy, parse_trust_policy_with, ReadMode};
use iamc_compiler::Limits;
use iamc_harness::request::Request;
use iamc_runtime::{Decision, Outcome};

const A: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/path/app";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOB: &str = "arn:aws:iam::444455556666:user/bob";

fn identity_allow() -> iamc_compiler::ast::Policy {
    let json = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole*","Resource":"*"}]}"#;
    match parse_policy(
        "id.json",
        json.as_bytes(),
        PolicyKind::Identity,
        &Limits::default(),
    ) {
        Ok(p) => p.policy,
        Err(e) => panic!("{e:?}"),
    }
}

fn trust(principal: &str, action: &str) -> iamc_compiler::ast::Policy {
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"{action}"}}]}}"#
    );
    match parse_trust_policy_with(
        "trust",
        json.as_bytes(),
        ROLE,
        &Limits::default(),
        ReadMode::Strict,
    ) {
        Ok(p) => p.policy,
        Err(e) => panic!("{e:?}\n{json}"),
    }
}

fn req(principal: &str, action: &str) -> Request {
    Request {
        principal: principal.into(),
        action: action.into(),
        resource: ROLE.into(),
        resource_account: Some(A.into()),
        context: Default::default(),
        unknown: Default::default(),
    }
}

/// Every engine's outcome, checked equal; returns the decision.
fn decide(identity: bool, trust: Option<iamc_compiler::ast::Policy>, r: &Request) -> Decision {
    let set = ParsedSet {
        identity: if identity {
            vec![identity_allow()]
        } else {
            Vec::new()
        },
        resource: trust,
        ..ParsedSet::default()
    };
    let reference: Outcome = iamc_reference::evaluate(&set, r);
    let compiled_set = iamc_tests::compile(&set).expect("compiles");
    let mut scratch = compiled_set.create_scratch();
    let compiled =
        iamc_harness::adapter::with_runtime_request(r, |q| compiled_set.evaluate(&mut scratch, q))
            .expect("a well-formed request (K-2)");
    let loaded = iamc_runtime::PolicySet::from_bytes(&compiled_set.to_bytes()).expect("loads");
    let mut scratch = loaded.create_scratch();
    let artifact =
        iamc_harness::adapter::with_runtime_request(r, |q| loaded.evaluate(&mut scratch, q))
            .expect("a well-formed request (K-2)");
    assert_eq!(reference, compiled, "reference vs compiled for {r:?}");
    assert_eq!(reference, artifact, "reference vs artifact for {r:?}");
    reference.decision
}

#[test]
fn e19_identity_allow_alone_assumes_nothing() {
    let r = req(ALICE, "sts:AssumeRole");
    assert_eq!(decide(true, None, &r), Decision::ImplicitDeny);
    let only_ec2 = trust(r#"{"Service":"ec2.amazonaws.com"}"#, "sts:AssumeRole");
    assert_eq!(decide(true, Some(only_ec2), &r), Decision::ImplicitDeny);
}

#[test]
fn e19_trust_naming_the_user_stands_alone_in_the_account() {
    let r = req(ALICE, "sts:AssumeRole");
    let t = trust(&format!(r#"{{"AWS":"{ALICE}"}}"#), "sts:AssumeRole");
    assert_eq!(decide(false, Some(t.clone()), &r), Decision::Allow);
    assert_eq!(decide(true, Some(t), &r), Decision::Allow);
}

#[test]
fn e19_trust_naming_the_account_delegates() {
    let r = req(ALICE, "sts:AssumeRole");
    for p in [
        format!(r#"{{"AWS":"arn:aws:iam::{A}:root"}}"#),
        format!(r#"{{"AWS":"{A}"}}"#),
    ] {
        assert_eq!(
            decide(false, Some(trust(&p, "sts:AssumeRole")), &r),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(true, Some(trust(&p, "sts:AssumeRole")), &r),
            Decision::Allow
        );
    }
}

#[test]
fn e19_e8_another_account_needs_both_sides() {
    let r = req(BOB, "sts:AssumeRole");
    let t = trust(&format!(r#"{{"AWS":"{BOB}"}}"#), "sts:AssumeRole");
    assert_eq!(decide(false, Some(t.clone()), &r), Decision::ImplicitDeny);
    assert_eq!(decide(true, Some(t), &r), Decision::Allow);
    // The identity side alone, with a trust policy that names someone else.
    let other = trust(&format!(r#"{{"AWS":"{ALICE}"}}"#), "sts:AssumeRole");
    assert_eq!(decide(true, Some(other), &r), Decision::ImplicitDeny);
}

#[test]
fn e19_federated_callers_are_granted_by_the_trust_policy() {
    let web = req("accounts.google.com", "sts:AssumeRoleWithWebIdentity");
    assert_eq!(decide(false, None, &web), Decision::ImplicitDeny);
    let t = trust(
        r#"{"Federated":"accounts.google.com"}"#,
        "sts:AssumeRoleWithWebIdentity",
    );
    assert_eq!(decide(false, Some(t), &web), Decision::Allow);
    let idp = format!("arn:aws:iam::{A}:saml-provider/idp");
    let saml = req(&idp, "sts:AssumeRoleWithSAML");
    let t = trust(
        &format!(r#"{{"Federated":"{idp}"}}"#),
        "sts:AssumeRoleWithSAML",
    );
    assert_eq!(decide(false, Some(t), &saml), Decision::Allow);
    // A trust policy for another provider grants nothing.
    let t = trust(
        r#"{"Federated":"graph.facebook.com"}"#,
        "sts:AssumeRoleWithWebIdentity",
    );
    assert_eq!(decide(false, Some(t), &web), Decision::ImplicitDeny);
}
