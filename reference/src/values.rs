//! Readers for typed condition values (K-3): numbers (C-9), dates (C-10), booleans (C-11),
//! base64 (C-12), IP addresses and blocks (C-13) and ARNs (R-1, C-14).
//!
//! Each reader returns `None` when the text does not have the type; the condition code turns
//! that into C-17 (a request value that does not parse satisfies no operator). These are written
//! independently of the runtime's readers on purpose, so the differential tests compare two
//! implementations of the same grammar (DESIGN.md, "Value grammars").

use std::cmp::Ordering;
use std::net::IpAddr;

/// A decimal number `-?[0-9]+(\.[0-9]+)?`, kept as its digits so comparison is exact (C-9).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number {
    negative: bool,
    /// Integer digits without leading zeros (`"0"` becomes `""`).
    int: String,
    /// Fraction digits without trailing zeros.
    frac: String,
}

/// spec: C-9 — parse `-?digits(.digits)?`; no `+`, no exponent, no spaces, no bare `.`.
pub fn parse_number(s: &str) -> Option<Number> {
    let (negative, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit());
    if !all_digits(int) {
        return None;
    }
    if let Some(f) = frac {
        if !all_digits(f) {
            return None;
        }
    }
    let int = int.trim_start_matches('0').to_string();
    let frac = frac.unwrap_or("").trim_end_matches('0').to_string();
    // spec: C-9 — `-0` is zero.
    let negative = negative && !(int.is_empty() && frac.is_empty());
    Some(Number {
        negative,
        int,
        frac,
    })
}

/// spec: C-9 — numeric comparison of two decimals, exactly.
pub fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    // Compare magnitudes: more integer digits is bigger; then digit by digit; then fractions
    // digit by digit (a missing digit counts as 0, which string comparison gives us since the
    // shorter fraction is a prefix-compare followed by "shorter is smaller").
    let magnitude = a
        .int
        .len()
        .cmp(&b.int.len())
        .then_with(|| a.int.cmp(&b.int))
        .then_with(|| a.frac.cmp(&b.frac));
    match (a.negative, b.negative) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (false, true) => Ordering::Greater,
        (true, false) => Ordering::Less,
    }
}

/// spec: C-11 — `true` / `false` in any ASCII case.
pub fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An instant: nanoseconds since 1970-01-01T00:00:00Z.
pub type Instant = i128;

const NANOS_PER_SECOND: i128 = 1_000_000_000;

/// spec: C-10 — parse a date to an instant.
///
/// Grammar: epoch seconds (1 to 18 ASCII digits), or `YYYY-MM-DD`, optionally followed by
/// `Thh:mm`, then optionally `:ss`, then (only after seconds) optionally `.` and one or more
/// fraction digits (truncated to nanoseconds), then (only after a time) optionally `Z` or
/// `±hh:mm`. Fields are range-checked. No time means midnight UTC; no zone means UTC.
pub fn parse_date(s: &str) -> Option<Instant> {
    if (1..=18).contains(&s.len()) && s.chars().all(|c| c.is_ascii_digit()) {
        let seconds: i128 = s.parse().ok()?;
        return Some(seconds * NANOS_PER_SECOND);
    }
    let mut cur = Cursor { rest: s };
    let year = cur.digits(4)?;
    cur.expect('-')?;
    let month = cur.digits(2)?;
    cur.expect('-')?;
    let day = cur.digits(2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = days_since_epoch(year, month, day) * 86_400;
    let mut nanos: i128 = 0;
    if cur.rest.is_empty() {
        return Some(seconds * NANOS_PER_SECOND);
    }
    cur.expect('T')?;
    let hour = cur.digits(2)?;
    cur.expect(':')?;
    let minute = cur.digits(2)?;
    if hour > 23 || minute > 59 {
        return None;
    }
    seconds += hour * 3600 + minute * 60;
    if cur.rest.starts_with(':') {
        cur.expect(':')?;
        let second = cur.digits(2)?;
        if second > 59 {
            return None;
        }
        seconds += second;
        if cur.rest.starts_with('.') {
            cur.expect('.')?;
            let count = cur.rest.chars().take_while(|c| c.is_ascii_digit()).count();
            if count == 0 {
                return None;
            }
            let fraction = &cur.rest[..count];
            cur.rest = &cur.rest[count..];
            // Keep the first nine digits (nanoseconds), padded with zeros.
            let mut nine: String = fraction.chars().take(9).collect();
            while nine.len() < 9 {
                nine.push('0');
            }
            nanos = nine.parse().ok()?;
        }
    }
    let offset_seconds = if cur.rest.is_empty() || cur.rest == "Z" {
        0
    } else {
        let sign = if cur.rest.starts_with('+') {
            1
        } else if cur.rest.starts_with('-') {
            -1
        } else {
            return None;
        };
        cur.rest = &cur.rest[1..];
        let h = cur.digits(2)?;
        cur.expect(':')?;
        let m = cur.digits(2)?;
        if !cur.rest.is_empty() || h > 23 || m > 59 {
            return None;
        }
        sign * (h * 3600 + m * 60)
    };
    Some((seconds - offset_seconds) * NANOS_PER_SECOND + nanos)
}

/// A tiny left-to-right reader for the date grammar.
struct Cursor<'a> {
    rest: &'a str,
}

impl Cursor<'_> {
    /// Exactly `n` ASCII digits, as a number.
    fn digits(&mut self, n: usize) -> Option<i128> {
        let head = self.rest.get(..n)?;
        if !head.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        self.rest = &self.rest[n..];
        head.parse().ok()
    }

    /// The character `c`.
    fn expect(&mut self, c: char) -> Option<()> {
        self.rest = self.rest.strip_prefix(c)?;
        Some(())
    }
}

fn is_leap_year(year: i128) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i128, month: i128) -> i128 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 0000-01-01 to the first day of `year` (proleptic Gregorian, year >= 0).
fn days_before_year(year: i128) -> i128 {
    if year == 0 {
        return 0;
    }
    let y = year - 1;
    // Year 0 is a leap year; then one every 4 years except centuries not divisible by 400.
    365 * year + (y / 4 - y / 100 + y / 400 + 1)
}

/// Days from 1970-01-01 to the given date (negative before 1970).
fn days_since_epoch(year: i128, month: i128, day: i128) -> i128 {
    let mut days = days_before_year(year) - days_before_year(1970);
    for m in 1..month {
        days += days_in_month(year, m);
    }
    days + day - 1
}

/// spec: C-12 — decode standard base64 (alphabet `A-Z a-z 0-9 + /`, `=` padding to a multiple
/// of four, at most two `=` and only at the end).
pub fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    // The text is whole groups of four characters.
    if bytes.chunks(4).any(|group| group.len() != 4) {
        return None;
    }
    let padding = bytes.iter().rev().take_while(|&&b| b == b'=').count();
    if padding > 2 {
        return None;
    }
    let data = &bytes[..bytes.len() - padding];
    let mut sextets = Vec::with_capacity(data.len());
    for &b in data {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None, // includes a `=` in the middle
        };
        sextets.push(u32::from(v));
    }
    // Every group of four sextets is 24 bits = 3 bytes; a final short group of 2 or 3 sextets
    // gives 1 or 2 bytes.
    let mut out = Vec::new();
    for group in sextets.chunks(4) {
        let mut bits: u32 = 0;
        for (i, v) in group.iter().enumerate() {
            bits |= v << (18 - 6 * i);
        }
        let [_, b0, b1, b2] = bits.to_be_bytes();
        let produced = match group.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None, // one sextet cannot carry a byte
        };
        out.extend_from_slice(&[b0, b1, b2][..produced]);
    }
    Some(out)
}

/// spec: C-13 — a request IP value: one address, IPv4 or IPv6 (`std::net` syntax), no prefix.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    s.parse().ok()
}

/// spec: C-13 — whether the policy block `addr[/prefix]` contains `ip`. IPv4 and IPv6 never
/// mix (an IPv4-mapped IPv6 address is IPv6). Host bits in the block are ignored. `None` when
/// the policy text is not a block.
pub fn cidr_contains(block: &str, ip: IpAddr) -> Option<bool> {
    let (addr_text, prefix_text) = match block.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (block, None),
    };
    let network: IpAddr = addr_text.parse().ok()?;
    let width: u32 = if network.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix_text {
        None => width,
        Some(p) => {
            if p.is_empty() || p.len() > 3 || !p.chars().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let n: u32 = p.parse().ok()?;
            if n > width {
                return None;
            }
            n
        }
    };
    let same_family = network.is_ipv4() == ip.is_ipv4();
    if !same_family {
        return Some(false);
    }
    // Compare the first `prefix` bits, one bit at a time: plain and obviously right.
    let (a, b) = (address_bits(network), address_bits(ip));
    Some((0..prefix as usize).all(|i| a[i] == b[i]))
}

/// The bits of an address, most significant first.
fn address_bits(ip: IpAddr) -> Vec<bool> {
    let octets: Vec<u8> = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    octets
        .iter()
        .flat_map(|o| (0..8).rev().map(move |i| (o >> i) & 1 == 1))
        .collect()
}

/// spec: R-1, C-14 — split a string at its first five colons into six fields. `None` when it
/// has fewer than five colons.
pub fn split_arn(s: &str) -> Option<[&str; 6]> {
    let mut fields = s.splitn(6, ':');
    let mut out = [""; 6];
    for slot in out.iter_mut() {
        *slot = fields.next()?;
    }
    Some(out)
}

/// The six fields of `s` when it is an ARN: starts with `arn` and has six fields.
pub fn arn_fields(s: &str) -> Option<[&str; 6]> {
    split_arn(s).filter(|f| f[0] == "arn")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Option<Ordering> {
        Some(compare_numbers(&parse_number(a)?, &parse_number(b)?))
    }

    #[test]
    fn c9_numbers_compare_exactly() {
        assert_eq!(cmp("10", "010"), Some(Ordering::Equal));
        assert_eq!(cmp("10", "10.0"), Some(Ordering::Equal));
        assert_eq!(cmp("-0", "0.000"), Some(Ordering::Equal));
        assert_eq!(cmp("-3.5", "-3.25"), Some(Ordering::Less));
        assert_eq!(cmp("-1", "0"), Some(Ordering::Less));
        assert_eq!(cmp("0.1", "0.09"), Some(Ordering::Greater));
        assert_eq!(cmp("100", "99.999"), Some(Ordering::Greater));
        assert_eq!(
            cmp(
                "123456789012345678901234567890",
                "123456789012345678901234567891"
            ),
            Some(Ordering::Less)
        );
        assert_eq!(
            cmp("0.30000000000000000001", "0.3"),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn c9_not_numbers() {
        for bad in [
            "", "-", "1e1", "+1", " 1", "1 ", "1.", ".5", "0x10", "NaN", "Infinity", "1,0", "--1",
            "1.2.3", "١",
        ] {
            assert!(parse_number(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn c10_dates_are_instants_across_formats() {
        let epoch = parse_date("1704067200");
        assert!(epoch.is_some());
        assert_eq!(parse_date("2024-01-01"), epoch);
        assert_eq!(parse_date("2024-01-01T00:00Z"), epoch);
        assert_eq!(parse_date("2024-01-01T00:00:00Z"), epoch);
        assert_eq!(parse_date("2024-01-01T00:00:00"), epoch);
        assert_eq!(parse_date("2024-01-01T02:00:00+02:00"), epoch);
        assert_eq!(parse_date("2023-12-31T23:00-01:00"), epoch);
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("0"), Some(0));
        assert_eq!(
            parse_date("2024-01-01T00:00:00.5Z")
                .zip(epoch)
                .map(|(a, b)| a - b),
            Some(500_000_000)
        );
        assert_eq!(
            parse_date("2024-01-01T00:00:00.1234567899Z")
                .zip(epoch)
                .map(|(a, b)| a - b),
            Some(123_456_789)
        );
        assert_eq!(
            parse_date("2024-03-01").zip(epoch).map(|(a, b)| a - b),
            Some(60 * 86_400 * NANOS_PER_SECOND)
        );
        assert_eq!(parse_date("1969-12-31T23:59:59Z"), Some(-NANOS_PER_SECOND));
        assert_eq!(
            parse_date("2000-02-29"),
            Some(951_782_400 * NANOS_PER_SECOND)
        );
        assert!(parse_date("1900-02-29").is_none());
        assert_eq!(
            parse_date("999999999999999999"),
            Some(999_999_999_999_999_999 * NANOS_PER_SECOND)
        );
    }

    #[test]
    fn c10_not_dates() {
        for bad in [
            "",
            "-1",
            "1999999999999999999",
            "2023-02-29",
            "2024-13-01",
            "2024-00-01",
            "2024-01-32",
            "2024-01-01T24:00Z",
            "2024-01-01T00:60Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00+2:00",
            "2024-01-01T00:00:00+24:00",
            "2024-01-01T00:00:00+0200",
            "2024-01-01 00:00:00",
            "2024-01-01Z",
            "2024-01-01T00Z",
            "2024-01-01T00:00.5Z",
            "2024-01-01T00:00:00.Z",
            "2024-1-01",
            "24-01-01",
            "yesterday",
            "1e9",
        ] {
            assert!(parse_date(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn c11_bools() {
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), None);
        assert_eq!(parse_bool("1"), None);
        assert_eq!(parse_bool(""), None);
    }

    #[test]
    fn c12_base64() {
        assert_eq!(decode_base64(""), Some(vec![]));
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(decode_base64("YQ=="), Some(b"a".to_vec()));
        assert_eq!(decode_base64("YWJj"), Some(b"abc".to_vec()));
        assert_eq!(decode_base64("+/+/"), Some(vec![0xfb, 0xff, 0xbf]));
        for bad in [
            "aGk", "a===", "YQ=a", "Y===", "aG-=", "aGk=aGk=", "YQ", " YQ==",
        ] {
            assert!(decode_base64(bad).is_none(), "{bad:?}");
        }
    }

    fn ip(s: &str) -> IpAddr {
        parse_ip(s).unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn c13_cidr_boundaries() {
        assert_eq!(cidr_contains("192.0.2.0/24", ip("192.0.2.255")), Some(true));
        assert_eq!(cidr_contains("192.0.2.0/24", ip("192.0.3.0")), Some(false));
        assert_eq!(cidr_contains("10.1.2.3/8", ip("10.200.0.1")), Some(true));
        assert_eq!(cidr_contains("10.0.0.1", ip("10.0.0.1")), Some(true));
        assert_eq!(cidr_contains("10.0.0.1", ip("10.0.0.2")), Some(false));
        assert_eq!(cidr_contains("0.0.0.0/0", ip("255.1.2.3")), Some(true));
        assert_eq!(
            cidr_contains("2001:db8::/32", ip("2001:db8:ffff::1")),
            Some(true)
        );
        assert_eq!(
            cidr_contains("2001:db8::/32", ip("2001:db9::")),
            Some(false)
        );
        assert_eq!(cidr_contains("10.0.0.0/33", ip("10.0.0.1")), None);
        assert_eq!(cidr_contains("10.0.0.0/", ip("10.0.0.1")), None);
    }

    #[test]
    fn c13_ipv4_mapped_ipv6_is_ipv6() {
        assert_eq!(
            cidr_contains("10.0.0.0/8", ip("::ffff:10.1.1.1")),
            Some(false)
        );
        assert_eq!(cidr_contains("::/0", ip("10.1.1.1")), Some(false));
        assert_eq!(cidr_contains("0.0.0.0/0", ip("::1")), Some(false));
        assert!(parse_ip("10.0.0.0/8").is_none());
        assert!(parse_ip("").is_none());
    }

    #[test]
    fn r1_split_arn_at_first_five_colons() {
        assert_eq!(
            split_arn("arn:aws:rds:us-east-1:111122223333:db:mydb"),
            Some(["arn", "aws", "rds", "us-east-1", "111122223333", "db:mydb"])
        );
        assert_eq!(
            split_arn("arn:aws:s3:::b/k"),
            Some(["arn", "aws", "s3", "", "", "b/k"])
        );
        assert!(split_arn("arn:aws:iam::*").is_none());
        assert!(arn_fields("urn:a:b:c:d:e").is_none());
    }
}
