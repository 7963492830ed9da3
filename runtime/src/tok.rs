//! The alphabet of a compiled glob: its tokens (literal runs, `*`, `?`) and the UTF-8
//! character length a `?` steps over. A leaf module: the matchers ([`crate::tokens`], the
//! Shift-And search of [`crate::shift_and`]) both build on it without importing each other.

/// One token of a compiled glob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// Literal bytes `lits[start..end]`.
    Lit(u32, u32),
    /// `*`: any sequence, including empty.
    Star,
    /// `?`: exactly one character.
    Quest,
}

/// The length of the UTF-8 encoded character that starts with byte `b`.
pub(crate) fn char_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}
