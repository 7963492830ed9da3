//! The four spec corrections of 2026-12 (V-3, E-20, E-10, E-13), each decided by every engine:
//! the reference interpreter, the compiled set, and the compiled set written as an artifact
//! and loaded back. Each test fails on the behaviour before the correction (named in its doc).

use iamc_compiler::ast::{ParsedSet, PolicyKind};
use iamc_compiler::parse::parse_policy;
use iamc_compiler::Limits;
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_runtime::{BuiltinRule, Deciding, Decision, Outcome};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";

fn pol(kind: PolicyKind, statements: &str) -> iamc_compiler::ast::Policy {
    let json = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    match parse_policy("t.json", json.as_bytes(), kind, &Limits::default()) {
        Ok(p) => p.policy,
        Err(e) => panic!("does not parse: {e:?}\n{json}"),
    }
}

fn req(principal: &str, action: &str, resource: &str, ctx: &[(&str, &str)]) -> Request {
    Request {
        principal: principal.into(),
        action: action.into(),
        resource: resource.into(),
        resource_account: Some("111122223333".into()),
        context: Context {
            entries: ctx
                .iter()
                .map(|(k, v)| (k.to_string(), ContextValue::Single(v.to_string())))
                .collect(),
        },
        unknown: Default::default(),
    }
}

/// The outcome of every engine, checked equal; returns it.
fn decide(set: &ParsedSet, r: &Request) -> Outcome {
    let reference = iamc_reference::evaluate(set, r);
    let compiled_set = iamc_tests::compile(set).expect("compiles");
    let mut scratch = compiled_set.create_scratch();
    let compiled =
        iamc_harness::adapter::with_runtime_request(r, |q| compiled_set.evaluate(&mut scratch, q))
            .unwrap_or(iamc_runtime::Outcome::MALFORMED);
    let loaded = iamc_runtime::PolicySet::from_bytes(&compiled_set.to_bytes()).expect("loads");
    let mut scratch = loaded.create_scratch();
    let artifact =
        iamc_harness::adapter::with_runtime_request(r, |q| loaded.evaluate(&mut scratch, q))
            .unwrap_or(iamc_runtime::Outcome::MALFORMED);
    assert_eq!(reference, compiled, "reference vs compiled for {r:?}");
    assert_eq!(reference, artifact, "reference vs artifact for {r:?}");
    reference
}

/// V-3: a variable in the account (or region) field of a Resource ARN loads and is substituted
/// before the ARN is matched. Before the correction the parser rejected the policy.
#[test]
fn v3_variable_in_account_and_region_fields() {
    let set = ParsedSet {
        identity: vec![pol(
            PolicyKind::Identity,
            r#"{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"arn:*:dynamodb:*:${aws:PrincipalAccount}:table/*"},
               {"Effect":"Allow","Action":"ec2:StartInstances","Resource":"arn:aws:ec2:${aws:RequestedRegion}:111122223333:instance/*"}"#,
        )],
        ..Default::default()
    };
    // The shape of AmazonTimestreamInfluxDBServiceRolePolicy's KMS statement, on a table (a
    // KMS key would also need its key policy, E-19).
    let key = "arn:aws:dynamodb:us-east-1:111122223333:table/t1";
    let own = [("aws:PrincipalAccount", "111122223333")];
    assert_eq!(
        decide(&set, &req(ALICE, "dynamodb:GetItem", key, &own)).decision,
        Decision::Allow
    );
    let other = [("aws:PrincipalAccount", "999999999999")];
    assert_eq!(
        decide(&set, &req(ALICE, "dynamodb:GetItem", key, &other)).decision,
        Decision::ImplicitDeny
    );
    // V-6: the key absent, the pattern matches nothing.
    assert_eq!(
        decide(&set, &req(ALICE, "dynamodb:GetItem", key, &[])).decision,
        Decision::ImplicitDeny
    );
    let inst = "arn:aws:ec2:eu-west-1:111122223333:instance/i-1";
    assert_eq!(
        decide(
            &set,
            &req(
                ALICE,
                "ec2:StartInstances",
                inst,
                &[("aws:RequestedRegion", "eu-west-1")]
            )
        )
        .decision,
        Decision::Allow
    );
    assert_eq!(
        decide(
            &set,
            &req(
                ALICE,
                "ec2:StartInstances",
                inst,
                &[("aws:RequestedRegion", "us-east-1")]
            )
        )
        .decision,
        Decision::ImplicitDeny
    );
}

/// E-20: `sts:GetCallerIdentity` is allowed under an explicit Deny, an SCP that denies all, a
/// boundary and a session policy that grant nothing; the built-in rule decides. Before the
/// correction the Deny decided.
#[test]
fn e20_get_caller_identity_always_allowed() {
    let deny_all = r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#;
    let set = ParsedSet {
        identity: vec![pol(PolicyKind::Identity, deny_all)],
        boundaries: vec![pol(
            PolicyKind::Boundary,
            r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#,
        )],
        session: Some(pol(PolicyKind::Session, deny_all)),
        scps: vec![vec![pol(PolicyKind::Scp, deny_all)]],
        ..Default::default()
    };
    for action in ["sts:GetCallerIdentity", "STS:getcalleridentity"] {
        let o = decide(&set, &req(ALICE, action, "*", &[]));
        assert_eq!(o.decision, Decision::Allow, "{action}");
        assert_eq!(
            o.deciding,
            Some(Deciding::Rule(BuiltinRule::GetCallerIdentity))
        );
    }
    // Only that action: its neighbours are still denied.
    for action in [
        "sts:GetCallerIdentityX",
        "sts:GetSessionToken",
        "sts:GetCallerIdentit",
    ] {
        assert_eq!(
            decide(&set, &req(ALICE, action, "*", &[])).decision,
            Decision::ExplicitDeny,
            "{action}"
        );
    }
    // A Deny that names the action exactly, in any case (the compiled action table holds the
    // names policies list; E-20 still decides).
    let named = ParsedSet {
        identity: vec![pol(
            PolicyKind::Identity,
            r#"{"Effect":"Deny","Action":["sts:GetCallerIdentity","STS:GETCALLERIDENTITY","sts:GetSessionToken"],"Resource":"*"}"#,
        )],
        ..Default::default()
    };
    for action in ["sts:GetCallerIdentity", "sts:getcalleridentity"] {
        let o = decide(&named, &req(ALICE, action, "*", &[]));
        assert_eq!(o.decision, Decision::Allow, "{action}");
        assert_eq!(
            o.deciding,
            Some(Deciding::Rule(BuiltinRule::GetCallerIdentity))
        );
    }
    assert_eq!(
        decide(&named, &req(ALICE, "sts:GetSessionToken", "*", &[])).decision,
        Decision::ExplicitDeny
    );
    // No policy at all.
    let o = decide(
        &ParsedSet::default(),
        &req(ALICE, "sts:GetCallerIdentity", "*", &[]),
    );
    assert_eq!(o.decision, Decision::Allow);
}

/// E-10: RCPs apply only to the services of the set's list; the default list, and a list given
/// as compile input. Before the correction an RCP Deny applied to every service.
#[test]
fn e10_rcps_only_for_supported_services() {
    let mut set = ParsedSet {
        identity: vec![pol(
            PolicyKind::Identity,
            r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#,
        )],
        rcps: vec![vec![pol(
            PolicyKind::Rcp,
            r#"{"Effect":"Deny","Principal":"*","Action":["s3:*","sns:*","kms:*","ECR:*","aoss:*"],"Resource":"*"}"#,
        )]],
        ..Default::default()
    };
    let cases = [
        ("s3:GetObject", "arn:aws:s3:::b/k", Decision::ExplicitDeny),
        (
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            Decision::ExplicitDeny,
        ),
        (
            "ecr:BatchGetImage",
            "arn:aws:ecr:us-east-1:111122223333:repository/r",
            Decision::ExplicitDeny,
        ),
        (
            "aoss:APIAccessAll",
            "arn:aws:aoss:us-east-1:111122223333:collection/c",
            Decision::ExplicitDeny,
        ),
        (
            "sns:Publish",
            "arn:aws:sns:us-east-1:111122223333:t",
            Decision::Allow,
        ),
    ];
    for (action, resource, want) in cases {
        assert_eq!(
            decide(&set, &req(ALICE, action, resource, &[])).decision,
            want,
            "{action} (default list)"
        );
    }
    // The list is compile input: sns only.
    set.rcp_services = vec!["SNS".into()];
    assert_eq!(
        decide(
            &set,
            &req(
                ALICE,
                "sns:Publish",
                "arn:aws:sns:us-east-1:111122223333:t",
                &[]
            )
        )
        .decision,
        Decision::ExplicitDeny
    );
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", &[])).decision,
        Decision::Allow
    );
    // The list survives the artifact (decide() compares the loaded set too), and an empty
    // list turns RCPs off entirely.
    set.rcp_services = Vec::new();
    assert_eq!(
        decide(&set, &req(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", &[])).decision,
        Decision::Allow
    );
}

/// E-13: a resource-policy grant naming the role ARN is limited by the role's boundary also
/// when the request's principal is the role ARN itself. Before the correction it was an exact
/// grantee and escaped the boundary.
#[test]
fn e13_grant_to_role_arn_limited_by_boundary_for_the_role_itself() {
    let grant = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ROLE}"}},"Action":"s3:GetObject","Resource":"*"}}"#
    );
    let mut set = ParsedSet {
        resource: Some(pol(PolicyKind::Resource, &grant)),
        boundaries: vec![pol(
            PolicyKind::Boundary,
            r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
        )],
        ..Default::default()
    };
    let get = |p: &str| req(p, "s3:GetObject", "arn:aws:s3:::b/k", &[]);
    assert_eq!(decide(&set, &get(ROLE)).decision, Decision::ImplicitDeny);
    let session = "arn:aws:sts::111122223333:assumed-role/app/s1";
    assert_eq!(decide(&set, &get(session)).decision, Decision::ImplicitDeny);
    // Without the boundary the grant stands for both (E-7).
    set.boundaries.clear();
    assert_eq!(decide(&set, &get(ROLE)).decision, Decision::Allow);
    assert_eq!(decide(&set, &get(session)).decision, Decision::Allow);
    // A user ARN named exactly still escapes the boundary (E-13).
    let user_grant = format!(
        r#"{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"s3:GetObject","Resource":"*"}}"#
    );
    set.resource = Some(pol(PolicyKind::Resource, &user_grant));
    set.boundaries = vec![pol(
        PolicyKind::Boundary,
        r#"{"Effect":"Allow","Action":"ec2:*","Resource":"*"}"#,
    )];
    assert_eq!(decide(&set, &get(ALICE)).decision, Decision::Allow);
}

/// E-11: an SCP level that holds no policy (a scenario's `"scps":[[]]`) allows nothing, so
/// every request is denied, in every engine; the compiler takes the set's levels as given
/// (an empty one is not a numbering gap to refuse). An empty RCP level restricts nothing
/// (E-10: RCPs restrict only by Deny, `RCPFullAWSAccess` being always attached).
#[test]
fn e11_an_empty_scp_level_denies_every_request() {
    let allow_all = r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#;
    for (scps, rcps) in [
        (vec![vec![]], vec![]),
        (vec![vec![pol(PolicyKind::Scp, allow_all)], vec![]], vec![]),
        (vec![], vec![vec![]]),
    ] {
        let set = ParsedSet {
            identity: vec![pol(PolicyKind::Identity, allow_all)],
            scps,
            rcps,
            ..Default::default()
        };
        let o = decide(&set, &req(ALICE, "s3:GetObject", "arn:aws:s3:::b/k", &[]));
        let want = if set.scps.is_empty() {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        };
        assert_eq!(o.decision, want, "{set:?}");
    }
}
