//! Seeded, reproducible random numbers for permutation tests.
//!
//! The generator is Xoshiro256++ seeded through SplitMix64 (`seed_from_u64`),
//! and the shuffling and sampling are written here, so the same seed gives
//! the same permutations on every platform and with every version of the
//! `rand` crates.

use rand_core::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// A reproducible random source.
pub struct SeededRng(Xoshiro256PlusPlus);

impl SeededRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// A uniform integer in `0..n` (unbiased, by rejection). `n` must be > 0.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.0.next_u64();
            if v < zone {
                return (v % n) as usize;
            }
        }
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// Draws `k` distinct indices from `0..n` into `out` (partial Fisher–Yates
    /// over the scratch buffer `pool`, which must hold `0..n` in any order).
    pub fn sample_into(&mut self, pool: &mut [usize], k: usize, out: &mut Vec<usize>) {
        out.clear();
        let n = pool.len();
        for i in 0..k.min(n) {
            let j = i + self.below(n - i);
            pool.swap(i, j);
            out.push(pool[i]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_stream() {
        let (mut a, mut b) = (SeededRng::new(42), SeededRng::new(42));
        let xs: Vec<usize> = (0..100).map(|_| a.below(1000)).collect();
        let ys: Vec<usize> = (0..100).map(|_| b.below(1000)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|&x| x < 1000));
        let mut v: Vec<usize> = (0..50).collect();
        SeededRng::new(7).shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }

    #[test]
    fn samples_are_distinct() {
        let mut rng = SeededRng::new(1);
        let mut pool: Vec<usize> = (0..20).collect();
        let mut out = Vec::new();
        rng.sample_into(&mut pool, 8, &mut out);
        let mut s = out.clone();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 8);
    }
}
