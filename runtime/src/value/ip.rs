//! C-13 addresses and blocks: [`Cidr`] as integer ranges, and [`parse_ip`] with fast readers
//! for the common spellings (the standard parser decides the rest).

use core::net::IpAddr;

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

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

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
}
