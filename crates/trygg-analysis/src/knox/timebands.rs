//! Equal right-open bands of a non-negative difference, and counting the
//! pairs of a sorted slice per band.
//!
//! A difference `v` falls in band `#{k : v ≥ edge_k}` (the last band is
//! open). Every route compares the same rounded differences `fl(b − a)` with
//! the same edges, so they agree exactly.

/// Equal bands given by their finite edges `w, 2w, …, K·w`.
#[derive(Debug, Clone)]
pub(super) struct BandEdges {
    width: f64,
    edges: Vec<f64>,
}

impl BandEdges {
    /// Edges of `count` bands of `width` (validated by the caller).
    pub(super) fn new(width: f64, count: usize) -> Self {
        Self { width, edges: (1..=count).map(|k| k as f64 * width).collect() }
    }

    /// The number of finite bands `K` (the open band is index `K`).
    pub(super) fn count(&self) -> usize {
        self.edges.len()
    }

    /// The largest finite edge, where the open band starts.
    pub(super) fn limit(&self) -> f64 {
        self.edges[self.edges.len() - 1]
    }

    /// The band of a non-negative difference `v`: `#{k : v ≥ edge_k}`. O(1) for
    /// few bands (branch-free comparisons), otherwise a division and a fix-up.
    #[inline]
    pub(super) fn band(&self, v: f64) -> usize {
        let k = self.edges.len();
        if k <= 8 {
            return self.edges.iter().map(|&e| usize::from(v >= e)).sum();
        }
        let mut b = ((v / self.width) as usize).min(k);
        while b > 0 && v < self.edges[b - 1] {
            b -= 1;
        }
        while b < k && v >= self.edges[b] {
            b += 1;
        }
        b
    }

    /// Adds to `row` (K + 1 bands) the pairs within the ascending slice `a`.
    ///
    /// One two-pointer pass counts the pairs closer than the last edge (the
    /// rest are open-band); those are then either classified one by one or,
    /// when there are many, counted per edge with more passes.
    /// O(|a| + min(close pairs, |a| · K)).
    pub(super) fn add_within(&self, a: &[f64], row: &mut [u64]) {
        let n = a.len() as u64;
        let inside = count_within_below(a, self.limit());
        row[self.count()] += n * n.saturating_sub(1) / 2 - inside;
        if inside == 0 {
        } else if inside <= self.classify_budget(a.len()) {
            let limit = self.limit();
            let mut lo = 0;
            for (j, &y) in a.iter().enumerate() {
                while y - a[lo] >= limit {
                    lo += 1;
                }
                for &x in &a[lo..j] {
                    row[self.band(y - x)] += 1;
                }
            }
        } else {
            self.add_cumulative(inside, |e| count_within_below(a, e), row);
        }
    }

    /// How many close pairs are cheaper to classify one by one than to count
    /// with one pass per edge over `len` values.
    fn classify_budget(&self, len: usize) -> u64 {
        (2 * len * self.count()) as u64
    }

    /// Adds the finite bands from the cumulative counts `below(edge_k)`;
    /// `inside` is the count below the last edge.
    fn add_cumulative(&self, inside: u64, below: impl Fn(f64) -> u64, row: &mut [u64]) {
        let last = self.count() - 1;
        let mut prev = 0;
        for (m, &e) in self.edges[..last].iter().enumerate() {
            let c = below(e);
            row[m] += c - prev;
            prev = c;
        }
        row[last] += inside - prev;
    }
}

/// Something that maps a non-negative difference to its band.
pub(super) trait Banding {
    /// `#{k : v ≥ edge_k}`.
    fn band_of(&self, v: f64) -> usize;
}

impl Banding for BandEdges {
    #[inline]
    fn band_of(&self, v: f64) -> usize {
        self.band(v)
    }
}

/// Up to `N` edges, padded with +∞: a fixed, branch-free count of
/// comparisons that the compiler unrolls (the hot loop of the near-repeat sweep).
#[derive(Debug, Clone, Copy)]
pub(super) struct FewEdges<const N: usize>([f64; N]);

impl<const N: usize> FewEdges<N> {
    /// The edges of `bands`, or `None` if it has more than `N`.
    pub(super) fn new(bands: &BandEdges) -> Option<Self> {
        let mut edges = [f64::INFINITY; N];
        edges.get_mut(..bands.edges.len())?.copy_from_slice(&bands.edges);
        Some(Self(edges))
    }
}

impl<const N: usize> Banding for FewEdges<N> {
    #[inline]
    fn band_of(&self, v: f64) -> usize {
        self.0.iter().map(|&e| usize::from(v >= e)).sum()
    }
}

/// Pairs `i < j` of the ascending slice `a` with `fl(a[j] − a[i]) < e`.
fn count_within_below(a: &[f64], e: f64) -> u64 {
    let mut lo = 0;
    let mut total = 0u64;
    for (j, &y) in a.iter().enumerate() {
        while y - a[lo] >= e {
            lo += 1;
        }
        total += (j - lo) as u64;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_within(edges: &BandEdges, a: &[f64]) -> Vec<u64> {
        let mut row = vec![0; edges.count() + 1];
        for i in 0..a.len() {
            for j in i + 1..a.len() {
                row[edges.band((a[i] - a[j]).abs())] += 1;
            }
        }
        row
    }

    #[test]
    fn bands_are_right_open() {
        let e = BandEdges::new(7.0, 3);
        assert_eq!(
            [0.0, 6.999, 7.0, 13.9, 14.0, 20.99, 21.0, 1e9].map(|v| e.band(v)),
            [0, 0, 1, 1, 2, 2, 3, 3]
        );
        let e = BandEdges::new(0.1, 3);
        assert_eq!(e.band(0.30000000000000004), 3, "3 × 0.1 is the edge, as computed");
        assert_eq!(e.band(0.3), 2);
    }

    #[test]
    fn sorted_counting_matches_pair_by_pair() {
        let e = BandEdges::new(2.5, 4);
        // Dense values take the per-edge route, sparse ones the one-by-one route.
        for scale in [0.25, 3.1] {
            let mut a: Vec<f64> = (0..300).map(|i| ((i * 7919) % 113) as f64 * scale).collect();
            a.sort_by(f64::total_cmp);
            let mut row = vec![0; 5];
            e.add_within(&a, &mut row);
            assert_eq!(row, brute_within(&e, &a), "scale {scale}");
        }
    }

    #[test]
    fn few_edges_agree_with_the_general_route() {
        let e = BandEdges::new(7.0, 3);
        let (f4, f8) = (FewEdges::<4>::new(&e).unwrap(), FewEdges::<8>::new(&e).unwrap());
        for v in [0.0, 6.9, 7.0, 20.0, 21.0, 1e300] {
            assert_eq!(f4.band_of(v), e.band_of(v));
            assert_eq!(f8.band_of(v), e.band_of(v));
        }
        assert!(FewEdges::<8>::new(&BandEdges::new(1.0, 9)).is_none());
        assert!(FewEdges::<4>::new(&BandEdges::new(1.0, 5)).is_none());
    }

    #[test]
    fn many_bands_use_the_division_route() {
        let e = BandEdges::new(0.1, 50);
        for i in 0..2000 {
            let v = i as f64 * 0.0037;
            assert_eq!(e.band(v), e.edges.iter().filter(|&&x| v >= x).count(), "{v}");
        }
    }
}
