//! Reference interpreter: the simplest code that follows the spec rule by rule.
//!
//! [`evaluate`] decides one request against a [`PolicySet`] exactly as DESIGN.md "Evaluation,
//! exactly" describes, and names the deciding statement. It is written to be read against the
//! rules, not to be fast: every compiled decision of the project is checked against it by
//! differential tests, so a reviewer should be able to check each function against its rule id.
//!
//! It shares the AST, the request model and the multivalued-key table with the compiler, and
//! nothing with the runtime: the glob matcher ([`glob`]) and the value readers ([`values`]) are
//! its own, so a bug in one engine shows up as a disagreement with the other.
//!
//! Modules: [`glob`] (A-3, R-3, C-8), [`template`] (V), [`values`] (C-9 … C-14 value
//! grammars), [`condition`] (C), [`principal`] (request facts, E-9, E-12, E-14 … E-16); this
//! file holds the action and resource parts (A, R), E-2 and the combining rules (E).

#![forbid(unsafe_code)]

pub mod condition;
pub mod glob;
pub mod principal;
pub mod template;
pub mod values;

use iamc_compiler::ast::{
    ActionPart, Effect, Policy, PolicyKind, PolicyRef, PolicySet, ResourcePart, Statement,
    StatementRef,
};
use iamc_compiler::decision::{BuiltinRule, Deciding, Decision, Outcome};
use iamc_compiler::request::Request;

use crate::condition::all_conditions_hold;
use crate::glob::{matches, wildcard_pattern};
use crate::principal::{grant_strength, principal_part_matches, Facts, PrincipalKind, Strength};
use crate::template::to_glob;
use crate::values::arn_fields;

/// spec: — the action part: ASCII-case-insensitive glob of the whole
/// `prefix:name`; `NotAction` matches when no pattern matches.
pub fn action_matches(part: &ActionPart, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    let any = part
        .patterns
        .iter()
        .any(|p| matches(&wildcard_pattern(&p.text.to_ascii_lowercase()), &action));
    any != part.negated
}

/// spec: R-2 … R-8, V-6 — the resource part: case-sensitive glob after variable substitution;
/// a pattern with an unresolved variable matches nothing; `NotResource` matches when no
/// pattern matches.
pub fn resource_matches(part: &ResourcePart, req: &Request) -> bool {
    let any = part
        .patterns
        .iter()
        .any(|p| match to_glob(&p.template, &req.context) {
            Some(glob) => matches(&glob, &req.resource),
            None => false, // spec: V-6
        });
    any != part.negated
}

/// spec: E-2 — a statement applies when its principal part (resource policies and RCPs only),
/// action part, resource part and every condition match. `boundaries_given` is needed for
/// E-16.
pub fn statement_applies(stmt: &Statement, req: &Request, boundaries_given: bool) -> bool {
    let facts = Facts::of(req);
    applies(stmt, req, &facts, boundaries_given)
}

fn applies(stmt: &Statement, req: &Request, facts: &Facts, boundaries_given: bool) -> bool {
    let principal_ok = match &stmt.principal {
        Some(part) => principal_part_matches(part, req, facts, boundaries_given),
        None => true,
    };
    principal_ok
        && action_matches(&stmt.action, &req.action)
        && resource_matches(&stmt.resource, req)
        && all_conditions_hold(&stmt.conditions, &req.context)
}

/// The reference of statement `stmt` of the policy `policy`.
fn statement_ref(policy: PolicyRef, stmt: &Statement) -> StatementRef {
    StatementRef {
        policy,
        statement: stmt.index,
    }
}

/// spec: E-19 — the resource policy must grant: KMS keys, and role assumption on a role.
pub fn resource_policy_required(req: &Request) -> bool {
    let kms_key =
        arn_fields(&req.resource).is_some_and(|f| f[2] == "kms" && f[5].starts_with("key/"));
    let assume_role = [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(&req.action));
    kms_key || (assume_role && principal::is_role_arn(&req.resource))
}

/// spec: E-10 — whether RCPs apply to the action's service (the set's list; service prefixes
/// compare without regard to ASCII case, A-2).
pub fn rcp_covers(set: &PolicySet, action: &str) -> bool {
    let service = action.split(':').next().unwrap_or(action);
    set.rcp_services
        .iter()
        .any(|s| s.eq_ignore_ascii_case(service))
}

/// Decide `req` against `set` (DESIGN.md "Combining (E)" and "The deciding statement").
pub fn evaluate(set: &PolicySet, req: &Request) -> Outcome {
    // spec: E-20 — `sts:GetCallerIdentity` needs no permission: allowed whatever the policies.
    if req.action.eq_ignore_ascii_case("sts:GetCallerIdentity") {
        return Outcome {
            decision: Decision::Allow,
            deciding: Some(Deciding::Rule(BuiltinRule::GetCallerIdentity)),
        };
    }
    let facts = Facts::of(req);
    let boundaries_given = !set.boundaries.is_empty();
    let applies = |stmt: &Statement| applies(stmt, req, &facts, boundaries_given);

    // spec: E-11, E-12 — SCPs restrict principals of member accounts, except service-linked
    // roles and the management account.
    let scp_applies = facts.principal_account.is_some()
        && !facts.service_linked_role
        && facts.principal_account != set.management_account;
    // spec: E-10 — RCPs restrict resources outside the management account, except for
    // service-linked roles, and only for the services that support them.
    let rcp_applies = !facts.service_linked_role
        && (set.management_account.is_none() || facts.resource_account != set.management_account)
        && rcp_covers(set, &req.action);

    // spec: E-3 — explicit deny: the first applicable in-scope Deny in canonical order.
    for (pref, policy) in set.iter() {
        let in_scope = match pref.kind {
            PolicyKind::Scp => scp_applies,
            PolicyKind::Rcp => rcp_applies,
            _ => true,
        };
        if !in_scope {
            continue;
        }
        if let Some(stmt) = policy
            .statements
            .iter()
            .find(|s| s.effect == Effect::Deny && applies(s))
        {
            return Outcome {
                decision: Decision::ExplicitDeny,
                deciding: Some(Deciding::Statement(statement_ref(pref, stmt))),
            };
        }
    }

    // The first applicable Allow among `policies` (of one kind, level 0), with its reference.
    let first_allow = |kind: PolicyKind, policies: &[&Policy]| -> Option<StatementRef> {
        policies.iter().enumerate().find_map(|(i, policy)| {
            policy
                .statements
                .iter()
                .find(|s| s.effect == Effect::Allow && applies(s))
                .map(|s| statement_ref(PolicyRef::new(kind, 0, i), s))
        })
    };
    let identity: Vec<&Policy> = set.identity.iter().collect();
    let boundaries: Vec<&Policy> = set.boundaries.iter().collect();
    let session: Vec<&Policy> = set.session.iter().collect();

    // spec: E-5, E-17 — the identity side: identity Allow, and the boundary (if any) allows,
    // and the session policy (if any) allows.
    let identity_allow = first_allow(PolicyKind::Identity, &identity);
    let boundary_ok =
        boundaries.is_empty() || first_allow(PolicyKind::Boundary, &boundaries).is_some();
    let session_ok = session.is_empty() || first_allow(PolicyKind::Session, &session).is_some();
    let identity_side = identity_allow.is_some() && boundary_ok && session_ok;

    // spec: E-11 — when SCPs apply, every SCP level needs an applicable Allow.
    let level_allows = |level: &Vec<Policy>| {
        level.iter().any(|p| {
            p.statements
                .iter()
                .any(|s| s.effect == Effect::Allow && applies(s))
        })
    };
    let scp_ok = !scp_applies || set.scps.iter().all(level_allows);

    // spec: E-7, E-14 — the strongest grant among the applicable resource-policy Allows, and
    // the first statement giving it.
    let mut grant = Strength::None;
    let mut grant_ref: Option<StatementRef> = None;
    if let Some(policy) = &set.resource {
        let pref = PolicyRef::new(PolicyKind::Resource, 0, 0);
        for stmt in &policy.statements {
            if stmt.effect != Effect::Allow || !applies(stmt) {
                continue;
            }
            let strength = match &stmt.principal {
                Some(part) if !part.negated => grant_strength(part, req, &facts),
                _ => Strength::None,
            };
            if strength > grant {
                grant = strength;
                grant_ref = Some(statement_ref(pref, stmt));
            }
        }
    }

    // spec: E-6 … E-8, E-19
    let required = resource_policy_required(req);
    let limited_role_grant = grant == Strength::Role && boundary_ok && session_ok;
    let granted = if facts.kind == PrincipalKind::NonAccount {
        grant == Strength::Direct
    } else if facts.same_account {
        if required {
            grant == Strength::Direct
                || limited_role_grant
                || (grant == Strength::Account && identity_side)
        } else {
            identity_side || grant == Strength::Direct || limited_role_grant
        }
    } else {
        // spec: E-8 — cross-account needs both sides.
        identity_side && grant != Strength::None
    };

    if granted && scp_ok {
        let deciding = if identity_side {
            identity_allow
        } else {
            grant_ref
        };
        Outcome {
            decision: Decision::Allow,
            deciding: deciding.map(Deciding::Statement),
        }
    } else {
        Outcome {
            decision: Decision::ImplicitDeny,
            deciding: None,
        }
    }
}

#[cfg(test)]
mod tests;
