//! The one deterministic RNG of the tests (splitmix64): seeded, so a failing sample is
//! reproduced by its seed, and free of dependencies, so the fuzz targets and benches can share
//! it. Not for anything that needs unpredictability.

/// splitmix64 (Steele, Lea and Flood): one 64-bit state, full period, good enough mixing for
/// picking test inputs.
#[derive(Clone, Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }

    /// A number in `lo..=hi` (`lo` when `hi < lo`).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo).saturating_add(1))
    }

    /// True with probability `pct` percent.
    pub fn pct(&mut self, pct: u64) -> bool {
        self.next_u64() % 100 < pct
    }

    /// One element of a non-empty slice.
    ///
    /// # Panics
    /// When `s` is empty (a bug of the caller's pool).
    pub fn pick<'a, T>(&mut self, s: &'a [T]) -> &'a T {
        let i = self.below(s.len());
        #[allow(clippy::panic)]
        s.get(i)
            .unwrap_or_else(|| panic!("Rng::pick from an empty pool"))
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn same_seed_same_sequence_and_bounds_hold() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        for _ in 0..1000 {
            let (x, y) = (a.range(3, 9), b.range(3, 9));
            assert_eq!(x, y);
            assert!((3..=9).contains(&x));
        }
        assert_ne!(Rng(1).next_u64(), Rng(2).next_u64());
        assert_eq!(Rng(5).below(0), 0);
    }
}
