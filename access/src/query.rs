//! The questions: who can do an action on a resource ([`who_can`]), what can a principal do
//! ([`can_what`]), and the whole organisation's matrix ([`can_what_all`]).
//!
//! Every answer is a decision of the compiled engine, exhaustively — every principal, every
//! action — never a sample. A decision that depends on a request fact the query does not fix
//! (a condition key, or the resource when none is given) is reported as `indeterminate` with
//! what it depends on (E-21, K-13), never as allowed.
//!
//! Without a resource, an action that authorizes on resource types is decided with the
//! resource unknown, in the principal's own account: `allow` means allowed on every resource
//! of the account, `indeterminate` with `depends_on.resource` means allowed on some. An action
//! without resource types is decided on `*`.

use std::collections::HashMap;
use std::sync::Arc;

use iamc_audit::snapshot::keys_read;
use iamc_compiler::ast::{Policy, PrincipalType};
use iamc_runtime::{Decision, DependsOn, Outcome, PolicySet, Request, Unknown, Value};
use rayon::prelude::*;

use crate::catalog::{AccessLevel, Action, Catalog};
use crate::org::{principal_key, Org, Principal};

/// The statement (or rule) that decided, by name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Named {
    /// The policy's name (`managed:ARN`, `user/NAME:inline/POLICY`, a file name, …) or the
    /// spec rule (`E-20`).
    pub policy: String,
    /// The policy kind (`identity`, `resource`, …), `rule` for a built-in rule.
    pub kind: &'static str,
    /// The statement's Sid.
    pub sid: Option<String>,
    /// The statement's index in its policy.
    pub statement: u32,
}

/// The deciding statement of an outcome, by name.
pub fn deciding(set: &PolicySet, o: &Outcome) -> Option<Named> {
    match o.deciding? {
        iamc_runtime::Deciding::Rule(r) => Some(Named {
            policy: r.id().to_string(),
            kind: "rule",
            sid: None,
            statement: 0,
        }),
        iamc_runtime::Deciding::Statement(s) => {
            let info = set
                .policies()
                .iter()
                .find(|p| p.kind == s.kind && p.level == s.level && p.index == s.policy)?;
            Some(Named {
                policy: info.name.clone(),
                kind: s.kind.as_str(),
                sid: set.sid(&s).map(str::to_string),
                statement: s.statement,
            })
        }
    }
}

/// One answer: a principal allowed, or conditionally allowed, an action on a resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The principal (its ARN; for one named only by a resource policy, as named: an account
    /// root ARN, a service, `*`).
    pub principal: String,
    /// `user`, `role`, `account`, `service`, `federated`, `canonical_user` or `anyone`.
    pub principal_kind: &'static str,
    /// The action.
    pub action: String,
    /// Its access level.
    pub level: AccessLevel,
    /// The resource (`*` for an action without resource types, `unknown` when decided with
    /// the resource unknown).
    pub resource: String,
    /// `allow` or `indeterminate`.
    pub decision: Decision,
    /// The deciding statement of an allow.
    pub deciding: Option<Named>,
    /// What an indeterminate decision depends on.
    pub depends_on: Option<DependsOn>,
    /// For principals outside the org: what was assumed about them.
    pub assumes: Option<&'static str>,
}

/// A query's request facts besides principal, action and resource.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Context keys the query fixes (`--context k=v`).
    pub context: Vec<(String, String)>,
    /// The resource account (E-9), when the resource ARN does not name it.
    pub resource_account: Option<String>,
}

impl Facts {
    fn fixes(&self, lower_key: &str) -> bool {
        self.context
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(lower_key))
    }
}

/// The unknown keys of one decision: those the policies read, less the principal's and the
/// query's.
fn unknown_keys<'a>(keys: &'a [String], extra: &'a [String], facts: &Facts) -> Vec<&'a str> {
    keys.iter()
        .chain(extra)
        .map(String::as_str)
        .filter(|k| !facts.fixes(k))
        .collect()
}

/// The context of a principal's requests: its own keys, then the query's.
/// A key the query fixes replaces the principal's own (K-2: a request names a key once).
fn context<'a>(p: &'a Principal, facts: &'a Facts) -> Vec<(&'a str, Value<'a>)> {
    p.context
        .iter()
        .filter(|(k, _)| !facts.fixes(k))
        .chain(&facts.context)
        .map(|(k, v)| (k.as_str(), Value::Single(v.as_str())))
        .collect()
}

/// The request and unknowns of one decision.
fn request<'a>(
    p: &'a Principal,
    action: &'a str,
    resource: Option<&'a str>,
    facts: &'a Facts,
    context: &'a [(&'a str, Value<'a>)],
) -> Option<Request<'a>> {
    // `None` when the context names a key twice (K-2): the caller decides it as malformed,
    // a deny, never a grant. `context` and the CLI's `--context` check make it unreachable.
    let context = iamc_runtime::Context::new(context).ok()?;
    Some(Request {
        principal: &p.request_arn,
        action,
        resource: resource.unwrap_or("*"),
        // An unknown resource is one of the principal's own account (else every grant would
        // hinge on a resource policy of some other account, E-8).
        resource_account: facts.resource_account.as_deref().or_else(|| {
            resource
                .is_none()
                .then_some(p.account.as_str())
                .filter(|a| !a.is_empty())
        }),
        context,
    })
}

/// Decide one request of a principal (the resource unknown when `None`).
fn decide(
    set: &PolicySet,
    scratch: &mut iamc_runtime::Scratch,
    req: Option<&Request<'_>>,
    resource_known: bool,
    unknown: &[&str],
) -> Outcome {
    let Some(req) = req else {
        return Outcome::MALFORMED;
    };
    let unk = Unknown {
        context: unknown,
        resource: !resource_known,
    };
    set.evaluate_with_unknowns(scratch, req, &unk)
}

/// Whether a decision is reported: allowed, or possibly allowed.
fn reported(d: Decision) -> bool {
    match d {
        Decision::Allow => true,
        Decision::Indeterminate(p) => p.contains(iamc_runtime::Possible::ALLOW),
        _ => false,
    }
}

/// The keys a resource policy reads that no principal fixes (lower case).
fn resource_keys(policy: Option<&Arc<Policy>>) -> Vec<String> {
    let Some(p) = policy else {
        return Vec::new();
    };
    let mut v: Vec<String> = keys_read(std::slice::from_ref(p))
        .into_iter()
        .map(|k| k.to_ascii_lowercase())
        .filter(|k| !principal_key(k))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// Who can perform each action on each resource: every principal of the org allowed or
/// conditionally allowed, then the principals outside the org a resource policy names.
/// Sorted by action, resource, principal.
pub fn who_can(
    org: &Org,
    actions: &[Action],
    resources: &[String],
    facts: &Facts,
) -> Result<Vec<Grant>, String> {
    let mut out = Vec::new();
    for resource in resources {
        let rp = org.resource_policy(resource);
        let with = match rp {
            Some((key, _)) => Some(org.sets_with_resource(key)?),
            None => None,
        };
        let extra = resource_keys(rp.map(|(_, p)| p));
        let set_of = |p: &Principal| -> &PolicySet {
            match &with {
                Some(v) => &v[p.set],
                None => &org.sets()[p.set].compiled,
            }
        };
        // Without a resource policy, principals of one class decide alike: one decision per
        // class. With one, every principal is decided, set by set.
        let groups = if with.is_some() {
            org.by_set()
        } else {
            org.by_class()
        };
        for action in actions {
            let decided: Vec<Vec<Grant>> = groups
                .par_iter()
                .map(|members| {
                    let mut acc = Vec::new();
                    let Some(&first) = members.first() else {
                        return acc;
                    };
                    let ps = org.principals();
                    let set = set_of(&ps[first]);
                    let unknown = unknown_keys(&org.sets()[ps[first].set].keys, &extra, facts);
                    let mut scratch = set.create_scratch();
                    let shared = with.is_none();
                    let mut class_grant: Option<Option<Grant>> = None;
                    for &i in members {
                        let p = &ps[i];
                        if shared {
                            if let Some(g) = &class_grant {
                                if let Some(g) = g {
                                    acc.push(Grant {
                                        principal: p.arn.clone(),
                                        ..g.clone()
                                    });
                                }
                                continue;
                            }
                        }
                        let ctx = context(p, facts);
                        let req = request(p, &action.name, Some(resource), facts, &ctx);
                        let o = decide(set, &mut scratch, req.as_ref(), true, &unknown);
                        let g = req
                            .as_ref()
                            .filter(|_| reported(o.decision))
                            .map(|req| grant(set, req, action, true, &unknown, &o, p.kind()));
                        acc.extend(g.clone());
                        class_grant = Some(g);
                    }
                    acc
                })
                .collect();
            let mut grants: Vec<Grant> = decided.into_iter().flatten().collect();
            if let Some((_, policy)) = rp {
                grants.extend(outside(org, policy, action, resource, facts, &extra)?);
            }
            grants.sort_by(|a, b| a.principal.cmp(&b.principal));
            out.extend(grants);
        }
    }
    Ok(out)
}

fn grant(
    set: &PolicySet,
    req: &Request<'_>,
    action: &Action,
    resource_known: bool,
    unknown: &[&str],
    o: &Outcome,
    kind: &'static str,
) -> Grant {
    let indeterminate = matches!(o.decision, Decision::Indeterminate(_));
    let principal = req
        .context
        .entries()
        .iter()
        .find(|(k, _)| *k == "aws:PrincipalArn")
        .and_then(|(_, v)| match v {
            Value::Single(s) => Some(s.to_string()),
            Value::Multi(_) => None,
        })
        .unwrap_or_else(|| req.principal.to_string());
    Grant {
        principal,
        principal_kind: kind,
        action: action.name.clone(),
        level: action.level,
        resource: if resource_known {
            req.resource
        } else {
            "unknown"
        }
        .to_string(),
        decision: o.decision,
        deciding: deciding(set, o),
        depends_on: indeterminate.then(|| {
            let unk = Unknown {
                context: unknown,
                resource: !resource_known,
            };
            set.depends_on(&mut set.create_scratch(), req, &unk)
        }),
        assumes: None,
    }
}

/// Principals a resource policy names that the org does not hold: other accounts (and their
/// users and roles), services, identity providers, `*`. Each is decided on the resource policy
/// (and the RCPs); an account principal's own identity policies are not in any snapshot, so
/// they are taken to allow (`assumes`), and SCPs of its organisation are unknown to us.
fn outside(
    org: &Org,
    policy: &Arc<Policy>,
    action: &Action,
    resource: &str,
    facts: &Facts,
    extra: &[String],
) -> Result<Vec<Grant>, String> {
    let accounts = org.accounts();
    let mut named: Vec<(String, &'static str, String)> = Vec::new();
    for st in &policy.statements {
        let Some(pp) = &st.principal else { continue };
        if pp.negated {
            continue;
        }
        if pp.wildcard {
            named.push(("*".into(), "anyone", "anonymous".into()));
        }
        for e in &pp.entries {
            let v = e.value.clone();
            match e.kind {
                PrincipalType::Aws => {
                    let acct = v.split(':').nth(4).unwrap_or("");
                    if accounts.contains(&acct) {
                        continue; // its principals are in the org and decided with their policies
                    }
                    let kind = if v.ends_with(":root") {
                        "account"
                    } else if v.contains(":role/") {
                        "role"
                    } else {
                        "user"
                    };
                    named.push((v.clone(), kind, v));
                }
                PrincipalType::Service => named.push((v.clone(), "service", v)),
                PrincipalType::Federated => named.push((v.clone(), "federated", v)),
                PrincipalType::CanonicalUser => named.push((v.clone(), "canonical_user", v)),
            }
        }
    }
    named.sort();
    named.dedup();
    if named.is_empty() {
        return Ok(Vec::new());
    }
    let allow_all = iamc_audit::snapshot::parse_doc(
        "assumed:own-account-allows",
        &serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}),
        iamc_compiler::ast::PolicyKind::Identity,
    )
    .0;
    let mut out = Vec::new();
    for (shown, kind, as_principal) in named {
        let account = matches!(kind, "account" | "role" | "user");
        let mut c = iamc_compiler::Compiler::new(
            iamc_compiler::Config::new()
                .management_account(org.inputs().management_account.clone()),
        );
        if account {
            c.add_policy(
                iamc_compiler::ast::PolicyKind::Identity,
                0,
                (*allow_all).clone(),
            );
        }
        for (level, ps) in org.inputs().rcps.iter().enumerate() {
            for p in ps {
                c.add_policy(iamc_compiler::ast::PolicyKind::Rcp, level, (**p).clone());
            }
        }
        c.add_policy(
            iamc_compiler::ast::PolicyKind::Resource,
            0,
            (**policy).clone(),
        );
        let set = c.build().map_err(|e| e.to_string())?;
        let p = Principal::outside(&as_principal);
        let unknown = unknown_keys(&[], extra, facts);
        let ctx = context(&p, facts);
        let req = request(&p, &action.name, Some(resource), facts, &ctx);
        let o = decide(
            &set,
            &mut set.create_scratch(),
            req.as_ref(),
            true,
            &unknown,
        );
        if let Some(req) = req.as_ref().filter(|_| reported(o.decision)) {
            let mut g = grant(&set, req, action, true, &unknown, &o, kind);
            g.principal = shown;
            g.principal_kind = kind;
            g.assumes = account.then_some("the principal's own account allows it (its identity policies and SCPs are not in the snapshot)");
            out.push(g);
        }
    }
    Ok(out)
}

/// What one principal can do: every action of the catalog, on `resource` or (none) with the
/// resource unknown for actions that have resource types. Sorted by action.
pub fn can_what(
    org: &Org,
    principal: &Principal,
    catalog: &Catalog,
    resource: Option<&str>,
    facts: &Facts,
) -> Result<Vec<Grant>, String> {
    let rp = resource.and_then(|r| org.resource_policy(r));
    let with = match rp {
        Some((key, _)) => Some(org.sets_with_resource(key)?),
        None => None,
    };
    let set = match &with {
        Some(v) => &v[principal.set],
        None => &org.sets()[principal.set].compiled,
    };
    let extra = resource_keys(rp.map(|(_, p)| p));
    let unknown = unknown_keys(&org.sets()[principal.set].keys, &extra, facts);
    let mut scratch = set.create_scratch();
    let ctx = context(principal, facts);
    let mut out = Vec::new();
    for a in catalog.actions() {
        let r = resource.or(a.resource_types.is_empty().then_some("*"));
        let req = request(principal, &a.name, r, facts, &ctx);
        let o = decide(set, &mut scratch, req.as_ref(), r.is_some(), &unknown);
        if let Some(req) = req.as_ref().filter(|_| reported(o.decision)) {
            out.push(grant(
                set,
                req,
                a,
                r.is_some(),
                &unknown,
                &o,
                principal.kind(),
            ));
        }
    }
    Ok(out)
}

/// One principal's answer in the organisation's matrix: the indexes (into the catalog) of the
/// actions allowed, and of those conditionally allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Profile {
    /// Allowed on every resource (or on `*`).
    pub allowed: Vec<u32>,
    /// Indeterminate and possibly allowed.
    pub conditional: Vec<u32>,
}

/// The whole organisation's matrix: every principal over every action of the catalog (the
/// resource unknown, as in [`can_what`] without a resource), as one [`Profile`] per principal.
/// Principals of one sharing class ([`Org::class_of`]) decide alike, so each class is decided
/// once; classes run in parallel.
pub fn can_what_all(org: &Org, catalog: &Catalog, facts: &Facts) -> Vec<Arc<Profile>> {
    let mut first: HashMap<usize, usize> = HashMap::new();
    for (i, p) in org.principals().iter().enumerate() {
        first.entry(org.class_of(p)).or_insert(i);
    }
    let mut reps: Vec<(usize, usize)> = first.into_iter().collect();
    reps.sort_unstable();
    let profiles: HashMap<usize, Arc<Profile>> = reps
        .par_iter()
        .map(|&(class, i)| {
            let p = &org.principals()[i];
            (class, Arc::new(profile(org, p, catalog, facts)))
        })
        .collect();
    org.principals()
        .iter()
        .map(|p| Arc::clone(&profiles[&org.class_of(p)]))
        .collect()
}

/// One principal's profile, decided action by action.
pub fn profile(org: &Org, p: &Principal, catalog: &Catalog, facts: &Facts) -> Profile {
    let set = &org.sets()[p.set].compiled;
    let unknown = unknown_keys(&org.sets()[p.set].keys, &[], facts);
    let mut scratch = set.create_scratch();
    let ctx = context(p, facts);
    let mut prof = Profile::default();
    for (i, a) in catalog.actions().iter().enumerate() {
        let r = a.resource_types.is_empty().then_some("*");
        let req = request(p, &a.name, r, facts, &ctx);
        let o = decide(set, &mut scratch, req.as_ref(), r.is_some(), &unknown);
        match o.decision {
            Decision::Allow => prof.allowed.push(i as u32),
            d if reported(d) => prof.conditional.push(i as u32),
            _ => {}
        }
    }
    prof
}
