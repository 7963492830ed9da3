//! A `StringLike` condition's value list (C-8), with its `*literal*` values matched in one pass.
//!
//! Each static glob is linear in the text on its own ([`crate::glob`]), but a list of them is
//! searched once per value: 250 values `*a…ab*` of 4 KB against a 1 MiB request value are 250
//! passes over the megabyte. When a list holds at least [`MIN_INFIXES`] values of the shape
//! `*literal*` (a non-empty literal without wildcards), those literals go into one
//! Aho-Corasick automaton, built when the set is built or loaded (the artifact keeps the
//! patterns, not the automaton, so its format does not change), and "does some value match"
//! becomes one pass over the text for all of them — O(text + literals) — followed by the
//! other values one by one, as before.
//!
//! Why this is exact: `*literal*` matches a text iff the literal occurs in it (the stars take
//! the rest); in UTF-8 a literal only ever occurs at a character boundary, so a byte search
//! decides as the character glob does. Case-sensitive, like `StringLike`. Values with `?`,
//! other shapes, and values with variables stay on their own matchers; the order in which a
//! list's values are tried does not change whether one matches, so the covered ones are moved
//! to the front.
//!
//! Trade-offs: the automaton is a contiguous NFA (a few bytes per literal byte, linear in the
//! policy's size; a DFA over a megabyte of literals could take gigabytes), searched without
//! allocation. Below [`MIN_INFIXES`] values a few `memmem` searches are as cheap as one
//! automaton pass. If the automaton cannot be built (its state ids overflow), the list keeps
//! the per-value matchers: the same decisions, only slower.

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::glob::Glob;
use crate::pattern::Pattern;

/// A list with fewer `*literal*` values than this searches them one by one.
pub(crate) const MIN_INFIXES: usize = 4;

/// The values of one `StringLike` condition, with the automaton over its `*literal*` ones.
#[derive(Clone, Debug)]
pub(crate) struct LikeSet {
    /// Every value: first the `covered` ones the automaton stands for, then the others in
    /// policy order.
    pats: Box<[Pattern]>,
    /// How many values at the front of `pats` the automaton matches (0 without one).
    covered: usize,
    /// The `*literal*` values' literals, when there are at least [`MIN_INFIXES`].
    infixes: Option<AhoCorasick>,
}

/// The literal of a `*literal*` value, if `p` is one.
fn infix(p: &Pattern) -> Option<&[u8]> {
    match p {
        Pattern::Static(Glob::PrefixInfix(prefix, lit)) if prefix.is_empty() && !lit.is_empty() => {
            Some(lit)
        }
        _ => None,
    }
}

impl LikeSet {
    /// The list `pats`, with an automaton over its `*literal*` values when there are enough.
    pub(crate) fn new(pats: Box<[Pattern]>) -> LikeSet {
        let count = pats.iter().filter(|p| infix(p).is_some()).count();
        if count < MIN_INFIXES {
            return LikeSet {
                pats,
                covered: 0,
                infixes: None,
            };
        }
        let built = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::ContiguousNFA))
            .match_kind(MatchKind::Standard)
            .build(pats.iter().filter_map(infix));
        let Ok(ac) = built else {
            return LikeSet {
                pats,
                covered: 0,
                infixes: None,
            };
        };
        let (mut front, back): (Vec<Pattern>, Vec<Pattern>) = pats
            .into_vec()
            .into_iter()
            .partition(|p| infix(p).is_some());
        front.extend(back);
        LikeSet {
            pats: front.into_boxed_slice(),
            covered: count,
            infixes: Some(ac),
        }
    }

    /// Every value of the list (in no particular order).
    pub(crate) fn patterns(&self) -> &[Pattern] {
        &self.pats
    }

    /// The values the automaton does not cover, to be matched one by one.
    pub(crate) fn rest(&self) -> &[Pattern] {
        self.pats.get(self.covered..).unwrap_or_default()
    }

    /// Whether some covered `*literal*` value matches `text`: one pass, no allocation.
    #[inline]
    pub(crate) fn infix_matches(&self, text: &[u8]) -> bool {
        self.infixes.as_ref().is_some_and(|ac| ac.is_match(text))
    }

    /// How many values the automaton covers (0 without one).
    pub(crate) fn covered(&self) -> usize {
        self.covered
    }

    /// Heap bytes of the automaton.
    pub(crate) fn automaton_bytes(&self) -> usize {
        self.infixes.as_ref().map_or(0, AhoCorasick::memory_usage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(globs: &[&str]) -> LikeSet {
        LikeSet::new(
            globs
                .iter()
                .map(|g| Pattern::Static(Glob::new(g)))
                .collect(),
        )
    }

    /// Every list decides as its values one by one (C-8), with and without the automaton.
    #[test]
    fn c8_automaton_decides_as_the_values_one_by_one() {
        // (list, values the automaton covers)
        let lists: [(&[&str], usize); 4] = [
            (&["*ab*", "*cd*", "*é*", "*xyz*"], 4),
            (&["*ab*", "*cd*", "*ef*", "*gh*", "a?c", "q*", "*Z*"], 5),
            (&["*ab*", "*cd*", "*ef*"], 0),
            (&["*a*", "*b*", "*c*", "*d*", "*", "**x**", "*?*"], 5),
        ];
        let texts = [
            "", "a", "ab", "xaby", "cd", "éé", "AB", "xyz", "xy", "abc", "qq", "gh", "Z", "z",
            "ef", "x",
        ];
        for (list, covered) in lists {
            let s = set(list);
            assert_eq!(s.covered(), covered, "{list:?}");
            assert_eq!(s.patterns().len(), list.len());
            for t in texts {
                let one_by_one = list.iter().any(|g| Glob::new(g).matches(t.as_bytes()));
                let got = s.infix_matches(t.as_bytes())
                    || s.rest().iter().any(|p| match p {
                        Pattern::Static(g) => g.matches(t.as_bytes()),
                        Pattern::Template(_) => false,
                    });
                assert_eq!(got, one_by_one, "{list:?} against {t:?}");
            }
        }
    }
}
