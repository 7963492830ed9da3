//! Every AWS managed policy in the shared corpus parses and validates as an identity policy
//! (spec group G), the real service reference loads as a [`Catalog`], and the policy checks run
//! over the whole corpus.
//!
//! Skips with a printed note when the shared corpus is absent.

use std::path::PathBuf;
use std::time::Instant;

use iamc_compiler::ast::{ParsedSet, Policy, PolicyKind};
use iamc_compiler::check::{check_policy, Catalog, WarningKind};
use iamc_compiler::{parse_policy, Limits};
use iamc_harness::request::{Context, ContextValue, Request};

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = iamc_tests::shared_dir().join("corpus").join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("note: {} not found; skipping", p.display());
        None
    }
}

/// (name, document text) of every managed policy.
fn managed_policies() -> Option<Vec<(String, String)>> {
    let path = corpus("managed-policies/aws-managed-policies.jsonl")?;
    let text = std::fs::read_to_string(path).expect("read jsonl");
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(line).expect("jsonl line");
        let name = v["name"].as_str().unwrap_or("?").to_string();
        let doc = v
            .get("document")
            .unwrap_or_else(|| panic!("line {i}: no document"));
        out.push((name, serde_json::to_string(doc).expect("re-serialise")));
    }
    Some(out)
}

fn parse_all(policies: &[(String, String)]) -> (Vec<(String, Policy)>, Vec<String>) {
    let mut ok = Vec::new();
    let mut failures = Vec::new();
    for (name, doc) in policies {
        match parse_policy(
            name,
            doc.as_bytes(),
            PolicyKind::Identity,
            &Limits::default(),
        ) {
            Ok(p) => ok.push((name.clone(), p.policy)),
            Err(errors) => {
                for e in errors {
                    failures.push(e.to_string());
                }
            }
        }
    }
    (ok, failures)
}

// G-1 … G-20, V-3: AWS accepted every one of these documents, so the parser must too (all
// 1,594, AmazonTimestreamInfluxDBServiceRolePolicy's `${aws:PrincipalAccount}` in a KMS key
// ARN's account field included). Every failure is reported, with the policy name and the error.
#[test]
fn g_every_managed_policy_parses_as_identity_policy() {
    let Some(policies) = managed_policies() else {
        return;
    };
    assert!(policies.len() > 1500, "{} policies", policies.len());
    let (ok, failures) = parse_all(&policies);
    assert!(
        failures.is_empty(),
        "{} of {} managed policies failed to parse:\n{}",
        policies.len() - ok.len(),
        policies.len(),
        failures.join("\n")
    );
    assert_eq!(ok.len(), policies.len());
}

fn load_catalog() -> Option<Catalog> {
    let path = corpus("service-reference/iam-service-reference.json")?;
    let t = Instant::now();
    let cat = Catalog::load(&path).expect("service reference loads");
    println!("catalog loaded in {:?}", t.elapsed());
    Some(cat)
}

#[test]
fn catalog_loads_the_real_service_reference() {
    let Some(cat) = load_catalog() else {
        return;
    };
    assert_eq!(cat.service_count(), 456);
    assert!(cat.has_action("s3:GetObject"));
    assert!(cat.has_action("rds-db:connect"));
    assert!(cat.has_action("RDS:DeleteDBInstance"));
    assert!(!cat.has_action("rds:DeleteDBInstances"));
    assert_eq!(cat.key_type("s3:ExistingObjectTag/team"), Some("String"));
    assert_eq!(cat.key_type("aws:ResourceTag/env"), Some("String"));
    assert_eq!(cat.key_type("aws:TagKeys"), Some("ArrayOfString"));
    assert_eq!(cat.key_type("rds:DatabaseEngine"), Some("String"));
    assert_eq!(cat.key_type("rds:db-tag/stage"), Some("String"));
    assert_eq!(cat.key_type("aws:MultiFactorAuthAge"), Some("Numeric"));
}

fn parse(doc: &str) -> Policy {
    parse_policy(
        "seed.json",
        doc.as_bytes(),
        PolicyKind::Identity,
        &Limits::default(),
    )
    .expect("parses")
    .policy
}

// C-24 with the real catalog: the seed 000 deny is flagged, and nothing else in it is.
#[test]
fn c24_seed_000_flagged_with_real_catalog() {
    let Some(cat) = load_catalog() else {
        return;
    };
    let p = parse(
        r#"{"Statement":[{"Effect":"Deny","Action":["rds:DeleteDBClusterSnapshot","rds:DeleteDBSnapshot","rds:DeleteDBCluster","rds:DeleteDBInstance"],
            "Resource":"*","Condition":{"StringLikeIfExists":{"aws:TagKeys":"production"}}}]}"#,
    );
    let w = check_policy(&p, Some(&cat));
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(w[0]
        .to_string()
        .contains("fires on every request without tags and never on tagged ones"));
    // Seed 001 example 3 and seed 003 example 3: no warnings with the real catalog.
    for doc in [
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowFullDevAccessNoTags","Effect":"Allow","NotAction":["rds:AddTagsToResource","rds:RemoveTagsFromResource"],"Resource":"arn:aws:rds:*:123456789012:db:${aws:username}*","Condition":{"StringEqualsIfExists":{"rds:db-tag/stage":"devo"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"AllowAllActionsForEC2","Effect":"Allow","Action":"ec2:*","Resource":"*"},{"Sid":"DenyStopAndTerminateWhenMFAIsNotPresent","Effect":"Deny","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":false}}},{"Sid":"DenyStopAndTerminateWhenMFAIsOlderThanOneHour","Effect":"Deny","Action":["ec2:StopInstances","ec2:TerminateInstances"],"Resource":"*","Condition":{"NumericGreaterThanIfExists":{"aws:MultiFactorAuthAge":"3600"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["rds-db:connect"],"Resource":["arn:aws:rds-db:us-east-2:123456789012:dbuser:*/jane_doe"]}]}"#,
    ] {
        let w = check_policy(&parse(doc), Some(&cat));
        assert!(w.is_empty(), "{doc}: {w:?}");
    }
    // A typo in an action and in a key gets a hint from the real reference.
    let p = parse(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:DeleteDBInstanse","Resource":"*","Condition":{"StringEquals":{"rds:DatabaseEngin":"mysql"}}}]}"#,
    );
    let w = check_policy(&p, Some(&cat));
    assert!(w.iter().any(|w| w.kind
        == WarningKind::UnknownAction {
            action: "rds:DeleteDBInstanse".into(),
            suggestion: Some("rds:DeleteDBInstance".into())
        }));
    assert!(w.iter().any(|w| w.kind
        == WarningKind::UnknownConditionKey {
            key: "rds:DatabaseEngin".into(),
            suggestion: Some("rds:DatabaseEngine".into())
        }));
}

// The checks run over every managed policy without panicking; print a summary by kind.
#[test]
fn checks_run_over_every_managed_policy() {
    let (Some(policies), Some(cat)) = (managed_policies(), load_catalog()) else {
        return;
    };
    let (ok, _) = parse_all(&policies);
    let t = Instant::now();
    let mut by_kind: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (_, p) in &ok {
        for w in check_policy(p, Some(&cat)) {
            let kind = format!("{:?}", w.kind);
            let kind = kind.split([' ', '(', '{']).next().unwrap_or("").to_string();
            by_kind.entry(kind).or_default().push(w.to_string());
        }
    }
    println!("checked {} policies in {:?}", ok.len(), t.elapsed());
    for (k, v) in &by_kind {
        println!("{k}: {}", v.len());
        for w in v.iter().take(5) {
            println!("    {w}");
        }
    }
}

/// A concrete string for a glob pattern: wildcards become `x`, variables their key's last part.
fn instantiate(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("alice");
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out.replace(['*', '?'], "x")
}

/// A few requests per policy: actions from its own patterns (expanded through the service
/// reference) and from the reference at large; resources `*` and instances of its own resource
/// patterns; contexts empty and filled with the policy's own condition keys and values.
fn requests_for(policy: &Policy, cat: &Catalog, seed: usize, all: &[String]) -> Vec<Request> {
    let mut actions: Vec<String> = Vec::new();
    let mut resources: Vec<String> = vec!["*".into()];
    let mut context = Context::default();
    for st in &policy.statements {
        for pat in st.action.patterns.iter().take(3) {
            let found = cat.actions_matching(&pat.text);
            match found.first() {
                Some(a) => actions.push(a.clone()),
                None => actions.push(instantiate(&pat.text)),
            }
            if let Some(a) = found.last() {
                actions.push(a.clone());
            }
        }
        for pat in st.resource.patterns.iter().take(2) {
            resources.push(instantiate(&pat.text));
        }
        for c in &st.conditions {
            if context.get(&c.key).is_none() {
                let v = instantiate(&c.values[0].text);
                let value = if iamc_compiler::keys::is_multivalued(&c.key) {
                    ContextValue::Multi(vec![v])
                } else {
                    ContextValue::Single(v)
                };
                context.insert(c.key.clone(), value);
            }
        }
    }
    for k in 0..3 {
        actions.push(all[(seed * 7919 + k * 104_729) % all.len()].clone());
    }
    actions.truncate(12);
    resources.truncate(3);
    let principal = "arn:aws:iam::111122223333:user/alice".to_string();
    let mut out = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        for (j, resource) in resources.iter().enumerate() {
            out.push(Request {
                principal: principal.clone(),
                action: action.clone(),
                resource: resource.clone(),
                resource_account: None,
                context: if (i + j) % 2 == 0 {
                    Context::default()
                } else {
                    context.clone()
                },
                unknown: Default::default(),
            });
        }
    }
    out
}

// E-1 … E-19: the reference interpreter decides a few requests for every managed policy
// without panicking. Bound: ~1,600 policies × ≤ 36 requests, a few seconds in debug builds.
#[test]
fn e_reference_evaluates_requests_for_every_managed_policy() {
    let (Some(policies), Some(cat)) = (managed_policies(), load_catalog()) else {
        return;
    };
    let (ok, _) = parse_all(&policies);
    let all = cat.actions_matching("*");
    let t = Instant::now();
    let mut count = 0usize;
    let mut decisions = std::collections::BTreeMap::new();
    for (i, (name, policy)) in ok.into_iter().enumerate() {
        let requests = requests_for(&policy, &cat, i, &all);
        let set = ParsedSet {
            identity: vec![policy],
            ..ParsedSet::default()
        };
        for r in &requests {
            let outcome = iamc_reference::evaluate(&set, r);
            *decisions.entry(outcome.decision.as_str()).or_insert(0usize) += 1;
            if name == "AdministratorAccess" {
                // Allow * on * with no condition allows everything (A-4, R-9, E-5).
                assert_eq!(outcome.decision.as_str(), "allow", "{r:?}");
            }
            count += 1;
        }
    }
    println!("{count} requests in {:?}: {decisions:?}", t.elapsed());
    assert!(count > 10_000);
    assert!(decisions.contains_key("allow") && decisions.contains_key("implicit_deny"));
}
