//! Request facts about the principal and the resource (DESIGN.md "Request facts", E-9, E-12)
//! and the principal part of resource-based policies and RCPs (E-14 … E-16).

use crate::request::{ContextValue, Request};
use iamc_compiler::ast::PrincipalPart;

use crate::values::arn_fields;

/// What kind of principal made the request, read from the principal string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `arn:P:iam::A:user/...`
    User,
    /// `arn:P:iam::A:role/...`
    Role,
    /// `arn:P:sts::A:assumed-role/R/S`, with the role name `R`.
    Session {
        /// The role name `R`.
        role_name: String,
    },
    /// `arn:P:sts::A:federated-user/N`
    FederatedUser,
    /// `arn:P:iam::A:root`
    Root,
    /// Some other ARN (it still has a partition and maybe an account).
    OtherArn,
    /// Not an ARN: a service principal (`s3.amazonaws.com`), `anonymous`, ...
    NonAccount,
}

/// The facts about a request that the combining rules (group E) need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    /// The principal's kind.
    pub kind: PrincipalKind,
    /// The partition of the principal ARN (none for non-account principals).
    pub partition: Option<String>,
    /// The account field of the principal ARN (none for non-account principals, or empty).
    pub principal_account: Option<String>,
    /// spec: E-9 — `resource_account`, else the resource ARN's account, else the principal's.
    pub resource_account: Option<String>,
    /// Principal account present and equal to the resource account.
    pub same_account: bool,
    /// spec: E-9, E-21 — the resource is unknown and no `resource_account` is given: the
    /// resource's account is unknown (`resource_account` above is then the principal's, a
    /// stand-in the combining rules must not trust).
    pub account_unknown: bool,
    /// spec: E-12 — the request is made by a service-linked role.
    pub service_linked_role: bool,
}

/// Whether `s` is an IAM role ARN `arn:P:iam::A:role/...`.
pub fn is_role_arn(s: &str) -> bool {
    arn_fields(s).is_some_and(|f| f[2] == "iam" && f[3].is_empty() && f[5].starts_with("role/"))
}

/// spec: E-12 — a role ARN whose path starts with `/aws-service-role/`.
fn is_service_linked_role_arn(s: &str) -> bool {
    is_role_arn(s) && arn_fields(s).is_some_and(|f| f[5].starts_with("role/aws-service-role/"))
}

/// Classify the principal string (DESIGN.md "principal kinds").
pub fn principal_kind(principal: &str) -> PrincipalKind {
    let Some(f) = arn_fields(principal) else {
        return PrincipalKind::NonAccount;
    };
    let (service, region, resource) = (f[2], f[3], f[5]);
    if !region.is_empty() {
        return PrincipalKind::OtherArn;
    }
    match service {
        "iam" if resource == "root" => PrincipalKind::Root,
        "iam" if resource.starts_with("user/") => PrincipalKind::User,
        "iam" if resource.starts_with("role/") => PrincipalKind::Role,
        "sts" if resource.starts_with("federated-user/") => PrincipalKind::FederatedUser,
        "sts" => match resource.strip_prefix("assumed-role/") {
            Some(rest) => match rest.split_once('/') {
                Some((role_name, _session)) if !role_name.is_empty() => PrincipalKind::Session {
                    role_name: role_name.to_string(),
                },
                _ => PrincipalKind::OtherArn,
            },
            None => PrincipalKind::OtherArn,
        },
        _ => PrincipalKind::OtherArn,
    }
}

impl Facts {
    /// Work out the facts of `req`.
    pub fn of(req: &Request) -> Facts {
        let kind = principal_kind(&req.principal);
        let principal_fields = arn_fields(&req.principal);
        let partition = principal_fields.map(|f| f[1].to_string());
        let principal_account = principal_fields
            .map(|f| f[4])
            .filter(|a| !a.is_empty())
            .map(str::to_string);
        // spec: E-9
        let resource_account = req
            .resource_account
            .clone()
            .or_else(|| {
                if req.unknown.resource {
                    return None;
                }
                arn_fields(&req.resource)
                    .map(|f| f[4])
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
            })
            .or_else(|| principal_account.clone());
        let same_account = principal_account.is_some() && principal_account == resource_account;
        // spec: E-12 — the principal is a service-linked role ARN, or `aws:PrincipalArn`
        // (single value) names one. Never guessed from a session's role name.
        let service_linked_role = is_service_linked_role_arn(&req.principal)
            || matches!(
                req.context.get("aws:PrincipalArn"),
                Some(ContextValue::Single(arn)) if is_service_linked_role_arn(arn)
            );
        Facts {
            kind,
            partition,
            principal_account,
            resource_account,
            same_account,
            account_unknown: req.unknown.resource && req.resource_account.is_none(),
            service_linked_role,
        }
    }

    /// `arn:P:iam::A:root` for the principal's partition and account.
    pub fn root_arn(&self) -> Option<String> {
        let partition = self.partition.as_ref()?;
        let account = self.principal_account.as_ref()?;
        Some(format!("arn:{partition}:iam::{account}:root"))
    }
}

/// How strongly a resource-policy statement's `Principal` names the request principal
/// (E-7, E-14). Ordered weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strength {
    /// Not named at all.
    None,
    /// Names the principal's account (`arn:P:iam::A:root`): delegation only (E-7).
    Account,
    /// Names the role of a role-session principal, or the role ARN that is itself the
    /// principal (E-7, E-13): limited by the role's boundary and session policy.
    Role,
    /// `*`, or names the principal string exactly (E-7).
    Direct,
}

/// spec: E-14 — whether `entry` is a role ARN `arn:P:iam::A:role/<path>R` matching the session
/// principal (same partition and account, last path segment `R`).
fn entry_is_role_of_session(entry: &str, facts: &Facts) -> bool {
    let PrincipalKind::Session { role_name } = &facts.kind else {
        return false;
    };
    let Some(f) = arn_fields(entry) else {
        return false;
    };
    let Some(role_path) = f[5].strip_prefix("role/") else {
        return false;
    };
    let last_segment = role_path.rsplit('/').next().unwrap_or(role_path);
    f[2] == "iam"
        && f[3].is_empty()
        && Some(f[1]) == facts.partition.as_deref()
        && Some(f[4]) == facts.principal_account.as_deref()
        && last_segment == role_name
}

/// spec: E-7, E-14 — the grant strength of a `Principal` part: the strongest matching entry.
pub fn grant_strength(part: &PrincipalPart, req: &Request, facts: &Facts) -> Strength {
    if part.wildcard {
        return Strength::Direct;
    }
    let root = facts.root_arn();
    part.entries
        .iter()
        .map(|e| {
            if e.value == req.principal && facts.kind == PrincipalKind::Role {
                // spec: E-13 — a grant to the role ARN is limited by the role's boundary
                // whoever the caller is, the role ARN itself included.
                Strength::Role
            } else if e.value == req.principal {
                Strength::Direct
            } else if entry_is_role_of_session(&e.value, facts) {
                Strength::Role
            } else if root.as_deref() == Some(e.value.as_str()) {
                Strength::Account
            } else {
                Strength::None
            }
        })
        .max()
        .unwrap_or(Strength::None)
}

/// spec: E-15, E-16 — whether the principal escapes a `Deny` + `NotPrincipal` statement.
pub fn not_principal_exempts(
    part: &PrincipalPart,
    req: &Request,
    facts: &Facts,
    boundaries_given: bool,
) -> bool {
    // spec: E-16 — with permissions boundaries, users, roles and sessions are never exempt.
    if boundaries_given
        && matches!(
            facts.kind,
            PrincipalKind::User | PrincipalKind::Role | PrincipalKind::Session { .. }
        )
    {
        return false;
    }
    // spec: E-15 — the wildcard exempts everyone.
    if part.wildcard {
        return true;
    }
    let listed = |s: &str| part.entries.iter().any(|e| e.value == s);
    let root_listed = facts.root_arn().is_some_and(|root| listed(&root));
    match &facts.kind {
        // Account, then the identity itself.
        PrincipalKind::User | PrincipalKind::Role | PrincipalKind::FederatedUser => {
            root_listed && listed(&req.principal)
        }
        // Account, then the role or the session.
        PrincipalKind::Session { .. } => {
            root_listed
                && (listed(&req.principal)
                    || part
                        .entries
                        .iter()
                        .any(|e| entry_is_role_of_session(&e.value, facts)))
        }
        PrincipalKind::Root => root_listed,
        // Not in DESIGN.md's list: treated like a user (account and the ARN itself).
        PrincipalKind::OtherArn => root_listed && listed(&req.principal),
        PrincipalKind::NonAccount => listed(&req.principal),
    }
}

/// spec: E-2 (a), E-14, E-15 — whether a statement's principal part matches the request.
pub fn principal_part_matches(
    part: &PrincipalPart,
    req: &Request,
    facts: &Facts,
    boundaries_given: bool,
) -> bool {
    if part.negated {
        !not_principal_exempts(part, req, facts, boundaries_given)
    } else {
        grant_strength(part, req, facts) >= Strength::Account
    }
}
