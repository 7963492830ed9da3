//! Peer comparison, in one session: iamc (compiled and reference), the Rust crate `iam-rs`
//! (dev-dependency of this crate only) and the peer simulator (`$IAMC_SHARED/oracle/run bench`,
//! every engine mode) on the `single` and `realistic` workloads of `$IAMC_SHARED/bench/`.
//! Prints one markdown table: median ns per decision, ratio to iamc compiled, and how many of
//! the 1,000 requests each engine decides differently from iamc.
//!
//!     cargo run --release -p iamc-bench --example peers [-- --runs 15 --no-oracle]
//!
//! `iam-rs` evaluates one list of policies to Allow / Deny / NotApplicable. It is layered here
//! the way the spec layers policy types: any Deny (identity, boundary, any SCP level) is an
//! explicit deny; otherwise allow needs an identity Allow, a boundary Allow when there is a
//! boundary, and an Allow at every SCP level. Its typed conditions need JSON booleans and
//! numbers, so the adapter converts `Bool*` / `Numeric*` condition values and context values
//! (`"true"`/`"false"`, digit strings, RFC 3339 times) to those types; every request it rejects
//! (an error, e.g. a resource that is not an ARN) is counted as a disagreement.

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use iam_rs::{
    Arn, Context, ContextValue, Decision, EvaluationOptions, IAMPolicy, IAMRequest,
    PolicyEvaluator, Principal, PrincipalId,
};
use iamc_bench::{compile, shared_dir, RuntimeRequests, Workload};

/// Median of per-run ns/decision, `runs` runs after one warm-up run.
fn median_ns(runs: usize, n: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_nanos() as f64 / n as f64
        })
        .collect();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn slot(d: iamc_runtime::Decision) -> u8 {
    match d {
        iamc_runtime::Decision::Allow => 0,
        iamc_runtime::Decision::ExplicitDeny => 1,
        iamc_runtime::Decision::ImplicitDeny => 2,
        iamc_runtime::Decision::Indeterminate(_) => 3,
    }
}

/// iam-rs policies of one scenario file, by layer.
struct IamRsSet {
    identity: PolicyEvaluator,
    boundary: Option<PolicyEvaluator>,
    scps: Vec<PolicyEvaluator>,
}

fn convert_conditions(v: &mut serde_json::Value) {
    let Some(stmts) = v.get_mut("Statement") else {
        return;
    };
    let list: Vec<&mut serde_json::Value> = match stmts {
        serde_json::Value::Array(a) => a.iter_mut().collect(),
        o => vec![o],
    };
    for s in list {
        let Some(cond) = s.get_mut("Condition").and_then(|c| c.as_object_mut()) else {
            continue;
        };
        for (op, block) in cond.iter_mut() {
            let to_bool = op.contains("Bool");
            let to_num = op.contains("Numeric");
            let Some(block) = block.as_object_mut() else {
                continue;
            };
            for (_, vals) in block.iter_mut() {
                let conv = |x: &mut serde_json::Value| {
                    if let Some(s) = x.as_str() {
                        if to_bool {
                            if let Ok(b) = s.parse::<bool>() {
                                *x = serde_json::Value::Bool(b);
                            }
                        } else if to_num {
                            if let Ok(n) = s.parse::<f64>() {
                                *x = serde_json::json!(n);
                            }
                        }
                    }
                };
                match vals {
                    serde_json::Value::Array(a) => a.iter_mut().for_each(conv),
                    x => conv(x),
                }
            }
        }
    }
}

fn evaluator(docs: &[serde_json::Value]) -> Result<PolicyEvaluator, String> {
    let policies = docs
        .iter()
        .map(|d| {
            let mut d = d.clone();
            convert_conditions(&mut d);
            IAMPolicy::from_json(&d.to_string()).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(
        PolicyEvaluator::with_policies(policies).with_options(EvaluationOptions {
            max_statements: usize::MAX,
            ..EvaluationOptions::default()
        }),
    )
}

fn iam_rs_set(scenario: &serde_json::Value) -> Result<IamRsSet, String> {
    let list =
        |k: &str| -> Vec<serde_json::Value> { scenario[k].as_array().cloned().unwrap_or_default() };
    let boundaries = list("permission_boundaries");
    Ok(IamRsSet {
        identity: evaluator(&list("identity_policies"))?,
        boundary: if boundaries.is_empty() {
            None
        } else {
            Some(evaluator(&boundaries)?)
        },
        scps: list("scps")
            .iter()
            .map(|level| evaluator(level.as_array().map(Vec::as_slice).unwrap_or(&[])))
            .collect::<Result<_, _>>()?,
    })
}

fn iam_rs_request(r: &serde_json::Value) -> Option<IAMRequest> {
    let resource = Arn::parse(r["resource"].as_str()?).ok()?;
    let mut ctx = Context::new();
    if let Some(o) = r["context"].as_object() {
        for (k, v) in o {
            let cv = match v {
                serde_json::Value::Array(a) => ContextValue::StringList(
                    a.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                ),
                serde_json::Value::String(s) => {
                    if let Ok(b) = s.parse::<bool>() {
                        ContextValue::Boolean(b)
                    } else if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
                        ContextValue::Number(s.parse().ok()?)
                    } else if let Ok(t) = chrono_like(s) {
                        t
                    } else {
                        ContextValue::String(s.clone())
                    }
                }
                other => ContextValue::String(other.to_string()),
            };
            ctx.insert(k.clone(), cv);
        }
    }
    Some(IAMRequest::new_with_context(
        Principal::Aws(PrincipalId::String(r["principal"].as_str()?.to_string())),
        r["action"].as_str()?,
        resource,
        ctx,
    ))
}

/// An RFC 3339 time as iam-rs's DateTime context value (through its serde form).
fn chrono_like(s: &str) -> Result<ContextValue, ()> {
    if s.len() < 20 || s.as_bytes().get(4) != Some(&b'-') || !s.contains('T') {
        return Err(());
    }
    // ContextValue is untagged: a string that parses as a DateTime deserializes to String
    // first, so build it from the typed variant's own serde representation.
    let v: Result<ContextValue, _> = serde_json::from_value(serde_json::json!(s));
    match v {
        Ok(ContextValue::String(_)) | Err(_) => {
            let dt = s.parse().map_err(|_| ())?;
            Ok(ContextValue::DateTime(dt))
        }
        Ok(other) => Ok(other),
    }
}

/// The layered iam-rs decision: 0 allow, 1 explicit deny, 2 implicit deny, 3 error.
fn iam_rs_decide(set: &IamRsSet, req: &IAMRequest) -> u8 {
    let mut allow = true;
    let layers = std::iter::once(&set.identity)
        .chain(set.boundary.as_ref())
        .chain(&set.scps);
    for ev in layers {
        match ev.evaluate(req).map(|r| r.decision) {
            Ok(Decision::Deny) => return 1,
            Ok(Decision::Allow) => {}
            Ok(Decision::NotApplicable) => allow = false,
            Err(_) => return 3,
        }
    }
    if allow {
        0
    } else {
        2
    }
}

struct Row {
    set: String,
    engine: String,
    ns: Option<f64>,
    disagree: String,
    note: String,
}

fn measure(name: &str, file: &str, runs: usize, rows: &mut Vec<Row>) -> Vec<u8> {
    let path = shared_dir().join("bench").join(file);
    let w: Workload = iamc_bench::from_scenarios(name, path.clone());
    let set = compile(&w);
    let n = w.requests.len();
    let rr = RuntimeRequests::new(&w.requests);
    let ctxs: Vec<_> = (0..n).map(|i| rr.context(i)).collect();
    let reqs: Vec<iamc_runtime::Request<'_>> = w
        .requests
        .iter()
        .zip(&ctxs)
        .map(|(r, ctx)| {
            iamc_harness::adapter::runtime_request(r, ctx)
                .expect("workload requests are well-formed (K-2)")
        })
        .collect();
    let mut scratch = set.create_scratch();
    let iamc: Vec<u8> = reqs
        .iter()
        .map(|r| slot(set.evaluate(&mut scratch, r).decision))
        .collect();
    let reference: Vec<u8> = w
        .requests
        .iter()
        .map(|r| slot(iamc_reference::evaluate(&w.set, r).decision))
        .collect();
    let compiled_ns = median_ns(runs, n, || {
        for r in &reqs {
            black_box(set.evaluate(&mut scratch, black_box(r)));
        }
    });
    rows.push(Row {
        set: name.into(),
        engine: "iamc compiled".into(),
        ns: Some(compiled_ns),
        disagree: "0 (itself)".into(),
        note: format!("{n} requests"),
    });
    let ref_ns = median_ns(runs.min(7), n, || {
        for r in &w.requests {
            black_box(iamc_reference::evaluate(&w.set, black_box(r)));
        }
    });
    rows.push(Row {
        set: name.into(),
        engine: "iamc reference".into(),
        ns: Some(ref_ns),
        disagree: iamc
            .iter()
            .zip(&reference)
            .filter(|(a, b)| a != b)
            .count()
            .to_string(),
        note: String::new(),
    });

    // iam-rs.
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let scenario = doc["scenarios"][0].clone();
    match iam_rs_set(&scenario) {
        Err(e) => rows.push(Row {
            set: name.into(),
            engine: "iam-rs 0.8.0".into(),
            ns: None,
            disagree: "-".into(),
            note: format!("cannot load the policies: {e}"),
        }),
        Ok(rs) => {
            let raw = scenario["requests"].as_array().cloned().unwrap_or_default();
            let rs_reqs: Vec<Option<IAMRequest>> = raw.iter().map(iam_rs_request).collect();
            let unexpressed = rs_reqs.iter().filter(|r| r.is_none()).count();
            let decided: Vec<u8> = rs_reqs
                .iter()
                .map(|r| r.as_ref().map_or(3, |r| iam_rs_decide(&rs, r)))
                .collect();
            let errors = decided.iter().filter(|&&d| d == 3).count();
            let dis = iamc.iter().zip(&decided).filter(|(a, b)| a != b).count();
            let ok: Vec<&IAMRequest> = rs_reqs.iter().flatten().collect();
            let ns = median_ns(runs.min(7), ok.len().max(1), || {
                for r in &ok {
                    black_box(iam_rs_decide(&rs, black_box(r)));
                }
            });
            rows.push(Row {
                set: name.into(),
                engine: "iam-rs 0.8.0 (layered)".into(),
                ns: Some(ns),
                disagree: dis.to_string(),
                note: format!(
                    "{unexpressed} requests not expressible, {} evaluation errors",
                    errors - unexpressed
                ),
            });
        }
    }
    iamc
}

/// Decisions of the peer simulator on a scenario file, in request order.
fn oracle_decisions(file: &str) -> Option<Vec<u8>> {
    let run = shared_dir().join("oracle/run");
    let out = Command::new(run)
        .arg(shared_dir().join("bench").join(file))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| match v["decision"].as_str() {
                Some("allow") => 0,
                Some("explicit_deny") => 1,
                Some("implicit_deny") => 2,
                _ => 3,
            })
            .collect(),
    )
}

fn main() {
    let mut runs = 15;
    let mut oracle = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|s| s.parse().ok()).unwrap_or(runs),
            "--no-oracle" => oracle = false,
            _ => {
                eprintln!("usage: peers [--runs N] [--no-oracle]");
                std::process::exit(2);
            }
        }
    }
    let mut rows = Vec::new();
    let mut iamc = Vec::new();
    for (name, file) in [("realistic", "realistic.json"), ("single", "single.json")] {
        iamc.push((name, file, measure(name, file, runs, &mut rows)));
    }
    if oracle {
        let out = Command::new(shared_dir().join("oracle/run"))
            .args(["bench", "--json", "--sets=realistic,single"])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
                let node = v["node"].as_str().unwrap_or("?").to_string();
                for (name, file, decisions) in &iamc {
                    let dis = oracle_decisions(file).map(|d| {
                        if d.len() != decisions.len() {
                            format!("? ({} of {} decided)", d.len(), decisions.len())
                        } else {
                            d.iter()
                                .zip(decisions)
                                .filter(|(a, b)| a != b)
                                .count()
                                .to_string()
                        }
                    });
                    for r in v["results"].as_array().into_iter().flatten() {
                        if r["set"].as_str() != Some(name) {
                            continue;
                        }
                        rows.push(Row {
                            set: name.to_string(),
                            engine: format!(
                                "peer simulator: {}",
                                r["engine"].as_str().unwrap_or("?")
                            ),
                            ns: r["us_per_decision_median"].as_f64().map(|u| u * 1e3),
                            disagree: dis.clone().unwrap_or_else(|| "?".into()),
                            note: format!("node {node}, N={} runs={}", r["n"], r["runs"]),
                        });
                    }
                }
            }
            Ok(o) => eprintln!(
                "peers: oracle bench failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ),
            Err(e) => eprintln!("peers: cannot run the oracle: {e}"),
        }
    }
    println!("| set | engine | median ns/decision | × iamc compiled | disagreements with iamc (of 1,000) | note |");
    println!("|---|---|---:|---:|---:|---|");
    for r in &rows {
        let base = rows
            .iter()
            .find(|b| b.set == r.set && b.engine == "iamc compiled")
            .and_then(|b| b.ns);
        let (ns, ratio) = match (r.ns, base) {
            (Some(ns), Some(b)) => (format!("{ns:.0}"), format!("{:.1}", ns / b)),
            (Some(ns), None) => (format!("{ns:.0}"), "-".into()),
            _ => ("-".into(), "-".into()),
        };
        println!(
            "| {} | {} | {ns} | {ratio} | {} | {} |",
            r.set, r.engine, r.disagree, r.note
        );
    }
}
