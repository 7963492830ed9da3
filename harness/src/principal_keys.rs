//! Principal keys derived from the principal ARN, for request builders (K-7).
//!
//! AWS sets `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid` and
//! (IAM users only) `aws:username` in every authenticated request. The runtime never derives
//! them (K-1, V-11: it decides exactly the context it is given), so a harness that builds
//! requests by hand would otherwise have to spell them out, and `${aws:username}` in a policy
//! silently matches nothing when it is forgotten. [`derive()`] computes what the principal ARN
//! alone tells; [`add_derived`] adds those keys to a request that does not give them. It is an
//! explicit step of building a request, never part of deciding one.
//!
//! What the ARN tells, per principal (K-7):
//!
//! | principal ARN | PrincipalArn | PrincipalType | username | userid |
//! |---|---|---|---|---|
//! | `arn:P:iam::A:root` | the ARN | `Account` | — | `A` |
//! | `arn:P:iam::A:user/path/N` | the ARN | `User` | `N` | not derivable |
//! | `arn:P:iam::A:role/path/N` (a session of the role) | the ARN | `AssumedRole` | — | not derivable |
//! | `arn:P:sts::A:assumed-role/R/S` | `arn:P:iam::A:role/R` | `AssumedRole` | — | not derivable |
//! | `arn:P:sts::A:federated-user/N` | the ARN | `FederatedUser` | — | `A:N` |
//! | `anonymous` | — | `Anonymous` | — | — |
//!
//! `aws:PrincipalAccount` is `A` for every ARN row. Trade-offs, stated rather than guessed:
//! - `aws:userid` of an IAM user is its unique id (`AIDA…`) and of a role session
//!   `role-id:session` (`AROA…:S`); neither is in the ARN, so it is left absent — give it in
//!   the request's context when a policy reads it.
//! - An assumed-role ARN does not carry the role's path, so the derived `aws:PrincipalArn` is
//!   `role/R` without it; for a role with a path give the role ARN (`role/path/R`) as the
//!   principal, or `aws:PrincipalArn` explicitly.
//! - Service principals, account ids and anything that is not one of these ARNs get nothing.
//!
//! A key the request gives (case-insensitively, C-2) or declares unknown (K-13) always wins.

use crate::request::{ContextValue, Request};

/// The keys this module may derive, in the order [`derive()`] returns them.
pub const DERIVED_KEYS: [&str; 5] = [
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalType",
    "aws:username",
    "aws:userid",
];

/// The principal keys AWS sets for `principal` that its ARN alone determines (see the module
/// documentation for the table), as `(key, value)` pairs. Empty for principals it says nothing
/// about (service principals, account ids, malformed ARNs).
pub fn derive(principal: &str) -> Vec<(&'static str, String)> {
    if principal == "anonymous" {
        return vec![("aws:PrincipalType", "Anonymous".to_string())];
    }
    let mut parts = principal.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(""), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Vec::new();
    };
    if partition.is_empty() || account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let last = |path: &str| path.rsplit('/').next().unwrap_or_default().to_string();
    let (arn, kind, username, userid) = match (service, resource.split_once('/')) {
        ("iam", None) if resource == "root" => (
            principal.to_string(),
            "Account",
            None,
            Some(account.to_string()),
        ),
        ("iam", Some(("user", path))) if !last(path).is_empty() => {
            (principal.to_string(), "User", Some(last(path)), None)
        }
        ("iam", Some(("role", path))) if !last(path).is_empty() => {
            (principal.to_string(), "AssumedRole", None, None)
        }
        ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
            Some((role, session)) if !role.is_empty() && !session.is_empty() => (
                format!("arn:{partition}:iam::{account}:role/{role}"),
                "AssumedRole",
                None,
                None,
            ),
            _ => return Vec::new(),
        },
        ("sts", Some(("federated-user", name))) if !name.is_empty() && !name.contains('/') => (
            principal.to_string(),
            "FederatedUser",
            None,
            Some(format!("{account}:{name}")),
        ),
        _ => return Vec::new(),
    };
    let mut keys = vec![
        ("aws:PrincipalArn", arn),
        ("aws:PrincipalAccount", account.to_string()),
        ("aws:PrincipalType", kind.to_string()),
    ];
    if let Some(u) = username {
        keys.push(("aws:username", u));
    }
    if let Some(u) = userid {
        keys.push(("aws:userid", u));
    }
    keys
}

/// Add to `request`'s context every key [`derive()`] gives for its principal that the request
/// neither gives (case-insensitively, C-2) nor declares unknown (K-13). Returns how many keys
/// were added.
pub fn add_derived(request: &mut Request) -> usize {
    let mut added = 0;
    for (key, value) in derive(&request.principal) {
        if request.context.get(key).is_none() && !request.unknown.has_key(key) {
            request.context.insert(key, ContextValue::Single(value));
            added += 1;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Unknowns;

    fn get(keys: &[(&'static str, String)], k: &str) -> Option<String> {
        keys.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn k7_iam_user_gets_username_but_no_userid() {
        let k = derive("arn:aws:iam::111122223333:user/division/alice");
        assert_eq!(get(&k, "aws:username").as_deref(), Some("alice"));
        assert_eq!(get(&k, "aws:PrincipalType").as_deref(), Some("User"));
        assert_eq!(
            get(&k, "aws:PrincipalArn").as_deref(),
            Some("arn:aws:iam::111122223333:user/division/alice")
        );
        assert_eq!(
            get(&k, "aws:PrincipalAccount").as_deref(),
            Some("111122223333")
        );
        assert_eq!(get(&k, "aws:userid"), None);
    }

    #[test]
    fn k7_role_session_arn_is_the_role_and_has_no_username() {
        let k = derive("arn:aws-cn:sts::111122223333:assumed-role/Admin/bob");
        assert_eq!(
            get(&k, "aws:PrincipalArn").as_deref(),
            Some("arn:aws-cn:iam::111122223333:role/Admin")
        );
        assert_eq!(get(&k, "aws:PrincipalType").as_deref(), Some("AssumedRole"));
        assert_eq!(get(&k, "aws:username"), None);
        assert_eq!(get(&k, "aws:userid"), None);
        let k = derive("arn:aws:iam::111122223333:role/svc/Admin");
        assert_eq!(get(&k, "aws:PrincipalType").as_deref(), Some("AssumedRole"));
        assert_eq!(get(&k, "aws:username"), None);
    }

    #[test]
    fn k7_root_and_federated_user_userids() {
        let k = derive("arn:aws:iam::111122223333:root");
        assert_eq!(get(&k, "aws:PrincipalType").as_deref(), Some("Account"));
        assert_eq!(get(&k, "aws:userid").as_deref(), Some("111122223333"));
        assert_eq!(get(&k, "aws:username"), None);
        let k = derive("arn:aws:sts::111122223333:federated-user/carol");
        assert_eq!(
            get(&k, "aws:PrincipalType").as_deref(),
            Some("FederatedUser")
        );
        assert_eq!(get(&k, "aws:userid").as_deref(), Some("111122223333:carol"));
        assert_eq!(get(&k, "aws:username"), None);
    }

    #[test]
    fn k7_nothing_for_service_principals_and_malformed_arns() {
        for p in [
            "s3.amazonaws.com",
            "111122223333",
            "arn:aws:iam::111122223333:user/",
            "arn:aws:iam::notanaccount:user/a",
            "arn:aws:sts::111122223333:assumed-role/OnlyRole",
            "arn:aws:s3:::bucket",
        ] {
            assert!(derive(p).is_empty(), "{p}");
        }
        assert_eq!(
            derive("anonymous"),
            vec![("aws:PrincipalType", "Anonymous".to_string())]
        );
    }

    #[test]
    fn k1_given_and_unknown_keys_win() {
        let mut r = Request {
            principal: "arn:aws:iam::111122223333:user/alice".into(),
            ..Request::default()
        };
        r.context
            .insert("AWS:USERNAME", ContextValue::Single("given".into()));
        r.unknown = Unknowns {
            context: vec!["aws:PrincipalType".into()],
            resource: false,
        };
        assert_eq!(add_derived(&mut r), 2);
        assert_eq!(
            r.context.get("aws:username"),
            Some(&ContextValue::Single("given".into()))
        );
        assert_eq!(r.context.get("aws:PrincipalType"), None);
        assert_eq!(
            r.context.get("aws:PrincipalAccount"),
            Some(&ContextValue::Single("111122223333".into()))
        );
    }
}
