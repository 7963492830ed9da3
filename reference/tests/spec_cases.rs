//! Every conformance case in `<shared>/spec/cases/*.json` through the reference interpreter.
//!
//! A small loader of its own (the real scenario loader lives in the compiler): request-level
//! policy fields override scenario-level ones; context strings are single values, arrays are
//! lists, JSON numbers and booleans are their text (K-2). All disagreements are listed at once.

use std::path::PathBuf;
use std::sync::Arc;

use iamc_compiler::ast::{Policy, PolicyKind, PolicySet};
use iamc_compiler::json::{parse_bytes, Json};
use iamc_compiler::parse::parse_policy_json;
use iamc_compiler::request::{Context, ContextValue, Request};
use iamc_compiler::Limits;

fn shared_dir() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The request-level field if present, else the scenario-level one.
fn field<'a>(request: &'a Json, scenario: &'a Json, name: &str) -> Option<&'a Json> {
    request.get(name).or_else(|| scenario.get(name))
}

fn policy(source: &str, doc: &Json, kind: PolicyKind) -> Result<Policy, String> {
    parse_policy_json(Arc::from(source), doc, kind, &Limits::default())
        .map(|p| p.policy)
        .map_err(|e| format!("{source}: {:?}", e.first()))
}

fn policies(source: &str, doc: Option<&Json>, kind: PolicyKind) -> Result<Vec<Policy>, String> {
    match doc {
        None | Some(Json::Null) => Ok(Vec::new()),
        Some(Json::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, d)| policy(&format!("{source}[{i}]"), d, kind))
            .collect(),
        Some(d) => policy(source, d, kind).map(|p| vec![p]),
    }
}

fn levels(source: &str, doc: Option<&Json>, kind: PolicyKind) -> Result<Vec<Vec<Policy>>, String> {
    match doc {
        Some(Json::Array(levels)) => levels
            .iter()
            .enumerate()
            .map(|(l, level)| policies(&format!("{source}[{l}]"), Some(level), kind))
            .collect(),
        _ => Ok(Vec::new()),
    }
}

fn scalar_text(v: &Json) -> Result<String, String> {
    match v {
        Json::String(s) | Json::Number(s) => Ok(s.clone()),
        Json::Bool(b) => Ok(b.to_string()),
        other => Err(format!("context value is {}", other.type_name())),
    }
}

fn context(doc: Option<&Json>) -> Result<Context, String> {
    let mut ctx = Context::default();
    if let Some(Json::Object(members)) = doc {
        for (key, value) in members {
            let value = match value {
                Json::Array(items) => {
                    ContextValue::Multi(items.iter().map(scalar_text).collect::<Result<_, _>>()?)
                }
                v => ContextValue::Single(scalar_text(v)?),
            };
            ctx.insert(key.clone(), value);
        }
    }
    Ok(ctx)
}

fn text(doc: Option<&Json>) -> Option<String> {
    doc.and_then(Json::as_str).map(str::to_string)
}

fn build(src: &str, scenario: &Json, request: &Json) -> Result<(PolicySet, Request), String> {
    let f = |name| field(request, scenario, name);
    let set = PolicySet {
        identity: policies(
            &format!("{src}.identity"),
            f("identity_policies"),
            PolicyKind::Identity,
        )?,
        resource: policies(
            &format!("{src}.resource"),
            f("resource_policy"),
            PolicyKind::Resource,
        )?
        .pop(),
        boundaries: policies(
            &format!("{src}.boundary"),
            f("permission_boundaries"),
            PolicyKind::Boundary,
        )?,
        session: policies(
            &format!("{src}.session"),
            f("session_policy"),
            PolicyKind::Session,
        )?
        .pop(),
        scps: levels(&format!("{src}.scps"), f("scps"), PolicyKind::Scp)?,
        rcps: levels(&format!("{src}.rcps"), f("rcps"), PolicyKind::Rcp)?,
        management_account: text(f("management_account")),
        rcp_services: match f("rcp_services") {
            Some(Json::Array(list)) => list
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            _ => iamc_compiler::ast::default_rcp_services(),
        },
    };
    let req = Request {
        principal: text(request.get("principal")).unwrap_or_default(),
        action: text(request.get("action")).unwrap_or_default(),
        resource: text(request.get("resource")).unwrap_or_default(),
        resource_account: text(request.get("resource_account")),
        context: context(request.get("context"))?,
    };
    Ok((set, req))
}

#[test]
fn every_spec_case_agrees() {
    let dir = shared_dir().join("spec/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let (mut total, mut failures) = (0, Vec::new());
    for path in &files {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let doc = parse_bytes(&bytes, 64).unwrap_or_else(|e| panic!("{name}: {e}"));
        let Some(Json::Array(scenarios)) = doc.get("scenarios") else {
            panic!("{name}: no scenarios array");
        };
        for scenario in scenarios {
            let Some(Json::Array(requests)) = scenario.get("requests") else {
                continue;
            };
            let sname = text(scenario.get("name")).unwrap_or_default();
            for request in requests {
                total += 1;
                let id = text(request.get("id")).unwrap_or_default();
                let expect = text(request.get("expect")).unwrap_or_default();
                let got = match build(&format!("{name}#{sname}/{id}"), scenario, request) {
                    Ok((set, req)) => iamc_reference::evaluate(&set, &req).decision.to_string(),
                    Err(e) => format!("load error: {e}"),
                };
                if got != expect {
                    failures.push(format!("{name} {id}: expected {expect}, got {got}"));
                }
            }
        }
    }
    assert!(total > 0, "no spec cases found under {}", dir.display());
    assert!(
        failures.is_empty(),
        "{} of {total} spec-case requests disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{total} spec-case requests agree");
}
