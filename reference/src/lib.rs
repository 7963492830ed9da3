//! Reference interpreter: the simplest code that follows the spec rule by rule.
//!
//! [`evaluate`] decides one request against a [`ParsedSet`] exactly as DESIGN.md "Evaluation,
//! exactly" describes, and names the deciding statement. It is written to be read against the
//! rules, not to be fast: every compiled decision of the project is checked against it by
//! differential tests, so a reviewer should be able to check each function against its rule id.
//!
//! It shares the AST and the multivalued-key table with the compiler, and only the decision
//! types (`Decision`, `Outcome`, `StatementRef`: plain data, one definition) with the runtime:
//! the glob matcher ([`glob`]) and the value readers ([`values`]) are its own, so a bug in one
//! engine shows up as a disagreement with the other. [`request`] is its input: the owned
//! request scenario files and logs describe.
//!
//! [`explain::explain`] says why, on request (near misses, the failed condition, what an
//! identity Allow lacked, the unknowns); plain decisions never compute it.
//!
//! # Example
//! ```
//! use iamc_compiler::{ast::PolicyKind, Compiler};
//! use iamc_reference::request::Request;
//! use iamc_runtime::Decision;
//!
//! let doc = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#;
//! let mut compiler = Compiler::default();
//! compiler.add(PolicyKind::Identity, 0, "allow.json", doc);
//! let set = compiler.into_ast()?;
//! let req = Request { principal: "arn:aws:iam::111122223333:user/alice".into(),
//!     action: "s3:GetObject".into(), resource: "*".into(), ..Request::default() };
//! let outcome = iamc_reference::evaluate(&set, &req);
//! assert_eq!(outcome.decision, Decision::Allow);
//! assert_eq!(outcome.statement().map(|s| s.statement), Some(0));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Modules: [`glob`] (A-3, R-3, C-8), [`template`] (V), [`values`] (C-9 … C-14 value
//! grammars), [`condition`] (C), [`principal`] (request facts, E-9, E-12, E-14 … E-16); this
//! file holds the action and resource parts (A, R), E-2 and the combining rules (E).

#![forbid(unsafe_code)]

pub mod condition;
pub mod explain;
pub mod glob;
pub mod principal;
pub mod request;
pub mod template;
pub mod tri;
pub mod values;

use crate::request::Request;
use iamc_compiler::ast::{
    ActionPart, Effect, ParsedSet, Policy, PolicyKind, PolicyRef, ResourcePart, Statement,
    StatementRef,
};
use iamc_runtime::{BuiltinRule, Deciding, Decision, DependsOn, Outcome, Possible};

use crate::condition::all_conditions_hold;
use crate::glob::{matches, wildcard_pattern};
use crate::principal::{grant_strength, principal_part_matches, Facts, PrincipalKind, Strength};
use crate::template::{refers_to_unknown, to_glob};
use crate::tri::Tri;
use crate::values::arn_fields;

/// spec: A-2, A-3, A-6, A-7 — the action part: ASCII-case-insensitive glob of the whole
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
/// spec: E-21 — against an unknown resource a pattern is unknown, except `*` (yes); a pattern
/// whose variable refers to an unknown key is unknown; `NotResource` is the Kleene NOT.
pub fn resource_matches(part: &ResourcePart, req: &Request) -> Tri {
    let any = Tri::any(part.patterns.iter().map(|p| {
        if req.unknown.resource {
            return if p.text == "*" {
                Tri::Yes
            } else {
                Tri::Unknown
            };
        }
        if refers_to_unknown(&p.template, &req.unknown) {
            return Tri::Unknown;
        }
        match to_glob(&p.template, &req.context) {
            Some(glob) => Tri::from_bool(matches(&glob, &req.resource)),
            None => Tri::No, // spec: V-6
        }
    }));
    if part.negated {
        any.negate()
    } else {
        any
    }
}

/// spec: E-2 — a statement applies when its principal part (resource policies and RCPs only),
/// action part, resource part and every condition match. `boundaries_given` is needed for
/// E-16. spec: E-21, G-21 — Kleene AND of the parts; an opaque statement applies at most
/// "unknown".
pub fn statement_applies(stmt: &Statement, req: &Request, boundaries_given: bool) -> Tri {
    let facts = Facts::of(req);
    applies(stmt, req, &facts, boundaries_given)
}

fn applies(stmt: &Statement, req: &Request, facts: &Facts, boundaries_given: bool) -> Tri {
    let principal_ok = match &stmt.principal {
        Some(part) => principal_part_matches(part, req, facts, boundaries_given),
        None => true,
    };
    let known = Tri::from_bool(principal_ok && action_matches(&stmt.action, &req.action));
    let parts = known
        .and(resource_matches(&stmt.resource, req))
        .and(all_conditions_hold(&stmt.conditions, req));
    if stmt.opaque.is_some() {
        parts.and(Tri::Unknown)
    } else {
        parts
    }
}

/// The reference of statement `stmt` of the policy `policy`.
fn statement_ref(policy: PolicyRef, stmt: &Statement) -> StatementRef {
    policy.statement(stmt.index)
}

/// spec: E-19 — the resource policy must grant: KMS keys, and role assumption on a role.
pub fn resource_policy_required(req: &Request) -> bool {
    let kms_key =
        arn_fields(&req.resource).is_some_and(|f| f[2] == "kms" && f[5].starts_with("key/"));
    kms_key || (is_assume_role(&req.action) && principal::is_role_arn(&req.resource))
}

/// `sts:AssumeRole`, `sts:AssumeRoleWithSAML` or `sts:AssumeRoleWithWebIdentity` (A-2 case).
fn is_assume_role(action: &str) -> bool {
    [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(action))
}

/// spec: E-19, E-21 — with an unknown resource, whether E-19 may require the resource policy:
/// the resource may be a KMS key (a `kms:` action) or a role (a role-assumption action).
fn resource_policy_may_be_required(req: &Request) -> bool {
    let service = req.action.split(':').next().unwrap_or_default();
    service.eq_ignore_ascii_case("kms") || is_assume_role(&req.action)
}

/// spec: E-10 — whether RCPs apply to the action's service (the set's list; service prefixes
/// compare without regard to ASCII case, A-2).
pub fn rcp_covers(set: &ParsedSet, action: &str) -> bool {
    let service = action.split(':').next().unwrap_or(action);
    set.rcp_services
        .iter()
        .any(|s| s.eq_ignore_ascii_case(service))
}

/// Which policies' statements are in scope for this request (E-10 … E-12).
struct Scope {
    scp: bool,
    rcp: bool,
    /// spec: E-10, E-21 — RCPs are in scope only if the resource is outside the management
    /// account, and that account is unknown: RCP statements apply at most "unknown".
    rcp_unknown: bool,
}

impl Scope {
    fn of(set: &ParsedSet, req: &Request, facts: &Facts) -> Scope {
        // spec: E-11, E-12 — SCPs restrict principals of member accounts, except
        // service-linked roles and the management account.
        let scp = facts.principal_account.is_some()
            && !facts.service_linked_role
            && facts.principal_account != set.management_account;
        // spec: E-10 — RCPs restrict resources outside the management account, except for
        // service-linked roles, and only for the services that support them.
        // spec: E-21 — with the resource's account unknown, whether it is the management
        // account is unknown too.
        let rcp_unknown = facts.account_unknown && set.management_account.is_some();
        let rcp = !facts.service_linked_role
            && (set.management_account.is_none()
                || rcp_unknown
                || facts.resource_account != set.management_account)
            && rcp_covers(set, &req.action);
        let rcp_unknown = rcp && rcp_unknown;
        Scope {
            scp,
            rcp,
            rcp_unknown,
        }
    }

    /// A statement's applicability, capped at unknown where its scope is unknown.
    fn cap(&self, kind: PolicyKind, t: Tri) -> Tri {
        if kind == PolicyKind::Rcp && self.rcp_unknown {
            t.and(Tri::Unknown)
        } else {
            t
        }
    }

    fn includes(&self, kind: PolicyKind) -> bool {
        match kind {
            PolicyKind::Scp => self.scp,
            PolicyKind::Rcp => self.rcp,
            _ => true,
        }
    }
}

/// Decide `req` against `set` (DESIGN.md "Combining (E)" and "The deciding statement").
///
/// spec: E-21 — with unknown facts or opaque statements, each statement's applicability is
/// yes, no or unknown, and the possible outcomes are computed directly: `explicit_deny` iff
/// some Deny is yes or unknown (a yes decides at once); `allow` iff granted with every unknown
/// Allow taken as applying; `implicit_deny` iff not granted with every unknown Allow taken as
/// not applying. One possible outcome is the decision; several make it `indeterminate`.
pub fn evaluate(set: &ParsedSet, req: &Request) -> Outcome {
    // spec: K-2 — a context naming one key twice (in any spelling, C-2) is malformed: it is
    // never decided by whichever entry a lookup meets first, but denied by the rule itself,
    // before anything else (E-20 included).
    if req.context.duplicate().is_some() {
        return Outcome {
            decision: Decision::ExplicitDeny,
            deciding: Some(Deciding::Rule(BuiltinRule::MalformedRequest)),
        };
    }
    // spec: E-20 — `sts:GetCallerIdentity` needs no permission: allowed whatever the policies.
    if req.action.eq_ignore_ascii_case("sts:GetCallerIdentity") {
        return Outcome {
            decision: Decision::Allow,
            deciding: Some(Deciding::Rule(BuiltinRule::GetCallerIdentity)),
        };
    }
    // spec: E-12, E-21 — whether SCPs and RCPs apply reads `aws:PrincipalArn`; with it
    // unknown and organization policies present, every outcome is possible.
    if org_scope_unknown(set, req) {
        return Outcome {
            decision: Decision::Indeterminate(
                Possible::ALLOW
                    .union(Possible::EXPLICIT_DENY)
                    .union(Possible::IMPLICIT_DENY),
            ),
            deciding: None,
        };
    }
    let facts = Facts::of(req);
    let boundaries_given = !set.boundaries.is_empty();
    let applies = |stmt: &Statement| applies(stmt, req, &facts, boundaries_given);
    let scope = Scope::of(set, req, &facts);

    // spec: E-3 — explicit deny: the first in-scope Deny that applies for sure, in canonical
    // order; E-21: a Deny that may apply makes `explicit_deny` possible.
    let mut deny_possible = false;
    for (pref, policy) in set.iter() {
        if !scope.includes(pref.kind) {
            continue;
        }
        for stmt in policy.statements.iter().filter(|s| s.may_deny()) {
            match scope.cap(pref.kind, applies(stmt)) {
                Tri::Yes if stmt.effect == Effect::Deny => {
                    return Outcome {
                        decision: Decision::ExplicitDeny,
                        deciding: Some(Deciding::Statement(statement_ref(pref, stmt))),
                    };
                }
                // An opaque statement of unknown effect is never a certain Deny.
                Tri::Yes | Tri::Unknown => deny_possible = true,
                Tri::No => {}
            }
        }
    }

    // The grant, with every Allow whose applicability is unknown taken as applying
    // (`assume`) or not; with nothing unknown both are the two-valued grant of E-5 … E-19.
    let required = resource_policy_required(req);
    let may_be_required = req.unknown.resource && resource_policy_may_be_required(req);
    // E-9, E-21: with the resource's account unknown, the grant is computed for the same
    // account and for another; allow is possible if either grants, certain if both do.
    let accounts: &[bool] = if facts.account_unknown {
        &[true, false]
    } else {
        &[facts.same_account]
    };
    let g = |assume: bool, required: bool, same: bool| {
        grant(set, req, &facts, &scope, &applies, assume, required, same)
    };
    let optimistic = accounts
        .iter()
        .find_map(|&same| g(true, required && !may_be_required, same));
    let pessimistic = if accounts
        .iter()
        .all(|&same| g(false, required || may_be_required, same).is_some())
    {
        g(false, required || may_be_required, facts.same_account)
    } else {
        None
    };

    let mut possible = Possible::default();
    if deny_possible {
        possible = possible.union(Possible::EXPLICIT_DENY);
    }
    if optimistic.is_some() {
        possible = possible.union(Possible::ALLOW);
    }
    if pessimistic.is_none() {
        possible = possible.union(Possible::IMPLICIT_DENY);
    }
    let decision = possible.decision();
    let deciding = match decision {
        Decision::Allow => pessimistic.flatten().map(Deciding::Statement),
        _ => None,
    };
    Outcome { decision, deciding }
}

/// spec: E-12, E-21 — `aws:PrincipalArn` is declared unknown and the set has SCPs or RCPs,
/// whose scope (service-linked roles) reads it.
fn org_scope_unknown(set: &ParsedSet, req: &Request) -> bool {
    (!set.scps.is_empty() || !set.rcps.is_empty()) && req.unknown.has_key("aws:PrincipalArn")
}

#[allow(clippy::too_many_arguments)] // the facts of one decision and the two assumptions
/// spec: E-5 … E-19 — whether the request is granted, taking each Allow whose applicability
/// is unknown as applying iff `assume` (E-21); `Some(deciding statement)` when granted.
fn grant(
    set: &ParsedSet,
    req: &Request,
    facts: &Facts,
    scope: &Scope,
    applies: &dyn Fn(&Statement) -> Tri,
    assume: bool,
    required: bool,
    same_account: bool,
) -> Option<Option<StatementRef>> {
    let allows = |s: &Statement| {
        s.may_allow()
            && match applies(s) {
                Tri::Yes => s.effect == Effect::Allow || assume,
                Tri::Unknown => assume,
                Tri::No => false,
            }
    };
    // The first applicable Allow among `policies` (of one kind, level 0), with its reference.
    let first_allow = |kind: PolicyKind, policies: &[&Policy]| -> Option<StatementRef> {
        policies.iter().enumerate().find_map(|(i, policy)| {
            policy
                .statements
                .iter()
                .find(|s| allows(s))
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
    let level_allows = |level: &Vec<Policy>| level.iter().any(|p| p.statements.iter().any(allows));
    let scp_ok = !scope.scp || set.scps.iter().all(level_allows);

    // spec: E-7, E-14 — the strongest grant among the applicable resource-policy Allows, and
    // the first statement giving it.
    let mut grant = Strength::None;
    let mut grant_ref: Option<StatementRef> = None;
    if let Some(policy) = &set.resource {
        let pref = PolicyRef::new(PolicyKind::Resource, 0, 0);
        for stmt in &policy.statements {
            if !allows(stmt) {
                continue;
            }
            let strength = match &stmt.principal {
                Some(part) if !part.negated => grant_strength(part, req, facts),
                _ => Strength::None,
            };
            if strength > grant {
                grant = strength;
                grant_ref = Some(statement_ref(pref, stmt));
            }
        }
    }

    // spec: E-6 … E-8, E-19
    let limited_role_grant = grant == Strength::Role && boundary_ok && session_ok;
    let granted = if facts.kind == PrincipalKind::NonAccount {
        grant == Strength::Direct
    } else if same_account {
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

    (granted && scp_ok).then_some(if identity_side {
        identity_allow
    } else {
        grant_ref
    })
}

/// spec: E-21 — the unknowns `req`'s decision depends on: every in-scope statement whose
/// applicability is unknown contributes the unknown keys it names (condition keys and
/// variables in its resource patterns and condition values), "resource" when the resource is
/// unknown and its resource part is not `"*"`, and itself when it is opaque. Empty for a
/// request whose decision is determinate or decided by E-20.
pub fn depends_on(set: &ParsedSet, req: &Request) -> DependsOn {
    let mut out = DependsOn::default();
    if !matches!(evaluate(set, req).decision, Decision::Indeterminate(_)) {
        return out;
    }
    if org_scope_unknown(set, req) {
        out.keys = req
            .unknown
            .context
            .iter()
            .filter(|k| same_key(k, "aws:PrincipalArn"))
            .cloned()
            .collect();
        return out;
    }
    let facts = Facts::of(req);
    let boundaries_given = !set.boundaries.is_empty();
    let scope = Scope::of(set, req, &facts);
    let mut keys: Vec<String> = Vec::new();
    for (pref, policy) in set.iter() {
        if !scope.includes(pref.kind) {
            continue;
        }
        for stmt in &policy.statements {
            // RCP Allows change nothing (RCPFullAWSAccess, E-10): nothing depends on them.
            if pref.kind == PolicyKind::Rcp && !stmt.may_deny() {
                continue;
            }
            if scope.cap(pref.kind, applies(stmt, req, &facts, boundaries_given)) != Tri::Unknown {
                continue;
            }
            for k in &req.unknown.context {
                let named = stmt.conditions.iter().any(|c| {
                    same_key(&c.key, k) || c.values.iter().any(|v| template_names(&v.template, k))
                }) || stmt
                    .resource
                    .patterns
                    .iter()
                    .any(|p| template_names(&p.template, k));
                if named && !keys.contains(k) {
                    keys.push(k.clone());
                }
            }
            if req.unknown.resource && !resource_is_star(&stmt.resource) {
                out.resource = true;
            }
            if let Some(o) = &stmt.opaque {
                out.opaque
                    .push((statement_ref(pref, stmt), o.rule().to_string()));
            }
        }
    }
    keys.sort();
    out.keys = keys;
    out.opaque.sort_by_key(|(r, _)| *r);
    out
}

/// Whether two key names are the same key (C-2: case-insensitively).
fn same_key(a: &str, b: &str) -> bool {
    crate::request::Unknowns {
        context: vec![a.to_string()],
        resource: false,
    }
    .has_key(b)
}

/// Whether a template has a variable naming `key` (C-2: case-insensitively).
fn template_names(t: &iamc_compiler::ast::Template, key: &str) -> bool {
    let one = crate::request::Unknowns {
        context: vec![key.to_string()],
        resource: false,
    };
    refers_to_unknown(t, &one)
}

/// `"Resource": "*"` (or a list of only `*`): matches an unknown resource for sure.
fn resource_is_star(part: &ResourcePart) -> bool {
    !part.negated && part.patterns.iter().all(|p| p.text == "*")
}

#[cfg(test)]
mod tests;
