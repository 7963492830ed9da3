//! Engines behind one interface, so `iamc eval`, the conformance runner and the differential
//! tests can run any of them (or several and compare).
//!
//! An engine works in two steps, which is the shape a compiling engine needs:
//! 1. [`Engine::prepare`] takes a parsed [`ParsedSet`] once (the compiled engine lowers it into
//!    its runtime form here; the reference engine just keeps it);
//! 2. [`Prepared::decide`] decides any number of requests against the prepared set.
//!
//! Scenario requests that share a policy set share one `Arc`, so callers prepare once per
//! distinct `Arc` (`iamc eval` does).
//!
//! To add an engine: implement [`Engine`], list it in [`all`], and add a variant to the CLI's
//! `EngineChoice`.

use std::sync::Arc;

use iamc_compiler::ast::ParsedSet;
use iamc_compiler::{Compiler, Config};
use iamc_runtime::{DependsOn, Outcome};

use crate::request::Request;

/// A way of deciding requests (DESIGN.md, "Evaluation, exactly").
pub trait Engine {
    /// The engine's name, as printed in the `engine` field of `iamc eval` output.
    fn name(&self) -> &str;

    /// Prepare a policy set for deciding requests (compile it, for a compiling engine).
    /// An `Err` is reported for every request that needs this set.
    fn prepare(&self, set: &Arc<ParsedSet>) -> Result<Box<dyn Prepared>, String>;
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
    set: Arc<ParsedSet>,
}

impl Engine for ReferenceEngine {
    fn name(&self) -> &str {
        "reference"
    }

    fn prepare(&self, set: &Arc<ParsedSet>) -> Result<Box<dyn Prepared>, String> {
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

/// Compile a scenario's set through the front door ([`Compiler::from_set`], default
/// [`Config`]): the set's checks and the config's automata limits apply as to any compile.
fn compile(set: &ParsedSet) -> Result<iamc_runtime::PolicySet, String> {
    Compiler::from_set(Config::default(), set.clone())
        .build()
        .map_err(|e| e.to_string())
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

    fn prepare(&self, set: &Arc<ParsedSet>) -> Result<Box<dyn Prepared>, String> {
        let set = compile(set)?;
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
        Ok(crate::adapter::decide(&self.set, &mut scratch, request))
    }

    fn depends_on(&self, request: &Request) -> Result<DependsOn, String> {
        let mut scratch = self
            .scratch
            .try_borrow_mut()
            .map_err(|_| "compiled engine used re-entrantly".to_string())?;
        Ok(crate::adapter::depends_on(&self.set, &mut scratch, request))
    }
}

/// The compiled engine over a compiled artifact: the set is lowered, written with
/// `ParsedSet::to_bytes` and loaded back with `ParsedSet::from_bytes` before deciding, so
/// every request checks that a loaded artifact decides like the set it was written from.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArtifactEngine;

impl Engine for ArtifactEngine {
    fn name(&self) -> &str {
        "artifact"
    }

    fn prepare(&self, set: &Arc<ParsedSet>) -> Result<Box<dyn Prepared>, String> {
        let compiled = compile(set)?;
        let set = iamc_runtime::PolicySet::from_bytes(&compiled.to_bytes())
            .map_err(|e| format!("artifact does not load: {e}"))?;
        let scratch = std::cell::RefCell::new(set.create_scratch());
        Ok(Box::new(CompiledPrepared { set, scratch }))
    }
}

/// Every engine, in the order the conformance runner and `iamc eval --engine all` use.
pub fn all() -> Vec<Box<dyn Engine>> {
    vec![
        Box::new(CompiledEngine),
        Box::new(ArtifactEngine),
        Box::new(ReferenceEngine),
    ]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use iamc_runtime::Decision;

    #[test]
    fn reference_engine_denies_implicitly_without_policies() {
        let engine = ReferenceEngine;
        let prepared = engine.prepare(&Arc::new(ParsedSet::default())).unwrap();
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
