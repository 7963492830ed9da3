//! Context lookup by key id (C-2, K-2), over either request shape: [`NamedCtx`] for a
//! context given by name (resolved lazily and cached per decision in the [`Scratch`]'s
//! generation-stamped cells), [`InternedCtx`] for one given by key id.
//!
//! Trade-off: a lookup first scans the names (cheap for the few keys most decisions read),
//! and resolves every name at once only after [`SCANS_BEFORE_RESOLVE`] scans.
//!
//! [`Scratch`]: crate::Scratch

use core::cell::Cell;

use rustc_hash::FxHashMap as FxMap;

use crate::fold::{fold_chars, LengthRange, LowerName};
use crate::ir::KeyId;
use crate::request::{InternedKey, Value};

/// Context lookup by key id, over either request shape.
pub(super) trait Ctx<'a> {
    fn value(&self, key: KeyId) -> Option<Value<'a>>;
}

/// A request context by name, resolved lazily: a key is looked up (case-insensitively, C-2)
/// only when a condition or variable needs it, and the answer is cached for the rest of the
/// decision. Most decisions touch a few keys of a dozen, so this beats resolving them all.
pub(super) struct NamedCtx<'a, 'c> {
    pub(super) entries: &'a [(&'a str, Value<'a>)],
    /// The set's folded key names → ids.
    pub(super) keys: &'c FxMap<Box<str>, KeyId>,
    /// Per key id: `generation << 32 | (index + 1)` once resolved in this decision.
    pub(super) cache: &'c [Cell<u64>],
    pub(super) generation: u64,
    /// Scans so far in this decision, or [`RESOLVED`] / [`SCAN_ONLY`].
    pub(super) state: Cell<u32>,
    /// Folded key names by id (for scans).
    pub(super) names: &'c [LowerName],
    /// Per key id: the byte lengths of non-ASCII names that could fold to it.
    pub(super) unicode: &'c [LengthRange],
}

pub(super) struct InternedCtx<'a>(pub(super) &'a [(InternedKey, Value<'a>)]);

impl NamedCtx<'_, '_> {
    /// Resolve every context name at once, on the first lookup that is not cached: fold the
    /// name (C-2, as the set's key table is folded) into a reused buffer and look it up in the
    /// key table. O(context entries) per decision, however many conditions read the context.
    /// A key has one entry at most: [`crate::Context::new`] refused a context with two names
    /// that fold alike (K-2).
    #[cold]
    fn resolve_all(&self) -> bool {
        // Names are folded into a stack buffer; a name too long for it (or one that folds
        // into more bytes) makes this decision keep scanning instead.
        let mut buf = [0u8; 256];
        for (i, (k, _)) in self.entries.iter().enumerate() {
            let mut n = 0;
            if k.is_ascii() {
                let Some(dst) = buf.get_mut(..k.len()) else {
                    return false;
                };
                dst.copy_from_slice(k.as_bytes());
                dst.make_ascii_lowercase();
                n = k.len();
            } else {
                let mut tmp = [0u8; 4];
                for c in fold_chars(k) {
                    let e = c.encode_utf8(&mut tmp).as_bytes();
                    let Some(dst) = buf.get_mut(n..n + e.len()) else {
                        return false;
                    };
                    dst.copy_from_slice(e);
                    n += e.len();
                }
            }
            let folded = buf.get(..n).and_then(|b| core::str::from_utf8(b).ok());
            if let Some(&id) = folded.and_then(|f| self.keys.get(f)) {
                if let Some(cell) = self.cache.get(id as usize) {
                    if cell.get() >> 32 != self.generation {
                        cell.set(self.generation << 32 | (i as u64 + 1));
                    }
                }
            }
        }
        true
    }
}

/// Uncached lookups answered by scanning before [`NamedCtx::resolve_all`] takes over: a scan
/// of a dozen names costs about a tenth of resolving them all (callgrind: ~200 against ~2,000
/// instructions), and most decisions read only a few keys; a decision that reads many (one
/// statement with 200 conditions) resolves once and then reads from the cache.
pub(super) const SCANS_BEFORE_RESOLVE: u32 = 8;
/// `NamedCtx::state`: every name resolved; an uncached key is absent.
pub(super) const RESOLVED: u32 = u32::MAX;
/// `NamedCtx::state`: some name could not be resolved in bulk; keep scanning.
pub(super) const SCAN_ONLY: u32 = u32::MAX - 1;

impl<'a> Ctx<'a> for NamedCtx<'a, '_> {
    /// A cached key costs a load and a compare in the caller; everything else is out of line.
    #[inline]
    fn value(&self, key: KeyId) -> Option<Value<'a>> {
        let cell = self.cache.get(key as usize)?;
        let c = cell.get();
        if c >> 32 != self.generation {
            return self.miss(key, cell);
        }
        self.entries
            .get(((c & 0xFFFF_FFFF) as usize).checked_sub(1)?)
            .map(|(_, v)| *v)
    }
}

impl<'a> NamedCtx<'a, '_> {
    /// A key not cached in this decision: scan for it, or resolve every name at once. The
    /// common case (one of the first scans) is kept lean here; everything else is in
    /// [`NamedCtx::miss_slow`].
    #[inline(never)]
    fn miss(&self, key: KeyId, cell: &Cell<u64>) -> Option<Value<'a>> {
        let state = self.state.get();
        if state == RESOLVED {
            return None;
        }
        if state < SCANS_BEFORE_RESOLVE {
            self.state.set(state + 1);
            return self.scan_into(key, cell);
        }
        self.miss_slow(key, cell)
    }

    /// [`NamedCtx::miss`] after the first scans: resolve every name at once, or keep scanning.
    #[cold]
    #[inline(never)]
    fn miss_slow(&self, key: KeyId, cell: &Cell<u64>) -> Option<Value<'a>> {
        if self.state.get() == SCAN_ONLY || !self.resolve_all() {
            self.state.set(SCAN_ONLY);
            return self.scan_into(key, cell);
        }
        self.state.set(RESOLVED);
        let c = cell.get();
        if c >> 32 != self.generation {
            return None;
        }
        self.entries
            .get(((c & 0xFFFF_FFFF) as usize).checked_sub(1)?)
            .map(|(_, v)| *v)
    }

    /// Scan for one key ([`NamedCtx::scan`]) and cache the answer for the decision.
    #[inline(always)]
    fn scan_into(&self, key: KeyId, cell: &Cell<u64>) -> Option<Value<'a>> {
        let i = self.scan(key);
        cell.set(self.generation << 32 | i.map_or(0, |i| i as u64 + 1));
        self.entries.get(i?).map(|(_, v)| *v)
    }

    /// The entry of one key, by scanning the names: its first ASCII spelling
    /// ([`NamedCtx::position_ascii`]), else its first non-ASCII one where one could reach it
    /// ([`NamedCtx::position_non_ascii`]); `None` when absent.
    #[inline(always)]
    fn scan(&self, key: KeyId) -> Option<usize> {
        self.position_ascii(self.names.get(key as usize)?)
            .or_else(|| self.position_non_ascii(key))
    }

    /// The first entry whose name is the folded key name `folded` up to ASCII case: lengths
    /// first, then the comparison, eight bytes at a time ([`LowerName::eq_ascii`]).
    #[inline(always)]
    fn position_ascii(&self, folded: &LowerName) -> Option<usize> {
        let n = folded.len();
        for (i, (k, _)) in self.entries.iter().enumerate() {
            if k.len() == n && folded.eq_ascii(k.as_bytes()) {
                return Some(i);
            }
        }
        None
    }

    /// The first non-ASCII entry whose name folds to the key (C-2). Only names of a length
    /// that could fold to it are read ([`crate::fold::non_ascii_lengths`]): an ASCII
    /// key's `k` spelt as a Kelvin sign makes its name two bytes longer, so the common miss of
    /// such a key (`kms:ViaService` absent) reads no name at all, and a key no non-ASCII name
    /// can reach is not scanned again.
    #[inline(always)]
    fn position_non_ascii(&self, key: KeyId) -> Option<usize> {
        let &(lo, hi) = self.unicode.get(key as usize)?;
        if lo > hi {
            return None;
        }
        self.fold_scan(key, lo, hi)
    }

    /// [`NamedCtx::position_non_ascii`]'s scan, out of line.
    #[cold]
    #[inline(never)]
    fn fold_scan(&self, key: KeyId, lo: usize, hi: usize) -> Option<usize> {
        let name = self.names.get(key as usize)?;
        self.entries.iter().position(|(k, _)| {
            (lo..=hi).contains(&k.len()) && !k.is_ascii() && fold_chars(k).eq(name.as_str().chars())
        })
    }
}

impl<'a> Ctx<'a> for InternedCtx<'a> {
    #[inline]
    fn value(&self, key: KeyId) -> Option<Value<'a>> {
        self.0.iter().find(|(k, _)| k.id == key).map(|(_, v)| *v)
    }
}
