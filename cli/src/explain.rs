//! `iamc eval --explain`: the reference interpreter's [`Explanation`] of a decision, as the
//! `"explain"` object of a JSON line ([`explain_json`]) and as a readable trace
//! ([`explain_text`]).
//!
//! Convention: `--explain` (or `--explain=json`) adds `"explain"` to every JSON line on
//! stdout and prints the trace of each request on stderr; `--explain=text` prints only the
//! traces, on stdout, instead of the JSON lines. The summary stays on stderr either way.
//! Explanations are computed only with `--explain`, once per request, over the AST.

use iamc_compiler::ast::{Effect, ParsedSet};
use iamc_harness::request::Request;
use iamc_reference::explain::{Explanation, Failed, Missing, Named, Why};
use iamc_runtime::Decision;
use serde_json::{json, Value};

use crate::render::depends_on_json;

/// How `--explain` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainMode {
    /// `"explain"` in every JSON line (stdout), and a readable trace per request on stderr.
    Json,
    /// Only the readable trace, on stdout (no JSON lines).
    Text,
}

fn effect(e: Effect) -> &'static str {
    match e {
        Effect::Allow => "Allow",
        Effect::Deny => "Deny",
    }
}

fn named_json(n: &Named) -> Value {
    json!({
        "kind": n.at.kind.as_str(),
        "level": n.at.level,
        "policy": n.at.policy,
        "statement": n.at.statement,
        "sid": n.sid,
        "name": n.name,
        "effect": effect(n.effect),
    })
}

/// The `"explain"` object: `decision`, `deciding` (named, or null), and for an implicit deny
/// `near_misses` and `missing`, for an indeterminate decision `unknowns`.
pub fn explain_json(set: &ParsedSet, e: &Explanation) -> Value {
    let mut obj = serde_json::Map::new();
    obj.insert("decision".into(), json!(e.outcome.decision.as_str()));
    obj.insert(
        "deciding".into(),
        e.deciding.as_ref().map_or(Value::Null, named_json),
    );
    match e.outcome.decision {
        Decision::ImplicitDeny => {
            let near: Vec<Value> = e
                .near_misses
                .iter()
                .map(|m| {
                    let mut v = named_json(&m.statement);
                    v["failed"] = match &m.failed {
                        Failed::Principal => json!({"part": "principal"}),
                        Failed::Condition(c) => {
                            let mut f = json!({
                                "part": "condition",
                                "operator": c.operator,
                                "key": c.key,
                                "why": c.why.code(),
                                "request_values": c.request_values,
                                "policy_values": c.policy_values,
                                "path": c.path,
                            });
                            if let Why::ValueUnparseable { value } = &c.why {
                                f["unparseable"] = json!(value);
                            }
                            f
                        }
                    };
                    v
                })
                .collect();
            obj.insert("near_misses".into(), Value::Array(near));
            let missing: Vec<Value> = e
                .missing
                .iter()
                .map(|m| {
                    let mut v = json!({"what": m.code(), "text": m.describe()});
                    if let Missing::ScpLevel(l) = m {
                        v["level"] = json!(l);
                    }
                    v
                })
                .collect();
            obj.insert("missing".into(), Value::Array(missing));
        }
        Decision::Indeterminate(_) => {
            obj.insert("unknowns".into(), depends_on_json(set, &e.unknowns));
        }
        Decision::Allow | Decision::ExplicitDeny => {}
    }
    Value::Object(obj)
}

fn why_text(w: &Why) -> String {
    match w {
        Why::KeyAbsent => "key absent".into(),
        Why::ValueDiffers => "value differs".into(),
        Why::ValueUnparseable { value } => {
            format!("value {value:?} does not parse as the operator's type (C-17)")
        }
        Why::Multivalued => "a plain operator on a multivalued value is false (C-24)".into(),
    }
}

/// The readable trace of one request: a heading line, then one indented line per fact.
pub fn explain_text(heading: &str, req: &Request, set: &ParsedSet, e: &Explanation) -> String {
    let resource = if req.unknown.resource {
        "(unknown resource)"
    } else {
        req.resource.as_str()
    };
    let mut t = format!(
        "{heading}: {} {} on {resource} -> {}\n",
        req.principal, req.action, e.outcome.decision
    );
    if let Some(d) = &e.deciding {
        t.push_str(&format!(
            "  deciding: {} ({}, {} policy)\n",
            d.label(),
            effect(d.effect),
            d.at.kind
        ));
    }
    match e.outcome.decision {
        Decision::ImplicitDeny => {
            if e.near_misses.is_empty() {
                t.push_str("  near misses: none (no statement matches the action and resource)\n");
            }
            for m in &e.near_misses {
                let what = match &m.failed {
                    Failed::Principal => "its principal does not match".to_string(),
                    Failed::Condition(c) => format!(
                        "{} {:?} {:?} (request {:?}): {}",
                        c.operator,
                        c.key,
                        c.policy_values,
                        c.request_values,
                        why_text(&c.why)
                    ),
                };
                t.push_str(&format!(
                    "  near miss: {} ({}): {what}\n",
                    m.statement.label(),
                    effect(m.statement.effect)
                ));
            }
            for m in &e.missing {
                t.push_str(&format!("  missing: {}\n", m.describe()));
            }
        }
        Decision::Indeterminate(p) => {
            t.push_str(&format!(
                "  possible: {}\n",
                p.names().collect::<Vec<_>>().join(", ")
            ));
            let u = &e.unknowns;
            if !u.keys.is_empty() {
                t.push_str(&format!("  unknown keys: {}\n", u.keys.join(", ")));
            }
            if u.resource {
                t.push_str("  the unknown resource is read\n");
            }
            for (r, rule) in &u.opaque {
                let name =
                    iamc_reference::explain::policy_at(set, iamc_compiler::ast::PolicyRef::of(*r))
                        .map_or_else(String::new, |p| p.source.to_string());
                t.push_str(&format!(
                    "  opaque statement: {name} statement {} ({rule})\n",
                    r.statement
                ));
            }
        }
        Decision::Allow | Decision::ExplicitDeny => {}
    }
    t
}
