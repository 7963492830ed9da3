//! Renderings shared by several commands (`eval`, `explain`, `compile`, `inspect`): what an
//! indeterminate decision depends on, as JSON, and the RCP-services summary line. Kept in a
//! module of their own so the commands that print them do not import one another.

use iamc_compiler::ast::{ParsedSet, PolicyRef};
use iamc_runtime::DependsOn;
use serde_json::{json, Value};

/// E-21: `{"keys": [...], "resource": bool, "opaque": [{kind, level, policy, statement,
/// name, rule}]}`.
pub fn depends_on_json(set: &ParsedSet, d: &DependsOn) -> Value {
    let opaque: Vec<Value> = d
        .opaque
        .iter()
        .map(|(s, rule)| {
            json!({
                "kind": s.kind.as_str(),
                "level": s.level,
                "policy": s.policy,
                "statement": s.statement,
                "name": set.policy(PolicyRef::of(*s)).map(|p| p.source.to_string()),
                "rule": rule,
            })
        })
        .collect();
    json!({"keys": d.keys, "resource": d.resource, "opaque": opaque})
}

/// The summary line naming the services RCPs applied to (E-10).
pub fn rcp_services_line(list: &[String]) -> String {
    let default = iamc_compiler::ast::default_rcp_services();
    let which = if list == default.as_slice() {
        " (the default list)"
    } else {
        ""
    };
    if list.is_empty() {
        "RCP services (E-10): none, so RCPs applied to no request".to_string()
    } else {
        format!("RCP services (E-10): {}{which}", list.join(", "))
    }
}
