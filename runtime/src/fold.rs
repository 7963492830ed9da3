//! Case folding, in one place: how condition keys (C-2), IgnoreCase values (C-7) and actions
//! are compared without regard to case.
//!
//! - Condition keys fold Unicode case per character ([`fold_key`], [`fold_chars`]); the
//!   compiler interns with the same function the evaluator looks up with, so the two cannot
//!   drift apart. [`non_ascii_lengths`] bounds which non-ASCII names can reach a key.
//! - IgnoreCase operators lower-case per character ([`lower_str`], [`chars_lower_eq`]).
//! - Actions fold ASCII case only: [`eq_ascii_lower`] and the word-at-a-time
//!   [`LowerName`] (re-exported from [`crate::value`], where its byte tricks live with the
//!   other word-at-a-time parsers); the action table's hash folds with `| 0x20` per byte
//!   (`action_index::folded_hash`).

pub(crate) use crate::value::{eq_ascii_lower, LowerName};

/// A condition key name folded for case-insensitive comparison (C-2): `char::to_lowercase`
/// of every character, and the final sigma `ς` read as `σ` — per character, not
/// `str::to_lowercase`, which writes a word-final `Σ` as `ς`, so that every spelling of a key
/// such as `aws:RequestTag/ΟΔΟΣ` folds alike. The compiler interns keys with this function and
/// its context lookup compares with it, so interning and lookup cannot drift apart.
pub fn fold_key(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_chars(s).collect()
}

/// An inclusive range of byte lengths; empty when `lo > hi`.
pub(crate) type LengthRange = (usize, usize);

/// The byte lengths of the non-ASCII names that fold ([`fold_chars`]) to the folded key name
/// `key`, so that a lookup compares only names of those lengths (the lengths sit in the
/// request's entry table; the names themselves are elsewhere in memory).
///
/// Among non-ASCII characters only U+212A KELVIN SIGN lower-cases to an ASCII character
/// (`k`; U+0130 gives `i` followed by a combining dot, which is not ASCII), so a non-ASCII
/// name folds to an ASCII key only by spelling some of its `k`s as that three-byte sign: its
/// length is the key's plus two per sign. Nothing reaches an ASCII key without a `k`. A
/// non-ASCII key may be reached by names of any length (lower-casing can change a
/// character's byte length either way).
pub(crate) fn non_ascii_lengths(key: &str) -> LengthRange {
    if !key.is_ascii() {
        return (0, usize::MAX);
    }
    match key.bytes().filter(|&b| b == b'k').count() {
        0 => (1, 0),
        ks => (key.len() + 2, key.len() + 2 * ks),
    }
}

/// The characters of a key name folded as [`fold_key`] folds them: the one definition of the
/// fold, used for interning and for every lookup of a request's names.
pub(crate) fn fold_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
}

/// A string folded for the IgnoreCase operators (C-7): `char::to_lowercase` of every
/// character (the reference's `fold`). Actions fold ASCII case only, elsewhere.
pub(crate) fn lower_str(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Whether `a` lower-cased (per character) equals `lowered`, which is lower-cased already
/// (C-7).
pub(crate) fn chars_lower_eq(a: &str, lowered: &str) -> bool {
    if a.is_ascii() && lowered.is_ascii() {
        return a.len() == lowered.len()
            && a.bytes()
                .zip(lowered.bytes())
                .all(|(x, y)| x.to_ascii_lowercase() == y);
    }
    a.chars().flat_map(char::to_lowercase).eq(lowered.chars())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    /// The premise of [`non_ascii_lengths`], checked over every `char`: the only non-ASCII
    /// character that folds to ASCII text is U+212A KELVIN SIGN, which folds to `k` (U+0130
    /// folds to `i` and a combining dot: not ASCII, so no part of an ASCII key's fold).
    #[test]
    fn c2_only_the_kelvin_sign_folds_to_ascii() {
        let mut buf = [0u8; 4];
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if c.is_ascii() {
                continue;
            }
            let folded: String = fold_chars(c.encode_utf8(&mut buf)).collect();
            if c == '\u{212A}' {
                assert_eq!(folded, "k");
            } else {
                assert!(!folded.is_ascii(), "{c:?} folds to {folded:?}");
            }
        }
        assert_eq!(non_ascii_lengths("aws:username"), (1, 0));
        assert_eq!(non_ascii_lengths("kms:viaservice"), (16, 16));
        assert_eq!(non_ascii_lengths("dynamodb:leadingkeys"), (22, 22));
        assert_eq!(non_ascii_lengths("aws:tagkeys/kk"), (16, 20));
        assert_eq!(non_ascii_lengths("aws:principaltag/é"), (0, usize::MAX));
    }
}
