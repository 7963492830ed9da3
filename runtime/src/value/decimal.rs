//! C-9 numbers: [`Decimal`] (borrowed, compared exactly, no float rounding) and
//! [`DecimalBuf`] (its digits kept, for policy values parsed once at build time).

use core::cmp::Ordering;

/// A decimal number as written, normalised for exact comparison (C-9).
///
/// Leading zeros of the integer part and trailing zeros of the fraction are dropped, so `010`,
/// `10` and `10.0` compare equal; `-0` equals `0`.
#[derive(Clone, Copy, Debug)]
pub struct Decimal<'a> {
    negative: bool,
    int: &'a str,
    frac: &'a str,
}

impl<'a> Decimal<'a> {
    /// Parse `-?[0-9]+(\.[0-9]+)?`. Exponents, `+`, spaces, hex, `NaN` are not numbers.
    #[expect(
        clippy::indexing_slicing,
        reason = "`b.get(n)` is `Some(b'.')` in this arm, so `n + 1 <= b.len()`"
    )]
    pub fn parse(s: &'a str) -> Option<Decimal<'a>> {
        // Byte runs instead of a search for the dot and then a test of each side, and `char`
        // trims: this runs on every request value of a numeric condition.
        let run = |b: &[u8]| {
            b.iter()
                .position(|c| !c.is_ascii_digit())
                .unwrap_or(b.len())
        };
        let (negative, body) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let b = body.as_bytes();
        let n = run(b);
        if n == 0 {
            return None;
        }
        // Every cut below is next to an ASCII byte, so on a character boundary.
        let (int, frac) = match b.get(n) {
            None => (body, ""),
            Some(b'.') => {
                let f = &b[n + 1..];
                let m = run(f);
                if m == 0 || m != f.len() {
                    return None;
                }
                (body.get(..n)?, body.get(n + 1..)?)
            }
            Some(_) => return None,
        };
        let lead = int.bytes().take_while(|&c| c == b'0').count();
        let int = int.get(lead..)?;
        let trail = frac.bytes().rev().take_while(|&c| c == b'0').count();
        let frac = frac.get(..frac.len() - trail)?;
        let negative = negative && !(int.is_empty() && frac.is_empty());
        Some(Decimal {
            negative,
            int,
            frac,
        })
    }

    fn cmp_magnitude(&self, other: &Decimal<'_>) -> Ordering {
        self.int
            .len()
            .cmp(&other.int.len())
            .then_with(|| self.int.cmp(other.int))
            .then_with(|| self.frac.cmp(other.frac))
    }

    /// Numeric comparison.
    pub fn compare(&self, other: &Decimal<'_>) -> Ordering {
        match (self.negative, other.negative) {
            (false, true) => Ordering::Greater,
            (true, false) => Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

/// A [`Decimal`] that owns its normalised digits: a policy value parsed once when the set is
/// built (G-18), so that evaluation compares without reading the text again. Comparing through
/// [`DecimalBuf::get`] is exactly comparing the [`Decimal`] of the text it was parsed from.
#[derive(Clone, Debug)]
pub struct DecimalBuf {
    negative: bool,
    int: Box<str>,
    frac: Box<str>,
}

impl DecimalBuf {
    /// [`Decimal::parse`], kept.
    pub fn parse(s: &str) -> Option<DecimalBuf> {
        let d = Decimal::parse(s)?;
        Some(DecimalBuf {
            negative: d.negative,
            int: d.int.into(),
            frac: d.frac.into(),
        })
    }

    /// The number, borrowing the kept digits (no parse, no copy).
    #[inline]
    pub fn get(&self) -> Decimal<'_> {
        Decimal {
            negative: self.negative,
            int: &self.int,
            frac: &self.frac,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    fn num_cmp(a: &str, b: &str) -> Ordering {
        Decimal::parse(a)
            .unwrap()
            .compare(&Decimal::parse(b).unwrap())
    }

    #[test]
    fn c9_decimals() {
        assert_eq!(num_cmp("10", "010"), Ordering::Equal);
        assert_eq!(num_cmp("10", "10.0"), Ordering::Equal);
        assert_eq!(num_cmp("-0", "0"), Ordering::Equal);
        assert_eq!(num_cmp("-3.5", "-3.25"), Ordering::Less);
        assert_eq!(num_cmp("3599", "3600"), Ordering::Less);
        assert_eq!(num_cmp("100", "99.999"), Ordering::Greater);
        assert_eq!(num_cmp("0.1", "0.01"), Ordering::Greater);
        assert_eq!(
            num_cmp(
                "123456789012345678901234567890",
                "123456789012345678901234567891"
            ),
            Ordering::Less
        );
        for bad in [
            "", "-", "1e1", "+1", " 1", "1.", ".5", "0x10", "NaN", "Infinity", "1,0",
        ] {
            assert!(Decimal::parse(bad).is_none(), "{bad}");
        }
    }

    /// The run-based [`Decimal::parse`] reads what the earlier split-and-trim reader read,
    /// field for field, on random texts of signs, zeros, digits, dots and near misses.
    #[test]
    fn c9_decimal_parse_matches_split_reader() {
        fn slow(s: &str) -> Option<(bool, &str, &str)> {
            let (negative, rest) = match s.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, s),
            };
            let (int, frac) = match rest.split_once('.') {
                Some((i, f)) => (i, Some(f)),
                None => (rest, None),
            };
            if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            if let Some(f) = frac {
                if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            let int = int.trim_start_matches('0');
            let frac = frac.unwrap_or("").trim_end_matches('0');
            let negative = negative && !(int.is_empty() && frac.is_empty());
            Some((negative, int, frac))
        }
        let pieces = [
            "-", "0", "00", "1", "9", "10", ".", "5", "e", "+", " ", "/", ":", "\u{660}", "\u{e9}",
        ];
        let mut rng = crate::test_rng::Lcg::new(5);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..300_000 {
            let s: String = (0..next(9)).map(|_| pieces[next(pieces.len())]).collect();
            let fast = Decimal::parse(&s).map(|d| (d.negative, d.int, d.frac));
            assert_eq!(fast, slow(&s), "{s:?}");
        }
    }

    /// A number parsed once at build time ([`DecimalBuf`]) compares as the text parsed on
    /// every use did, and parses exactly the same texts: random signs, zeros, digits, dots and
    /// near misses, each against each.
    #[test]
    fn c9_decimal_buf_compares_as_parsed_text() {
        let pieces = ["-", "0", "00", "1", "9", "10", ".", "5", "e", "+", " "];
        let mut rng = crate::test_rng::Lcg::new(11);
        let mut next = |n: usize| rng.below(n);
        let texts: Vec<String> = (0..600)
            .map(|_| (0..next(7)).map(|_| pieces[next(pieces.len())]).collect())
            .collect();
        for a in &texts {
            let kept = DecimalBuf::parse(a);
            assert_eq!(kept.is_some(), Decimal::parse(a).is_some(), "{a:?}");
            let Some(kept) = kept else { continue };
            for (b, d) in texts
                .iter()
                .filter_map(|b| Decimal::parse(b).map(|d| (b, d)))
            {
                assert_eq!(d.compare(&kept.get()), num_cmp(b, a), "{b:?} vs {a:?}");
            }
        }
    }
}
