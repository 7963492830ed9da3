//! Owned requests ([`Request`], the harness's shape) as the runtime takes them,
//! and the compiled engine's counterparts of `iamc_reference::evaluate` and `depends_on`.
//!
//! These allocate the borrowed context per call; authorizers build runtime requests directly
//! and pay nothing of this.

use iamc_runtime::{DependsOn, Outcome, PolicySet};

use crate::request::{ContextValue, Request};

/// The list values of an owned request's context, borrowed (empty for single values): the
/// storage [`borrowed_context`] points into.
pub fn list_values(req: &Request) -> Vec<Vec<&str>> {
    req.context
        .entries
        .iter()
        .map(|(_, v)| match v {
            ContextValue::Multi(l) => l.iter().map(String::as_str).collect(),
            ContextValue::Single(_) => Vec::new(),
        })
        .collect()
}

/// An owned request's context as the runtime takes it: borrowed names and values, the lists
/// from [`list_values`] of the same request.
pub fn borrowed_context<'a>(
    req: &'a Request,
    lists: &'a [Vec<&'a str>],
) -> Vec<(&'a str, iamc_runtime::Value<'a>)> {
    req.context
        .entries
        .iter()
        .zip(lists)
        .map(|((k, v), l)| {
            let v = match v {
                ContextValue::Single(s) => iamc_runtime::Value::Single(s),
                ContextValue::Multi(_) => iamc_runtime::Value::Multi(l),
            };
            (k.as_str(), v)
        })
        .collect()
}

/// An owned request as the runtime takes it, its context from [`borrowed_context`]; an error
/// when the context names a key twice (K-2: [`iamc_runtime::Context::new`] refuses it; the
/// loaders already did).
pub fn runtime_request<'a>(
    req: &'a Request,
    context: &'a [(&'a str, iamc_runtime::Value<'a>)],
) -> Result<iamc_runtime::Request<'a>, iamc_runtime::RequestError> {
    Ok(iamc_runtime::Request {
        principal: &req.principal,
        action: &req.action,
        resource: &req.resource,
        resource_account: req.resource_account.as_deref(),
        context: iamc_runtime::Context::new(context)?,
    })
}

/// Run `f` on a runtime request borrowing from an owned [`Request`] (the harness shape); an
/// error, without calling `f`, when the request is malformed (K-2: decide it
/// [`Outcome::MALFORMED`], as the reference does). Allocates the borrowed context; authorizers
/// build runtime requests directly.
pub fn with_runtime_request<R>(
    req: &Request,
    f: impl FnOnce(&iamc_runtime::Request<'_>) -> R,
) -> Result<R, iamc_runtime::RequestError> {
    let lists = list_values(req);
    let context = borrowed_context(req, &lists);
    Ok(f(&runtime_request(req, &context)?))
}

/// Decide an owned request with the compiled set, its unknowns (K-13) included: the compiled
/// engine's counterpart of `iamc_reference::evaluate`.
pub fn decide(set: &PolicySet, scratch: &mut iamc_runtime::Scratch, req: &Request) -> Outcome {
    let names: Vec<&str> = req.unknown.context.iter().map(String::as_str).collect();
    let unknown = iamc_runtime::Unknown {
        context: &names,
        resource: req.unknown.resource,
    };
    with_runtime_request(req, |r| set.evaluate_with_unknowns(scratch, r, &unknown))
        .unwrap_or(Outcome::MALFORMED)
}

/// What an indeterminate decision of the compiled set depends on (E-21): the counterpart of
/// `iamc_reference::depends_on`.
pub fn depends_on(
    set: &PolicySet,
    scratch: &mut iamc_runtime::Scratch,
    req: &Request,
) -> DependsOn {
    let names: Vec<&str> = req.unknown.context.iter().map(String::as_str).collect();
    let unknown = iamc_runtime::Unknown {
        context: &names,
        resource: req.unknown.resource,
    };
    // A malformed request (K-2) is decided without reading anything.
    with_runtime_request(req, |r| set.depends_on(scratch, r, &unknown)).unwrap_or_default()
}

/// [`with_runtime_request`] for many requests at once, in their order (for batch calls and
/// measured loops: everything is borrowed before `f` runs); an error, without calling `f`,
/// when any request is malformed (K-2).
pub fn with_runtime_requests<'r, R>(
    reqs: impl IntoIterator<Item = &'r Request>,
    f: impl FnOnce(&[iamc_runtime::Request<'_>]) -> R,
) -> Result<R, iamc_runtime::RequestError> {
    let reqs: Vec<&Request> = reqs.into_iter().collect();
    let lists: Vec<_> = reqs.iter().map(|r| list_values(r)).collect();
    let contexts: Vec<_> = reqs
        .iter()
        .zip(&lists)
        .map(|(r, l)| borrowed_context(r, l))
        .collect();
    let runtime: Vec<_> = reqs
        .iter()
        .zip(&contexts)
        .map(|(r, c)| runtime_request(r, c))
        .collect::<Result<_, _>>()?;
    Ok(f(&runtime))
}
