//! Knowledge about condition keys shared by every engine.

use crate::keys_multivalued::SERVICE_MULTIVALUED;

/// The global `aws:` keys AWS documents as multivalued (K-7, K-8, K-9, K-11), lower-cased and
/// sorted by bytes.
const GLOBAL_MULTIVALUED: [&str; 6] = [
    "aws:calledvia",
    "aws:principalorgpaths",
    "aws:principalservicenameslist",
    "aws:resourceorgpaths",
    "aws:sourceorgpaths",
    "aws:tagkeys",
];

/// Keys longer than this are lower-cased on the heap; shorter ASCII keys on the stack.
const STACK_KEY: usize = 128;

/// Whether AWS documents `key` as multivalued (C-24, K-8, K-9, K-11): a scalar given for such a
/// key is read as a one-element list, and a plain (non-set) operator on it is false when present.
///
/// The global keys above plus every service key the Service Authorization Reference types
/// `ArrayOf...` ([`SERVICE_MULTIVALUED`], generated). Key names are compared
/// case-insensitively (C-2): the key is lower-cased (on the stack for ASCII keys up to 128
/// bytes) and looked up by binary search. Templated service keys
/// (`events:Metadata/${MetadataKey}`) match any key with the same text around the template.
pub fn is_multivalued(key: &str) -> bool {
    let mut buf = [0u8; STACK_KEY];
    if key.is_ascii() && key.len() <= STACK_KEY {
        let lower = &mut buf[..key.len()];
        lower.copy_from_slice(key.as_bytes());
        lower.make_ascii_lowercase();
        // ASCII in, ASCII out: always valid UTF-8.
        match std::str::from_utf8(lower) {
            Ok(lower) => is_multivalued_lower(lower),
            Err(_) => false,
        }
    } else {
        is_multivalued_lower(&key.to_lowercase())
    }
}

/// [`is_multivalued`] for an already lower-cased key.
fn is_multivalued_lower(key: &str) -> bool {
    GLOBAL_MULTIVALUED.binary_search(&key).is_ok()
        || SERVICE_MULTIVALUED.binary_search(&key).is_ok()
        || matches_template(SERVICE_MULTIVALUED, key)
}

/// Whether `key` (lower-case) instantiates a templated entry of the sorted `table`: an entry
/// `head${name}tail` (or `head<name>tail`) whose `head` ends at a `/` of `key`, and `key` is
/// `head`, then non-empty text, then `tail`.
pub(crate) fn matches_template(table: &[&str], key: &str) -> bool {
    for (slash, _) in key.match_indices('/') {
        let head = &key[..=slash];
        let start = table.partition_point(|e| *e < head);
        for entry in table[start..].iter().take_while(|e| e.starts_with(head)) {
            if let Some((h, t)) = split_template(entry) {
                if h == head
                    && key.len() > h.len() + t.len()
                    && key.ends_with(t)
                    && key.is_char_boundary(key.len() - t.len())
                {
                    return true;
                }
            }
        }
    }
    false
}

/// Split a templated key into the text before and after its (first) placeholder, `${...}` or
/// `<...>`. `None` for a plain key.
pub(crate) fn split_template(key: &str) -> Option<(&str, &str)> {
    let (open, close) = match (key.find("${"), key.find('<')) {
        (Some(d), Some(a)) if a < d => (a, '>'),
        (Some(d), _) => (d, '}'),
        (None, Some(a)) => (a, '>'),
        (None, None) => return None,
    };
    let end = key[open..].find(close)? + open;
    Some((&key[..open], &key[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(GLOBAL_MULTIVALUED.windows(2).all(|w| w[0] < w[1]));
        assert!(SERVICE_MULTIVALUED.windows(2).all(|w| w[0] < w[1]));
        assert!(SERVICE_MULTIVALUED
            .iter()
            .all(|k| k.to_lowercase() == *k && !k.is_empty()));
    }

    #[test]
    fn c24_global_multivalued_keys_any_case() {
        for k in [
            "aws:TagKeys",
            "AWS:tagkeys",
            "aws:CalledVia",
            "aws:PrincipalOrgPaths",
        ] {
            assert!(is_multivalued(k), "{k}");
        }
        for k in [
            "aws:username",
            "aws:TagKey",
            "aws:TagKeysX",
            "aws:RequestTag/x",
            "",
            "aws:MultiFactorAuthPresent",
        ] {
            assert!(!is_multivalued(k), "{k}");
        }
    }

    #[test]
    fn c24_service_array_keys() {
        // Typed ArrayOfString / ArrayOfARN in the service reference.
        assert!(is_multivalued("ec2:IKEVersions"));
        assert!(is_multivalued("ec2:ikeversions"));
        assert!(is_multivalued("events:Metadata/anything"));
        assert!(is_multivalued("EVENTS:metadata/a/b"));
        assert!(!is_multivalued("events:Metadata/"));
        assert!(!is_multivalued("events:Metadata"));
        // A plain service key typed String.
        assert!(!is_multivalued("s3:prefix"));
        assert!(!is_multivalued("rds:DatabaseEngine"));
    }

    #[test]
    fn template_split() {
        assert_eq!(split_template("a:b/${k}"), Some(("a:b/", "")));
        assert_eq!(split_template("a:b/${k}/m"), Some(("a:b/", "/m")));
        assert_eq!(
            split_template("s3:existingobjecttag/<key>"),
            Some(("s3:existingobjecttag/", ""))
        );
        assert_eq!(split_template("a:b"), None);
        assert!(matches_template(&["a:b/${k}.v"], "a:b/x.v"));
        assert!(!matches_template(&["a:b/${k}.v"], "a:b/.v"));
        assert!(!matches_template(&["a:b/${k}.v"], "a:b/x.w"));
    }

    #[test]
    fn non_ascii_and_long_keys_do_not_panic() {
        assert!(!is_multivalued("aws:ÄÖÜ"));
        assert!(!is_multivalued(&"a".repeat(10_000)));
        assert!(is_multivalued("AWS:TAGKEYS"));
    }
}
