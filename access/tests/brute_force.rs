//! who-can and can-what against brute force: every (principal, action, resource) decided one
//! by one by the reference interpreter, on the principal's own assembled policy set, with
//! the unknown keys worked out here from the AST (E-21, K-13) — on the corpus snapshots and a
//! generated organisation. Any difference (a grant missed, one too many, a conditional grant
//! reported as allowed, a different deciding policy or depends-on) fails.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use iamc_access::catalog::{Action, Catalog};
use iamc_access::org::{Org, OrgInputs, Principal};
use iamc_access::query::{can_what, can_what_all, who_can, Facts, Grant};
use iamc_audit::snapshot::Snapshot;
use iamc_compiler::ast::{self, TemplatePart};
use iamc_reference::request::{Context, ContextValue, Request, Unknowns};
use iamc_runtime::Decision;

fn shared() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn catalog() -> Catalog {
    Catalog::load(&shared().join("corpus/service-reference/iam-service-reference.json")).unwrap()
}

/// Every condition key and policy variable of the set, lower case — written apart from the
/// crate's own key walk, so a key it forgot would show as a difference.
fn keys_of(set: &ast::ParsedSet) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let all = set
        .identity
        .iter()
        .chain(&set.boundaries)
        .chain(set.scps.iter().flatten())
        .chain(set.rcps.iter().flatten())
        .chain(set.resource.iter());
    let vars = |t: &ast::Template, out: &mut BTreeSet<String>| {
        for part in &t.parts {
            if let TemplatePart::Variable { key, .. } = part {
                out.insert(key.to_ascii_lowercase());
            }
        }
    };
    for p in all {
        for st in &p.statements {
            for r in &st.resource.patterns {
                vars(&r.template, &mut out);
            }
            for c in &st.conditions {
                out.insert(c.key.to_ascii_lowercase());
                for v in &c.values {
                    vars(&v.template, &mut out);
                }
            }
        }
    }
    out
}

/// The reference's request for a principal: its own keys fixed, every other key the set
/// reads unknown.
fn reference_request(
    set: &ast::ParsedSet,
    p: &Principal,
    action: &str,
    resource: Option<&str>,
) -> Request {
    let fixed: BTreeSet<String> = p
        .context
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    let unknown: Vec<String> = keys_of(set)
        .into_iter()
        .filter(|k| !fixed.contains(k) && !k.starts_with("aws:principaltag/"))
        .collect();
    Request {
        principal: p.request_arn.clone(),
        action: action.to_string(),
        resource: resource.unwrap_or("*").to_string(),
        // The resource unknown: one of the principal's own account.
        resource_account: resource.is_none().then(|| p.account.clone()),
        context: Context {
            entries: p
                .context
                .iter()
                .map(|(k, v)| (k.clone(), ContextValue::Single(v.clone())))
                .collect(),
        },
        unknown: Unknowns {
            context: unknown,
            resource: resource.is_none(),
        },
    }
}

/// Whether the reference reports the decision (allowed, or possibly allowed).
fn reported(d: Decision) -> bool {
    match d {
        Decision::Allow => true,
        Decision::Indeterminate(p) => p.contains(iamc_runtime::Possible::ALLOW),
        _ => false,
    }
}

/// The policy name of the reference's deciding statement.
fn reference_policy(set: &ast::ParsedSet, o: &iamc_runtime::Outcome) -> Option<String> {
    match o.deciding? {
        iamc_runtime::Deciding::Rule(r) => Some(r.id().to_string()),
        iamc_runtime::Deciding::Statement(s) => {
            iamc_reference::explain::statement_at(set, s).map(|(p, _)| p.source.to_string())
        }
    }
}

/// Compare one grant list with the reference over the same principals and actions.
fn compare(
    what: &str,
    org: &Org,
    principals: &[&Principal],
    actions: &[Action],
    resource: Option<&str>,
    got: &[Grant],
) -> usize {
    let got: std::collections::HashMap<(String, String), &Grant> = got
        .iter()
        .filter(|g| g.principal_kind == "user" || g.principal_kind == "role")
        .map(|g| ((g.principal.clone(), g.action.clone()), g))
        .collect();
    let mut checked = 0;
    for p in principals {
        let set = org.ast_of(p, resource);
        for a in actions {
            let r = resource.or(a.resource_types.is_empty().then_some("*"));
            let req = reference_request(&set, p, &a.name, r);
            let o = iamc_reference::evaluate(&set, &req);
            checked += 1;
            let g = got.get(&(p.arn.clone(), a.name.clone()));
            match (reported(o.decision), g) {
                (false, None) => {}
                (true, Some(g)) => {
                    assert_eq!(
                        g.decision, o.decision,
                        "{what}: {} {} on {r:?}",
                        p.arn, a.name
                    );
                    if o.decision == Decision::Allow {
                        assert_eq!(
                            g.deciding.as_ref().map(|d| d.policy.clone()),
                            reference_policy(&set, &o),
                            "{what}: deciding policy of {} {}",
                            p.arn,
                            a.name
                        );
                    } else {
                        let d = iamc_reference::depends_on(&set, &req);
                        let mine = g.depends_on.clone().unwrap_or_default();
                        let lower = |v: &[String]| {
                            v.iter()
                                .map(|k| k.to_ascii_lowercase())
                                .collect::<BTreeSet<_>>()
                        };
                        assert_eq!(
                            (lower(&mine.keys), mine.resource, mine.opaque.len()),
                            (lower(&d.keys), d.resource, d.opaque.len()),
                            "{what}: depends_on of {} {} on {r:?}",
                            p.arn,
                            a.name
                        );
                    }
                }
                (_, g) => panic!(
                    "{what}: {} {} on {r:?}: reference {:?}, access query {:?}",
                    p.arn,
                    a.name,
                    o.decision,
                    g.map(|g| g.decision)
                ),
            }
        }
        let _ = checked;
    }
    checked
}

fn corpus_org(name: &str) -> Org {
    let path = shared()
        .join("corpus/account-authorization-details")
        .join(name);
    let snap = Snapshot::load(&path).unwrap();
    Org::new(&[snap], OrgInputs::default()).unwrap()
}

/// Actions to check (reference decisions are slow; the matrix itself covers every action):
/// every action of a few services the corpus grants on by name, and every 61st of the rest.
fn some_actions(cat: &Catalog) -> Vec<Action> {
    cat.actions()
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            i % 61 == 0 || ["s3", "iam", "sts", "kms", "sqs"].contains(&a.service.as_str())
        })
        .map(|(_, a)| a.clone())
        .collect()
}

fn check_org(what: &str, org: &Org, cat: &Catalog, resources: &[&str]) {
    let principals: Vec<&Principal> = org.principals().iter().collect();
    assert!(!principals.is_empty(), "{what}: no principals");
    let actions = some_actions(cat);
    // can-what, one principal at a time, the resource unknown.
    let mut n = 0;
    for p in &principals {
        let got = can_what(org, p, cat, None, &Facts::default()).unwrap();
        n += compare(what, org, &[p], &actions, None, &got);
    }
    // The organisation's matrix (shared between principals of a class) equals can-what.
    let all = can_what_all(org, cat, &Facts::default());
    for (p, prof) in principals.iter().zip(&all) {
        let got = can_what(org, p, cat, None, &Facts::default()).unwrap();
        let allowed: Vec<&str> = got
            .iter()
            .filter(|g| g.decision == iamc_runtime::Decision::Allow)
            .map(|g| g.action.as_str())
            .collect();
        let from_profile: Vec<&str> = prof
            .allowed
            .iter()
            .map(|i| cat.actions()[*i as usize].name.as_str())
            .collect();
        assert_eq!(allowed, from_profile, "{what}: can-what --all of {}", p.arn);
        assert_eq!(
            got.len() - allowed.len(),
            prof.conditional.len(),
            "{what}: conditional of {}",
            p.arn
        );
    }
    // who-can over a few actions and resources, every principal.
    let mut wc_actions = Vec::new();
    for pat in [
        "s3:Get*",
        "s3:PutObject",
        "s3:DeleteBucket",
        "ec2:RunInstances",
        "iam:PassRole",
        "sqs:SendMessage",
        "logs:PutLogEvents",
    ] {
        wc_actions.extend(cat.expand(pat));
    }
    for r in resources {
        let got = who_can(org, &wc_actions, &[r.to_string()], &Facts::default()).unwrap();
        n += compare(what, org, &principals, &wc_actions, Some(r), &got);
    }
    assert!(
        n > principals.len() * 100,
        "{what}: only {n} decisions checked"
    );
}

#[test]
fn corpus_snapshots_equal_brute_force_e21() {
    let cat = catalog();
    for name in [
        "cloudsplaining-example.json",
        "cloudsplaining-test-example-authz-details.json",
        "cloudmapper-demo-iam-get-account-authorization-details.json",
    ] {
        let org = corpus_org(name);
        check_org(
            name,
            &org,
            &cat,
            &[
                "arn:aws:s3:::bucket/key",
                "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
                "arn:aws:iam::123456789012:role/some-role",
                "*",
            ],
        );
    }
}

#[test]
fn generated_org_equals_brute_force() {
    let (managed, _) = iamc_access::synth::read_managed(
        &shared().join("corpus/managed-policies/aws-managed-policies.jsonl"),
    )
    .unwrap();
    let synth = iamc_access::synth::generate(
        &iamc_access::synth::Config {
            seed: 7,
            accounts: 3,
            principals: 90,
        },
        &managed,
    );
    let org = synth.load().unwrap();
    // Sharing happened (fewer classes than principals), so the test exercises it.
    assert!(org.classes() < org.principals().len(), "{}", org.classes());
    let a = "210000000000";
    let res: Vec<String> = (0..5)
        .map(|b| format!("arn:aws:s3:::synth-{a}-{b}/key"))
        .chain([
            format!("arn:aws:s3:::home-{a}/user1/x"),
            format!("arn:aws:logs:us-east-1:{a}:log-group:x"),
            format!("arn:aws:sqs:us-east-1:{a}:user2-q"),
        ])
        .collect();
    let res: Vec<&str> = res.iter().map(String::as_str).collect();
    check_org("generated", &org, &catalog(), &res);
}

#[test]
fn generation_is_deterministic() {
    let (managed, _) = iamc_access::synth::read_managed(
        &shared().join("corpus/managed-policies/aws-managed-policies.jsonl"),
    )
    .unwrap();
    let c = iamc_access::synth::Config {
        seed: 3,
        accounts: 2,
        principals: 40,
    };
    let a = iamc_access::synth::generate(&c, &managed);
    let b = iamc_access::synth::generate(&c, &managed);
    assert_eq!(a.accounts, b.accounts);
    assert_eq!(a.resource_policies, b.resource_policies);
    let other =
        iamc_access::synth::generate(&iamc_access::synth::Config { seed: 4, ..c }, &managed);
    assert_ne!(a.accounts, other.accounts);
}
