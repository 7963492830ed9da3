//! Templates and globs at build time: policy text (glob text, literals, variables) turned
//! into what the evaluator matches without assembling anything.
//!
//! - a template without variables becomes a static [`Glob`] ([`static_glob`], [`text_glob`]),
//!   with its DFA when the compiler built one;
//! - a glob template with variables is cut at its wildcards into prefix, middle and suffix
//!   ([`split`], R-3, C-8), so a request matches it in place (`eval::template`);
//! - exact-compare and ARN values keep their parts ([`parts`]) or six field globs
//!   ([`arn_fields`], C-14).

use crate::build::automata::Automata;
use crate::build::{BuildError, TryBoxed};
use crate::compiled::{MidTok, Middle, Part, Pattern, Piece, Split};
use crate::glob::{Glob, TokenBuf};
use crate::ir::{KeyId, PartView};

/// A template part cut at its wildcards (for [`split`]).
#[derive(Clone, Copy)]
pub(crate) enum Atom<'a> {
    Lit(&'a str),
    Var(KeyId, Option<&'a str>),
    /// `*` or `?`.
    Wild(u8),
}

/// Cut template parts into literal runs, variables and single wildcards (`*`, `?` only in
/// glob text, never in literal parts or variable values, V-1).
pub(crate) fn atoms<'a>(parts: &[PartView<'a>]) -> Vec<Atom<'a>> {
    let wild = |p: &PartView<'_>| match p {
        PartView::Text(t) => t.bytes().filter(|b| matches!(b, b'*' | b'?')).count(),
        _ => 0,
    };
    let mut out = Vec::with_capacity(parts.iter().map(|p| 1 + 2 * wild(p)).sum());
    for p in parts {
        match *p {
            PartView::Text(t) => {
                let mut run = 0;
                for (i, b) in t.bytes().enumerate() {
                    if b == b'*' || b == b'?' {
                        out.push(Atom::Lit(t.get(run..i).unwrap_or_default()));
                        out.push(Atom::Wild(b));
                        run = i + 1;
                    }
                }
                out.push(Atom::Lit(t.get(run..).unwrap_or_default()));
            }
            PartView::Literal(t) => out.push(Atom::Lit(t)),
            PartView::Variable(k, d) => out.push(Atom::Var(k, d)),
        }
    }
    out
}

/// Wildcard-free atoms as pieces: adjacent literals merged, empty ones dropped.
pub(crate) fn pieces(atoms: &[Atom<'_>]) -> Box<[Piece]> {
    let mut out: Vec<Piece> = Vec::with_capacity(atoms.len());
    for a in atoms {
        match *a {
            Atom::Lit("") | Atom::Wild(_) => {}
            Atom::Lit(t) => match out.last_mut() {
                Some(Piece::Lit(prev)) => *prev = format!("{prev}{t}").into(),
                _ => out.push(Piece::Lit(t.into())),
            },
            Atom::Var(k, d) => out.push(Piece::Var(k, d.map(Box::from))),
        }
    }
    out.into()
}

/// The middle of a split template: a static glob when no variable sits between wildcards,
/// else tokens over pieces.
pub(crate) fn middle(atoms: &[Atom<'_>]) -> Middle {
    if !atoms.iter().any(|a| matches!(a, Atom::Var(..))) {
        let mut buf = TokenBuf::default();
        for a in atoms {
            match *a {
                Atom::Lit(t) => buf.push_lit(t.as_bytes()),
                Atom::Wild(w) => buf.push_glob(&[w]),
                Atom::Var(..) => {}
            }
        }
        return Middle::Glob(Glob::from_tokens(buf));
    }
    let mut toks = Vec::new();
    for run in atoms.split_inclusive(|a| matches!(a, Atom::Wild(_))) {
        let (lits, wild) = match run.split_last() {
            Some((Atom::Wild(w), lits)) => (lits, Some(*w)),
            _ => (run, None),
        };
        let lit = pieces(lits);
        if !lit.is_empty() {
            toks.push(MidTok::Lit(lit));
        }
        match wild {
            Some(b'*') if !matches!(toks.last(), Some(MidTok::Star)) => toks.push(MidTok::Star),
            Some(b'?') => toks.push(MidTok::Quest),
            _ => {}
        }
    }
    Middle::Toks(toks.into())
}

/// Split a glob template into prefix, middle and suffix ([`Split`]).
pub(crate) fn split(parts: &[PartView<'_>], nkeys: usize) -> Result<Split, BuildError> {
    for p in parts {
        if let PartView::Variable(key, _) = *p {
            if key as usize >= nkeys {
                return Err(BuildError::KeyOutOfRange { key });
            }
        }
    }
    let atoms = atoms(parts);
    let first = atoms.iter().position(|a| matches!(a, Atom::Wild(_)));
    let last = atoms.iter().rposition(|a| matches!(a, Atom::Wild(_)));
    Ok(match (first, last) {
        (Some(i), Some(j)) => Split {
            prefix: pieces(atoms.get(..i).unwrap_or_default()),
            middle: middle(atoms.get(i..=j).unwrap_or_default()),
            suffix: pieces(atoms.get(j + 1..).unwrap_or_default()),
        },
        _ => Split {
            prefix: pieces(&atoms),
            middle: Middle::None,
            suffix: Box::default(),
        },
    })
}

/// A static glob from glob text: [`Glob::new`], without its token buffer for the shapes
/// that need none (exact text, one `*`), which are nearly all.
pub(crate) fn text_glob(text: &str) -> Glob {
    let b = text.as_bytes();
    let (mut wild, mut star) = (0, None);
    for (i, &c) in b.iter().enumerate() {
        if c == b'*' || c == b'?' {
            wild += 1;
            if c == b'*' {
                star = Some(i);
            }
        }
    }
    match (wild, star) {
        (0, _) => Glob::Exact(b.into()),
        (1, Some(_)) if b.len() == 1 => Glob::Any,
        (1, Some(i)) if i + 1 == b.len() => Glob::Prefix(b[..i].into()),
        (1, Some(0)) => Glob::Suffix(b[1..].into()),
        (1, Some(i)) => Glob::PrefixSuffix(b[..i].into(), b[i + 1..].into()),
        _ => {
            // Sized once: at most a literal run around each wildcard.
            let mut buf = TokenBuf {
                toks: Vec::with_capacity(2 * wild + 1),
                lits: Vec::with_capacity(b.len() - wild),
            };
            buf.push_glob(b);
            Glob::from_tokens(buf)
        }
    }
}

pub(crate) fn parts(t: &[PartView<'_>], nkeys: usize) -> Result<Box<[Part]>, BuildError> {
    t.iter()
        .map(|p| match *p {
            PartView::Text(s) => Ok(Part::Text(s.into())),
            PartView::Literal(s) => Ok(Part::Lit(s.into())),
            PartView::Variable(key, default) => {
                if key as usize >= nkeys {
                    return Err(BuildError::KeyOutOfRange { key });
                }
                Ok(Part::Var(key, default.map(Box::from)))
            }
        })
        .try_boxed()
}

pub(crate) fn has_var(t: &[PartView<'_>]) -> bool {
    t.iter().any(|p| matches!(p, PartView::Variable(..)))
}

/// Static glob tokens from template parts without variables (Literal parts stay literal).
pub(crate) fn static_tokens(t: &[PartView<'_>]) -> TokenBuf {
    let mut buf = TokenBuf::default();
    for p in t {
        match p {
            PartView::Text(s) => buf.push_glob(s.as_bytes()),
            PartView::Literal(s) => buf.push_lit(s.as_bytes()),
            PartView::Variable(..) => {}
        }
    }
    buf
}

/// Static glob from template parts without variables, with its automaton if it has one.
pub(crate) fn static_glob(t: &[PartView<'_>], autos: &Automata) -> Glob {
    let g = match t {
        [PartView::Text(s)] => text_glob(s),
        _ => Glob::from_tokens(static_tokens(t)),
    };
    autos.attach(g)
}

/// Static exact text from template parts without variables.
pub(crate) fn static_text(t: &[PartView<'_>]) -> String {
    let mut s = String::new();
    for p in t {
        match p {
            PartView::Text(x) | PartView::Literal(x) => s.push_str(x),
            PartView::Variable(..) => {}
        }
    }
    s
}

pub(crate) fn pattern(
    t: &[PartView<'_>],
    nkeys: usize,
    autos: &Automata,
) -> Result<Pattern, BuildError> {
    if has_var(t) {
        Ok(Pattern::Template(Box::new(split(t, nkeys)?)))
    } else {
        Ok(Pattern::Static(static_glob(t, autos)))
    }
}

/// Split static ARN-operator text into six field globs at the first five colons (C-14).
/// Colons are never wildcards, so splitting the token list equals splitting the text.
pub(crate) fn arn_fields(t: &[PartView<'_>], autos: &Automata) -> Option<Box<[Glob; 6]>> {
    let globs: Vec<Glob> = arn_field_tokens(t)?
        .into_iter()
        .map(|f| autos.attach(Glob::from_tokens(f)))
        .collect();
    let arr: [Glob; 6] = globs.try_into().ok()?;
    Some(Box::new(arr))
}

/// The six field token lists of static ARN-operator text, or `None` with fewer fields.
pub(crate) fn arn_field_tokens(t: &[PartView<'_>]) -> Option<Vec<TokenBuf>> {
    // Rebuild with a marker-free approach: split each part's text at colons.
    let mut fields: Vec<TokenBuf> = vec![TokenBuf::default()];
    for p in t {
        let (text, glob) = match *p {
            PartView::Text(s) => (s, true),
            PartView::Literal(s) => (s, false),
            PartView::Variable(..) => continue,
        };
        let mut rest = text;
        loop {
            let cut = if fields.len() < 6 {
                rest.find(':')
            } else {
                None
            };
            let (head, tail) = match cut {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            let cur = fields.last_mut()?;
            if glob {
                cur.push_glob(head.as_bytes());
            } else {
                cur.push_lit(head.as_bytes());
            }
            match tail {
                Some(t) => {
                    fields.push(TokenBuf::default());
                    rest = t;
                }
                None => break,
            }
        }
    }
    if fields.len() != 6 {
        return None;
    }
    Some(fields)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::test_rng::Xorshift as Rng;

    #[test]
    fn text_glob_equals_glob_new() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut pats: Vec<String> = ["", "*", "**", "?", "a", "a*", "*a", "a*b", "a**b", "*a*"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        for _ in 0..5000 {
            pats.push(rng.text(b"ab*?:/", 8));
        }
        pats.push("arn:aws:s3:::b/é*".into());
        for p in &pats {
            assert_eq!(text_glob(p), Glob::new(p), "{p:?}");
        }
    }
}
