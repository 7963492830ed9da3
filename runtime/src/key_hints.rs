//! A cheap hash of the set's folded condition-key names, built once per set, that tells the
//! evaluator which key a request's context name *might* be (C-2, K-2).
//!
//! [`crate::eval`] looks context keys up by name. Scanning every entry for every key it reads
//! costs a length test and a word-at-a-time case-insensitive comparison per entry and key;
//! absent keys scan every entry. With this table one pass over the entries hashes each name
//! (about a dozen instructions: its length and its first and last eight bytes, each byte
//! `| 0x20`) and records, per key the name lands on, the first such entry as a *candidate*.
//! The evaluator verifies a candidate with the exact comparison before using it and falls
//! back to the scan when that fails, so the hash is only a hint: correctness never depends on
//! it, only speed does.
//!
//! Why the hash respects the fold: a name equal to a key under ASCII case folding has the same
//! length and the same bytes up to bit 0x20, so it lands in the key's slot. A key whose slot
//! holds no candidate after the pass therefore has no ASCII-case-insensitive match in the
//! context; only a non-ASCII name could still fold to it (the Kelvin sign `K` folds to `k`),
//! which the evaluator checks separately for the keys where that is possible.
//!
//! Two keys that share a slot cannot both be hinted: the first keeps the slot, the other is
//! marked unplaced and is always scanned. Build-time search over a few multipliers and two
//! table sizes (2–8 slots per key) keeps that rare; keys with identical length and first and
//! last eight bytes (`ec2:ResourceTag/x…y` pairs differing only in the middle) always share.

use crate::ir::KeyId;

/// ASCII case folded the cheap way: `A`–`Z` get bit 0x20, and so do some other bytes (`@`
/// becomes `` ` ``), which only makes more names share a slot — harmless for a hint.
const FOLD: u64 = 0x2020_2020_2020_2020;

/// Odd multipliers tried at build time (digits of π, e, √2, … as 64-bit words, forced odd).
const SEEDS: [u64; 8] = [
    0x243F_6A88_85A3_08D3,
    0xB7E1_5162_8AED_2A6B,
    0x6A09_E667_F3BC_C909,
    0xBB67_AE85_84CA_A73B,
    0x3C6E_F372_FE94_F82B,
    0xA54F_F53A_5F1D_36F1,
    0x510E_527F_ADE6_82D1,
    0x9B05_688C_2B3E_6C1F,
];

/// The set's key names hashed into a power-of-two table of key ids.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyHints {
    /// Slots: `len << 32 | (id + 1)`, or 0 when empty. Empty table: no hints at all.
    table: Box<[u64]>,
    seed: u64,
    /// `64 - log2(table.len())`.
    shift: u32,
    /// Per key id: whether the key has a slot of its own (otherwise it is always scanned).
    placed: Box<[bool]>,
}

/// The hash of a name under `seed`: its length and its first and last eight bytes (fewer for
/// a short name), each byte `| 0x20`, multiplied, top bits.
/// `shift` is in 1..=63 (see [`KeyHints::with`]).
#[inline]
fn hash(seed: u64, shift: u32, name: &[u8]) -> usize {
    let b = match name.last_chunk::<8>() {
        Some(l) => u64::from_le_bytes(*l),
        _ => short(name).0,
    };
    let x = ((b | FOLD) ^ name.len() as u64).wrapping_mul(seed);
    x.wrapping_shr(shift) as usize
}

/// The words [`hash`] reads of a name shorter than eight bytes (rare: out of the hot loop).
#[cold]
#[inline(never)]
fn short(name: &[u8]) -> (u64, u64) {
    let mut w = [0u8; 8];
    w.iter_mut().zip(name).for_each(|(d, s)| *d = *s);
    (u64::from_le_bytes(w), 0)
}

impl KeyHints {
    /// Hash `names` (the set's folded key names, by id): the smallest table and the first
    /// multiplier that give every key a slot of its own, or else the ones that place the most.
    pub(crate) fn new(names: &[Box<str>]) -> KeyHints {
        let n = names.len();
        if n == 0 || u32::try_from(n).is_err() {
            return KeyHints::default();
        }
        let bits = (2 * n).next_power_of_two().trailing_zeros().max(1);
        let mut best: Option<(usize, KeyHints)> = None;
        'search: for bits in [bits, bits + 1] {
            for seed in SEEDS {
                let h = KeyHints::with(names, seed, bits);
                let placed = h.placed.iter().filter(|p| **p).count();
                if best.as_ref().is_none_or(|(b, _)| placed > *b) {
                    best = Some((placed, h));
                }
                if placed == n {
                    break 'search;
                }
            }
        }
        best.map(|(_, h)| h).unwrap_or_default()
    }

    /// The table for one multiplier and size; keys are placed in id order, first come first
    /// served.
    fn with(names: &[Box<str>], seed: u64, bits: u32) -> KeyHints {
        let bits = bits.clamp(1, 32);
        let shift = 64 - bits;
        let mut table = vec![0u64; 1 << bits].into_boxed_slice();
        let mut placed = vec![false; names.len()].into_boxed_slice();
        for (id, (name, p)) in names.iter().zip(placed.iter_mut()).enumerate() {
            let (Ok(len), Ok(id)) = (u32::try_from(name.len()), u32::try_from(id)) else {
                continue;
            };
            if id == u32::MAX {
                continue;
            }
            if let Some(slot) = table.get_mut(hash(seed, shift, name.as_bytes())) {
                if *slot == 0 {
                    *slot = u64::from(len) << 32 | u64::from(id + 1);
                    *p = true;
                }
            }
        }
        KeyHints {
            table,
            seed,
            shift,
            placed,
        }
    }

    /// Whether there is a table at all.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The key a context name might be: the key in the name's slot, when it has the name's
    /// length. `None` means the name matches no *placed* key under ASCII case folding.
    #[inline]
    pub(crate) fn candidate(&self, name: &[u8]) -> Option<KeyId> {
        self.finder()(name)
    }

    /// [`KeyHints::candidate`] with the table's fields copied out once, for a loop over a
    /// request's names (the evaluator's stores through `Cell`s would otherwise make it reload
    /// them for every name).
    #[inline]
    pub(crate) fn finder(&self) -> impl Fn(&[u8]) -> Option<KeyId> + '_ {
        let (table, seed, shift) = (&*self.table, self.seed, self.shift);
        move |name: &[u8]| {
            let e = *table.get(hash(seed, shift, name))?;
            if e >> 32 != name.len() as u64 {
                return None;
            }
            (e as u32).checked_sub(1)
        }
    }

    /// Whether `key` has a slot of its own, so that no candidate after a pass means no
    /// ASCII-case-insensitive match.
    #[inline]
    pub(crate) fn placed(&self, key: KeyId) -> bool {
        self.placed.get(key as usize).copied().unwrap_or(false)
    }

    /// Heap bytes held.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.table.len() * 8 + self.placed.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<Box<str>> {
        v.iter().map(|s| Box::from(*s)).collect()
    }

    #[test]
    fn every_spelling_lands_on_its_key() {
        let keys = names(&[
            "aws:username",
            "aws:principaltag/team",
            "aws:principaltag/env",
            "aws:sourceip",
            "aws:multifactorauthpresent",
            "ec2:ab",
            "",
            "s3:x",
        ]);
        let h = KeyHints::new(&keys);
        assert!(!h.is_empty());
        for (id, k) in keys.iter().enumerate() {
            assert!(h.placed(id as KeyId), "{k}");
            assert_eq!(h.candidate(k.as_bytes()), Some(id as KeyId), "{k}");
            let up = k.to_ascii_uppercase();
            assert_eq!(h.candidate(up.as_bytes()), Some(id as KeyId), "{up}");
        }
        assert_eq!(h.candidate(b"aws:principaltag/teams"), None);
    }

    #[test]
    fn keys_equal_at_both_ends_share_a_slot() {
        // Same length, same first and last eight bytes: one slot, the first key keeps it.
        let keys = names(&["ec2:aaaa1aaa:tag/team", "ec2:aaaa2aaa:tag/team"]);
        let h = KeyHints::new(&keys);
        assert!(h.placed(0));
        assert!(!h.placed(1));
        assert_eq!(h.candidate(b"EC2:AAAA2AAA:TAG/TEAM"), Some(0));
    }

    #[test]
    fn no_keys_no_table() {
        let h = KeyHints::new(&[]);
        assert!(h.is_empty());
        assert_eq!(h.candidate(b"x"), None);
        assert!(!h.placed(0));
    }
}
