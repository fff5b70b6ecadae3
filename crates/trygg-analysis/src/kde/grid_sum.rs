//! The summation engines behind [`super::kde_grid`] and [`super::kde_points`].

use std::ops::Range;

use super::Kernel;
use crate::grid::Grid;

/// Below this many point-row visits a grid is done on one thread.
const PARALLEL_WORK: f64 = 4.0e6;

/// Points sorted into horizontal bands of the grid's rows (CSR layout).
struct RowBuckets {
    xs: Vec<f64>,
    ys: Vec<f64>,
    ws: Vec<f64>,
    /// `starts[b]..starts[b + 1]` are the points of band `lo + b`.
    starts: Vec<usize>,
    /// The band of `starts[0]` (bands are row indices, as floats).
    lo: f64,
}

/// The grid geometry and kernel constants shared by the row sweeps.
struct Setup {
    x0: f64,
    y0: f64,
    cell: f64,
    cols: usize,
    rows: usize,
    h: f64,
    h2: f64,
    support: f64,
    /// h / cell: the kernel radius in columns.
    r: f64,
    constant: f64,
}

impl Setup {
    fn new(grid: &Grid, kernel: Kernel, h: f64) -> Self {
        let (x0, y0) = grid.origin();
        let cell = grid.cell_size();
        Setup {
            x0,
            y0,
            cell,
            cols: grid.cols(),
            rows: grid.rows(),
            h,
            h2: h * h,
            support: kernel.support(h),
            r: h / cell,
            constant: kernel.constant(h),
        }
    }

    /// x of the centre of column `k` (computed as [`Grid::center`] does).
    fn cx(&self, k: usize) -> f64 {
        self.x0 + (k as f64 + 0.5) * self.cell
    }

    /// y of the centre of row `j`.
    fn cy(&self, j: usize) -> f64 {
        self.y0 + (j as f64 + 0.5) * self.cell
    }

    /// The band (row index, possibly outside the grid) of a y coordinate, as a float.
    fn band(&self, y: f64) -> f64 {
        ((y - self.y0) / self.cell).floor()
    }

    /// The cells `lo..=hi` (clamped to `0..len`) whose centres lie within
    /// `reach` of `v` on one axis, roughly (callers tolerate one cell of slack
    /// at values where the kernel is 0 or below the Gaussian tail).
    fn span(&self, v: f64, origin: f64, reach: f64, len: usize) -> Option<(usize, usize)> {
        let lo = ((v - reach - origin) / self.cell - 0.5).ceil().max(0.0);
        let hi = ((v + reach - origin) / self.cell - 0.5).floor().min(len as f64 - 1.0);
        (lo <= hi).then_some((lo as usize, hi as usize))
    }
}

impl RowBuckets {
    /// Keeps the points whose kernel can reach a cell centre and sorts them by band.
    fn new(s: &Setup, xs: &[f64], ys: &[f64], weights: Option<&[f64]>) -> Self {
        let (xa, xb) = (s.cx(0) - s.support, s.cx(s.cols - 1) + s.support);
        let (ya, yb) = (s.cy(0) - s.support, s.cy(s.rows - 1) + s.support);
        // Bands below/above the grid are clamped into one band each side beyond
        // `rows` of margin; range queries clamp the same way, so they stay supersets.
        let margin = (s.support / s.cell).ceil().min(s.rows as f64) + 1.0;
        let lo = s.band(ya).max(-margin);
        let nbands = (s.band(yb).min(s.rows as f64 + margin) - lo) as usize + 1;
        let mut b =
            RowBuckets { xs: Vec::new(), ys: Vec::new(), ws: Vec::new(), starts: vec![0; nbands + 1], lo };
        let keep = |i: usize| xs[i] > xa && xs[i] < xb && ys[i] > ya && ys[i] < yb;
        for i in (0..xs.len()).filter(|&i| keep(i)) {
            let k = b.index(s, ys[i]);
            b.starts[k + 1] += 1;
        }
        for k in 0..nbands {
            b.starts[k + 1] += b.starts[k];
        }
        let n = b.starts[nbands];
        (b.xs, b.ys, b.ws) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        let mut next = b.starts.clone();
        for i in (0..xs.len()).filter(|&i| keep(i)) {
            let slot = &mut next[b.index(s, ys[i])];
            b.xs[*slot] = xs[i];
            b.ys[*slot] = ys[i];
            b.ws[*slot] = weights.map_or(1.0, |w| w[i]);
            *slot += 1;
        }
        b
    }

    /// The (clamped) band index of a y coordinate.
    fn index(&self, s: &Setup, y: f64) -> usize {
        let last = (self.starts.len() - 2) as f64;
        (s.band(y) - self.lo).clamp(0.0, last) as usize
    }

    /// The points whose band overlaps `[ya, yb]` (a superset of those with y in it).
    fn range(&self, s: &Setup, ya: f64, yb: f64) -> Range<usize> {
        self.starts[self.index(s, ya)]..self.starts[self.index(s, yb) + 1]
    }
}

/// Density at every cell centre; see [`super::kde_grid`].
pub(super) fn on_grid(
    grid: &Grid,
    xs: &[f64],
    ys: &[f64],
    weights: Option<&[f64]>,
    kernel: Kernel,
    h: f64,
) -> Vec<f64> {
    let s = Setup::new(grid, kernel, h);
    let pts = RowBuckets::new(&s, xs, ys, weights);
    let mut out = vec![0.0; grid.len()];
    let reach_rows = 2.0 * s.support / s.cell + 1.0;
    let work = pts.xs.len() as f64 * reach_rows.min(s.rows as f64);
    let direct = s.r <= SCATTER_MAX_R;
    let run = |rows: Range<usize>, chunk: &mut [f64]| match kernel {
        Kernel::Uniform if direct => scatter(&s, &pts, rows, chunk, true, |_| 1.0),
        Kernel::Epanechnikov if direct => scatter(&s, &pts, rows, chunk, false, |u| u),
        Kernel::Quartic if direct => scatter(&s, &pts, rows, chunk, false, |u| u * u),
        Kernel::Uniform => sweep::<2>(&s, &pts, rows, chunk, true, uniform_coef),
        Kernel::Epanechnikov => sweep::<4>(&s, &pts, rows, chunk, false, epanechnikov_coef),
        Kernel::Quartic => sweep::<6>(&s, &pts, rows, chunk, false, quartic_coef),
        Kernel::Gaussian => gaussian(&s, &pts, rows, chunk),
    };
    split_rows(s.rows, s.cols, work, &mut out, run);
    out
}

/// Up to this radius in cells (h/cell) the compact kernels are summed cell by
/// cell (O(n·r²), each cell a plain sum of positive terms); beyond it, by the
/// row-difference sweep (O(n·r)).
const SCATTER_MAX_R: f64 = 24.0;

/// The cell-by-cell sum of a compact kernel: per point and row, the run of
/// cells within `h` gets `w · shape(1 − d²/h²)` added directly.
fn scatter(
    s: &Setup,
    pts: &RowBuckets,
    rows: Range<usize>,
    out: &mut [f64],
    exact_edges: bool,
    shape: impl Fn(f64) -> f64 + Copy,
) {
    let (inv_cell, inv_h2) = (1.0 / s.cell, 1.0 / s.h2);
    let mut first = rows.start;
    for strip_out in out.chunks_mut(STRIP * s.cols) {
        let n = strip_out.len() / s.cols;
        let y_first = s.cy(first);
        for i in pts.range(s, y_first - s.h, s.cy(first + n - 1) + s.h) {
            let (x, y, w) = (pts.xs[i], pts.ys[i], pts.ws[i] * s.constant);
            let ta = floor((y - s.h - y_first) * inv_cell).clamp(0, n as i64 - 1) as usize;
            let tb = ceil((y + s.h - y_first) * inv_cell).clamp(0, n as i64 - 1) as usize;
            let cx = (x - s.x0) * inv_cell - 0.5;
            for (t, row) in strip_out.chunks_mut(s.cols).enumerate().take(tb + 1).skip(ta) {
                let dy = s.cy(first + t) - y;
                let a2 = 1.0 - dy * dy * inv_h2;
                if a2 <= 0.0 {
                    continue;
                }
                let half = a2.sqrt() * s.r;
                let run = if exact_edges {
                    exact_run(s, cx - half, cx + half, x, dy)
                } else {
                    clamp_run(s, floor(cx - half).saturating_add(1), ceil(cx + half).saturating_sub(1))
                };
                let Some((a, b)) = run else { continue };
                let dx0 = s.cx(a) - x;
                for (k, o) in row[a..=b].iter_mut().enumerate() {
                    let dx = dx0 + k as f64 * s.cell;
                    *o += w * shape((a2 - dx * dx * inv_h2).max(0.0));
                }
            }
        }
        first += n;
    }
}

/// Runs `run` over row ranges, on several threads when the work is large.
pub(super) fn split_rows(
    rows: usize,
    cols: usize,
    work: f64,
    out: &mut [f64],
    run: impl Fn(Range<usize>, &mut [f64]) + Sync,
) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let threads = if work < PARALLEL_WORK { 1 } else { cores.min(rows) };
    if threads <= 1 {
        run(0..rows, out);
        return;
    }
    let per = rows.div_ceil(threads);
    std::thread::scope(|scope| {
        for (i, chunk) in out.chunks_mut(per * cols).enumerate() {
            let first = i * per;
            let run = &run;
            scope.spawn(move || run(first..first + chunk.len() / cols, chunk));
        }
    });
}

/// Rows swept together per pass over their points (each point is read about
/// `1 + 2h/(cell · STRIP)` times).
const STRIP: usize = 32;

/// Coefficients of the kernel along a row, as a polynomial in the block-local
/// column `t` (all lanes but the last, lowest power first), for a point of
/// weight `w` centred at `t = m`, with `a2 = 1 − dy²/h²` and `s2 = (cell/h)²`.
/// The last lane is 1: it counts the points whose run covers a cell, so cells
/// that no point reaches come out exactly 0.
trait RowPoly<const L: usize>: Fn(f64, f64, f64, f64) -> [f64; L] + Copy {}
impl<const L: usize, F: Fn(f64, f64, f64, f64) -> [f64; L] + Copy> RowPoly<L> for F {}

fn uniform_coef(_a2: f64, _m: f64, _s2: f64, w: f64) -> [f64; 2] {
    [w, 1.0]
}

/// `a2 − s2 (t − m)²` = α + β t + γ t².
#[inline(always)]
fn epanechnikov_coef(a2: f64, m: f64, s2: f64, w: f64) -> [f64; 4] {
    [w * (a2 - s2 * m * m), w * 2.0 * s2 * m, -w * s2, 1.0]
}

/// `(a2 − s2 (t − m)²)²`, expanded.
#[inline(always)]
fn quartic_coef(a2: f64, m: f64, s2: f64, w: f64) -> [f64; 6] {
    let (al, be, ga) = (a2 - s2 * m * m, 2.0 * s2 * m, -s2);
    [w * al * al, w * 2.0 * al * be, w * (be * be + 2.0 * al * ga), w * 2.0 * be * ga, w * ga * ga, 1.0]
}

/// The sweep's fixed numbers.
struct SweepSetup {
    /// Columns per block; a row's differences hold `block + 1` slots per
    /// block (the last takes runs that end at the block's end, so no write
    /// needs a branch).
    block: usize,
    slots: usize,
    inv_block: f64,
    inv_cell: f64,
    inv_h2: f64,
    s2: f64,
    exact_edges: bool,
}

impl SweepSetup {
    fn new(s: &Setup, exact_edges: bool) -> Self {
        // Blocks wider than a run (≤ 2r + 1 columns) so a run spans at most
        // two; |s·m| ≤ 3 keeps the expanded coefficients small (module docs).
        let block = ((2.0 * s.r).floor() + 2.0).min(s.cols as f64) as usize;
        SweepSetup {
            block,
            slots: s.cols.div_ceil(block) * (block + 1),
            inv_block: 1.0 / block as f64,
            inv_cell: 1.0 / s.cell,
            inv_h2: 1.0 / s.h2,
            s2: 1.0 / (s.r * s.r),
            exact_edges,
        }
    }
}

/// The exact row sweep for a compact polynomial kernel (`L − 1` coefficients).
fn sweep<const L: usize>(
    s: &Setup,
    pts: &RowBuckets,
    rows: Range<usize>,
    out: &mut [f64],
    exact_edges: bool,
    coef: impl RowPoly<L>,
) {
    let ss = SweepSetup::new(s, exact_edges);
    let mut diff = vec![Comp::<L>::ZERO; STRIP * ss.slots];
    let (mut a2, mut half) = ([0.0; STRIP], [0.0; STRIP]);
    let mut first = rows.start;
    for strip_out in out.chunks_mut(STRIP * s.cols) {
        let n = strip_out.len() / s.cols;
        let y_first = s.cy(first);
        for i in pts.range(s, y_first - s.h, s.cy(first + n - 1) + s.h) {
            let (x, y, w) = (pts.xs[i], pts.ys[i], pts.ws[i]);
            let ta = floor((y - s.h - y_first) * ss.inv_cell).clamp(0, n as i64 - 1) as usize;
            let tb = ceil((y + s.h - y_first) * ss.inv_cell).clamp(0, n as i64 - 1) as usize;
            for t in ta..=tb {
                let dy = s.cy(first + t) - y;
                a2[t] = 1.0 - dy * dy * ss.inv_h2;
                half[t] = a2[t].max(0.0).sqrt() * s.r;
            }
            let cx = (x - s.x0) * ss.inv_cell - 0.5;
            for t in (ta..=tb).filter(|&t| a2[t] > 0.0) {
                let run = if ss.exact_edges {
                    exact_run(s, cx - half[t], cx + half[t], x, s.cy(first + t) - y)
                } else {
                    clamp_run(s, floor(cx - half[t]).saturating_add(1), ceil(cx + half[t]).saturating_sub(1))
                };
                if let Some((a, b)) = run {
                    let row = &mut diff[t * ss.slots..(t + 1) * ss.slots];
                    add_run(&ss, row, a, b, cx, a2[t], w, coef);
                }
            }
        }
        for (row, row_out) in diff.chunks_mut(ss.slots).zip(strip_out.chunks_mut(s.cols)) {
            finish_row(row, ss.block, s.constant, row_out);
        }
        first += n;
    }
}

/// Adds a point's run `a..=b` in one row (`cx`: the point's x in column
/// units, cell centres at integers) to that row's differences.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn add_run<const L: usize>(
    ss: &SweepSetup,
    row: &mut [Comp<L>],
    a: usize,
    b: usize,
    cx: f64,
    a2: f64,
    w: f64,
    coef: impl RowPoly<L>,
) {
    let (wb, slot) = (ss.block, ss.block + 1);
    // a / wb without an integer division: (a + ½)/wb is never within rounding of an integer.
    let block_of = |k: usize| ((k as f64 + 0.5) * ss.inv_block) as usize;
    let (ba, bb) = (block_of(a), block_of(b));
    let ca = coef(a2, cx - (ba * wb) as f64, ss.s2, w);
    let cb = coef(a2, cx - (bb * wb) as f64, ss.s2, w);
    row[ba * slot + a - ba * wb].add(&ca, 1.0);
    // A run into the next block restarts there (a no-op +0 when it does not).
    row[bb * slot].add(&cb, if bb != ba { 1.0 } else { 0.0 });
    row[bb * slot + b + 1 - bb * wb].add(&cb, -1.0);
}

/// A compensated (Knuth two-sum) accumulator per lane: thousands of points
/// start and end runs in one block, and a plain sum would leave their
/// rounding (∝ their number) behind in cells they do not reach.
#[derive(Debug, Clone, Copy)]
struct Comp<const L: usize> {
    hi: [f64; L],
    lo: [f64; L],
}

impl<const L: usize> Comp<L> {
    const ZERO: Self = Comp { hi: [0.0; L], lo: [0.0; L] };

    #[inline(always)]
    fn add(&mut self, c: &[f64; L], sign: f64) {
        for ((hi, lo), c) in self.hi.iter_mut().zip(self.lo.iter_mut()).zip(c) {
            let (sum, err) = two_sum(*hi, sign * c);
            *hi = sum;
            *lo += err;
        }
    }

    #[inline(always)]
    fn add_comp(&mut self, other: &Self) {
        self.add(&other.hi, 1.0);
        for (lo, o) in self.lo.iter_mut().zip(&other.lo) {
            *lo += o;
        }
    }

    fn value(&self) -> [f64; L] {
        std::array::from_fn(|k| self.hi[k] + self.lo[k])
    }
}

/// `a + b` and its exact rounding error.
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let z = s - a;
    (s, (a - (s - z)) + (b - z))
}

/// `floor` without a libm call (saturating far outside the i64 range, which callers clamp).
#[inline(always)]
fn floor(v: f64) -> i64 {
    let t = v as i64;
    t.saturating_sub(i64::from((t as f64) > v))
}

#[inline(always)]
fn ceil(v: f64) -> i64 {
    let t = v as i64;
    t.saturating_add(i64::from((t as f64) < v))
}

/// Columns `a..=b` clamped to the grid, or `None` if empty.
#[inline(always)]
fn clamp_run(s: &Setup, a: i64, b: i64) -> Option<(usize, usize)> {
    let (a, b) = (a.max(0), b.min(s.cols as i64 - 1));
    (a <= b).then_some((a as usize, b as usize))
}

/// The columns whose centres satisfy `dx² + dy² < h²` exactly as the direct
/// sum computes it (needed by the discontinuous uniform kernel): start one
/// cell wide of the sqrt estimate and shrink.
fn exact_run(s: &Setup, lo: f64, hi: f64, x: f64, dy: f64) -> Option<(usize, usize)> {
    let (mut a, mut b) = clamp_run(s, floor(lo), ceil(hi))?;
    let inside = |k: usize| {
        let dx = s.cx(k) - x;
        dx * dx + dy * dy < s.h2
    };
    while a <= b && !inside(a) {
        a += 1;
    }
    while b >= a && !inside(b) {
        if b == 0 {
            return None;
        }
        b -= 1;
    }
    (a <= b).then_some((a, b))
}

/// Prefix-sums one row's differences block by block into densities, then clears them.
fn finish_row<const L: usize>(row: &mut [Comp<L>], block: usize, constant: f64, out: &mut [f64]) {
    for (diffs, cells) in row.chunks_mut(block + 1).zip(out.chunks_mut(block)) {
        let mut acc = Comp::<L>::ZERO;
        for (t, (o, c)) in cells.iter_mut().zip(diffs.iter()).enumerate() {
            acc.add_comp(c);
            let lanes = acc.value();
            let v = horner(&lanes[..L - 1], t as f64) * constant;
            *o = if lanes[L - 1] > 0.5 && v > 0.0 { v } else { 0.0 };
        }
        diffs.fill(Comp::ZERO);
    }
}

fn horner(c: &[f64], t: f64) -> f64 {
    c.iter().rev().fold(0.0, |v, &k| v * t + k)
}

/// The separable, truncated Gaussian: each point adds `gy(row) · gx(col)` over
/// the square of cells within the cutoff.
fn gaussian(s: &Setup, pts: &RowBuckets, rows: Range<usize>, out: &mut [f64]) {
    let inv = 0.5 / s.h2;
    let mut gx = vec![0.0; s.cols];
    let (ya, yb) = (s.cy(rows.start) - s.support, s.cy(rows.end - 1) + s.support);
    for i in pts.range(s, ya, yb) {
        let (x, y, w) = (pts.xs[i], pts.ys[i], pts.ws[i]);
        let Some((ka, kb)) = s.span(x, s.x0, s.support, s.cols) else { continue };
        let Some((ja, jb)) = s.span(y, s.y0, s.support, s.rows) else { continue };
        let (ja, jb) = (ja.max(rows.start), jb.min(rows.end - 1));
        if ja > jb {
            continue;
        }
        for (k, g) in (ka..=kb).zip(gx.iter_mut()) {
            let dx = s.cx(k) - x;
            *g = (-dx * dx * inv).exp();
        }
        for j in ja..=jb {
            let dy = s.cy(j) - y;
            let gy = w * s.constant * (-dy * dy * inv).exp();
            let row = &mut out[(j - rows.start) * s.cols..][ka..=kb];
            for (o, g) in row.iter_mut().zip(&gx) {
                *o += gy * g;
            }
        }
    }
}

/// Direct sums at arbitrary evaluation points through a bucket grid.
pub(super) fn direct(
    xs: &[f64],
    ys: &[f64],
    weights: Option<&[f64]>,
    kernel: Kernel,
    h: f64,
    ex: &[f64],
    ey: &[f64],
) -> Vec<f64> {
    let reach = kernel.support(h);
    let buckets = Buckets::new(xs, ys, reach);
    ex.iter()
        .zip(ey)
        .map(|(&px, &py)| {
            let mut sum = 0.0;
            buckets.visit(px, py, reach, |i| {
                let d2 = (px - xs[i]).powi(2) + (py - ys[i]).powi(2);
                sum += weights.map_or(1.0, |w| w[i]) * kernel.value(d2, h);
            });
            sum
        })
        .collect()
}

/// A square bucket grid over the points' bounding box (CSR layout).
struct Buckets {
    x0: f64,
    y0: f64,
    size: f64,
    cols: usize,
    rows: usize,
    starts: Vec<usize>,
    items: Vec<usize>,
}

impl Buckets {
    /// Buckets of side `reach` (larger if that would give more than ~4n buckets).
    fn new(xs: &[f64], ys: &[f64], reach: f64) -> Self {
        let (x0, x1) = xs.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let (y0, y1) = ys.iter().fold((f64::MAX, f64::MIN), |(a, b), &v| (a.min(v), b.max(v)));
        let cap = 4.0 * xs.len() as f64 + 16.0;
        let mut size = reach;
        if ((x1 - x0) / size + 1.0) * ((y1 - y0) / size + 1.0) > cap {
            size = ((x1 - x0).max(y1 - y0) / cap.sqrt()).max(reach);
        }
        let cols = ((x1 - x0) / size) as usize + 1;
        let rows = ((y1 - y0) / size) as usize + 1;
        let mut b =
            Buckets { x0, y0, size, cols, rows, starts: vec![0; cols * rows + 1], items: vec![0; xs.len()] };
        let id = |b: &Buckets, i: usize| b.index(xs[i], ys[i]);
        for i in 0..xs.len() {
            let k = id(&b, i);
            b.starts[k + 1] += 1;
        }
        for k in 0..cols * rows {
            b.starts[k + 1] += b.starts[k];
        }
        let mut next = b.starts.clone();
        for i in 0..xs.len() {
            let k = id(&b, i);
            b.items[next[k]] = i;
            next[k] += 1;
        }
        b
    }

    fn index(&self, x: f64, y: f64) -> usize {
        let c = (((x - self.x0) / self.size) as usize).min(self.cols - 1);
        let r = (((y - self.y0) / self.size) as usize).min(self.rows - 1);
        r * self.cols + c
    }

    /// Calls `f` for every point in the buckets within `reach` of (x, y).
    fn visit(&self, x: f64, y: f64, reach: f64, mut f: impl FnMut(usize)) {
        let span = |v: f64, o: f64, n: usize| {
            let a = ((v - reach - o) / self.size).floor().max(0.0);
            let b = ((v + reach - o) / self.size).floor().min(n as f64 - 1.0);
            (a <= b).then_some((a as usize, b as usize))
        };
        let (Some((ca, cb)), Some((ra, rb))) = (span(x, self.x0, self.cols), span(y, self.y0, self.rows))
        else {
            return;
        };
        for r in ra..=rb {
            let (a, b) = (self.starts[r * self.cols + ca], self.starts[r * self.cols + cb + 1]);
            self.items[a..b].iter().for_each(|&i| f(i));
        }
    }
}
