//! Conditional randomisation (esda `crand`), fast.
//!
//! For observation `i`, replicate `r` draws the values of `i`'s `k_i`
//! neighbours from the other `n - 1` observations: with `y_no_i` = `y`
//! without element `i` (order kept), the m-th neighbour gets
//! `y_no_i[ids[r, m]]`. As in esda, one id matrix ([`PermutationIds`]) is
//! shared by all observations, so a replicate is a random `k`-subset of
//! the others for every cell (the p-values of different cells are
//! therefore dependent, as they are in esda).
//!
//! Speed: `y_no_i[id]` is `y[id + 1]` while `i <= id` and `y[id]` after, so
//! sweeping `i` upwards each of the `replicates × width` drawn values
//! changes exactly once (an "event"). When every row has a single weight
//! (binary or row-standardised weights) we keep, per cardinality `k`, the
//! replicates' sums of the first `k` drawn values in a sorted array,
//! moved by one memmove at each event; a cell then costs two binary
//! searches, and the moments of its null distribution are cached per `k`.
//! Total O(n log R + R · width · (width + R)) with no random memory
//! access, for 100,000 cells × 999 replicates a few tens of milliseconds.
//! General weights cost O(n · R · k). Comparisons are made on the
//! neighbour sums of `y` themselves (the statistics are affine in them),
//! so for integer counts every tie is exact.

use super::HotspotError;
use crate::rng::SeededRng;
use crate::weights::Weights;

/// A matrix of permuted ids: `replicates` rows of `width` distinct ids in
/// `0..n-1` (positions in `y` with the focal observation removed), the
/// layout of esda's `vec_permutations`.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationIds {
    ids: Vec<u32>,
    width: usize,
    n: usize,
}

impl PermutationIds {
    /// Draws `replicates` rows of `width` distinct ids for `n` observations
    /// with `rng` (partial Fisher–Yates). Reproducible for a given seed.
    pub fn random(
        n: usize,
        width: usize,
        replicates: usize,
        rng: &mut SeededRng,
    ) -> Result<Self, HotspotError> {
        let available = n.saturating_sub(1);
        if width > available || n > u32::MAX as usize {
            return Err(HotspotError::PermutationDraw { width, available });
        }
        if replicates == 0 || width == 0 {
            return Err(HotspotError::PermutationShape { len: 0, width });
        }
        let mut pool: Vec<usize> = (0..available).collect();
        let mut row = Vec::with_capacity(width);
        let mut ids = Vec::with_capacity(replicates * width);
        for _ in 0..replicates {
            rng.sample_into(&mut pool, width, &mut row);
            ids.extend(row.iter().map(|&j| j as u32));
        }
        Ok(Self { ids, width, n })
    }

    /// Draws ids wide enough for `w` (its largest cardinality, at least 1).
    pub fn for_weights(w: &Weights, replicates: usize, rng: &mut SeededRng) -> Result<Self, HotspotError> {
        Self::random(w.len(), w.max_cardinality().max(1), replicates, rng)
    }

    /// Takes a row-major matrix of ids (e.g. esda's, saved to a file);
    /// checks that every id is below `n - 1` and rows have no repeats.
    pub fn from_matrix(ids: Vec<u32>, width: usize, n: usize) -> Result<Self, HotspotError> {
        if width == 0 || ids.is_empty() || !ids.len().is_multiple_of(width) {
            return Err(HotspotError::PermutationShape { len: ids.len(), width });
        }
        let limit = n.saturating_sub(1);
        let mut seen = vec![u32::MAX; limit];
        for (replicate, row) in ids.chunks_exact(width).enumerate() {
            for &id in row {
                let id_usize = id as usize;
                if id_usize >= limit {
                    return Err(HotspotError::PermutationId { replicate, id: id_usize, limit });
                }
                if seen[id_usize] == replicate as u32 {
                    return Err(HotspotError::PermutationRepeat { replicate, id: id_usize });
                }
                seen[id_usize] = replicate as u32;
            }
        }
        Ok(Self { ids, width, n })
    }

    /// Number of replicates (rows).
    pub fn replicates(&self) -> usize {
        self.ids.len() / self.width
    }

    /// Ids per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of observations the ids are for.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Row `r`.
    pub fn row(&self, r: usize) -> &[u32] {
        &self.ids[r * self.width..(r + 1) * self.width]
    }
}

/// Per-observation results of a conditional permutation test with
/// `replicates` simulations.
///
/// Ties: a simulated value equal to the observed one counts in both
/// `n_ge` and `n_le`, i.e. as "at least as extreme" in either direction.
/// This is the conservative convention of `(M + 1)/(R + 1)`; an observation
/// whose simulations all tie with it (a zero cell with an all-zero
/// neighbourhood, an island) gets `p_greater = p_lesser = 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct PermutationTest {
    /// Number of simulations per observation.
    pub replicates: u32,
    /// `#{sim ≥ observed}` per observation.
    pub n_ge: Vec<u32>,
    /// `#{sim ≤ observed}` per observation.
    pub n_le: Vec<u32>,
    /// Mean of the simulated statistics (esda `EG_sim` / `EI_sim`).
    pub mean: Vec<f64>,
    /// Population standard deviation of the simulations (`seG_sim` / `seI_sim`).
    pub sd: Vec<f64>,
    /// `(observed - mean) / sd` (`z_sim`); 0 where `sd` is 0.
    pub z: Vec<f64>,
}

impl PermutationTest {
    /// esda's `directed` count: `n_ge`, folded to `replicates - n_ge` when that is smaller.
    pub fn larger_directed(&self) -> Vec<u32> {
        let r = self.replicates;
        self.n_ge.iter().map(|&g| if r - g < g { r - g } else { g }).collect()
    }

    /// esda 2.9's default `directed` pseudo p-value `(larger + 1)/(R + 1)`.
    /// Reproduction only: it is half a two-sided p-value and calls all-tie
    /// observations significant.
    pub fn p_directed(&self) -> Vec<f64> {
        self.larger_directed().iter().map(|&l| self.pseudo_p(l)).collect()
    }

    /// One-sided `greater` p-value `(#{sim ≥ obs} + 1)/(R + 1)`: use this
    /// for hot spots.
    pub fn p_greater(&self) -> Vec<f64> {
        self.n_ge.iter().map(|&g| self.pseudo_p(g)).collect()
    }

    /// One-sided `lesser` p-value `(#{sim ≤ obs} + 1)/(R + 1)`: cold spots.
    pub fn p_lesser(&self) -> Vec<f64> {
        self.n_le.iter().map(|&l| self.pseudo_p(l)).collect()
    }

    /// esda's `two-sided` p-value `min(1, 2 (min(n_ge, n_le) + 1)/(R + 1))`.
    pub fn p_two_sided(&self) -> Vec<f64> {
        self.n_ge.iter().zip(&self.n_le).map(|(&g, &l)| (2.0 * self.pseudo_p(g.min(l))).min(1.0)).collect()
    }

    /// Number of simulations equal to the observed value.
    pub fn ties(&self) -> Vec<u32> {
        self.n_ge.iter().zip(&self.n_le).map(|(&g, &l)| g + l - self.replicates).collect()
    }

    fn pseudo_p(&self, count: u32) -> f64 {
        (f64::from(count) + 1.0) / (f64::from(self.replicates) + 1.0)
    }
}

/// Which neighbour weights the simulated sums use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SimWeights {
    /// Every neighbour weighs 1 (the statistic scales the sum itself).
    Binary,
    /// The weights' own values.
    AsGiven,
}

/// Runs conditional randomisation for a statistic that, for observation
/// `i`, is `a_i · T + b_i`, where `T = Σ_m v_im · y_j(m)` is the weighted sum
/// of the neighbours' values (the observed `T` uses the real neighbours,
/// a replicate the drawn ones). `affine(i)` returns `(a_i, b_i)`.
pub(crate) fn conditional_randomization(
    y: &[f64],
    w: &Weights,
    sim_weights: SimWeights,
    ids: &PermutationIds,
    affine: impl Fn(usize) -> (f64, f64),
) -> Result<PermutationTest, HotspotError> {
    if ids.n() != y.len() {
        return Err(HotspotError::PermutationCount { ids: ids.n(), values: y.len() });
    }
    let k_max = w.max_cardinality();
    if ids.width() < k_max {
        return Err(HotspotError::PermutationWidth { width: ids.width(), needed: k_max });
    }
    let row_weight = |i: usize| match sim_weights {
        SimWeights::Binary => Some(1.0),
        SimWeights::AsGiven => w.constant_row_weight(i),
    };
    let constant: Option<Vec<f64>> = (0..y.len()).map(row_weight).collect();
    Ok(match constant {
        Some(c) => constant_rows(y, w, ids, &c, affine),
        None => general_rows(y, w, ids, affine),
    })
}

/// Every row has one weight `c_i`: compare unweighted neighbour sums
/// (exact for integer data) and look them up in sorted ladders. O(n log R)
/// per sweep plus O(R) per event.
fn constant_rows(
    y: &[f64],
    w: &Weights,
    ids: &PermutationIds,
    c: &[f64],
    affine: impl Fn(usize) -> (f64, f64),
) -> PermutationTest {
    let (n, reps, k_max) = (y.len(), ids.replicates(), w.max_cardinality());
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let mut used = vec![false; k_max + 1];
    for i in 0..n {
        used[w.cardinality(i)] = true;
    }
    let mut sweep = Sweep::new(y, ids, k_max, Some(&used));
    let mut out = PermutationTest::with_capacity(reps, n);
    for (i, &ci) in c.iter().enumerate() {
        sweep.advance_to(i);
        let neighbors = w.neighbors(i);
        let k = neighbors.len();
        let observed: f64 = neighbors.iter().map(|&j| y[j as usize]).sum();
        let tally = sweep.ladder_tally(k, observed, k as f64 * mean_y);
        let (a, b) = affine(i);
        out.push(tally.map(a * ci, b, observed, reps as u32));
    }
    out
}

/// General weights: weighted sums of the drawn values per cell.
/// O(n · R · k).
fn general_rows(
    y: &[f64],
    w: &Weights,
    ids: &PermutationIds,
    affine: impl Fn(usize) -> (f64, f64),
) -> PermutationTest {
    let (n, reps, k_max) = (y.len(), ids.replicates(), w.max_cardinality());
    let mean_y = y.iter().sum::<f64>() / n as f64;
    let mut sweep = Sweep::new(y, ids, k_max, None);
    let (mut sims, mut weights) = (vec![0.0; reps], Vec::with_capacity(k_max));
    let mut out = PermutationTest::with_capacity(reps, n);
    for i in 0..n {
        sweep.advance_to(i);
        weights.clear();
        weights.extend(w.row(i).map(|(_, v)| v));
        sweep.weighted_sums(&weights, &mut sims);
        let observed: f64 = w.row(i).map(|(j, v)| v * y[j]).sum();
        let tally = Tally::of(&sims, observed, weights.iter().sum::<f64>() * mean_y);
        let (a, b) = affine(i);
        out.push(tally.map(a, b, observed, reps as u32));
    }
    out
}

impl PermutationTest {
    fn with_capacity(reps: usize, n: usize) -> Self {
        Self {
            replicates: reps as u32,
            n_ge: Vec::with_capacity(n),
            n_le: Vec::with_capacity(n),
            mean: Vec::with_capacity(n),
            sd: Vec::with_capacity(n),
            z: Vec::with_capacity(n),
        }
    }

    fn push(&mut self, cell: CellResult) {
        self.n_ge.push(cell.n_ge);
        self.n_le.push(cell.n_le);
        self.mean.push(cell.mean);
        self.sd.push(cell.sd);
        self.z.push(cell.z);
    }
}

struct CellResult {
    n_ge: u32,
    n_le: u32,
    mean: f64,
    sd: f64,
    z: f64,
}

/// Counts and moments of one observation's simulated sums.
struct Tally {
    ge: u32,
    le: u32,
    mean: f64,
    sd: f64,
}

impl Tally {
    /// One pass over `sims`: `#{s ≥ obs}`, `#{s ≤ obs}`, mean and sd.
    fn of(sims: &[f64], obs: f64, shift: f64) -> Self {
        let ge = sims.iter().filter(|&&s| s >= obs).count() as u32;
        let le = sims.iter().filter(|&&s| s <= obs).count() as u32;
        let (mean, sd) = moments(sims, shift);
        Self { ge, le, mean, sd }
    }

    /// Maps the tally of sums to the statistic `slope · sum + b`.
    fn map(&self, slope: f64, b: f64, observed: f64, reps: u32) -> CellResult {
        let (n_ge, n_le) = if slope > 0.0 {
            (self.ge, self.le)
        } else if slope < 0.0 {
            (self.le, self.ge)
        } else {
            (reps, reps)
        };
        let sd = super::finite_or_zero(slope.abs() * self.sd);
        let z = if sd > 0.0 { slope.signum() * (observed - self.mean) / self.sd } else { 0.0 };
        let mean = super::finite_or_zero(slope * self.mean + b);
        CellResult { n_ge, n_le, mean, sd, z: super::finite_or_zero(z) }
    }
}

/// Mean and population sd of `values`, accumulated around `shift` (close
/// to the mean) to avoid cancellation.
fn moments(values: &[f64], shift: f64) -> (f64, f64) {
    let (mut s, mut q) = ([0.0f64; 4], [0.0f64; 4]);
    let chunks = values.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for l in 0..4 {
            let d = c[l] - shift;
            s[l] += d;
            q[l] += d * d;
        }
    }
    for &t in tail {
        let d = t - shift;
        s[0] += d;
        q[0] += d * d;
    }
    let len = values.len() as f64;
    let m = (s[0] + s[1] + s[2] + s[3]) / len;
    let var = ((q[0] + q[1] + q[2] + q[3]) / len - m * m).max(0.0);
    (shift + m, var.sqrt())
}

/// The simulated sums of one cardinality, kept sorted, with cached moments.
struct Ladder {
    sorted: Vec<f64>,
    moments: Option<(f64, f64)>,
}

impl Ladder {
    fn new(mut values: Vec<f64>) -> Self {
        values.sort_unstable_by(f64::total_cmp);
        Self { sorted: values, moments: None }
    }

    /// Replaces one occurrence of `old` by `new`, keeping the order (one memmove).
    fn replace(&mut self, old: f64, new: f64) {
        let s = &mut self.sorted;
        let at = s.partition_point(|&v| v < old);
        if new > old {
            let to = s.partition_point(|&v| v <= new);
            s.copy_within(at + 1..to, at);
            s[to - 1] = new;
        } else {
            let to = s.partition_point(|&v| v < new);
            s.copy_within(to..at, to + 1);
            s[to] = new;
        }
        self.moments = None;
    }

    /// Counts by binary search; moments around `shift` (fixed per ladder).
    fn tally(&mut self, obs: f64, shift: f64) -> Tally {
        let below = self.sorted.partition_point(|&v| v < obs);
        let at_most = self.sorted.partition_point(|&v| v <= obs);
        let sorted = &self.sorted;
        let (mean, sd) = *self.moments.get_or_insert_with(|| moments(sorted, shift));
        Tally { ge: (sorted.len() - below) as u32, le: at_most as u32, mean, sd }
    }
}

/// The drawn neighbour values of every replicate as the focal observation
/// sweeps upwards.
struct Sweep<'a> {
    y: &'a [f64],
    ids: &'a PermutationIds,
    reps: usize,
    k_max: usize,
    /// `values[m * reps + r]` = `y_no_i[ids[r, m]]` for the current `i`.
    values: Vec<f64>,
    /// `prefix[k * reps + r]` = `Σ_{m<k} values[m][r]` (constant-row mode).
    prefix: Vec<f64>,
    /// Sorted copies of `prefix[k]` for the cardinalities in use.
    ladders: Vec<Option<Ladder>>,
    /// `(cell, r, m)` where the value switches from `y[id+1]` to `y[id]`, sorted by cell.
    events: Vec<(u32, u32, u32)>,
    next_event: usize,
}

impl<'a> Sweep<'a> {
    /// Starts at cell 0; `used` (cardinalities in use) switches on the
    /// prefix sums and ladders.
    fn new(y: &'a [f64], ids: &'a PermutationIds, k_max: usize, used: Option<&[bool]>) -> Self {
        let reps = ids.replicates();
        let mut values = vec![0.0; k_max * reps];
        let mut events = Vec::new();
        for r in 0..reps {
            for (m, &id) in ids.row(r)[..k_max].iter().enumerate() {
                let id = id as usize;
                values[m * reps + r] = y[id + 1];
                if y[id] != y[id + 1] {
                    events.push((id as u32 + 1, r as u32, m as u32));
                }
            }
        }
        events.sort_unstable();
        let mut sweep = Self {
            y,
            ids,
            reps,
            k_max,
            values,
            prefix: Vec::new(),
            ladders: Vec::new(),
            events,
            next_event: 0,
        };
        if let Some(used) = used {
            sweep.prefix = vec![0.0; (k_max + 1) * reps];
            for r in 0..reps {
                sweep.refresh_prefix(r, 0);
            }
            sweep.ladders = (0..=k_max)
                .map(|k| used[k].then(|| Ladder::new(sweep.prefix[k * reps..(k + 1) * reps].to_vec())))
                .collect();
        }
        sweep
    }

    /// Applies every event up to and including cell `i`.
    fn advance_to(&mut self, i: usize) {
        while let Some(&(cell, r, m)) = self.events.get(self.next_event) {
            if cell as usize > i {
                break;
            }
            let (r, m) = (r as usize, m as usize);
            let id = self.ids.row(r)[m] as usize;
            self.values[m * self.reps + r] = self.y[id];
            self.refresh_prefix(r, m);
            self.next_event += 1;
        }
    }

    /// Recomputes replicate `r`'s prefix sums from position `m` on (in the
    /// order of a direct left-to-right sum) and moves changed sums in the
    /// ladders.
    fn refresh_prefix(&mut self, r: usize, m: usize) {
        if self.prefix.is_empty() {
            return;
        }
        let reps = self.reps;
        for k in m..self.k_max {
            let new = self.prefix[k * reps + r] + self.values[k * reps + r];
            let old = std::mem::replace(&mut self.prefix[(k + 1) * reps + r], new);
            if let Some(ladder) = self.ladders.get_mut(k + 1).and_then(Option::as_mut)
                && new != old
            {
                ladder.replace(old, new);
            }
        }
    }

    /// Tally of the unweighted sums of the first `k` drawn values.
    fn ladder_tally(&mut self, k: usize, obs: f64, shift: f64) -> Tally {
        match self.ladders[k].as_mut() {
            Some(ladder) => ladder.tally(obs, shift),
            None => Tally::of(&self.prefix[k * self.reps..(k + 1) * self.reps], obs, shift),
        }
    }

    /// `out[r] = Σ_m weights[m] · values[m][r]`.
    fn weighted_sums(&self, weights: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for (m, &v) in weights.iter().enumerate() {
            let column = &self.values[m * self.reps..(m + 1) * self.reps];
            for (o, &x) in out.iter_mut().zip(column) {
                *o += v * x;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// esda's definition, computed directly.
    fn brute_force(y: &[f64], w: &Weights, ids: &PermutationIds, i: usize) -> (Vec<f64>, f64) {
        let no_i: Vec<f64> = y.iter().enumerate().filter(|&(j, _)| j != i).map(|(_, &v)| v).collect();
        let row: Vec<(usize, f64)> = w.row(i).collect();
        let sims = (0..ids.replicates())
            .map(|r| row.iter().enumerate().map(|(m, &(_, v))| v * no_i[ids.row(r)[m] as usize]).sum())
            .collect();
        (sims, row.iter().map(|&(j, v)| v * y[j]).sum())
    }

    fn example() -> (Vec<f64>, Weights) {
        let y: Vec<f64> = (0..30).map(|i| ((i * 7919) % 11) as f64).collect();
        let lists: Vec<Vec<(usize, f64)>> = (0..30)
            // Cardinalities 0, 1, 2 and 4, so row-standardised weights are exact.
            .map(|i| (1..=[0, 1, 2, 4, 4][i % 5]).map(|d| ((i + 3 * d) % 30, 0.5 + d as f64)).collect())
            .collect();
        (y, Weights::from_weighted_neighbors(&lists).unwrap())
    }

    #[test]
    fn the_sweep_equals_the_definition() {
        let (y, w) = example();
        let ids = PermutationIds::for_weights(&w, 57, &mut SeededRng::new(3)).unwrap();
        for weights in [w.clone(), w.binary(), w.row_standardized()] {
            let t =
                conditional_randomization(&y, &weights, SimWeights::AsGiven, &ids, |_| (2.0, 1.0)).unwrap();
            for i in 0..y.len() {
                let (sims, obs) = brute_force(&y, &weights, &ids, i);
                let stat: Vec<f64> = sims.iter().map(|s| 2.0 * s + 1.0).collect();
                let o = 2.0 * obs + 1.0;
                assert_eq!(t.n_ge[i], stat.iter().filter(|&&s| s >= o).count() as u32, "cell {i}");
                assert_eq!(t.n_le[i], stat.iter().filter(|&&s| s <= o).count() as u32, "cell {i}");
                let mean = stat.iter().sum::<f64>() / stat.len() as f64;
                let sd = (stat.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / stat.len() as f64).sqrt();
                assert!((t.mean[i] - mean).abs() < 1e-12 * mean.abs().max(1.0));
                assert!((t.sd[i] - sd).abs() < 1e-12 * sd.max(1.0));
            }
        }
    }

    #[test]
    fn a_negative_slope_swaps_the_tails() {
        let (y, w) = example();
        let ids = PermutationIds::for_weights(&w, 40, &mut SeededRng::new(5)).unwrap();
        let up = conditional_randomization(&y, &w, SimWeights::Binary, &ids, |_| (1.0, 0.0)).unwrap();
        let down = conditional_randomization(&y, &w, SimWeights::Binary, &ids, |_| (-1.0, 0.0)).unwrap();
        assert_eq!(up.n_ge, down.n_le);
        assert_eq!(up.n_le, down.n_ge);
        let flat = conditional_randomization(&y, &w, SimWeights::Binary, &ids, |_| (0.0, 3.0)).unwrap();
        assert!(flat.n_ge.iter().all(|&g| g == 40));
        assert!(flat.z.iter().all(|&z| z == 0.0));
    }

    #[test]
    fn ids_are_validated_and_reproducible() {
        assert_eq!(
            PermutationIds::from_matrix(vec![0, 1, 2], 2, 5),
            Err(HotspotError::PermutationShape { len: 3, width: 2 })
        );
        assert_eq!(
            PermutationIds::from_matrix(vec![0, 4], 2, 5),
            Err(HotspotError::PermutationId { replicate: 0, id: 4, limit: 4 })
        );
        assert_eq!(
            PermutationIds::from_matrix(vec![0, 1, 2, 2], 2, 5),
            Err(HotspotError::PermutationRepeat { replicate: 1, id: 2 })
        );
        assert!(PermutationIds::random(3, 3, 10, &mut SeededRng::new(1)).is_err());
        let a = PermutationIds::random(100, 8, 99, &mut SeededRng::new(9)).unwrap();
        let b = PermutationIds::random(100, 8, 99, &mut SeededRng::new(9)).unwrap();
        assert_eq!(a, b);
        assert!(PermutationIds::from_matrix(a.ids.clone(), 8, 100).is_ok());
        let (y, w) = example();
        let narrow = PermutationIds::random(30, 2, 10, &mut SeededRng::new(1)).unwrap();
        assert!(matches!(
            conditional_randomization(&y, &w, SimWeights::Binary, &narrow, |_| (1.0, 0.0)),
            Err(HotspotError::PermutationWidth { .. })
        ));
    }

    #[test]
    fn p_values_handle_ties_and_direction() {
        let t = PermutationTest {
            replicates: 9,
            n_ge: vec![9, 0, 5],
            n_le: vec![9, 9, 6],
            mean: vec![0.0; 3],
            sd: vec![0.0; 3],
            z: vec![0.0; 3],
        };
        assert_eq!(t.larger_directed(), vec![0, 0, 4]);
        assert_eq!(t.p_directed(), vec![0.1, 0.1, 0.5]);
        assert_eq!(t.p_greater(), vec![1.0, 0.1, 0.6]);
        assert_eq!(t.p_lesser(), vec![1.0, 1.0, 0.7]);
        assert_eq!(t.p_two_sided(), vec![1.0, 0.2, 1.0]);
        assert_eq!(t.ties(), vec![9, 0, 2]);
    }
}
