//! What the evaluator knows about the principal (DESIGN.md, "Request facts" and "Principal
//! part"): its kind, account and role read from its ARN once per decision (lazily), how
//! strongly a resource policy's `Principal` names it (E-13, E-14), whether a `NotPrincipal`
//! exempts it (E-15, E-16), and whether it is a service-linked role (E-12).

use crate::compiled::Principal;
use crate::value;

/// How a resource-policy statement names the principal (DESIGN.md, "Principal part").
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Strength {
    None,
    Account,
    Role,
    Direct,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum PKind {
    User,
    Role,
    Session,
    Federated,
    Root,
    OtherArn,
    NonAccount,
}

/// What the evaluator needs to know about the principal, borrowed from its string.
pub(super) struct PrincipalFacts<'a> {
    pub(super) arn: &'a str,
    pub(super) kind: PKind,
    /// Where the first five colons are, when the principal is an ARN.
    pub(super) cuts: Option<[usize; 5]>,
    pub(super) account: Option<&'a str>,
    /// For a session: the role name.
    pub(super) role: &'a str,
}

impl<'a> PrincipalFacts<'a> {
    /// Built on every decision, so the fields are read as bytes at the colons, and only the
    /// account (and a session's role) are sliced as text; the partition waits for a
    /// `Principal` element that needs it.
    #[inline]
    pub(super) fn new(s: &'a str) -> PrincipalFacts<'a> {
        let mut f = PrincipalFacts {
            arn: s,
            kind: PKind::NonAccount,
            cuts: None,
            account: None,
            role: "",
        };
        let Some(c) = value::arn_cuts(s) else {
            return f;
        };
        f.cuts = Some(c);
        let b = s.as_bytes();
        f.account = s.get(c[3] + 1..c[4]).filter(|a| !a.is_empty());
        let service = b.get(c[1] + 1..c[2]).unwrap_or_default();
        let res = b.get(c[4] + 1..).unwrap_or_default();
        f.kind = if c[3] != c[2] + 1 {
            // IAM and STS principals have no region; anything else is some other ARN.
            PKind::OtherArn
        } else {
            match service {
                b"iam" if res == b"root" => PKind::Root,
                b"iam" if res.starts_with(b"user/") => PKind::User,
                b"iam" if res.starts_with(b"role/") => PKind::Role,
                b"sts" if res.starts_with(b"federated-user/") => PKind::Federated,
                b"sts" => match s
                    .get(c[4] + 1..)
                    .and_then(|r| r.strip_prefix("assumed-role/"))
                    .and_then(|r| r.split_once('/'))
                {
                    Some((role, _session)) if !role.is_empty() => {
                        f.role = role;
                        PKind::Session
                    }
                    _ => PKind::OtherArn,
                },
                _ => PKind::OtherArn,
            }
        };
        f
    }

    fn partition(&self) -> Option<&'a str> {
        self.cuts.and_then(|c| self.arn.get(c[0] + 1..c[1]))
    }

    /// `entry` is `arn:<partition>:iam::<account>:root` for this principal.
    fn is_root_entry(&self, entry: &str) -> bool {
        let (Some(part), Some(acct)) = (self.partition(), self.account) else {
            return false;
        };
        entry
            .strip_prefix("arn:")
            .and_then(|r| r.strip_prefix(part))
            .and_then(|r| r.strip_prefix(":iam::"))
            .and_then(|r| r.strip_prefix(acct))
            .is_some_and(|r| r == ":root")
    }

    /// `entry` is a role ARN whose sessions include this principal (E-14).
    fn is_role_entry(&self, entry: &str) -> bool {
        if self.kind != PKind::Session {
            return false;
        }
        let Some(f) = arn_fields(entry) else {
            return false;
        };
        let Some(path) = f[5].strip_prefix("role/") else {
            return false;
        };
        f[2] == "iam"
            && f[3].is_empty()
            && Some(f[1]) == self.partition()
            && Some(f[4]) == self.account
            && path.rsplit('/').next() == Some(self.role)
    }

    #[inline]
    pub(super) fn strength(&self, p: &Principal) -> Strength {
        if p.wildcard {
            return Strength::Direct;
        }
        let mut best = Strength::None;
        for e in p.entries.iter() {
            let s = if **e == *self.arn {
                // E-13: a grant naming the role ARN is limited by the role's boundary and
                // session policy whoever calls, the role ARN itself included.
                if self.kind == PKind::Role {
                    Strength::Role
                } else {
                    Strength::Direct
                }
            } else if self.is_role_entry(e) {
                Strength::Role
            } else if self.is_root_entry(e) {
                Strength::Account
            } else {
                Strength::None
            };
            best = best.max(s);
            if best == Strength::Direct {
                break;
            }
        }
        best
    }

    /// E-15, E-16: whether a `NotPrincipal` list exempts this principal.
    #[inline]
    pub(super) fn exempt(&self, p: &Principal, has_boundary: bool) -> bool {
        // E-16 comes first: with a boundary, users, roles and sessions are never exempt,
        // whatever the list holds (the wildcard included).
        if has_boundary && matches!(self.kind, PKind::User | PKind::Role | PKind::Session) {
            return false;
        }
        if p.wildcard {
            return true;
        }
        let listed = |x: &str| p.entries.iter().any(|e| **e == *x);
        let root = || p.entries.iter().any(|e| self.is_root_entry(e));
        match self.kind {
            PKind::NonAccount => listed(self.arn),
            PKind::Root => root(),
            PKind::Session => {
                root() && (listed(self.arn) || p.entries.iter().any(|e| self.is_role_entry(e)))
            }
            PKind::User | PKind::Role | PKind::Federated | PKind::OtherArn => {
                root() && listed(self.arn)
            }
        }
    }

    #[inline]
    pub(super) fn is_service_linked_role(&self) -> bool {
        self.kind == PKind::Role && is_slr_arn(self.arn)
    }
}

/// The six fields of an ARN that starts with `arn:`.
#[inline]
pub(super) fn arn_fields(s: &str) -> Option<[&str; 6]> {
    value::split_arn(s).filter(|f| f[0] == "arn")
}

/// `arn:P:iam::A:role/...` (no region).
#[inline]
pub(super) fn is_role_arn(s: &str) -> bool {
    arn_fields(s).is_some_and(|f| f[2] == "iam" && f[3].is_empty() && f[5].starts_with("role/"))
}

/// Whether `:role/aws-service-role/` occurs in `s`, checked only at its few `/` bytes (cheaper
/// than a substring search on every decision).
#[expect(
    clippy::indexing_slicing,
    reason = "`i` is an index of `b` from `enumerate`, so `..i` and `i + 1..` are in range"
)]
#[inline]
pub(super) fn has_slr_marker(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        c == b'/' && b[..i].ends_with(b":role") && b[i + 1..].starts_with(b"aws-service-role/")
    })
}

/// E-12: a role whose path starts with `/aws-service-role/`.
#[inline]
pub(super) fn is_slr_arn(s: &str) -> bool {
    // Cheap filter first: this runs on every decision of a set with SCPs or RCPs.
    has_slr_marker(s)
        && is_role_arn(s)
        && arn_fields(s).is_some_and(|f| f[5].starts_with("role/aws-service-role/"))
}
