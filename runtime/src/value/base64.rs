//! C-12 binary values: standard base64 decoded byte by byte into a closure, so a request value
//! is compared with a policy's bytes without decoding it into memory.

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

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing, clippy::unwrap_used)]

    use super::*;

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
}
