//! `compile` and `PolicySet.evaluate`: the compiler's front door (`iamc_compiler::Compiler`)
//! and the runtime's evaluator, for authorizers and notebooks.
//!
//! A compiled set is immutable and shared; evaluation uses a scratch space kept with the set
//! behind a lock (one evaluation at a time per set; the GIL serialises callers anyway).

use std::sync::Mutex;

use iamc_compiler::ast::PolicyKind;
use iamc_compiler::{Compiler, Config, ReadMode};
use iamc_runtime::{Scratch, Value};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::{CompileError, IamcError};

/// A named policy document (JSON text).
type Doc = (String, String);

/// Compile a policy set. Documents are `(name, json_text)` pairs; `scps`/`rcps` are levels,
/// root first, each a list of documents.
#[pyfunction]
#[pyo3(signature = (identity=vec![], *, boundaries=vec![], scps=vec![], rcps=vec![],
    resource_policy=None, session_policy=None, lenient=false, management_account=None,
    rcp_services=None))]
#[allow(clippy::too_many_arguments)]
pub fn compile(
    py: Python<'_>,
    identity: Vec<Doc>,
    boundaries: Vec<Doc>,
    scps: Vec<Vec<Doc>>,
    rcps: Vec<Vec<Doc>>,
    resource_policy: Option<Doc>,
    session_policy: Option<Doc>,
    lenient: bool,
    management_account: Option<String>,
    rcp_services: Option<Vec<String>>,
) -> PyResult<PolicySet> {
    let mut config = Config::new()
        .read_mode(if lenient {
            ReadMode::Lenient
        } else {
            ReadMode::Strict
        })
        .management_account(management_account);
    if let Some(s) = rcp_services {
        config = config.rcp_services(s);
    }
    let built = py.detach(|| {
        let mut c = Compiler::new(config);
        for (n, d) in &identity {
            c.add(PolicyKind::Identity, 0, n, d.as_bytes());
        }
        for (n, d) in &boundaries {
            c.add(PolicyKind::Boundary, 0, n, d.as_bytes());
        }
        for (level, docs) in scps.iter().enumerate() {
            for (n, d) in docs {
                c.add(PolicyKind::Scp, level, n, d.as_bytes());
            }
        }
        for (level, docs) in rcps.iter().enumerate() {
            for (n, d) in docs {
                c.add(PolicyKind::Rcp, level, n, d.as_bytes());
            }
        }
        if let Some((n, d)) = &resource_policy {
            c.add(PolicyKind::Resource, 0, n, d.as_bytes());
        }
        if let Some((n, d)) = &session_policy {
            c.add(PolicyKind::Session, 0, n, d.as_bytes());
        }
        let warnings: Vec<String> = c.warnings().iter().map(ToString::to_string).collect();
        c.build().map(|set| (set, warnings))
    });
    match built {
        Ok((set, warnings)) => Ok(PolicySet {
            scratch: Mutex::new(set.create_scratch()),
            set,
            warnings,
        }),
        Err(e) => Err(CompileError::new_err(e.to_string())),
    }
}

/// A compiled, immutable policy set.
#[pyclass(module = "iamc._iamc", frozen)]
pub struct PolicySet {
    set: iamc_runtime::PolicySet,
    scratch: Mutex<Scratch>,
    warnings: Vec<String>,
}

/// A decision and the statement (or rule) that made it.
#[pyclass(module = "iamc._iamc", frozen, get_all)]
#[derive(Clone)]
pub struct Decision {
    /// `allow`, `explicit_deny`, `implicit_deny` or `indeterminate`.
    pub decision: String,
    /// The deciding policy's name (`None` for an implicit deny).
    pub policy: Option<String>,
    /// The deciding statement's index in its policy.
    pub statement: Option<u32>,
    /// The deciding statement's Sid.
    pub sid: Option<String>,
    /// The rule that decided without a statement (E-20, ...), if one did.
    pub rule: Option<String>,
}

#[pymethods]
impl Decision {
    fn __repr__(&self) -> String {
        let s = |v: &Option<String>| v.as_ref().map_or("None".into(), |v| format!("{v:?}"));
        let n = self.statement.map_or("None".into(), |v| v.to_string());
        format!(
            "Decision(decision={:?}, policy={}, statement={n}, sid={}, rule={})",
            self.decision,
            s(&self.policy),
            s(&self.sid),
            s(&self.rule)
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.extract::<String>() {
            Ok(s) => s == self.decision,
            Err(_) => other
                .cast::<Decision>()
                .map(|d| {
                    let d = d.get();
                    (&d.decision, &d.policy, d.statement, &d.sid, &d.rule)
                        == (
                            &self.decision,
                            &self.policy,
                            self.statement,
                            &self.sid,
                            &self.rule,
                        )
                })
                .unwrap_or(false),
        }
    }
}

/// A context value as text (numbers and booleans as their JSON text, K-2).
fn text(v: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(b) = v.extract::<bool>() {
        return Ok(if b { "true" } else { "false" }.to_string());
    }
    if let Ok(s) = v.extract::<String>() {
        return Ok(s);
    }
    if v.is_instance_of::<pyo3::types::PyInt>() || v.is_instance_of::<pyo3::types::PyFloat>() {
        return Ok(v.str()?.to_string());
    }
    Err(IamcError::new_err(format!(
        "context value {}: expected a string, a number, a boolean or a list of them",
        v.repr()?
    )))
}

#[pymethods]
impl PolicySet {
    /// Decide one request. `context` maps key names to a string (single-valued) or a list of
    /// strings (multivalued); numbers and booleans are taken as their JSON text.
    #[pyo3(signature = (principal, action, resource="*", *, context=None, resource_account=None))]
    fn evaluate(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: Option<&Bound<'_, PyDict>>,
        resource_account: Option<&str>,
    ) -> PyResult<Decision> {
        // Owned texts first, then the borrowed request over them.
        let mut single: Vec<(String, String)> = Vec::new();
        let mut multi: Vec<(String, Vec<String>)> = Vec::new();
        if let Some(ctx) = context {
            for (k, v) in ctx.iter() {
                let k: String = k.extract()?;
                if let Ok(list) = v.cast::<PyList>() {
                    let vs = list
                        .iter()
                        .map(|x| text(&x))
                        .collect::<PyResult<Vec<_>>>()?;
                    multi.push((k, vs));
                } else {
                    single.push((k, text(&v)?));
                }
            }
        }
        let multi_refs: Vec<(&str, Vec<&str>)> = multi
            .iter()
            .map(|(k, vs)| (k.as_str(), vs.iter().map(String::as_str).collect()))
            .collect();
        let mut ctx: Vec<(&str, Value<'_>)> = single
            .iter()
            .map(|(k, v)| (k.as_str(), Value::Single(v.as_str())))
            .collect();
        ctx.extend(multi_refs.iter().map(|(k, vs)| (*k, Value::Multi(vs))));
        let context = iamc_runtime::Context::new(&ctx)
            .map_err(|e| IamcError::new_err(format!("context: {e}")))?;
        let req = iamc_runtime::Request {
            principal,
            action,
            resource,
            resource_account,
            context,
        };
        let mut scratch = self
            .scratch
            .lock()
            .map_err(|_| IamcError::new_err("policy set: a poisoned lock"))?;
        let out = self.set.evaluate(&mut scratch, &req);
        let mut d = Decision {
            decision: out.decision.as_str().to_string(),
            policy: None,
            statement: None,
            sid: None,
            rule: None,
        };
        match out.deciding {
            Some(iamc_runtime::Deciding::Statement(s)) => {
                d.policy = self
                    .set
                    .policies()
                    .iter()
                    .find(|p| p.kind == s.kind && p.level == s.level && p.index == s.policy)
                    .map(|p| p.name.clone());
                d.statement = Some(s.statement);
                d.sid = self.set.sid(&s).map(str::to_string);
            }
            Some(iamc_runtime::Deciding::Rule(r)) => d.rule = Some(r.id().to_string()),
            None => {}
        }
        Ok(d)
    }

    /// Warnings of the compile (lenient reads: one per opaque statement).
    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.warnings.clone()
    }

    /// The compiled set as an artifact (bytes `iamc compile` writes).
    fn to_bytes(&self) -> Vec<u8> {
        self.set.to_bytes()
    }
}
