//! Shared helpers for iamc's integration tests.

use std::path::PathBuf;

/// The `shared/` folder beside the repository: `$IAMC_SHARED`, else `../shared` from the
/// workspace root.
pub fn shared_dir() -> PathBuf {
    match std::env::var_os("IAMC_SHARED") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"),
    }
}

/// The repository root.
pub fn repo_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A policy set of one identity policy parsed from JSON text (panics with the first parse
/// error: test input is meant to parse).
pub fn identity_set(doc: &str) -> iamc_compiler::ast::PolicySet {
    let p = iamc_compiler::parse::parse_policy(
        "t.json",
        doc.as_bytes(),
        iamc_compiler::ast::PolicyKind::Identity,
        &iamc_compiler::Limits::default(),
    )
    .unwrap_or_else(|e| panic!("{}", e[0]));
    iamc_compiler::ast::PolicySet {
        identity: vec![p.policy],
        ..iamc_compiler::ast::PolicySet::default()
    }
}

/// The list values of an owned request's context, borrowed (empty for single values): the
/// storage [`borrowed_context`] points into.
pub fn list_values(r: &iamc_compiler::request::Request) -> Vec<Vec<&str>> {
    use iamc_compiler::request::ContextValue;
    r.context
        .entries
        .iter()
        .map(|(_, v)| match v {
            ContextValue::Multi(l) => l.iter().map(String::as_str).collect(),
            ContextValue::Single(_) => Vec::new(),
        })
        .collect()
}

/// An owned request's context as the runtime takes it: borrowed names and values.
pub fn borrowed_context<'a>(
    r: &'a iamc_compiler::request::Request,
    lists: &'a [Vec<&'a str>],
) -> Vec<(&'a str, iamc_runtime::Value<'a>)> {
    use iamc_compiler::request::ContextValue;
    r.context
        .entries
        .iter()
        .zip(lists)
        .map(|((k, v), l)| {
            let v = match v {
                ContextValue::Single(s) => iamc_runtime::Value::Single(s.as_str()),
                ContextValue::Multi(_) => iamc_runtime::Value::Multi(l.as_slice()),
            };
            (k.as_str(), v)
        })
        .collect()
}

/// The realistic benchmark's requests (all share one policy set), or `None` (with a note)
/// when the shared data is not beside the repo.
pub fn realistic_requests() -> Option<Vec<iamc_compiler::scenario::ScenarioRequest>> {
    let path = shared_dir().join("bench/realistic.json");
    if !path.exists() {
        println!("note: {} not found; skipping", path.display());
        return None;
    }
    let loaded = iamc_compiler::scenario::load_file(&path).expect("realistic.json loads");
    Some(
        loaded
            .scenarios
            .into_iter()
            .flat_map(|s| s.requests)
            .collect(),
    )
}

/// A scenario request as the runtime takes it, its context borrowed from `context` (see
/// [`borrowed_context`]).
pub fn runtime_request<'a>(
    r: &'a iamc_compiler::scenario::ScenarioRequest,
    context: &'a [(&'a str, iamc_runtime::Value<'a>)],
) -> iamc_runtime::Request<'a> {
    iamc_runtime::Request {
        principal: &r.request.principal,
        action: &r.request.action,
        resource: &r.request.resource,
        resource_account: r.request.resource_account.as_deref(),
        context,
    }
}
