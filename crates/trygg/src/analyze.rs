//! `trygg analyze`: the analytics of `trygg-analysis` on CSV files, for
//! analysts and for checking against the reference tools.
//!
//! Every command reads its input in one streaming pass with the `csv` crate,
//! computes everything, and only then writes its output (`--output -` is
//! standard output), so a failed run leaves no half-written file. Errors name
//! the file, the line, the column and the problem, and exit non-zero. No
//! output field is ever NaN or infinite: a value that cannot be computed is
//! an error or, where documented, an empty field.

use std::fmt::Write as _;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand, ValueEnum};
use trygg_analysis::counts::{self, Alternative, Coefficient, PrePost, RateMethod};
use trygg_analysis::grid::Grid;
use trygg_analysis::hotspot::{self, GiOptions, PermutationIds, PermutationTest};
use trygg_analysis::kde::{self, Bandwidth, KdeMethod, Kernel};
use trygg_analysis::knox::{self, Bands, Metric, NearRepeat, NearRepeatConfig};
use trygg_analysis::rng::SeededRng;
use trygg_analysis::weights::Weights;

const HOTSPOTS_HELP: &str = "\
Counts the points (or the --count-column of each row) per cell of a square grid, then computes
per cell the Getis-Ord Gi* (binary weights with self-weight 1: the classic z that ArcGIS reports)
and the local Moran's I.

Output, one row per cell in cell-id order:
  cell_id                  row*cols + col
  row, col                 row 0 is the southern row, col 0 the western column
  x_center, y_center       the centre of the cell
  count                    points (or summed counts) in the cell
  gi_star_z                the Gi* z-score (esda G_Local, transform B, star=True)
  gi_star_p                analytic normal p-value of gi_star_z. With --alternative greater (the
                           default) it is one-sided for a hot spot, 1 - Phi(z); with two-sided it
                           is 2 (1 - Phi(|z|)). (esda's p_norm is 1 - Phi(|z|), neither of these.)
  gi_star_p_sim            conditional permutation p-value with --permutations N: with greater,
                           (#{sim >= obs} + 1)/(N + 1), ties counted as at least as extreme; with
                           two-sided, min(1, 2 (min(#{sim >= obs}, #{sim <= obs}) + 1)/(N + 1)).
                           Empty without permutations. A zero cell in an all-zero neighbourhood
                           ties with every simulation and gets p = 1 (esda's folded 'directed' p
                           would call it significant).
  gi_star_fdr_significant  true/false: Benjamini-Hochberg at rate --fdr over all cells, applied to
                           gi_star_p_sim when there are permutations and to gi_star_p otherwise
                           (so with greater: a significant hot spot)
  lisa_i                   local Moran's I (esda Moran_Local) with the --lisa-weights
  lisa_z                   its z under total randomisation (Sokal et al. 1998, as R spdep's Var.Ii)
  lisa_quadrant            HH, LH, LL or HL: the cell's count and its spatial lag above the mean (H)
                           or not (L)
  lisa_p_sim               only with --lisa-p-sim: the conditional permutation p-value of lisa_i,
                           (min(#{sim >= obs}, #{sim <= obs}) + 1)/(N + 1), in the direction of the
                           observed value, with the same permutations as gi_star_p_sim

Points outside the grid are counted and reported on standard error, not in the output.

Example (2,000 events on a 40 x 40 grid of 250 m cells, queen contiguity, 999 permutations):
  trygg analyze hotspots points.csv --x-column x --y-column y --cell-size 250 \\
      --origin 674000,6576000 --extent 40x40 --weights queen --permutations 999 --seed 12345 \\
      --output hotspots.csv";

const KDE_HELP: &str = "\
Kernel density at the centre of every cell of a square grid, in events per square metre: every
kernel integrates to 1 (so the density integrates to the number of events, or the summed
--count-column). Multiply by 1,000,000 for events per km^2.

Kernels, for d < h (0 beyond):
  quartic       3/(pi h^2) (1 - d^2/h^2)^2   (biweight, the crime-mapping default; QGIS's Heatmap
                                              is 7.25 times too large for this kernel, ours is not)
  epanechnikov  2/(pi h^2) (1 - d^2/h^2)
  uniform       1/(pi h^2)
  gaussian      1/(2 pi h^2) exp(-d^2/(2 h^2)), h the standard deviation, for every d; truncated
                where it falls below 1e-15 of its peak (about 8.3 h)

--bandwidth silverman uses Esri's spatial Silverman rule 0.9 min(SD, sqrt(1/ln 2) Dm) n^-0.2 on
the points (SD the standard distance, Dm the median distance to the mean centre) and reports the
bandwidth on standard error.

--method exact sums every point's kernel at every cell centre it reaches: exact for the compact
kernels. --method binned splits each point over the four cell centres around it (linear binning)
and convolves the bins with the kernel: much faster for many points and wide kernels, with an
error per cell centre below 2 t^2 K0 W for the quartic and about t^2/2 K0 W (plus a first-order
term at the kernel's edge) for the Epanechnikov, where t = cell/h, K0 the kernel's peak and W the
events within about h; in practice a fraction of a per cent of the map's peak for h >= 10 cells,
and 1-3 % for h of 2.5-5 cells. The uniform kernel's binning error is first order (avoid it).
--method auto (the default) bins only when the exact sum would be costly and h >= 10 cells.

Output: x,y,density_per_m2 for every cell centre, in cell-id order (row 0 is the southern row,
west to east within a row).

Example (quartic, h = 500 m, a 100 x 100 grid of 100 m cells):
  trygg analyze kde points.csv --x-column x --y-column y --kernel quartic --bandwidth 500 \\
      --cell-size 100 --origin 674000,6576000 --extent 100x100 --output density.csv";

const NEAR_REPEAT_HELP: &str = "\
Ratcliffe's Near Repeat Calculator on event pairs: every pair of events is counted in a table of
spatial bands (rows) by temporal bands (columns), and the table is compared with the tables of
--simulations Monte Carlo runs that permute the times over the fixed locations.

Bands are right-open: with --space-band 100 --space-bands 3 the rows are 'same' (exactly the same
location; left out with --no-same-location), 0-100 (0 < d < 100 when 'same' is its own row), 100-200,
200-300 and 300+; with --time-band 7 --time-bands 3 the columns are 0-7, 7-14, 14-21 and 21+ days
(the NRC labels these '1 to 100', '101 to 200', ... and '0 to 7', '8 to 14', ...).

Times may be numbers (days), dates (2024-01-31; with --date-format also 31/01/2024 or the US
01/31/2024), or ISO 8601 date-times (2024-01-31T13:45:00, optionally with Z or +01:00; a space
may replace the T). Bands are measured in days. --whole-days truncates every time to its day.

Output, one row per cell (rows, then columns):
  space_band,time_band   band labels as above
  observed               pairs observed in the cell
  expected               mean of the simulated tables
  knox_ratio             observed / expected (empty where expected is 0)
  p_value                (#{simulations >= observed} + 1)/(simulations + 1)

To reproduce the NRC exactly, use --metric manhattan and --f32-coordinates (the NRC rounds
coordinates to single precision).

Example (the NRC's Chicago arson run: no header, X, Y and date in columns 1-3):
  trygg analyze near-repeat chicago_arson.csv --no-header --x-column 1 --y-column 2 \\
      --time-column 3 --metric manhattan --space-band 200 --space-bands 3 --time-band 1 \\
      --time-bands 3 --f32-coordinates --simulations 99 --seed 1 --output knox.csv";

const TREND_HELP: &str = "\
Fits a log-linear trend log(mu_t) = b0 + b1 t to a series of counts (e.g. weekly or monthly), by
a Poisson GLM (statsmodels GLM Poisson) or a negative binomial NB2 model with its dispersion alpha
estimated by maximum likelihood (statsmodels discrete NegativeBinomial). Without --time-column
t = 0, 1, 2, ... (the row number); with it, t is the column's value (numbers, or dates in days).

Output rows (term,estimate,se,z,p,ci_low,ci_high; p two-sided, Wald intervals at --confidence):
  intercept         b0
  slope             b1: the change in log expected count per unit of t
  rate_ratio        exp(b1): the factor per unit of t, with its interval (se, z, p empty)
  slope_quasi       poisson only: the slope with its se scaled by sqrt(dispersion) (quasi-Poisson)
  dispersion        poisson only: Pearson chi^2 / df; well above 1 means overdispersion
  alpha             negbin only: the NB2 dispersion
  overdispersion    negbin only: the likelihood-ratio test of alpha = 0 (estimate = LR, p = its
                    p-value)

Example (weekly counts in a column named count):
  trygg analyze trend weekly.csv --count-column count --model poisson";

const COMPARE_HELP: &str = "\
Is the current count different from the previous one? Tests H0 rate_current = rate_previous for
Poisson counts over exposures (period lengths; default 1 each), as statsmodels
test_poisson_2indep(current, E, previous, F, method=...):
  etest   Krishnamoorthy-Thomson E-test (the default; the most accurate)
  score   score test          wald    Wald test
  exact   exact conditional binomial test (no statistic)
  sqrt    variance-stabilising square-root test
  all     one row per method

Output columns: method,alternative,current,previous,current_exposure,previous_exposure,
current_rate,previous_rate,rate_ratio,statistic,p_value,wheeler_sqrt_z. rate_ratio is empty when
the previous count is 0, statistic for the exact test; wheeler_sqrt_z = 2 (sqrt(current) -
sqrt(previous)) (Wheeler's quick check, |z| > 2 flags a change) is given for equal exposures only.

Example (the last 4 weeks against the 4 before):
  trygg analyze compare --current 159 --previous 157 --method all --format text";

const DID_HELP: &str = "\
Did a measure work? Compares the change in a treated area with the change in a control area
over periods of equal length before and after the measure started.

Output rows (method,estimate,se,z,p,ci_low,ci_high; p two-sided, intervals at --confidence):
  wdd               Wheeler & Ratcliffe's (2018) weighted displacement difference:
                    (T1 - T0) - (C1 - C0) plus, with buffers, (B1 - B0) - (D1 - D0) for the
                    treated area's buffer B and the control area's buffer D; se = sqrt of the sum
                    of all counts. Negative means crime fell relative to the control.
  wdd_local         the first part (estimate only)
  wdd_displacement  the buffer part (estimate only; 0 without buffers)
  did_log_irr       Poisson difference-in-differences: the treat:post interaction of
                    count ~ treat + post + treat:post, log((T1/T0)/(C1/C0)),
                    se = sqrt(1/T0 + 1/T1 + 1/C0 + 1/C1)
  did_irr           its exp, the incidence-rate ratio, with its interval; below 1 means the
                    treated area improved relative to the control
  buffer_log_irr    with buffers: the same Poisson DiD for the treated buffer against the control
                    buffer (a displacement check); its exp is buffer_irr
The Poisson rows are left out, with a note on standard error, when a count is 0.

Example (Wheeler & Ratcliffe's published example: WDD = -118, se 39.6):
  trygg analyze did --treated-before 207 --treated-after 110 --control-before 308 \\
      --control-after 318 --buffer-before 178 --buffer-after 157 --control-buffer-before 150 \\
      --control-buffer-after 140 --format text";

/// The `trygg analyze` subcommands.
#[derive(Subcommand)]
pub enum AnalyzeCommand {
    /// Hot spots on a grid: Getis-Ord Gi* and local Moran's I per cell, with FDR control.
    #[command(after_long_help = HOTSPOTS_HELP)]
    Hotspots(HotspotsArgs),
    /// Kernel density of points at the cell centres of a grid, in events per m².
    #[command(after_long_help = KDE_HELP)]
    Kde(KdeArgs),
    /// Near repeat: the Knox table of event pairs by distance and time bands, with Monte Carlo p-values.
    #[command(after_long_help = NEAR_REPEAT_HELP)]
    NearRepeat(NearRepeatArgs),
    /// Trend of a count series (Poisson or negative binomial).
    #[command(after_long_help = TREND_HELP)]
    Trend(TrendArgs),
    /// Compare two counts (this period against the previous one).
    #[command(after_long_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Evaluate a measure: weighted displacement difference and Poisson difference-in-differences.
    #[command(after_long_help = DID_HELP)]
    Did(DidArgs),
}

/// The input file and how to read it.
#[derive(Args)]
pub struct InputArgs {
    /// The CSV file to read ("-" for standard input).
    file: PathBuf,
    /// The file has no header row: give columns by 1-based number instead of name.
    #[arg(long)]
    no_header: bool,
    /// The field delimiter (one character, e.g. ';').
    #[arg(long, value_name = "CHAR", default_value = ",", value_parser = parse_delimiter)]
    delimiter: u8,
}

/// The coordinate columns.
#[derive(Args)]
pub struct PointColumns {
    /// The column of x (easting, metres): a name, or a 1-based number with --no-header.
    #[arg(long, value_name = "X")]
    x_column: String,
    /// The column of y (northing, metres).
    #[arg(long, value_name = "Y")]
    y_column: String,
    /// A column with a non-negative count (or weight) per row; without it every row is one event.
    #[arg(long, value_name = "C")]
    count_column: Option<String>,
}

/// A square grid.
#[derive(Args)]
pub struct GridArgs {
    /// Cell size in metres.
    #[arg(long, value_name = "M", allow_hyphen_values = true, value_parser = parse_cell_size)]
    cell_size: f64,
    /// The grid's south-west corner, in the coordinates' metres.
    #[arg(long, value_name = "X0,Y0", allow_hyphen_values = true, value_parser = parse_origin)]
    origin: (f64, f64),
    /// Columns (west to east) by rows (south to north).
    #[arg(long, value_name = "COLSxROWS", allow_hyphen_values = true, value_parser = parse_extent)]
    extent: (usize, usize),
}

/// Where the output goes.
#[derive(Args)]
pub struct OutputArgs {
    /// The CSV file to write ("-" for standard output).
    #[arg(long, value_name = "OUT.csv")]
    output: String,
    /// Print how long reading, computing and writing took to standard error.
    #[arg(long)]
    timings: bool,
}

/// `trygg analyze hotspots`.
#[derive(Args)]
pub struct HotspotsArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    columns: PointColumns,
    #[command(flatten)]
    grid: GridArgs,
    /// Neighbours: queen (8 around), rook (4 around) or distance:M (cell centres at most M metres apart).
    #[arg(long, value_name = "queen|rook|distance:M", value_parser = parse_weights)]
    weights: WeightsSpec,
    /// Conditional permutations for gi_star_p_sim (0: none).
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    permutations: u32,
    /// Seed of the permutations: the same seed gives the same p-values.
    #[arg(long, value_name = "S", default_value_t = 12345)]
    seed: u64,
    /// False discovery rate for gi_star_fdr_significant (Benjamini-Hochberg).
    #[arg(long, value_name = "Q", default_value_t = 0.05, allow_hyphen_values = true)]
    fdr: f64,
    /// Which p-values: greater (hot spots, one-sided) or two-sided (hot and cold spots).
    #[arg(long, value_enum, default_value_t = Sided::Greater)]
    alternative: Sided,
    /// The weights of local Moran's I: row (row-standardised, esda's default "r") or binary.
    #[arg(long, value_enum, default_value_t = LisaWeights::Row)]
    lisa_weights: LisaWeights,
    /// Also run local Moran's I's permutation test and add the column lisa_p_sim (needs --permutations).
    #[arg(long, requires = "permutations")]
    lisa_p_sim: bool,
    #[command(flatten)]
    output: OutputArgs,
}

/// `trygg analyze kde`.
#[derive(Args)]
pub struct KdeArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    columns: PointColumns,
    /// The kernel.
    #[arg(long, value_enum)]
    kernel: KernelArg,
    /// Bandwidth in metres (the radius; the standard deviation for gaussian), or "silverman".
    #[arg(long, value_name = "M|silverman", allow_hyphen_values = true, value_parser = parse_bandwidth)]
    bandwidth: BandwidthArg,
    #[command(flatten)]
    grid: GridArgs,
    /// exact (direct sums), binned (linear binning + convolution, error bound in the help) or auto.
    #[arg(long, value_enum, default_value_t = KdeMethodArg::Auto)]
    method: KdeMethodArg,
    #[command(flatten)]
    output: OutputArgs,
}

/// `trygg analyze near-repeat`.
#[derive(Args)]
pub struct NearRepeatArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The column of x (metres): a name, or a 1-based number with --no-header.
    #[arg(long, value_name = "X")]
    x_column: String,
    /// The column of y (metres).
    #[arg(long, value_name = "Y")]
    y_column: String,
    /// The column of times: days (numbers), dates or ISO 8601 date-times.
    #[arg(long, value_name = "T")]
    time_column: String,
    /// How to read dates written with slashes: auto (refuses ambiguous ones), dmy (31/01/2024) or mdy (01/31/2024).
    #[arg(long, value_enum, default_value_t = DateFormat::Auto)]
    date_format: DateFormat,
    /// Truncate every time to its whole day (a date-time to its date, a number down).
    #[arg(long)]
    whole_days: bool,
    /// Distance between events.
    #[arg(long, value_enum, default_value_t = MetricArg::Manhattan)]
    metric: MetricArg,
    /// Width of each spatial band, metres.
    #[arg(long, value_name = "M", allow_hyphen_values = true)]
    space_band: f64,
    /// Number of finite spatial bands (an open band follows them).
    #[arg(long, value_name = "K")]
    space_bands: usize,
    /// Width of each temporal band, days.
    #[arg(long, value_name = "DAYS", allow_hyphen_values = true)]
    time_band: f64,
    /// Number of finite temporal bands (an open band follows them).
    #[arg(long, value_name = "K")]
    time_bands: usize,
    /// No separate "same location" band: the first spatial band is [0, M).
    #[arg(long)]
    no_same_location: bool,
    /// Round coordinates to single precision before measuring distances, as the NRC does.
    #[arg(long)]
    f32_coordinates: bool,
    /// Monte Carlo simulations (99 for p down to 0.01, as the NRC's 100 iterations).
    #[arg(long, value_name = "N", default_value_t = 99)]
    simulations: usize,
    /// Seed of the simulations.
    #[arg(long, value_name = "S", default_value_t = 12345)]
    seed: u64,
    #[command(flatten)]
    output: OutputArgs,
}

/// Output format of the small tables.
#[derive(Args)]
pub struct TableOutput {
    /// csv, or text for a readable table.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Where to write ("-" for standard output).
    #[arg(long, value_name = "OUT", default_value = "-")]
    output: String,
}

/// `trygg analyze trend`.
#[derive(Args)]
pub struct TrendArgs {
    #[command(flatten)]
    input: InputArgs,
    /// The column of counts: a name, or a 1-based number with --no-header.
    #[arg(long, value_name = "C")]
    count_column: String,
    /// The column of times (numbers, or dates counted in days); default 0, 1, 2, ...
    #[arg(long, value_name = "T")]
    time_column: Option<String>,
    /// How to read dates written with slashes (see near-repeat).
    #[arg(long, value_enum, default_value_t = DateFormat::Auto)]
    date_format: DateFormat,
    /// The model.
    #[arg(long, value_enum, default_value_t = Model::Poisson)]
    model: Model,
    /// Confidence level of the intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95, allow_hyphen_values = true)]
    confidence: f64,
    #[command(flatten)]
    output: TableOutput,
}

/// `trygg analyze compare`.
#[derive(Args)]
pub struct CompareArgs {
    /// The current period's count.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_whole_count)]
    current: u64,
    /// The previous period's count.
    #[arg(long, value_name = "M", allow_hyphen_values = true, value_parser = parse_whole_count)]
    previous: u64,
    /// Length (or population) of the current period.
    #[arg(long, value_name = "E", default_value_t = 1.0, allow_hyphen_values = true)]
    current_exposure: f64,
    /// Length (or population) of the previous period.
    #[arg(long, value_name = "F", default_value_t = 1.0, allow_hyphen_values = true)]
    previous_exposure: f64,
    /// The test.
    #[arg(long, value_enum, default_value_t = MethodArg::Etest)]
    method: MethodArg,
    /// The alternative: two-sided, larger (current higher) or smaller.
    #[arg(long, value_enum, default_value_t = AlternativeArg::TwoSided)]
    alternative: AlternativeArg,
    #[command(flatten)]
    output: TableOutput,
}

/// `trygg analyze did`.
#[derive(Args)]
pub struct DidArgs {
    /// Treated area, count before (T0).
    #[arg(long, value_name = "A", allow_hyphen_values = true, value_parser = parse_count)]
    treated_before: f64,
    /// Treated area, count after (T1).
    #[arg(long, value_name = "B", allow_hyphen_values = true, value_parser = parse_count)]
    treated_after: f64,
    /// Control area, count before (C0).
    #[arg(long, value_name = "C", allow_hyphen_values = true, value_parser = parse_count)]
    control_before: f64,
    /// Control area, count after (C1).
    #[arg(long, value_name = "D", allow_hyphen_values = true, value_parser = parse_count)]
    control_after: f64,
    /// Buffer around the treated area, before (displacement check; give all four buffer counts).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count,
          requires_all = ["buffer_after", "control_buffer_before", "control_buffer_after"])]
    buffer_before: Option<f64>,
    /// Buffer around the treated area, after.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count, requires = "buffer_before")]
    buffer_after: Option<f64>,
    /// Buffer around the control area, before.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count, requires = "buffer_before")]
    control_buffer_before: Option<f64>,
    /// Buffer around the control area, after.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count, requires = "buffer_before")]
    control_buffer_after: Option<f64>,
    /// Confidence level of the intervals.
    #[arg(long, value_name = "LEVEL", default_value_t = 0.95, allow_hyphen_values = true)]
    confidence: f64,
    #[command(flatten)]
    output: TableOutput,
}

/// Spatial weights on the grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeightsSpec {
    /// Queen contiguity.
    Queen,
    /// Rook contiguity.
    Rook,
    /// Cell centres at most this many metres apart.
    Distance(f64),
}

/// A bandwidth argument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BandwidthArg {
    /// Metres.
    Fixed(f64),
    /// The spatial Silverman rule.
    Silverman,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Sided {
    Greater,
    TwoSided,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LisaWeights {
    Row,
    Binary,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KernelArg {
    Quartic,
    Gaussian,
    Epanechnikov,
    Uniform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KdeMethodArg {
    Exact,
    Binned,
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MetricArg {
    Manhattan,
    Euclidean,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DateFormat {
    Auto,
    Dmy,
    Mdy,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Model {
    Poisson,
    Negbin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Csv,
    Text,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MethodArg {
    Etest,
    Score,
    Wald,
    Exact,
    Sqrt,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AlternativeArg {
    TwoSided,
    Larger,
    Smaller,
}

/// Runs a command; errors go to standard error with exit code 1.
pub fn main(command: AnalyzeCommand) -> ExitCode {
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader of standard output stopped (e.g. `| head`): not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether an error is a write to a closed pipe.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let io =
            c.downcast_ref::<std::io::Error>().or_else(|| match c.downcast_ref::<csv::Error>()?.kind() {
                csv::ErrorKind::Io(io) => Some(io),
                _ => None,
            });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Runs a command.
pub fn run(command: AnalyzeCommand) -> Result<()> {
    match command {
        AnalyzeCommand::Hotspots(a) => hotspots(&a),
        AnalyzeCommand::Kde(a) => kde_command(&a),
        AnalyzeCommand::NearRepeat(a) => near_repeat(&a),
        AnalyzeCommand::Trend(a) => trend(&a),
        AnalyzeCommand::Compare(a) => compare(&a),
        AnalyzeCommand::Did(a) => did(&a),
    }
}

// ---------------------------------------------------------------------------
// Argument parsers (clap reports their errors and exits with code 2).

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s.as_bytes() {
        [b] if b.is_ascii() => Ok(*b),
        _ if s == "\\t" || s == "tab" => Ok(b'\t'),
        _ => Err(format!("the delimiter must be one ASCII character, got {s:?}")),
    }
}

fn parse_finite(s: &str, what: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("{what} must be a number, got {s:?}")),
    }
}

fn parse_cell_size(s: &str) -> Result<f64, String> {
    let v = parse_finite(s, "the cell size")?;
    if v > 0.0 { Ok(v) } else { Err(format!("the cell size must be a positive number of metres, got {s}")) }
}

fn parse_origin(s: &str) -> Result<(f64, f64), String> {
    let (x, y) = s
        .split_once(',')
        .ok_or_else(|| format!("the origin must be X0,Y0 (e.g. 674000,6576000), got {s:?}"))?;
    Ok((parse_finite(x, "the origin's x")?, parse_finite(y, "the origin's y")?))
}

fn parse_extent(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("the extent must be COLSxROWS with whole numbers (e.g. 40x40), got {s:?}");
    let (c, r) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (cols, rows): (usize, usize) =
        (c.trim().parse().map_err(|_| bad())?, r.trim().parse().map_err(|_| bad())?);
    if cols == 0 || rows == 0 {
        return Err(format!("the extent {s} has no cells: it needs at least one column and one row"));
    }
    if cols.saturating_mul(rows) > 100_000_000 {
        return Err(format!("the extent {s} has more than 100 million cells"));
    }
    Ok((cols, rows))
}

fn parse_weights(s: &str) -> Result<WeightsSpec, String> {
    match s {
        "queen" => Ok(WeightsSpec::Queen),
        "rook" => Ok(WeightsSpec::Rook),
        _ => match s.strip_prefix("distance:") {
            Some(m) => {
                let v = parse_finite(m, "the distance band")?;
                if v > 0.0 {
                    Ok(WeightsSpec::Distance(v))
                } else {
                    Err(format!("the distance band must be a positive number of metres, got {m}"))
                }
            }
            None => Err(format!("weights must be queen, rook or distance:M (e.g. distance:500), got {s:?}")),
        },
    }
}

fn parse_bandwidth(s: &str) -> Result<BandwidthArg, String> {
    if s.eq_ignore_ascii_case("silverman") {
        return Ok(BandwidthArg::Silverman);
    }
    match s.trim().parse::<f64>() {
        Ok(h) if h.is_finite() && h > 1e7 => Err(format!("the bandwidth {s} m is more than 10,000 km")),
        Ok(h) if h.is_finite() && h > 0.0 => Ok(BandwidthArg::Fixed(h)),
        Ok(_) => Err(format!("the bandwidth must be a positive number of metres (or silverman), got {s}")),
        Err(_) => Err(format!("the bandwidth must be a number of metres or silverman, got {s:?}")),
    }
}

fn parse_count(s: &str) -> Result<f64, String> {
    let v = parse_finite(s, "a count")?;
    if v >= 0.0 { Ok(v) } else { Err(format!("a count must be 0 or more, got {s}")) }
}

fn parse_whole_count(s: &str) -> Result<u64, String> {
    s.trim().parse::<u64>().map_err(|_| format!("a count must be a whole number, 0 or more, got {s:?}"))
}

// ---------------------------------------------------------------------------
// Reading CSV.

/// An open CSV file with the columns a command asked for resolved.
struct Source {
    label: String,
    reader: csv::Reader<Box<dyn Read>>,
    /// Field index of each requested column.
    index: Vec<usize>,
    /// Display name of each requested column (the header, or its number).
    names: Vec<String>,
    has_header: bool,
}

/// One data row, with what an error message needs.
struct Row<'a> {
    source_label: &'a str,
    names: &'a [String],
    index: &'a [usize],
    record: &'a csv::ByteRecord,
    line: u64,
}

impl Row<'_> {
    /// An error about requested column `k` of this row.
    fn error(&self, k: usize, problem: impl std::fmt::Display) -> anyhow::Error {
        anyhow!("{}: line {}, column {}: {problem}", self.source_label, self.line, self.names[k])
    }

    /// The text of requested column `k` (trimmed).
    fn text(&self, k: usize) -> Result<&str> {
        let Some(bytes) = self.record.get(self.index[k]) else {
            return Err(anyhow!(
                "{}: line {} has {} fields, so it has no column {}",
                self.source_label,
                self.line,
                self.record.len(),
                self.names[k]
            ));
        };
        std::str::from_utf8(bytes).map(str::trim).map_err(|_| self.error(k, "the text is not valid UTF-8"))
    }

    /// The finite number in requested column `k`.
    fn number(&self, k: usize) -> Result<f64> {
        let s = self.text(k)?;
        if s.is_empty() {
            return Err(self.error(k, "the field is empty, but a number is needed"));
        }
        match s.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(self.error(k, format!("{s:?} is not a finite number"))),
            Err(_) if s.contains(',') => {
                Err(self.error(k, format!("{s:?} is not a number (use a decimal point)")))
            }
            Err(_) => Err(self.error(k, format!("{s:?} is not a number"))),
        }
    }

    /// A count or weight: a finite number ≥ 0.
    fn count(&self, k: usize) -> Result<f64> {
        let v = self.number(k)?;
        if v < 0.0 {
            return Err(self.error(k, format!("{v} is negative; a count must be 0 or more")));
        }
        Ok(v)
    }
}

impl Source {
    /// Opens `input` and resolves `columns` (names, or 1-based numbers with `--no-header`).
    fn open(input: &InputArgs, columns: &[&str]) -> Result<Self> {
        let label = input.file.display().to_string();
        let reader: Box<dyn Read> = if input.file.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::fs::File::open(&input.file).with_context(|| format!("cannot open {label}"))?)
        };
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(!input.no_header)
            .delimiter(input.delimiter)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(reader);
        let (mut index, mut names) = (Vec::new(), Vec::new());
        if input.no_header {
            for c in columns {
                match c.trim().parse::<usize>() {
                    Ok(n) if n >= 1 => {
                        index.push(n - 1);
                        names.push(n.to_string());
                    }
                    _ => bail!("{label}: with --no-header, columns are 1-based numbers, got {c:?}"),
                }
            }
        } else {
            let headers = reader.byte_headers().map_err(|e| csv_error(&label, e))?.clone();
            if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
                bail!("{label}: the file is empty");
            }
            let headers: Vec<String> =
                headers.iter().map(|h| String::from_utf8_lossy(h).trim().to_string()).collect();
            for c in columns {
                let Some(i) = headers.iter().position(|h| h == c) else {
                    let hint = if c.parse::<usize>().is_ok() {
                        " (use --no-header to give columns by number)"
                    } else {
                        ""
                    };
                    bail!(
                        "{label}: there is no column named {c:?}; the columns are {}{hint}",
                        headers.join(", ")
                    );
                };
                index.push(i);
                names.push(c.to_string());
            }
        }
        Ok(Self { label, reader, index, names, has_header: !input.no_header })
    }

    /// Calls `f` for every data row; errors if there is none.
    fn for_each(&mut self, mut f: impl FnMut(&Row) -> Result<()>) -> Result<u64> {
        let mut record = csv::ByteRecord::new();
        let mut rows = 0u64;
        loop {
            match self.reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(csv_error(&self.label, e)),
            }
            let line = record.position().map_or(rows + 1, |p| p.line());
            let row = Row {
                source_label: &self.label,
                names: &self.names,
                index: &self.index,
                record: &record,
                line,
            };
            f(&row)?;
            rows += 1;
        }
        if rows == 0 {
            if self.has_header {
                bail!("{}: there are no data rows after the header", self.label);
            }
            bail!("{}: the file is empty", self.label);
        }
        Ok(rows)
    }
}

fn csv_error(label: &str, e: csv::Error) -> anyhow::Error {
    match e.position() {
        Some(p) => anyhow!("{label}: line {}: {}", p.line(), e.kind_message()),
        None => anyhow!("{label}: {}", e.kind_message()),
    }
}

/// The message of a csv error without its position (which we report ourselves).
trait KindMessage {
    fn kind_message(&self) -> String;
}

impl KindMessage for csv::Error {
    fn kind_message(&self) -> String {
        match self.kind() {
            csv::ErrorKind::Io(e) => format!("cannot read: {e}"),
            csv::ErrorKind::Utf8 { err, .. } => format!("not valid UTF-8 ({err})"),
            _ => self.to_string(),
        }
    }
}

// ---------------------------------------------------------------------------
// Times.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Checks a date and returns its day number.
fn civil(y: i64, m: u32, d: u32) -> Result<i64, String> {
    if !(1..=9999).contains(&y) {
        return Err(format!("year {y} is out of range"));
    }
    if !(1..=12).contains(&m) {
        return Err(format!("there is no month {m}"));
    }
    if d == 0 || d > days_in_month(y, m) {
        return Err(format!("there is no day {d} in month {m} of {y}"));
    }
    Ok(days_from_civil(y, m, d))
}

fn digits<T: std::str::FromStr>(s: &str, len: std::ops::RangeInclusive<usize>) -> Option<T> {
    (len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Seconds into the day of `HH:MM[:SS[.fff]]` followed by an optional `Z`,
/// `±HH:MM` or `±HHMM` offset (subtracted, so the result is UTC).
fn time_of_day(s: &str) -> Option<f64> {
    let (clock, offset) = if let Some(c) = s.strip_suffix(['Z', 'z']) {
        (c, 0.0)
    } else if let Some(i) = s.rfind(['+', '-']).filter(|&i| i >= 5) {
        let (c, o) = s.split_at(i);
        let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
        let o = &o[1..];
        let (h, m) = match o.split_once(':') {
            Some((h, m)) => (h, m),
            None if o.len() == 4 => o.split_at(2),
            None => (o, "00"),
        };
        let (h, m): (u32, u32) = (digits(h, 2..=2)?, digits(m, 2..=2)?);
        if h > 23 || m > 59 {
            return None;
        }
        (c, sign * f64::from(h * 3600 + m * 60))
    } else {
        (s, 0.0)
    };
    let mut parts = clock.split(':');
    let h: u32 = digits(parts.next()?, 1..=2)?;
    let m: u32 = digits(parts.next()?, 2..=2)?;
    let sec = match parts.next() {
        None => 0.0,
        Some(sec) => {
            let (whole, frac) = sec.split_once(['.', ',']).unwrap_or((sec, ""));
            let whole: u32 = digits(whole, 2..=2)?;
            if !frac.bytes().all(|b| b.is_ascii_digit()) || whole > 60 {
                return None;
            }
            f64::from(whole) + if frac.is_empty() { 0.0 } else { format!("0.{frac}").parse::<f64>().ok()? }
        }
    };
    if parts.next().is_some() || h > 24 || m > 59 || (h == 24 && (m > 0 || sec > 0.0)) {
        return None;
    }
    Some(f64::from(h * 3600 + m * 60) + sec - offset)
}

/// A parsed time: days since 1970-01-01, or a slash date whose order is not yet known.
enum Time {
    Days(f64),
    /// `a/b/year` and seconds into the day.
    Slash(u32, u32, i64, f64),
}

/// Parses a number (days), an ISO date or date-time, or a slash date.
fn parse_time(s: &str, format: DateFormat) -> Result<Time, String> {
    if let Ok(v) = s.parse::<f64>() {
        return if v.is_finite() { Ok(Time::Days(v)) } else { Err(format!("{s:?} is not a finite number")) };
    }
    let bad = || format!("{s:?} is not a time (use days, 2024-01-31, 2024-01-31T13:45:00 or 31/01/2024)");
    let (date, clock) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let seconds = match clock {
        Some(c) => time_of_day(c).ok_or_else(bad)?,
        None => 0.0,
    };
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    if parts.len() != 3 {
        return Err(bad());
    }
    if date.contains('-') && parts[0].len() == 4 {
        let (y, m, d) = (
            digits(parts[0], 4..=4).ok_or_else(bad)?,
            digits(parts[1], 1..=2).ok_or_else(bad)?,
            digits(parts[2], 1..=2).ok_or_else(bad)?,
        );
        let day = civil(y, m, d).map_err(|e| format!("{s:?} is not a date: {e}"))?;
        return Ok(Time::Days(day as f64 + seconds / 86_400.0));
    }
    let (a, b, y): (u32, u32, i64) = (
        digits(parts[0], 1..=2).ok_or_else(bad)?,
        digits(parts[1], 1..=2).ok_or_else(bad)?,
        digits(parts[2], 4..=4).ok_or_else(bad)?,
    );
    let resolve = |d: u32, m: u32| civil(y, m, d).map_err(|e| format!("{s:?} is not a date: {e}"));
    match format {
        DateFormat::Dmy => Ok(Time::Days(resolve(a, b)? as f64 + seconds / 86_400.0)),
        DateFormat::Mdy => Ok(Time::Days(resolve(b, a)? as f64 + seconds / 86_400.0)),
        DateFormat::Auto => Ok(Time::Slash(a, b, y, seconds)),
    }
}

/// Collects times, deciding the order of slash dates from the whole column.
#[derive(Default)]
struct TimeColumn {
    days: Vec<f64>,
    /// Slash dates still to resolve: (row index, a, b, year, seconds, line).
    pending: Vec<(usize, u32, u32, i64, f64, u64)>,
}

impl TimeColumn {
    fn push(&mut self, row: &Row, k: usize, format: DateFormat) -> Result<()> {
        let s = row.text(k)?;
        if s.is_empty() {
            return Err(row.error(k, "the field is empty, but a time is needed"));
        }
        match parse_time(s, format).map_err(|e| row.error(k, e))? {
            Time::Days(d) => self.days.push(d),
            Time::Slash(a, b, y, sec) => {
                self.pending.push((self.days.len(), a, b, y, sec, row.line));
                self.days.push(0.0);
            }
        }
        Ok(())
    }

    /// The times in days; slash dates are read day-first if any first field
    /// exceeds 12, month-first if any second field does, else refused as ambiguous.
    fn finish(mut self, label: &str, column: &str) -> Result<Vec<f64>> {
        if self.pending.is_empty() {
            return Ok(self.days);
        }
        let day_first = self.pending.iter().find(|p| p.1 > 12);
        let month_first = self.pending.iter().find(|p| p.2 > 12);
        let dmy = match (day_first, month_first) {
            (Some(d), Some(m)) => bail!(
                "{label}: column {column} mixes day-first dates (line {}) and month-first dates (line {}); \
                 pass --date-format dmy or mdy",
                d.5,
                m.5
            ),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => bail!(
                "{label}: column {column}: dates like {}/{}/{} (line {}) could be day-first or month-first; \
                 pass --date-format dmy (31/01/2024) or mdy (01/31/2024, as the NRC)",
                self.pending[0].1,
                self.pending[0].2,
                self.pending[0].3,
                self.pending[0].5
            ),
        };
        for &(i, a, b, y, sec, line) in &self.pending {
            let (d, m) = if dmy { (a, b) } else { (b, a) };
            let day = civil(y, m, d).map_err(|e| {
                anyhow!("{label}: line {line}, column {column}: {a}/{b}/{y} is not a date: {e}")
            })?;
            self.days[i] = day as f64 + sec / 86_400.0;
        }
        Ok(self.days)
    }
}

// ---------------------------------------------------------------------------
// Writing.

/// Shortest round-trip text of a finite number (`-0` written as `0`).
fn num(v: f64) -> String {
    debug_assert!(v.is_finite());
    let v = v + 0.0;
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v:?}") }
}

/// Shortest round-trip text of a finite number, keeping the float style (`1.0`).
fn float(v: f64) -> String {
    format!("{:?}", v + 0.0)
}

/// Refuses non-finite values before anything is written.
fn ensure_finite(what: &str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(i) => bail!("internal error: {what} of item {i} is not a finite number"),
        None => Ok(()),
    }
}

/// Opens the output: a file, or standard output for "-".
fn create_output(path: &str) -> Result<Box<dyn Write>> {
    if path == "-" {
        Ok(Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout().lock())))
    } else {
        let f = std::fs::File::create(path).with_context(|| format!("cannot create {path}"))?;
        Ok(Box::new(BufWriter::with_capacity(1 << 16, f)))
    }
}

fn finish_output(mut out: Box<dyn Write>, path: &str) -> Result<()> {
    out.flush().with_context(|| format!("cannot write {path}"))
}

/// A CSV output written with the `csv` crate (numbers in shortest round-trip form).
struct CsvOut {
    writer: csv::Writer<Box<dyn Write>>,
    path: String,
}

impl CsvOut {
    fn create(path: &str) -> Result<Self> {
        let writer = csv::WriterBuilder::new().has_headers(false).from_writer(create_output(path)?);
        Ok(Self { writer, path: path.to_string() })
    }

    fn record(&mut self, fields: &[&str]) -> Result<()> {
        self.writer.write_record(fields).with_context(|| format!("cannot write {}", self.path))
    }

    /// One row from a tuple (`None` is an empty field).
    fn row(&mut self, row: impl serde::Serialize) -> Result<()> {
        self.writer.serialize(row).with_context(|| format!("cannot write {}", self.path))
    }

    fn finish(self) -> Result<()> {
        let path = self.path;
        let out = self.writer.into_inner().map_err(|e| {
            let io = std::io::Error::new(e.error().kind(), e.error().to_string());
            anyhow::Error::new(io).context(format!("cannot write {path}"))
        })?;
        finish_output(out, &path)
    }
}

/// Phases and their durations, printed with `--timings`.
struct Timer {
    enabled: bool,
    start: Instant,
    last: Instant,
}

impl Timer {
    fn new(enabled: bool) -> Self {
        let now = Instant::now();
        Self { enabled, start: now, last: now }
    }

    /// Ends the phase `name`.
    fn lap(&mut self, name: &str) {
        let now = Instant::now();
        if self.enabled {
            eprintln!("timing\t{name}\t{:.6}", (now - self.last).as_secs_f64());
        }
        self.last = now;
    }

    fn total(&self) {
        if self.enabled {
            eprintln!("timing\ttotal\t{:.6}", self.start.elapsed().as_secs_f64());
        }
    }
}

// ---------------------------------------------------------------------------
// Commands on points.

/// Reads the coordinates (and counts) of every row.
fn read_points(
    input: &InputArgs,
    columns: &PointColumns,
    mut each: impl FnMut(f64, f64, f64),
) -> Result<(String, u64)> {
    let mut wanted = vec![columns.x_column.as_str(), columns.y_column.as_str()];
    wanted.extend(columns.count_column.as_deref());
    let mut source = Source::open(input, &wanted)?;
    let has_count = columns.count_column.is_some();
    let rows = source.for_each(|row| {
        let (x, y) = (row.number(0)?, row.number(1)?);
        let c = if has_count { row.count(2)? } else { 1.0 };
        each(x, y, c);
        Ok(())
    })?;
    Ok((source.label, rows))
}

fn build_grid(g: &GridArgs) -> Result<Grid> {
    let (cols, rows) = g.extent;
    Grid::new(g.origin.0, g.origin.1, g.cell_size, cols, rows).map_err(|e| anyhow!("the grid: {e}"))
}

fn hotspots(a: &HotspotsArgs) -> Result<()> {
    let mut timer = Timer::new(a.output.timings);
    let grid = build_grid(&a.grid)?;
    if a.lisa_p_sim && a.permutations == 0 {
        bail!("--lisa-p-sim needs --permutations N with N > 0");
    }
    if !(a.fdr > 0.0 && a.fdr <= 1.0) {
        bail!("--fdr {} must be a rate above 0 and at most 1 (e.g. 0.05)", a.fdr);
    }
    let mut counts = vec![0.0f64; grid.len()];
    let (mut outside, mut outside_count) = (0u64, 0.0f64);
    let (label, rows) = read_points(&a.input, &a.columns, |x, y, c| match grid.cell_of(x, y) {
        Some(id) => counts[id] += c,
        None => {
            outside += 1;
            outside_count += c;
        }
    })?;
    timer.lap("read");
    if outside > 0 {
        let extra = if a.columns.count_column.is_some() {
            format!(" (count {})", num(outside_count))
        } else {
            String::new()
        };
        eprintln!("{label}: {outside} of {rows} rows{extra} lie outside the grid and were not counted");
    }
    let w = match a.weights {
        WeightsSpec::Queen => Weights::queen(&grid),
        WeightsSpec::Rook => Weights::rook(&grid),
        WeightsSpec::Distance(m) => {
            Weights::distance_band(&grid, m).map_err(|e| anyhow!("the weights: {e}"))?
        }
    };
    if w.islands() == w.len() {
        bail!("the weights give no cell a neighbour: the distance band is shorter than the cell size");
    }
    timer.lap("weights");
    let stat_error = |what: &str| {
        let label = label.clone();
        let what = what.to_string();
        move |e: hotspot::HotspotError| anyhow!("{label}: {what} on {} cells: {e}", grid.len())
    };
    let (gi_z, gi_p) = {
        let gi = hotspot::local_g(&counts, &w, GiOptions::GI_STAR).map_err(stat_error("Gi*"))?;
        let p = match a.alternative {
            Sided::Greater => gi.p_upper(),
            Sided::TwoSided => gi.p_two_sided(),
        };
        (gi.z, p)
    };
    timer.lap("gi_star");
    let ids = if a.permutations > 0 {
        let mut rng = SeededRng::new(a.seed);
        Some(
            PermutationIds::for_weights(&w, a.permutations as usize, &mut rng)
                .map_err(stat_error("permutations"))?,
        )
    } else {
        None
    };
    timer.lap("permutation_ids");
    let gi_sim = match &ids {
        Some(ids) => {
            let t = hotspot::local_g_permutation(&counts, &w, GiOptions::GI_STAR, ids)
                .map_err(stat_error("Gi* permutations"))?;
            Some(match a.alternative {
                Sided::Greater => t.p_greater(),
                Sided::TwoSided => t.p_two_sided(),
            })
        }
        None => None,
    };
    timer.lap("gi_star_permutations");
    let fdr_p = gi_sim.as_deref().unwrap_or(&gi_p);
    let threshold = hotspot::fdr_bh_threshold(fdr_p, a.fdr).map_err(stat_error("FDR"))?;
    timer.lap("fdr");
    // Local Moran's I with the binary weights. Row-standardising a binary row
    // divides it by its cardinality k: I becomes I/k, while its total-
    // randomisation z (EI and sqrt(VI) scale by 1/k too), its quadrant and its
    // permutation p-values do not change. So the row version is the binary
    // one with I/k, without a second, weighted copy of the weights.
    let (lisa_i, lisa_z, lisa_quadrant) = {
        let lisa = hotspot::local_moran(&counts, &w).map_err(stat_error("local Moran's I"))?;
        let mut i = lisa.i;
        if a.lisa_weights == LisaWeights::Row {
            for (id, v) in i.iter_mut().enumerate() {
                let k = w.cardinality(id);
                if k > 0 {
                    *v /= k as f64;
                }
            }
        }
        (i, lisa.z_total, lisa.quadrant)
    };
    timer.lap("lisa");
    let lisa_sim = match (&ids, a.lisa_p_sim) {
        (Some(ids), true) => {
            let t = hotspot::local_moran_permutation(&counts, &w, ids)
                .map_err(stat_error("local Moran permutations"))?;
            Some(folded_p(&t))
        }
        _ => None,
    };
    timer.lap("lisa_permutations");
    for (what, v) in [("gi_star_z", &gi_z), ("gi_star_p", &gi_p), ("lisa_i", &lisa_i), ("lisa_z", &lisa_z)] {
        ensure_finite(what, v)?;
    }
    ensure_finite("gi_star_p_sim", gi_sim.as_deref().unwrap_or(&[]))?;
    ensure_finite("lisa_p_sim", lisa_sim.as_deref().unwrap_or(&[]))?;

    let mut header = vec![
        "cell_id",
        "row",
        "col",
        "x_center",
        "y_center",
        "count",
        "gi_star_z",
        "gi_star_p",
        "gi_star_p_sim",
        "gi_star_fdr_significant",
        "lisa_i",
        "lisa_z",
        "lisa_quadrant",
    ];
    if lisa_sim.is_some() {
        header.push("lisa_p_sim");
    }
    let mut out = CsvOut::create(&a.output.output)?;
    out.record(&header)?;
    for id in 0..grid.len() {
        let (r, c) = grid.row_col(id);
        let (xc, yc) = grid.center(id);
        let significant = threshold.is_some_and(|t| fdr_p[id] <= t);
        let row = (
            id,
            r,
            c,
            xc + 0.0,
            yc + 0.0,
            num(counts[id]),
            gi_z[id] + 0.0,
            gi_p[id] + 0.0,
            gi_sim.as_ref().map(|p| p[id]),
            significant,
            lisa_i[id] + 0.0,
            lisa_z[id] + 0.0,
            lisa_quadrant[id].label(),
        );
        match &lisa_sim {
            Some(p) => out.row((row, p[id]))?,
            None => out.row(row)?,
        }
    }
    out.finish()?;
    timer.lap("write");
    timer.total();
    Ok(())
}

/// `(min(n_ge, n_le) + 1)/(R + 1)`: the permutation p in the direction of the observed value.
fn folded_p(t: &PermutationTest) -> Vec<f64> {
    let r = f64::from(t.replicates) + 1.0;
    t.n_ge.iter().zip(&t.n_le).map(|(&g, &l)| (f64::from(g.min(l)) + 1.0) / r).collect()
}

fn kde_command(a: &KdeArgs) -> Result<()> {
    let mut timer = Timer::new(a.output.timings);
    let grid = build_grid(&a.grid)?;
    let (mut xs, mut ys, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    let has_count = a.columns.count_column.is_some();
    let (label, _) = read_points(&a.input, &a.columns, |x, y, c| {
        xs.push(x);
        ys.push(y);
        if has_count {
            ws.push(c);
        }
    })?;
    timer.lap("read");
    let kernel = match a.kernel {
        KernelArg::Quartic => Kernel::Quartic,
        KernelArg::Gaussian => Kernel::Gaussian,
        KernelArg::Epanechnikov => Kernel::Epanechnikov,
        KernelArg::Uniform => Kernel::Uniform,
    };
    let bandwidth = match a.bandwidth {
        BandwidthArg::Fixed(h) => Bandwidth::Fixed(h),
        BandwidthArg::Silverman => Bandwidth::SpatialSilverman,
    };
    let h = bandwidth.resolve(&xs, &ys).map_err(|e| anyhow!("{label}: {e}"))?;
    if a.bandwidth == BandwidthArg::Silverman {
        eprintln!("{label}: bandwidth {h:.3} m (spatial Silverman rule)");
    }
    let weights = has_count.then_some(ws.as_slice());
    let method = match a.method {
        KdeMethodArg::Exact => KdeMethod::Exact,
        KdeMethodArg::Binned => KdeMethod::Binned,
        KdeMethodArg::Auto => KdeMethod::Auto,
    };
    let chosen = method.choose(&grid, xs.len(), kernel, h);
    let cells = h / grid.cell_size();
    if chosen == KdeMethod::Binned && cells < 2.0 {
        bail!(
            "--method binned needs a bandwidth of at least 2 cells (here {h} m on {} m cells): \
             with fewer the binning error is as large as the density; use --method exact",
            grid.cell_size()
        );
    }
    if chosen == KdeMethod::Binned && cells < 10.0 {
        eprintln!(
            "{label}: note: binned with a bandwidth of {cells:.1} cells; the error can reach a few per cent \
             of the peak (see --help), --method exact has none"
        );
    }
    if a.method == KdeMethodArg::Auto && chosen == KdeMethod::Binned {
        eprintln!(
            "{label}: binned kernel density (--method auto on {} points); --method exact sums exactly",
            xs.len()
        );
    }
    let density = kde::kde_grid_with(chosen, &grid, &xs, &ys, weights, kernel, h)
        .map_err(|e| anyhow!("{label}: {e}"))?;
    ensure_finite("density", &density)?;
    timer.lap("kde");
    let mut out = CsvOut::create(&a.output.output)?;
    out.record(&["x", "y", "density_per_m2"])?;
    for (id, d) in density.iter().enumerate() {
        let (x, y) = grid.center(id);
        out.row((x + 0.0, y + 0.0, d.max(0.0)))?;
    }
    out.finish()?;
    timer.lap("write");
    timer.total();
    Ok(())
}

fn near_repeat(a: &NearRepeatArgs) -> Result<()> {
    let mut timer = Timer::new(a.output.timings);
    let mut source = Source::open(&a.input, &[&a.x_column, &a.y_column, &a.time_column])?;
    let (mut xs, mut ys, mut times) = (Vec::new(), Vec::new(), TimeColumn::default());
    source.for_each(|row| {
        xs.push(row.number(0)?);
        ys.push(row.number(1)?);
        times.push(row, 2, a.date_format)
    })?;
    let label = source.label.clone();
    let mut ts = times.finish(&label, &source.names[2])?;
    if a.whole_days {
        ts.iter_mut().for_each(|t| *t = t.floor());
    }
    timer.lap("read");
    let config = NearRepeatConfig {
        metric: match a.metric {
            MetricArg::Manhattan => Metric::Manhattan,
            MetricArg::Euclidean => Metric::Euclidean,
        },
        space: Bands::new(a.space_band, a.space_bands),
        time: Bands::new(a.time_band, a.time_bands),
        same_location: !a.no_same_location,
        round_to_f32: a.f32_coordinates,
    };
    let prepared = NearRepeat::new(&xs, &ys, &ts, &config).map_err(|e| anyhow!("{label}: {e}"))?;
    timer.lap("observed");
    let result = prepared.simulate(a.simulations, a.seed).map_err(|e| anyhow!("{label}: {e}"))?;
    timer.lap("simulations");
    ensure_finite("expected", &result.expected)?;
    ensure_finite("p_value", &result.p_value)?;
    let space = knox::space_band_labels(config.space, config.same_location);
    let time = knox::time_band_labels(config.time);
    let mut text = String::from("space_band,time_band,observed,expected,knox_ratio,p_value\n");
    for cell in result.cells() {
        let ratio = cell.knox_ratio.filter(|r| r.is_finite()).map_or(String::new(), float);
        writeln!(
            text,
            "{},{},{},{},{ratio},{}",
            space[cell.space_band],
            time[cell.time_band],
            cell.observed,
            float(cell.expected),
            float(cell.p_value)
        )?;
    }
    let mut out = create_output(&a.output.output)?;
    out.write_all(text.as_bytes()).with_context(|| format!("cannot write {}", a.output.output))?;
    finish_output(out, &a.output.output)?;
    timer.lap("write");
    timer.total();
    Ok(())
}

// ---------------------------------------------------------------------------
// Small tables: trend, compare, did.

/// A small result table, written as CSV or aligned text.
struct Table {
    header: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&'static str]) -> Self {
        Self { header: header.to_vec(), rows: Vec::new() }
    }

    fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.header.len());
        self.rows.push(row);
    }

    fn render(&self, format: Format) -> String {
        let mut s = String::new();
        match format {
            Format::Csv => {
                s.push_str(&self.header.join(","));
                s.push('\n');
                for r in &self.rows {
                    s.push_str(&r.join(","));
                    s.push('\n');
                }
            }
            Format::Text => {
                let mut lines: Vec<Vec<String>> = vec![self.header.iter().map(|h| h.to_string()).collect()];
                lines.extend(self.rows.iter().map(|r| r.iter().map(|v| readable(v)).collect()));
                let mut widths = vec![0; self.header.len()];
                for l in &lines {
                    for (w, v) in widths.iter_mut().zip(l) {
                        *w = (*w).max(v.chars().count());
                    }
                }
                for l in &lines {
                    let padded: Vec<String> =
                        l.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}", w = *w)).collect();
                    s.push_str(padded.join("  ").trim_end());
                    s.push('\n');
                }
            }
        }
        s
    }

    fn write(&self, output: &TableOutput) -> Result<()> {
        let mut out = create_output(&output.output)?;
        out.write_all(self.render(output.format).as_bytes())
            .with_context(|| format!("cannot write {}", output.output))?;
        finish_output(out, &output.output)
    }
}

/// A cell for a text table: numbers to 6 significant digits, "-" for empty.
fn readable(v: &str) -> String {
    if v.is_empty() {
        return "-".to_string();
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && x.fract() != 0.0 => {
            let magnitude = x.abs().log10().floor();
            if !(-4.0..15.0).contains(&magnitude) {
                format!("{x:.5e}")
            } else {
                format!("{x:.*}", (5.0 - magnitude).max(0.0) as usize)
            }
        }
        _ => v.to_string(),
    }
}

/// Shortest text of a finite number, or empty.
fn cell(v: f64) -> String {
    if v.is_finite() { float(v) } else { String::new() }
}

/// Text for display: at most 6 significant digits in text tables, full precision in CSV.
fn coefficient_row(name: &str, c: &Coefficient) -> Vec<String> {
    vec![
        name.to_string(),
        cell(c.estimate),
        cell(c.se),
        cell(c.z),
        cell(c.p),
        cell(c.ci_low),
        cell(c.ci_high),
    ]
}

fn estimate_row(name: &str, estimate: f64, ci: Option<(f64, f64)>) -> Vec<String> {
    let (lo, hi) = ci.map_or((String::new(), String::new()), |(l, h)| (cell(l), cell(h)));
    vec![name.to_string(), cell(estimate), String::new(), String::new(), String::new(), lo, hi]
}

fn check_confidence(c: f64) -> Result<()> {
    if c > 0.0 && c < 1.0 {
        Ok(())
    } else {
        bail!("--confidence {c} must be strictly between 0 and 1 (e.g. 0.95)")
    }
}

fn trend(a: &TrendArgs) -> Result<()> {
    check_confidence(a.confidence)?;
    let mut wanted = vec![a.count_column.as_str()];
    wanted.extend(a.time_column.as_deref());
    let mut source = Source::open(&a.input, &wanted)?;
    let (mut counts, mut times) = (Vec::new(), TimeColumn::default());
    let with_time = a.time_column.is_some();
    source.for_each(|row| {
        counts.push(row.count(0)?);
        if with_time {
            times.push(row, 1, a.date_format)?;
        }
        Ok(())
    })?;
    let label = source.label.clone();
    let times = if with_time {
        times.finish(&label, &source.names[1])?
    } else {
        (0..counts.len()).map(|t| t as f64).collect()
    };
    let fail = |e: counts::CountsError| anyhow!("{label}: {e}");
    let mut table = Table::new(&["term", "estimate", "se", "z", "p", "ci_low", "ci_high"]);
    match a.model {
        Model::Poisson => {
            let fit = counts::poisson_trend_at(&times, &counts, a.confidence).map_err(fail)?;
            table.push(coefficient_row("intercept", &fit.intercept));
            table.push(coefficient_row("slope", &fit.slope));
            table.push(estimate_row(
                "rate_ratio",
                fit.rate_ratio,
                Some((fit.rate_ratio_ci_low, fit.rate_ratio_ci_high)),
            ));
            table.push(coefficient_row("slope_quasi", &fit.slope_quasi));
            table.push(estimate_row("dispersion", fit.dispersion, None));
        }
        Model::Negbin => {
            let fit = counts::negbin_trend_at(&times, &counts, a.confidence).map_err(fail)?;
            table.push(coefficient_row("intercept", &fit.intercept));
            table.push(coefficient_row("slope", &fit.slope));
            table.push(estimate_row(
                "rate_ratio",
                fit.rate_ratio,
                Some((fit.rate_ratio_ci_low, fit.rate_ratio_ci_high)),
            ));
            table.push(coefficient_row("alpha", &fit.alpha));
            let mut lr = estimate_row("overdispersion", fit.overdispersion_lr, None);
            lr[4] = cell(fit.overdispersion_p);
            table.push(lr);
        }
    }
    table.write(&a.output)
}

fn compare(a: &CompareArgs) -> Result<()> {
    for (flag, e) in
        [("--current-exposure", a.current_exposure), ("--previous-exposure", a.previous_exposure)]
    {
        if !(e.is_finite() && e > 0.0) {
            bail!("{flag} {e} must be a positive length of time (or population)");
        }
    }
    let methods: &[(MethodArg, RateMethod, &str)] = &[
        (MethodArg::Etest, RateMethod::ETest, "etest"),
        (MethodArg::Score, RateMethod::Score, "score"),
        (MethodArg::Wald, RateMethod::Wald, "wald"),
        (MethodArg::Exact, RateMethod::ExactConditional, "exact"),
        (MethodArg::Sqrt, RateMethod::Sqrt, "sqrt"),
    ];
    let (alternative, alt_name) = match a.alternative {
        AlternativeArg::TwoSided => (Alternative::TwoSided, "two-sided"),
        AlternativeArg::Larger => (Alternative::Larger, "larger"),
        AlternativeArg::Smaller => (Alternative::Smaller, "smaller"),
    };
    let wheeler = if a.current_exposure == a.previous_exposure {
        counts::wheeler_sqrt_z(a.current as f64, a.previous as f64).map_or(String::new(), cell)
    } else {
        String::new()
    };
    let mut table = Table::new(&[
        "method",
        "alternative",
        "current",
        "previous",
        "current_exposure",
        "previous_exposure",
        "current_rate",
        "previous_rate",
        "rate_ratio",
        "statistic",
        "p_value",
        "wheeler_sqrt_z",
    ]);
    for &(_, method, name) in methods.iter().filter(|m| a.method == MethodArg::All || a.method == m.0) {
        let t = counts::compare_rates(
            a.current,
            a.current_exposure,
            a.previous,
            a.previous_exposure,
            method,
            alternative,
        )
        .map_err(|e| anyhow!("comparing {} with {}: {e}", a.current, a.previous))?;
        table.push(vec![
            name.to_string(),
            alt_name.to_string(),
            a.current.to_string(),
            a.previous.to_string(),
            num(a.current_exposure),
            num(a.previous_exposure),
            cell(t.rate1),
            cell(t.rate2),
            t.ratio.map_or(String::new(), cell),
            t.statistic.map_or(String::new(), cell),
            cell(t.p),
            wheeler.clone(),
        ]);
    }
    table.write(&a.output)
}

fn did(a: &DidArgs) -> Result<()> {
    check_confidence(a.confidence)?;
    let treated = PrePost::new(a.treated_before, a.treated_after);
    let control = PrePost::new(a.control_before, a.control_after);
    let buffers = match (a.buffer_before, a.buffer_after, a.control_buffer_before, a.control_buffer_after) {
        (Some(b0), Some(b1), Some(d0), Some(d1)) => Some((PrePost::new(b0, b1), PrePost::new(d0, d1))),
        (None, None, None, None) => None,
        _ => bail!(
            "give all four buffer counts (--buffer-before, --buffer-after, --control-buffer-before, \
             --control-buffer-after) or none"
        ),
    };
    let fail = |e: counts::CountsError| anyhow!("{e}");
    let w = match buffers {
        Some((b, d)) => counts::wdd_with_displacement(treated, control, b, d, a.confidence),
        None => counts::wdd(treated, control, a.confidence),
    }
    .map_err(fail)?;
    let mut table = Table::new(&["method", "estimate", "se", "z", "p", "ci_low", "ci_high"]);
    table.push(vec![
        "wdd".to_string(),
        cell(w.estimate),
        cell(w.se),
        cell(w.z),
        cell(w.p),
        cell(w.ci_low),
        cell(w.ci_high),
    ]);
    table.push(estimate_row("wdd_local", w.local, None));
    table.push(estimate_row("wdd_displacement", w.displacement, None));
    let mut pairs = vec![("did", treated, control, "the treated and control areas")];
    if let Some((b, d)) = buffers {
        pairs.push(("buffer", b, d, "the buffers"));
    }
    for (prefix, t, c, what) in pairs {
        match counts::poisson_did(t, c, a.confidence) {
            Ok(d) => {
                table.push(coefficient_row(&format!("{prefix}_log_irr"), &d.interaction));
                table.push(estimate_row(
                    &format!("{prefix}_irr"),
                    d.irr,
                    Some((d.irr_ci_low, d.irr_ci_high)),
                ));
            }
            Err(counts::CountsError::ZeroCell(which)) => {
                eprintln!("note: no Poisson difference-in-differences for {what}: the {which} count is 0");
            }
            Err(e) => return Err(fail(e)),
        }
    }
    table.write(&a.output)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(s: &str) -> f64 {
        match parse_time(s, DateFormat::Auto).unwrap() {
            Time::Days(d) => d,
            Time::Slash(..) => panic!("slash"),
        }
    }

    #[test]
    fn times_parse() {
        assert_eq!(days("1970-01-01"), 0.0);
        assert_eq!(days("2024-01-01"), 19_723.0);
        assert_eq!(days("2024-01-01T12:00:00Z"), 19_723.5);
        assert_eq!(days("2024-01-01 06:00"), 19_723.25);
        assert_eq!(days("2024-01-01T13:00:00+01:00"), 19_723.5);
        assert_eq!(days("2024-03-01"), days("2024-02-29") + 1.0);
        assert_eq!(days("12.5"), 12.5);
        assert!(parse_time("2023-02-29", DateFormat::Auto).is_err());
        assert!(parse_time("2024-01-01T25:00", DateFormat::Auto).is_err());
        assert!(parse_time("yesterday", DateFormat::Auto).is_err());
        assert!(matches!(parse_time("31/01/2024", DateFormat::Auto), Ok(Time::Slash(31, 1, 2024, _))));
        let Ok(Time::Days(d)) = parse_time("01/31/2024", DateFormat::Mdy) else { panic!() };
        assert_eq!(d, days("2024-01-31"));
        let Ok(Time::Days(d)) = parse_time("31/01/2024", DateFormat::Dmy) else { panic!() };
        assert_eq!(d, days("2024-01-31"));
    }

    #[test]
    fn numbers_are_written_exactly() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(-0.0), "0");
        assert_eq!(float(0.1), "0.1");
        assert_eq!(float(-0.0), "0.0");
        assert_eq!(float(2.5e-10).parse::<f64>().unwrap(), 2.5e-10);
    }

    #[test]
    fn arguments_are_checked() {
        assert!(parse_extent("0x10").is_err());
        assert_eq!(parse_extent("40x30"), Ok((40, 30)));
        assert!(parse_bandwidth("-5").is_err());
        assert_eq!(parse_bandwidth("silverman"), Ok(BandwidthArg::Silverman));
        assert_eq!(parse_weights("distance:500"), Ok(WeightsSpec::Distance(500.0)));
        assert!(parse_weights("distance:-1").is_err());
        assert_eq!(parse_origin("-10,20.5"), Ok((-10.0, 20.5)));
    }
}
