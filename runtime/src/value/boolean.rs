//! C-11/C-15 booleans: `true`/`false` in any case, word-at-a-time.

/// `true`/`false` in any case (C-11, C-15).
pub fn parse_bool(s: &str) -> Option<bool> {
    // Four bytes at a time with `| 0x20` per byte: every byte of `true` and `false` is a
    // lower-case letter, and `b | 0x20` equals a lower-case letter only for that letter and
    // its upper case, so this is exactly `eq_ignore_ascii_case`.
    const CASE: u32 = 0x2020_2020;
    let word = |b: &[u8]| b.first_chunk::<4>().map(|w| u32::from_le_bytes(*w) | CASE);
    let b = s.as_bytes();
    match b.len() {
        4 if word(b) == Some(u32::from_le_bytes(*b"true")) => Some(true),
        5 if word(b) == Some(u32::from_le_bytes(*b"fals"))
            && b.get(4).map(|c| c | 0x20) == Some(b'e') =>
        {
            Some(false)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    /// `parse_bool` is exactly `eq_ignore_ascii_case` with `true` / `false`, on every string
    /// up to five characters over letters of both words in both cases and near misses (bytes
    /// that differ by 0x20 or 0x80 from a letter, non-ASCII).
    #[test]
    fn c11_parse_bool_exact() {
        let alphabet = [
            "t", "T", "r", "R", "u", "U", "e", "E", "f", "F", "a", "A", "l", "L", "s", "S", "4",
            "E", "\u{f4}", "\u{d4}", "%",
        ];
        let slow = |s: &str| {
            if s.eq_ignore_ascii_case("true") {
                Some(true)
            } else if s.eq_ignore_ascii_case("false") {
                Some(false)
            } else {
                None
            }
        };
        let mut cur = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for p in &cur {
                assert_eq!(parse_bool(p), slow(p), "{p:?}");
                for a in alphabet {
                    next.push(format!("{p}{a}"));
                }
            }
            cur = next;
        }
        for p in &cur {
            assert_eq!(parse_bool(p), slow(p), "{p:?}");
        }
    }
}
