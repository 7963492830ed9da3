//! Small deterministic generators for the runtime's randomised unit tests: the same inputs on
//! every run, no dependency.

/// A linear congruential step, the high bits taken.
pub(crate) struct Lcg(u64);

impl Lcg {
    pub(crate) fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    /// A number below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize % n
    }
}

/// Xorshift (13, 7, 17), the build tests' generator: `Xorshift(seed)`.
pub(crate) struct Xorshift(pub u64);

impl Xorshift {
    /// A number below `n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }

    /// A text of up to `max` bytes of `alphabet`.
    pub(crate) fn text(&mut self, alphabet: &[u8], max: usize) -> String {
        let n = self.below(max + 1);
        (0..n)
            .map(|_| {
                char::from(
                    alphabet
                        .get(self.below(alphabet.len()))
                        .copied()
                        .unwrap_or(b'a'),
                )
            })
            .collect()
    }
}
