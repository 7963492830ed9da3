//! Glob matching for actions, resources, `StringLike` and ARN fields (A-3, R-3, C-8, C-14).
//!
//! A glob is compiled into tokens — literal byte runs, `*` and `?` — and classified by shape
//! (the ripgrep `globset` idea): exact text, a literal prefix with a trailing `*`, or general.
//! Exact and prefix globs are a single comparison; `*lit*` shapes one substring search
//! (`memchr::memmem`); general globs run the segment matcher of [`crate::tokens`]: each
//! `*`-separated segment searched leftmost in order, O(text + pattern) when the segments are
//! literal, up to O(text × ⌈segment/64⌉) for a segment holding a `?`: [`Glob::General`] carries
//! the Shift-And tables of such segments ([`crate::shift_and`], derived from the tokens when the
//! glob is built, so also when an artifact is loaded; the compiler's DFA, when it built one,
//! brings the glob to O(text)). Allocation-free, and no automaton can blow up. `?` consumes one
//! UTF-8 encoded character.
//!
//! Patterns whose literal parts come from policy variables are matched in place by the
//! evaluator (`eval::template::split_matches`): their literal prefix and suffix compared, the glob
//! between them run by this module's shapes and matcher.
//!
//! A static general glob on which that matcher may retry — a `?` after a `*`, or at least four
//! wildcards between its literal prefix and suffix — can instead carry a DFA the compiler built
//! ([`Glob::Dfa`], see [`crate::automaton`] for what gets one and why): prefix and suffix are
//! compared, then the DFA walks the bytes between in O(text). The DFA is optional and
//! size-limited; a glob without one keeps the segment matcher, with the same decisions.

use crate::automaton::{split_general, GlobDfa};
use crate::shift_and::QuestSearch;
use crate::tokens::{match_tokens_with, Tok, TokenBuf};

/// [`Glob::Dfa`]'s test: prefix, suffix, then the DFA over the bytes between. Out of line, so
/// the evaluator's inlined [`Glob::matches`] stays as small as without the DFA variant.
#[inline(never)]
fn dfa_matches(prefix: &[u8], suffix: &[u8], dfa: &GlobDfa, text: &[u8]) -> bool {
    text.strip_prefix(prefix)
        .and_then(|t| t.strip_suffix(suffix))
        .is_some_and(|middle| dfa.matches(middle))
}

/// Whether `needle` occurs in `hay`, in O(hay + needle) whatever the two are: a `memchr` for
/// the first byte and a compare at each hit on short haystacks (cheapest on ARNs; at most
/// [`SHORT_HAY`] × needle steps), one `memmem` search (Two-Way) on longer ones (the
/// compare-at-each-hit search was O(hay × needle): `*aaa…ab*` against `aaaa…`). In UTF-8
/// text a literal only ever occurs at a character boundary.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    if hay.len() > SHORT_HAY {
        return memchr::memmem::find(hay, needle).is_some();
    }
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut from = 0;
    while let Some(p) = hay.get(from..).and_then(|h| memchr::memchr(first, h)) {
        let at = from + p + 1;
        if hay.get(at..).is_some_and(|t| t.starts_with(rest)) {
            return true;
        }
        from = at;
    }
    false
}

/// Haystacks up to this length take [`contains`]'s first-byte search.
const SHORT_HAY: usize = 256;

/// [`Glob::PrefixInfix`]'s test, out of line like the other searching shapes: inlined, its
/// loop made every caller of [`Glob::matches`] save and restore registers (~25 instructions
/// a call, most calls being `*` or one comparison).
#[inline(never)]
fn infix_matches(prefix: &[u8], lit: &[u8], text: &[u8]) -> bool {
    text.strip_prefix(prefix)
        .is_some_and(|rest| contains(rest, lit))
}

/// [`Glob::General`]'s test: the literal prefix once, then the tokens after it on the rest
/// (matching them from the start would compare the prefix a second time).
#[inline(never)]
fn general_matches(prefix: &[u8], buf: &TokenBuf, quests: &QuestSearch, text: &[u8]) -> bool {
    let Some(rest) = text.strip_prefix(prefix) else {
        return false;
    };
    // `prefix` is the first token when it is not empty.
    let toks = if prefix.is_empty() {
        &buf.toks[..]
    } else {
        buf.toks.get(1..).unwrap_or_default()
    };
    // Stripping the prefix leaves the middle segments (the tables' indices) as they were.
    match_tokens_with(toks, &buf.lits, rest, quests.segments())
}

/// A compiled static glob, classified by shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Glob {
    /// `*` alone: matches everything.
    Any,
    /// No wildcard: the text must be equal.
    Exact(Box<[u8]>),
    /// `literal*`: the text must start with the literal.
    Prefix(Box<[u8]>),
    /// `*literal`: the text must end with the literal.
    Suffix(Box<[u8]>),
    /// `literal*literal`: both, without overlapping.
    PrefixSuffix(Box<[u8]>, Box<[u8]>),
    /// `literal*literal*` (the first literal may be empty): the text starts with the first
    /// literal and the second occurs somewhere after it — the shape of most ARN patterns with
    /// a wildcard region (`arn:aws:ec2:*:123456789012:instance/*`), one substring search
    /// instead of the general matcher.
    PrefixInfix(Box<[u8]>, Box<[u8]>),
    /// A general glob with a pre-compiled DFA (the private `automaton` module): the literal prefix and
    /// suffix are checked first, then the DFA walks the bytes between.
    Dfa {
        /// Literal prefix every match starts with (may be empty).
        prefix: Box<[u8]>,
        /// Literal suffix every match ends with (may be empty).
        suffix: Box<[u8]>,
        /// The automaton of the middle.
        dfa: GlobDfa,
    },
    /// Anything else: a literal prefix to check first, then the token matcher.
    General {
        /// Literal prefix every match starts with (may be empty).
        prefix: Box<[u8]>,
        /// All tokens, prefix included.
        buf: TokenBuf,
        /// Shift-And tables of the middle segments that hold a `?` (derived from `buf` when
        /// the glob is built; usually none).
        quests: QuestSearch,
    },
}

impl Glob {
    /// Compile glob text (`*` and `?` are wildcards).
    pub fn new(text: &str) -> Glob {
        let mut buf = TokenBuf::default();
        buf.push_glob(text.as_bytes());
        Glob::from_tokens(buf)
    }

    /// Whether a token list is of the general shape (what [`Glob::from_tokens`] makes
    /// [`Glob::General`]), without building the glob.
    pub fn is_general(buf: &TokenBuf) -> bool {
        !matches!(
            buf.toks.as_slice(),
            [] | [Tok::Star]
                | [Tok::Lit(..)]
                | [Tok::Lit(..), Tok::Star]
                | [Tok::Star, Tok::Lit(..)]
                | [Tok::Lit(..), Tok::Star, Tok::Lit(..)]
                | [Tok::Lit(..), Tok::Star, Tok::Lit(..), Tok::Star]
                | [Tok::Star, Tok::Lit(..), Tok::Star]
        )
    }

    /// Classify a token list.
    pub fn from_tokens(buf: TokenBuf) -> Glob {
        let lit = |s: u32, e: u32| -> Box<[u8]> {
            buf.lits
                .get(s as usize..e as usize)
                .unwrap_or_default()
                .into()
        };
        match buf.toks.as_slice() {
            [] => Glob::Exact(Box::from(&b""[..])),
            [Tok::Star] => Glob::Any,
            [Tok::Lit(s, e)] => Glob::Exact(lit(*s, *e)),
            [Tok::Lit(s, e), Tok::Star] => Glob::Prefix(lit(*s, *e)),
            [Tok::Star, Tok::Lit(s, e)] => Glob::Suffix(lit(*s, *e)),
            [Tok::Lit(s1, e1), Tok::Star, Tok::Lit(s2, e2)] => {
                Glob::PrefixSuffix(lit(*s1, *e1), lit(*s2, *e2))
            }
            [Tok::Lit(s1, e1), Tok::Star, Tok::Lit(s2, e2), Tok::Star] => {
                Glob::PrefixInfix(lit(*s1, *e1), lit(*s2, *e2))
            }
            [Tok::Star, Tok::Lit(s, e), Tok::Star] => {
                Glob::PrefixInfix(Box::from(&b""[..]), lit(*s, *e))
            }
            toks => {
                let prefix = match toks.first() {
                    Some(Tok::Lit(s, e)) => lit(*s, *e),
                    _ => Box::from(&b""[..]),
                };
                let quests = QuestSearch::new(&buf.toks, &buf.lits);
                Glob::General {
                    prefix,
                    buf,
                    quests,
                }
            }
        }
    }

    /// A general glob with the DFA of its middle ([`crate::automaton::split_general`]);
    /// any other glob is returned as it is.
    pub fn with_dfa(self, dfa: GlobDfa) -> Glob {
        match self {
            Glob::General { prefix, buf, .. } => {
                let (_, _, suffix) = split_general(&buf);
                Glob::Dfa {
                    suffix: suffix.into(),
                    prefix,
                    dfa,
                }
            }
            g => g,
        }
    }

    /// Whether the glob matches all of `text`. Inlined: the one-comparison shapes cost no
    /// call; the searching ones are calls.
    #[inline(always)]
    pub fn matches(&self, text: &[u8]) -> bool {
        match self {
            Glob::Any => true,
            Glob::Exact(e) => **e == *text,
            Glob::Prefix(p) => text.starts_with(p),
            Glob::Suffix(x) => text.ends_with(x),
            Glob::PrefixSuffix(p, x) => {
                text.len() >= p.len() + x.len() && text.starts_with(p) && text.ends_with(x)
            }
            Glob::PrefixInfix(p, lit) => infix_matches(p, lit, text),
            Glob::Dfa {
                prefix,
                suffix,
                dfa,
            } => dfa_matches(prefix, suffix, dfa, text),
            Glob::General {
                prefix,
                buf,
                quests,
            } => general_matches(prefix, buf, quests, text),
        }
    }

    /// Bytes held by the glob.
    pub fn memory_usage(&self) -> usize {
        match self {
            Glob::Any => 0,
            Glob::Exact(b) | Glob::Prefix(b) | Glob::Suffix(b) => b.len(),
            Glob::PrefixSuffix(p, x) | Glob::PrefixInfix(p, x) => p.len() + x.len(),
            // The table is shared by every use of the glob and counted once, by the set.
            Glob::Dfa { prefix, suffix, .. } => prefix.len() + suffix.len() + 16,
            Glob::General {
                prefix,
                buf,
                quests,
            } => {
                prefix.len()
                    + buf.lits.capacity()
                    + buf.toks.capacity() * 12
                    + quests.memory_usage()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    fn m(p: &str, t: &str) -> bool {
        Glob::new(p).matches(t.as_bytes())
    }

    #[test]
    fn r3_examples() {
        assert!(m("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket/dir/key"));
        assert!(m(
            "arn:aws:s3:::bucket/*/test/*",
            "arn:aws:s3:::bucket/1/2/test/3/o.jpg"
        ));
        assert!(m(
            "arn:aws:s3:::bucket/*/test/*",
            "arn:aws:s3:::bucket/1///test///o"
        ));
        assert!(m("arn:aws:s3:::b?t/*", "arn:aws:s3:::bat/k"));
        assert!(!m("arn:aws:s3:::b?t/*", "arn:aws:s3:::boat/k"));
        assert!(!m("arn:aws:s3:::b?t/*", "arn:aws:s3:::bt/k"));
        assert!(m("arn:aws:s3:::logs*", "arn:aws:s3:::logs"));
        assert!(m("*", ""));
        assert!(!m("", "a"));
        assert!(m("", ""));
    }

    #[test]
    fn a3_examples() {
        assert!(m("s3:get*", "s3:get"));
        assert!(m("ec2:*instances", "ec2:stopinstances"));
        assert!(m("iam:?etuser", "iam:getuser"));
        assert!(!m("iam:?etuser", "iam:ggetuser"));
        assert!(!m("iam:?etuser", "iam:etuser"));
    }

    #[test]
    fn question_mark_is_one_character() {
        assert!(m("a?c", "aéc"));
        assert!(!m("a??c", "aéc"));
        assert!(m("*?", "é"));
        assert!(!m("*??", "é"));
    }

    #[test]
    fn backtracking_cases() {
        assert!(m("*a*b", "xaxxab"));
        assert!(!m("*a*b", "xaxxa"));
        assert!(m("a*b*c", "abbbc"));
        assert!(m("*ab", "aab"));
        assert!(!m("a*a", "a"));
    }

    #[test]
    fn shapes_agree_with_the_token_matcher() {
        let pats = [
            "*", "", "a", "a*", "*a", "a*b", "ab*ba", "*a*", "a?b", "?", "a*b*c", "*ab",
        ];
        let texts = [
            "", "a", "b", "ab", "aba", "abba", "ababa", "acb", "abc", "ba", "é", "aéb",
        ];
        for p in pats {
            let g = Glob::new(p);
            let mut buf = TokenBuf::default();
            buf.push_glob(p.as_bytes());
            for t in texts {
                assert_eq!(
                    g.matches(t.as_bytes()),
                    buf.matches(t.as_bytes()),
                    "{p} vs {t}"
                );
            }
        }
        assert!(matches!(Glob::new("ab*ba"), Glob::PrefixSuffix(..)));
        assert!(!Glob::new("ab*ba").matches(b"aba"));
        assert!(Glob::new("ab*ba").matches(b"abba"));
    }

    /// Every shape (`PrefixInfix` and the general matcher's prefix skip included) decides as
    /// the token matcher over the whole pattern does, on random patterns and texts built from
    /// pieces that make literals recur (so the infix search must look past a false start).
    #[test]
    fn random_shapes_agree_with_the_token_matcher() {
        let pieces = ["a", "b", "ab", ":", "é", "*", "?", "*", "a:b"];
        let mut rng = crate::test_rng::Lcg::new(11u64);
        let mut next = |n: usize| rng.below(n);
        let mut shapes = [0usize; 3];
        for _ in 0..60_000 {
            let p: String = (0..1 + next(6))
                .map(|_| pieces[next(pieces.len())])
                .collect();
            let g = Glob::new(&p);
            let mut buf = TokenBuf::default();
            buf.push_glob(p.as_bytes());
            match g {
                Glob::PrefixInfix(..) => shapes[0] += 1,
                Glob::General { .. } => shapes[1] += 1,
                _ => shapes[2] += 1,
            }
            for _ in 0..8 {
                let t: String = (0..next(9))
                    .map(|_| pieces[next(pieces.len() - 4)])
                    .collect();
                assert_eq!(
                    g.matches(t.as_bytes()),
                    buf.matches(t.as_bytes()),
                    "{p} vs {t}"
                );
            }
        }
        assert!(shapes.iter().all(|&n| n > 1000), "{shapes:?}");
        assert!(matches!(Glob::new("a*:b*"), Glob::PrefixInfix(..)));
        assert!(matches!(Glob::new("*:b*"), Glob::PrefixInfix(..)));
        assert!(Glob::new("a*:b*").matches(b"a::b"));
        assert!(!Glob::new("a*:b*").matches(b"a:a:"));
    }

    #[test]
    fn hostile_pattern_is_bounded() {
        let pattern = "*a".repeat(200) + "b";
        let text = "a".repeat(4000);
        assert!(!m(&pattern, &text));
    }

    #[test]
    fn literal_stars_from_variables() {
        let mut b = TokenBuf::default();
        b.push_glob(b"a/");
        b.push_lit(b"*");
        b.push_glob(b"x");
        assert!(b.matches(b"a/*x"));
        assert!(!b.matches(b"a/yx"));
    }
}
