//! Knowledge about condition keys shared by every engine.

/// Whether AWS documents `key` as multivalued (C-24, K-8, K-9, K-11): a scalar given for such a
/// key is read as a one-element list, and a plain (non-set) operator on it is false when present.
///
/// Key names are compared case-insensitively (C-2).
pub fn is_multivalued(key: &str) -> bool {
    const GLOBAL: [&str; 6] = [
        "aws:TagKeys",
        "aws:CalledVia",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalOrgPaths",
        "aws:ResourceOrgPaths",
        "aws:SourceOrgPaths",
    ];
    GLOBAL.iter().any(|k| k.eq_ignore_ascii_case(key))
}
