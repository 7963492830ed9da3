//! Pre-compiled DFAs for general-shape static globs (DESIGN.md, "The runtime's compiled
//! form", "Glob DFAs"), loaded without a regex compiler (the runtime links `regex-automata`
//! with `dfa-search` only; `tests/tests/runtime_deps.rs` checks).
//!
//! # What uses a DFA
//! A static glob (no policy variable) of the *general* shape — more than one `*`, or any `?`
//! (see [`crate::glob::Glob`]) — in `Resource`/`NotResource`, in a `StringLike` value or in a
//! field of an `ArnLike` value, whose middle (first to last wildcard, [`split_general`]) has a
//! `?` after a `*` or at least four wildcards: where the linear matcher may retry. The compiler
//! (`iamc-compiler`, `automata.rs`, which explains the rule) builds an anchored
//! `regex_automata::dfa::dense::DFA` for each distinct such glob, within size limits,
//! and stores its serialised bytes in the IR ([`crate::ir::PolicySetIr::automata`]) under the
//! glob's [`automaton_key`]; an artifact carries them in its automata section. The runtime only
//! *deserialises* them (`DFA::from_bytes`, which validates the whole table, so corrupt bytes are
//! an error, never a panic or a wrong memory access) and walks them. Its dependency is
//! `regex-automata` with `dfa-search` only: no `regex-syntax`, no NFA, no determiniser.
//!
//! # What does not
//! - The other shapes (`*`, exact, `p*`, `*s`, `p*s`): one or two slice comparisons beat any
//!   automaton, so they stay as they are.
//! - Simple general globs (`arn:aws:ec2:*:*:instance/*`, `a?b*`): the linear matcher is a chain
//!   of substring searches on them and measured faster than a byte-by-byte DFA walk.
//! - Templates with policy variables: their text is known per request only; they are matched
//!   in place, prefix and suffix compared and the middle run by the evaluator's matcher over
//!   pieces.
//! - Action globs one by one: they are matched against the short action name after a
//!   per-service lookup, and a service with at least 8 distinct wildcard names has all of them
//!   in one multi-pattern DFA instead ([`MultiDfa`], `MatchKind::All`: the match state after the
//!   end of input lists every pattern that matches), built by the compiler like the glob DFAs
//!   (`PolicySetIr::action_automata`, the second half of the artifact's automata section).
//! - A general glob the compiler gave no DFA (its size limit or the set's budget was hit, the
//!   pattern has too many wildcards, the IR came from elsewhere, or the host is big-endian):
//!   the segment matcher of [`crate::tokens`] (linear for literal segments, O(text ×
//!   ⌈segment/64⌉) for a segment with a `?`, see [`crate::shift_and`]), no allocation. The decision is the same either way; only the
//!   cost differs.
//!
//! # Semantics
//! The DFA recognises exactly the language of the segment matcher: a literal run matches its
//! bytes, `*` any sequence of Unicode scalar values, `?` exactly one; the whole text must match
//! (the DFA is anchored at the start, and a match must end at the end of input). Matching is
//! case-sensitive, as every glob use is (actions are lower-cased on both sides before). Request
//! strings are `&str`, so they are valid UTF-8 and "one scalar value" is well defined.
//!
//! # Matching
//! The DFA recognises only the glob's *middle* — from its first wildcard to its last
//! ([`split_general`]): the literal prefix and suffix are checked with `starts_with` and
//! `ends_with` first (cheap, and most non-matching texts fail there), and leaving them out keeps
//! the tables small (every literal byte of a dense DFA is a state of 4 × alphabet bytes).
//! The middle is then fed through `next_state` by a manual walk (one byte-class lookup and one
//! table read per byte) that stops at the dead state and finally takes the end-of-input
//! transition and tests for a match state. No cache, no allocation, O(text) per glob whatever
//! the pattern.
//!
//! # Trade-offs
//! - Dense, not sparse or lazy: dense tables are the fastest to walk and the size limit keeps
//!   them small; a lazy (hybrid) DFA would need the NFA and a mutable cache per thread at run
//!   time, i.e. the compiler's half of the crate in the runtime.
//! - The IR stores little-endian bytes (`to_bytes_little_endian`), like the rest of an artifact.
//!   `DFA::from_bytes` reads native order, so a big-endian host ignores the automata and uses
//!   the linear matcher — same decisions.
//! - The checksum guards the bytes against accident, and `from_bytes` validates them, but a
//!   *forged* artifact could carry a valid DFA for a different language, just as it could carry
//!   different policies: artifacts are trusted for their content, not for their integrity.

use std::sync::Arc;

use regex_automata::dfa::dense::DFA;
use regex_automata::dfa::{Automaton, StartKind};
use regex_automata::util::primitives::StateID;
use regex_automata::util::start;
use regex_automata::Anchored;

use crate::tokens::{Tok, TokenBuf};

/// Deserialise (and so validate: `DFA::from_bytes` checks the whole table) native-order DFA
/// bytes of `patterns` patterns with an anchored start, into an owned table. `from_bytes`
/// needs the bytes 4-byte aligned: bytes borrowed from an artifact are read where they lie
/// when they are, and copied to an aligned offset of a scratch buffer only when they are not
/// (safe code: `align_offset` only computes an offset).
fn deserialize(bytes: &[u8], patterns: usize) -> Result<DFA<Vec<u32>>, &'static str> {
    let mut buf;
    let src: &[u8] = if bytes.as_ptr().align_offset(4) == 0 {
        bytes
    } else {
        buf = vec![0u8; bytes.len() + 3];
        let off = buf.as_ptr().align_offset(4).min(3);
        let dst = buf
            .get_mut(off..off + bytes.len())
            .ok_or("automaton buffer")?;
        dst.copy_from_slice(bytes);
        dst
    };
    let (dfa, read) = DFA::from_bytes(src).map_err(|_| "invalid automaton")?;
    if read != bytes.len() {
        return Err("bytes after the automaton");
    }
    if dfa.pattern_len() != patterns || dfa.start_kind() == StartKind::Unanchored {
        return Err("automaton of the wrong kind");
    }
    Ok(dfa.to_owned())
}

/// A general glob split around its wildcards: literal prefix, the middle from the first
/// wildcard to the last (what the DFA recognises), literal suffix. A text matches the glob iff
/// it is at least `prefix + suffix` long, starts with the prefix, ends with the suffix and the
/// bytes between are in the middle's language. The cuts are character boundaries: the prefix
/// and suffix are whole UTF-8 strings and request text is UTF-8.
pub fn split_general(buf: &TokenBuf) -> (&[u8], TokenBuf, &[u8]) {
    let lit = |t: Option<&Tok>| match t {
        Some(Tok::Lit(a, z)) => buf.lits.get(*a as usize..*z as usize).unwrap_or_default(),
        _ => &[],
    };
    let prefix = lit(buf.toks.first());
    let mut from = usize::from(!prefix.is_empty());
    let mut to = buf.toks.len();
    let suffix = if to > from { lit(buf.toks.last()) } else { &[] };
    if !suffix.is_empty() {
        to -= 1;
    }
    from = from.min(to);
    let mut middle = TokenBuf::default();
    middle.append(&TokenBuf {
        toks: buf.toks.get(from..to).unwrap_or_default().to_vec(),
        lits: buf.lits.clone(),
    });
    (prefix, middle, suffix)
}

/// A loaded glob DFA (of a glob's middle, see [`split_general`]).
#[derive(Clone, Debug)]
pub struct GlobDfa {
    dfa: Arc<DFA<Vec<u32>>>,
    /// The anchored start state.
    start: StateID,
}

impl PartialEq for GlobDfa {
    fn eq(&self, other: &GlobDfa) -> bool {
        Arc::ptr_eq(&self.dfa, &other.dfa)
    }
}

impl Eq for GlobDfa {}

impl GlobDfa {
    /// Deserialise little-endian DFA bytes (as the compiler writes them). `Ok(None)` on a
    /// big-endian host (the caller falls back to the linear matcher); `Err` when the bytes are
    /// not a valid DFA of the expected kind.
    pub fn load(bytes: &[u8]) -> Result<Option<GlobDfa>, &'static str> {
        if cfg!(target_endian = "big") {
            return Ok(None);
        }
        let dfa = deserialize(bytes, 1)?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|_| "automaton without an anchored start")?;
        Ok(Some(GlobDfa {
            dfa: Arc::new(dfa),
            start,
        }))
    }

    /// Whether all of `text` is in the DFA's language.
    #[inline]
    pub fn matches(&self, text: &[u8]) -> bool {
        let dfa = &*self.dfa;
        let mut s = self.start;
        for &b in text {
            s = dfa.next_state(s, b);
            if dfa.is_dead_state(s) {
                return false;
            }
        }
        dfa.is_match_state(dfa.next_eoi_state(s))
    }

    /// Heap bytes of the table.
    pub fn memory_usage(&self) -> usize {
        self.dfa.memory_usage()
    }

    /// Whether two loaded globs share one table (the set deduplicates by key).
    pub(crate) fn table_ptr(&self) -> *const () {
        Arc::as_ptr(&self.dfa).cast()
    }

    /// States reachable from the anchored start (walks the table; for reports only).
    pub fn state_count(&self) -> usize {
        let dfa = &*self.dfa;
        let reps: Vec<u8> = dfa
            .byte_classes()
            .representatives(..)
            .filter_map(|u| u.as_u8())
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut todo = vec![self.start];
        seen.insert(self.start);
        while let Some(s) = todo.pop() {
            for &b in &reps {
                let n = dfa.next_state(s, b);
                if seen.insert(n) {
                    todo.push(n);
                }
            }
            let n = dfa.next_eoi_state(s);
            if seen.insert(n) {
                todo.push(n);
            }
        }
        seen.len()
    }
}

/// A loaded multi-pattern DFA over one service's wildcard action names: every pattern that
/// matches all of a name is found in one pass (`MatchKind::All`, anchored; the match state
/// after the end of input lists them).
#[derive(Clone, Debug)]
pub struct MultiDfa {
    dfa: DFA<Vec<u32>>,
    start: StateID,
}

impl MultiDfa {
    /// Deserialise little-endian DFA bytes of `patterns` patterns. `Ok(None)` on a big-endian
    /// host (the caller keeps the per-pattern scan).
    pub fn load(bytes: &[u8], patterns: usize) -> Result<Option<MultiDfa>, &'static str> {
        if cfg!(target_endian = "big") {
            return Ok(None);
        }
        let dfa = deserialize(bytes, patterns)?;
        let start = dfa
            .start_state(&start::Config::new().anchored(Anchored::Yes))
            .map_err(|_| "automaton without an anchored start")?;
        Ok(Some(MultiDfa { dfa, start }))
    }

    /// Call `f` with the index of every pattern that matches all of `text`.
    #[inline]
    pub fn for_each_match(&self, text: &[u8], mut f: impl FnMut(usize)) {
        let dfa = &self.dfa;
        let mut s = self.start;
        for &b in text {
            s = dfa.next_state(s, b);
            if dfa.is_dead_state(s) {
                return;
            }
        }
        s = dfa.next_eoi_state(s);
        if dfa.is_match_state(s) {
            for i in 0..dfa.match_len(s) {
                f(dfa.match_pattern(s, i).as_usize());
            }
        }
    }

    /// Heap bytes of the table.
    pub fn memory_usage(&self) -> usize {
        self.dfa.memory_usage()
    }
}

/// The key under which a glob's DFA is stored: the token list written out with `*` and `?`
/// for wildcards and `\` escaping a literal `*`, `?` or `\`. Literal runs come from UTF-8 text
/// split at ASCII bytes, so the key is UTF-8 too.
pub fn automaton_key(buf: &TokenBuf) -> String {
    let mut key = Vec::new();
    automaton_key_into(buf, &mut key);
    String::from_utf8(key).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`automaton_key`] as bytes into a reused buffer (the loader looks up every general glob).
/// The escaped characters are ASCII, and an ASCII byte is never part of a longer UTF-8
/// sequence, so escaping bytes equals escaping characters on the UTF-8 literal runs.
pub fn automaton_key_into(buf: &TokenBuf, key: &mut Vec<u8>) {
    key.clear();
    for t in &buf.toks {
        match *t {
            Tok::Star => key.push(b'*'),
            Tok::Quest => key.push(b'?'),
            Tok::Lit(a, z) => {
                let lit = buf.lits.get(a as usize..z as usize).unwrap_or_default();
                if !lit.iter().any(|&c| matches!(c, b'*' | b'?' | b'\\')) {
                    key.extend_from_slice(lit);
                    continue;
                }
                for &c in lit {
                    if matches!(c, b'*' | b'?' | b'\\') {
                        key.push(b'\\');
                    }
                    key.push(c);
                }
            }
        }
    }
}

/// Most automata one set may carry (each is one table, deduplicated by key).
pub const MAX_AUTOMATA: usize = 1 << 16;
