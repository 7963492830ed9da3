//! C-10 instants: W3C ISO 8601 profiles or epoch seconds, as nanoseconds since the epoch.

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

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

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
}
