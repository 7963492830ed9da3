//! The action index: a request's action → its candidate statements, in one lookup.
//!
//! Exact names go through one precomputed table of complete candidate lists ([`ActionTable`],
//! filled at build time by [`select`] itself); wildcard names through per-service lists of
//! distinct globs (or one multi-pattern DFA per service); `*` and `NotAction` statements sit
//! on a list of their own. A statement is never tested against an action whose service it
//! does not name. [`ActionIndex::candidates_into`] with [`select`] is the one definition of
//! which statements an action selects (A-2 … A-7): used at run time for actions the table does
//! not hold, and at build time ([`crate::build::actions`]) to fill the table.
//!
//! Trade-off: the precomputed table costs memory (bounded by
//! [`crate::build::actions::PRECOMPUTED_LIMIT`] ids; over it, exact names take the general
//! path) to make the common request one hash probe with no sorting.

use rustc_hash::FxHashMap as FxMap;

use crate::automaton::MultiDfa;
use crate::fold;
use crate::glob::Glob;
use crate::ids::{ActionTag, StmtId};

/// Wildcard action patterns of one service, each distinct pattern once with the (tagged)
/// statements that name it, and exact names. `exact` is filled only when the precomputed
/// table is not (over its limit): otherwise every exact name is a key of that table and the
/// general path never sees one.
#[derive(Clone, Debug, Default)]
pub(crate) struct ServiceActions {
    pub exact: FxMap<Box<[u8]>, Vec<ActionTag>>,
    pub globs: Vec<(Glob, Box<[ActionTag]>)>,
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
pub(crate) trait GlobTags {
    /// Call `take` with the tags of every pattern that matches `name`.
    fn each_match(self, name: &[u8], take: impl FnMut(ActionTag));
}

/// One test per pattern.
impl GlobTags for &[(Glob, Box<[ActionTag]>)] {
    #[inline]
    fn each_match(self, name: &[u8], mut take: impl FnMut(ActionTag)) {
        for (g, ids) in self {
            if g.matches(name) {
                ids.iter().for_each(|&id| take(id));
            }
        }
    }
}

/// All patterns in one pass of the service's multi-pattern DFA.
impl GlobTags for (&ActionDfa, &[(Glob, Box<[ActionTag]>)]) {
    #[inline]
    fn each_match(self, name: &[u8], mut take: impl FnMut(ActionTag)) {
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

/// [`select`] over a service's patterns: one test per pattern, or one pass of its
/// multi-pattern DFA when it has one. Out of line: only actions the precomputed table does not
/// hold, of services some statement names, get here, and keeping it out of
/// [`ActionIndex::candidates_into`] keeps that function small for the actions of services no
/// statement names (their cost should not grow with the set).
#[inline(never)]
fn select_service(
    svc: &ServiceActions,
    name: &[u8],
    always: &[StmtId],
    out: &mut Vec<StmtId>,
    excluded: &mut Vec<StmtId>,
) {
    let exact = svc.exact.get(name).map_or(&[][..], Vec::as_slice);
    match svc.multi.as_deref() {
        Some(m) => select(exact, (m, &svc.globs[..]), name, always, out, excluded),
        None => select(exact, &svc.globs[..], name, always, out, excluded),
    }
}
/// Action → candidate statements.
///
/// `Action` patterns and `NotAction` patterns live in the same per-service tables; a
/// `NotAction` entry is an exclusion ([`ActionTag`]). One lookup of the request's action yields the
/// statements it selects and the `NotAction` statements it excludes; the candidates are the
/// selected ones plus every statement of `always` (`*` actions and `NotAction` statements)
/// that was not excluded.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionIndex {
    /// Lower-cased service prefix → its actions.
    pub services: FxMap<Box<[u8]>, ServiceActions>,
    /// Statements whose action list holds `*`, and every `NotAction` statement; sorted.
    pub always: Vec<StmtId>,
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
pub(crate) type ActionName = Box<[u8]>;

/// The precomputed action table: lower-cased action names → candidate lists, in an open
/// addressing table of our own so that a request's ASCII action is looked up as it is, its
/// case folded while hashing and comparing, without lower-casing it into a buffer.
#[derive(Clone, Debug, Default)]
pub(crate) struct ActionTable {
    /// (hash, lower-cased name, candidates).
    entries: Vec<(u64, ActionName, Box<[StmtId]>)>,
    /// Entry index + 1 per slot, 0 when empty; a power of two, at most a quarter full (an
    /// action it does not hold mostly meets an empty slot at once).
    slots: Box<[u32]>,
    /// Bit `len % 64` set for the length of every name: most actions the table does not
    /// hold are turned away by their length alone, before hashing.
    lengths: u64,
}

impl ActionTable {
    pub(crate) fn new(pairs: Vec<(ActionName, Box<[StmtId]>)>) -> ActionTable {
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
    pub(crate) fn get(&self, action: &[u8]) -> Option<&[StmtId]> {
        if self.lengths >> (action.len() % 64) & 1 == 0 {
            return None;
        }
        let mask = self.slots.len().wrapping_sub(1);
        let h = folded_hash(action);
        let mut i = h as usize & mask;
        loop {
            let s = *self.slots.get(i)?;
            let (eh, k, v) = self.entries.get((s as usize).checked_sub(1)?)?;
            if *eh == h && fold::eq_ascii_lower(action, k) {
                return Some(v);
            }
            i = (i + 1) & mask;
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&[u8], &[StmtId])> {
        self.entries.iter().map(|(_, k, v)| (&k[..], &v[..]))
    }

    /// Whether the table holds no name.
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

impl ActionIndex {
    /// Candidates for a lower-cased action into `out` (sorted, deduplicated), using
    /// `excluded` as scratch. With [`select`], the one definition of which statements an
    /// action selects (A-2 … A-7): used at run time for actions the precomputed table does
    /// not hold, and at build time (through [`select`]) to fill that table.
    #[expect(
        clippy::indexing_slicing,
        reason = "`colon` is a position found in `lower`, so both cuts are in range"
    )]
    pub(crate) fn candidates_into(
        &self,
        lower: &[u8],
        out: &mut Vec<StmtId>,
        excluded: &mut Vec<StmtId>,
    ) {
        if let Some(colon) = lower.iter().position(|&b| b == b':') {
            let (service, name) = (&lower[..colon], &lower[colon + 1..]);
            if let Some(svc) = self.services.get(service) {
                return select_service(svc, name, &self.always, out, excluded);
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
/// `always` the `*` and `NotAction` statements (sorted). An exclusion tag removes its
/// statement from `always`. `excluded` is scratch.
#[expect(
    clippy::indexing_slicing,
    reason = "`w <= j` while merging (the comment above the loop) and `j < out.len()`, so every write is in range; `a <= out.len()`"
)]
#[inline]
pub(crate) fn select(
    exact: &[ActionTag],
    globs: impl GlobTags,
    name: &[u8],
    always: &[StmtId],
    out: &mut Vec<StmtId>,
    excluded: &mut Vec<StmtId>,
) {
    out.clear();
    excluded.clear();
    let mut take = |tag: ActionTag| match tag.split() {
        (id, true) => excluded.push(id),
        (id, false) => out.push(id),
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::test_rng::Xorshift as Rng;

    fn id(i: usize) -> StmtId {
        StmtId::new(i).unwrap()
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
                    .map(|(i, k)| (k.as_bytes().into(), vec![id(i)].into()))
                    .collect(),
            );
            for (i, k) in keys.iter().enumerate() {
                let mut b = k.clone().into_bytes();
                for x in b.iter_mut() {
                    if rng.below(2) == 0 {
                        *x = x.to_ascii_uppercase();
                    }
                }
                assert_eq!(table.get(&b), Some(&[id(i)][..]), "round {round}: {k}");
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
                        .map(|j| vec![id(j)]);
                    assert_eq!(table.get(&b).map(<[StmtId]>::to_vec), expect, "{b:?}");
                }
                b[p] = orig;
                b.push(b'a');
                let expect = keys
                    .iter()
                    .position(|o| o.as_bytes().eq_ignore_ascii_case(&b))
                    .map(|j| vec![id(j)]);
                assert_eq!(table.get(&b).map(<[StmtId]>::to_vec), expect);
            }
        }
        assert_eq!(ActionTable::default().get(b"s3:getobject"), None);
    }
}
