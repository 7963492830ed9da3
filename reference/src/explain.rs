//! Why a decision came out as it did, computed on request over the AST.
//!
//! [`explain`] re-runs the reference interpreter ([`crate::evaluate`], [`crate::depends_on`])
//! and then looks at the statements it passed over:
//!
//! - every decision names its deciding statement by policy name ([`Policy::source`]: a file
//!   name, or `file: scenario[i].identity_policies[j]`) and Sid or index;
//! - an `implicit_deny` lists its **near misses**: the in-scope statements whose action and
//!   resource matched but which did not apply, each with the first condition entry that
//!   failed (C-1 order) and why — key absent (C-3, C-15), value differs, value unparseable
//!   (C-17), or a plain operator on a multivalued value (C-24) — or its principal part;
//!   and, when an identity Allow did apply, **what was missing**: a boundary, session policy
//!   or SCP level that does not allow (E-11, E-17), a resource-policy grant for a
//!   cross-account call (E-8), or the resource policy E-19 requires (KMS keys, role trust);
//! - an `indeterminate` decision carries its unknowns ([`DependsOn`], E-21).
//!
//! Nothing here runs for a plain decision: the engines never call it.

use crate::request::{ContextValue, Request};
use iamc_compiler::ast::{
    BaseOp, Condition, Effect, ParsedSet, Policy, PolicyRef, Statement, StatementRef,
};
use iamc_runtime::{Deciding, Decision, DependsOn, Outcome};

use crate::condition::{condition_holds, read_request_value, request_value, RequestValue};
use crate::principal::{grant_strength, principal_part_matches, Facts, PrincipalKind, Strength};
use crate::tri::Tri;
use crate::{action_matches, resource_matches, Scope};

/// A statement named for a reader: where it is, its policy's name, its Sid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Named {
    /// Its place in the set.
    pub at: StatementRef,
    /// The policy's name (its `source`).
    pub name: String,
    /// The statement's Sid, if any.
    pub sid: Option<String>,
    /// Its effect (an opaque statement of unknown effect reads `Deny`, G-21).
    pub effect: Effect,
}

impl Named {
    fn of(policy: &Policy, pref: PolicyRef, stmt: &Statement) -> Named {
        Named {
            at: pref.statement(stmt.index),
            name: policy.source.to_string(),
            sid: stmt.sid.clone(),
            effect: stmt.effect,
        }
    }

    /// `name` then the Sid, or `statement N` without one.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) => format!("{} Sid {sid:?}", self.name),
            None => format!("{} statement {}", self.name, self.at.statement),
        }
    }
}

/// Why a condition entry failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// The request has no value for the key (C-3, C-15, C-21).
    KeyAbsent,
    /// The key has a value, and it does not satisfy the operator.
    ValueDiffers,
    /// The request value does not parse as the operator's type, which is false whatever the
    /// operator (C-17).
    ValueUnparseable {
        /// The first request value that does not parse.
        value: String,
    },
    /// A plain operator on a multivalued value is false (C-24).
    Multivalued,
}

impl Why {
    /// A short machine name: `key_absent`, `value_differs`, `value_unparseable`, `multivalued`.
    pub fn code(&self) -> &'static str {
        match self {
            Why::KeyAbsent => "key_absent",
            Why::ValueDiffers => "value_differs",
            Why::ValueUnparseable { .. } => "value_unparseable",
            Why::Multivalued => "multivalued",
        }
    }
}

/// The first condition entry of a statement that failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedCondition {
    /// The operator as written (`ForAnyValue:StringLike`).
    pub operator: String,
    /// The key as written.
    pub key: String,
    /// The policy values as written.
    pub policy_values: Vec<String>,
    /// The request's values for the key (empty when absent).
    pub request_values: Vec<String>,
    /// JSON path of the entry.
    pub path: String,
    /// Why it failed.
    pub why: Why,
}

/// What kept a near miss from applying.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failed {
    /// A condition entry (the first that failed, C-1 order).
    Condition(FailedCondition),
    /// The principal part (resource policies and RCPs) does not match the principal.
    Principal,
}

/// A statement whose action and resource matched, but which did not apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NearMiss {
    /// The statement.
    pub statement: Named,
    /// What failed.
    pub failed: Failed,
}

/// What an identity Allow that applied still lacked (implicit deny).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Missing {
    /// No Allow applies in an identity policy or the resource policy (E-4).
    NoAllow,
    /// The permissions boundary does not allow the request (E-17).
    Boundary,
    /// The session policy does not allow the request (E-17).
    Session,
    /// This SCP level (0 = root) has no Allow that applies (E-11).
    ScpLevel(usize),
    /// Cross-account: the resource's account must grant too, in its resource policy (E-8).
    CrossAccountGrant,
    /// E-19: a KMS key or a role trust: the resource (key/trust) policy must grant.
    ResourcePolicyRequired,
}

impl Missing {
    /// A short machine name.
    pub fn code(&self) -> &'static str {
        match self {
            Missing::NoAllow => "no_allow",
            Missing::Boundary => "boundary",
            Missing::Session => "session",
            Missing::ScpLevel(_) => "scp",
            Missing::CrossAccountGrant => "cross_account_grant",
            Missing::ResourcePolicyRequired => "resource_policy_required",
        }
    }

    /// One sentence for a reader, with its rule.
    pub fn describe(&self) -> String {
        match self {
            Missing::NoAllow => {
                "no Allow applies in an identity policy or the resource policy (E-4)".into()
            }
            Missing::Boundary => "the permissions boundary does not allow it (E-17)".into(),
            Missing::Session => "the session policy does not allow it (E-17)".into(),
            Missing::ScpLevel(l) => format!("SCP level {l} has no Allow that applies (E-11)"),
            Missing::CrossAccountGrant => "cross-account: the resource's account must grant \
                                           it too, in a resource policy (E-8)"
                .into(),
            Missing::ResourcePolicyRequired => "the resource policy (key policy or role trust \
                                                policy) must grant it (E-19)"
                .into(),
        }
    }
}

/// Why `req` was decided as it was against `set`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The reference interpreter's outcome.
    pub outcome: Outcome,
    /// The deciding statement, named (none for an implicit deny, E-20 or indeterminate).
    pub deciding: Option<Named>,
    /// `implicit_deny` only: statements whose action and resource matched but did not apply.
    pub near_misses: Vec<NearMiss>,
    /// `implicit_deny` only: what was missing for a grant.
    pub missing: Vec<Missing>,
    /// `indeterminate` only: the unknowns the decision depends on (E-21).
    pub unknowns: DependsOn,
}

/// The statement a reference names in `set`, with its policy.
pub fn statement_at(set: &ParsedSet, at: StatementRef) -> Option<(&Policy, &Statement)> {
    let policy = policy_at(set, PolicyRef::of(at))?;
    let stmt = policy
        .statements
        .iter()
        .find(|s| s.index == at.statement as usize)?;
    Some((policy, stmt))
}

/// The policy a [`PolicyRef`] names in a set ([`ParsedSet::policy`]).
pub fn policy_at(set: &ParsedSet, r: PolicyRef) -> Option<&Policy> {
    set.policy(r)
}

/// Explain the decision of `req` against `set` (see the module documentation).
pub fn explain(set: &ParsedSet, req: &Request) -> Explanation {
    let outcome = crate::evaluate(set, req);
    let deciding = match outcome.deciding {
        Some(Deciding::Statement(at)) => {
            statement_at(set, at).map(|(p, s)| Named::of(p, PolicyRef::of(at), s))
        }
        _ => None,
    };
    let mut e = Explanation {
        outcome,
        deciding,
        near_misses: Vec::new(),
        missing: Vec::new(),
        unknowns: DependsOn::default(),
    };
    match outcome.decision {
        Decision::Indeterminate(_) => e.unknowns = crate::depends_on(set, req),
        Decision::ImplicitDeny => {
            let facts = Facts::of(req);
            let scope = Scope::of(set, req, &facts);
            e.near_misses = near_misses(set, req, &facts, &scope);
            e.missing = missing(set, req, &facts, &scope);
        }
        Decision::Allow | Decision::ExplicitDeny => {}
    }
    e
}

/// In-scope statements whose action and resource match `req` for sure but that do not apply.
fn near_misses(set: &ParsedSet, req: &Request, facts: &Facts, scope: &Scope) -> Vec<NearMiss> {
    let boundaries_given = !set.boundaries.is_empty();
    let mut out = Vec::new();
    for (pref, policy) in set.iter() {
        if !scope.includes(pref.kind) {
            continue;
        }
        for stmt in &policy.statements {
            if stmt.opaque.is_some()
                || !action_matches(&stmt.action, &req.action)
                || resource_matches(&stmt.resource, req) != Tri::Yes
            {
                continue;
            }
            let principal_ok = stmt
                .principal
                .as_ref()
                .is_none_or(|p| principal_part_matches(p, req, facts, boundaries_given));
            let failed = if principal_ok {
                match first_failed_condition(&stmt.conditions, req) {
                    Some(c) => Failed::Condition(c),
                    None => continue, // it applies
                }
            } else {
                Failed::Principal
            };
            out.push(NearMiss {
                statement: Named::of(policy, pref, stmt),
                failed,
            });
        }
    }
    out
}

/// The first condition entry (C-1 order) that is false for `req`, and why.
pub fn first_failed_condition(conditions: &[Condition], req: &Request) -> Option<FailedCondition> {
    let c = conditions
        .iter()
        .find(|c| condition_holds(c, req) == Tri::No)?;
    let value = request_value(&req.context, &c.key);
    let request_values: Vec<String> = match req.context.get(&c.key) {
        None => Vec::new(),
        Some(ContextValue::Single(s)) => vec![s.clone()],
        Some(ContextValue::Multi(l)) => l.clone(),
    };
    let unparseable = |values: &[&str]| {
        values
            .iter()
            .find(|r| read_request_value(c.op.base, r).is_none())
            .map(|r| Why::ValueUnparseable {
                value: (*r).to_string(),
            })
    };
    let why = match (&value, c.op.base) {
        (RequestValue::Absent, _) => Why::KeyAbsent,
        (_, BaseOp::Null) => Why::ValueDiffers,
        (RequestValue::Single(r), _) => unparseable(&[r]).unwrap_or(Why::ValueDiffers),
        (RequestValue::Multi(_), _) if c.op.set.is_none() => Why::Multivalued,
        (RequestValue::Multi(list), _) => {
            // ForAllValues fails on one value that does not hold; ForAnyValue on all.
            unparseable(list).unwrap_or(Why::ValueDiffers)
        }
    };
    Some(FailedCondition {
        operator: c.op.to_string(),
        key: c.key.clone(),
        policy_values: c.values.iter().map(|v| v.text.clone()).collect(),
        request_values,
        path: c.path.to_string(),
        why,
    })
}

/// For an implicit deny: what the grant lacked (E-4 … E-19), two-valued.
fn missing(set: &ParsedSet, req: &Request, facts: &Facts, scope: &Scope) -> Vec<Missing> {
    let boundaries_given = !set.boundaries.is_empty();
    let allows = |s: &Statement| {
        s.effect == Effect::Allow
            && s.opaque.is_none()
            && crate::applies(s, req, facts, boundaries_given) == Tri::Yes
    };
    let any_allow = |policies: &[Policy]| policies.iter().any(|p| p.statements.iter().any(allows));
    let identity_allow = any_allow(&set.identity);
    let mut grant = Strength::None;
    if let Some(policy) = &set.resource {
        for stmt in policy.statements.iter().filter(|s| allows(s)) {
            let s = match &stmt.principal {
                Some(part) if !part.negated => grant_strength(part, req, facts),
                _ => Strength::None,
            };
            grant = grant.max(s);
        }
    }
    let mut out = Vec::new();
    if !identity_allow && grant == Strength::None {
        out.push(Missing::NoAllow);
    }
    if identity_allow {
        if !set.boundaries.is_empty() && !any_allow(&set.boundaries) {
            out.push(Missing::Boundary);
        }
        if set
            .session
            .as_ref()
            .is_some_and(|p| !any_allow(std::slice::from_ref(p)))
        {
            out.push(Missing::Session);
        }
        if facts.kind != PrincipalKind::NonAccount && !facts.account_unknown {
            if !facts.same_account && grant == Strength::None {
                out.push(Missing::CrossAccountGrant);
            } else if facts.same_account
                && crate::resource_policy_required(req)
                && grant != Strength::Direct
                && grant != Strength::Account
                && grant != Strength::Role
            {
                out.push(Missing::ResourcePolicyRequired);
            }
        }
    }
    if scope.scp {
        for (level, policies) in set.scps.iter().enumerate() {
            if !any_allow(policies) {
                out.push(Missing::ScpLevel(level));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::request::{Context, Unknowns};
    use iamc_compiler::ast::PolicyKind;
    use iamc_compiler::limits::Limits;
    use iamc_compiler::parse::parse_policy;

    fn policy(name: &str, kind: PolicyKind, text: &str) -> Policy {
        parse_policy(name, text.as_bytes(), kind, &Limits::default())
            .unwrap()
            .policy
    }

    fn request(action: &str, resource: &str, context: &[(&str, &str)]) -> Request {
        let mut ctx = Context::default();
        for (k, v) in context {
            ctx.insert(*k, ContextValue::Single((*v).to_string()));
        }
        Request {
            principal: "arn:aws:iam::111122223333:user/alice".into(),
            action: action.into(),
            resource: resource.into(),
            resource_account: Some("111122223333".into()),
            context: ctx,
            unknown: Unknowns::default(),
        }
    }

    const MFA: &str = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"NeedsMfa","Effect":"Allow","Action":"s3:GetObject","Resource":"*",
         "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},
        {"Sid":"Other","Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#;

    fn only_condition(e: &Explanation) -> &FailedCondition {
        assert_eq!(e.outcome.decision, Decision::ImplicitDeny, "{e:?}");
        assert_eq!(e.near_misses.len(), 1, "{e:?}");
        match &e.near_misses[0].failed {
            Failed::Condition(c) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn implicit_deny_names_a_condition_whose_key_is_absent() {
        let mut set = ParsedSet::default();
        set.identity
            .push(policy("mfa.json", PolicyKind::Identity, MFA));
        let e = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
        let c = only_condition(&e);
        assert_eq!(e.near_misses[0].statement.sid.as_deref(), Some("NeedsMfa"));
        assert_eq!(e.near_misses[0].statement.name, "mfa.json");
        assert_eq!(c.key, "aws:MultiFactorAuthPresent");
        assert_eq!(c.why, Why::KeyAbsent);
        assert_eq!(e.missing, vec![Missing::NoAllow]);
    }

    #[test]
    fn implicit_deny_names_a_condition_whose_value_differs() {
        let mut set = ParsedSet::default();
        set.identity
            .push(policy("mfa.json", PolicyKind::Identity, MFA));
        let req = request(
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            &[("aws:MultiFactorAuthPresent", "false")],
        );
        let c = only_condition(&explain(&set, &req)).clone();
        assert_eq!(c.why, Why::ValueDiffers);
        assert_eq!(c.request_values, vec!["false".to_string()]);
        assert_eq!(c.policy_values, vec!["true".to_string()]);
        assert_eq!(c.operator, "Bool");
    }

    #[test]
    fn implicit_deny_names_an_unparseable_value_c17() {
        let mut set = ParsedSet::default();
        set.identity.push(policy(
            "age.json",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
               "Resource":"*","Condition":{
                 "StringEquals":{"aws:RequestedRegion":"us-east-1"},
                 "NumericLessThan":{"aws:MultiFactorAuthAge":"3600"}}}]}"#,
        ));
        let req = request(
            "s3:ListBucket",
            "arn:aws:s3:::b",
            &[
                ("aws:RequestedRegion", "us-east-1"),
                ("aws:MultiFactorAuthAge", "soon"),
            ],
        );
        let e = explain(&set, &req);
        let c = only_condition(&e);
        assert_eq!(
            c.why,
            Why::ValueUnparseable {
                value: "soon".into()
            }
        );
        assert_eq!(c.key, "aws:MultiFactorAuthAge", "the first entry held");
        assert_eq!(e.near_misses[0].statement.label(), "age.json statement 0");
    }

    #[test]
    fn implicit_deny_says_the_boundary_does_not_allow() {
        let mut set = ParsedSet::default();
        set.identity.push(policy(
            "admin.json",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow",
               "Action":"*","Resource":"*"}]}"#,
        ));
        set.boundaries.push(policy(
            "boundary.json",
            PolicyKind::Boundary,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*",
               "Resource":"*"}]}"#,
        ));
        let e = explain(&set, &request("s3:GetObject", "arn:aws:s3:::b/k", &[]));
        assert_eq!(e.outcome.decision, Decision::ImplicitDeny);
        assert_eq!(e.missing, vec![Missing::Boundary]);
        assert!(e.near_misses.is_empty(), "{e:?}");
        // The same request allowed names its deciding statement by name and Sid.
        let e = explain(&set, &request("ec2:RunInstances", "*", &[]));
        assert_eq!(e.outcome.decision, Decision::Allow);
        assert_eq!(e.deciding.unwrap().label(), "admin.json Sid \"All\"");
    }

    #[test]
    fn cross_account_needs_a_resource_policy_grant() {
        let mut set = ParsedSet::default();
        set.identity.push(policy(
            "admin.json",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",
               "Resource":"*"}]}"#,
        ));
        let mut req = request("s3:GetObject", "arn:aws:s3:::b/k", &[]);
        req.resource_account = Some("444455556666".into());
        let e = explain(&set, &req);
        assert_eq!(e.missing, vec![Missing::CrossAccountGrant]);
    }

    #[test]
    fn indeterminate_lists_its_unknowns() {
        let mut set = ParsedSet::default();
        set.identity.push(policy(
            "tags.json",
            PolicyKind::Identity,
            r#"{"Version":"2012-10-17","Statement":[
               {"Effect":"Allow","Action":"s3:*","Resource":"*"},
               {"Sid":"NoProd","Effect":"Deny","Action":"s3:*","Resource":"*",
                "Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}]}"#,
        ));
        let mut req = request("s3:GetObject", "arn:aws:s3:::b/k", &[]);
        req.unknown.context.push("aws:ResourceTag/env".into());
        let e = explain(&set, &req);
        assert!(matches!(e.outcome.decision, Decision::Indeterminate(_)));
        assert_eq!(e.unknowns.keys, vec!["aws:ResourceTag/env".to_string()]);
        assert!(e.near_misses.is_empty());
    }
}
