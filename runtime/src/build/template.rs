//! Templates and globs at build time: policy text (glob text, literals, variables) turned
//! into what the evaluator matches without assembling anything.
//!
//! - a template without variables becomes a static [`Glob`] ([`static_glob`], [`text_glob`]),
//!   with its DFA when the compiler built one;
//! - a glob template with variables is cut at its wildcards into prefix, middle and suffix
//!   ([`split`], R-3, C-8), so a request matches it in place (`eval::template`);
//! - exact-compare and ARN values keep their parts ([`parts`]) or six field globs
//!   ([`arn_fields`], C-14);
//! - [`general_globs`] tells the compiler which static globs are general (worth a DFA), by the
//!   same tokenising the build uses.

use std::hash::BuildHasherDefault;

use rustc_hash::FxHasher;

use crate::automaton::automaton_key;
use crate::build::automata::Automata;
use crate::compiled::{MidTok, Middle, Part, Pattern, Piece, Split};
use crate::error::BuildError;
use crate::glob::Glob;
use crate::ir::{KeyId, OpKind, PartView, PolicySetIr, TemplateIr};
use crate::tokens::TokenBuf;

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
#[expect(
    clippy::indexing_slicing,
    reason = "`i` is the position of a `*` found in `b`, so `..i`, `i + 1..` and `1..` (b nonempty: it holds the `*`) are in range"
)]
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

/// Collecting results of known number into a boxed slice allocates once: `collect` into
/// `Result<Box<[T]>, E>` cannot see the length through the `Result` adapter, so it grows a
/// vector step by step and then shrinks it (reallocating each time).
pub(crate) trait TryBoxed<T, E> {
    fn try_boxed(self) -> Result<Box<[T]>, E>;
}

impl<T, E, I: ExactSizeIterator<Item = Result<T, E>>> TryBoxed<T, E> for I {
    fn try_boxed(self) -> Result<Box<[T]>, E> {
        let mut v = Vec::with_capacity(self.len());
        for x in self {
            v.push(x?);
        }
        Ok(v.into_boxed_slice())
    }
}

/// The token lists of the general-shape static globs of a set (resources, `StringLike`
/// values, ARN-operator fields) that `keep` accepts (it is given the tokens), deduplicated by
/// [`automaton_key`], in first-seen order: what the compiler builds DFAs for. Cheap on sets
/// without such globs: it runs on every compile.
pub fn general_globs(
    ir: &PolicySetIr,
    min_wildcards: usize,
    mut keep: impl FnMut(&TokenBuf) -> bool,
) -> Vec<(String, TokenBuf)> {
    // Skip, without tokenising, every template that cannot hold a general glob (that needs a
    // `?` or two `*`) or cannot pass a `keep` that wants a `?` after a `*` or at least
    // `min_wildcards` wildcards (counted in the text, where `**` counts twice: never fewer
    // than in the tokens).
    pub(crate) fn may_be_general(t: &TemplateIr, min_wildcards: usize) -> bool {
        let (mut stars, mut quests, mut star_then_quest) = (0, 0, false);
        for p in &t.parts {
            match p {
                crate::ir::TemplatePartIr::Text(s) => {
                    if let Some(q) = s.rfind('?') {
                        star_then_quest |= stars > 0 || s[..q].contains('*');
                    }
                    stars += s.bytes().filter(|&b| b == b'*').count();
                    quests += s.bytes().filter(|&b| b == b'?').count();
                }
                crate::ir::TemplatePartIr::Variable { .. } => return false,
                crate::ir::TemplatePartIr::Literal(_) => {}
            }
        }
        (quests > 0 || stars >= 2) && (star_then_quest || stars + quests >= min_wildcards)
    }
    pub(crate) fn view(t: &TemplateIr) -> Vec<PartView<'_>> {
        t.parts
            .iter()
            .map(|p| match p {
                crate::ir::TemplatePartIr::Text(s) => PartView::Text(s),
                crate::ir::TemplatePartIr::Literal(s) => PartView::Literal(s),
                crate::ir::TemplatePartIr::Variable { key, default } => {
                    PartView::Variable(*key, default.as_deref())
                }
            })
            .collect()
    }
    let mut seen: std::collections::HashSet<String, BuildHasherDefault<FxHasher>> =
        Default::default();
    let mut out = Vec::new();
    let mut add = |buf: TokenBuf| {
        if Glob::is_general(&buf) && keep(&buf) {
            let key = automaton_key(&buf);
            if !seen.contains(&key) {
                seen.insert(key.clone());
                out.push((key, buf));
            }
        }
    };
    for p in &ir.policies {
        for s in &p.statements {
            for t in s
                .resources
                .iter()
                .filter(|t| may_be_general(t, min_wildcards))
            {
                add(static_tokens(&view(t)));
            }
            for c in &s.conditions {
                if !matches!(c.op, OpKind::StringLike | OpKind::Arn) {
                    continue;
                }
                for t in c.values.iter().filter(|t| may_be_general(t, min_wildcards)) {
                    if c.op == OpKind::StringLike {
                        add(static_tokens(&view(t)));
                    } else if let Some(fields) = arn_field_tokens(&view(t)) {
                        fields.into_iter().for_each(&mut add);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

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
