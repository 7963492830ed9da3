//! Engines behind one interface, so `iamc eval` can run any of them (or several and compare).
//!
//! An engine works in two steps, which is the shape a compiling engine needs:
//! 1. [`Engine::prepare`] takes a parsed [`PolicySet`] once (the compiled engine lowers it into
//!    its runtime form here; the reference engine just keeps it);
//! 2. [`Prepared::decide`] decides any number of requests against the prepared set.
//!
//! Scenario requests that share a policy set share one `Arc`, so callers prepare once per
//! distinct `Arc` (see [`crate::eval`]).
//!
//! To add an engine: implement [`Engine`], add a variant to [`EngineChoice`] and list it in
//! [`EngineChoice::engines`].

use std::sync::Arc;

use iamc_compiler::ast::PolicySet;
use iamc_compiler::decision::{DependsOn, Outcome};
use iamc_compiler::request::Request;

/// A way of deciding requests (DESIGN.md, "Evaluation, exactly").
pub trait Engine {
    /// The engine's name, as printed in the `engine` field of `iamc eval` output.
    fn name(&self) -> &str;

    /// Prepare a policy set for deciding requests (compile it, for a compiling engine).
    /// An `Err` is reported for every request that needs this set.
    fn prepare(&self, set: &Arc<PolicySet>) -> Result<Box<dyn Prepared>, String>;
}

/// A policy set prepared by an [`Engine`].
pub trait Prepared {
    /// Decide one request (E-1). An `Err` means the engine could not decide it (for example a
    /// request over a runtime limit); it is reported, never turned into a decision.
    fn decide(&self, request: &Request) -> Result<Outcome, String>;

    /// What an indeterminate decision of `request` depends on (E-21); computed on request,
    /// so plain decisions never pay for it.
    fn depends_on(&self, request: &Request) -> Result<DependsOn, String>;
}

/// The reference interpreter (`iamc_reference::evaluate`): the plain rule-by-rule engine every
/// other engine is checked against.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReferenceEngine;

struct ReferencePrepared {
    set: Arc<PolicySet>,
}

impl Engine for ReferenceEngine {
    fn name(&self) -> &str {
        "reference"
    }

    fn prepare(&self, set: &Arc<PolicySet>) -> Result<Box<dyn Prepared>, String> {
        Ok(Box::new(ReferencePrepared {
            set: Arc::clone(set),
        }))
    }
}

impl Prepared for ReferencePrepared {
    fn decide(&self, request: &Request) -> Result<Outcome, String> {
        Ok(iamc_reference::evaluate(&self.set, request))
    }

    fn depends_on(&self, request: &Request) -> Result<DependsOn, String> {
        Ok(iamc_reference::depends_on(&self.set, request))
    }
}

/// The compiled engine: lowers the set once into an `iamc_runtime::PolicySet`, then decides
/// with the zero-allocation runtime (one reusable scratch per prepared set).
#[derive(Clone, Copy, Debug, Default)]
pub struct CompiledEngine;

struct CompiledPrepared {
    set: iamc_runtime::PolicySet,
    scratch: std::cell::RefCell<iamc_runtime::Scratch>,
}

impl Engine for CompiledEngine {
    fn name(&self) -> &str {
        "compiled"
    }

    fn prepare(&self, set: &Arc<PolicySet>) -> Result<Box<dyn Prepared>, String> {
        let set = iamc_compiler::lower::compile(set).map_err(|e| e.to_string())?;
        let scratch = std::cell::RefCell::new(set.create_scratch());
        Ok(Box::new(CompiledPrepared { set, scratch }))
    }
}

impl Prepared for CompiledPrepared {
    fn decide(&self, request: &Request) -> Result<Outcome, String> {
        let mut scratch = self
            .scratch
            .try_borrow_mut()
            .map_err(|_| "compiled engine used re-entrantly".to_string())?;
        Ok(iamc_compiler::lower::decide(
            &self.set,
            &mut scratch,
            request,
        ))
    }

    fn depends_on(&self, request: &Request) -> Result<DependsOn, String> {
        let mut scratch = self
            .scratch
            .try_borrow_mut()
            .map_err(|_| "compiled engine used re-entrantly".to_string())?;
        Ok(iamc_compiler::lower::depends_on(
            &self.set,
            &mut scratch,
            request,
        ))
    }
}

/// The compiled engine over a compiled artifact: the set is lowered, written with
/// `PolicySet::to_bytes` and loaded back with `PolicySet::from_bytes` before deciding, so
/// every request checks that a loaded artifact decides like the set it was written from.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArtifactEngine;

impl Engine for ArtifactEngine {
    fn name(&self) -> &str {
        "artifact"
    }

    fn prepare(&self, set: &Arc<PolicySet>) -> Result<Box<dyn Prepared>, String> {
        let compiled = iamc_compiler::lower::compile(set).map_err(|e| e.to_string())?;
        let set = iamc_runtime::PolicySet::from_bytes(&compiled.to_bytes())
            .map_err(|e| format!("artifact does not load: {e}"))?;
        let scratch = std::cell::RefCell::new(set.create_scratch());
        Ok(Box::new(CompiledPrepared { set, scratch }))
    }
}

/// The engines `--engine` can select.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum EngineChoice {
    /// The compiled engine (the default).
    #[default]
    Compiled,
    /// The reference interpreter.
    Reference,
    /// Both; every difference between them is reported as a disagreement.
    Both,
    /// The compiled engine after a round trip through an artifact (compile, `to_bytes`,
    /// `from_bytes`).
    Artifact,
    /// Compiled, artifact and reference; every difference is a disagreement.
    All,
}

impl EngineChoice {
    /// The engines to run, in output order. With more than one, every request is decided by
    /// each and any difference between them counts as a disagreement.
    pub fn engines(self) -> Vec<Box<dyn Engine>> {
        match self {
            EngineChoice::Compiled => vec![Box::new(CompiledEngine)],
            EngineChoice::Reference => vec![Box::new(ReferenceEngine)],
            EngineChoice::Both => vec![Box::new(CompiledEngine), Box::new(ReferenceEngine)],
            EngineChoice::Artifact => vec![Box::new(ArtifactEngine)],
            EngineChoice::All => vec![
                Box::new(CompiledEngine),
                Box::new(ArtifactEngine),
                Box::new(ReferenceEngine),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use iamc_compiler::decision::Decision;

    #[test]
    fn reference_engine_denies_implicitly_without_policies() {
        let engine = ReferenceEngine;
        let prepared = engine.prepare(&Arc::new(PolicySet::default())).unwrap();
        let req = Request {
            principal: "arn:aws:iam::111122223333:user/alice".into(),
            action: "s3:GetObject".into(),
            resource: "*".into(),
            ..Request::default()
        };
        let outcome = prepared.decide(&req).unwrap();
        // E-4: nothing allows, so the request is implicitly denied.
        assert_eq!(outcome.decision, Decision::ImplicitDeny);
        assert_eq!(outcome.deciding, None);
    }
}
