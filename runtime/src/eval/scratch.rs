//! [`Scratch`]: the caller-owned, per-thread buffers a decision works in, so a warm
//! evaluation allocates nothing. Entries are stamped with a decision counter (the generation)
//! instead of being cleared per decision.

use core::cell::Cell;

use crate::compiled::Inner;
use crate::ids::StmtId;
use crate::tokens::TokenBuf;

/// Reusable per-thread buffers for [`crate::PolicySet::evaluate`].
#[derive(Clone, Debug, Default)]
pub struct Scratch {
    pub(super) cands: Vec<StmtId>,
    pub(super) excluded: Vec<StmtId>,
    pub(super) action: Vec<u8>,
    /// Lazy context resolution cache, one cell per key id (see `NamedCtx`).
    pub(super) cache: Vec<Cell<u64>>,
    /// Counts decisions, in 32 bits (see [`Scratch::begin`]): the stamp of `cache` and
    /// `scp_ok` entries that belong to the current decision.
    pub(super) generation: u64,
    /// Per SCP level: the generation of the last decision an Allow of it applied in (no
    /// clearing per decision).
    pub(super) scp_ok: Vec<u64>,
    pub(super) fields: [TokenBuf; 6],
    /// Three-valued path (E-21): the truth value of each candidate Allow.
    pub(super) truth: Vec<u8>,
}

impl Scratch {
    pub(crate) fn new(nkeys: usize, scp_levels: usize) -> Scratch {
        Scratch {
            cache: vec![Cell::new(0); nkeys],
            scp_ok: vec![0; scp_levels],
            ..Scratch::default()
        }
    }

    /// Start a decision for `inner`: size the scratch when it was made for another set (or
    /// is a `Scratch::default()`: a cache shorter than the set's keys would read present keys
    /// as absent, an SCP table of the wrong length would misjudge E-8; allocates only then),
    /// and move to the next generation, whose entries no earlier decision wrote.
    #[inline(always)]
    pub(super) fn begin(&mut self, inner: &Inner) -> u64 {
        if self.cache.len() < inner.key_names.len()
            || self.scp_ok.len() != inner.scp_levels as usize
        {
            self.refit(inner);
        }
        self.generation = self.generation.wrapping_add(1) & 0xFFFF_FFFF;
        if self.generation == 0 {
            // Wrapped: old entries could look current.
            self.cache.iter().for_each(|c| c.set(0));
            self.scp_ok.iter_mut().for_each(|x| *x = 0);
            self.generation = 1;
        }
        self.generation
    }

    /// [`Scratch::begin`]'s sizing, when it must change something. Zeroed entries never
    /// look current: generations start at 1.
    #[cold]
    #[inline(never)]
    fn refit(&mut self, inner: &Inner) {
        if self.cache.len() < inner.key_names.len() {
            self.cache.resize(inner.key_names.len(), Cell::new(0));
        }
        if self.scp_ok.len() != inner.scp_levels as usize {
            self.scp_ok = vec![0; inner.scp_levels as usize];
        }
    }
}
