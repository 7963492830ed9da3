//! Bit-parallel (Shift-And) search for a glob's middle segments that hold a `?`, so that such
//! a segment is found in O(text × ⌈segment/64⌉) whatever the pattern (see DESIGN.md, "The runtime's compiled form").
//!
//! [`crate::tokens`] finds a middle segment (between two stars) leftmost after the previous
//! one. A literal segment is one `memmem` search; a segment with a `?` is found by its longest
//! literal (the anchor) and checked at each occurrence, which is O(text × segment) when the
//! anchor occurs everywhere and each check fails late (`*a?a?…a?b?a*` against `aaaa…`). Here a
//! segment of m characters is one m-bit state D, updated per text character c as
//! D = ((D << 1) | 1) & B\[c\], where bit i of B\[c\] says whether segment character i is c or a
//! `?`: bit m-1 of D is set exactly where a match of the segment ends. A segment always spans
//! the same number of characters, so the leftmost end is the leftmost start
//! ([`crate::tokens::match_tokens`]).
//!
//! The tables are derived from the glob's tokens when a static glob is built
//! ([`crate::glob::Glob::from_tokens`]; an artifact is decoded through it, so its format does
//! not change). Trade-offs:
//!
//! - A segment is decoded into characters the way the other matchers step through text: a
//!   lead byte and [`char_len`] bytes (cut at the text's end). A segment whose literal is not
//!   such a sequence of whole characters gets no table (policy text is valid UTF-8, so this
//!   does not happen for a compiled policy).
//! - Dense rows (one `u64` per 64 segment characters) only for the [`DENSE`] most frequent
//!   characters of the segment, plus one row for every other character (the `?` mask); each
//!   rarer character keeps a list of its positions, at most m / (`DENSE` + 1) of them. So a
//!   text character costs O(⌈m/64⌉) word operations either way, and a table holds about
//!   (`DENSE` + 1) × ⌈m/64⌉ words plus two bytes per position: linear in the segment, no
//!   alphabet-sized blow-up. ASCII characters find their row through a 128-entry table, others
//!   by binary search in a sorted list of the segment's non-ASCII characters.
//! - The state lives on the stack ([`MAX_WORDS`] words, 4,096 characters: the compiler's
//!   default `max_pattern_bytes`); a longer segment gets no table and keeps the anchor
//!   matcher. Searching never allocates.
//! - Only words that can be non-zero are updated (a state whose high bits are clear costs
//!   less), and [`crate::tokens`] runs the anchor search first, switching to this one when the
//!   anchor's checks have cost about as much as a pass over the text: on ordinary text the
//!   anchor's `memchr` skips most bytes, which this per-character loop cannot.
//! - Glob templates assembled at request time (a policy variable between wildcards) are not
//!   built into a [`crate::glob::Glob`] and keep the anchor matcher.

use crate::tok::{char_len, Tok};

/// The most state words a segment may need (4,096 characters).
pub(crate) const MAX_WORDS: usize = 64;

/// How many of a segment's characters (the most frequent) get a dense row.
const DENSE: usize = 64;

/// A character as a number: its (up to four) bytes, little-endian, zero-padded, so an ASCII
/// character is its byte and every other is at least 0x80. A literal's characters are whole
/// (their bytes after the lead are continuation bytes, never zero), so a text character cut
/// short by the text's end never equals one.
fn key(bytes: &[u8]) -> u32 {
    let mut k = [0u8; 4];
    for (d, s) in k.iter_mut().zip(bytes) {
        *d = *s;
    }
    u32::from_le_bytes(k)
}

/// The Shift-And tables of one middle segment holding a `?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestSegment {
    /// Which middle segment (counted from 0 among the non-empty segments between the first
    /// and last star) these tables are for.
    index: u32,
    /// State words: ⌈m/64⌉, 1..=[`MAX_WORDS`].
    words: usize,
    /// The bit of the segment's last character in the last word.
    last: u64,
    /// Dense rows: how many (not counting row 0, the `?` mask that every other character
    /// takes).
    dense: usize,
    /// Row or sparse code of each ASCII character: 0 = row 0, `1..=dense` = that row,
    /// above = `sparse[code - dense - 1]`.
    ascii: [u16; 128],
    /// The same for the segment's non-ASCII characters, sorted by [`key`].
    wide: Box<[(u32, u16)]>,
    /// `(1 + dense) × words` words: row 0 the `?` mask, row r the mask of its character.
    rows: Box<[u64]>,
    /// The positions of each rare character, ascending.
    sparse: Box<[Box<[u16]>]>,
}

impl QuestSegment {
    /// The tables of the star-free segment `seg`, or `None` when it holds no `?` or no
    /// literal, is longer than [`MAX_WORDS`] words, or its literals are not whole characters.
    pub(crate) fn new(index: u32, seg: &[Tok], lits: &[u8]) -> Option<QuestSegment> {
        // The segment's characters: `None` for a `?`.
        let mut chars: Vec<Option<u32>> = Vec::new();
        for t in seg {
            match *t {
                Tok::Quest => chars.push(None),
                Tok::Lit(a, z) => {
                    let mut l = lits.get(a as usize..z as usize)?;
                    while let Some(&b) = l.first() {
                        let n = char_len(b);
                        let c = l.get(..n)?;
                        if b & 0xC0 == 0x80 || c.iter().skip(1).any(|&x| x & 0xC0 != 0x80) {
                            return None;
                        }
                        chars.push(Some(key(c)));
                        l = l.get(n..)?;
                    }
                }
                Tok::Star => return None,
            }
            if chars.len() > MAX_WORDS * 64 {
                return None;
            }
        }
        let m = chars.len();
        if !chars.contains(&None) || chars.iter().all(Option::is_none) {
            return None;
        }
        let words = m.div_ceil(64);
        // Distinct characters, most frequent first (ties by key: deterministic).
        let mut freq: Vec<(u32, u32)> = Vec::new();
        let mut sorted: Vec<u32> = chars.iter().flatten().copied().collect();
        sorted.sort_unstable();
        for k in sorted {
            match freq.last_mut() {
                Some((last, n)) if *last == k => *n += 1,
                _ => freq.push((k, 1)),
            }
        }
        freq.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        let dense = freq.len().min(DENSE);
        let bit = |w: &mut [u64], i: usize| {
            if let Some(x) = w.get_mut(i / 64) {
                *x |= 1 << (i % 64);
            }
        };
        let mut q = vec![0u64; words];
        for (i, c) in chars.iter().enumerate() {
            if c.is_none() {
                bit(&mut q, i);
            }
        }
        let mut rows = q.repeat(1 + dense);
        let mut ascii = [0u16; 128];
        let mut wide = Vec::new();
        // (key, rank) sorted by key, to find each position's rank.
        let mut rank: Vec<(u32, usize)> = Vec::with_capacity(freq.len());
        for (r, &(k, _)) in freq.iter().enumerate() {
            let code = u16::try_from(r + 1).ok()?;
            if let Some(slot) = usize::try_from(k).ok().and_then(|k| ascii.get_mut(k)) {
                *slot = code;
            } else {
                wide.push((k, code));
            }
            rank.push((k, r));
        }
        rank.sort_unstable();
        let mut sparse: Vec<Vec<u16>> = vec![Vec::new(); freq.len() - dense];
        for (i, c) in chars.iter().enumerate() {
            let Some(k) = c else { continue };
            let r = rank
                .binary_search_by_key(k, |&(k, _)| k)
                .ok()
                .and_then(|j| rank.get(j))?
                .1;
            if r < dense {
                bit(rows.get_mut((1 + r) * words..)?, i);
            } else {
                sparse.get_mut(r - dense)?.push(u16::try_from(i).ok()?);
            }
        }
        wide.sort_unstable();
        Some(QuestSegment {
            index,
            words,
            last: 1 << ((m - 1) % 64),
            dense,
            ascii,
            wide: wide.into(),
            rows: rows.into(),
            sparse: sparse.into_iter().map(Vec::into_boxed_slice).collect(),
        })
    }

    /// Which middle segment the tables are for.
    pub(crate) fn index(&self) -> usize {
        self.index as usize
    }

    /// Heap bytes held.
    pub(crate) fn memory_usage(&self) -> usize {
        size_of::<QuestSegment>()
            + self.wide.len() * 8
            + self.rows.len() * 8
            + self.sparse.iter().map(|p| 16 + p.len() * 2).sum::<usize>()
    }

    /// The row or sparse code of the non-ASCII text character `c` (its bytes).
    #[inline]
    fn wide_code(&self, c: &[u8]) -> usize {
        let k = key(c);
        self.wide
            .binary_search_by_key(&k, |&(k, _)| k)
            .ok()
            .and_then(|i| self.wide.get(i))
            .map_or(0, |&(_, code)| usize::from(code))
    }

    /// The code of the character at `hay[i]` (lead byte `b`) and its length in bytes.
    #[inline(always)]
    fn next_char(&self, hay: &[u8], i: usize, b: u8) -> (usize, usize) {
        if b < 0x80 {
            let code = self.ascii.get(usize::from(b)).copied().unwrap_or(0);
            (usize::from(code), 1)
        } else {
            let n = char_len(b).min(hay.len() - i);
            (self.wide_code(hay.get(i..i + n).unwrap_or_default()), n)
        }
    }

    /// The positions of the rare character of `code` (above `dense`).
    #[inline]
    fn positions(&self, code: usize) -> &[u16] {
        self.sparse
            .get(code - self.dense - 1)
            .map_or(&[][..], |p| &p[..])
    }

    /// Where the leftmost match of the segment that starts at or after `from` ends, the match
    /// lying within `text`: one pass from `from`, one character at a time, no allocation.
    pub(crate) fn find(&self, text: &[u8], from: usize) -> Option<usize> {
        let hay = text.get(from..)?;
        let end = if self.words == 1 {
            self.find_one(hay)
        } else {
            self.find_many(hay)
        };
        end.map(|e| from + e)
    }

    /// [`QuestSegment::find`] from the start of `hay`, for a segment of one word.
    fn find_one(&self, hay: &[u8]) -> Option<usize> {
        let q = *self.rows.first()?;
        let mut d = 0u64;
        let mut i = 0;
        while let Some(&b) = hay.get(i) {
            let (code, n) = self.next_char(hay, i, b);
            i += n;
            let s = (d << 1) | 1;
            d = if code <= self.dense {
                s & self.rows.get(code).copied().unwrap_or(0)
            } else {
                let mask = self
                    .positions(code)
                    .iter()
                    .fold(q, |m, &p| m | 1 << (p % 64));
                s & mask
            };
            if d & self.last != 0 {
                return Some(i);
            }
        }
        None
    }

    /// [`QuestSegment::find`] from the start of `hay`, for a segment of several words: only the
    /// words that can be non-zero are updated.
    fn find_many(&self, hay: &[u8]) -> Option<usize> {
        let words = self.words;
        let mut state = [0u64; MAX_WORDS];
        let q = self.rows.get(..words)?;
        // Words `live..` of the state are zero and stay so after one shift.
        let mut live = 1;
        let mut i = 0;
        while let Some(&b) = hay.get(i) {
            let (code, n) = self.next_char(hay, i, b);
            i += n;
            let d = state.get_mut(..live).unwrap_or_default();
            let mut carry = 1;
            if code <= self.dense {
                let at = code * words;
                let row = self.rows.get(at..at + live).unwrap_or_default();
                for (w, r) in d.iter_mut().zip(row) {
                    let s = (*w << 1) | carry;
                    carry = *w >> 63;
                    *w = s & r;
                }
            } else {
                let mut pos = self
                    .positions(code)
                    .iter()
                    .map(|&p| usize::from(p))
                    .peekable();
                for (k, (w, qw)) in d.iter_mut().zip(q).enumerate() {
                    let s = (*w << 1) | carry;
                    carry = *w >> 63;
                    let mut mask = *qw;
                    while let Some(p) = pos.next_if(|p| p / 64 == k) {
                        mask |= 1 << (p % 64);
                    }
                    *w = s & mask;
                }
            }
            // Kept: `live` is at least one past the highest non-zero word, plus one for the
            // carry out of it (at most `words`); it grows and shrinks by one word a step.
            match d {
                [.., w] if *w != 0 => {
                    if live < words {
                        live += 1;
                    } else if *w & self.last != 0 {
                        return Some(i);
                    }
                }
                [.., 0, 0] => live -= 1,
                _ => {}
            }
        }
        None
    }
}

/// The Shift-And tables of a glob's middle segments that hold a `?` (none for most globs: an
/// empty list, no heap).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestSearch(Box<[QuestSegment]>);

impl QuestSearch {
    /// Tables for the `?` segments between the first and last star of `toks` (a whole glob's
    /// tokens, as [`crate::tokens::match_tokens`] cuts them).
    pub(crate) fn new(toks: &[Tok], lits: &[u8]) -> QuestSearch {
        let (Some(first), Some(last)) = (
            toks.iter().position(|t| *t == Tok::Star),
            toks.iter().rposition(|t| *t == Tok::Star),
        ) else {
            return QuestSearch::default();
        };
        let middle = toks.get(first + 1..last).unwrap_or_default();
        let segs: Vec<QuestSegment> = middle
            .split(|t| *t == Tok::Star)
            .filter(|s| !s.is_empty())
            .enumerate()
            .filter(|(_, s)| s.contains(&Tok::Quest))
            .filter_map(|(i, s)| QuestSegment::new(u32::try_from(i).ok()?, s, lits))
            .collect();
        QuestSearch(segs.into())
    }

    /// The tables, ascending by middle segment.
    pub(crate) fn segments(&self) -> &[QuestSegment] {
        &self.0
    }

    /// Heap bytes held.
    pub(crate) fn memory_usage(&self) -> usize {
        self.0.iter().map(QuestSegment::memory_usage).sum()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;
    use crate::tokens::TokenBuf;

    /// The leftmost end of a match of `seg` (of `chars` characters) at or after `from`, by
    /// trying every start with the token matcher.
    fn naive(seg: &TokenBuf, chars: usize, text: &[u8], from: usize) -> Option<usize> {
        let mut x = from;
        loop {
            let mut e = x;
            for _ in 0..chars {
                e = (e + char_len(*text.get(e)?)).min(text.len());
            }
            if seg.matches(&text[x..e]) {
                return Some(e);
            }
            x += char_len(*text.get(x)?);
        }
    }

    trait Boundary {
        fn is_char_boundary_at(&self, i: usize) -> bool;
    }

    impl Boundary for [u8] {
        fn is_char_boundary_at(&self, i: usize) -> bool {
            self.get(i).is_none_or(|&b| b & 0xC0 != 0x80)
        }
    }

    /// The search finds the leftmost match as trying every start does, for segments with
    /// more than [`DENSE`] distinct characters (sparse positions), longer than 64 characters
    /// (several state words), with multi-byte characters and `?` anywhere.
    #[test]
    fn finds_the_leftmost_match() {
        let mut rng = crate::test_rng::Lcg::new(5u64);
        let mut next = |n: usize| rng.below(n);
        let alphabet: Vec<String> = (0..90u8)
            .map(|i| char::from(b'!' + i).to_string())
            .filter(|c| c != "*" && c != "?")
            .chain(["é", "€", "😀"].map(String::from))
            .collect();
        let mut tried = [0usize; 4];
        for round in 0..3_000 {
            // A segment: few distinct characters (so that it occurs), or many.
            let width = [2, 4, alphabet.len()][round % 3];
            let len = if width > DENSE {
                200 + next(200)
            } else {
                let most = [8, 80, 200][next(3)];
                1 + next(most)
            };
            let mut seg = String::new();
            for _ in 0..len {
                if next(4) == 0 {
                    seg.push('?');
                } else {
                    seg.push_str(&alphabet[next(width)]);
                }
            }
            let mut buf = TokenBuf::default();
            buf.push_glob(seg.as_bytes());
            let Some(t) = QuestSegment::new(0, &buf.toks, &buf.lits) else {
                assert!(!seg.contains('?') || seg.chars().all(|c| c == '?'), "{seg}");
                continue;
            };
            tried[0] += 1;
            tried[1] += usize::from(t.words > 1);
            tried[2] += usize::from(!t.sparse.is_empty());
            for _ in 0..4 {
                // Text: copies of the segment with its `?` filled in, mutated, in noise.
                let mut text = String::new();
                for _ in 0..next(4) {
                    for _ in 0..next(20) {
                        text.push_str(&alphabet[next(width)]);
                    }
                    for c in seg.chars() {
                        if c == '?' || next(30) == 0 {
                            text.push_str(&alphabet[next(width)]);
                        } else {
                            text.push(c);
                        }
                    }
                }
                let bytes = text.as_bytes();
                let from = (0..=bytes.len())
                    .filter(|&i| bytes.is_char_boundary_at(i))
                    .nth(next(4))
                    .unwrap_or(0);
                let found = t.find(bytes, from);
                assert_eq!(
                    found,
                    naive(&buf, seg.chars().count(), bytes, from),
                    "{seg:?} in {text:?} from {from}"
                );
                tried[3] += usize::from(found.is_some());
            }
        }
        assert!(tried.iter().all(|&n| n > 200), "{tried:?}");
    }

    /// Nothing panics on text that is not UTF-8, and a literal that is not whole characters
    /// gets no table.
    #[test]
    fn any_bytes() {
        let mut buf = TokenBuf::default();
        buf.push_glob("a?é?€".as_bytes());
        let t = QuestSegment::new(0, &buf.toks, &buf.lits).expect("a table");
        let mut rng = crate::test_rng::Lcg::new(9u64);
        for _ in 0..2_000 {
            let text: Vec<u8> = (0..rng.below(40))
                .map(|_| [b'a', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xFF, 0x80][rng.below(8)])
                .collect();
            if let Some(e) = t.find(&text, 0) {
                assert!(e <= text.len());
            }
        }
        let mut bad = TokenBuf::default();
        bad.push_lit(&[0xA9]);
        bad.push_glob(b"?");
        assert!(QuestSegment::new(0, &bad.toks, &bad.lits).is_none());
    }
}
