//! Performance hints to the CPU and the operating system: the workspace's only `unsafe` code,
//! kept here so that every other library crate can `#![forbid(unsafe_code)]`.
//!
//! A hint changes how fast memory is reached, never what it holds: each function is correct
//! to call with any argument, and does nothing on targets it has no hint for. Two are needed,
//! both by the audit's table of event ids (`iamc_audit::decide::Seen`): tens of MiB read at
//! random, once per CloudTrail record, far larger than the caches and the TLB.
//!
//! - [`prefetch`]: start loading a cache line the caller will read a little later.
//! - [`ZeroedAtomics`]: a table of zeroed `AtomicU64`s straight from the OS (Linux `mmap`),
//!   aligned to 2 MiB and advised to use huge pages (`MADV_HUGEPAGE`), so a random read walks
//!   no page table: with 4 KiB pages nearly every probe of a 32 MiB table also missed the TLB,
//!   and in a virtual machine that walk is the slowest part of the probe. Nothing is written
//!   to create it: its pages are faulted in by the threads that use it, as they use it, rather
//!   than zeroed twice (kernel, then `vec!`) by one thread before any work starts (~35 ms for
//!   32 MiB on this project's 2-core VM).
//!
//! Why not a crate from crates.io: the standard library's prefetch is unstable, and the
//! crates that wrap `mmap`/`madvise` (memmap2, rustix, nix) hand out bytes (the table would
//! still need an unsafe cast from bytes to atomics) or are `unsafe` to call as well.

#![deny(unsafe_code)]
#![warn(missing_docs)]

use std::sync::atomic::AtomicU64;

/// Ask the CPU to start loading the cache line that holds `p` into all cache levels, without
/// waiting for it.
#[inline]
pub fn prefetch<T>(p: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: `_mm_prefetch` is a hint: it never faults and has no architectural effect,
    // whatever the address (here a valid reference); SSE is part of the x86_64 baseline.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            std::ptr::from_ref(p).cast(),
        );
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Huge pages are 2 MiB on x86_64 and aarch64 Linux (the sizes this alignment serves).
const HUGE: usize = 2 << 20;

/// `len` zeroed `AtomicU64`s, from the OS where it can (see the module docs): the table
/// derefs to `[AtomicU64]`. Falls back to a plain vector when the mapping fails or off Linux.
pub struct ZeroedAtomics {
    inner: Inner,
}

enum Inner {
    /// Memory of our own `mmap`: `base..base + total` is the mapping, `table` the aligned
    /// `len` atomics inside it.
    #[cfg(target_os = "linux")]
    Mapped {
        base: std::ptr::NonNull<libc::c_void>,
        total: usize,
        table: std::ptr::NonNull<AtomicU64>,
        len: usize,
    },
    Owned(Box<[AtomicU64]>),
}

// SAFETY: the mapping is owned by the value (as a `Box<[AtomicU64]>` would be) and only read
// through `&[AtomicU64]`, which is `Send` and `Sync`.
#[allow(unsafe_code)]
unsafe impl Send for ZeroedAtomics {}
// SAFETY: as above.
#[allow(unsafe_code)]
unsafe impl Sync for ZeroedAtomics {}

impl ZeroedAtomics {
    /// `len` atomics, all zero.
    pub fn new(len: usize) -> ZeroedAtomics {
        #[cfg(target_os = "linux")]
        if let Some(inner) = Self::map(len) {
            return ZeroedAtomics { inner };
        }
        ZeroedAtomics {
            inner: Inner::Owned((0..len).map(|_| AtomicU64::new(0)).collect()),
        }
    }

    /// Whether the table is memory of its own mapping (else a plain allocation).
    pub fn is_mapped(&self) -> bool {
        !matches!(self.inner, Inner::Owned(_))
    }

    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    fn map(len: usize) -> Option<Inner> {
        let bytes = len.checked_mul(std::mem::size_of::<AtomicU64>())?;
        if bytes < HUGE {
            return None;
        }
        let rounded = bytes.checked_next_multiple_of(HUGE)?;
        let total = rounded.checked_add(HUGE)?;
        // SAFETY: a fresh private anonymous mapping: no address is given, so no existing
        // memory is affected; the kernel returns zeroed pages, faulted in on first touch.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                total,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return None;
        }
        let base = std::ptr::NonNull::new(base)?;
        let offset = (base.as_ptr() as usize).next_multiple_of(HUGE) - base.as_ptr() as usize;
        // SAFETY: `offset < HUGE` and `offset + rounded <= total`: the pointer stays inside the
        // mapping. Zeroed memory is a valid `AtomicU64` (same layout as `u64`), and the
        // mapping is page-aligned, so 8-aligned.
        let table = unsafe { base.as_ptr().cast::<u8>().add(offset) };
        // SAFETY: advice on whole pages of our own mapping; it changes no contents.
        unsafe {
            libc::madvise(table.cast(), rounded, libc::MADV_HUGEPAGE);
        }
        Some(Inner::Mapped {
            base,
            total,
            table: std::ptr::NonNull::new(table.cast::<AtomicU64>())?,
            len,
        })
    }
}

impl std::ops::Deref for ZeroedAtomics {
    type Target = [AtomicU64];

    #[allow(unsafe_code)]
    fn deref(&self) -> &[AtomicU64] {
        match &self.inner {
            #[cfg(target_os = "linux")]
            // SAFETY: `table` points at `len` zero-initialised atomics inside the mapping this
            // value owns until it is dropped; only shared references are ever made.
            Inner::Mapped { table, len, .. } => unsafe {
                std::slice::from_raw_parts(table.as_ptr(), *len)
            },
            Inner::Owned(b) => b,
        }
    }
}

impl Drop for ZeroedAtomics {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        #[cfg(target_os = "linux")]
        if let Inner::Mapped { base, total, .. } = self.inner {
            // SAFETY: the mapping `mmap` gave `map`, unmapped once; no reference into it
            // outlives `self`.
            unsafe {
                libc::munmap(base.as_ptr(), total);
            }
        }
    }
}

impl std::fmt::Debug for ZeroedAtomics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZeroedAtomics")
            .field("len", &self.len())
            .field("mapped", &self.is_mapped())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefetch_is_only_a_hint() {
        let v = [1u8, 2, 3];
        prefetch(&v);
        prefetch(&v[2]);
        assert_eq!(v, [1, 2, 3]);
    }

    #[test]
    fn zeroed_atomics_are_zero_and_writable() {
        use std::sync::atomic::Ordering::Relaxed;
        for len in [0, 1, 1000, (2 << 20) / 8, 3 << 20] {
            let t = ZeroedAtomics::new(len);
            assert_eq!(t.len(), len);
            assert!(t.iter().all(|a| a.load(Relaxed) == 0));
            if len > 1 {
                t[0].store(1, Relaxed);
                t[len - 1].store(2, Relaxed);
                assert_eq!((t[0].load(Relaxed), t[len - 1].load(Relaxed)), (1, 2));
                assert!(t[1..len - 1].iter().all(|a| a.load(Relaxed) == 0));
            }
            // Large tables come from the OS on Linux, aligned for huge pages.
            if cfg!(target_os = "linux") && len * 8 >= 2 << 20 {
                assert!(t.is_mapped(), "{t:?}");
                assert_eq!(t.as_ptr() as usize % (2 << 20), 0);
            } else {
                assert!(!t.is_mapped());
            }
        }
    }

    #[test]
    fn zeroed_atomics_are_shared_between_threads() {
        use std::sync::atomic::Ordering::Relaxed;
        let t = ZeroedAtomics::new(1 << 19);
        std::thread::scope(|s| {
            for k in 0..2u64 {
                let t = &t;
                s.spawn(move || {
                    for i in (k as usize..t.len()).step_by(2) {
                        t[i].store(k + 1, Relaxed);
                    }
                });
            }
        });
        assert!(t
            .iter()
            .enumerate()
            .all(|(i, a)| a.load(Relaxed) == (i % 2) as u64 + 1));
    }
}
