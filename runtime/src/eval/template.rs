//! Templates at run time: policy patterns and values with variables (V-1 … V-9) matched
//! against a request in place, without assembling them. A glob template arrives split at
//! its wildcards ([`crate::build::template::split`]): prefix and suffix are compared in
//! place, the middle by a static glob or [`match_middle`]. An unresolved variable matches
//! nothing (R-6, V-6). The tests hold the split matcher against assembling.

use crate::compiled::{MidTok, Middle, Part, Pattern, Piece, Split};
use crate::eval::context::Ctx;
use crate::ir::KeyId;
use crate::request::Value;
use crate::tokens::{char_len, TokenBuf};

/// Resolve one variable (V-1, V-5, V-9): a single string, else the default, else unresolved.
pub(super) fn resolve<'a, 'b>(
    key: KeyId,
    default: &'b Option<Box<str>>,
    ctx: &impl Ctx<'a>,
) -> Option<&'b str>
where
    'a: 'b,
{
    match ctx.value(key) {
        Some(Value::Single(s)) => Some(s),
        _ => default.as_deref(),
    }
}

/// Assemble a template into `buf` as glob tokens. `None` when a variable is unresolved.
/// (The evaluator matches templates split, [`split_matches`]; this is the tests' oracle.)
#[cfg(test)]
pub(super) fn assemble<'a>(
    buf: &mut TokenBuf,
    parts: &[Part],
    glob: bool,
    ctx: &impl Ctx<'a>,
) -> Option<()> {
    buf.clear();
    for p in parts {
        match p {
            Part::Text(t) if glob => buf.push_glob(t.as_bytes()),
            Part::Text(t) | Part::Lit(t) => buf.push_lit(t.as_bytes()),
            Part::Var(k, d) => buf.push_lit(resolve(*k, d, ctx)?.as_bytes()),
        }
    }
    Some(())
}

/// Whether a pattern matches; an unresolved variable matches nothing (R-6, V-6). Inlined so
/// a static glob costs no call; templates are out of line ([`split_matches`]).
#[inline]
pub(super) fn pattern_matches<'a>(p: &Pattern, text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    match p {
        Pattern::Static(g) => g.matches(text),
        Pattern::Template(t) => split_matches(t, text, ctx),
    }
}

/// The text of one piece: literal, or the variable's value (V-1); `None` when unresolved.
#[inline]
pub(super) fn piece_text<'a, 'b>(p: &'b Piece, ctx: &impl Ctx<'a>) -> Option<&'b str>
where
    'a: 'b,
{
    match p {
        Piece::Lit(t) => Some(t),
        Piece::Var(k, d) => resolve(*k, d, ctx),
    }
}

/// `text` after the pieces, which it must start with in order; `None` when it does not or a
/// variable is unresolved.
pub(super) fn strip_pieces_prefix<'t, 'a>(
    text: &'t [u8],
    pieces: &[Piece],
    ctx: &impl Ctx<'a>,
) -> Option<&'t [u8]> {
    pieces.iter().try_fold(text, |rest, p| {
        rest.strip_prefix(piece_text(p, ctx)?.as_bytes())
    })
}

/// `text` before the pieces, which it must end with in order (compared from the end).
pub(super) fn strip_pieces_suffix<'t, 'a>(
    text: &'t [u8],
    pieces: &[Piece],
    ctx: &impl Ctx<'a>,
) -> Option<&'t [u8]> {
    pieces.iter().rev().try_fold(text, |rest, p| {
        rest.strip_suffix(piece_text(p, ctx)?.as_bytes())
    })
}

/// A [`Split`] template against `text`, without assembling it: the prefix is stripped from
/// the front, the suffix from what remains (so the two never overlap), and the middle must
/// match the rest. Prefix and suffix end on character boundaries (they are whole strings), so
/// a `?` in the middle still consumes one UTF-8 character. Any unresolved variable
/// makes the answer `false` whichever check fails first (R-6, V-6).
#[inline(never)]
pub(super) fn split_matches<'a>(t: &Split, text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    let Some(rest) = strip_pieces_prefix(text, &t.prefix, ctx) else {
        return false;
    };
    let Some(mid) = strip_pieces_suffix(rest, &t.suffix, ctx) else {
        return false;
    };
    match &t.middle {
        Middle::None => mid.is_empty(),
        Middle::Glob(g) => g.matches(mid),
        Middle::Toks(toks) => match_middle(toks, mid, ctx),
    }
}

/// One wildcard-free token of a middle at `x`: where it ends, a mismatch, or a variable
/// that does not resolve (then nothing matches, R-6, V-6).
pub(super) enum Step {
    Next(usize),
    Miss,
    Unresolved,
}

/// Whether `text[x..]` starts with the pieces' concatenation, compared piece by piece.
pub(super) fn pieces_at<'a>(text: &[u8], x: usize, pieces: &[Piece], ctx: &impl Ctx<'a>) -> Step {
    let mut x = x;
    for p in pieces {
        let Some(s) = piece_text(p, ctx) else {
            return Step::Unresolved;
        };
        if !text.get(x..).is_some_and(|t| t.starts_with(s.as_bytes())) {
            return Step::Miss;
        }
        x += s.len();
    }
    Step::Next(x)
}

/// The first byte of the pieces' concatenation: `Some(None)` when it is empty, `None` when a
/// variable does not resolve.
pub(super) fn first_byte<'a>(pieces: &[Piece], ctx: &impl Ctx<'a>) -> Option<Option<u8>> {
    for p in pieces {
        if let Some(&b) = piece_text(p, ctx)?.as_bytes().first() {
            return Some(Some(b));
        }
    }
    Some(None)
}

thread_local! {
    /// The assembled middle of [`match_middle`], reused: it grows to the longest middle a
    /// thread has matched and is not freed, like a [`crate::Scratch`]'s buffers.
    static MIDDLE: core::cell::RefCell<TokenBuf> = core::cell::RefCell::new(TokenBuf::default());
}

/// A middle whose literals are pieces (variables between wildcards): its variables resolved
/// and the middle assembled into a reused per-thread token list, then matched by
/// [`crate::tokens::match_tokens`] — linear in the text for literal segments, whatever the
/// variables' values (which are request input too: matching them in place retried every
/// piece at every occurrence, O(text × value)). Values are literal (V-1: a `*` in one matches
/// only `*`). A variable that does not resolve makes it `false` (R-6, V-6). Allocates only
/// while the buffer grows to a longer middle than the thread has seen.
pub(super) fn match_middle<'a>(toks: &[MidTok], text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    let assembled = MIDDLE.try_with(|cell| {
        let Ok(mut buf) = cell.try_borrow_mut() else {
            return None;
        };
        buf.clear();
        for t in toks {
            match t {
                MidTok::Star => buf.push_glob(b"*"),
                MidTok::Quest => buf.push_glob(b"?"),
                MidTok::Lit(pieces) => {
                    for p in pieces.iter() {
                        let Some(s) = piece_text(p, ctx) else {
                            return Some(false);
                        };
                        buf.push_lit(s.as_bytes());
                    }
                }
            }
        }
        Some(buf.matches(text))
    });
    match assembled {
        Ok(Some(hit)) => hit,
        // Only while the thread is being torn down, or re-entered (neither happens in a
        // decision): the in-place matcher, same answers, O(text × pattern).
        _ => match_middle_in_place(toks, text, ctx),
    }
}

/// [`match_middle`] without assembling: the greedy matcher that remembers only the last `*`,
/// reading variable values in place (O(text × pattern), no allocation), `?` consuming one
/// UTF-8 character. A variable that does not resolve makes it `false` (R-6, V-6).
pub(super) fn match_middle_in_place<'a>(toks: &[MidTok], text: &[u8], ctx: &impl Ctx<'a>) -> bool {
    let (mut ti, mut x) = (0usize, 0usize);
    // (token index after the last star, text position it is tried at)
    let mut star: Option<(usize, usize)> = None;
    loop {
        match toks.get(ti) {
            Some(MidTok::Star) => {
                if ti + 1 == toks.len() {
                    return true;
                }
                star = Some((ti + 1, x));
                ti += 1;
                continue;
            }
            Some(MidTok::Quest) => {
                if let Some(&b) = text.get(x) {
                    x = (x + char_len(b)).min(text.len());
                    ti += 1;
                    continue;
                }
            }
            Some(MidTok::Lit(pieces)) => match pieces_at(text, x, pieces, ctx) {
                Step::Next(nx) => {
                    x = nx;
                    ti += 1;
                    continue;
                }
                Step::Unresolved => return false,
                Step::Miss => {}
            },
            None if x == text.len() => return true,
            None => {}
        }
        // Mismatch: the last star swallows one more character, or jumps to the next place
        // the following literal's first byte occurs (a character boundary: values are text).
        let Some((sti, sx)) = star else {
            return false;
        };
        let Some(&b) = text.get(sx) else {
            return false;
        };
        let mut nx = (sx + char_len(b)).min(text.len());
        if let Some(MidTok::Lit(pieces)) = toks.get(sti) {
            match first_byte(pieces, ctx) {
                None => return false,
                Some(None) => {}
                Some(Some(first)) => {
                    match text
                        .get(nx..)
                        .and_then(|t| t.iter().position(|&c| c == first))
                    {
                        Some(p) => nx += p,
                        None => return false,
                    }
                }
            }
        }
        star = Some((sti, nx));
        ti = sti;
        x = nx;
    }
}

/// The text of one template part, as [`substitute`] writes it; `None` when unresolved.
#[inline]
pub(super) fn part_text<'a, 'b>(p: &'b Part, ctx: &impl Ctx<'a>) -> Option<&'b str>
where
    'a: 'b,
{
    match p {
        Part::Text(t) | Part::Lit(t) => Some(t),
        Part::Var(k, d) => resolve(*k, d, ctx),
    }
}

/// StringEquals with variables (C-6): `r` is the substituted template, compared part by part
/// in place. `false` when a variable is unresolved (V-6).
pub(super) fn template_eq<'a>(r: &str, parts: &[Part], ctx: &impl Ctx<'a>) -> bool {
    let rest = parts
        .iter()
        .try_fold(r, |rest, p| rest.strip_prefix(part_text(p, ctx)?));
    rest.is_some_and(str::is_empty)
}

/// StringEqualsIgnoreCase with variables (C-7): both sides lower-cased character by
/// character, the template's parts chained in place. `false` when a variable is unresolved.
pub(super) fn template_eq_ci<'a>(r: &str, parts: &[Part], ctx: &impl Ctx<'a>) -> bool {
    if !parts.iter().all(|p| part_text(p, ctx).is_some()) {
        return false;
    }
    let policy = parts
        .iter()
        .flat_map(|p| part_text(p, ctx).unwrap_or_default().chars())
        .flat_map(char::to_lowercase);
    r.chars().flat_map(char::to_lowercase).eq(policy)
}

/// Substitute a template into `out` as exact text. `false` when unresolved. (The evaluator
/// compares in place, [`template_eq`]; this is the tests' oracle.)
#[cfg(test)]
pub(super) fn substitute<'a>(out: &mut String, parts: &[Part], ctx: &impl Ctx<'a>) -> bool {
    out.clear();
    for p in parts {
        match p {
            Part::Text(t) | Part::Lit(t) => out.push_str(t),
            Part::Var(k, d) => match resolve(*k, d, ctx) {
                Some(v) => out.push_str(v),
                None => return false,
            },
        }
    }
    true
}

/// ARN operator with variables: substitute, split at the first five colons, glob per field.
pub(super) fn arn_template_matches<'a>(
    fields: &mut [TokenBuf; 6],
    parts: &[Part],
    rf: &[&str; 6],
    ctx: &impl Ctx<'a>,
) -> bool {
    for f in fields.iter_mut() {
        f.clear();
    }
    let mut fi = 0usize;
    let mut push = |fields: &mut [TokenBuf; 6], text: &str, glob: bool| {
        let mut rest = text;
        loop {
            let cut = if fi < 5 { rest.find(':') } else { None };
            let (head, tail) = match cut {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            if let Some(f) = fields.get_mut(fi) {
                if glob {
                    f.push_glob(head.as_bytes());
                } else {
                    f.push_lit(head.as_bytes());
                }
            }
            match tail {
                Some(t) => {
                    fi += 1;
                    rest = t;
                }
                None => break,
            }
        }
    };
    for p in parts {
        match p {
            Part::Text(t) => push(fields, t, true),
            Part::Lit(t) => push(fields, t, false),
            Part::Var(k, d) => match resolve(*k, d, ctx) {
                Some(v) => push(fields, v, false),
                None => return false,
            },
        }
    }
    if fi != 5 {
        return false;
    }
    fields
        .iter()
        .zip(rf.iter())
        .all(|(g, f)| g.matches(f.as_bytes()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;
    use crate::build::template::split;
    use crate::eval::context::InternedCtx;
    use crate::ir::PartView;
    use crate::request::InternedKey;
    use quickcheck::{Arbitrary, Gen, QuickCheck, TestResult};

    /// Characters templates, values and texts are drawn from: wildcards, a separator and a
    /// two-byte character, so `?` and prefix/suffix cuts meet multi-byte text.
    const CHARS: [char; 6] = ['a', 'b', 'é', '/', '*', '?'];

    fn pick(g: &mut Gen, n: usize) -> usize {
        usize::arbitrary(g) % n.max(1)
    }

    fn word(g: &mut Gen, max: usize) -> String {
        let n = pick(g, max + 1);
        (0..n).map(|_| CHARS[pick(g, CHARS.len())]).collect()
    }

    /// One template part: glob text, literal text (`*` `?` literal) or a variable of key
    /// 0..3 with an optional default.
    #[derive(Clone, Debug)]
    enum TPart {
        Text(String),
        Lit(String),
        Var(KeyId, Option<String>),
    }

    /// A template, the context (per key: absent, one value or a list, which does not
    /// resolve, V-5) and a text built from the template so it often matches.
    #[derive(Clone, Debug)]
    struct Case {
        parts: Vec<TPart>,
        values: Vec<(KeyId, Option<String>, bool)>,
        text: String,
    }

    impl Case {
        fn resolved(&self, k: KeyId, d: &Option<String>) -> Option<String> {
            match self.values.iter().find(|(key, ..)| *key == k) {
                Some((_, Some(v), false)) => Some(v.clone()),
                _ => d.clone(),
            }
        }
    }

    impl Arbitrary for Case {
        fn arbitrary(g: &mut Gen) -> Case {
            let parts: Vec<TPart> = (0..pick(g, 7))
                .map(|_| match pick(g, 4) {
                    0 => TPart::Text(word(g, 4)),
                    // Wildcards around variables: the middle with variables.
                    1 => TPart::Text(["*", "?", "*/", "/*", "?a"][pick(g, 5)].into()),
                    2 => TPart::Lit(word(g, 2)),
                    _ => {
                        let d = bool::arbitrary(g).then(|| word(g, 2));
                        TPart::Var(pick(g, 3) as KeyId, d)
                    }
                })
                .collect();
            let mut values = Vec::new();
            for k in 0..3 {
                if pick(g, 4) != 0 {
                    values.push((k as KeyId, Some(word(g, 3)), pick(g, 5) == 0));
                }
            }
            let mut case = Case {
                parts,
                values,
                text: String::new(),
            };
            // The text: each part as it would match, wildcards replaced at random.
            let mut text = String::new();
            for p in case.parts.clone() {
                match p {
                    TPart::Text(t) => {
                        for c in t.chars() {
                            match c {
                                '*' => text.push_str(&word(g, 3)),
                                '?' => text.push_str(&word(g, 1)),
                                c => text.push(c),
                            }
                        }
                    }
                    TPart::Lit(t) => text.push_str(&t),
                    TPart::Var(k, d) => match case.resolved(k, &d) {
                        Some(v) if pick(g, 6) != 0 => text.push_str(&v),
                        _ => text.push_str(&word(g, 2)),
                    },
                }
            }
            // Near misses: a character dropped or added, or a run cut out of the middle (so
            // prefix and suffix would overlap).
            let mut cs: Vec<char> = text.chars().collect();
            let i = pick(g, cs.len() + 1);
            match pick(g, 6) {
                0 if i < cs.len() => drop(cs.remove(i)),
                1 => cs.insert(i, CHARS[pick(g, CHARS.len())]),
                2 => drop(cs.drain(i..(i + 1 + pick(g, 3)).min(cs.len()))),
                _ => {}
            }
            text = cs.into_iter().collect();
            if pick(g, 8) == 0 {
                text = text.to_uppercase();
            }
            case.text = text;
            case
        }
    }

    fn views(case: &Case) -> Vec<PartView<'_>> {
        case.parts
            .iter()
            .map(|p| match p {
                TPart::Text(t) => PartView::Text(t),
                TPart::Lit(t) => PartView::Literal(t),
                TPart::Var(k, d) => PartView::Variable(*k, d.as_deref()),
            })
            .collect()
    }

    fn built_split(case: &Case) -> Split {
        split(&views(case), 3).unwrap_or_else(|e| panic!("{e}"))
    }

    fn built_parts(case: &Case) -> Vec<Part> {
        case.parts
            .iter()
            .map(|p| match p {
                TPart::Text(t) => Part::Text(t.as_str().into()),
                TPart::Lit(t) => Part::Lit(t.as_str().into()),
                TPart::Var(k, d) => Part::Var(*k, d.as_deref().map(Box::from)),
            })
            .collect()
    }

    /// The split matcher equals assembling the template and matching the tokens (R-3, R-6,
    /// V-1, V-6), and in-place StringEquals(IgnoreCase) equal substituting first (C-6, C-7).
    fn templates_agree(case: Case) -> TestResult {
        let lists: Vec<[&str; 2]> = case
            .values
            .iter()
            .map(|(_, v, _)| [v.as_deref().unwrap_or_default(), "x"])
            .collect();
        let key = |id| InternedKey { set: 0, id };
        let ctx_vals: Vec<(InternedKey, Value<'_>)> = case
            .values
            .iter()
            .zip(&lists)
            .map(|((k, v, multi), list)| match (v, multi) {
                (Some(v), false) => (key(*k), Value::Single(v)),
                _ => (key(*k), Value::Multi(list)),
            })
            .collect();
        let ctx = InternedCtx(&ctx_vals);
        let parts = built_parts(&case);
        let text = case.text.as_bytes();
        let mut buf = TokenBuf::default();
        let want = assemble(&mut buf, &parts, true, &ctx).is_some() && buf.matches(text);
        let got = split_matches(&built_split(&case), text, &ctx);
        if want != got {
            eprintln!("glob: assembled {want}, split {got}: {case:?}");
            return TestResult::failed();
        }
        let mut s = String::new();
        let subst = substitute(&mut s, &parts, &ctx);
        let eq = subst && s == case.text;
        if eq != template_eq(&case.text, &parts, &ctx) {
            eprintln!("StringEquals: substituted {eq}: {case:?}");
            return TestResult::failed();
        }
        let ci = subst
            && case
                .text
                .chars()
                .flat_map(char::to_lowercase)
                .eq(s.chars().flat_map(char::to_lowercase));
        if ci != template_eq_ci(&case.text, &parts, &ctx) {
            eprintln!("StringEqualsIgnoreCase: substituted {ci}: {case:?}");
            return TestResult::failed();
        }
        TestResult::passed()
    }

    #[test]
    fn split_templates_agree_with_assembling() {
        QuickCheck::new()
            .tests(20_000)
            .max_tests(40_000)
            .quickcheck(templates_agree as fn(Case) -> TestResult);
    }

    /// The shapes of the realistic set, and the edges: empty values, a `*` in a value, a
    /// variable next to `*`, prefix and suffix that would overlap.
    #[test]
    fn split_template_examples() {
        let user = |v: &str| Case {
            parts: Vec::new(),
            values: vec![(0, Some(v.to_string()), false)],
            text: String::new(),
        };
        let cases: [(&[TPart], &str, &str, bool); 9] = [
            (
                &[
                    TPart::Text("arn:aws:rds:*:1:db:".into()),
                    TPart::Var(0, None),
                    TPart::Text("*".into()),
                ],
                "bob",
                "arn:aws:rds:us-east-1:1:db:bob-7",
                true,
            ),
            (
                &[TPart::Text("dbuser:*/".into()), TPart::Var(0, None)],
                "bob",
                "dbuser:x/bob",
                true,
            ),
            (
                &[TPart::Text("dbuser:*/".into()), TPart::Var(0, None)],
                "bob",
                "dbuser:x/bobby",
                false,
            ),
            (
                &[
                    TPart::Text("home/".into()),
                    TPart::Var(0, None),
                    TPart::Text("/*".into()),
                ],
                "",
                "home//x",
                true,
            ),
            (
                &[TPart::Text("a/".into()), TPart::Var(0, None)],
                "*",
                "a/b",
                false,
            ),
            (
                &[TPart::Text("a/".into()), TPart::Var(0, None)],
                "*",
                "a/*",
                true,
            ),
            (
                &[
                    TPart::Var(0, None),
                    TPart::Text("*".into()),
                    TPart::Var(0, None),
                ],
                "a",
                "a",
                false,
            ),
            (
                &[
                    TPart::Var(0, None),
                    TPart::Text("?".into()),
                    TPart::Var(0, None),
                ],
                "a",
                "aéa",
                true,
            ),
            (
                &[TPart::Var(1, None), TPart::Text("*".into())],
                "a",
                "a",
                false,
            ),
        ];
        for (parts, v, text, want) in cases {
            let mut case = user(v);
            case.parts = parts.to_vec();
            case.text = text.to_string();
            let r = templates_agree(case.clone());
            assert!(!r.is_failure(), "{case:?}");
            let ctx_vals = [(InternedKey { set: 0, id: 0 }, Value::Single(v))];
            let got = split_matches(
                &built_split(&case),
                text.as_bytes(),
                &InternedCtx(&ctx_vals),
            );
            assert_eq!(got, want, "{case:?}");
        }
    }
}
