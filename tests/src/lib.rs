//! Shared helpers for iamc's integration tests.
//!
//! # Example
//! ```
//! use iamc_reference::request::Request;
//! use iamc_runtime::Decision;
//!
//! let set = iamc_tests::identity_set(
//!     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
//! );
//! let req = Request { principal: "arn:aws:iam::111122223333:user/a".into(),
//!     action: "s3:GetObject".into(), resource: "arn:aws:s3:::b/k".into(), ..Request::default() };
//! assert_eq!(iamc_reference::evaluate(&set, &req).decision, Decision::Allow);
//! ```
#![forbid(unsafe_code)]

/// The shared data folder and the repository root: the harness's, the one definition.
pub use iamc_harness::{repo_dir, shared_dir};

/// A policy set of one identity policy parsed from JSON text (panics with every error: test
/// input is meant to parse).
pub fn identity_set(doc: &str) -> iamc_compiler::ast::ParsedSet {
    let mut compiler = iamc_compiler::Compiler::default();
    compiler.add(
        iamc_compiler::ast::PolicyKind::Identity,
        0,
        "t.json",
        doc.as_bytes(),
    );
    compiler.into_ast().unwrap_or_else(|e| panic!("{e}"))
}

/// Compile an assembled set through the front door ([`iamc_compiler::Compiler::from_set`],
/// default config), as the harness's compiled engine does.
pub fn compile(
    set: &iamc_compiler::ast::ParsedSet,
) -> Result<iamc_runtime::PolicySet, iamc_compiler::CompileErrors> {
    iamc_compiler::Compiler::from_set(iamc_compiler::Config::default(), set.clone()).build()
}

/// The IR [`compile`] hands the runtime ([`iamc_compiler::Compiler::build_ir`], default
/// config): what an artifact holds.
pub fn ir(
    set: &iamc_compiler::ast::ParsedSet,
) -> Result<iamc_runtime::ir::PolicySetIr, iamc_compiler::CompileErrors> {
    iamc_compiler::Compiler::from_set(iamc_compiler::Config::default(), set.clone()).build_ir()
}

/// The realistic benchmark's requests (all share one policy set), or `None` (with a note)
/// when the shared data is not beside the repo.
pub fn realistic_requests() -> Option<Vec<iamc_harness::scenario::ScenarioRequest>> {
    let path = shared_dir().join("bench/realistic.json");
    if !path.exists() {
        println!("note: {} not found; skipping", path.display());
        return None;
    }
    let loaded = iamc_harness::scenario::load_file(&path).expect("realistic.json loads");
    Some(
        loaded
            .scenarios
            .into_iter()
            .flat_map(|s| s.requests)
            .collect(),
    )
}

/// `requests` with their context keys interned by `set` (keys it does not use dropped, as
/// [`iamc_runtime::PolicySet::key_id`] gives them), handed to `f`.
pub fn with_interned<R>(
    set: &iamc_runtime::PolicySet,
    requests: &[iamc_runtime::Request<'_>],
    f: impl FnOnce(&[iamc_runtime::InternedRequest<'_>]) -> R,
) -> R {
    let contexts: Vec<Vec<_>> = requests
        .iter()
        .map(|r| {
            r.context
                .entries()
                .iter()
                .filter_map(|(k, v)| set.key_id(k).map(|id| (id, *v)))
                .collect()
        })
        .collect();
    let interned: Vec<_> = requests
        .iter()
        .zip(&contexts)
        .map(|(r, c)| iamc_runtime::InternedRequest {
            principal: r.principal,
            action: r.action,
            resource: r.resource,
            resource_account: r.resource_account,
            // A context by name has no key twice, so neither has its interned form.
            context: set.intern_context(c).expect("a checked context interns"),
        })
        .collect();
    f(&interned)
}
