//! Typed readings of condition values, without allocation.
//!
//! The compiler uses these to check and pre-parse policy values (G-18); the runtime uses them on
//! request values, where a value that does not parse satisfies neither a positive nor a negated
//! operator (C-17). Every function here borrows its input and allocates nothing.
//!
//! - [`Decimal`] — C-9 numbers: `-?digits(.digits)?`, compared exactly (no float rounding).
//! - [`parse_date`] — C-10 instants: W3C ISO 8601 profiles or epoch seconds, as nanoseconds.
//! - [`parse_bool`] — C-11/C-15 `true`/`false`, any case.
//! - [`Cidr`] — C-13 IPv4/IPv6 blocks as integer ranges.
//! - [`base64_eq`] — C-12 comparison of decoded bytes.
//! - [`split_arn`] — C-14 six fields at the first five colons.

use core::cmp::Ordering;
use core::net::IpAddr;

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

const NANOS: i128 = 1_000_000_000;

/// Parse a date (C-10) into nanoseconds since the Unix epoch.
///
/// Accepted: epoch seconds (ASCII digits only, at most 18 of them), or
/// `YYYY-MM-DD`, optionally followed by `Thh:mm`, `:ss`, `.fraction` (1 or more digits,
/// truncated to nanoseconds) and a zone `Z` or `±hh:mm` (hours 00–23, minutes 00–59). A date
/// without a time is midnight UTC; a time without a zone is UTC. Fields are range-checked
/// (month 1–12, day within the month, hour 0–23, minute and second 0–59).
#[expect(
    clippy::indexing_slicing,
    reason = "every fixed cut is guarded by a length test just before it (`b.len() >= 10`, `rest.len() >= 6`, `rest.get(1..3)?`) and `n` counts digits within `rest[1..]`"
)]
pub fn parse_date(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if !b.is_empty() && b.len() <= 18 && b.iter().all(u8::is_ascii_digit) {
        let secs: i128 = s.parse().ok()?;
        return Some(secs * NANOS);
    }
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) * 86_400;
    let mut nanos: i128 = 0;
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(secs * NANOS);
    }
    if rest[0] != b'T' || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let hour = digits(&rest[1..3])?;
    let minute = digits(&rest[4..6])?;
    if hour > 23 || minute > 59 {
        return None;
    }
    secs += hour * 3600 + minute * 60;
    rest = &rest[6..];
    if rest.first() == Some(&b':') {
        let second = digits(rest.get(1..3)?)?;
        if second > 59 {
            return None;
        }
        secs += second;
        rest = &rest[3..];
        if rest.first() == Some(&b'.') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 {
                return None;
            }
            let mut scale = NANOS;
            for &d in &rest[1..1 + n] {
                scale /= 10;
                nanos += i128::from(d - b'0') * scale;
            }
            rest = &rest[1 + n..];
        }
    }
    let offset = match rest {
        [] | [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'+' {
                off
            } else {
                -off
            }
        }
        _ => return None,
    };
    Some((secs - offset) * NANOS + nanos)
}

fn digits(b: &[u8]) -> Option<i128> {
    let mut v: i128 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i128::from(c - b'0');
    }
    Some(v)
}

fn is_leap(y: i128) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i128, m: i128) -> i128 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i128, m: i128, d: i128) -> i128 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IP block (C-13): IPv4 addresses live in a separate space from IPv6 (an IPv4-mapped IPv6
/// address is IPv6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    v6: bool,
    network: u128,
    mask: u128,
}

impl Cidr {
    /// Parse `address` or `address/prefix` (prefix 0–32 for IPv4, 0–128 for IPv6, decimal
    /// digits only). Host bits are ignored (`10.1.2.3/8` = `10.0.0.0/8`).
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (a, Some(p.parse::<u32>().ok()?))
            }
            None => (s, None),
        };
        let (v6, bits, width) = ip_bits(addr.parse().ok()?);
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return None;
        }
        let mask = if prefix == 0 {
            0
        } else {
            (u128::MAX << (128 - prefix)) >> (128 - width)
        };
        Some(Cidr {
            v6,
            network: bits & mask,
            mask,
        })
    }

    /// Whether the block contains the address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v6, bits, _) = ip_bits(ip);
        v6 == self.v6 && bits & self.mask == self.network
    }
}

fn ip_bits(ip: IpAddr) -> (bool, u128, u32) {
    match ip {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (true, u128::from(a), 128),
    }
}

/// Parse a request's IP value: one address, no prefix (C-13).
///
/// The common spellings (dotted quads without leading zeros; hex groups with at most one
/// `::` and no embedded IPv4) are read directly, at a fraction of the cost of the standard
/// parser, which decides everything else. The fast readers only ever accept what the standard
/// parser accepts, with the same value (tested against it).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    // A dotted quad has no colon, so reading one first gives what the family test below
    // would; it stops at the first byte that is not a digit or dot (early in an IPv6 address).
    if let Some(a) = fast_ipv4(s.as_bytes()) {
        return Some(IpAddr::V4(a));
    }
    parse_ip_not_quad(s)
}

/// [`parse_ip`] after the dotted-quad reader said "ask someone else". Kept out of line: the
/// IPv6 reader needs many registers, and inlined here it made every call, the common dotted
/// quad included, save and restore them.
#[inline(never)]
fn parse_ip_not_quad(s: &str) -> Option<IpAddr> {
    // The IPv6 reader needs a colon, so trying it next gives what the family test below
    // would, without a search for the colon first.
    if let Some(a) = fast_ipv6(s.as_bytes()) {
        return Some(IpAddr::V6(a));
    }
    // Pick the family by the separator instead of letting `IpAddr` try both.
    if s.contains(':') {
        s.parse::<core::net::Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        s.parse::<core::net::Ipv4Addr>().ok().map(IpAddr::V4)
    }
}

/// `a.b.c.d`, each 0–255 in decimal without a leading zero, one octet at a time; `None` means
/// "ask the standard parser", not "invalid".
fn fast_ipv4(b: &[u8]) -> Option<core::net::Ipv4Addr> {
    let digit = |i: usize| b.get(i).map(|c| c.wrapping_sub(b'0')).filter(|d| *d <= 9);
    let mut octets = [0u8; 4];
    let mut i = 0;
    for (k, o) in octets.iter_mut().enumerate() {
        if k > 0 {
            if b.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
        let mut v = u32::from(digit(i)?);
        i += 1;
        // After a leading zero the octet ends (a digit there leaves the next `.` unmatched).
        if v != 0 {
            for _ in 0..2 {
                let Some(d) = digit(i) else {
                    break;
                };
                v = v * 10 + u32::from(d);
                i += 1;
            }
        }
        *o = u8::try_from(v).ok()?;
    }
    if i != b.len() {
        return None;
    }
    Some(core::net::Ipv4Addr::from(octets))
}

/// Colon-separated groups of 1–4 hex digits, in one pass: eight of them, or at most seven
/// around one `::`; `None` means "ask the standard parser" (embedded IPv4, anything unusual).
#[expect(
    clippy::indexing_slicing,
    reason = "`HEX_CLASS` has 256 entries, one per `u8`; the const table's indices are below 256"
)]
fn fast_ipv6(b: &[u8]) -> Option<core::net::Ipv6Addr> {
    // A single colon may not open or close the address (`::` may).
    match (
        b.first(),
        b.get(1),
        b.len().checked_sub(2).and_then(|i| b.get(i)),
        b.last(),
    ) {
        (Some(b':'), second, _, _) if second != Some(&b':') => return None,
        (_, _, before, Some(b':')) if before != Some(&b':') => return None,
        (None, ..) => return None,
        _ => {}
    }
    if b.len() > 39 {
        return None;
    }
    // The groups read so far, sixteen bits each (after the `::`, once there is one), and the
    // groups before the `::`: the address is put together at the end by shifts.
    let (mut acc, mut head) = (0u128, 0u128);
    let (mut groups, mut gap) = (0u32, None);
    let (mut value, mut digits, mut colons) = (0u32, 0u32, 0u32);
    for &c in b {
        // One table load classifies the byte (three range tests did, per byte).
        let x = HEX_CLASS[usize::from(c)];
        if x == COLON {
            if digits > 0 {
                acc = acc << 16 | u128::from(value);
                groups += 1;
                (value, digits) = (0, 0);
            }
            colons += 1;
            match colons {
                1 => {}
                2 if gap.is_none() => {
                    gap = Some(groups);
                    (head, acc) = (acc, 0);
                }
                _ => return None,
            }
            continue;
        }
        if x > 15 || digits == 4 {
            return None;
        }
        value = value << 4 | u32::from(x);
        digits += 1;
        colons = 0;
    }
    if digits > 0 {
        acc = acc << 16 | u128::from(value);
        groups += 1;
    }
    let bits = match gap {
        None if groups == 8 => acc,
        // `::` stands for at least one zero group: the `k` groups before it go to the top.
        Some(k) if groups <= 7 => head.checked_shl(16 * (8 - k)).unwrap_or(0) | acc,
        _ => return None,
    };
    Some(core::net::Ipv6Addr::from(bits))
}

/// [`HEX_CLASS`] of `:`.
const COLON: u8 = 16;

/// Per byte: its value as a hex digit (any case), [`COLON`] for `:`, 255 for anything else.
#[expect(
    clippy::indexing_slicing,
    reason = "a const evaluation: every index is below 256 (an ASCII byte), and an out-of-range one would fail the build, not a request"
)]
const HEX_CLASS: [u8; 256] = {
    let mut t = [255u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t[b':' as usize] = COLON;
    t
};

fn b64_digit(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decode standard base64 (RFC 4648 alphabet, `=` padding required to a multiple of four)
/// into a caller's closure, one byte at a time. `None` when the text is not valid base64.
#[expect(
    clippy::indexing_slicing,
    reason = "`pad <= 2` was checked just above, so `4 - pad` and `3 - pad` are within the 4- and 3-byte arrays"
)]
fn base64_each(s: &str, mut f: impl FnMut(u8) -> bool) -> Option<bool> {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return None;
    }
    let mut all = true;
    for (ci, chunk) in b.chunks_exact(4).enumerate() {
        let last = ci + 1 == b.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut v: u32 = 0;
        for &c in &chunk[..4 - pad] {
            v = (v << 6) | u32::from(b64_digit(c)?);
        }
        v <<= 6 * pad as u32;
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        for &byte in &bytes[..3 - pad] {
            if all && !f(byte) {
                all = false;
            }
        }
    }
    Some(all)
}

/// The decoded length of valid base64 text (C-12), or `None` when it is not base64.
pub fn base64_decoded_len(s: &str) -> Option<usize> {
    let mut n = 0;
    base64_each(s, |_| {
        n += 1;
        true
    })?;
    Some(n)
}

/// Decode base64 into a new vector (compile time only).
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    base64_each(s, |b| {
        out.push(b);
        true
    })?;
    Some(out)
}

/// Whether base64 text decodes to exactly `bytes`; `None` when it is not base64 (C-12, C-17).
pub fn base64_eq(s: &str, bytes: &[u8]) -> Option<bool> {
    let mut i = 0;
    let ok = base64_each(s, |b| {
        let same = bytes.get(i) == Some(&b);
        i += 1;
        same
    })?;
    Some(ok && i == bytes.len())
}

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
    #![allow(clippy::indexing_slicing)]

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

    #[test]
    fn c10_dates() {
        let epoch = parse_date("1704067200").unwrap();
        assert_eq!(parse_date("2024-01-01T00:00:00Z"), Some(epoch));
        assert_eq!(parse_date("2024-01-01"), Some(epoch));
        assert_eq!(parse_date("2024-01-01T02:00:00+02:00"), Some(epoch));
        assert_eq!(parse_date("2023-12-31T23:00-01:00"), Some(epoch));
        assert_eq!(parse_date("2024-01-01T00:00:00"), Some(epoch));
        assert_eq!(
            parse_date("2024-01-01T00:00:00.5Z"),
            Some(epoch + 500_000_000)
        );
        assert_eq!(parse_date("2024-02-29"), Some(epoch + 59 * 86_400 * NANOS));
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-01-01T24:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00+2:00",
            "2024-01-01 00:00:00",
            "yesterday",
            "",
            "-1",
            "1999999999999999999",
            "2024-01-01T00:00:00.Z",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn c13_cidrs() {
        let c = Cidr::parse("192.0.2.0/24").unwrap();
        assert!(c.contains("192.0.2.255".parse().unwrap()));
        assert!(!c.contains("192.0.3.0".parse().unwrap()));
        assert_eq!(Cidr::parse("10.1.2.3/8"), Cidr::parse("10.0.0.0/8"));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains("2001:db8::1".parse().unwrap()));
        let ten = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(!ten.contains("::ffff:10.1.1.1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("::1".parse().unwrap()));
        assert!(!Cidr::parse("::/0")
            .unwrap()
            .contains("8.8.8.8".parse().unwrap()));
        let host = Cidr::parse("10.0.0.1").unwrap();
        assert!(host.contains("10.0.0.1".parse().unwrap()));
        assert!(!host.contains("10.0.0.2".parse().unwrap()));
        for bad in [
            "1.2.3.4/33",
            "10.0.0.300/8",
            "::/129",
            "1.2.3.4/",
            "1.2.3.4/+8",
            "x",
        ] {
            assert!(Cidr::parse(bad).is_none(), "{bad}");
        }
    }

    /// The fast IP readers accept only what the standard parser accepts, with its value: every
    /// string over a small alphabet up to a few characters, and structured near-misses.
    #[test]
    fn c13_fast_ip_readers_agree_with_std() {
        fn check(s: &str) {
            if let Some(a) = fast_ipv4(s.as_bytes()) {
                assert_eq!(s.parse::<core::net::Ipv4Addr>().ok(), Some(a), "{s}");
            }
            if let Some(a) = fast_ipv6(s.as_bytes()) {
                assert_eq!(s.parse::<core::net::Ipv6Addr>().ok(), Some(a), "{s}");
            }
            let std = if s.contains(':') {
                s.parse::<core::net::Ipv6Addr>().ok().map(IpAddr::V6)
            } else {
                s.parse::<core::net::Ipv4Addr>().ok().map(IpAddr::V4)
            };
            assert_eq!(parse_ip(s), std, "{s}");
        }
        let alphabet = ['0', '1', '9', 'f', 'G', ':', '.'];
        let mut cur = vec![String::new()];
        for _ in 0..7 {
            let mut next = Vec::new();
            for p in &cur {
                for c in alphabet {
                    let s = format!("{p}{c}");
                    check(&s);
                    next.push(s);
                }
            }
            cur = next;
        }
        // Longer strings, dotted quads and hex groups with random near-misses (the exhaustive
        // walk above stops at seven characters).
        let mut rng = crate::test_rng::Lcg::new(7);
        let mut next = |n: u64| rng.below(n as usize) as u64;
        let pieces = [
            "0", "1", "9", "25", "255", "256", "01", "199", "300", "ff", "FFFF", "10000", ".", ":",
            "::", "G",
        ];
        for _ in 0..300_000 {
            let k = 1 + next(9) as usize;
            let s: String = (0..k)
                .map(|_| pieces[next(pieces.len() as u64) as usize])
                .collect();
            check(&s);
            let quad = (0..4)
                .map(|_| pieces[next(7) as usize])
                .collect::<Vec<_>>()
                .join(".");
            check(&quad);
        }
        for s in [
            "192.168.7.7",
            "10.1.2.3",
            "0.0.0.0",
            "255.255.255.255",
            "256.1.1.1",
            "01.1.1.1",
            "1.1.1",
            "1.1.1.1.1",
            "1..1.1",
            "1.1.1.1 ",
            "+1.1.1.1",
            "1.1.1.1000",
            "2001:db8::5",
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7:8::",
            "1:2:3:4::5:6:7:8",
            "1:2:3:4:5:6:7:8:9",
            "1::2::3",
            ":::",
            "1:::2",
            ":1::",
            "::1:",
            "12345::",
            "0000:0000::FFFF",
            "::ffff:10.1.1.1",
            "1:2:3:4:5:6:1.2.3.4",
            "fe80::1%eth0",
            "2001:DB8:0:0:0:0:0:1",
            "[::1]",
            "1:2:3:4:5:6:7:8:",
            ":1:2:3:4:5:6:7:8",
            "1:2:3::4:5:6:7",
            "1:2:3::4:5:6:7:8",
            "a:b:c:d:e:f:aaaa:FFFF",
            "aaaaa::",
            "::aaaaa",
            "1.2.3.04",
            "1.2.3.255",
            "1.2.3.",
            ".1.2.3",
            "999.1.1.1",
        ] {
            check(s);
        }
    }

    /// The IPv6 reader's byte table classifies every byte as `char::to_digit(16)` and `:` do.
    #[test]
    fn c13_hex_class_table() {
        for c in 0..=255u8 {
            let want = match char::from(c).to_digit(16) {
                Some(d) if c.is_ascii() => d as u8,
                _ if c == b':' => COLON,
                _ => 255,
            };
            assert_eq!(HEX_CLASS[usize::from(c)], want, "{c}");
        }
    }

    #[test]
    fn c12_base64() {
        assert_eq!(base64_decode("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_eq("aGVsbG8=", b"hello"), Some(true));
        assert_eq!(base64_eq("aGVsbG8=", b"hell"), Some(false));
        assert_eq!(base64_eq("aGVsbA==", b"hello"), Some(false));
        assert_eq!(base64_eq("aGVsbG8", b"hello"), None);
        assert_eq!(base64_eq("aG=sbG8=", b"hello"), None);
        assert_eq!(base64_decoded_len(""), Some(0));
    }

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
