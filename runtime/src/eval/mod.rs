//! The evaluator: one request against a compiled set, following DESIGN.md ("Evaluation,
//! exactly") rule by rule, without allocating once the [`Scratch`] is warm.
//!
//! Steps: look the action up in the action index to get candidate statements (sorted into
//! canonical order); test the candidate Denies in order and stop at the first that applies
//! (it decides, E-3); then test the Allows, skipping every statement whose group is already
//! satisfied; combine (E-5 … E-19, [`combine`]). The request context is read lazily by key id
//! ([`context`]); the principal's facts are read from its ARN when first needed
//! ([`principal`]); a statement's resource part and conditions are [`condition`], its
//! templates [`template`].
//!
//! The Deny and Allow loops and the combination stay in one function ([`evaluate_with`]):
//! they share lazily computed facts (the principal, the resource account, E-12) as closures,
//! and the loops are the hot path every instruction count measures.
//!
//! An internal inconsistency (a candidate id with no statement, which the builder rules out)
//! fails closed: the decision is an explicit deny naming no statement, never a skipped
//! statement. An interned context checked for another set fails closed too
//! ([`Outcome::MALFORMED`], K-2); a context by name was checked when it was built
//! ([`crate::Context::new`]), so a lookup's first match is its only one.

mod combine;
mod condition;
mod context;
mod principal;
mod scratch;
mod template;
mod unknown;

pub use scratch::Scratch;
pub use unknown::{DependsOn, Unknown};

use core::cell::{Cell, OnceCell};

use crate::compiled::{Inner, Stmt};
use crate::decision::{BuiltinRule, Deciding, Decision, Outcome, PolicyKind};
use crate::ids::StmtId;
use crate::request::{InternedRequest, Request, Value};
use crate::value;

use self::combine::{is_get_caller_identity, rcp_covers, resource_required, stmt_ref};
use self::condition::applies;
use self::context::{Ctx, InternedCtx, NamedCtx};
use self::principal::{is_slr_arn, PKind, PrincipalFacts, Strength};
use self::unknown::Recorded;

/// Decide a request whose context keys are given by name ([`crate::PolicySet::evaluate`]).
#[inline]
pub(crate) fn evaluate(inner: &Inner, scratch: &mut Scratch, req: &Request<'_>) -> Outcome {
    if inner.has_opaque {
        return evaluate_unknown(inner, scratch, req, &Unknown::default(), &mut |_| {});
    }
    let generation = scratch.begin(inner);
    let cache = core::mem::take(&mut scratch.cache);
    let ctx = NamedCtx {
        entries: req.context.entries(),
        keys: &inner.keys,
        cache: &cache,
        generation,
        state: Cell::new(0),
        names: &inner.key_names,
        unicode: &inner.unicode_keys,
    };
    let out = evaluate_with(
        inner,
        scratch,
        req.principal,
        req.action,
        req.resource,
        req.resource_account,
        &ctx,
    );
    scratch.cache = cache;
    out
}

/// Decide a request whose context keys were resolved with [`crate::PolicySet::key_id`].
#[inline]
pub(crate) fn evaluate_interned(
    inner: &Inner,
    scratch: &mut Scratch,
    req: &InternedRequest<'_>,
) -> Outcome {
    // A context checked for another set names other keys here (K-2): fail closed. One
    // compare per decision; the keys were checked when the context was built.
    if req.context.set != inner.stamp {
        return Outcome::MALFORMED;
    }
    scratch.begin(inner);
    if inner.has_opaque {
        return unknown::evaluate3(
            inner,
            scratch,
            req.principal,
            req.action,
            req.resource,
            req.resource_account,
            &Unknown::default(),
            &InternedCtx(req.context.entries),
            &mut |_| {},
        );
    }
    evaluate_with(
        inner,
        scratch,
        req.principal,
        req.action,
        req.resource,
        req.resource_account,
        &InternedCtx(req.context.entries),
    )
}

/// Decide a request with unknown facts (K-13), or any request on a set with opaque statements
/// (G-21): the three-valued path (E-21). `record` sees every in-scope statement of unknown
/// applicability.
pub(crate) fn evaluate_unknown(
    inner: &Inner,
    scratch: &mut Scratch,
    req: &Request<'_>,
    unknown: &Unknown<'_>,
    record: &mut dyn FnMut(Recorded),
) -> Outcome {
    let generation = scratch.begin(inner);
    let cache = core::mem::take(&mut scratch.cache);
    let ctx = NamedCtx {
        entries: req.context.entries(),
        keys: &inner.keys,
        cache: &cache,
        generation,
        state: Cell::new(0),
        names: &inner.key_names,
        unicode: &inner.unicode_keys,
    };
    let out = unknown::evaluate3(
        inner,
        scratch,
        req.principal,
        req.action,
        req.resource,
        req.resource_account,
        unknown,
        &ctx,
        record,
    );
    scratch.cache = cache;
    out
}

/// What an indeterminate decision depends on (E-21); empty for a determinate one. Allocates.
pub(crate) fn depends_on(
    inner: &Inner,
    scratch: &mut Scratch,
    req: &Request<'_>,
    unknown: &Unknown<'_>,
) -> DependsOn {
    let mut recorded: Vec<Recorded> = Vec::new();
    let out = evaluate_unknown(inner, scratch, req, unknown, &mut |id| recorded.push(id));
    if !matches!(out.decision, Decision::Indeterminate(_)) {
        return DependsOn::default();
    }
    unknown::depends_on(inner, unknown, &recorded)
}

/// Give a taken candidate buffer back to the scratch, unless it is the empty stand-in used on
/// the precomputed path (replacing the scratch's buffer with it would drop its capacity and
/// make the next slow-path decision allocate).
fn restore(slot: &mut Vec<StmtId>, taken: Vec<StmtId>) {
    if taken.capacity() != 0 {
        *slot = taken;
    }
}

/// A candidate id with no statement. The builder rules it out (every id the action index
/// holds is a statement's, see [`crate::compiled`]); should it happen all the same, the
/// decision fails closed: an explicit deny naming no statement, never a skipped statement
/// (skipping a Deny could turn into an Allow).
#[cold]
#[inline(never)]
fn inconsistent() -> Outcome {
    Outcome {
        decision: Decision::ExplicitDeny,
        deciding: None,
    }
}

/// Lower-case the action's ASCII letters into the scratch buffer (A-2: actions match without
/// regard to ASCII case; any other character, a Kelvin sign `K` say, stays as it is, as in the
/// reference).
fn lower_action(scratch: &mut Scratch, action: &str) {
    scratch.action.clear();
    scratch.action.extend_from_slice(action.as_bytes());
    scratch.action.make_ascii_lowercase();
}

#[allow(clippy::too_many_arguments)]
fn evaluate_with<'a>(
    inner: &Inner,
    scratch: &mut Scratch,
    principal: &str,
    action: &str,
    resource: &str,
    resource_account: Option<&str>,
    ctx: &impl Ctx<'a>,
) -> Outcome {
    // `Vec::new()` does not allocate; `taken` holds the scratch list only on the slow path.
    let mut taken: Vec<StmtId> = Vec::new();
    // The action is looked up as it is: the table folds ASCII case and compares every other
    // byte exactly. An action the table does not hold is lower-cased for the general path.
    let hit = inner.actions.precomputed.get(action.as_bytes());
    if hit.is_none() {
        // E-20: no policy decides `sts:GetCallerIdentity`. The table never holds it (the
        // builder leaves it out), so only a miss can be it.
        if is_get_caller_identity(action) {
            return Outcome {
                decision: Decision::Allow,
                deciding: Some(Deciding::Rule(BuiltinRule::GetCallerIdentity)),
            };
        }
        lower_action(scratch, action);
    }
    let cands: &[StmtId] = match hit {
        Some(list) => list,
        None => {
            inner.actions.candidates_into(
                &scratch.action,
                &mut scratch.cands,
                &mut scratch.excluded,
            );
            taken = core::mem::take(&mut scratch.cands);
            &taken
        }
    };
    if cands.is_empty() {
        restore(&mut scratch.cands, taken);
        return Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        };
    }
    // The principal's facts and the accounts, read when first needed: a decision an identity
    // Deny settles (without a `Principal` part) needs none of them.
    let facts_known = OnceCell::new();
    let facts = || facts_known.get_or_init(|| PrincipalFacts::new(principal));
    // E-9
    let res_account_known = OnceCell::new();
    let res_account = || {
        *res_account_known.get_or_init(|| {
            resource_account
                .or_else(|| value::arn_account(resource))
                .or(facts().account)
        })
    };
    // E-12, decided when first needed: its context lookup is wasted on the many decisions an
    // identity Deny settles before any SCP or RCP statement is reached.
    let org = inner.scp_levels > 0 || inner.rcp_levels > 0;
    let slr_known: Cell<Option<bool>> = Cell::new(None);
    let slr = || match slr_known.get() {
        Some(v) => v,
        None => {
            let v = org
                && (facts().is_service_linked_role()
                    || matches!(ctx.value(inner.principal_arn_key),
                        Some(Value::Single(s)) if s != principal && is_slr_arn(s)));
            slr_known.set(Some(v));
            v
        }
    };
    let mgmt = inner.management_account.as_deref();
    let scp_applies =
        || facts().account.is_some() && (mgmt.is_none() || facts().account != mgmt) && !slr();
    let rcp_applies = || (mgmt.is_none() || res_account() != mgmt) && !slr();

    let in_scope = |s: &Stmt| match s.kind {
        PolicyKind::Scp => scp_applies(),
        PolicyKind::Rcp => rcp_applies() && rcp_covers(&inner.rcp_services, action),
        _ => true,
    };

    // Denies first, in canonical order: the first that applies decides (E-3). Statement ids
    // put every Deny before every Allow, so the sorted candidates are the Denies, then the
    // Allows.
    // Allows, into which the Deny loop stops.
    let mut allows: &[StmtId] = &[];
    for (i, &id) in cands.iter().enumerate() {
        if id >= inner.first_allow {
            allows = cands.get(i..).unwrap_or_default();
            break;
        }
        let Some(s) = inner.stmt(id) else {
            restore(&mut scratch.cands, taken);
            return inconsistent();
        };
        debug_assert!(!s.allow);
        let principal_ok = || match &s.principal {
            None => true,
            Some(p) if p.negated => !facts().exempt(p, inner.has_boundary),
            Some(p) => facts().strength(p) >= Strength::Account,
        };
        // None of the three tests changes what the others answer (they only fill caches), so
        // their order is free: whether an SCP or RCP applies to the request at all (the
        // principal's facts, E-12's context lookup) is asked last, as a deny "unless ..." that
        // does not apply (the root-user SCP on a user's request, say) then never needs it.
        // With the early return after the Allows, a decision that nothing grants and no
        // `Principal` element names may never read the principal.
        if principal_ok() && (s.always || applies(inner, scratch, s, resource, ctx)) && in_scope(s)
        {
            restore(&mut scratch.cands, taken);
            return Outcome {
                decision: Decision::ExplicitDeny,
                deciding: Some(Deciding::Statement(stmt_ref(s))),
            };
        }
    }

    // Allows.
    let mut identity_allow: Option<&Stmt> = None;
    let mut boundary_ok = !inner.has_boundary;
    let mut session_ok = !inner.has_session;
    let mut grant = Strength::None;
    let mut grant_stmt: Option<&Stmt> = None;
    // SCP levels whose Allows applied in this decision: the levels stamped with its
    // generation (`Scratch::begin`).
    let stamp = scratch.generation;
    let mut scp_levels_ok = 0usize;
    for &id in allows {
        let Some(s) = inner.stmt(id) else {
            restore(&mut scratch.cands, taken);
            return inconsistent();
        };
        debug_assert!(s.allow);
        // Identity and resource statements come first (canonical order). Past them, with
        // neither granting, no guard can turn the result into an allow: stop here.
        if matches!(
            s.kind,
            PolicyKind::Boundary | PolicyKind::Session | PolicyKind::Scp | PolicyKind::Rcp
        ) && identity_allow.is_none()
            && grant == Strength::None
        {
            break;
        }
        let needed = match s.kind {
            PolicyKind::Identity => identity_allow.is_none(),
            PolicyKind::Boundary => !boundary_ok,
            PolicyKind::Session => !session_ok,
            PolicyKind::Resource => grant < Strength::Direct,
            PolicyKind::Scp => {
                scp_applies()
                    && scratch
                        .scp_ok
                        .get(s.level as usize)
                        .is_some_and(|&x| x != stamp)
            }
            // RCPFullAWSAccess is always attached: RCP Allows change nothing (E-10).
            PolicyKind::Rcp => false,
        };
        if !needed {
            continue;
        }
        let strength = match &s.principal {
            Some(p) if s.kind == PolicyKind::Resource => {
                let st = facts().strength(p);
                if st <= grant {
                    continue;
                }
                st
            }
            _ => Strength::None,
        };
        if !s.always && !applies(inner, scratch, s, resource, ctx) {
            continue;
        }
        match s.kind {
            PolicyKind::Identity => identity_allow = Some(s),
            PolicyKind::Boundary => boundary_ok = true,
            PolicyKind::Session => session_ok = true,
            PolicyKind::Resource => {
                grant = strength;
                grant_stmt = Some(s);
            }
            PolicyKind::Scp => {
                // `needed` saw this level not yet stamped.
                if let Some(x) = scratch.scp_ok.get_mut(s.level as usize) {
                    *x = stamp;
                    scp_levels_ok += 1;
                }
            }
            PolicyKind::Rcp => {}
        }
    }
    restore(&mut scratch.cands, taken);

    // Nothing granted: an implicit deny, whatever the principal's facts would say below.
    if identity_allow.is_none() && grant == Strength::None {
        return Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        };
    }
    let identity_side = identity_allow.is_some() && boundary_ok && session_ok;
    let scp_ok = || scp_levels_ok == scratch.scp_ok.len() || !scp_applies();
    // Only a principal that is not an ARN is a non-account principal (DESIGN.md, "Request
    // facts"); an ARN without an account field is never in the resource's account.
    let facts = facts();
    let same_account = facts.account.is_some() && facts.account == res_account();
    let granted = if facts.kind == PKind::NonAccount {
        grant == Strength::Direct
    } else if same_account {
        // Where E-19 makes a difference: an identity-side grant alone, with no resource-policy
        // grant of account strength or more. Read only then: most decisions never need it.
        grant == Strength::Direct
            || (grant == Strength::Role && boundary_ok && session_ok)
            || (identity_side
                && (grant == Strength::Account || !resource_required(action, resource)))
    } else {
        identity_side && grant != Strength::None
    };
    if granted && scp_ok() {
        let deciding = if identity_side {
            identity_allow
        } else {
            grant_stmt
        };
        Outcome {
            decision: Decision::Allow,
            deciding: deciding.map(|s| Deciding::Statement(stmt_ref(s))),
        }
    } else {
        Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        }
    }
}
