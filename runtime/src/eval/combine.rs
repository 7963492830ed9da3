//! Combining what the Deny and Allow loops found into a decision (E-5 … E-20): the
//! built-in rule of E-20, which RCPs apply (E-10), the deciding statement's reference, and the
//! cross-account rule (E-19) with its resource-policy-required cases.

use crate::compiled::Stmt;
use crate::decision::{StatementRef, GET_CALLER_IDENTITY};
use crate::eval::principal::{arn_fields, is_role_arn};

/// E-20: the one action that needs no permission (ASCII case folded, A-2).
#[inline]
pub(super) fn is_get_caller_identity(action: &str) -> bool {
    const GCI: &str = GET_CALLER_IDENTITY;
    action.len() == GCI.len() && action.eq_ignore_ascii_case(GCI)
}

/// E-10: whether RCPs apply to `action`'s service (`services` lower-case; the prefix is
/// compared without regard to ASCII case, A-2).
#[inline]
pub(super) fn rcp_covers(services: &[Box<str>], action: &str) -> bool {
    let prefix = action.split_once(':').map_or(action, |(p, _)| p);
    services.iter().any(|s| s.eq_ignore_ascii_case(prefix))
}

#[inline]
pub(super) fn stmt_ref(s: &Stmt) -> StatementRef {
    StatementRef {
        kind: s.kind,
        level: s.level,
        policy: s.policy,
        statement: s.index,
    }
}

/// E-19: KMS keys and role assumption need the resource policy.
#[inline]
pub(super) fn resource_required(action: &str, resource: &str) -> bool {
    let assume = [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
    ]
    .iter()
    .any(|a| a.eq_ignore_ascii_case(action));
    // Without `assume`, only a `kms` service field can make it required: a cheap look at
    // the third field before splitting the ARN.
    if !assume && !kms_field(resource) {
        return false;
    }
    let Some(f) = arn_fields(resource) else {
        return false;
    };
    if f[2] == "kms" && f[5].starts_with("key/") {
        return true;
    }
    assume && is_role_arn(resource)
}

/// Whether the third `:`-separated field of `s` is `kms` (as `arn_fields(s)?[2] == "kms"`
/// finds it, when `s` is an ARN).
#[inline]
pub(super) fn kms_field(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(first) = b.iter().position(|&c| c == b':') else {
        return false;
    };
    let rest = b.get(first + 1..).unwrap_or_default();
    let Some(second) = rest.iter().position(|&c| c == b':') else {
        return false;
    };
    rest.get(second + 1..)
        .is_some_and(|t| t.starts_with(b"kms:"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    /// E-19 as it was written before `kms_field` (a substring search, then the ARN split).
    fn resource_required_slow(action: &str, resource: &str) -> bool {
        let assume = [
            "sts:AssumeRole",
            "sts:AssumeRoleWithSAML",
            "sts:AssumeRoleWithWebIdentity",
        ]
        .iter()
        .any(|a| a.eq_ignore_ascii_case(action));
        if !assume && !resource.contains(":kms:") {
            return false;
        }
        let Some(f) = arn_fields(resource) else {
            return false;
        };
        if f[2] == "kms" && f[5].starts_with("key/") {
            return true;
        }
        assume && is_role_arn(resource)
    }

    #[test]
    fn e19_fast_check_agrees() {
        let parts = [
            "arn", "aws", "kms", "KMS", "kms:", "", "key/", "key/1", "iam", "role/x", ":", "x",
            "s3",
        ];
        let mut rng = crate::test_rng::Lcg::new(1u64);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..200_000 {
            let k = next(8);
            let r: Vec<&str> = (0..k).map(|_| parts[next(parts.len())]).collect();
            let sep = if next(4) == 0 { "" } else { ":" };
            let resource = r.join(sep);
            for action in ["s3:GetObject", "sts:assumerole", "kms:Decrypt"] {
                assert_eq!(
                    resource_required(action, &resource),
                    resource_required_slow(action, &resource),
                    "{action} {resource}"
                );
            }
        }
    }
}
