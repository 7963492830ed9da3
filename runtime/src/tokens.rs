//! Glob tokens: a glob as literal byte runs, `*` and `?` ([`TokenBuf`]), and the greedy
//! matcher over them ([`match_tokens`]) that remembers only the last `*`: O(text × pattern) in
//! the worst case, no allocation. The leaf under both [`crate::glob`] (which classifies token
//! lists by shape) and [`crate::automaton`] (which keys and splits them for DFAs).

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

/// A growable token list with its literal bytes; reused across matches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenBuf {
    /// Tokens.
    pub toks: Vec<Tok>,
    /// Literal bytes referenced by [`Tok::Lit`].
    pub lits: Vec<u8>,
}

impl TokenBuf {
    /// Empty the buffer, keeping its capacity.
    pub fn clear(&mut self) {
        self.toks.clear();
        self.lits.clear();
    }

    /// Append literal bytes (merged with a preceding literal).
    pub fn push_lit(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let start = self.lits.len() as u32;
        self.lits.extend_from_slice(bytes);
        let end = self.lits.len() as u32;
        match self.toks.last_mut() {
            Some(Tok::Lit(_, e)) if *e == start => *e = end,
            _ => self.toks.push(Tok::Lit(start, end)),
        }
    }

    /// Append glob text: `*` and `?` become wildcards, the rest literal.
    #[expect(
        clippy::indexing_slicing,
        reason = "`run <= i < text.len()`: `run` is 0 or one past a wildcard already passed"
    )]
    pub fn push_glob(&mut self, text: &[u8]) {
        let mut run = 0;
        for (i, &b) in text.iter().enumerate() {
            if b == b'*' || b == b'?' {
                self.push_lit(&text[run..i]);
                if b == b'*' {
                    if self.toks.last() != Some(&Tok::Star) {
                        self.toks.push(Tok::Star);
                    }
                } else {
                    self.toks.push(Tok::Quest);
                }
                run = i + 1;
            }
        }
        self.push_lit(&text[run..]);
    }

    /// Append another token list (its literal offsets rebased).
    pub fn append(&mut self, other: &TokenBuf) {
        for t in &other.toks {
            match *t {
                Tok::Lit(a, z) => {
                    let lit = other.lits.get(a as usize..z as usize).unwrap_or_default();
                    self.push_lit(lit);
                }
                Tok::Star => {
                    if self.toks.last() != Some(&Tok::Star) {
                        self.toks.push(Tok::Star);
                    }
                }
                Tok::Quest => self.toks.push(Tok::Quest),
            }
        }
    }

    /// Whether the tokens match the whole of `text`.
    pub fn matches(&self, text: &[u8]) -> bool {
        match_tokens(&self.toks, &self.lits, text)
    }
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

/// Greedy glob match of `toks` (with literal bytes `lits`) against all of `text`.
#[expect(
    clippy::indexing_slicing,
    reason = "guarded by `x < text.len()` and `sx < text.len()` in the same arm"
)]
pub fn match_tokens(toks: &[Tok], lits: &[u8], text: &[u8]) -> bool {
    let mut ti = 0;
    let mut x = 0;
    // (token index after the last star, text position it is tried at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        if let Some(tok) = toks.get(ti) {
            match *tok {
                Tok::Star => {
                    // A trailing star matches the rest.
                    if ti + 1 == toks.len() {
                        return true;
                    }
                    star = Some((ti + 1, x));
                    ti += 1;
                    continue;
                }
                Tok::Quest => {
                    if x < text.len() {
                        x = (x + char_len(text[x])).min(text.len());
                        ti += 1;
                        continue;
                    }
                }
                Tok::Lit(s, e) => {
                    let lit = lits.get(s as usize..e as usize).unwrap_or_default();
                    if text.get(x..).is_some_and(|t| t.starts_with(lit)) {
                        x += lit.len();
                        ti += 1;
                        continue;
                    }
                }
            }
        } else if x == text.len() {
            return true;
        }
        // Mismatch: let the last star swallow one more character — or, when a literal
        // follows the star, jump to the next place its first byte occurs (a literal's first
        // byte is never a UTF-8 continuation byte, so that is a character boundary).
        match star {
            Some((sti, sx)) if sx < text.len() => {
                let mut nx = (sx + char_len(text[sx])).min(text.len());
                if let Some(&Tok::Lit(a, _)) = toks.get(sti) {
                    let first = lits.get(a as usize).copied().unwrap_or(0);
                    match text
                        .get(nx..)
                        .and_then(|t| t.iter().position(|&b| b == first))
                    {
                        Some(p) => nx += p,
                        None => return false,
                    }
                }
                star = Some((sti, nx));
                ti = sti;
                x = nx;
            }
            _ => return false,
        }
    }
}
