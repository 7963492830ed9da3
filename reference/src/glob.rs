//! The glob matcher shared by actions, resources, `StringLike` (C-8) and the ARN
//! operators (C-14).
//!
//! A pattern is a list of tokens: a literal character, `*` (any sequence, including the empty
//! one) or `?` (exactly one Unicode scalar value). Whether a `*` in the policy text is a
//! wildcard is decided by whoever builds the pattern: text written in the policy is a wildcard,
//! text that comes from a variable or from `${*}` is literal (V-4, V-8).
//!
//! Matching is anchored at both ends and uses dynamic programming over (pattern prefix, text
//! prefix), so it takes `pattern × text` steps and never backtracks exponentially.

/// One token of a glob pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// This exact character.
    Lit(char),
    /// `*`: any sequence of characters, including none.
    Any,
    /// `?`: exactly one character (one Unicode scalar value, not one byte).
    One,
}

/// A pattern from policy text where `*` and `?` are wildcards (A-3, R-3, C-8).
pub fn wildcard_pattern(text: &str) -> Vec<Tok> {
    text.chars()
        .map(|c| match c {
            '*' => Tok::Any,
            '?' => Tok::One,
            c => Tok::Lit(c),
        })
        .collect()
}

/// A pattern that matches exactly `text`: every character literal (V-8, R-8).
pub fn literal_pattern(text: &str) -> Vec<Tok> {
    text.chars().map(Tok::Lit).collect()
}

/// Whether `pattern` matches the whole of `text`.
pub fn matches(pattern: &[Tok], text: &str) -> bool {
    let text: Vec<char> = text.chars().collect();
    // row[j] == "the tokens seen so far match text[..j]".
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for tok in pattern {
        let mut next = vec![false; text.len() + 1];
        next[0] = row[0] && *tok == Tok::Any;
        for j in 1..=text.len() {
            next[j] = match tok {
                Tok::Lit(c) => row[j - 1] && text[j - 1] == *c,
                Tok::One => row[j - 1],
                Tok::Any => row[j] || next[j - 1],
            };
        }
        row = next;
    }
    row[text.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(p: &str, t: &str) -> bool {
        matches(&wildcard_pattern(p), t)
    }

    #[test]
    fn r3_star_matches_any_sequence_including_empty_and_separators() {
        assert!(glob("arn:aws:s3:::logs*", "arn:aws:s3:::logs"));
        assert!(glob("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/dir/key"));
        assert!(glob(
            "arn:aws:s3:::bucket/*/test/*",
            "arn:aws:s3:::bucket/1///test///o"
        ));
        assert!(glob("*", ""));
        assert!(glob("*", "*"));
        assert!(glob("**", "abc"));
        assert!(!glob("a*", "ba"));
    }

    #[test]
    fn a3_qmark_is_exactly_one_char() {
        assert!(glob("iam:?etUser", "iam:GetUser"));
        assert!(!glob("iam:?etUser", "iam:GGetUser"));
        assert!(!glob("iam:?etUser", "iam:etUser"));
        assert!(!glob("?", ""));
    }

    #[test]
    fn glob_qmark_is_one_unicode_scalar() {
        assert!(glob("a?c", "aéc"));
        assert!(glob("a?c", "a😀c"));
        assert!(!glob("a??c", "aéc"));
    }

    #[test]
    fn v8_literal_pattern_has_no_wildcards() {
        assert!(matches(&literal_pattern("a*"), "a*"));
        assert!(!matches(&literal_pattern("a*"), "ab"));
        assert!(!matches(&literal_pattern("?"), "x"));
    }

    #[test]
    fn glob_many_stars_is_not_exponential() {
        let p = "*a".repeat(200) + "b";
        let t = "a".repeat(2000);
        assert!(!glob(&p, &t));
    }
}
