//! Word-at-a-time ASCII case tricks for key names (C-2): [`eq_ascii_lower`] and [`LowerName`],
//! whose per-word case masks make "is this name the key, up to ASCII case?" an OR and a
//! compare per eight bytes.

/// 0x80 in every byte of `x` in `lo..=hi` (ASCII bounds), eight bytes at once.
#[inline(always)]
const fn bytes_in(x: u64, lo: u8, hi: u8) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let low7 = x & !HIGH;
    // Per byte, bit 7 of `low7 + c` is set when `low7 >= 0x80 - c`; no byte carries over.
    let ge_lo = low7 + (0x80 - lo as u64) * ONES;
    let gt_hi = low7 + (0x7F - hi as u64) * ONES;
    ge_lo & !gt_hi & !x & HIGH
}

/// 0x80 in every byte of `x` that is an ASCII lower-case letter.
#[inline]
fn lower_letters(x: u64) -> u64 {
    bytes_in(x, b'a', b'z')
}

/// ASCII lower-case of eight bytes at once: each byte in `A`..=`Z` gets bit 0x20, every other
/// byte (non-ASCII ones included) is left alone.
#[inline]
pub(crate) fn lower_word(x: u64) -> u64 {
    x | (bytes_in(x, b'A', b'Z') >> 2)
}

/// `a.eq_ignore_ascii_case(lower)` for a `lower` with no ASCII upper-case letter (a folded key
/// name, C-2), comparing eight bytes at a time: lengths first, then words of `a` lower-cased
/// against words of `lower`, the last word overlapping the one before.
#[inline]
pub(crate) fn eq_ascii_lower(a: &[u8], lower: &[u8]) -> bool {
    if a.len() != lower.len() {
        return false;
    }
    let load = |w: &[u8; 8]| u64::from_le_bytes(*w);
    let same = |x: Option<&[u8; 8]>, y: Option<&[u8; 8]>| match (x, y) {
        (Some(x), Some(y)) => lower_word(load(x)) == load(y),
        _ => false,
    };
    if a.len() < 8 {
        return a
            .iter()
            .zip(lower)
            .all(|(x, y)| x.to_ascii_lowercase() == *y);
    }
    // The last word first (names often differ at the end); up to 16 bytes the first and
    // last words cover everything, without a loop.
    same(a.last_chunk(), lower.last_chunk())
        && if a.len() <= 16 {
            same(a.first_chunk(), lower.first_chunk())
        } else {
            a.chunks_exact(8)
                .zip(lower.chunks_exact(8))
                .all(|(x, y)| same(x.first_chunk(), y.first_chunk()))
        }
}

/// A name without ASCII upper-case letters (a folded key name, C-2), prepared so that "is `a`
/// this name up to ASCII case?" ([`eq_ascii_lower`]'s question) costs an OR and a compare per
/// eight bytes instead of lower-casing them: each word of the name is kept with a mask of
/// 0x20 in its ASCII letters, and `a`'s word OR the mask must equal the name's word. Only a
/// letter's two cases pass at a letter (`x | 0x20` is the lower-case letter exactly for that
/// letter and its upper case); every other byte must be equal.
#[derive(Clone, Debug)]
pub(crate) struct LowerName {
    text: Box<str>,
    /// For names of eight bytes or more: (word, mask) for the last eight bytes, then for each
    /// whole eight-byte chunk from the start (up to sixteen bytes, the first only: the last
    /// word covers the rest). Empty for shorter names, compared byte by byte.
    words: Box<[(u64, u64)]>,
}

impl LowerName {
    pub(crate) fn new(text: &str) -> LowerName {
        let pair = |w: &[u8; 8]| {
            let w = u64::from_le_bytes(*w);
            (w, lower_letters(w) >> 2)
        };
        let b = text.as_bytes();
        let chunks = match b.len() {
            0..8 => 0,
            8..=16 => 1,
            n => n / 8,
        };
        // Sized once: sets are loaded on the authorizer's start-up path, one name per key.
        let mut words = Vec::with_capacity(chunks + 1);
        if let Some(last) = b.last_chunk::<8>() {
            words.push(pair(last));
            words.extend(
                b.chunks_exact(8)
                    .take(chunks)
                    .filter_map(|c| c.first_chunk().map(pair)),
            );
        }
        LowerName {
            text: text.into(),
            words: words.into_boxed_slice(),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    #[inline(always)]
    pub(crate) fn len(&self) -> usize {
        self.text.len()
    }

    /// `eq_ascii_lower(a, self)`, the last word first (names often differ at the end).
    #[inline(always)]
    pub(crate) fn eq_ascii(&self, a: &[u8]) -> bool {
        if a.len() != self.text.len() {
            return false;
        }
        let Some((&(w, m), rest)) = self.words.split_first() else {
            return eq_ascii_lower(a, self.text.as_bytes());
        };
        let word = |c: &[u8; 8]| u64::from_le_bytes(*c);
        a.last_chunk().is_some_and(|c| word(c) | m == w)
            && a.chunks_exact(8)
                .zip(rest)
                .all(|(c, &(w, m))| c.first_chunk().is_some_and(|c| word(c) | m == w))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ascii_lower_compare_matches_std() {
        // Every byte against every byte, in each position of names of several lengths (the
        // word path, the overlapping last word, the short path): the same answer as
        // `eq_ignore_ascii_case` whenever the second name has no upper-case ASCII letter.
        for len in [1usize, 7, 8, 9, 15, 16, 17, 26] {
            for pos in [0, len / 2, len - 1] {
                for x in 0..=255u8 {
                    for y in (0..=255u8).filter(|y| !y.is_ascii_uppercase()) {
                        let mut a = vec![b'q'; len];
                        let mut b = vec![b'q'; len];
                        a[pos] = x;
                        b[pos] = y;
                        assert_eq!(
                            eq_ascii_lower(&a, &b),
                            a.eq_ignore_ascii_case(&b),
                            "{len} {pos} {x} {y}"
                        );
                    }
                }
            }
        }
        assert!(eq_ascii_lower(
            b"AWS:PrincipalTag/Team",
            b"aws:principaltag/team"
        ));
        assert!(!eq_ascii_lower(
            b"aws:principaltag/tea",
            b"aws:principaltag/team"
        ));
        assert!(!eq_ascii_lower(
            b"aws:principaltag/tean",
            b"aws:principaltag/team"
        ));
        assert!(!eq_ascii_lower(b"AWS:@", b"aws:`"));
        assert!(eq_ascii_lower(b"", b""));
    }

    /// [`lower_letters`] marks exactly the bytes `b'a'..=b'z'`, each byte value in each
    /// position.
    #[test]
    fn lower_letters_marks_lower_case_letters() {
        for pos in 0..8 {
            for b in 0..=255u8 {
                let mut w = [b'A'; 8];
                w[pos] = b;
                let got = lower_letters(u64::from_le_bytes(w)).to_le_bytes();
                for (i, g) in got.iter().enumerate() {
                    let letter = if i == pos {
                        b.is_ascii_lowercase()
                    } else {
                        false
                    };
                    assert_eq!(*g, if letter { 0x80 } else { 0 }, "{pos} {b}");
                }
            }
        }
    }

    /// [`LowerName::eq_ascii`] answers as [`eq_ascii_lower`]: every byte against every byte,
    /// in each position of names of every length up to 26 (short names, one and two words,
    /// the overlapping last word, longer names), and for texts of another length.
    #[test]
    fn lower_name_matches_eq_ascii_lower() {
        for len in 1usize..=26 {
            for pos in [0, len / 2, len - 1] {
                for y in (0..=255u8).filter(|y| !y.is_ascii_uppercase()) {
                    let mut b = vec![b'q'; len];
                    b[pos] = y;
                    let Ok(text) = std::str::from_utf8(&b) else {
                        continue;
                    };
                    let name = LowerName::new(text);
                    for x in 0..=255u8 {
                        let mut a = vec![b'Q'; len];
                        a[pos] = x;
                        assert_eq!(
                            name.eq_ascii(&a),
                            eq_ascii_lower(&a, &b),
                            "{len} {pos} {x} {y}"
                        );
                    }
                    assert!(!name.eq_ascii(&b[1..]));
                    assert!(!name.eq_ascii(&[&b[..], b"q"].concat()));
                }
            }
        }
        let name = LowerName::new("aws:principaltag/team");
        assert!(name.eq_ascii(b"AWS:PrincipalTag/Team"));
        assert!(!name.eq_ascii(b"aws:principaltag/tean"));
        assert!(!name.eq_ascii(b"aws:principalTAG/teamm"));
        assert!(!LowerName::new("aws:`").eq_ascii(b"AWS:@"));
    }
}
