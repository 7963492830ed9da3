//! Differential tests on real data: the compiled engine against the reference interpreter
//! for the AWS managed policies of the shared corpus.
//!
//! - **Per policy**: every managed policy (`managed-policies/aws-managed-policies.jsonl`) that
//!   parses is compiled alone as an identity policy set and decides requests built from the
//!   Service Authorization Reference — for each service the policy names (at most 8; a bare
//!   `*` names s3, ec2 and iam), up to 24 of its actions spread evenly over the service's list,
//!   each with an ARN of its first resource type (placeholders filled in) — plus 8 actions of
//!   other services and 12 CloudTrail requests, taken round-robin over the whole set. The
//!   context holds common global keys and, for the keys the policy's conditions test, one of
//!   the policy's own values (or nothing, or an empty list), so conditions go both ways.
//! - **All together**: every managed policy in one identity policy set against 3 actions of
//!   every service and every distinct CloudTrail request (action, resource, principal, context)
//!   of `cloudtrail/*.json.gz` (sampled evenly down to 4,000 to keep the reference's linear
//!   scan over ~8,900 statements quick). A few managed policies deny everything, so the same
//!   requests also go to the set without the policies that hold a `Deny` (~8,100 statements),
//!   where the Allow side and its deciding statement are exercised.
//!
//! Both engines must agree on every request: the decision and the deciding statement. The
//! counts are printed. Skips with a note when the shared corpus is absent.

use iamc_harness::rng::Rng;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use iamc_compiler::ast::{ParsedSet, Policy, PolicyKind, TemplatePart};
use iamc_compiler::json::{self, Json};
use iamc_compiler::{parse_policy_json, Limits};
use iamc_harness::request::{Context, ContextValue, Request};
use iamc_runtime::{Deciding, Outcome};

const ACCOUNT: &str = "123456789012";

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = iamc_tests::shared_dir().join("corpus").join(rel);
    if p.exists() {
        Some(p)
    } else {
        println!("note: {} not found; skipping", p.display());
        None
    }
}

/// Every managed policy that parses, with its name. Parse failures are the documented
/// spec rejects of `managed_policies.rs`; they are counted here, not checked again.
fn managed_policies() -> Option<(Vec<(String, Policy)>, usize)> {
    let path = corpus("managed-policies/aws-managed-policies.jsonl")?;
    let text = std::fs::read_to_string(path).expect("read jsonl");
    let mut out = Vec::new();
    let mut rejected = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v = json::parse(line, 64).expect("jsonl line");
        let name = v
            .get("name")
            .and_then(Json::as_str)
            .unwrap_or("?")
            .to_string();
        let doc = v.get("document").expect("document");
        match parse_policy_json(
            Arc::from(name.as_str()),
            doc,
            PolicyKind::Identity,
            &Limits::default(),
        ) {
            Ok(p) => out.push((name, p.policy)),
            Err(_) => rejected += 1,
        }
    }
    Some((out, rejected))
}

/// Fill an ARN format's placeholders.
fn fill_arn(format: &str) -> String {
    let mut out = String::new();
    let mut rest = format;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            break;
        };
        let name = &rest[start + 2..start + end];
        out.push_str(&match name {
            "Partition" => "aws".to_string(),
            "Region" => "us-east-1".to_string(),
            "Account" => ACCOUNT.to_string(),
            other => format!("{}-1", other.to_ascii_lowercase()),
        });
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// (service prefix in lower case, its (action, resource) pairs in the reference's order).
type Services = Vec<(String, Vec<(String, String)>)>;

/// Every service with its (action, resource) pairs.
fn service_requests() -> Option<Services> {
    let path = corpus("service-reference/iam-service-reference.json")?;
    let text = std::fs::read_to_string(path).expect("read service reference");
    let v: serde_json::Value = serde_json::from_str(&text).expect("service reference json");
    let mut out = Vec::new();
    for (prefix, svc) in v.as_object().expect("object") {
        let types = &svc["resourceTypes"];
        let mut pairs = Vec::new();
        if let Some(actions) = svc["actions"].as_object() {
            for a in actions.values() {
                let Some(name) = a["name"].as_str() else {
                    continue;
                };
                let resource = a["resourceTypes"]
                    .as_array()
                    .and_then(|rts| rts.first())
                    .and_then(|rt| rt["name"].as_str())
                    .and_then(|n| types[n.to_ascii_lowercase()]["arn"].as_str())
                    .map(fill_arn)
                    .unwrap_or_else(|| "*".to_string());
                let prefix = svc["prefix"].as_str().unwrap_or(prefix);
                pairs.push((format!("{prefix}:{name}"), resource));
            }
        }
        if !pairs.is_empty() {
            out.push((prefix.to_ascii_lowercase(), pairs));
        }
    }
    Some(out)
}

fn read_gz(path: &std::path::Path) -> String {
    let f = std::fs::File::open(path).expect("open gz");
    let mut s = String::new();
    flate2::read::GzDecoder::new(f)
        .read_to_string(&mut s)
        .expect("gunzip");
    s
}

/// Requests from every CloudTrail event of the corpus, deduplicated.
fn cloudtrail_requests() -> Vec<Request> {
    let Some(dir) = corpus("cloudtrail") else {
        return Vec::new();
    };
    let mut events: Vec<serde_json::Value> = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read cloudtrail dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with(".gz"))
        .collect();
    files.sort();
    for f in files {
        let text = read_gz(&f);
        if f.to_string_lossy().ends_with(".jsonl.gz") {
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                if let Ok(v) = serde_json::from_str(line) {
                    events.push(v);
                }
            }
        } else {
            let v: serde_json::Value = serde_json::from_str(&text).expect("cloudtrail json");
            if let Some(records) = v["Records"].as_array() {
                events.extend(records.iter().cloned());
            }
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for e in &events {
        let (Some(source), Some(name)) = (e["eventSource"].as_str(), e["eventName"].as_str())
        else {
            continue;
        };
        let prefix = source.strip_suffix(".amazonaws.com").unwrap_or(source);
        let action = format!("{prefix}:{name}");
        let resource = e["resources"][0]["ARN"].as_str().unwrap_or("*").to_string();
        let id = &e["userIdentity"];
        let principal = id["arn"]
            .as_str()
            .or_else(|| id["invokedBy"].as_str())
            .unwrap_or("anonymous")
            .to_string();
        let mut context = Context::default();
        let mut put = |k: &str, v: Option<&str>| {
            if let Some(v) = v {
                context.insert(k, ContextValue::Single(v.to_string()));
            }
        };
        put("aws:SourceIp", e["sourceIPAddress"].as_str());
        put("aws:RequestedRegion", e["awsRegion"].as_str());
        put("aws:CurrentTime", e["eventTime"].as_str());
        put("aws:UserAgent", e["userAgent"].as_str());
        put("aws:userid", id["principalId"].as_str());
        put("aws:username", id["userName"].as_str());
        put("aws:PrincipalAccount", id["accountId"].as_str());
        put("aws:PrincipalArn", id["arn"].as_str());
        put(
            "aws:MultiFactorAuthPresent",
            id["sessionContext"]["attributes"]["mfaAuthenticated"].as_str(),
        );
        put(
            "aws:SecureTransport",
            e.get("tlsDetails").map(|_| "true").or(Some("false")),
        );
        if let Some(via) = id["invokedBy"].as_str() {
            context.insert("aws:CalledVia", ContextValue::Multi(vec![via.to_string()]));
        }
        let req = Request {
            principal,
            action,
            resource,
            resource_account: e["recipientAccountId"].as_str().map(str::to_string),
            context,
            unknown: Default::default(),
        };
        // Dedup on everything but the time (which changes on every event).
        let key = format!(
            "{}|{}|{}|{:?}|{:?}",
            req.principal,
            req.action,
            req.resource,
            req.resource_account,
            req.context
                .entries
                .iter()
                .filter(|(k, _)| k != "aws:CurrentTime")
                .collect::<Vec<_>>()
        );
        if seen.insert(key) {
            out.push(req);
        }
    }
    println!(
        "cloudtrail: {} events, {} distinct requests",
        events.len(),
        out.len()
    );
    out
}

/// Service prefixes a policy names in `Action`/`NotAction` (`*` names s3, ec2 and iam).
fn services_named(p: &Policy) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for s in &p.statements {
        for a in &s.action.patterns {
            match a.text.split_once(':') {
                Some((svc, _)) => {
                    out.insert(svc.to_ascii_lowercase());
                }
                None => {
                    out.extend(["s3", "ec2", "iam"].map(String::from));
                }
            }
        }
    }
    out
}

/// Condition keys of a policy with the values written for them.
fn condition_values(p: &Policy) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for s in &p.statements {
        for c in &s.conditions {
            let values = c.values.iter().map(|v| {
                // Variables become the values the base context gives them.
                v.template
                    .parts
                    .iter()
                    .map(|part| match part {
                        TemplatePart::Text(t) => t.replace('*', "x").replace('?', "y"),
                        TemplatePart::Literal(ch) => ch.to_string(),
                        TemplatePart::Variable { key, .. } => match key.as_str() {
                            k if k.eq_ignore_ascii_case("aws:username") => "alice".into(),
                            k if k.eq_ignore_ascii_case("aws:PrincipalAccount") => ACCOUNT.into(),
                            _ => "v".into(),
                        },
                    })
                    .collect::<String>()
            });
            match out.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(&c.key)) {
                Some((_, vs)) => vs.extend(values),
                None => out.push((c.key.clone(), values.collect())),
            }
        }
    }
    out
}

const PRINCIPALS: [&str; 5] = [
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:sts::123456789012:assumed-role/app/alice",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:iam::123456789012:root",
    "arn:aws:iam::210987654321:user/bob",
];

fn base_context(rng: &mut Rng) -> Context {
    let mut c = Context::default();
    let mut put = |k: &str, v: &str| c.insert(k, ContextValue::Single(v.to_string()));
    put("aws:username", "alice");
    put("aws:PrincipalAccount", ACCOUNT);
    put("aws:RequestedRegion", "us-east-1");
    put("aws:CurrentTime", "2024-06-01T12:00:00Z");
    put(
        "aws:SecureTransport",
        if rng.below(2) == 0 { "true" } else { "false" },
    );
    put("aws:SourceIp", "203.0.113.7");
    c
}

/// A request for `action`/`resource` with the base context, and for each condition key of
/// the policy: one of its own values (half the time), an empty list, or nothing.
fn request_for(
    rng: &mut Rng,
    action: &str,
    resource: &str,
    conditions: &[(String, Vec<String>)],
) -> Request {
    let mut context = base_context(rng);
    for (k, vs) in conditions {
        if context.get(k).is_some() {
            continue;
        }
        match rng.below(6) {
            0..=2 if !vs.is_empty() => {
                let v = vs[rng.below(vs.len())].clone();
                context.insert(k.clone(), ContextValue::Single(v));
            }
            3 => context.insert(k.clone(), ContextValue::Multi(Vec::new())),
            4 if !vs.is_empty() => {
                let v = vs[rng.below(vs.len())].clone();
                context.insert(k.clone(), ContextValue::Multi(vec![v, "other".into()]));
            }
            _ => {}
        }
    }
    Request {
        principal: PRINCIPALS[rng.below(PRINCIPALS.len())].to_string(),
        action: action.to_string(),
        resource: resource.to_string(),
        resource_account: None,
        context,
        unknown: Default::default(),
    }
}

fn describe(o: &Outcome) -> String {
    match &o.deciding {
        Some(Deciding::Statement(d)) => format!(
            "{} by {}[{}] statement {}",
            o.decision, d.kind, d.policy, d.statement
        ),
        Some(Deciding::Rule(r)) => format!("{} by built-in rule {}", o.decision, r.id()),
        None => o.decision.to_string(),
    }
}

/// Decide `requests` with both engines; mismatches as text.
fn compare(set: &ParsedSet, label: &str, requests: &[Request]) -> (usize, Vec<String>, [usize; 4]) {
    let compiled = iamc_tests::compile(set).expect("compiles");
    let mut scratch = compiled.create_scratch();
    let mut problems = Vec::new();
    let mut decisions = [0; 4];
    for r in requests {
        let want = iamc_reference::evaluate(set, r);
        let got =
            iamc_harness::adapter::with_runtime_request(r, |q| compiled.evaluate(&mut scratch, q))
                .unwrap_or(iamc_runtime::Outcome::MALFORMED);
        decisions[match want.decision {
            iamc_runtime::Decision::Allow => 0,
            iamc_runtime::Decision::ExplicitDeny => 1,
            iamc_runtime::Decision::ImplicitDeny => 2,
            iamc_runtime::Decision::Indeterminate(_) => 3,
        }] += 1;
        if want != got {
            problems.push(format!(
                "{label}: reference {} / compiled {} for {r:?}",
                describe(&want),
                describe(&got)
            ));
        }
    }
    (requests.len(), problems, decisions)
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8)
}

// E-2 … E-5, A-*, R-*, C-*, V-*: every managed policy alone agrees with the reference.
#[test]
fn every_managed_policy_alone_agrees_with_reference() {
    let (Some((policies, rejected)), Some(services)) = (managed_policies(), service_requests())
    else {
        return;
    };
    let trail = cloudtrail_requests();
    let by_prefix: HashMap<&str, &Vec<(String, String)>> =
        services.iter().map(|(p, v)| (p.as_str(), v)).collect();
    let all_pairs: Vec<&(String, String)> = services.iter().flat_map(|(_, v)| v).collect();
    let start = Instant::now();
    let n = threads();
    let chunk = policies.len().div_ceil(n);
    let results: Vec<(usize, Vec<String>, [usize; 4])> = std::thread::scope(|s| {
        let handles: Vec<_> = policies
            .chunks(chunk)
            .enumerate()
            .map(|(ci, part)| {
                let by_prefix = &by_prefix;
                let all_pairs = &all_pairs;
                let trail = &trail;
                s.spawn(move || {
                    let mut total = 0;
                    let mut problems = Vec::new();
                    let mut decisions = [0; 4];
                    for (pi, (name, policy)) in part.iter().enumerate() {
                        let index = ci * chunk + pi;
                        let mut rng = Rng(index as u64);
                        let conditions = condition_values(policy);
                        let mut requests = Vec::new();
                        for svc in services_named(policy).iter().take(8) {
                            let Some(pairs) = by_prefix.get(svc.as_str()) else {
                                continue;
                            };
                            let step = pairs.len().div_ceil(24).max(1);
                            for (a, r) in pairs.iter().step_by(step) {
                                requests.push(request_for(&mut rng, a, r, &conditions));
                            }
                        }
                        for _ in 0..8 {
                            let (a, r) = all_pairs[rng.below(all_pairs.len())];
                            requests.push(request_for(&mut rng, a, r, &conditions));
                        }
                        if !trail.is_empty() {
                            for k in 0..12 {
                                requests.push(trail[(index * 12 + k) % trail.len()].clone());
                            }
                        }
                        let set = ParsedSet {
                            identity: vec![policy.clone()],
                            ..ParsedSet::default()
                        };
                        let (c, p, d) = compare(&set, name, &requests);
                        total += c;
                        problems.extend(p);
                        for i in 0..3 {
                            decisions[i] += d[i];
                        }
                    }
                    (total, problems, decisions)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let total: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.1).collect();
    let d: Vec<usize> = (0..3)
        .map(|i| results.iter().map(|r| r.2[i]).sum())
        .collect();
    println!(
        "managed policies alone: {} policies ({rejected} rejected by the parser), {total} \
         comparisons in {:.1?}; allow {}, explicit_deny {}, implicit_deny {}; {} disagreements",
        policies.len(),
        start.elapsed(),
        d[0],
        d[1],
        d[2],
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .take(20)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(policies.len() > 1500 && total > 100_000 && d.iter().all(|x| *x > 100));
}

// E-3 … E-5 and the deciding statement over ~8,900 statements: all managed policies as one
// identity policy set agree with the reference.
#[test]
fn all_managed_policies_together_agree_with_reference() {
    let (Some((policies, _)), Some(services)) = (managed_policies(), service_requests()) else {
        return;
    };
    let trail = cloudtrail_requests();
    // Some managed policies deny everything (AWSDenyAll, quarantine policies), so with all of
    // them the first Deny decides every request; the set without the policies that hold a
    // Deny exercises the Allow side and its deciding statement over ~8,700 statements.
    let without_denies: Vec<Policy> = policies
        .iter()
        .map(|(_, p)| p)
        .filter(|p| {
            p.statements
                .iter()
                .all(|s| s.effect == iamc_compiler::ast::Effect::Allow)
        })
        .cloned()
        .collect();
    for (label, identity) in [
        (
            "all managed policies",
            policies.into_iter().map(|(_, p)| p).collect(),
        ),
        ("managed policies without a Deny", without_denies),
    ] {
        together(label, identity, &services, &trail);
    }
}

fn together(label: &str, identity: Vec<Policy>, services: &Services, trail: &[Request]) {
    let set = ParsedSet {
        identity,
        ..ParsedSet::default()
    };
    let conditions: Vec<(String, Vec<String>)> = set
        .identity
        .iter()
        .flat_map(condition_values)
        .take(200)
        .collect();
    let mut rng = Rng(7);
    let mut requests = Vec::new();
    for (_, pairs) in services {
        let step = pairs.len().div_ceil(3).max(1);
        for (a, r) in pairs.iter().step_by(step) {
            requests.push(request_for(&mut rng, a, r, &conditions));
        }
    }
    let from_services = requests.len();
    // Sample: at most 4,000 CloudTrail requests, evenly spaced.
    let step = trail.len().div_ceil(4000).max(1);
    requests.extend(trail.iter().step_by(step).cloned());
    let start = Instant::now();
    let n = threads();
    let chunk = requests.len().div_ceil(n);
    let set = &set;
    let results: Vec<(usize, Vec<String>, [usize; 4])> = std::thread::scope(|s| {
        let handles: Vec<_> = requests
            .chunks(chunk)
            .map(|part| s.spawn(move || compare(set, label, part)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("worker"))
            .collect()
    });
    let total: usize = results.iter().map(|r| r.0).sum();
    let problems: Vec<&String> = results.iter().flat_map(|r| &r.1).collect();
    let d: Vec<usize> = (0..3)
        .map(|i| results.iter().map(|r| r.2[i]).sum())
        .collect();
    println!(
        "{label} together ({} policies, {} statements): {total} comparisons \
         ({from_services} from the service reference, {} from CloudTrail) in {:.1?}; allow {}, \
         explicit_deny {}, implicit_deny {}; {} disagreements",
        set.identity.len(),
        set.identity
            .iter()
            .map(|p| p.statements.len())
            .sum::<usize>(),
        total - from_services,
        start.elapsed(),
        d[0],
        d[1],
        d[2],
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "{}",
        problems
            .iter()
            .take(20)
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(total > 1000);
}
