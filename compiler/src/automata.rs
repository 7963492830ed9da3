//! Build the DFAs of general-shape static globs (R-3's wildcards; DESIGN.md, "The runtime's compiled form") and put them into the IR.
//!
//! For every distinct static glob of the general shape (more than one `*`, or a `?`) in
//! `Resource`/`NotResource`, `StringLike` values and `ArnLike` fields
//! (`iamc_runtime::compiler_support::general_globs`), this builds an anchored
//! `regex_automata` dense DFA of its middle (first to last wildcard; the runtime checks the
//! literal prefix and suffix itself, `iamc_runtime::automaton::split_general`) —
//! `*` = any sequence of Unicode scalar values, `?` = exactly one, literal runs as bytes,
//! case-sensitive — and stores its little-endian bytes in
//! [`PolicySetIr::automata`]. The runtime only deserialises them (see
//! `iamc_runtime::automaton` for the matching side and the trade-offs).
//!
//! # Limits (docs/limits.md)
//! Every automaton is bounded, and so is the whole set; a glob that does not fit keeps the
//! linear greedy matcher (same decisions, O(text × pattern)):
//! - [`AutomataLimits::max_dfa_bytes`] (16 KiB): `dense::Config::dfa_size_limit` of one DFA;
//!   the determiniser's working memory and the NFA are bounded at 4× that. Globs like
//!   `*a??????????` whose DFA is exponential in the pattern hit it and fall back; globs whose
//!   [`dense_size_lower_bound`] already exceeds it (long literal runs) are not tried. 16 KiB
//!   rather than 64: every DFA byte is validated when an artifact loads, and the large DFAs are
//!   those of long literals between `*`, where the linear matcher is at its best (64 KiB: 370
//!   managed-policy globs, 4.4 MB, +9 ms load; 16 KiB: see DESIGN.md).
//! - [`AutomataLimits::max_wildcards`] (64): globs with more wildcards are not tried at all.
//! - [`AutomataLimits::max_total_bytes`] (8 MiB): all DFAs of a set; once spent, the rest
//!   fall back.
//! - [`AutomataLimits::max_failures`] (32): after that many globs hit their limit, no more are
//!   tried, so a hostile policy of thousands of exponential globs costs at most that many
//!   bounded attempts.

use iamc_runtime::compiler_support::glob::{Tok, TokenBuf};
use iamc_runtime::ir::{ActionAutomatonIr, AutomatonIr, PolicySetIr};
use regex_automata::dfa::{dense, StartKind};
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::MatchKind;
use regex_syntax::hir::{Class, ClassBytes, ClassBytesRange, Dot, Hir, Repetition};

/// Bounds on the glob DFAs of one set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AutomataLimits {
    /// Largest DFA of one glob, in bytes (default 16 KiB).
    pub max_dfa_bytes: usize,
    /// Largest total of all DFAs of a set, in bytes (default 8 MiB).
    pub max_total_bytes: usize,
    /// Globs with more wildcards than this are not tried (default 64).
    pub max_wildcards: usize,
    /// Stop trying after this many globs exceeded their limit (default 32).
    pub max_failures: usize,
    /// Globs whose middle has fewer wildcards than this and no `?` after a `*` get no DFA
    /// (default 4): the linear matcher is faster on them (see [`worth_a_dfa`]).
    pub min_wildcards: usize,
    /// A service gets one multi-pattern DFA over its wildcard action names when it has at
    /// least this many distinct ones (default 8).
    pub min_action_patterns: usize,
    /// Largest multi-pattern action DFA, in bytes (default 64 KiB); also counts against
    /// `max_total_bytes`.
    pub max_action_dfa_bytes: usize,
}

impl Default for AutomataLimits {
    fn default() -> AutomataLimits {
        AutomataLimits {
            max_dfa_bytes: 16 << 10,
            max_total_bytes: 8 << 20,
            max_wildcards: 64,
            max_failures: 32,
            min_wildcards: 4,
            min_action_patterns: 8,
            max_action_dfa_bytes: 64 << 10,
        }
    }
}

/// What [`attach`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AutomataReport {
    /// General-shape static globs considered (every use, before deduplication; templates
    /// that cannot pass [`worth_a_dfa`] are skipped before they are counted).
    pub globs: usize,
    /// DFAs built and stored.
    pub built: usize,
    /// Their serialised bytes, in all.
    pub bytes: usize,
    /// Globs left to the linear matcher because their DFA would exceed a limit or the budget.
    pub fell_back: usize,
    /// Of those, uses left to the linear matcher because it is faster on them
    /// ([`worth_a_dfa`]).
    pub simple: usize,
    /// Services given a multi-pattern DFA over their wildcard action names.
    pub action_automata: usize,
    /// Services with enough wildcard action names whose DFA did not fit.
    pub action_fell_back: usize,
}

/// Whether a glob is worth a DFA: it has a `?` after a `*`, or at least `min_wildcards`
/// wildcards (all of them are in its middle, so the middle or the whole glob give the same
/// answer). On the common general globs — two or three `*` around literal
/// runs, such as `arn:aws:s3:::*/logs/*`, or a `?` before any `*` (`arn:aws:sns:us-east-?:…:*`)
/// — the linear matcher never retries much: it is a chain of substring searches (after a `*`
/// it jumps to the next occurrence of the following literal's first byte) and beats a DFA,
/// which steps through every byte (measured: +5–7% instructions on the `scale_*_named` benches
/// with a DFA for every general glob), and building a DFA costs 50–100 µs per glob at compile
/// time. The DFA pays off where the linear matcher retries: after a `*` followed by `?` it can
/// only advance one character at a time, and with many `*` each failure re-runs the pattern's
/// tail; there the DFA's O(text) bound is the point.
pub fn worth_a_dfa(glob: &TokenBuf, min_wildcards: usize) -> bool {
    let (mut wildcards, mut star) = (0, false);
    for t in &glob.toks {
        match t {
            Tok::Quest if star => return true,
            Tok::Quest => wildcards += 1,
            Tok::Star => {
                star = true;
                wildcards += 1;
            }
            Tok::Lit(..) => {}
        }
    }
    wildcards >= min_wildcards
}

/// An estimate from below of the dense DFA of a glob's middle, in bytes: two states per literal
/// byte (the unanchored-after-`*` DFA, not minimised, measured 2.03–12× this estimate on every
/// general managed-policy glob), and a state is 4 bytes × the stride — the alphabet
/// (each distinct literal byte is a byte class of its own, and so is each run of bytes
/// between them, plus end of input) rounded up to a power of two. Globs whose bound exceeds
/// the limit are not tried: long literal runs between `*` (the linear matcher's best case
/// anyway) would only fail the size limit after a costly determinisation, and count toward
/// `max_failures`.
pub fn dense_size_lower_bound(middle: &TokenBuf) -> usize {
    let mut seen = [false; 256];
    let mut literal = 0;
    for t in &middle.toks {
        if let Tok::Lit(a, z) = *t {
            let lit = middle.lits.get(a as usize..z as usize).unwrap_or_default();
            literal += lit.len();
            lit.iter().for_each(|&b| seen[b as usize] = true);
        }
    }
    // Distinct literal bytes, and the runs of other bytes around them.
    let mut classes: usize = 0;
    let mut in_gap = false;
    for &s in &seen {
        if s {
            classes += 1;
            in_gap = false;
        } else if !in_gap {
            classes += 1;
            in_gap = true;
        }
    }
    (2 * literal + 1) * 4 * (classes + 1).next_power_of_two()
}

/// The regular expression of a glob's tokens, over bytes: literal runs as their bytes, `*` as
/// any bytes, `?` as one UTF-8 encoded character the way the linear matcher steps over one
/// (a lead byte and the continuation bytes its value says: `[00-7F]`, `[C0-DF][80-BF]`,
/// `[E0-EF][80-BF]{2}`, `[F0-FF][80-BF]{3}`). On UTF-8 text — every request string is a
/// `&str` — this is exactly "`*` = any characters, `?` = one Unicode scalar value": a literal
/// run or a `?` can only start at a character boundary (neither begins with a continuation
/// byte) and ends at one, so every `*` spans whole characters. Bytes need no UTF-8 validation
/// states, which keeps the DFA several times smaller than `(?s:.)` would.
pub fn glob_hir(buf: &TokenBuf) -> Hir {
    let range =
        |a: u8, z: u8| Hir::class(Class::Bytes(ClassBytes::new([ClassBytesRange::new(a, z)])));
    let cont = || range(0x80, 0xBF);
    let seq = |lead: Hir, n: usize| {
        Hir::concat(
            std::iter::once(lead)
                .chain((0..n).map(|_| cont()))
                .collect(),
        )
    };
    let any = || {
        Hir::alternation(vec![
            range(0x00, 0x7F),
            seq(range(0xC0, 0xDF), 1),
            seq(range(0xE0, 0xEF), 2),
            seq(range(0xF0, 0xFF), 3),
        ])
    };
    let any_byte = || Hir::dot(Dot::AnyByte);
    let parts = buf
        .toks
        .iter()
        .map(|t| match *t {
            Tok::Lit(a, z) => {
                Hir::literal(buf.lits.get(a as usize..z as usize).unwrap_or_default())
            }
            Tok::Star => Hir::repetition(Repetition {
                min: 0,
                max: None,
                greedy: true,
                sub: Box::new(any_byte()),
            }),
            Tok::Quest => any(),
        })
        .collect();
    Hir::concat(parts)
}

/// Build the anchored dense DFA of a glob, or `None` when it exceeds
/// `max_bytes` (or anything else fails: the caller falls back to the linear matcher).
pub fn build_dfa(buf: &TokenBuf, max_bytes: usize) -> Option<dense::DFA<Vec<u32>>> {
    dfa_of(&[glob_hir(buf)], max_bytes)
}

/// Build the anchored multi-pattern DFA (`MatchKind::All`: every matching pattern is reported
/// at the end of input) of a service's wildcard action names, or `None` over `max_bytes`.
pub fn build_action_dfa(patterns: &[String], max_bytes: usize) -> Option<dense::DFA<Vec<u32>>> {
    let hirs: Vec<Hir> = patterns
        .iter()
        .map(|p| {
            let mut buf = TokenBuf::default();
            buf.push_glob(p.as_bytes());
            glob_hir(&buf)
        })
        .collect();
    dfa_of(&hirs, max_bytes)
}

/// The one DFA configuration both builders use: pattern `i` of the DFA is `hirs[i]`, anchored,
/// every match reported, no captures; `None` when the NFA, the determinisation or the table
/// exceeds its share of `max_bytes`.
fn dfa_of(hirs: &[Hir], max_bytes: usize) -> Option<dense::DFA<Vec<u32>>> {
    let nfa = thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .which_captures(WhichCaptures::None)
                .nfa_size_limit(Some(max_bytes.saturating_mul(4))),
        )
        .build_many_from_hir(hirs)
        .ok()?;
    let dfa = dense::Builder::new()
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Anchored)
                .accelerate(false)
                // Minimising measured 2.7× the build time (170 µs instead of 65 µs for
                // `?:123456789012:app-*`) for tables 9% smaller: not worth it.
                .minimize(false)
                .dfa_size_limit(Some(max_bytes))
                .determinize_size_limit(Some(max_bytes.saturating_mul(4))),
        )
        .build_from_nfa(&nfa)
        .ok()?;
    (dfa.memory_usage() <= max_bytes).then_some(dfa)
}

/// Serialise a DFA as the IR stores it: little-endian, leading padding removed.
pub fn dfa_bytes(dfa: &dense::DFA<Vec<u32>>) -> Vec<u8> {
    let (bytes, pad) = dfa.to_bytes_little_endian();
    bytes.get(pad..).unwrap_or_default().to_vec()
}

/// Build DFAs for the general-shape static globs of `ir` within `limits` and store them in
/// `ir.automata` (replacing what was there).
pub fn attach(ir: &mut PolicySetIr, limits: &AutomataLimits) -> AutomataReport {
    let mut report = AutomataReport::default();
    let globs = iamc_runtime::compiler_support::general_globs(ir, limits.min_wildcards, |buf| {
        report.globs += 1;
        // The literal prefix and suffix do not change the answer: no need to split.
        let worth = worth_a_dfa(buf, limits.min_wildcards);
        report.simple += usize::from(!worth);
        worth
    });
    let mut failures = 0;
    let mut automata = Vec::new();
    for (key, buf) in globs {
        let (_, middle, _) = iamc_runtime::compiler_support::automaton::split_general(&buf);
        let wildcards = middle
            .toks
            .iter()
            .filter(|t| !matches!(t, Tok::Lit(..)))
            .count();
        let room = limits
            .max_dfa_bytes
            .min(limits.max_total_bytes.saturating_sub(report.bytes));
        let dfa = if wildcards > limits.max_wildcards
            || failures >= limits.max_failures
            || dense_size_lower_bound(&middle) > room
        {
            None
        } else {
            let d = build_dfa(&middle, room);
            failures += usize::from(d.is_none());
            d
        };
        match dfa {
            Some(d) => {
                let bytes = dfa_bytes(&d);
                report.built += 1;
                report.bytes += bytes.len();
                automata.push(AutomatonIr {
                    glob: key,
                    dfa: bytes,
                });
            }
            None => report.fell_back += 1,
        }
    }
    ir.automata = automata;
    let mut actions = Vec::new();
    for (service, patterns) in
        iamc_runtime::compiler_support::action_patterns_min(ir, limits.min_action_patterns)
    {
        let room = limits
            .max_action_dfa_bytes
            .min(limits.max_total_bytes.saturating_sub(report.bytes));
        match build_action_dfa(&patterns, room) {
            Some(d) => {
                let bytes = dfa_bytes(&d);
                report.action_automata += 1;
                report.bytes += bytes.len();
                actions.push(ActionAutomatonIr {
                    service,
                    patterns,
                    dfa: bytes,
                });
            }
            None => report.action_fell_back += 1,
        }
    }
    ir.action_automata = actions;
    report
}
