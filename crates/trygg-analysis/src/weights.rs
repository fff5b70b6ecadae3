//! Sparse spatial weights in CSR layout: contiguity (queen, rook) and
//! distance bands on grids, distance bands on arbitrary points, and weights
//! from explicit neighbour lists.
//!
//! A [`Weights`] holds, for each observation `i`, its neighbours in
//! ascending id order (`neighbors(i)`) and, unless the weights are binary,
//! one positive weight per neighbour. There is never a self-weight: the
//! statistics that need one (Gi*) add it themselves. The layout is CSR
//! (`offsets`, `neighbor_ids`, optional `values`), so a spatial lag is one
//! pass over flat arrays.
//!
//! Semantics follow libpysal: [`Weights::queen`] is `lat2W(rows, cols,
//! rook=False)`, [`Weights::rook`] is `lat2W(rows, cols)`, and
//! [`Weights::distance_band`] is `DistanceBand(centres, threshold,
//! binary=True)` (a pair iff the squared centre distance is at most
//! `threshold²`), with `id = row * cols + col` as in [`Grid`].

use crate::grid::Grid;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// The largest number of (directed) neighbour pairs we will materialise.
pub const MAX_NEIGHBOR_PAIRS: usize = 500_000_000;

/// Why weights cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WeightsError {
    /// There are no observations.
    #[error("no observations to build weights for")]
    Empty,
    /// The distance threshold is negative, NaN or infinite.
    #[error("distance threshold {0} must be a finite, non-negative number of metres")]
    Threshold(f64),
    /// A coordinate is NaN or infinite.
    #[error("coordinate of point {0} is not finite")]
    Coordinate(usize),
    /// The x and y slices differ in length.
    #[error("{xs} x coordinates but {ys} y coordinates")]
    LengthMismatch {
        /// Number of x values.
        xs: usize,
        /// Number of y values.
        ys: usize,
    },
    /// A neighbour id is not an observation.
    #[error("observation {i} lists neighbour {j}, but there are only {n} observations")]
    OutOfRange {
        /// The observation whose list is wrong.
        i: usize,
        /// The offending neighbour id.
        j: usize,
        /// Number of observations.
        n: usize,
    },
    /// An observation lists itself.
    #[error("observation {0} lists itself as a neighbour")]
    SelfNeighbor(usize),
    /// An observation lists the same neighbour twice.
    #[error("observation {i} lists neighbour {j} more than once")]
    Duplicate {
        /// The observation whose list is wrong.
        i: usize,
        /// The repeated neighbour.
        j: usize,
    },
    /// A weight is zero, negative, NaN or infinite.
    #[error("weight {w} from {i} to {j} must be positive and finite")]
    Weight {
        /// The observation.
        i: usize,
        /// The neighbour.
        j: usize,
        /// The offending weight.
        w: f64,
    },
    /// Values given for a different number of observations.
    #[error("{values} values for weights on {n} observations")]
    ValuesLength {
        /// Number of values.
        values: usize,
        /// Number of observations.
        n: usize,
    },
    /// Too many observations for 32-bit neighbour ids.
    #[error("{0} observations is more than the 4,294,967,295 supported")]
    TooLarge(usize),
    /// The band gives more neighbour pairs than [`MAX_NEIGHBOR_PAIRS`].
    #[error("{0} neighbour pairs is more than the limit of 500 million; use a smaller distance")]
    TooManyPairs(usize),
}

/// Sparse spatial weights (CSR). Row `i` lists `i`'s neighbours in
/// ascending order; `values` is `None` for binary (all-one) weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    offsets: Vec<usize>,
    neighbors: Vec<u32>,
    values: Option<Vec<f64>>,
}

/// The sums `S0 = Σ w_ij`, `S1 = ½ Σ (w_ij + w_ji)²` and
/// `S2 = Σ_i (w_i. + w_.i)²` used by the global statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightSums {
    /// Sum of all weights.
    pub s0: f64,
    /// Half the sum of squared symmetrised weights.
    pub s1: f64,
    /// Sum over observations of (row sum + column sum)².
    pub s2: f64,
}

impl Weights {
    /// Queen contiguity on `grid` (up to 8 neighbours), libpysal
    /// `lat2W(rows, cols, rook=False)`. O(cells).
    pub fn queen(grid: &Grid) -> Self {
        let offsets = [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)];
        Self::from_offsets(grid, &offsets)
    }

    /// Rook contiguity on `grid` (up to 4 neighbours), libpysal
    /// `lat2W(rows, cols, rook=True)`. O(cells).
    pub fn rook(grid: &Grid) -> Self {
        Self::from_offsets(grid, &[(-1, 0), (0, -1), (0, 1), (1, 0)])
    }

    /// Binary distance band on the cell centres of `grid`: cells are
    /// neighbours iff `(Δcol·cell)² + (Δrow·cell)² ≤ threshold²`.
    /// O(cells × neighbours); refuses bands with more than
    /// [`MAX_NEIGHBOR_PAIRS`] pairs before allocating them.
    pub fn distance_band(grid: &Grid, threshold: f64) -> Result<Self, WeightsError> {
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(WeightsError::Threshold(threshold));
        }
        let (rows, cols) = (grid.rows() as i64, grid.cols() as i64);
        let cell = grid.cell_size();
        let t2 = threshold * threshold;
        let within = |dr: i64, dc: i64| {
            let (dy, dx) = (dr as f64 * cell, dc as f64 * cell);
            dx * dx + dy * dy <= t2
        };
        let reach = (threshold / cell).floor().min(1e15) as i64 + 1;
        let max_dr = reach.min(rows - 1);
        let mut half_widths = Vec::new();
        let mut pairs = 0usize;
        for dr in -max_dr..=max_dr {
            let rem = (t2 - (dr as f64 * cell).powi(2)).max(0.0);
            let mut w = ((rem.sqrt() / cell).floor().min(1e15) as i64 + 1).min(cols - 1);
            while w >= 0 && !within(dr, w) {
                w -= 1;
            }
            if w < 0 {
                continue;
            }
            half_widths.push((dr, w));
            // Σ_{dc=-w..w} (cols - |dc|) cells have the offset inside the grid.
            let per_row = cols + 2 * (w * cols - w * (w + 1) / 2);
            let self_pair = if dr == 0 { rows * cols } else { 0 };
            pairs += ((rows - dr.abs()) * per_row - self_pair) as usize;
            if pairs > MAX_NEIGHBOR_PAIRS {
                return Err(WeightsError::TooManyPairs(pairs));
            }
        }
        let offsets: Vec<(i64, i64)> = half_widths
            .iter()
            .flat_map(|&(dr, w)| (-w..=w).map(move |dc| (dr, dc)))
            .filter(|&o| o != (0, 0))
            .collect();
        Ok(Self::from_offsets(grid, &offsets))
    }

    /// Builds lattice weights from (Δrow, Δcol) offsets sorted
    /// lexicographically, so every row comes out in ascending id order.
    fn from_offsets(grid: &Grid, offsets: &[(i64, i64)]) -> Self {
        let (rows, cols) = (grid.rows() as i64, grid.cols() as i64);
        let pairs: i64 =
            offsets.iter().map(|&(dr, dc)| (rows - dr.abs()).max(0) * (cols - dc.abs()).max(0)).sum();
        let reach = offsets.iter().map(|&(_, dc)| dc.abs()).max().unwrap_or(0);
        let mut row_starts = Vec::with_capacity(grid.len() + 1);
        let mut neighbors = Vec::with_capacity(pairs as usize);
        row_starts.push(0);
        // (id offset, column offset) of the offsets whose row is inside the grid.
        let mut valid: Vec<(i64, i64)> = Vec::with_capacity(offsets.len());
        for r in 0..rows {
            valid.clear();
            valid.extend(
                offsets
                    .iter()
                    .filter(|&&(dr, _)| (0..rows).contains(&(r + dr)))
                    .map(|&(dr, dc)| (dr * cols + dc, dc)),
            );
            for c in 0..cols {
                let id = r * cols + c;
                if c >= reach && c < cols - reach {
                    neighbors.extend(valid.iter().map(|&(delta, _)| (id + delta) as u32));
                } else {
                    let inside = valid.iter().filter(|&&(_, dc)| (0..cols).contains(&(c + dc)));
                    neighbors.extend(inside.map(|&(delta, _)| (id + delta) as u32));
                }
                row_starts.push(neighbors.len());
            }
        }
        Self { offsets: row_starts, neighbors, values: None }
    }

    /// Binary distance band on arbitrary points: `i` and `j ≠ i` are
    /// neighbours iff their squared distance is at most `threshold²`
    /// (coincident points are neighbours). Uses an R-tree: O(n log n + pairs).
    pub fn distance_band_points(xs: &[f64], ys: &[f64], threshold: f64) -> Result<Self, WeightsError> {
        if xs.len() != ys.len() {
            return Err(WeightsError::LengthMismatch { xs: xs.len(), ys: ys.len() });
        }
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(WeightsError::Threshold(threshold));
        }
        check_count(xs.len())?;
        if let Some(i) = (0..xs.len()).find(|&i| !(xs[i].is_finite() && ys[i].is_finite())) {
            return Err(WeightsError::Coordinate(i));
        }
        let points = (0..xs.len()).map(|i| GeomWithData::new([xs[i], ys[i]], i)).collect();
        let tree: RTree<GeomWithData<[f64; 2], usize>> = RTree::bulk_load(points);
        let mut lists: Vec<Vec<usize>> = Vec::with_capacity(xs.len());
        let mut pairs = 0usize;
        for i in 0..xs.len() {
            let mut row: Vec<usize> = tree
                .locate_within_distance([xs[i], ys[i]], threshold * threshold)
                .map(|p| p.data)
                .filter(|&j| j != i)
                .collect();
            row.sort_unstable();
            pairs += row.len();
            if pairs > MAX_NEIGHBOR_PAIRS {
                return Err(WeightsError::TooManyPairs(pairs));
            }
            lists.push(row);
        }
        Self::from_neighbors(&lists)
    }

    /// Binary weights from neighbour lists (as in a `.gal` file); each list
    /// may be in any order. Refuses self-neighbours, repeats and ids out of
    /// range. O(pairs · log(cardinality)).
    pub fn from_neighbors(lists: &[Vec<usize>]) -> Result<Self, WeightsError> {
        check_count(lists.len())?;
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        let mut neighbors = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        offsets.push(0);
        for (i, list) in lists.iter().enumerate() {
            let start = neighbors.len();
            for &j in list {
                check_neighbor(i, j, lists.len())?;
                neighbors.push(j as u32);
            }
            let row = &mut neighbors[start..];
            row.sort_unstable();
            if let Some(pair) = row.windows(2).find(|p| p[0] == p[1]) {
                return Err(WeightsError::Duplicate { i, j: pair[0] as usize });
            }
            offsets.push(neighbors.len());
        }
        Ok(Self { offsets, neighbors, values: None })
    }

    /// General weights from `(neighbour, weight)` lists; weights must be
    /// positive and finite. O(pairs · log(cardinality)).
    pub fn from_weighted_neighbors(lists: &[Vec<(usize, f64)>]) -> Result<Self, WeightsError> {
        check_count(lists.len())?;
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        let mut neighbors = Vec::new();
        let mut values = Vec::new();
        offsets.push(0);
        let mut row: Vec<(usize, f64)> = Vec::new();
        for (i, list) in lists.iter().enumerate() {
            row.clear();
            for &(j, w) in list {
                check_neighbor(i, j, lists.len())?;
                if !(w.is_finite() && w > 0.0) {
                    return Err(WeightsError::Weight { i, j, w });
                }
                row.push((j, w));
            }
            row.sort_unstable_by_key(|&(j, _)| j);
            if let Some(pair) = row.windows(2).find(|p| p[0].0 == p[1].0) {
                return Err(WeightsError::Duplicate { i, j: pair[0].0 });
            }
            neighbors.extend(row.iter().map(|&(j, _)| j as u32));
            values.extend(row.iter().map(|&(_, w)| w));
            offsets.push(neighbors.len());
        }
        Ok(Self { offsets, neighbors, values: Some(values) })
    }

    /// Number of observations.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// True when there are no observations (never for built weights).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The neighbours of `i`, ascending.
    pub fn neighbors(&self, i: usize) -> &[u32] {
        &self.neighbors[self.offsets[i]..self.offsets[i + 1]]
    }

    /// The weights of `i`'s neighbours (in the order of [`Self::neighbors`]),
    /// or `None` when the weights are binary (all one).
    pub fn row_values(&self, i: usize) -> Option<&[f64]> {
        self.values.as_ref().map(|v| &v[self.offsets[i]..self.offsets[i + 1]])
    }

    /// `(neighbour, weight)` pairs of row `i`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let ids = self.neighbors(i);
        let vals = self.row_values(i);
        ids.iter().enumerate().map(move |(m, &j)| (j as usize, vals.map_or(1.0, |v| v[m])))
    }

    /// Number of neighbours of `i`.
    pub fn cardinality(&self, i: usize) -> usize {
        self.offsets[i + 1] - self.offsets[i]
    }

    /// The largest number of neighbours of any observation.
    pub fn max_cardinality(&self) -> usize {
        self.offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
    }

    /// CSR row offsets (`len() + 1` entries).
    pub fn offsets(&self) -> &[usize] {
        &self.offsets
    }

    /// CSR neighbour ids, row after row.
    pub fn neighbor_ids(&self) -> &[u32] {
        &self.neighbors
    }

    /// CSR weights, or `None` for binary weights.
    pub fn values(&self) -> Option<&[f64]> {
        self.values.as_deref()
    }

    /// True when every weight is one.
    pub fn is_binary(&self) -> bool {
        self.values.as_ref().is_none_or(|v| v.iter().all(|&w| w == 1.0))
    }

    /// The weight every neighbour of `i` has, if they are all equal (always
    /// for binary and row-standardised weights; `Some(1.0)` for islands).
    pub fn constant_row_weight(&self, i: usize) -> Option<f64> {
        match self.row_values(i) {
            None => Some(1.0),
            Some([]) => Some(1.0),
            Some(v) => v.iter().all(|&w| w == v[0]).then_some(v[0]),
        }
    }

    /// Sum of the weights of row `i`.
    pub fn row_sum(&self, i: usize) -> f64 {
        self.row_values(i).map_or(self.cardinality(i) as f64, |v| v.iter().sum())
    }

    /// Number of observations without neighbours.
    pub fn islands(&self) -> usize {
        self.offsets.windows(2).filter(|w| w[0] == w[1]).count()
    }

    /// The same neighbours with every weight one (libpysal transform "B").
    pub fn binary(&self) -> Self {
        Self { offsets: self.offsets.clone(), neighbors: self.neighbors.clone(), values: None }
    }

    /// Row-standardised weights (libpysal transform "R"): each row divided by
    /// its sum. Islands stay empty. O(pairs).
    pub fn row_standardized(&self) -> Self {
        let mut values = Vec::with_capacity(self.neighbors.len());
        for i in 0..self.len() {
            let sum = self.row_sum(i);
            values.extend(self.row(i).map(|(_, w)| w / sum));
        }
        Self { offsets: self.offsets.clone(), neighbors: self.neighbors.clone(), values: Some(values) }
    }

    /// The spatial lag `Σ_j w_ij y_j` of every observation, summed in
    /// neighbour order. O(pairs).
    pub fn lag(&self, y: &[f64]) -> Result<Vec<f64>, WeightsError> {
        if y.len() != self.len() {
            return Err(WeightsError::ValuesLength { values: y.len(), n: self.len() });
        }
        Ok(self.lag_of(y))
    }

    /// [`Self::lag`] for a `y` already known to have `len()` values.
    pub(crate) fn lag_of(&self, y: &[f64]) -> Vec<f64> {
        (0..self.len())
            .map(|i| match self.row_values(i) {
                None => self.neighbors(i).iter().map(|&j| y[j as usize]).sum(),
                Some(v) => self.neighbors(i).iter().zip(v).map(|(&j, &w)| w * y[j as usize]).sum(),
            })
            .collect()
    }

    /// The global sums S0, S1 and S2 (libpysal `w.s0`, `w.s1`, `w.s2`). O(pairs).
    pub fn sums(&self) -> WeightSums {
        let n = self.len();
        let t = self.transpose();
        let mut col_sums = vec![0.0; n];
        let (mut s0, mut s1, mut s2) = (0.0, 0.0, 0.0);
        for i in 0..n {
            for (j, w) in self.row(i) {
                col_sums[j] += w;
                s0 += w;
            }
            s1 += symmetric_square_sum(self.row(i), t.row(i));
        }
        for (i, col) in col_sums.iter().enumerate() {
            let total = self.row_sum(i) + col;
            s2 += total * total;
        }
        WeightSums { s0, s1: s1 / 2.0, s2 }
    }

    /// The transposed weights (row `j` lists the `i` with `w_ij > 0`). O(pairs).
    pub fn transpose(&self) -> Self {
        let n = self.len();
        let mut counts = vec![0usize; n + 1];
        for &j in &self.neighbors {
            counts[j as usize + 1] += 1;
        }
        for k in 0..n {
            counts[k + 1] += counts[k];
        }
        let offsets = counts.clone();
        let mut next = counts;
        let mut neighbors = vec![0u32; self.neighbors.len()];
        let mut values = self.values.as_ref().map(|_| vec![0.0; self.neighbors.len()]);
        for i in 0..n {
            for (j, w) in self.row(i) {
                let slot = next[j];
                next[j] += 1;
                neighbors[slot] = i as u32;
                if let Some(v) = values.as_mut() {
                    v[slot] = w;
                }
            }
        }
        Self { offsets, neighbors, values }
    }
}

/// `Σ_j (a_j + b_j)²` over the union of two rows sorted by neighbour id.
fn symmetric_square_sum(a: impl Iterator<Item = (usize, f64)>, b: impl Iterator<Item = (usize, f64)>) -> f64 {
    let (mut a, mut b) = (a.peekable(), b.peekable());
    let mut sum = 0.0;
    loop {
        let v = match (a.peek(), b.peek()) {
            (None, None) => return sum,
            (Some(&(ja, wa)), Some(&(jb, wb))) if ja == jb => {
                a.next();
                b.next();
                wa + wb
            }
            (Some(&(ja, wa)), Some(&(jb, _))) if ja < jb => {
                a.next();
                wa
            }
            (Some(&(_, wa)), None) => {
                a.next();
                wa
            }
            (_, Some(&(_, wb))) => {
                b.next();
                wb
            }
        };
        sum += v * v;
    }
}

fn check_count(n: usize) -> Result<(), WeightsError> {
    if n == 0 {
        return Err(WeightsError::Empty);
    }
    if n > u32::MAX as usize {
        return Err(WeightsError::TooLarge(n));
    }
    Ok(())
}

fn check_neighbor(i: usize, j: usize, n: usize) -> Result<(), WeightsError> {
    if j >= n {
        return Err(WeightsError::OutOfRange { i, j, n });
    }
    if j == i {
        return Err(WeightsError::SelfNeighbor(i));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cols: usize, rows: usize, cell: f64) -> Grid {
        Grid::new(0.0, 0.0, cell, cols, rows).unwrap()
    }

    #[test]
    fn queen_matches_lat2w() {
        let w = Weights::queen(&grid(40, 40, 250.0));
        assert_eq!(w.len(), 1600);
        assert_eq!(w.neighbors(0), &[1, 40, 41]);
        assert_eq!(w.neighbors(1), &[0, 2, 40, 41, 42]);
        assert_eq!(w.neighbors(41), &[0, 1, 2, 40, 42, 80, 81, 82]);
        assert_eq!(w.max_cardinality(), 8);
        let cards: Vec<usize> = (0..1600).map(|i| w.cardinality(i)).collect();
        assert_eq!(cards.iter().filter(|&&k| k == 3).count(), 4);
        assert_eq!(cards.iter().filter(|&&k| k == 5).count(), 4 * 38);
        assert_eq!(cards.iter().sum::<usize>(), 4 * 3 + 4 * 38 * 5 + 38 * 38 * 8);
        assert!(w.is_binary());
        assert_eq!(w.islands(), 0);
    }

    #[test]
    fn rook_and_non_square_grids_use_row_major_ids() {
        let w = Weights::rook(&grid(4, 3, 1.0));
        assert_eq!(w.neighbors(0), &[1, 4]);
        assert_eq!(w.neighbors(5), &[1, 4, 6, 9]);
        assert_eq!(w.neighbors(11), &[7, 10]);
    }

    #[test]
    fn distance_band_500_gives_twelve_neighbours() {
        let w = Weights::distance_band(&grid(40, 40, 250.0), 500.0).unwrap();
        let i = 10 * 40 + 10;
        let expect: Vec<u32> = [(-2, 0), (-1, -1), (-1, 0), (-1, 1), (0, -2), (0, -1), (0, 1), (0, 2)]
            .iter()
            .chain(&[(1, -1), (1, 0), (1, 1), (2, 0)])
            .map(|&(dr, dc): &(i64, i64)| (i as i64 + dr * 40 + dc) as u32)
            .collect();
        assert_eq!(w.neighbors(i), expect.as_slice());
        assert_eq!(w.max_cardinality(), 12);
        assert_eq!(w.neighbors(0), &[1, 2, 40, 41, 80]);
    }

    #[test]
    fn distance_band_matches_brute_force_on_points() {
        let g = grid(7, 5, 100.0);
        let (xs, ys): (Vec<f64>, Vec<f64>) = (0..g.len()).map(|i| g.center(i)).unzip();
        for t in [0.0, 99.0, 100.0, 150.0, 223.7, 300.0, 1000.0] {
            let a = Weights::distance_band(&g, t).unwrap();
            let b = Weights::distance_band_points(&xs, &ys, t).unwrap();
            assert_eq!(a, b, "threshold {t}");
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let g = grid(3, 3, 1.0);
        assert_eq!(Weights::distance_band(&g, -1.0), Err(WeightsError::Threshold(-1.0)));
        assert!(Weights::distance_band(&g, f64::NAN).is_err());
        assert_eq!(Weights::distance_band_points(&[], &[], 1.0), Err(WeightsError::Empty));
        assert_eq!(
            Weights::distance_band_points(&[0.0, f64::NAN], &[0.0, 0.0], 1.0),
            Err(WeightsError::Coordinate(1))
        );
        assert!(matches!(
            Weights::distance_band_points(&[0.0], &[], 1.0),
            Err(WeightsError::LengthMismatch { .. })
        ));
        assert_eq!(Weights::from_neighbors(&[vec![0]]), Err(WeightsError::SelfNeighbor(0)));
        assert_eq!(
            Weights::from_neighbors(&[vec![1, 1], vec![0]]),
            Err(WeightsError::Duplicate { i: 0, j: 1 })
        );
        assert_eq!(
            Weights::from_neighbors(&[vec![2], vec![0]]),
            Err(WeightsError::OutOfRange { i: 0, j: 2, n: 2 })
        );
        assert!(matches!(
            Weights::from_weighted_neighbors(&[vec![(1, 0.0)], vec![(0, 1.0)]]),
            Err(WeightsError::Weight { .. })
        ));
        let huge = Grid::new(0.0, 0.0, 1.0, 10_000, 10_000).unwrap();
        assert!(matches!(Weights::distance_band(&huge, 20.0), Err(WeightsError::TooManyPairs(_))));
    }

    #[test]
    fn row_standardisation_lag_and_sums() {
        let w =
            Weights::from_weighted_neighbors(&[vec![(1, 2.0), (2, 1.0)], vec![(0, 1.0)], vec![]]).unwrap();
        assert_eq!(w.islands(), 1);
        assert_eq!(w.constant_row_weight(0), None);
        let r = w.row_standardized();
        assert_eq!(r.row_values(0), Some(&[2.0 / 3.0, 1.0 / 3.0][..]));
        assert_eq!(r.row_values(2), Some(&[][..]));
        assert_eq!(r.constant_row_weight(1), Some(1.0));
        assert_eq!(w.lag(&[1.0, 10.0, 100.0]), Ok(vec![120.0, 1.0, 0.0]));
        assert_eq!(w.lag(&[1.0]), Err(WeightsError::ValuesLength { values: 1, n: 3 }));
        // Dense check: S1 = ½ Σ (w_ij + w_ji)², S2 = Σ (row + col)².
        let s = w.sums();
        assert_eq!(s.s0, 4.0);
        assert_eq!(s.s1, 0.5 * (3.0f64.powi(2) * 2.0 + 1.0 * 2.0));
        assert_eq!(s.s2, (3.0f64 + 1.0).powi(2) + (1.0f64 + 2.0).powi(2) + 1.0);
        let t = w.transpose();
        assert_eq!(t.neighbors(0), &[1]);
        assert_eq!(t.row(2).collect::<Vec<_>>(), vec![(0, 1.0)]);
    }

    #[test]
    fn lattice_sums_match_libpysal() {
        // 3x3 rook: 12 joins, so S0 = 24, S1 = 48; S2 = Σ (2k)² over cardinalities.
        let s = Weights::rook(&grid(3, 3, 1.0)).sums();
        assert_eq!((s.s0, s.s1, s.s2), (24.0, 48.0, 4.0 * 16.0 + 4.0 * 36.0 + 64.0));
    }
}
