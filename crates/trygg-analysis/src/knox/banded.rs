//! The banded near-repeat table (Ratcliffe's Near Repeat Calculator semantics).

use super::index::BucketIndex;
use super::timebands::{BandEdges, Banding, FewEdges};
use super::{KnoxError, KnoxTable, Metric, NearRepeatConfig, NearRepeatResult, summarize, validate_events};
use crate::rng::SeededRng;

/// A prepared near-repeat calculation.
///
/// Pair counts run over unordered event pairs `i < j`. Rows are the spatial
/// bands (`same` if configured, the finite bands, the open band), columns the
/// temporal bands (the finite bands, the open band); every band is right-open.
///
/// How a table is counted without visiting all n² pairs (R is the largest
/// finite spatial edge, T the largest finite temporal edge):
/// - the pairs closer than R per spatial row are counted once, over groups
///   of events at identical coordinates through a bucket grid (permuting
///   times does not change them);
/// - the pairs per temporal band over *all* pairs come from the sorted times,
///   once (permuting times does not change them either);
/// - the pairs closer than R in space *and* T in time are found by sweeping the
///   events in time order through a bucket grid of size R that holds only the
///   events of the last T days. In a simulation the time order is the sorted
///   times handed out by the permutation, so no sorting is needed;
/// - the remaining cells follow by subtraction: a finite row's open column is
///   its close-pair total minus its finite columns, and the open row is the
///   all-pairs histogram minus the finite rows.
///
/// Complexity: building is O(n log n + C), C the candidate location pairs in
/// adjacent buckets of size R; each table is O(n + W), W the candidate event
/// pairs (adjacent buckets, less than T apart in time). Memory is O(n).
pub struct NearRepeat {
    config: NearRepeatConfig,
    space_edges: BandEdges,
    time_edges: BandEdges,
    /// The times in ascending order, and each event's position in that order.
    sorted_times: Vec<f64>,
    rank: Vec<u32>,
    grid: SweepGrid,
    /// Pairs closer than R per finite row (`rows − 1` entries).
    close_per_row: Vec<u64>,
    /// Pairs per temporal band over all pairs.
    all_pairs: Vec<u64>,
    observed: KnoxTable,
}

/// The bucket grid of the sweep (bucket size R).
struct SweepGrid {
    /// Each event's coordinates (rounded to `f32` if configured) and bucket.
    places: Vec<Place>,
    /// Bucket `u` owns slots `slots[u]..slots[u + 1]` of the sweep buffer.
    slots: Vec<u32>,
    /// Bucket `u`'s 3 × 3 neighbourhood: `near_ids[near_start[u]..near_start[u + 1]]`.
    near_start: Vec<u32>,
    near_ids: Vec<u32>,
}

impl SweepGrid {
    fn new(xs: &[f64], ys: &[f64], reach: f64) -> Self {
        let index = BucketIndex::new(xs, ys, reach);
        let (near_start, near_ids) = index.neighbourhoods();
        let mut slots = vec![0u32];
        let mut total = 0;
        for size in index.bucket_sizes() {
            total += size;
            slots.push(total);
        }
        let places = index.bucket_of_points().into_iter().zip(xs.iter().zip(ys));
        let places = places.map(|(bucket, (&x, &y))| Place { x, y, bucket }).collect();
        Self { places, slots, near_start, near_ids }
    }

    fn buckets(&self) -> usize {
        self.slots.len() - 1
    }

    fn near(&self, u: usize) -> &[u32] {
        &self.near_ids[self.near_start[u] as usize..self.near_start[u + 1] as usize]
    }
}

/// Where an event is: coordinates and sweep bucket.
#[derive(Debug, Clone, Copy, Default)]
struct Place {
    x: f64,
    y: f64,
    bucket: u32,
}

/// Reusable buffers of one sweep.
struct Sweep {
    /// The places in the order of the times they receive.
    ordered: Vec<Place>,
    /// Events received so far, per bucket in time order: (time, x, y).
    slots: Vec<(f64, f64, f64)>,
    /// Next free slot of each bucket.
    end: Vec<u32>,
    /// First slot of each bucket still within T of the current time.
    head: Vec<u32>,
    /// `LANES` copies of the table, so that consecutive increments of one
    /// cell do not wait for each other.
    lanes: Vec<u64>,
}

/// Number of interleaved table copies in the sweep.
const LANES: usize = 4;

impl Sweep {
    fn reset(&mut self, bucket_starts: &[u32], cells: usize) {
        self.lanes.clear();
        self.lanes.resize(LANES * cells, 0);
        self.end.clear();
        self.end.extend_from_slice(bucket_starts);
        self.head.clear();
        self.head.extend_from_slice(bucket_starts);
    }
}

impl NearRepeat {
    /// Prepares the calculation for events at (`xs`, `ys`) (metres) at times
    /// `ts` (days). Errors on bad bands, fewer than two events, non-finite
    /// values, or bands that do not fit the data (no pair closer than the
    /// largest finite spatial edge, or none closer than the largest temporal one).
    pub fn new(xs: &[f64], ys: &[f64], ts: &[f64], config: &NearRepeatConfig) -> Result<Self, KnoxError> {
        config.validate()?;
        validate_events(xs, ys, ts)?;
        let round = |v: f64| if config.round_to_f32 { f64::from(v as f32) } else { v };
        let (xs, ys): (Vec<f64>, Vec<f64>) = xs.iter().zip(ys).map(|(&x, &y)| (round(x), round(y))).unzip();
        let space_edges = BandEdges::new(config.space.width, config.space.count);
        let time_edges = BandEdges::new(config.time.width, config.time.count);
        let (sorted_times, rank) = time_order(ts);
        let mut all_pairs = vec![0; time_edges.count() + 1];
        time_edges.add_within(&sorted_times, &mut all_pairs);
        let mut this = Self {
            close_per_row: close_pairs_per_row(&xs, &ys, config, &space_edges),
            grid: SweepGrid::new(&xs, &ys, space_edges.limit()),
            config: *config,
            space_edges,
            time_edges,
            sorted_times,
            rank,
            all_pairs,
            observed: KnoxTable::zeros(config.rows(), config.cols()),
        };
        this.check_fit()?;
        let identity: Vec<u32> = (0..ts.len() as u32).collect();
        this.observed = this.table_of(&identity, &mut this.new_sweep());
        Ok(this)
    }

    /// The configuration.
    pub fn config(&self) -> &NearRepeatConfig {
        &self.config
    }

    /// Number of events.
    pub fn len(&self) -> usize {
        self.rank.len()
    }

    /// Always false: at least two events are required.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The observed table.
    pub fn observed(&self) -> &KnoxTable {
        &self.observed
    }

    /// Number of event pairs closer than the largest finite spatial edge.
    pub fn close_pairs(&self) -> u64 {
        self.close_per_row.iter().sum()
    }

    fn check_fit(&self) -> Result<(), KnoxError> {
        if self.close_pairs() == 0 {
            return Err(KnoxError::BandsDoNotFit { what: "space", limit: self.space_edges.limit() });
        }
        if self.all_pairs[..self.time_edges.count()].iter().all(|&c| c == 0) {
            return Err(KnoxError::BandsDoNotFit { what: "time", limit: self.time_edges.limit() });
        }
        Ok(())
    }

    /// The table when event `i` receives the time of event `perm[i]`.
    pub fn table_for_permutation(&self, perm: &[usize]) -> Result<KnoxTable, KnoxError> {
        let n = self.len();
        if !is_permutation(perm, n) {
            return Err(KnoxError::BadPermutation { row: 0, n });
        }
        let perm: Vec<u32> = perm.iter().map(|&p| p as u32).collect();
        Ok(self.table_of(&perm, &mut self.new_sweep()))
    }

    /// Summary against given permutations (`permutations[k]` is a
    /// permutation `p`: event `i` receives the time of event `p[i]`).
    pub fn with_permutations(&self, permutations: &[Vec<usize>]) -> Result<NearRepeatResult, KnoxError> {
        let tables = permutations
            .iter()
            .enumerate()
            .map(|(row, p)| {
                self.table_for_permutation(p).map_err(|_| KnoxError::BadPermutation { row, n: self.len() })
            })
            .collect::<Result<Vec<_>, _>>()?;
        summarize(&self.observed, &tables)
    }

    /// Monte Carlo summary with `simulations` random permutations of the
    /// times (see [`NearRepeat::simulated_tables`]).
    pub fn simulate(&self, simulations: usize, seed: u64) -> Result<NearRepeatResult, KnoxError> {
        summarize(&self.observed, &self.simulated_tables(simulations, seed)?)
    }

    /// `simulations` tables with the times randomly permuted over the fixed
    /// locations. Simulation `s` shuffles with its own `SeededRng` (seeded from
    /// `seed` and `s`), so the tables do not depend on the number of threads;
    /// simulations run on all available cores.
    pub fn simulated_tables(&self, simulations: usize, seed: u64) -> Result<Vec<KnoxTable>, KnoxError> {
        if simulations == 0 {
            return Err(KnoxError::NoSimulations);
        }
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(simulations);
        let mut tables: Vec<Option<KnoxTable>> = vec![None; simulations];
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|w| scope.spawn(move || self.run_simulations(w, threads, simulations, seed)))
                .collect();
            for worker in workers {
                // A worker only panics if this module has a bug; re-raise it.
                let done = worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                for (s, table) in done {
                    tables[s] = Some(table);
                }
            }
        });
        Ok(tables.into_iter().flatten().collect())
    }

    /// Simulations `first, first + step, …` below `simulations`.
    fn run_simulations(
        &self,
        first: usize,
        step: usize,
        simulations: usize,
        seed: u64,
    ) -> Vec<(usize, KnoxTable)> {
        let mut perm: Vec<u32> = Vec::with_capacity(self.len());
        let mut sweep = self.new_sweep();
        (first..simulations)
            .step_by(step)
            .map(|s| {
                perm.clear();
                perm.extend(0..self.len() as u32);
                SeededRng::new(simulation_seed(seed, s)).shuffle(&mut perm);
                (s, self.table_of(&perm, &mut sweep))
            })
            .collect()
    }

    fn new_sweep(&self) -> Sweep {
        Sweep {
            ordered: vec![Place::default(); self.len()],
            slots: vec![(0.0, 0.0, 0.0); self.len()],
            end: Vec::with_capacity(self.grid.buckets()),
            head: Vec::with_capacity(self.grid.buckets()),
            lanes: Vec::new(),
        }
    }

    /// The table when event `i` receives the time of event `perm[i]`.
    fn table_of(&self, perm: &[u32], sweep: &mut Sweep) -> KnoxTable {
        let (rows, cols) = (self.config.rows(), self.config.cols());
        let mut table = KnoxTable::zeros(rows, cols);
        for (place, &p) in self.grid.places.iter().zip(perm) {
            sweep.ordered[self.rank[p as usize] as usize] = *place;
        }
        self.sweep_close_pairs(sweep, table.counts_mut());
        self.fill_open_cells(table.counts_mut());
        table
    }

    /// Counts the pairs closer than R in space and T in time into the finite
    /// rows and columns, with the band and distance code specialised for
    /// up to 4 or 8 bands.
    fn sweep_close_pairs(&self, sweep: &mut Sweep, counts: &mut [u64]) {
        let (space, time) = (&self.space_edges, &self.time_edges);
        if let (Some(s), Some(t)) = (FewEdges::<4>::new(space), FewEdges::<4>::new(time)) {
            self.sweep_metric(sweep, counts, &s, &t)
        } else if let (Some(s), Some(t)) = (FewEdges::<8>::new(space), FewEdges::<8>::new(time)) {
            self.sweep_metric(sweep, counts, &s, &t)
        } else {
            self.sweep_metric(sweep, counts, space, time)
        }
    }

    fn sweep_metric<S: Banding, T: Banding>(
        &self,
        sweep: &mut Sweep,
        counts: &mut [u64],
        space: &S,
        time: &T,
    ) {
        match self.config.metric {
            Metric::Manhattan => self.sweep(sweep, counts, space, time, manhattan),
            Metric::Euclidean => self.sweep(sweep, counts, space, time, euclidean),
        }
    }

    /// The sweep: events in time order; each is compared with the events of
    /// the last T days in its 3 × 3 bucket neighbourhood, then added to its
    /// bucket. The event receiving the k-th smallest time is `sweep.ordered[k]`.
    /// The row is the NRC row of [`finite_row`], computed without branches.
    fn sweep<S: Banding, T: Banding>(
        &self,
        sweep: &mut Sweep,
        counts: &mut [u64],
        space: &S,
        time: &T,
        distance: impl Fn(f64, f64) -> f64,
    ) {
        let cols = self.config.cols();
        let (same, reach) = (self.config.same_location, self.space_edges.limit());
        let limit = self.time_edges.limit();
        let cells = counts.len();
        sweep.reset(&self.grid.slots[..self.grid.buckets()], cells);
        for k in 0..self.sorted_times.len() {
            let (t, Place { x, y, bucket }) = (self.sorted_times[k], sweep.ordered[k]);
            let u = bucket as usize;
            for &v in self.grid.near(u) {
                let v = v as usize;
                let (mut h, end) = (sweep.head[v] as usize, sweep.end[v] as usize);
                while h < end && t - sweep.slots[h].0 >= limit {
                    h += 1;
                }
                sweep.head[v] = h as u32;
                for (j, &(tj, xj, yj)) in (h..end).zip(&sweep.slots[h..end]) {
                    let d = distance(x - xj, y - yj);
                    if d < reach {
                        let row = space.band_of(d) + usize::from(same & (d != 0.0));
                        sweep.lanes[(j % LANES) * cells + row * cols + time.band_of(t - tj)] += 1;
                    }
                }
            }
            sweep.slots[sweep.end[u] as usize] = (t, x, y);
            sweep.end[u] += 1;
        }
        for lane in sweep.lanes.chunks_exact(cells) {
            counts.iter_mut().zip(lane).for_each(|(c, l)| *c += l);
        }
    }

    /// Fills the open column of each finite row and the open row by subtraction.
    fn fill_open_cells(&self, counts: &mut [u64]) {
        let cols = self.config.cols();
        let finite_cols = cols - 1;
        for (r, &total) in self.close_per_row.iter().enumerate() {
            let row = &mut counts[r * cols..(r + 1) * cols];
            row[finite_cols] = total - row[..finite_cols].iter().sum::<u64>();
        }
        let (finite_part, open_row) = counts.split_at_mut(self.close_per_row.len() * cols);
        for (c, open) in open_row.iter_mut().enumerate() {
            let close: u64 = finite_part.iter().skip(c).step_by(cols).sum();
            *open = self.all_pairs[c] - close;
        }
    }
}

/// The times in ascending order and each event's rank in that order (ties by index).
fn time_order(ts: &[f64]) -> (Vec<f64>, Vec<u32>) {
    let mut by_time: Vec<u32> = (0..ts.len() as u32).collect();
    by_time.sort_unstable_by(|&i, &j| ts[i as usize].total_cmp(&ts[j as usize]).then(i.cmp(&j)));
    let mut rank = vec![0u32; ts.len()];
    for (k, &i) in by_time.iter().enumerate() {
        rank[i as usize] = k as u32;
    }
    (by_time.iter().map(|&i| ts[i as usize]).collect(), rank)
}

/// Seed of simulation `s`: the golden-ratio increment keeps the streams apart
/// (SplitMix64 inside `SeededRng::new` mixes the bits).
fn simulation_seed(seed: u64, s: usize) -> u64 {
    seed ^ (s as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn is_permutation(perm: &[usize], n: usize) -> bool {
    if perm.len() != n {
        return false;
    }
    let mut seen = vec![false; n];
    perm.iter().all(|&p| p < n && !std::mem::replace(&mut seen[p], true))
}

/// The finite row of a pair at distance `d`, or `None` when `d` is at or
/// beyond the largest finite spatial edge.
#[inline]
fn finite_row(d: f64, config: &NearRepeatConfig, edges: &BandEdges) -> Option<usize> {
    let band = edges.band(d);
    if band == edges.count() {
        None
    } else if config.same_location {
        Some(if d == 0.0 { 0 } else { band + 1 })
    } else {
        Some(band)
    }
}

fn distance(metric: Metric, dx: f64, dy: f64) -> f64 {
    match metric {
        Metric::Manhattan => manhattan(dx, dy),
        Metric::Euclidean => euclidean(dx, dy),
    }
}

#[inline]
fn manhattan(dx: f64, dy: f64) -> f64 {
    dx.abs() + dy.abs()
}

#[inline]
fn euclidean(dx: f64, dy: f64) -> f64 {
    (dx * dx + dy * dy).sqrt()
}

/// Pairs closer than R per finite row. Events at identical coordinates are
/// grouped first (real data repeat addresses a lot), so the work is over
/// candidate pairs of distinct locations: O(n log n + C).
fn close_pairs_per_row(xs: &[f64], ys: &[f64], config: &NearRepeatConfig, edges: &BandEdges) -> Vec<u64> {
    let (lx, ly, count) = group_locations(xs, ys);
    let mut per_row = vec![0u64; config.rows() - 1];
    per_row[0] = count.iter().map(|&g| g * g.saturating_sub(1) / 2).sum();
    BucketIndex::new(&lx, &ly, edges.limit()).for_each_candidate_pair(|a, b| {
        let (a, b) = (a as usize, b as usize);
        let d = distance(config.metric, lx[a] - lx[b], ly[a] - ly[b]);
        if let Some(row) = finite_row(d, config, edges) {
            per_row[row] += count[a] * count[b];
        }
    });
    per_row
}

/// Distinct coordinates and the number of events at each.
fn group_locations(xs: &[f64], ys: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<u64>) {
    let mut points: Vec<(f64, f64)> = xs.iter().copied().zip(ys.iter().copied()).collect();
    points.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let (mut lx, mut ly, mut count) = (Vec::new(), Vec::new(), Vec::<u64>::new());
    for (k, &(x, y)) in points.iter().enumerate() {
        if k > 0 && points[k - 1] == (x, y) {
            if let Some(c) = count.last_mut() {
                *c += 1;
            }
        } else {
            lx.push(x);
            ly.push(y);
            count.push(1);
        }
    }
    (lx, ly, count)
}
