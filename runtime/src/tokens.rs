//! Glob tokens: a glob as literal byte runs, `*` and `?` ([`TokenBuf`]), and the matcher over
//! them ([`match_tokens`]): its `*`-separated segments searched leftmost in order, each
//! literal segment by one `memchr::memmem` search, so O(text + pattern) for globs without
//! `?`; a middle segment with a `?` is found by its anchor literal and, once the checks have
//! cost a pass over the text, by the Shift-And tables a static glob carries
//! ([`crate::shift_and`]): O(text × ⌈segment/64⌉); without tables (templates assembled at
//! request time, segments over 4,096 characters) O(text × segment). No allocation. The leaf
//! under [`crate::glob`] (which classifies token lists by shape) and [`crate::automaton`]
//! (which keys and splits them for DFAs).

use crate::shift_and::QuestSegment;
pub(crate) use crate::tok::char_len;
pub use crate::tok::Tok;

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

/// Glob match of `toks` (with literal bytes `lits`) against all of `text`, in time linear in
/// the text for every pattern whose `*`-separated segments are literal (see
/// `find_segment` for segments with a `?`; this entry has no Shift-And tables, so such a
/// segment costs up to O(text × segment): static globs go through `match_tokens_with`).
///
/// The pattern is cut at its stars into segments: the first must match at the start, the
/// last at the end, and each one between is searched leftmost, in order, after the one
/// before. Leftmost is right: a segment always consumes the same number of characters
/// (literals are whole UTF-8 characters, `?` is one), so its leftmost start is also its
/// leftmost end, which leaves the most room for the segments after it. The last segment's
/// start is found by stepping back its number of characters from the end, so no search is
/// needed for it. Each search starts where the previous match ended and runs within the
/// text before the last segment: a literal segment is one substring search
/// (`memchr::memmem`, linear whatever the pattern), so the whole match is
/// O(text + pattern). Small inputs (at most `SMALL` steps) take `backtracking` instead.
pub fn match_tokens(toks: &[Tok], lits: &[u8], text: &[u8]) -> bool {
    match_tokens_with(toks, lits, text, &[])
}

/// [`match_tokens`] with the Shift-And tables of the glob's middle segments that hold a `?`
/// ([`crate::shift_and`], built with a static glob): such a segment is then found in
/// O(text × ⌈segment/64⌉) whatever the pattern (see [`find_segment`]).
pub(crate) fn match_tokens_with(
    toks: &[Tok],
    lits: &[u8],
    text: &[u8],
    quests: &[QuestSegment],
) -> bool {
    if text.len().saturating_mul(toks.len() + lits.len()) <= SMALL {
        return backtracking(toks, lits, text);
    }
    segments(toks, lits, text, quests)
}

/// [`match_tokens`]'s linear matcher (see there); `quests` as in [`match_tokens_with`].
fn segments(toks: &[Tok], lits: &[u8], text: &[u8], quests: &[QuestSegment]) -> bool {
    let Some(first) = toks.iter().position(|t| *t == Tok::Star) else {
        return segment_at(toks, lits, text, 0) == Some(text.len());
    };
    let last = toks.iter().rposition(|t| *t == Tok::Star).unwrap_or(first);
    let head = toks.get(..first).unwrap_or_default();
    let tail = toks.get(last + 1..).unwrap_or_default();
    let Some(mut x) = segment_at(head, lits, text, 0) else {
        return false;
    };
    let Some(end) = back_chars(text, text.len(), segment_chars(tail, lits)) else {
        return false;
    };
    if end < x || segment_at(tail, lits, text, end) != Some(text.len()) {
        return false;
    }
    let window = text.get(..end).unwrap_or_default();
    let middle = toks.get(first + 1..last).unwrap_or_default();
    // The tables are ascending by segment, so one cursor finds each segment's.
    let mut quests = quests.iter().peekable();
    let segs = middle.split(|t| *t == Tok::Star).filter(|s| !s.is_empty());
    for (i, seg) in segs.enumerate() {
        while quests.next_if(|q| q.index() < i).is_some() {}
        let fast = quests.next_if(|q| q.index() == i);
        match find_segment(seg, lits, window, x, fast) {
            Some(e) => x = e,
            None => return false,
        }
    }
    true
}

/// Inputs up to this many "steps" (text bytes × (pattern tokens + literal bytes)) are matched by
/// [`backtracking`]: on the short texts and patterns of ordinary ARNs it is cheaper than
/// setting up substring searches (measured: the segment matcher alone cost +20%
/// instructions on `scale_*_named`), and its worst case is this bound.
const SMALL: usize = 1 << 14;

/// The greedy matcher that remembers only the last `*` and jumps to the next occurrence of the
/// following literal's first byte: O(text × pattern), so used only within [`SMALL`].
#[expect(
    clippy::indexing_slicing,
    reason = "guarded by `x < text.len()` and `sx < text.len()` in the same arm"
)]
fn backtracking(toks: &[Tok], lits: &[u8], text: &[u8]) -> bool {
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
                    let l = lit(lits, s, e);
                    if text.get(x..).is_some_and(|t| t.starts_with(l)) {
                        x += l.len();
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
                    match text.get(nx..).and_then(|t| memchr::memchr(first, t)) {
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

/// The literal bytes of a token.
#[inline]
fn lit(lits: &[u8], a: u32, z: u32) -> &[u8] {
    lits.get(a as usize..z as usize).unwrap_or_default()
}

/// Where a star-free segment matching at `x` ends, or `None` when it does not match there.
fn segment_at(seg: &[Tok], lits: &[u8], text: &[u8], mut x: usize) -> Option<usize> {
    for t in seg {
        match *t {
            Tok::Lit(a, z) => {
                let l = lit(lits, a, z);
                if !text.get(x..).is_some_and(|r| r.starts_with(l)) {
                    return None;
                }
                x += l.len();
            }
            Tok::Quest => {
                let &b = text.get(x)?;
                x = (x + char_len(b)).min(text.len());
            }
            Tok::Star => return None,
        }
    }
    Some(x)
}

/// The characters a star-free segment consumes: those of its literals and one per `?`.
fn segment_chars(seg: &[Tok], lits: &[u8]) -> usize {
    seg.iter()
        .map(|t| match *t {
            Tok::Lit(a, z) => lit(lits, a, z)
                .iter()
                .filter(|&&b| !is_continuation(b))
                .count(),
            _ => 1,
        })
        .sum()
}

fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The position `n` characters before `at` (`None` when the text before it is shorter).
fn back_chars(text: &[u8], mut at: usize, n: usize) -> Option<usize> {
    for _ in 0..n {
        at = at.checked_sub(1)?;
        while at > 0 && text.get(at).is_some_and(|&b| is_continuation(b)) {
            at -= 1;
        }
    }
    Some(at)
}

/// Where the leftmost match of a non-empty star-free segment at or after `from` ends.
///
/// A segment of one literal is one `memmem` search: O(text + literal). A segment with a `?`
/// is found by searching for its longest literal (the anchor) and checking the whole segment
/// from the characters before it at each occurrence: occurrences later in the text start
/// later (the characters before the anchor are a fixed count), so the first that checks out
/// is the leftmost match. That is cheapest on ordinary text (`memchr` skips to the few
/// occurrences), but O(text × segment) when the anchor occurs everywhere and each check fails
/// late (`a?a?…a?b` against `aaaa…`). So when the segment has Shift-And tables (`fast`, built
/// with a static glob: [`crate::shift_and`]), the checks are charged against a budget of one
/// pass over the text, and once it is spent the rest is one Shift-And pass from the last
/// rejected start (every start before it was rejected: its anchor occurrence came earlier):
/// O(text × ⌈segment/64⌉) in all. Without tables (a segment over
/// [`crate::shift_and::MAX_WORDS`] words, or a template assembled at request time) the anchor
/// search runs on, O(text × segment).
fn find_segment(
    seg: &[Tok],
    lits: &[u8],
    text: &[u8],
    from: usize,
    fast: Option<&QuestSegment>,
) -> Option<usize> {
    // The longest literal (the first of the longest), and the tokens before it.
    let mut anchor: Option<(usize, &[u8])> = None;
    for (k, t) in seg.iter().enumerate() {
        if let Tok::Lit(a, z) = *t {
            let l = lit(lits, a, z);
            if anchor.is_none_or(|(_, best)| l.len() > best.len()) {
                anchor = Some((k, l));
            }
        }
    }
    let Some((k, needle)) = anchor else {
        // Only `?`s: the leftmost match starts at `from`.
        return segment_at(seg, lits, text, from);
    };
    let lead = segment_chars(seg.get(..k).unwrap_or_default(), lits);
    let simple = seg.len() == 1;
    let mut at = from;
    // What the checks may cost before the Shift-And pass takes over: about one pass.
    let mut budget = text.len().saturating_sub(from).saturating_add(BUDGET_SLACK);
    // One byte: `memchr`, without a searcher to set up.
    let finder = match needle {
        [b] => Err(*b),
        _ => Ok(memchr::memmem::Finder::new(needle)),
    };
    loop {
        let hay = text.get(at..)?;
        let found = at
            + match &finder {
                Err(b) => memchr::memchr(*b, hay)?,
                Ok(f) => f.find(hay)?,
            };
        if simple {
            return Some(found + needle.len());
        }
        let start = back_chars(text, found, lead).filter(|&s| s >= from);
        if let Some(start) = start {
            if let Some(end) = segment_at(seg, lits, text, start) {
                return Some(end);
            }
        }
        if let Some(fast) = fast {
            let cost = seg.len() + lead;
            if cost >= budget {
                #[cfg(test)]
                SWITCHES.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
                return fast.find(text, start.unwrap_or(from));
            }
            budget -= cost;
        }
        at = found + 1;
    }
}

/// What [`find_segment`]'s checks may cost beyond one step per text byte before it switches to
/// the Shift-And pass: on short windows a few checks are cheaper than setting up the state.
/// None in unit tests, so that their short texts switch too.
const BUDGET_SLACK: usize = if cfg!(test) { 0 } else { 1024 };

/// How often [`find_segment`] switched to the Shift-And pass (unit tests: proof the path ran).
#[cfg(test)]
static SWITCHES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]

    use super::*;

    /// The linear matcher decides as the backtracking one (the matcher of small inputs, and
    /// the only one before) on random patterns and texts
    /// built from pieces that make literals recur, with multi-byte characters and `?` in
    /// every position of a segment.
    #[test]
    fn linear_matcher_agrees_with_backtracking() {
        let pieces = ["a", "b", "ab", "é", "€", "*", "?", "?", "*", "ba"];
        let mut rng = crate::test_rng::Lcg::new(17u64);
        let mut next = |n: usize| rng.below(n);
        for _ in 0..200_000 {
            let p: String = (0..1 + next(7))
                .map(|_| pieces[next(pieces.len())])
                .collect();
            let mut buf = TokenBuf::default();
            buf.push_glob(p.as_bytes());
            for _ in 0..6 {
                let t: String = (0..next(10))
                    .map(|_| ["a", "b", "é", "€", "ab"][next(5)])
                    .collect();
                assert_eq!(
                    segments(&buf.toks, &buf.lits, t.as_bytes(), &[]),
                    backtracking(&buf.toks, &buf.lits, t.as_bytes()),
                    "{p:?} vs {t:?}"
                );
            }
        }
    }

    /// With the Shift-And tables of a static glob ([`crate::shift_and`]), the segment matcher
    /// still decides as the backtracking one: random globs with several middle segments, `?`
    /// in every position, multi-byte characters, recurring literals, segments longer than 64
    /// characters (several state words) and with more distinct characters than get a dense
    /// row (sparse positions); texts built from the same pieces and from the pattern's own
    /// segments with their `?` filled in, so that near-misses and matches are common. Unit
    /// tests give the anchor search no slack, so the switch to the Shift-And pass is taken.
    #[test]
    fn shift_and_agrees_with_backtracking() {
        let many: String = ('0'..='9')
            .chain('A'..='Z')
            .chain('a'..='z')
            .chain(['é', '€', '😀'])
            .collect();
        let long = "a?".repeat(40);
        let pieces = [
            "a", "b", "ab", "é", "€", "?", "?", "*", "a?b", "??", "aaaa", &many, &long, "*",
        ];
        let mut rng = crate::test_rng::Lcg::new(23u64);
        let mut next = |n: usize| rng.below(n);
        let (mut with_tables, mut hits) = (0, 0);
        let before = SWITCHES.load(core::sync::atomic::Ordering::Relaxed);
        for _ in 0..20_000 {
            let mut p = String::new();
            if next(2) == 0 {
                p.push_str(pieces[next(6)]);
            }
            p.push('*');
            for _ in 0..1 + next(6) {
                p.push_str(pieces[next(pieces.len())]);
            }
            p.push('*');
            if next(2) == 0 {
                p.push_str(pieces[next(6)]);
            }
            let mut buf = TokenBuf::default();
            buf.push_glob(p.as_bytes());
            let quests = crate::shift_and::QuestSearch::new(&buf.toks, &buf.lits);
            if quests.segments().is_empty() {
                continue;
            }
            with_tables += 1;
            for _ in 0..4 {
                let mut t = String::new();
                for _ in 0..next(12) {
                    match next(3) {
                        0 => t.push_str(["a", "b", "é", "€", "ab", "aaaaaaaa"][next(6)]),
                        1 => t.push_str(&many[next(20)..]),
                        // A piece of the pattern, each wildcard one character.
                        _ => {
                            let from = next(p.len());
                            for c in p.chars().skip(from).take(next(120)) {
                                match c {
                                    '?' | '*' => t.push(['a', 'b', 'é'][next(3)]),
                                    c => t.push(c),
                                }
                            }
                        }
                    }
                }
                let want = backtracking(&buf.toks, &buf.lits, t.as_bytes());
                hits += usize::from(want);
                assert_eq!(
                    segments(&buf.toks, &buf.lits, t.as_bytes(), quests.segments()),
                    want,
                    "{p:?} vs {t:?}"
                );
            }
        }
        let switched = SWITCHES.load(core::sync::atomic::Ordering::Relaxed) - before;
        assert!(
            with_tables > 5_000 && hits > 2_000 && switched > 1_000,
            "{with_tables} {hits} {switched}"
        );
    }

    /// The hostile case of the greedy matcher (`*a*a…*a*b` against `aaaa…`), at a size where
    /// it took O(text × pattern): decided, and the same with literal segments.
    #[test]
    fn hostile_patterns_match_in_linear_time() {
        let text = "a".repeat(200_000);
        for p in ["*a".repeat(200) + "b", format!("*{}b*", "a".repeat(4000))] {
            let mut buf = TokenBuf::default();
            buf.push_glob(p.as_bytes());
            assert!(!match_tokens(&buf.toks, &buf.lits, text.as_bytes()));
        }
    }
}
