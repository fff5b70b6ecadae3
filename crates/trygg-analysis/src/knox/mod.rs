//! The Knox test and Ratcliffe's near-repeat calculation.
//!
//! - [`NearRepeat`] builds the banded space × time table of event *pairs* with
//!   the semantics of Ratcliffe's Near Repeat Calculator (NRC): Manhattan or
//!   Euclidean distance, an optional "same location" band (d == 0 exactly),
//!   `K` equal right-open spatial bands plus an open last band, `K` equal
//!   right-open temporal bands plus an open last band, and Monte Carlo
//!   inference by permuting the times over the fixed locations.
//! - [`knox_test`] is the plain 2 × 2 Knox test with pointpats' semantics
//!   (closed thresholds, Euclidean distance) and its Poisson p-value.
//!
//! No function enumerates all n² pairs. Pairs are found through a bucket grid
//! whose buckets are as wide as the largest finite spatial edge, and the
//! cells beyond the finite edges follow by subtraction from totals that do
//! not change when times are permuted (the all-pairs time histogram, the
//! close pairs per spatial band); see [`NearRepeat`] for the details and the
//! complexity. Times are `f64` days; see [`unix_to_days`] and
//! [`unix_to_whole_days`] for converting timestamps.
//!
//! Example: the NRC's usual setup, 100 m × 3 and 7 days × 3, 99 simulations.
//!
//! ```
//! use trygg_analysis::knox::{NearRepeatConfig, near_repeat};
//! let xs = [0.0, 50.0, 60.0, 400.0, 0.0];
//! let ys = [0.0, 0.0, 10.0, 400.0, 0.0];
//! let days = [0.0, 2.0, 3.0, 40.0, 100.0];
//! let config = NearRepeatConfig::new(100.0, 3, 7.0, 3);
//! let result = near_repeat(&xs, &ys, &days, &config, 99, 42).unwrap();
//! let labels = (config.space_labels(), config.time_labels());
//! for cell in result.cells() {
//!     let (space, time) = (&labels.0[cell.space_band], &labels.1[cell.time_band]);
//!     println!("{space},{time},{},{},{:?},{}", cell.observed, cell.expected, cell.knox_ratio, cell.p_value);
//! }
//! assert_eq!(result.observed.total(), 10);
//! ```

mod banded;
mod index;
mod plain;
mod timebands;

#[cfg(test)]
mod tests;

pub use banded::NearRepeat;
pub use plain::{KnoxTest, knox_test};

/// Why a Knox or near-repeat calculation cannot be done.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KnoxError {
    /// Fewer than two events: there is no pair.
    #[error("need at least 2 events, got {0}")]
    TooFewEvents(usize),
    /// More events than the pair index can address.
    #[error("too many events ({0}); at most 4,294,967,295 are supported")]
    TooManyEvents(usize),
    /// The coordinate and time slices differ in length.
    #[error("x, y and t must have the same length (got {x}, {y} and {t})")]
    LengthMismatch {
        /// Length of x.
        x: usize,
        /// Length of y.
        y: usize,
        /// Length of t.
        t: usize,
    },
    /// A coordinate or time is NaN or infinite.
    #[error("event {index}: {what} is not a finite number")]
    NotFinite {
        /// Index of the event.
        index: usize,
        /// `"x"`, `"y"` or `"t"`.
        what: &'static str,
    },
    /// Zero equal bands were asked for.
    #[error("the {0} bands must number at least one")]
    NoBands(&'static str),
    /// A band width is zero, negative or not finite.
    #[error("the {what} band width {width} must be a positive, finite number")]
    BandWidth {
        /// `"space"` or `"time"`.
        what: &'static str,
        /// The width given.
        width: f64,
    },
    /// A Knox threshold is negative or not finite.
    #[error("the {what} threshold {value} must be a non-negative, finite number")]
    Threshold {
        /// `"space"` or `"time"`.
        what: &'static str,
        /// The threshold given.
        value: f64,
    },
    /// Every pair falls in the open (or "not close") band.
    #[error("bands do not fit the data: every pair is {limit} or more apart in {what}")]
    BandsDoNotFit {
        /// `"space"` or `"time"`.
        what: &'static str,
        /// The largest finite band edge (metres or days).
        limit: f64,
    },
    /// A Monte Carlo run needs at least one simulation.
    #[error("need at least one simulation")]
    NoSimulations,
    /// A given permutation is not a permutation of the event indices.
    #[error("permutation {row} is not a permutation of 0..{n}")]
    BadPermutation {
        /// Index of the offending permutation.
        row: usize,
        /// Number of events.
        n: usize,
    },
    /// A simulated table has a different shape from the observed one.
    #[error("simulated table {index} is {rows}x{cols}, the observed table is {want_rows}x{want_cols}")]
    TableShape {
        /// Index of the offending table.
        index: usize,
        /// Its rows.
        rows: usize,
        /// Its columns.
        cols: usize,
        /// Rows of the observed table.
        want_rows: usize,
        /// Columns of the observed table.
        want_cols: usize,
    },
}

/// How the distance between two events is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// |dx| + |dy| (the NRC's default, "city block").
    Manhattan,
    /// sqrt(dx² + dy²).
    Euclidean,
}

/// `count` equal right-open bands of `width` — `[0,w)`, `[w,2w)`, … — plus an
/// open last band `[count·w, ∞)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bands {
    /// Width of each finite band (metres or days).
    pub width: f64,
    /// Number of finite bands.
    pub count: usize,
}

impl Bands {
    /// `count` bands of `width`.
    pub fn new(width: f64, count: usize) -> Self {
        Self { width, count }
    }

    fn validate(&self, what: &'static str) -> Result<(), KnoxError> {
        if self.count == 0 {
            return Err(KnoxError::NoBands(what));
        }
        let limit = self.count as f64 * self.width;
        if !(self.width.is_finite() && self.width > 0.0 && limit.is_finite()) {
            return Err(KnoxError::BandWidth { what, width: self.width });
        }
        Ok(())
    }
}

/// The near-repeat band configuration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearRepeatConfig {
    /// Distance metric.
    pub metric: Metric,
    /// Spatial bands in metres.
    pub space: Bands,
    /// Temporal bands in days.
    pub time: Bands,
    /// Give pairs at exactly the same location (d == 0) their own first band;
    /// the first distance band is then `(0, w)`.
    pub same_location: bool,
    /// Round coordinates to IEEE `f32` before computing distances, as the NRC
    /// does (needed to reproduce its tables exactly).
    pub round_to_f32: bool,
}

impl NearRepeatConfig {
    /// The NRC's setup: Manhattan distance, a same-location band, no `f32` rounding.
    pub fn new(space_band: f64, space_bands: usize, time_band_days: f64, time_bands: usize) -> Self {
        Self {
            metric: Metric::Manhattan,
            space: Bands::new(space_band, space_bands),
            time: Bands::new(time_band_days, time_bands),
            same_location: true,
            round_to_f32: false,
        }
    }

    /// Checks the band counts and widths.
    pub fn validate(&self) -> Result<(), KnoxError> {
        self.space.validate("space")?;
        self.time.validate("time")
    }

    /// Number of table rows: the same-location band (if any), the finite
    /// spatial bands and the open one.
    pub fn rows(&self) -> usize {
        usize::from(self.same_location) + self.space.count + 1
    }

    /// Number of table columns: the finite temporal bands and the open one.
    pub fn cols(&self) -> usize {
        self.time.count + 1
    }

    /// Row labels: `same` (if separate), `0-100`, `100-200`, …, `300+`.
    pub fn space_labels(&self) -> Vec<String> {
        space_band_labels(self.space, self.same_location)
    }

    /// Column labels: `0-7`, `7-14`, …, `21+`.
    pub fn time_labels(&self) -> Vec<String> {
        time_band_labels(self.time)
    }
}

/// Labels of the spatial bands: `same` for the same-location band (if
/// `same_location`), then `LO-HI` for each finite band and `LO+` for the open one.
pub fn space_band_labels(bands: Bands, same_location: bool) -> Vec<String> {
    let mut labels = Vec::with_capacity(bands.count + 2);
    if same_location {
        labels.push("same".to_string());
    }
    labels.extend(band_labels(bands));
    labels
}

/// Labels of the temporal bands: `LO-HI` in days for each finite band and `LO+` for the open one.
pub fn time_band_labels(bands: Bands) -> Vec<String> {
    band_labels(bands)
}

fn band_labels(bands: Bands) -> Vec<String> {
    let edge = |k: usize| format_edge(k as f64 * bands.width);
    let mut labels: Vec<String> = (0..bands.count).map(|k| format!("{}-{}", edge(k), edge(k + 1))).collect();
    labels.push(format!("{}+", edge(bands.count)));
    labels
}

/// A band edge without float noise: at most 9 decimals, trailing zeros dropped.
fn format_edge(v: f64) -> String {
    let s = format!("{v:.9}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_string() } else { s.to_string() }
}

/// Days since `epoch_unix` (seconds) as a float: `(t − epoch) / 86400`.
pub fn unix_to_days(t_unix: i64, epoch_unix: i64) -> f64 {
    (t_unix - epoch_unix) as f64 / 86_400.0
}

/// Whole days since `epoch_unix` (seconds): `floor((t − epoch) / 86400)`.
pub fn unix_to_whole_days(t_unix: i64, epoch_unix: i64) -> f64 {
    (t_unix - epoch_unix).div_euclid(86_400) as f64
}

/// A table of pair counts: rows are spatial bands, columns temporal bands (row-major).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnoxTable {
    rows: usize,
    cols: usize,
    counts: Vec<u64>,
}

impl KnoxTable {
    /// A table from row-major `counts`; `None` if the length is not `rows × cols`.
    pub fn from_counts(rows: usize, cols: usize, counts: Vec<u64>) -> Option<Self> {
        (counts.len() == rows * cols).then_some(Self { rows, cols, counts })
    }

    pub(crate) fn zeros(rows: usize, cols: usize) -> Self {
        Self { rows, cols, counts: vec![0; rows * cols] }
    }

    /// Number of rows (spatial bands).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns (temporal bands).
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// The count in spatial band `row` and temporal band `col`.
    pub fn get(&self, row: usize, col: usize) -> u64 {
        self.counts[row * self.cols + col]
    }

    /// All counts, row-major.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    pub(crate) fn counts_mut(&mut self) -> &mut [u64] {
        &mut self.counts
    }

    /// The sum of all counts (the number of pairs).
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// Observed table, Monte Carlo expectation, Knox ratios and p-values.
///
/// All vectors are row-major with the shape of `observed`.
#[derive(Debug, Clone, PartialEq)]
pub struct NearRepeatResult {
    /// Observed pair counts.
    pub observed: KnoxTable,
    /// Expected counts: the mean of the simulated tables.
    pub expected: Vec<f64>,
    /// observed / expected; `None` where expected is 0.
    pub knox_ratio: Vec<Option<f64>>,
    /// Number of simulations with a count ≥ the observed one.
    pub n_ge: Vec<usize>,
    /// `(n_ge + 1) / (simulations + 1)`.
    pub p_value: Vec<f64>,
    /// Number of simulations.
    pub simulations: usize,
}

/// One cell of a [`NearRepeatResult`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearRepeatCell {
    /// Row (spatial band index).
    pub space_band: usize,
    /// Column (temporal band index).
    pub time_band: usize,
    /// Observed pairs.
    pub observed: u64,
    /// Mean simulated pairs.
    pub expected: f64,
    /// observed / expected, `None` where expected is 0.
    pub knox_ratio: Option<f64>,
    /// Monte Carlo p-value.
    pub p_value: f64,
}

impl NearRepeatResult {
    /// The cells in row-major order (spatial band, then temporal band).
    pub fn cells(&self) -> impl Iterator<Item = NearRepeatCell> + '_ {
        let cols = self.observed.cols();
        (0..self.observed.counts().len()).map(move |i| NearRepeatCell {
            space_band: i / cols,
            time_band: i % cols,
            observed: self.observed.counts()[i],
            expected: self.expected[i],
            knox_ratio: self.knox_ratio[i],
            p_value: self.p_value[i],
        })
    }
}

/// Expected counts, Knox ratios and p-values of `observed` against simulated
/// tables: expected = mean of `sims`, ratio = observed / expected (`None` where
/// expected is 0), p = (#{sim ≥ obs} + 1) / (sims + 1). O(cells × sims).
pub fn summarize(observed: &KnoxTable, sims: &[KnoxTable]) -> Result<NearRepeatResult, KnoxError> {
    if sims.is_empty() {
        return Err(KnoxError::NoSimulations);
    }
    let (rows, cols) = (observed.rows(), observed.cols());
    if let Some((index, t)) = sims.iter().enumerate().find(|(_, t)| t.rows() != rows || t.cols() != cols) {
        return Err(KnoxError::TableShape {
            index,
            rows: t.rows(),
            cols: t.cols(),
            want_rows: rows,
            want_cols: cols,
        });
    }
    let cells = observed.counts().len();
    let mut sums = vec![0u64; cells];
    let mut n_ge = vec![0usize; cells];
    for t in sims {
        for (i, (&s, &o)) in t.counts().iter().zip(observed.counts()).enumerate() {
            sums[i] += s;
            n_ge[i] += usize::from(s >= o);
        }
    }
    let m = sims.len() as f64;
    let expected: Vec<f64> = sums.iter().map(|&s| s as f64 / m).collect();
    let knox_ratio = observed.counts().iter().zip(&expected).map(|(&o, &e)| (e > 0.0).then(|| o as f64 / e));
    let p_value = n_ge.iter().map(|&k| (k as f64 + 1.0) / (m + 1.0)).collect();
    Ok(NearRepeatResult {
        observed: observed.clone(),
        knox_ratio: knox_ratio.collect(),
        expected,
        n_ge,
        p_value,
        simulations: sims.len(),
    })
}

/// One call: the banded table of `xs, ys, ts` (days) with `simulations`
/// Monte Carlo permutations seeded by `seed`. See [`NearRepeat`].
pub fn near_repeat(
    xs: &[f64],
    ys: &[f64],
    ts: &[f64],
    config: &NearRepeatConfig,
    simulations: usize,
    seed: u64,
) -> Result<NearRepeatResult, KnoxError> {
    NearRepeat::new(xs, ys, ts, config)?.simulate(simulations, seed)
}

/// Checks lengths, the event count and finiteness of every value.
fn validate_events(xs: &[f64], ys: &[f64], ts: &[f64]) -> Result<(), KnoxError> {
    if xs.len() != ys.len() || xs.len() != ts.len() {
        return Err(KnoxError::LengthMismatch { x: xs.len(), y: ys.len(), t: ts.len() });
    }
    if xs.len() < 2 {
        return Err(KnoxError::TooFewEvents(xs.len()));
    }
    if xs.len() > u32::MAX as usize {
        return Err(KnoxError::TooManyEvents(xs.len()));
    }
    for (what, values) in [("x", xs), ("y", ys), ("t", ts)] {
        if let Some(index) = values.iter().position(|v| !v.is_finite()) {
            return Err(KnoxError::NotFinite { index, what });
        }
    }
    Ok(())
}
