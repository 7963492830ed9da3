//! The compiled, immutable policy set and how it is built from the [`ir`](crate::ir).
//!
//! Layout, chosen so a decision touches little memory:
//! - statements in one vector, sorted into the canonical order of DESIGN.md (identity,
//!   resource, boundary, session, SCP levels, RCP levels), so the first applicable Deny found
//!   is the deciding one and evaluation can stop there;
//! - an [`ActionIndex`] that maps a request's action to its candidate statements at once:
//!   exact names through one precomputed table of complete candidate lists, wildcard names
//!   through per-service lists of distinct globs, `*` and `NotAction` statements on lists of
//!   their own. A statement is never tested against an action whose service it does not name;
//! - condition keys interned to dense ids; a request's context is resolved into a slot per id
//!   once per decision;
//! - every policy value parsed into its type at build time (numbers, instants, CIDRs, bytes,
//!   globs, lower-cased strings).
//!
//! `PolicySet` is `Send + Sync` and cheap to clone (an `Arc` inside).

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use rustc_hash::FxHasher;

use crate::automaton::{automaton_key, automaton_key_into, GlobDfa, MultiDfa};
use crate::decision::PolicyKind;
use crate::glob::{Glob, TokenBuf};
use crate::ir::{
    IrView, KeyId, OpKind, PartView, PolicySetIr, PolicyView, SetOp, Span, StatementView,
    TemplateIr,
};
use crate::value::{self, Cidr, DecimalBuf, LowerName};

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Why an IR could not be built into a policy set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// A key id out of range.
    KeyOutOfRange {
        /// The id.
        key: KeyId,
    },
    /// A level out of range.
    LevelOutOfRange {
        /// The level.
        level: u32,
    },
    /// A policy value that does not parse as its operator's type.
    InvalidValue {
        /// The value.
        value: String,
    },
    /// More statements than ids can hold.
    TooManyStatements,
    /// A glob automaton that does not deserialise, or is listed twice.
    InvalidAutomaton {
        /// The glob it is stored under.
        glob: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl core::fmt::Display for BuildError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BuildError::KeyOutOfRange { key } => write!(f, "condition key id {key} out of range"),
            BuildError::LevelOutOfRange { level } => write!(f, "level {level} out of range"),
            BuildError::InvalidValue { value } => write!(f, "invalid policy value {value:?}"),
            BuildError::TooManyStatements => write!(f, "too many statements"),
            BuildError::InvalidAutomaton { glob, reason } => {
                write!(f, "automaton for glob {glob:?}: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// A string pattern part after build.
#[derive(Clone, Debug)]
pub(crate) enum Part {
    /// Glob text (wildcards active in glob contexts; glob templates are cut at them once,
    /// [`split`]).
    Text(Box<str>),
    /// Literal text.
    Lit(Box<str>),
    /// Variable with optional default.
    Var(KeyId, Option<Box<str>>),
}

/// A glob pattern: static (pre-compiled) or with variables (matched per request as a
/// [`Split`] template).
#[derive(Clone, Debug)]
pub(crate) enum Pattern {
    Static(Glob),
    Template(Box<Split>),
}

/// A wildcard-free piece of a [`Split`] template: literal text or a variable (whose value is
/// literal, V-1: a `*` in it matches only `*`).
#[derive(Clone, Debug)]
pub(crate) enum Piece {
    Lit(Box<str>),
    Var(KeyId, Option<Box<str>>),
}

/// What lies between a [`Split`] template's prefix and suffix.
#[derive(Clone, Debug)]
pub(crate) enum Middle {
    /// No wildcard at all: the text must be exactly the prefix.
    None,
    /// From the first wildcard to the last, without variables: a static glob (its shape
    /// class makes `*` or `*/*` a comparison or two).
    Glob(Glob),
    /// From the first wildcard to the last, with a variable between wildcards: matched by
    /// the evaluator's greedy matcher over pieces (`match_middle`), still without assembling.
    Toks(Box<[MidTok]>),
}

/// A token of a [`Middle::Toks`]: a wildcard, or a wildcard-free run of pieces that must
/// occur as their concatenation.
#[derive(Clone, Debug)]
pub(crate) enum MidTok {
    /// `*` (consecutive stars merged).
    Star,
    /// `?`: one character.
    Quest,
    /// Literal text and variables, never empty at build time.
    Lit(Box<[Piece]>),
}

/// A glob template (R-3, C-8 with variables) split at build time so a request matches it
/// without assembling it: the text must start with the prefix pieces and end with the suffix
/// pieces (compared in place, not overlapping), and what is between must match the middle.
/// An unresolved variable matches nothing (R-6, V-6). Equal, by construction, to assembling
/// every part into one token list and matching that.
#[derive(Clone, Debug)]
pub(crate) struct Split {
    /// The leading pieces before the first wildcard, in order.
    pub prefix: Box<[Piece]>,
    /// From the first wildcard to the last.
    pub middle: Middle,
    /// The trailing pieces after the last wildcard, in order.
    pub suffix: Box<[Piece]>,
}

/// A template part cut at its wildcards (for [`split`]).
#[derive(Clone, Copy)]
enum Atom<'a> {
    Lit(&'a str),
    Var(KeyId, Option<&'a str>),
    /// `*` or `?`.
    Wild(u8),
}

/// Cut template parts into literal runs, variables and single wildcards (`*`, `?` only in
/// glob text, never in literal parts or variable values, V-1).
fn atoms<'a>(parts: &[PartView<'a>]) -> Vec<Atom<'a>> {
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
fn pieces(atoms: &[Atom<'_>]) -> Box<[Piece]> {
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
fn middle(atoms: &[Atom<'_>]) -> Middle {
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

/// An exact-compare string value: static or with variables.
#[derive(Clone, Debug)]
pub(crate) enum StrVal {
    Static(Box<str>),
    Template(Box<[Part]>),
}

/// An ARN-operator value: six field globs, or `None` when it has fewer than six fields (C-14).
#[derive(Clone, Debug)]
pub(crate) enum ArnVal {
    Static(Option<Box<[Glob; 6]>>),
    Template(Box<[Part]>),
}

/// Pre-typed policy values of one condition.
#[derive(Clone, Debug)]
pub(crate) enum Values {
    Str(Box<[StrVal]>),
    /// IgnoreCase: static values are stored lower-cased.
    StrCi(Box<[StrVal]>),
    Like(Box<[Pattern]>),
    /// Numbers parsed at build time (C-9), so evaluation parses only the request's value.
    Num(Box<[DecimalBuf]>),
    Date(Box<[i128]>),
    Bool(Box<[bool]>),
    Binary(Box<[Box<[u8]>]>),
    Ip(Box<[Cidr]>),
    Arn(Box<[ArnVal]>),
    Null(Box<[bool]>),
}

/// One compiled condition.
#[derive(Clone, Debug)]
pub(crate) struct Cond {
    pub key: KeyId,
    pub set: Option<SetOp>,
    pub op: OpKind,
    pub negated: bool,
    pub if_exists: bool,
    pub values: Values,
}

/// A compiled principal part.
#[derive(Clone, Debug)]
pub(crate) struct Principal {
    pub negated: bool,
    pub wildcard: bool,
    pub entries: Box<[Box<str>]>,
}

/// One compiled statement.
#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub allow: bool,
    pub kind: PolicyKind,
    pub level: u32,
    pub policy: u32,
    pub index: u32,
    pub principal: Option<Principal>,
    pub not_resource: bool,
    pub resources: Box<[Pattern]>,
    pub conds: Box<[Cond]>,
    /// `Resource: "*"` and no conditions: applies to every request its action selects
    /// (`Allow * on *` SCPs, blanket boundaries, unconditional Denies), decided without a call.
    pub always: bool,
}

/// Wildcard action patterns of one service, each distinct pattern once with the (tagged)
/// statements that name it, and exact names. `exact` is filled only when the precomputed
/// table is not (over its limit): otherwise every exact name is a key of that table and the
/// general path never sees one.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceActions {
    pub exact: FxMap<Box<[u8]>, Vec<u32>>,
    pub globs: Vec<(Glob, Box<[u32]>)>,
    /// All wildcard patterns in one DFA, when the compiler built one: DFA pattern `i` is
    /// `globs[multi.1[i]]`. Replaces the scan of `globs` for actions the precomputed table
    /// does not hold (the table itself is filled by the scan, at build time).
    /// Boxed: the table entry stays small (the services table is probed on every action the
    /// precomputed table does not hold).
    pub multi: Option<Box<ActionDfa>>,
}

/// A service's multi-pattern DFA and, per DFA pattern, the index of its glob in
/// [`ServiceActions::globs`].
pub(crate) type ActionDfa = (MultiDfa, Box<[u32]>);

/// A service's wildcard patterns, as [`select`] matches them against an action name.
trait GlobTags {
    /// Call `take` with the tags of every pattern that matches `name`.
    fn each_match(self, name: &[u8], take: impl FnMut(u32));
}

/// One test per pattern.
impl GlobTags for &[(Glob, Box<[u32]>)] {
    #[inline]
    fn each_match(self, name: &[u8], mut take: impl FnMut(u32)) {
        for (g, ids) in self {
            if g.matches(name) {
                ids.iter().for_each(|&id| take(id));
            }
        }
    }
}

/// All patterns in one pass of the service's multi-pattern DFA.
impl GlobTags for (&ActionDfa, &[(Glob, Box<[u32]>)]) {
    #[inline]
    fn each_match(self, name: &[u8], mut take: impl FnMut(u32)) {
        let ((dfa, which), globs) = self;
        dfa.for_each_match(name, |i| {
            let tags = which
                .get(i)
                .and_then(|&g| globs.get(g as usize))
                .map_or(&[][..], |g| &g.1);
            tags.iter().for_each(|&id| take(id));
        });
    }
}

/// [`select`] through a service's multi-pattern DFA. Out of line: only actions the
/// precomputed table does not hold, of services with a DFA, get here, and keeping it out of
/// [`ActionIndex::candidates_into`] keeps that function's code as small as without it.
#[inline(never)]
fn select_multi(
    svc: &ServiceActions,
    name: &[u8],
    always: &[u32],
    out: &mut Vec<u32>,
    excluded: &mut Vec<u32>,
) {
    let exact = svc.exact.get(name).map_or(&[][..], Vec::as_slice);
    match svc.multi.as_deref() {
        Some(m) => select(exact, (m, &svc.globs[..]), name, always, out, excluded),
        None => select(exact, &svc.globs[..], name, always, out, excluded),
    }
}

/// A service's distinct wildcard action-name patterns, sorted: the pattern order of its
/// multi-pattern DFA.
fn distinct_patterns<'a>(texts: impl Iterator<Item = &'a str>) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = texts.collect();
    set.into_iter().map(str::to_string).collect()
}

/// Every service's distinct wildcard action-name patterns (lower-cased, sorted), as the action
/// index holds them: what the compiler builds multi-pattern DFAs for.
pub fn action_patterns(ir: &PolicySetIr) -> Vec<(String, Vec<String>)> {
    action_patterns_min(ir, 1)
}

/// [`action_patterns`] of the services with at least `min` distinct patterns. A first pass
/// counts distinct wildcard patterns by service prefix as written and stops there when no
/// prefix reaches `min` (the common case; it runs on every compile). A service written in
/// several cases could be undercounted; it then keeps its per-pattern scan.
pub fn action_patterns_min(ir: &PolicySetIr, min: usize) -> Vec<(String, Vec<String>)> {
    // Distinct (service, name) pairs as written; a service reaching `min` of them is a
    // candidate (lower-casing can only merge names, never split them).
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for p in &ir.policies {
        for s in &p.statements {
            for a in s.actions.iter().filter(|a| a.contains(['*', '?'])) {
                if let Some(pair) = a.split_once(':') {
                    pairs.push(pair);
                }
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let reached = pairs
        .chunk_by(|a, b| a.0 == b.0)
        .any(|names| names.len() >= min);
    if !reached {
        return Vec::new();
    }
    let mut by_service: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for p in &ir.policies {
        for s in &p.statements {
            for a in s.actions.iter().filter(|a| a.contains(['*', '?'])) {
                if let Some((service, name, true)) = split_action(a) {
                    by_service.entry(service).or_default().push(name);
                }
            }
        }
    }
    by_service
        .into_iter()
        .map(|(svc, names)| (svc, distinct_patterns(names.iter().map(String::as_str))))
        .filter(|(_, d)| d.len() >= min)
        .collect()
}

/// A lower-cased action pattern as the index files it: `(service, name, wildcard)`; `None`
/// for `*`-only patterns and patterns without a colon.
fn split_action(p: &str) -> Option<(String, String, bool)> {
    let p = p.to_ascii_lowercase();
    if p.bytes().all(|b| b == b'*') {
        return None;
    }
    let (service, name) = p.split_once(':')?;
    let wildcard = name.contains(['*', '?']);
    Some((service.to_string(), name.to_string(), wildcard))
}

/// Marks, in the action index, a `NotAction` statement whose list the pattern belongs to:
/// a match *excludes* the statement instead of selecting it.
pub(crate) const EXCLUDE: u32 = 1 << 31;

/// Action → candidate statements.
///
/// `Action` patterns and `NotAction` patterns live in the same per-service tables; a
/// `NotAction` entry carries [`EXCLUDE`]. One lookup of the request's action yields the
/// statements it selects and the `NotAction` statements it excludes; the candidates are the
/// selected ones plus every statement of `always` (`*` actions and `NotAction` statements)
/// that was not excluded.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionIndex {
    /// Lower-cased service prefix → its actions.
    pub services: FxMap<Box<[u8]>, ServiceActions>,
    /// Statements whose action list holds `*`, and every `NotAction` statement; sorted.
    pub always: Vec<u32>,
    /// Number of `NotAction` statements (for stats).
    pub not_action_count: usize,
    /// Complete, sorted candidate lists for every action some policy names exactly
    /// (`service:name`, lower-cased), computed at build time so the common request needs one
    /// hash lookup and no sorting. Other actions take the general path.
    pub precomputed: ActionTable,
    /// Distinct exact action names (for stats).
    pub exact_names: usize,
}

/// A lower-cased action name, `service:name`.
type ActionName = Box<[u8]>;

/// The precomputed action table: lower-cased action names → candidate lists, in an open
/// addressing table of our own so that a request's ASCII action is looked up as it is, its
/// case folded while hashing and comparing, without lower-casing it into a buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionTable {
    /// (hash, lower-cased name, candidates).
    entries: Vec<(u64, ActionName, Box<[u32]>)>,
    /// Entry index + 1 per slot, 0 when empty; a power of two, at most a quarter full (an
    /// action it does not hold mostly meets an empty slot at once).
    slots: Box<[u32]>,
    /// Bit `len % 64` set for the length of every name: most actions the table does not
    /// hold are turned away by their length alone, before hashing.
    lengths: u64,
}

impl ActionTable {
    pub(crate) fn new(pairs: Vec<(ActionName, Box<[u32]>)>) -> ActionTable {
        let n = (pairs.len() * 4).next_power_of_two().max(2);
        let mut slots = vec![0u32; n].into_boxed_slice();
        let mut entries = Vec::with_capacity(pairs.len());
        let mut lengths = 0u64;
        for (k, v) in pairs {
            lengths |= 1 << (k.len() % 64);
            let h = folded_hash(&k);
            let mut i = h as usize & (n - 1);
            while slots.get(i).is_some_and(|&s| s != 0) {
                i = (i + 1) & (n - 1);
            }
            entries.push((h, k, v));
            if let Some(s) = slots.get_mut(i) {
                *s = entries.len() as u32;
            }
        }
        ActionTable {
            entries,
            slots,
            lengths,
        }
    }

    /// The list of an action given lower-cased or as an ASCII request has it (any case); a
    /// non-ASCII action must be lower-cased (Unicode) first, since a non-ASCII character can
    /// lower-case to an ASCII one.
    #[inline(always)]
    pub(crate) fn get(&self, action: &[u8]) -> Option<&[u32]> {
        if self.lengths >> (action.len() % 64) & 1 == 0 {
            return None;
        }
        let mask = self.slots.len().wrapping_sub(1);
        let h = folded_hash(action);
        let mut i = h as usize & mask;
        loop {
            let s = *self.slots.get(i)?;
            let (eh, k, v) = self.entries.get((s as usize).checked_sub(1)?)?;
            if *eh == h && value::eq_ascii_lower(action, k) {
                return Some(v);
            }
            i = (i + 1) & mask;
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &[u32])> {
        self.entries.iter().map(|(_, k, v)| (&k[..], &v[..]))
    }

    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// A hash of a text that ignores ASCII case: length, first and last eight bytes (zero-padded
/// under eight), enough to tell action names apart.
#[inline]
fn folded_hash(b: &[u8]) -> u64 {
    let (first, last) = match (b.first_chunk::<8>(), b.last_chunk::<8>()) {
        (Some(f), Some(l)) => (u64::from_le_bytes(*f), u64::from_le_bytes(*l)),
        _ => {
            let mut w = [0u8; 8];
            if let Some(d) = w.get_mut(..b.len()) {
                d.copy_from_slice(b);
            }
            (u64::from_le_bytes(w), 0)
        }
    };
    // `| 0x20` in every byte folds ASCII case (and merges a few non-letters, which only
    // costs a comparison): one instruction a word instead of an exact lower-casing.
    const CASE: u64 = 0x2020_2020_2020_2020;
    let x = (first | CASE) ^ (last | CASE).rotate_left(29) ^ b.len() as u64;
    let h = x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^ (h >> 32)
}

/// Most candidate ids the precomputed table may hold in all (bounds its memory to ~16 MB).
const PRECOMPUTED_LIMIT: usize = 4 << 20;

impl ActionIndex {
    /// Candidates for a lower-cased action into `out` (sorted, deduplicated), using
    /// `excluded` as scratch. With [`select`], the one definition of which statements an
    /// action selects (A-2 … A-7): used at run time for actions the precomputed table does
    /// not hold, and at build time (through [`select`]) to fill that table.
    pub(crate) fn candidates_into(
        &self,
        lower: &[u8],
        out: &mut Vec<u32>,
        excluded: &mut Vec<u32>,
    ) {
        if let Some(colon) = lower.iter().position(|&b| b == b':') {
            let (service, name) = (&lower[..colon], &lower[colon + 1..]);
            if let Some(svc) = self.services.get(service) {
                if svc.multi.is_some() {
                    return select_multi(svc, name, &self.always, out, excluded);
                }
                let exact = svc.exact.get(name).map_or(&[][..], Vec::as_slice);
                select(exact, &svc.globs[..], name, &self.always, out, excluded);
                return;
            }
        }
        // A service no statement names: only `always`, which is sorted and without repeats.
        out.clear();
        excluded.clear();
        out.extend_from_slice(&self.always);
    }
}

/// The candidates of an action `service:name` into `out` (sorted, deduplicated): `exact` are
/// the tags of the statements naming it exactly, `globs` the service's wildcard patterns,
/// `always` the `*` and `NotAction` statements (sorted). A tag with [`EXCLUDE`] removes its
/// statement from `always`. `excluded` is scratch.
#[inline]
fn select(
    exact: &[u32],
    globs: impl GlobTags,
    name: &[u8],
    always: &[u32],
    out: &mut Vec<u32>,
    excluded: &mut Vec<u32>,
) {
    out.clear();
    excluded.clear();
    let mut take = |id: u32| {
        if id & EXCLUDE != 0 {
            excluded.push(id & !EXCLUDE);
        } else {
            out.push(id);
        }
    };
    exact.iter().for_each(|&id| take(id));
    globs.each_match(name, take);
    if out.is_empty() && excluded.is_empty() {
        out.extend_from_slice(always);
        return;
    }
    out.sort_unstable();
    out.dedup();
    // Merge with `always` less the excluded: both sorted and free of duplicates.
    let a = out.len();
    if excluded.is_empty() {
        out.extend_from_slice(always);
    } else {
        out.extend(always.iter().filter(|id| !excluded.contains(id)));
    }
    if a == 0 || a == out.len() {
        return;
    }
    excluded.clear();
    excluded.extend_from_slice(&out[..a]);
    // Writing at `w` never overtakes reading at `j` while `excluded` has elements left.
    let (mut i, mut j, mut w) = (0, a, 0);
    while let (Some(&x), Some(&y)) = (excluded.get(i), out.get(j)) {
        out[w] = x.min(y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
        w += 1;
    }
    while let Some(&x) = excluded.get(i) {
        out[w] = x;
        i += 1;
        w += 1;
    }
    while let Some(&y) = out.get(j) {
        out[w] = y;
        j += 1;
        w += 1;
    }
    out.truncate(w);
}

/// Collects the action patterns of a set's statements, then builds its [`ActionIndex`].
/// Patterns are lower-cased into one reused buffer and grouped by full text in two tables
/// (exact names, wildcard patterns), so each distinct name or pattern is allocated, parsed
/// and matched once however many statements repeat it; the statements naming each are kept
/// as (slot, tag) pairs and grouped at the end.
#[derive(Default)]
struct IndexBuilder {
    /// Service prefix → index in `globs_of`.
    services: FxMap<Box<[u8]>, u32>,
    /// Exact `service:name` → slot; `name_service[slot]` is its service.
    names: FxMap<Box<[u8]>, u32>,
    name_service: Vec<u32>,
    /// Wildcard `service:pattern` → slot; `patterns[slot]` is its service and glob.
    globs: FxMap<Box<[u8]>, u32>,
    patterns: Vec<(u32, Glob)>,
    /// (slot, tag) of every exact name and every pattern, in statement order.
    name_tags: Vec<(u32, u32)>,
    glob_tags: Vec<(u32, u32)>,
    always: Vec<u32>,
    not_action_count: usize,
    buf: String,
}

impl IndexBuilder {
    fn service(&mut self, service: &str) -> u32 {
        if let Some(&i) = self.services.get(service.as_bytes()) {
            return i;
        }
        let i = self.services.len() as u32;
        self.services.insert(service.as_bytes().into(), i);
        i
    }

    /// Index one statement's action patterns (A-2 case-folded, A-3 globs, A-7 NotAction).
    fn add(&mut self, id: u32, not_action: bool, patterns: &[&str]) {
        let tag = if not_action { id | EXCLUDE } else { id };
        let mut any = false;
        let mut buf = core::mem::take(&mut self.buf);
        for p in patterns {
            // ASCII case only; a non-ASCII character matches only itself.
            buf.clear();
            buf.push_str(p);
            buf.make_ascii_lowercase();
            if buf.bytes().all(|b| b == b'*') {
                any = true;
                continue;
            }
            let Some(colon) = buf.bytes().position(|b| b == b':') else {
                // G-9 rejects these; an IR without a colon can match only the same literal
                // text, which a request action (always `prefix:name`) never is.
                continue;
            };
            let (service, name) = (&buf[..colon], &buf[colon + 1..]);
            if name.bytes().any(|b| b == b'*' || b == b'?') {
                let slot = match self.globs.get(buf.as_bytes()) {
                    Some(&slot) => slot,
                    None => {
                        let slot = self.patterns.len() as u32;
                        let svc = self.service(service);
                        self.patterns.push((svc, text_glob(name)));
                        self.globs.insert(buf.as_bytes().into(), slot);
                        slot
                    }
                };
                self.glob_tags.push((slot, tag));
            } else {
                let slot = match self.names.get(buf.as_bytes()) {
                    Some(&slot) => slot,
                    None => {
                        let slot = self.name_service.len() as u32;
                        let svc = self.service(service);
                        self.name_service.push(svc);
                        self.names.insert(buf.as_bytes().into(), slot);
                        slot
                    }
                };
                self.name_tags.push((slot, tag));
            }
        }
        self.buf = buf;
        if not_action {
            self.not_action_count += 1;
            // `NotAction: "*"` excludes every action: the statement is never a candidate.
            if !any {
                self.always.push(id);
            }
        } else if any {
            self.always.push(id);
        }
    }

    /// The index, with the services' multi-pattern DFAs of `autos` (`(service, patterns in
    /// strs, DFA bytes)`, see [`multi_dfas`]); exact names precomputed unless
    /// their lists would hold more than `limit` ids in all.
    fn finish(
        self,
        limit: usize,
        autos: &[(&str, Span, &[u8])],
        strs: &[&str],
    ) -> Result<ActionIndex, BuildError> {
        let (goff, gtags) = group(self.patterns.len(), &self.glob_tags);
        let mut globs_of: Vec<Vec<(Glob, Box<[u32]>)>> = vec![Vec::new(); self.services.len()];
        // Per pattern slot: its service and its index in that service's list.
        let mut place: Vec<(u32, u32)> = Vec::with_capacity(self.patterns.len());
        for (slot, (svc, glob)) in self.patterns.into_iter().enumerate() {
            if let Some(list) = globs_of.get_mut(svc as usize) {
                place.push((svc, list.len() as u32));
                list.push((glob, tags_of(&goff, &gtags, slot)));
            }
        }
        let mut multi = if autos.is_empty() {
            Vec::new()
        } else {
            multi_dfas(&self.services, &self.globs, &place, autos, strs)?
        };
        multi.resize_with(globs_of.len(), || None);
        let mut always = self.always;
        always.sort_unstable();
        let (noff, ntags) = group(self.name_service.len(), &self.name_tags);

        // Every exact name's complete candidate list, unless they would hold more than
        // `limit` (PRECOMPUTED_LIMIT) ids in all.
        let mut lists: Vec<Box<[u32]>> = vec![Box::default(); self.name_service.len()];
        let (mut out, mut excluded) = (Vec::new(), Vec::new());
        let mut total = 0;
        for (full, &slot) in &self.names {
            let colon = full.iter().position(|&b| b == b':').unwrap_or(0);
            let name = full.get(colon + 1..).unwrap_or_default();
            let svc = self.name_service.get(slot as usize).copied().unwrap_or(0);
            let globs = globs_of.get(svc as usize).map_or(&[][..], Vec::as_slice);
            let exact = slot_tags(&noff, &ntags, slot as usize);
            select(exact, globs, name, &always, &mut out, &mut excluded);
            total += out.len();
            if total > limit {
                break;
            }
            if let Some(l) = lists.get_mut(slot as usize) {
                *l = out.as_slice().into();
            }
        }
        let mut services: Vec<ServiceActions> = globs_of
            .into_iter()
            .zip(multi)
            .map(|(globs, multi)| ServiceActions {
                exact: FxMap::default(),
                globs,
                multi,
            })
            .collect();
        let exact_names = self.names.len();
        let mut precomputed = ActionTable::default();
        if total > limit {
            // Too big to precompute: exact names take the general path.
            for (full, slot) in self.names {
                let colon = full.iter().position(|&b| b == b':').unwrap_or(0);
                let name = full.get(colon + 1..).unwrap_or_default();
                let svc = self.name_service.get(slot as usize).copied().unwrap_or(0);
                if let Some(s) = services.get_mut(svc as usize) {
                    s.exact
                        .insert(name.into(), tags_of(&noff, &ntags, slot as usize).into());
                }
            }
        } else {
            let mut entries = Vec::with_capacity(self.names.len());
            for (full, slot) in self.names {
                let list = lists
                    .get_mut(slot as usize)
                    .map(core::mem::take)
                    .unwrap_or_default();
                entries.push((full, list));
            }
            precomputed = ActionTable::new(entries);
        }
        let mut by_name = FxMap::default();
        by_name.reserve(self.services.len());
        for (name, i) in self.services {
            if let Some(s) = services.get_mut(i as usize) {
                by_name.insert(name, core::mem::take(s));
            }
        }
        Ok(ActionIndex {
            services: by_name,
            always,
            not_action_count: self.not_action_count,
            precomputed,
            exact_names,
        })
    }
}

/// Load the services' multi-pattern DFAs (`(service, patterns in strs, DFA bytes)`), by
/// service index. Each must list exactly its service's distinct wildcard name patterns, in
/// [`action_patterns`] order (sorted); `services` and `globs` are the builder's tables and
/// `place` each pattern slot's (service, index in its list).
fn multi_dfas(
    services: &FxMap<Box<[u8]>, u32>,
    globs: &FxMap<Box<[u8]>, u32>,
    place: &[(u32, u32)],
    autos: &[(&str, Span, &[u8])],
    strs: &[&str],
) -> Result<Vec<Option<Box<ActionDfa>>>, BuildError> {
    let bad = |service: &str, reason| BuildError::InvalidAutomaton {
        glob: format!("actions of {service}"),
        reason,
    };
    let mut want: Vec<Option<usize>> = vec![None; services.len()];
    for (k, &(service, _, _)) in autos.iter().enumerate() {
        let Some(w) = services
            .get(service.as_bytes())
            .and_then(|&i| want.get_mut(i as usize))
        else {
            return Err(bad(service, "no such service"));
        };
        if w.is_some() {
            return Err(bad(service, "listed twice"));
        }
        *w = Some(k);
    }
    // Each wanted service's pattern names with their index in its list.
    let mut names: Vec<Vec<(&[u8], u32)>> = vec![Vec::new(); autos.len()];
    for (full, &slot) in globs {
        let Some(&(svc, at)) = place.get(slot as usize) else {
            continue;
        };
        if let Some(&Some(k)) = want.get(svc as usize) {
            let colon = full.iter().position(|&b| b == b':').unwrap_or(0);
            if let Some(list) = names.get_mut(k) {
                list.push((full.get(colon + 1..).unwrap_or_default(), at));
            }
        }
    }
    let mut out: Vec<Option<Box<ActionDfa>>> = Vec::new();
    out.resize_with(services.len(), || None);
    for (svc, k) in want.iter().enumerate() {
        let (Some(k), Some(slot)) = (*k, out.get_mut(svc)) else {
            continue;
        };
        let (Some(&(service, patterns, bytes)), Some(list)) = (autos.get(k), names.get_mut(k))
        else {
            continue;
        };
        list.sort_unstable();
        let patterns = patterns.of(strs);
        if list.len() != patterns.len()
            || list.iter().zip(patterns).any(|(n, p)| n.0 != p.as_bytes())
        {
            return Err(bad(service, "patterns differ from the service's"));
        }
        if let Some(dfa) = MultiDfa::load(bytes, patterns.len()).map_err(|r| bad(service, r))? {
            *slot = Some(Box::new((dfa, list.iter().map(|&(_, i)| i).collect())));
        }
    }
    Ok(out)
}

/// Group (slot, tag) pairs by slot (a counting sort, keeping each slot's tags in order):
/// returns the offsets (`slots + 1` of them) and the tags.
fn group(slots: usize, pairs: &[(u32, u32)]) -> (Vec<u32>, Vec<u32>) {
    let mut off = vec![0u32; slots + 1];
    for &(slot, _) in pairs {
        if let Some(n) = off.get_mut(slot as usize + 1) {
            *n += 1;
        }
    }
    for i in 1..off.len() {
        off[i] += off[i - 1];
    }
    let mut next = off.clone();
    let mut tags = vec![0u32; pairs.len()];
    for &(slot, tag) in pairs {
        if let Some(n) = next.get_mut(slot as usize) {
            if let Some(t) = tags.get_mut(*n as usize) {
                *t = tag;
            }
            *n += 1;
        }
    }
    (off, tags)
}

/// The tags of `slot` from [`group`], without repeats (a statement naming the same action
/// twice; its tags are adjacent, in statement order).
fn tags_of(off: &[u32], tags: &[u32], slot: usize) -> Box<[u32]> {
    let mut v = slot_tags(off, tags, slot).to_vec();
    v.dedup();
    v.into_boxed_slice()
}

/// The tags of `slot` from [`group`].
fn slot_tags<'t>(off: &[u32], tags: &'t [u32], slot: usize) -> &'t [u32] {
    let (a, z) = (
        off.get(slot).copied().unwrap_or(0) as usize,
        off.get(slot + 1).copied().unwrap_or(0) as usize,
    );
    tags.get(a..z).unwrap_or_default()
}

/// Metadata of one policy, for reports.
#[derive(Clone, Debug)]
pub struct PolicyInfo {
    /// Kind.
    pub kind: PolicyKind,
    /// SCP/RCP level.
    pub level: u32,
    /// Index within kind and level.
    pub index: u32,
    /// Name for reports.
    pub name: String,
    /// Sids by statement index.
    pub sids: Vec<Option<String>>,
}

pub(crate) struct Inner {
    /// Denies first, then Allows, each in canonical order (see `build`).
    pub stmts: Vec<Stmt>,
    /// Id of the first Allow statement: candidates below it are Denies.
    pub first_allow: u32,
    pub actions: ActionIndex,
    pub keys: FxMap<Box<str>, KeyId>,
    /// Folded key names by id, prepared for comparing request names (`eval::NamedCtx`).
    pub key_names: Vec<LowerName>,
    /// Per key: the byte lengths a non-ASCII context name that folds to it can have, an
    /// empty range when none can (see [`non_ascii_lengths`] and `eval::NamedCtx::scan`).
    pub unicode_keys: Vec<LengthRange>,
    pub multivalued: Vec<bool>,
    pub principal_arn_key: KeyId,
    pub scp_levels: u32,
    pub rcp_levels: u32,
    pub has_boundary: bool,
    pub has_session: bool,
    pub management_account: Option<Box<str>>,
    /// E-10: the lower-case service prefixes RCPs apply to.
    pub rcp_services: Box<[Box<str>]>,
    pub policies: Vec<PolicyInfo>,
    /// The encoded IR and build info, for writing the set as an artifact (`artifact.rs`).
    pub source: crate::artifact::Source,
}

/// An immutable compiled policy set. Build one with [`PolicySet::new`] from a compiler's IR;
/// decide requests with [`PolicySet::evaluate`].
#[derive(Clone)]
pub struct PolicySet {
    pub(crate) inner: Arc<Inner>,
}

impl core::fmt::Debug for PolicySet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PolicySet")
            .field("statements", &self.inner.stmts.len())
            .field("keys", &self.inner.key_names.len())
            .finish()
    }
}

/// Sizes of what was built, for `iamc compile` and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Policies.
    pub policies: usize,
    /// Statements.
    pub statements: usize,
    /// Distinct exact action names in the index.
    pub exact_actions: usize,
    /// Distinct wildcard action patterns in the index (per service).
    pub wildcard_actions: usize,
    /// Services named by actions.
    pub services: usize,
    /// Statements whose action is `*`.
    pub any_action_statements: usize,
    /// `NotAction` statements.
    pub not_action_statements: usize,
    /// Resource patterns by strategy: any, exact, prefix, general, with variables.
    pub resource_patterns: [usize; 5],
    /// Conditions (operator, key) entries.
    pub conditions: usize,
    /// Interned condition keys.
    pub keys: usize,
    /// SCP levels.
    pub scp_levels: usize,
    /// RCP levels.
    pub rcp_levels: usize,
    /// Approximate heap bytes held.
    pub memory_bytes: usize,
    /// Glob DFAs loaded (one per distinct general-shape static glob that has one).
    pub automata: usize,
    /// Services whose wildcard action patterns are matched by one multi-pattern DFA.
    pub action_automata: usize,
    /// States of those DFAs, in all.
    pub automaton_states: usize,
    /// Heap bytes of all DFAs (glob and action), in all.
    pub automaton_bytes: usize,
    /// Uses of general-shape static globs (resources, `StringLike`, ARN fields) matched by a
    /// DFA, and by the linear matcher (no DFA: size limit, budget, or none in the IR).
    pub general_globs: [usize; 2],
}

fn kind_rank(k: PolicyKind) -> u8 {
    match k {
        PolicyKind::Identity => 0,
        PolicyKind::Resource => 1,
        PolicyKind::Boundary => 2,
        PolicyKind::Session => 3,
        PolicyKind::Scp => 4,
        PolicyKind::Rcp => 5,
    }
}

/// A condition key name folded for case-insensitive comparison (C-2): `char::to_lowercase`
/// of every character, and the final sigma `ς` read as `σ` — per character, not
/// `str::to_lowercase`, which writes a word-final `Σ` as `ς`, so that every spelling of a key
/// such as `aws:RequestTag/ΟΔΟΣ` folds alike. The compiler interns keys with this function and
/// its context lookup compares with it, so interning and lookup cannot drift apart.
pub fn fold_key(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    fold_chars(s).collect()
}

/// An inclusive range of byte lengths; empty when `lo > hi`.
pub(crate) type LengthRange = (usize, usize);

/// The byte lengths of the non-ASCII names that fold ([`fold_chars`]) to the folded key name
/// `key`, so that a lookup compares only names of those lengths (the lengths sit in the
/// request's entry table; the names themselves are elsewhere in memory).
///
/// Among non-ASCII characters only U+212A KELVIN SIGN lower-cases to an ASCII character
/// (`k`; U+0130 gives `i` followed by a combining dot, which is not ASCII), so a non-ASCII
/// name folds to an ASCII key only by spelling some of its `k`s as that three-byte sign: its
/// length is the key's plus two per sign. Nothing reaches an ASCII key without a `k`. A
/// non-ASCII key may be reached by names of any length (lower-casing can change a
/// character's byte length either way).
pub(crate) fn non_ascii_lengths(key: &str) -> LengthRange {
    if !key.is_ascii() {
        return (0, usize::MAX);
    }
    match key.bytes().filter(|&b| b == b'k').count() {
        0 => (1, 0),
        ks => (key.len() + 2, key.len() + 2 * ks),
    }
}

/// The characters of a key name folded as [`fold_key`] folds them: the one definition of the
/// fold, used for interning and for every lookup of a request's names.
pub(crate) fn fold_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'ς' { 'σ' } else { c })
}

/// A string folded for the IgnoreCase operators (C-7): `char::to_lowercase` of every
/// character (the reference's `fold`). Actions fold ASCII case only, elsewhere.
pub(crate) fn lower_str(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().flat_map(char::to_lowercase).collect()
}

/// A static glob from glob text: [`Glob::new`], without its token buffer for the shapes
/// that need none (exact text, one `*`), which are nearly all.
fn text_glob(text: &str) -> Glob {
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

fn parts(t: &[PartView<'_>], nkeys: usize) -> Result<Box<[Part]>, BuildError> {
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

/// Collecting results of known number into a boxed slice allocates once: `collect` into
/// `Result<Box<[T]>, E>` cannot see the length through the `Result` adapter, so it grows a
/// vector step by step and then shrinks it (reallocating each time).
trait TryBoxed<T, E> {
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

fn has_var(t: &[PartView<'_>]) -> bool {
    t.iter().any(|p| matches!(p, PartView::Variable(..)))
}

/// Static glob tokens from template parts without variables (Literal parts stay literal).
fn static_tokens(t: &[PartView<'_>]) -> TokenBuf {
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
fn static_glob(t: &[PartView<'_>], autos: &Automata) -> Glob {
    let g = match t {
        [PartView::Text(s)] => text_glob(s),
        _ => Glob::from_tokens(static_tokens(t)),
    };
    autos.attach(g)
}

/// The loaded glob automata of a set, by [`automaton_key`].
#[derive(Default)]
pub(crate) struct Automata {
    by_key: FxMap<Box<[u8]>, GlobDfa>,
    /// The key of the glob being looked up (reused: every general glob is looked up).
    key: core::cell::RefCell<Vec<u8>>,
}

impl Automata {
    /// Deserialise every automaton of the view (`(glob key, DFA bytes)`; validated by
    /// `DFA::from_bytes`).
    fn load(list: &[(&str, &[u8])]) -> Result<Automata, BuildError> {
        let mut by_key = FxMap::default();
        by_key.reserve(list.len());
        for &(glob, bytes) in list {
            let bad = |reason| BuildError::InvalidAutomaton {
                glob: glob.to_string(),
                reason,
            };
            if by_key.len() >= crate::automaton::MAX_AUTOMATA {
                return Err(bad("more automata than a set may hold"));
            }
            if let Some(dfa) = GlobDfa::load(bytes).map_err(bad)? {
                if by_key.insert(glob.as_bytes().into(), dfa).is_some() {
                    return Err(bad("listed twice"));
                }
            }
        }
        Ok(Automata {
            by_key,
            key: Default::default(),
        })
    }

    /// `g` with its automaton, when it is general and the set has one for it.
    fn attach(&self, g: Glob) -> Glob {
        match g {
            Glob::General { prefix, buf } if !self.by_key.is_empty() => {
                let dfa = {
                    let mut key = self.key.borrow_mut();
                    automaton_key_into(&buf, &mut key);
                    self.by_key.get(key.as_slice()).cloned()
                };
                let g = Glob::General { prefix, buf };
                match dfa {
                    Some(dfa) => g.with_dfa(dfa),
                    None => g,
                }
            }
            g => g,
        }
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
    fn may_be_general(t: &TemplateIr, min_wildcards: usize) -> bool {
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
    fn view(t: &TemplateIr) -> Vec<PartView<'_>> {
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

/// Static exact text from template parts without variables.
fn static_text(t: &[PartView<'_>]) -> String {
    let mut s = String::new();
    for p in t {
        match p {
            PartView::Text(x) | PartView::Literal(x) => s.push_str(x),
            PartView::Variable(..) => {}
        }
    }
    s
}

fn pattern(t: &[PartView<'_>], nkeys: usize, autos: &Automata) -> Result<Pattern, BuildError> {
    if has_var(t) {
        Ok(Pattern::Template(Box::new(split(t, nkeys)?)))
    } else {
        Ok(Pattern::Static(static_glob(t, autos)))
    }
}

/// Split static ARN-operator text into six field globs at the first five colons (C-14).
/// Colons are never wildcards, so splitting the token list equals splitting the text.
fn arn_fields(t: &[PartView<'_>], autos: &Automata) -> Option<Box<[Glob; 6]>> {
    let globs: Vec<Glob> = arn_field_tokens(t)?
        .into_iter()
        .map(|f| autos.attach(Glob::from_tokens(f)))
        .collect();
    let arr: [Glob; 6] = globs.try_into().ok()?;
    Some(Box::new(arr))
}

/// The six field token lists of static ARN-operator text, or `None` with fewer fields.
fn arn_field_tokens(t: &[PartView<'_>]) -> Option<Vec<TokenBuf>> {
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

fn invalid(t: &[PartView<'_>]) -> BuildError {
    BuildError::InvalidValue {
        value: static_text(t),
    }
}

/// One statement of policy `p`, its patterns and condition values compiled.
fn statement(
    p: &PolicyView<'_>,
    s: &StatementView<'_>,
    v: &IrView<'_>,
    nkeys: usize,
    autos: &Automata,
) -> Result<Stmt, BuildError> {
    let conds = s
        .conditions
        .of(&v.conditions)
        .iter()
        .map(|c| {
            if c.key as usize >= nkeys {
                return Err(BuildError::KeyOutOfRange { key: c.key });
            }
            Ok(Cond {
                key: c.key,
                set: c.set,
                op: c.op,
                negated: c.negated,
                if_exists: c.if_exists,
                values: values(c.op, c.values.of(&v.templates), v, nkeys, autos)?,
            })
        })
        .try_boxed()?;
    let resources = s
        .resources
        .of(&v.templates)
        .iter()
        .map(|t| pattern(v.template(t), nkeys, autos))
        .try_boxed()?;
    let always =
        !s.not_resource && conds.is_empty() && matches!(&*resources, [Pattern::Static(Glob::Any)]);
    Ok(Stmt {
        allow: s.allow,
        kind: p.kind,
        level: p.level,
        policy: p.index,
        index: s.index,
        principal: s.principal.map(|(negated, wildcard, entries)| Principal {
            negated,
            wildcard,
            entries: entries.of(&v.strs).iter().map(|&e| e.into()).collect(),
        }),
        not_resource: s.not_resource,
        resources,
        conds,
        always,
    })
}

fn values(
    op: OpKind,
    vals: &[Span],
    v: &IrView<'_>,
    nkeys: usize,
    autos: &Automata,
) -> Result<Values, BuildError> {
    let vals = || vals.iter().map(|t| v.template(t));
    Ok(match op {
        OpKind::StringEquals => Values::Str(
            vals()
                .map(|t| {
                    if has_var(t) {
                        Ok(StrVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(StrVal::Static(static_text(t).into()))
                    }
                })
                .try_boxed()?,
        ),
        OpKind::StringEqualsIgnoreCase => Values::StrCi(
            vals()
                .map(|t| {
                    if has_var(t) {
                        Ok(StrVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(StrVal::Static(lower_str(&static_text(t)).into()))
                    }
                })
                .try_boxed()?,
        ),
        OpKind::StringLike => Values::Like(vals().map(|t| pattern(t, nkeys, autos)).try_boxed()?),
        OpKind::NumericEquals
        | OpKind::NumericLessThan
        | OpKind::NumericLessThanEquals
        | OpKind::NumericGreaterThan
        | OpKind::NumericGreaterThanEquals => Values::Num(
            vals()
                .map(|t| DecimalBuf::parse(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?,
        ),
        OpKind::DateEquals
        | OpKind::DateLessThan
        | OpKind::DateLessThanEquals
        | OpKind::DateGreaterThan
        | OpKind::DateGreaterThanEquals => Values::Date(
            vals()
                .map(|t| value::parse_date(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?,
        ),
        OpKind::Bool | OpKind::Null => {
            let b: Box<[bool]> = vals()
                .map(|t| value::parse_bool(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?;
            if op == OpKind::Bool {
                Values::Bool(b)
            } else {
                Values::Null(b)
            }
        }
        OpKind::Binary => Values::Binary(
            vals()
                .map(|t| {
                    value::base64_decode(&static_text(t))
                        .map(Vec::into_boxed_slice)
                        .ok_or_else(|| invalid(t))
                })
                .try_boxed()?,
        ),
        OpKind::Ip => Values::Ip(
            vals()
                .map(|t| Cidr::parse(&static_text(t)).ok_or_else(|| invalid(t)))
                .try_boxed()?,
        ),
        OpKind::Arn => Values::Arn(
            vals()
                .map(|t| {
                    if has_var(t) {
                        Ok(ArnVal::Template(parts(t, nkeys)?))
                    } else {
                        Ok(ArnVal::Static(arn_fields(t, autos)))
                    }
                })
                .try_boxed()?,
        ),
    })
}

impl PolicySet {
    /// Build the compiled set from IR: sort statements canonically, index actions, type and
    /// compile every value. Fails only on inconsistent IR (ids out of range, a value that does
    /// not parse), which a correct compiler never produces.
    pub fn new(ir: &PolicySetIr) -> Result<PolicySet, BuildError> {
        PolicySet::build(&IrView::of(ir), crate::artifact::Source::from_ir(ir))
    }

    /// [`PolicySet::new`] from a view of the IR, keeping `source` (what `to_bytes` writes;
    /// see `artifact.rs`). The artifact loader builds from a view of the file's bytes.
    pub(crate) fn build(
        v: &IrView<'_>,
        source: crate::artifact::Source,
    ) -> Result<PolicySet, BuildError> {
        // Spans are u32 (the loader's input is bounded by that; an IR this big is not).
        let largest = [v.strs.len(), v.parts.len(), v.templates.len()]
            .into_iter()
            .chain([v.conditions.len(), v.statements.len()])
            .max()
            .unwrap_or(0);
        if u32::try_from(largest).is_err() {
            return Err(BuildError::TooManyStatements);
        }
        let nkeys = v.keys.len();
        let autos = Automata::load(&v.automata)?;
        let mut keys: FxMap<Box<str>, KeyId> = FxMap::default();
        keys.reserve(nkeys + 1);
        let mut key_names: Vec<LowerName> = Vec::with_capacity(nkeys + 1);
        let mut multivalued = Vec::with_capacity(nkeys + 1);
        for (i, &(name, mv)) in v.keys.iter().enumerate() {
            let name = fold_key(name);
            keys.entry(name.clone().into_boxed_str())
                .or_insert(i as KeyId);
            key_names.push(LowerName::new(&name));
            multivalued.push(mv);
        }
        // E-12 needs aws:PrincipalArn from the context even when no condition uses it.
        let principal_arn_key = match keys.get("aws:principalarn") {
            Some(&id) => id,
            None => {
                let id = key_names.len() as KeyId;
                keys.insert("aws:principalarn".into(), id);
                key_names.push(LowerName::new("aws:principalarn"));
                multivalued.push(false);
                id
            }
        };

        let mut order: Vec<&PolicyView<'_>> = v.policies.iter().collect();
        order.sort_by_key(|p| (kind_rank(p.kind), p.level, p.index));
        let mut stmts = Vec::with_capacity(v.statements.len());
        let mut policies = Vec::with_capacity(order.len());
        let mut actions = IndexBuilder::default();
        // Action patterns are most of `strs`; sets repeat names, about four times each in the
        // managed policies. Sized up front, the tables are not rehashed as they fill.
        actions.names.reserve(v.strs.len() / 4);
        actions.name_tags.reserve(v.strs.len());
        for &p in &order {
            match p.kind {
                PolicyKind::Scp if p.level >= v.scp_levels => {
                    return Err(BuildError::LevelOutOfRange { level: p.level })
                }
                PolicyKind::Rcp if p.level >= v.rcp_levels => {
                    return Err(BuildError::LevelOutOfRange { level: p.level })
                }
                _ => {}
            }
            let statements = p.statements.of(&v.statements);
            policies.push(PolicyInfo {
                kind: p.kind,
                level: p.level,
                index: p.index,
                name: p.name.to_string(),
                sids: statements.iter().map(|s| s.sid.map(String::from)).collect(),
            });
        }
        // Statement ids: every Deny before every Allow, each in canonical order. A sorted
        // candidate list is then its Denies followed by its Allows, and the evaluator's two
        // loops each walk only their own part (no per-candidate effect test, a branch the
        // CPU cannot predict since it changes with every request's action).
        for allow in [false, true] {
            for &p in &order {
                for s in p.statements.of(&v.statements) {
                    if s.allow != allow {
                        continue;
                    }
                    let id =
                        u32::try_from(stmts.len()).map_err(|_| BuildError::TooManyStatements)?;
                    actions.add(id, s.not_action, s.actions.of(&v.strs));
                    stmts.push(statement(p, s, v, nkeys, &autos)?);
                }
            }
        }
        let first_allow = stmts.iter().position(|s| s.allow).unwrap_or(stmts.len()) as u32;
        let actions = actions.finish(PRECOMPUTED_LIMIT, &v.action_automata, &v.strs)?;
        let unicode_keys = key_names
            .iter()
            .map(|k| non_ascii_lengths(k.as_str()))
            .collect();
        let has_boundary = v.policies.iter().any(|p| p.kind == PolicyKind::Boundary);
        let has_session = v.policies.iter().any(|p| p.kind == PolicyKind::Session);
        Ok(PolicySet {
            inner: Arc::new(Inner {
                stmts,
                first_allow,
                actions,
                keys,
                key_names,
                unicode_keys,
                multivalued,
                principal_arn_key,
                scp_levels: v.scp_levels,
                rcp_levels: v.rcp_levels,
                has_boundary,
                has_session,
                management_account: v.management_account.map(Box::from),
                rcp_services: v
                    .rcp_services
                    .iter()
                    .map(|s| Box::from(s.to_ascii_lowercase().as_str()))
                    .collect(),
                policies,
                source,
            }),
        })
    }

    /// The id of a condition key (case-insensitive, C-2), for building
    /// [`crate::InternedRequest`]s; `None` when no policy in the set uses the key.
    pub fn key_id(&self, name: &str) -> Option<KeyId> {
        if name.bytes().all(|b| !b.is_ascii_uppercase()) && name.is_ascii() {
            return self.inner.keys.get(name).copied();
        }
        self.inner.keys.get(fold_key(name).as_str()).copied()
    }

    /// Metadata of every policy, in canonical order.
    pub fn policies(&self) -> &[PolicyInfo] {
        &self.inner.policies
    }

    /// The services RCPs apply to (E-10), lower-case, as the set was compiled with them.
    pub fn rcp_services(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.rcp_services.iter().map(|s| &**s)
    }

    /// The Sid of a statement, if it has one.
    pub fn sid(&self, r: &crate::decision::StatementRef) -> Option<&str> {
        self.inner
            .policies
            .iter()
            .find(|p| p.kind == r.kind && p.level == r.level && p.index == r.policy)
            .and_then(|p| p.sids.get(r.statement as usize))
            .and_then(|s| s.as_deref())
    }

    /// What was built, with sizes.
    pub fn stats(&self) -> Stats {
        let i = &self.inner;
        let mut st = Stats {
            policies: i.policies.len(),
            statements: i.stmts.len(),
            services: i.actions.services.len(),
            any_action_statements: i.actions.always.len() - i.actions.not_action_count,
            not_action_statements: i.actions.not_action_count,
            keys: i.key_names.len(),
            scp_levels: i.scp_levels as usize,
            rcp_levels: i.rcp_levels as usize,
            ..Stats::default()
        };
        let mut mem = i.stmts.capacity() * core::mem::size_of::<Stmt>();
        st.exact_actions = i.actions.exact_names;
        for s in i.actions.services.values() {
            st.wildcard_actions += s.globs.len();
            mem += s
                .exact
                .iter()
                .map(|(k, v)| k.len() + v.capacity() * 4 + 32)
                .sum::<usize>();
            mem += s
                .globs
                .iter()
                .map(|(g, ids)| g.memory_usage() + ids.len() * 4 + 48)
                .sum::<usize>();
            if let Some((dfa, which)) = s.multi.as_deref() {
                st.action_automata += 1;
                st.automaton_bytes += dfa.memory_usage();
                mem += which.len() * 4 + 16;
            }
        }
        mem += i
            .actions
            .precomputed
            .iter()
            .map(|(k, v)| k.len() + v.len() * 4 + 40)
            .sum::<usize>();
        for s in &i.stmts {
            st.conditions += s.conds.len();
            mem += s.conds.len() * core::mem::size_of::<Cond>();
            for r in s.resources.iter() {
                mem += core::mem::size_of::<Pattern>();
                let slot = match r {
                    Pattern::Static(Glob::Any) => 0,
                    Pattern::Static(Glob::Exact(_)) => 1,
                    Pattern::Static(
                        Glob::Prefix(_)
                        | Glob::Suffix(_)
                        | Glob::PrefixSuffix(..)
                        | Glob::PrefixInfix(..),
                    ) => 2,
                    Pattern::Static(Glob::General { .. } | Glob::Dfa { .. }) => 3,
                    Pattern::Template(_) => 4,
                };
                if let Pattern::Static(g) = r {
                    mem += g.memory_usage();
                }
                st.resource_patterns[slot] += 1;
            }
        }
        mem += i
            .key_names
            .iter()
            .map(|k| k.len() * 2 + 40 + (k.len() / 8 + 1) * 16)
            .sum::<usize>();
        let mut tables = std::collections::HashSet::new();
        let mut count = |g: &Glob| match g {
            Glob::Dfa { dfa, .. } => {
                st.general_globs[0] += 1;
                if tables.insert(dfa.table_ptr()) {
                    st.automata += 1;
                    st.automaton_states += dfa.state_count();
                    st.automaton_bytes += dfa.memory_usage();
                }
            }
            Glob::General { .. } => st.general_globs[1] += 1,
            _ => {}
        };
        for s in &i.stmts {
            for r in s.resources.iter() {
                if let Pattern::Static(g) = r {
                    count(g);
                }
            }
            for c in s.conds.iter() {
                match &c.values {
                    Values::Like(ps) => ps.iter().for_each(|p| {
                        if let Pattern::Static(g) = p {
                            count(g);
                        }
                    }),
                    Values::Arn(vs) => vs.iter().for_each(|v| {
                        if let ArnVal::Static(Some(fields)) = v {
                            fields.iter().for_each(&mut count);
                        }
                    }),
                    _ => {}
                }
            }
        }
        mem += st.automaton_bytes;
        st.memory_bytes = mem;
        st
    }

    /// Create the per-thread scratch space [`PolicySet::evaluate`] needs. Reuse it across
    /// calls: after its buffers have grown once, evaluation allocates nothing.
    pub fn create_scratch(&self) -> crate::Scratch {
        crate::Scratch::new(self.inner.key_names.len(), self.inner.scp_levels as usize)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// A small deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % n as u64) as usize
        }
        fn text(&mut self, alphabet: &[u8], max: usize) -> String {
            let n = self.below(max + 1);
            (0..n)
                .map(|_| alphabet[self.below(alphabet.len())] as char)
                .collect()
        }
    }

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

    /// The definition, statement by statement: what the index must give for `action`.
    fn naive(stmts: &[(bool, Vec<String>)], action: &str) -> Vec<u32> {
        let action = action.to_ascii_lowercase();
        let split = action.split_once(':');
        let mut out = Vec::new();
        for (id, (not_action, pats)) in stmts.iter().enumerate() {
            let mut any = false;
            let hit = pats.iter().any(|p| {
                let p = p.to_ascii_lowercase();
                if p.bytes().all(|b| b == b'*') {
                    any = true;
                    return true;
                }
                match (p.split_once(':'), split) {
                    (Some((s, n)), Some((as_, an))) => {
                        s == as_ && Glob::new(n).matches(an.as_bytes())
                    }
                    _ => false,
                }
            });
            let candidate = if *not_action { !any && !hit } else { hit };
            if candidate {
                out.push(id as u32);
            }
        }
        out
    }

    #[test]
    fn action_index_agrees_with_the_definition() {
        let mut rng = Rng(42);
        let names = [
            "get",
            "getobject",
            "put",
            "list",
            "g",
            "ge*",
            "*t",
            "g?t",
            "*",
            "Get",
            "GetObjectVersionTagging",
            "getbucketpolicy*",
            "ke\u{212A}",
        ];
        let services = ["s3", "S3", "ec2", "iam", ""];
        for round in 0..200 {
            let mut stmts = Vec::new();
            for _ in 0..1 + rng.below(30) {
                let pats: Vec<String> = (0..1 + rng.below(4))
                    .map(|_| match rng.below(12) {
                        0 => "*".to_string(),
                        1 => "nocolon".to_string(),
                        _ => format!(
                            "{}:{}",
                            services[rng.below(services.len())],
                            names[rng.below(names.len())]
                        ),
                    })
                    .collect();
                stmts.push((rng.below(4) == 0, pats));
            }
            let mut b = IndexBuilder::default();
            for (id, (not_action, pats)) in stmts.iter().enumerate() {
                let pats: Vec<&str> = pats.iter().map(String::as_str).collect();
                b.add(id as u32, *not_action, &pats);
            }
            // Half the rounds over the limit: exact names then take the general path.
            let limit = if round % 2 == 0 { PRECOMPUTED_LIMIT } else { 0 };
            let idx = b.finish(limit, &[], &[]).unwrap();
            let (mut out, mut excluded) = (Vec::new(), Vec::new());
            let mut actions: Vec<String> = Vec::new();
            for s in services {
                for n in [
                    "get",
                    "getobject",
                    "put",
                    "list",
                    "g",
                    "gxt",
                    "",
                    "x:y",
                    "GET",
                    "GetObjectVersionTagging",
                    "GETOBJECTVERSIONTAGGING",
                    "getobjectversiontaggin",
                    "getobjectversiontaggingx",
                    "GetBucketPolicyStatus",
                    "KEK",
                    "ke\u{212A}",
                    "ke\u{212A}\u{212A}",
                ] {
                    actions.push(format!("{s}:{n}"));
                }
            }
            actions.push("nocolon".into());
            for a in &actions {
                let lower = a.to_ascii_lowercase();
                // As `evaluate_with` does: the action as it is, then lower-cased.
                let got = match idx.precomputed.get(a.as_bytes()) {
                    Some(list) => list.to_vec(),
                    None => {
                        idx.candidates_into(lower.as_bytes(), &mut out, &mut excluded);
                        out.clone()
                    }
                };
                assert_eq!(got, naive(&stmts, a), "round {round}, {a}: {stmts:?}");
            }
            if limit == 0 {
                assert!(idx.precomputed.is_empty());
            }
        }
    }

    /// The precomputed table folds ASCII case only: every case of a key finds it; a text
    /// differing in one byte (also by 0x20 outside letters), in length, or in a non-ASCII
    /// byte finds nothing.
    #[test]
    fn action_table_folds_ascii_case_only() {
        let mut rng = Rng(7);
        for round in 0..300 {
            let n = 1 + rng.below(60);
            let mut keys: Vec<String> = (0..n)
                .map(|_| rng.text(b"abz:@[`{09*-_", 30))
                .filter(|k| k.is_ascii())
                .collect();
            keys.sort();
            keys.dedup();
            let table = ActionTable::new(
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| (k.as_bytes().into(), vec![i as u32].into()))
                    .collect(),
            );
            for (i, k) in keys.iter().enumerate() {
                let mut b = k.clone().into_bytes();
                for x in b.iter_mut() {
                    if rng.below(2) == 0 {
                        *x = x.to_ascii_uppercase();
                    }
                }
                assert_eq!(table.get(&b), Some(&[i as u32][..]), "round {round}: {k}");
                if b.is_empty() {
                    continue;
                }
                let p = rng.below(b.len());
                let orig = b[p];
                for flip in [0x20u8, 0x01, 0x80] {
                    b[p] = orig ^ flip;
                    let expect = keys
                        .iter()
                        .position(|o| o.as_bytes().eq_ignore_ascii_case(&b))
                        .map(|j| vec![j as u32]);
                    assert_eq!(table.get(&b).map(<[u32]>::to_vec), expect, "{b:?}");
                }
                b[p] = orig;
                b.push(b'a');
                let expect = keys
                    .iter()
                    .position(|o| o.as_bytes().eq_ignore_ascii_case(&b))
                    .map(|j| vec![j as u32]);
                assert_eq!(table.get(&b).map(<[u32]>::to_vec), expect);
            }
        }
        assert_eq!(ActionTable::default().get(b"s3:getobject"), None);
    }

    /// The premise of [`non_ascii_lengths`], checked over every `char`: the only non-ASCII
    /// character that folds to ASCII text is U+212A KELVIN SIGN, which folds to `k` (U+0130
    /// folds to `i` and a combining dot: not ASCII, so no part of an ASCII key's fold).
    #[test]
    fn c2_only_the_kelvin_sign_folds_to_ascii() {
        let mut buf = [0u8; 4];
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            if c.is_ascii() {
                continue;
            }
            let folded: String = fold_chars(c.encode_utf8(&mut buf)).collect();
            if c == '\u{212A}' {
                assert_eq!(folded, "k");
            } else {
                assert!(!folded.is_ascii(), "{c:?} folds to {folded:?}");
            }
        }
        assert_eq!(non_ascii_lengths("aws:username"), (1, 0));
        assert_eq!(non_ascii_lengths("kms:viaservice"), (16, 16));
        assert_eq!(non_ascii_lengths("dynamodb:leadingkeys"), (22, 22));
        assert_eq!(non_ascii_lengths("aws:tagkeys/kk"), (16, 20));
        assert_eq!(non_ascii_lengths("aws:principaltag/é"), (0, usize::MAX));
    }
}
