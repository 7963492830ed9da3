//! C-14, R-1, E-9 ARNs: [`split_arn`] (six fields at the first five colons), [`arn_cuts`] (the
//! colons, eight bytes at a time) and [`arn_account`].

/// Split an ARN into its six fields at the first five colons (R-1, C-14). `None` when there
/// are fewer than five colons.
#[expect(
    clippy::indexing_slicing,
    reason = "`n < 5` whenever `cuts[n]` is written: the loop stops when `n` reaches 5"
)]
pub fn split_arn(s: &str) -> Option<[&str; 6]> {
    // A byte loop: ARNs are short, and five memchr calls cost more than one pass.
    let b = s.as_bytes();
    let mut cuts = [0usize; 5];
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b':' {
            cuts[n] = i;
            n += 1;
            if n == 5 {
                break;
            }
        }
    }
    if n < 5 {
        return None;
    }
    // Cuts are at ASCII ':' bytes, so every slice boundary is a char boundary.
    let f = |a: usize, z: usize| s.get(a..z).unwrap_or_default();
    Some([
        f(0, cuts[0]),
        f(cuts[0] + 1, cuts[1]),
        f(cuts[1] + 1, cuts[2]),
        f(cuts[2] + 1, cuts[3]),
        f(cuts[3] + 1, cuts[4]),
        f(cuts[4] + 1, s.len()),
    ])
}

/// Where the first five colons of `s` are, when its first field is `arn` (so the first is at
/// 3). Cheaper than [`split_arn`] where only a field or two are read: no slicing.
pub(crate) fn arn_cuts(s: &str) -> Option<[usize; 5]> {
    let b = s.as_bytes();
    if !b.starts_with(b"arn:") {
        return None;
    }
    let mut cuts = [3usize; 5];
    let mut n = 1;
    // Eight bytes at a time: a principal ARN's fifth colon is some 25 bytes in, so this is
    // three or four words instead of a compare and branch per byte (it runs on every decision
    // that reads the principal).
    let mut at = 4;
    // Most principals start `arn:aws:iam::` or `arn:aws:sts::`: their first four colons are
    // those of the prefix, and the search starts after it.
    if b.get(4..13)
        .is_some_and(|p| p == b"aws:iam::" || p == b"aws:sts::")
    {
        cuts = [3, 7, 11, 12, 12];
        n = 4;
        at = 13;
    }
    while let Some(w) = b.get(at..at + 8).and_then(|w| w.first_chunk::<8>()) {
        let mut m = colon_mask(u64::from_le_bytes(*w));
        while m != 0 {
            if let Some(cut) = cuts.get_mut(n) {
                *cut = at + (m.trailing_zeros() / 8) as usize;
            }
            n += 1;
            if n == 5 {
                return Some(cuts);
            }
            m &= m - 1;
        }
        at += 8;
    }
    for (i, &c) in b.iter().enumerate().skip(at) {
        if c == b':' {
            if let Some(cut) = cuts.get_mut(n) {
                *cut = i;
            }
            n += 1;
            if n == 5 {
                return Some(cuts);
            }
        }
    }
    None
}

/// The high bit of every byte of `w` that is `:`, exactly (no false positives from borrows:
/// the low seven bits are added without carrying into the next byte).
#[inline]
fn colon_mask(w: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ 0x3A3A_3A3A_3A3A_3A3A;
    // A byte's high bit ends up set in `t` unless the byte of `x` is zero.
    let t = ((x & LOW7) + LOW7) | x;
    !t & !LOW7
}

/// The account field of an ARN, when it has one (E-9).
pub fn arn_account(s: &str) -> Option<&str> {
    let c = arn_cuts(s)?;
    s.get(c[3] + 1..c[4]).filter(|a| !a.is_empty())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

    /// The word-at-a-time [`arn_cuts`] finds what a byte loop finds, on random strings of
    /// colons, letters and bytes one off a colon (`9`, `;`, `\u{ba}`) of every length.
    #[test]
    fn arn_cuts_agree_with_a_byte_loop() {
        fn slow(s: &str) -> Option<[usize; 5]> {
            if !s.starts_with("arn:") {
                return None;
            }
            let mut it = s.match_indices(':').map(|(i, _)| i);
            let mut cuts = [0usize; 5];
            for c in cuts.iter_mut() {
                *c = it.next()?;
            }
            Some(cuts)
        }
        let pieces = [
            ":",
            "a",
            ";",
            "9",
            "\u{ba}",
            "aws",
            "::",
            "123456789012",
            "/",
        ];
        let mut rng = crate::test_rng::Lcg::new(3u64);
        let mut next = |n: usize| rng.below(n);
        // Starts of the common principals (the fast path) and near misses of them.
        let starts = [
            "arn:",
            "arn:aws:iam::",
            "arn:aws:sts::",
            "arn:aws:iam:",
            "arn:aws:sts:x:",
            "arn:aws:iam;:",
            "arn:aws-cn:iam::",
        ];
        for _ in 0..200_000 {
            let k = next(16);
            let mut s = String::from(starts[next(starts.len())]);
            for _ in 0..k {
                s.push_str(pieces[next(pieces.len())]);
            }
            assert_eq!(arn_cuts(&s), slow(&s), "{s}");
            assert_eq!(arn_cuts(&s[1..]), slow(&s[1..]), "{s}");
        }
    }

    #[test]
    fn arns() {
        assert_eq!(
            split_arn("arn:aws:s3:::b/k:x"),
            Some(["arn", "aws", "s3", "", "", "b/k:x"])
        );
        assert_eq!(split_arn("arn:aws:iam::*"), None);
        assert_eq!(
            arn_account("arn:aws:iam::111122223333:user/a"),
            Some("111122223333")
        );
        assert_eq!(arn_account("arn:aws:s3:::b"), None);
        assert_eq!(arn_account("arn:aws:s3::1:b:c"), Some("1"));
        assert_eq!(arn_account("arn:aws:s3::1"), None);
        assert_eq!(arn_account("arn:aws::::1:"), None);
        assert_eq!(arn_account("arx:aws:s3::1:b"), None);
        assert_eq!(
            arn_cuts("arn:aws:iam::1:user/a:b"),
            Some([3, 7, 11, 12, 14])
        );
        assert_eq!(arn_cuts("arn::::"), None);
        assert_eq!(arn_cuts("arn:::::"), Some([3, 4, 5, 6, 7]));
    }
}
