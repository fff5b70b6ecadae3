//! A uniform bucket grid for finding the pairs of points within a reach.

/// Points bucketed on a square grid whose buckets are wider than the reach,
/// so two points with |dx| ≤ reach and |dy| ≤ reach lie in the same or
/// adjacent buckets. Only occupied buckets are stored (sorted keys), so the
/// memory is O(n) whatever the extent. Building is O(n log n).
pub(super) struct BucketIndex {
    /// Point ids sorted by bucket.
    order: Vec<u32>,
    /// Keys `(bx, by)` of the occupied buckets, sorted.
    keys: Vec<(i64, i64)>,
    /// Bucket `u` holds `order[starts[u]..starts[u + 1]]`.
    starts: Vec<usize>,
}

impl BucketIndex {
    /// Buckets `xs, ys` (finite, equal lengths, at most `u32::MAX` points) for `reach`.
    pub(super) fn new(xs: &[f64], ys: &[f64], reach: f64) -> Self {
        let (x0, y0, size) = bucket_geometry(xs, ys, reach);
        let key = |i: usize| (((xs[i] - x0) / size).floor() as i64, ((ys[i] - y0) / size).floor() as i64);
        let mut keyed: Vec<((i64, i64), u32)> = (0..xs.len()).map(|i| (key(i), i as u32)).collect();
        keyed.sort_unstable();
        let mut keys = Vec::new();
        let mut starts = Vec::new();
        for (pos, &(k, _)) in keyed.iter().enumerate() {
            if keys.last() != Some(&k) {
                keys.push(k);
                starts.push(pos);
            }
        }
        starts.push(keyed.len());
        let order = keyed.into_iter().map(|(_, i)| i).collect();
        Self { order, keys, starts }
    }

    /// The bucket of each point.
    pub(super) fn bucket_of_points(&self) -> Vec<u32> {
        let mut of = vec![0u32; self.order.len()];
        for u in 0..self.keys.len() {
            for &i in self.bucket(u) {
                of[i as usize] = u as u32;
            }
        }
        of
    }

    /// The number of points in each bucket.
    pub(super) fn bucket_sizes(&self) -> Vec<u32> {
        self.starts.windows(2).map(|w| (w[1] - w[0]) as u32).collect()
    }

    /// For each bucket, the occupied buckets of its 3 × 3 neighbourhood
    /// (itself included), as CSR: `ids[start[u]..start[u + 1]]`. O(buckets · log buckets).
    pub(super) fn neighbourhoods(&self) -> (Vec<u32>, Vec<u32>) {
        let mut start = Vec::with_capacity(self.keys.len() + 1);
        let mut ids = Vec::new();
        for &(bx, by) in &self.keys {
            start.push(ids.len() as u32);
            for nx in [bx - 1, bx, bx + 1] {
                let mut v = self.keys.partition_point(|&k| k < (nx, by - 1));
                while v < self.keys.len() && self.keys[v] <= (nx, by + 1) {
                    ids.push(v as u32);
                    v += 1;
                }
            }
        }
        start.push(ids.len() as u32);
        (start, ids)
    }

    fn bucket(&self, u: usize) -> &[u32] {
        &self.order[self.starts[u]..self.starts[u + 1]]
    }

    /// Calls `f(i, j)` once for every unordered pair of distinct points in the
    /// same or adjacent buckets: a superset of the pairs within the reach.
    /// O(n + candidate pairs + buckets · log buckets).
    pub(super) fn for_each_candidate_pair(&self, mut f: impl FnMut(u32, u32)) {
        for u in 0..self.keys.len() {
            let own = self.bucket(u);
            for (k, &i) in own.iter().enumerate() {
                for &j in &own[k + 1..] {
                    f(i, j);
                }
            }
            let (bx, by) = self.keys[u];
            // The forward half of the 8 neighbours: each adjacent pair of buckets once.
            for (nx, lo, hi) in [(bx, by + 1, by + 1), (bx + 1, by - 1, by + 1)] {
                let mut v = self.keys.partition_point(|&k| k < (nx, lo));
                while v < self.keys.len() && self.keys[v] <= (nx, hi) {
                    for &i in own {
                        for &j in self.bucket(v) {
                            f(i, j);
                        }
                    }
                    v += 1;
                }
            }
        }
    }
}

/// Origin and bucket size. The size exceeds the reach by a relative margin
/// far above the rounding error of `(x − x0) / size`, and is capped so that
/// there are at most about a million buckets along an axis.
fn bucket_geometry(xs: &[f64], ys: &[f64], reach: f64) -> (f64, f64, f64) {
    let (mut x0, mut x1, mut y0, mut y1) =
        (f64::INFINITY, f64::NEG_INFINITY, f64::INFINITY, f64::NEG_INFINITY);
    for (&x, &y) in xs.iter().zip(ys) {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    let extent = (x1 - x0).max(y1 - y0);
    let magnitude = x0.abs().max(x1.abs()).max(y0.abs()).max(y1.abs());
    let size = (reach * (1.0 + 1e-6)).max(extent * 1e-6).max(magnitude * 1e-9);
    let size = if size.is_finite() && size > 0.0 { size } else { 1.0 };
    (x0, y0, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_within_the_reach_is_a_candidate() {
        let xs: Vec<f64> = (0..200).map(|i| ((i * 37) % 101) as f64 * 3.7).collect();
        let ys: Vec<f64> = (0..200).map(|i| ((i * 53) % 97) as f64 * 2.9).collect();
        let reach = 25.0;
        let index = BucketIndex::new(&xs, &ys, reach);
        let mut seen = std::collections::HashSet::new();
        index.for_each_candidate_pair(|i, j| {
            assert_ne!(i, j);
            assert!(seen.insert((i.min(j), i.max(j))), "pair visited twice");
        });
        for i in 0..200 {
            for j in i + 1..200 {
                if (xs[i] - xs[j]).abs() <= reach && (ys[i] - ys[j]).abs() <= reach {
                    assert!(seen.contains(&(i as u32, j as u32)), "missed {i},{j}");
                }
            }
        }
        let (start, ids) = index.neighbourhoods();
        let of = index.bucket_of_points();
        let sizes = index.bucket_sizes();
        assert_eq!(sizes.iter().sum::<u32>(), 200);
        for &(i, j) in &seen {
            let (u, v) = (of[i as usize] as usize, of[j as usize]);
            assert!(
                ids[start[u] as usize..start[u + 1] as usize].contains(&v),
                "{i},{j} not in the neighbourhood"
            );
        }
        for u in 0..sizes.len() {
            assert!(ids[start[u] as usize..start[u + 1] as usize].contains(&(u as u32)));
        }
    }

    #[test]
    fn a_single_location_is_one_bucket() {
        let index = BucketIndex::new(&[5.0; 4], &[7.0; 4], 0.0);
        let mut n = 0;
        index.for_each_candidate_pair(|_, _| n += 1);
        assert_eq!(n, 6);
    }
}
