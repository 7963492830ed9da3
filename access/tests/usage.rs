//! `iamc unused` and `iamc generate-policy` on the shared corpus (the audit tests' snapshot,
//! `corpus/audit/account-details.json`, and `../shared/corpus/cloudtrail`), checked against
//! brute force: the audit's own event lines, can-what principal by principal, and the
//! proof's replay against policies known to be too small.

#![allow(clippy::panic, clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use iamc_access::catalog::Catalog;
use iamc_access::generate::{generate, observed, prove, ProofInput};
use iamc_access::org::{Org, OrgInputs};
use iamc_access::query::{can_what, Facts};
use iamc_access::usage::{replay, unused};
use iamc_audit::snapshot::Snapshot;
use serde_json::Value;

fn shared() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn details() -> PathBuf {
    repo().join("corpus/audit/account-details.json")
}

fn service_reference() -> PathBuf {
    shared().join("corpus/service-reference/iam-service-reference.json")
}

fn options() -> iamc_audit::Options {
    iamc_audit::Options {
        account_details: details(),
        logs: vec![shared().join("corpus/cloudtrail")],
        service_reference: Some(service_reference()),
        ..iamc_audit::Options::default()
    }
}

/// The audit's event lines (`iamc audit` without a change).
fn audit_lines() -> Vec<Value> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let stats = iamc_audit::run(&options(), &mut out, &mut err).unwrap();
    assert!(stats.decided > 20_000, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn calls_per_statement_are_the_audits_deciding_statements() {
    let aud = iamc_audit::load(&options()).unwrap();
    let r = replay(&aud, &options().logs);
    let org = Org::new(&[Snapshot::load(&details()).unwrap()], OrgInputs::default()).unwrap();
    let catalog = Catalog::load(&service_reference()).unwrap();
    let u = unused(&org, &catalog, &Facts::default(), &aud, &r.calls);

    // Brute force: count the deciding statement of each event line of the audit.
    let lines = audit_lines();
    assert_eq!(lines.len() as u64, r.stats.decided);
    assert_eq!(r.calls.len() as u64, r.stats.decided);
    let mut want: BTreeMap<(String, u64), (u64, u64)> = BTreeMap::new();
    let mut rules: BTreeMap<String, u64> = BTreeMap::new();
    let mut none = 0u64;
    for l in &lines {
        match l["before_by"].as_object() {
            Some(by) => {
                let policy = by["policy"].as_str().unwrap().to_string();
                if policy.starts_with("built-in rule") {
                    *rules.entry(policy).or_default() += 1;
                    continue;
                }
                let e = want
                    .entry((policy, by["statement"].as_u64().unwrap()))
                    .or_default();
                e.0 += 1;
                if l["before"] == "allow" {
                    e.1 += 1;
                }
            }
            None => none += 1,
        }
    }
    assert!(want.len() >= 5, "{want:?}");
    let got: BTreeMap<(String, u64), (u64, u64)> = u
        .statements
        .iter()
        .filter(|s| s.decided > 0)
        .map(|s| {
            (
                (s.policy.clone(), u64::from(s.index)),
                (s.decided, s.allowed),
            )
        })
        .collect();
    assert_eq!(got, want);
    assert_eq!(u.by_rule, rules);
    assert_eq!(u.no_statement, none);
    // Allowed calls that needed further permissions name one deciding statement only: their
    // count is reported (the corpus has such calls), so "never used" is not taken for proof.
    let further = r
        .calls
        .iter()
        .filter(|c| c.requests.len() > 1 && c.decision == iamc_runtime::Decision::Allow)
        .count() as u64;
    assert!(further > 0);
    assert_eq!(u.further_not_attributed, further);
    // Every statement a call named is a statement of the snapshot's policies (names agree),
    // and the unused ones are the rest.
    // (the account root's calls are decided by the audit's own `root:full-access`).
    let unknown: Vec<_> = u
        .statements
        .iter()
        .filter(|s| s.kind == "other" || (s.kind == "root") != (s.policy == "root:full-access"))
        .collect();
    assert!(unknown.is_empty(), "deciding names unknown: {unknown:?}");
    let unused_n = u.statements.iter().filter(|s| s.decided == 0).count();
    assert!(unused_n > 0);
    assert_eq!(unused_n + want.len(), u.statements.len());
    // AdministratorAccess decided FalsimentisRoot's calls.
    assert!(u.statements.iter().any(|s| s.policy
        == "managed:arn:aws:iam::aws:policy/AdministratorAccess"
        && s.principals
            .contains("arn:aws:iam::342082656213:user/FalsimentisRoot")));
}

#[test]
fn granted_minus_used_is_can_what_minus_the_used_actions() {
    let aud = iamc_audit::load(&options()).unwrap();
    let r = replay(&aud, &options().logs);
    let org = Org::new(&[Snapshot::load(&details()).unwrap()], OrgInputs::default()).unwrap();
    let catalog = Catalog::load(&service_reference()).unwrap();
    let facts = Facts::default();
    let u = unused(&org, &catalog, &facts, &aud, &r.calls);
    assert_eq!(u.principals.len(), org.principals().len());

    // Used, by brute force from the audit's event lines (the call's own action) of users.
    let lines = audit_lines();
    let mut with_calls = 0;
    for pu in &u.principals {
        let p = org.principal(&pu.arn).unwrap();
        // can-what, principal by principal (not the matrix `unused` reads).
        let grants = can_what(&org, p, &catalog, None, &facts).unwrap();
        let granted: BTreeSet<String> = grants.iter().map(|g| g.action.clone()).collect();
        let used: BTreeSet<String> = pu.used.keys().map(|a| a.to_ascii_lowercase()).collect();
        let want: BTreeSet<String> = granted
            .iter()
            .filter(|a| !used.contains(&a.to_ascii_lowercase()))
            .cloned()
            .collect();
        let got: BTreeSet<String> = pu
            .unused_allowed
            .iter()
            .chain(&pu.unused_conditional)
            .cloned()
            .collect();
        assert_eq!(got, want, "{}", pu.arn);
        assert_eq!(
            pu.allowed.len() + pu.conditional.len(),
            granted.len(),
            "{}",
            pu.arn
        );
        // Used actions: the successful event lines' actions are among them.
        if pu.kind == "user" {
            let from_lines: BTreeSet<String> = lines
                .iter()
                .filter(|l| l["principal"] == pu.arn.as_str() && l["observed"].is_null())
                .filter(|l| {
                    !l["before_by"]["policy"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with("built-in rule")
                })
                .map(|l| l["action"].as_str().unwrap().to_ascii_lowercase())
                .collect();
            assert!(from_lines.is_subset(&used), "{}", pu.arn);
            with_calls += usize::from(!from_lines.is_empty());
        }
        // Per service and level: the counts add up.
        let cells: usize = pu
            .by_service
            .values()
            .flat_map(|l| l.values())
            .map(|c| c.allowed + c.conditional - c.used)
            .sum();
        assert_eq!(cells, got.len(), "{}", pu.arn);
    }
    assert!(with_calls >= 4);
    let pedro = u
        .principals
        .iter()
        .find(|p| p.arn.ends_with("user/pedro"))
        .unwrap();
    assert_eq!(pedro.used.len(), 22);
    assert!(pedro.used.contains_key("ec2:DescribeInstances"));
    assert_eq!(pedro.last_used.as_deref(), Some("2020-09-14T00:57:44.000Z"));
}

const PROVABLE: &[&str] = &[
    "arn:aws:iam::123456789123:user/pedro",
    "arn:aws:iam::123837392027:user/benjamin",
    "arn:aws:iam::342082656213:user/jmerckle",
    "arn:aws:iam::123456789123:role/MordorNginxStack-BankingWAFRole-9S3E0UAE1MM0",
    "arn:aws:iam::123837392027:role/stratus-red-team-ec2-steal-credentials-role",
];

#[test]
fn generated_policies_are_proved_and_a_smaller_one_is_not() {
    let aud = iamc_audit::load(&options()).unwrap();
    let r = replay(&aud, &options().logs);
    let input = ProofInput {
        logs: options().logs,
        account_details: Some(details()),
        service_reference: Some(service_reference()),
        resource_policies: None,
    };
    for p in PROVABLE {
        let calls = observed(&r.calls, p);
        assert!(!calls.is_empty(), "{p}");
        let policy = generate(&calls).unwrap();
        let proof = prove(&input, p, &policy).unwrap();
        assert!(proof.holds(), "{p}: {proof:?}\n{policy:#}");
        assert_eq!(proof.calls, calls.len() as u64, "{p}");
        // Without the snapshot too (the principal alone).
        let alone = ProofInput {
            account_details: None,
            ..input.clone()
        };
        assert!(prove(&alone, p, &policy).unwrap().holds(), "{p} alone");

        // Broken: drop one action (the last of the first statement, or that statement).
        let mut broken = policy.clone();
        let st = broken["Statement"].as_array_mut().unwrap();
        let dropped = match st[0]["Action"].as_array_mut() {
            Some(a) if a.len() > 1 => a.pop().unwrap(),
            _ => st.remove(0)["Action"].clone(),
        };
        let proof = prove(&input, p, &broken).unwrap();
        assert!(!proof.holds(), "{p}: dropping {dropped} still proves");
        assert!(proof.allowed < proof.calls);
        assert_eq!(proof.failures.len() as u64, proof.calls - proof.allowed);

        // Broken resources: each pattern narrowed to one that matches nothing observed.
        let mut narrow = policy.clone();
        for s in narrow["Statement"].as_array_mut().unwrap() {
            s["Resource"] = Value::from("arn:aws:s3:::iamc-nothing-here");
        }
        assert!(!prove(&input, p, &narrow).unwrap().holds(), "{p}");
    }
}

#[test]
fn the_proof_fails_where_the_current_policies_also_fail() {
    // FalsimentisRoot's kms:Decrypt calls succeeded, but the replay denies them under
    // AdministratorAccess too (no key policy in the inputs): the proof must not claim them.
    let aud = iamc_audit::load(&options()).unwrap();
    let r = replay(&aud, &options().logs);
    let p = "arn:aws:iam::342082656213:user/FalsimentisRoot";
    let calls = observed(&r.calls, p);
    let before_allowed = calls
        .iter()
        .filter(|c| c.decision == iamc_runtime::Decision::Allow)
        .count() as u64;
    assert!(before_allowed < calls.len() as u64);
    let policy = generate(&calls).unwrap();
    let input = ProofInput {
        logs: options().logs,
        account_details: Some(details()),
        service_reference: Some(service_reference()),
        resource_policies: None,
    };
    let proof = prove(&input, p, &policy).unwrap();
    assert!(!proof.holds());
    assert_eq!(proof.allowed, before_allowed);
}
