//! The binned approximation behind [`super::kde_grid_binned`]: linear binning
//! onto a lattice of the grid's cell centres, then an exact convolution of the
//! bins with the kernel sampled at lattice offsets.

use std::ops::Range;

use super::Kernel;
use super::grid_sum::split_rows;
use crate::grid::Grid;

/// Lattices larger than this many cells, and larger than 16 × the grid, are not
/// binned (the kernel is then much wider than the grid; see the module docs).
const MAX_LATTICE: f64 = (1u64 << 24) as f64;

/// The binning lattice: the grid's cell centres extended by `margin` cells on
/// every side, so that every bin the kernel can carry onto the grid is on it.
pub(super) struct Lattice {
    /// x, y of the centre of lattice node (0, 0).
    x0: f64,
    y0: f64,
    cell: f64,
    /// Lattice columns and rows (`out_cols + 2 · margin`, …).
    cols: usize,
    rows: usize,
    out_cols: usize,
    out_rows: usize,
    /// Largest lattice offset (in cells, on one axis) the kernel reaches: ⌊support/cell⌋.
    reach: usize,
    /// `reach + 1`: bins beyond it can never reach a grid cell.
    margin: usize,
}

impl Lattice {
    /// The lattice for `grid` and the kernel's support, or `None` when it
    /// would have more than max(16 × grid cells, 2²⁴) cells.
    pub(super) fn new(grid: &Grid, kernel: Kernel, h: f64) -> Option<Self> {
        let cell = grid.cell_size();
        let reach = (kernel.support(h) / cell).floor();
        let side = |n: usize| n as f64 + 2.0 * (reach + 1.0);
        let cells = side(grid.cols()) * side(grid.rows());
        if cells.is_nan() || cells > MAX_LATTICE.max(16.0 * grid.len() as f64) {
            return None;
        }
        let (reach, margin) = (reach as usize, reach as usize + 1);
        let (gx, gy) = grid.origin();
        let shift = (0.5 - margin as f64) * cell;
        Some(Lattice {
            x0: gx + shift,
            y0: gy + shift,
            cell,
            cols: grid.cols() + 2 * margin,
            rows: grid.rows() + 2 * margin,
            out_cols: grid.cols(),
            out_rows: grid.rows(),
            reach,
            margin,
        })
    }

    fn len(&self) -> usize {
        self.cols * self.rows
    }

    fn row<'a>(&self, bins: &'a [f64], s: usize) -> &'a [f64] {
        &bins[s * self.cols..(s + 1) * self.cols]
    }
}

/// The binned density at every cell centre of the lattice's grid, in cell-id order.
pub(super) fn on_grid(
    l: &Lattice,
    xs: &[f64],
    ys: &[f64],
    weights: Option<&[f64]>,
    kernel: Kernel,
    h: f64,
) -> Vec<f64> {
    let (bins, spans) = bin(l, xs, ys, weights);
    let mut out = vec![0.0; l.out_cols * l.out_rows];
    match kernel {
        Kernel::Uniform => compact::<1>(l, &bins, &spans, &row_taps(l, h, |_, _| [1.0]), &mut out),
        Kernel::Epanechnikov => {
            compact::<2>(l, &bins, &spans, &row_taps(l, h, |a2, s2| [a2, -s2]), &mut out);
        }
        Kernel::Quartic => {
            let taps = row_taps(l, h, |a2, s2| [a2 * a2, -2.0 * a2 * s2, s2 * s2]);
            compact::<3>(l, &bins, &spans, &taps, &mut out);
        }
        Kernel::Gaussian => gaussian(l, &bins, &spans, h, &mut out),
    }
    let c = kernel.constant(h);
    for v in &mut out {
        // Rounding in the moment sums can leave −1e-16-sized values where the kernel is ~0.
        *v = (*v * c).max(0.0);
    }
    out
}

/// Linear (cloud-in-cell) binning: each point's weight is split over the four
/// lattice nodes around it with bilinear weights, which sum to the weight and
/// whose centroid is the point. Points whose four nodes are not all on the
/// lattice are out of the kernel's reach of the grid and are skipped. Also
/// returns each lattice row's non-zero span.
///
/// Large inputs are binned in parts of [`POINTS_PER_PART`] points on several
/// threads, and the parts' lattices added in order; the parts depend only on
/// the input, so the result does not depend on the number of cores.
fn bin(
    l: &Lattice,
    xs: &[f64],
    ys: &[f64],
    weights: Option<&[f64]>,
) -> (Vec<f64>, Vec<Option<(usize, usize)>>) {
    let n = xs.len();
    // Parts only when the lattice is no larger than the points (each part has its own).
    let parts = if n >= l.len() { n.div_ceil(POINTS_PER_PART).min(MAX_PARTS) } else { 1 };
    let per = n.div_ceil(parts);
    let part = |k: usize| {
        let r = (k * per).min(n)..((k + 1) * per).min(n);
        let mut lattice = vec![0.0; l.len()];
        bin_into(l, &xs[r.clone()], &ys[r.clone()], weights.map(|w| &w[r]), &mut lattice);
        lattice
    };
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let mut lattices: Vec<Vec<f64>> = if parts > 1 && cores > 1 {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (1..parts).map(|k| scope.spawn(move || part(k))).collect();
            let first = part(0);
            let rest = handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            std::iter::once(first).chain(rest).collect()
        })
    } else {
        (0..parts).map(part).collect()
    };
    let mut lattice = std::mem::take(&mut lattices[0]);
    for other in &lattices[1..] {
        for (t, o) in lattice.iter_mut().zip(other) {
            *t += o;
        }
    }
    let spans = lattice.chunks(l.cols).map(nonzero_span).collect();
    (lattice, spans)
}

/// Points per part when binning on several threads.
const POINTS_PER_PART: usize = 1 << 19;

/// At most this many parts (each holds a copy of the lattice).
const MAX_PARTS: usize = 4;

fn bin_into(l: &Lattice, xs: &[f64], ys: &[f64], weights: Option<&[f64]>, lattice: &mut [f64]) {
    let inv = 1.0 / l.cell;
    let (umax, vmax) = ((l.cols - 1) as f64, (l.rows - 1) as f64);
    for (i, (&x, &y)) in xs.iter().zip(ys).enumerate() {
        let (u, v) = ((x - l.x0) * inv, (y - l.y0) * inv);
        if !(u >= 0.0 && u < umax && v >= 0.0 && v < vmax) {
            continue;
        }
        let (cu, rv) = (u as usize, v as usize);
        let (fu, fv) = (u - cu as f64, v - rv as f64);
        let w = weights.map_or(1.0, |w| w[i]);
        let (south, north) = (w * (1.0 - fv), w * fv);
        let k = rv * l.cols + cu;
        lattice[k] += south * (1.0 - fu);
        lattice[k + 1] += south * fu;
        lattice[k + l.cols] += north * (1.0 - fu);
        lattice[k + l.cols + 1] += north * fu;
    }
}

/// First and last non-zero index of a lattice row, or `None` if it is all zero.
fn nonzero_span(row: &[f64]) -> Option<(usize, usize)> {
    let lo = row.iter().position(|&v| v != 0.0)?;
    let hi = row.iter().rposition(|&v| v != 0.0)?;
    Some((lo, hi))
}

/// One row offset `d` of a compact kernel: on lattice row offset ±d the kernel
/// is `Σ_k coef[k] · j^(2k)` for column offsets |j| ≤ `half` and 0 beyond.
struct RowTap<const M: usize> {
    d: usize,
    half: usize,
    coef: [f64; M],
}

/// The taps of a compact kernel, ordered by `half` (so by decreasing `d`).
/// `poly(a2, s2)` gives the coefficients of the shape in `j²` for
/// `a2 = 1 − (d·cell/h)²` and `s2 = (cell/h)²`. A lattice offset (d, j) is
/// inside when `(d·cell)² + (j·cell)² < h²`, the test [`Kernel::value`] uses.
fn row_taps<const M: usize>(l: &Lattice, h: f64, poly: impl Fn(f64, f64) -> [f64; M]) -> Vec<RowTap<M>> {
    let (c, h2) = (l.cell, h * h);
    let inside = |d: usize, j: usize| (d as f64 * c).powi(2) + (j as f64 * c).powi(2) < h2;
    let s2 = (c / h).powi(2);
    let mut taps = Vec::new();
    for d in (0..=l.reach).rev() {
        if !inside(d, 0) {
            continue;
        }
        let mut half = ((h2 - (d as f64 * c).powi(2)).max(0.0).sqrt() / c).floor() as usize;
        half = half.min(l.reach);
        while half > 0 && !inside(d, half) {
            half -= 1;
        }
        while half < l.reach && inside(d, half + 1) {
            half += 1;
        }
        let a2 = 1.0 - (d as f64 * c).powi(2) / h2;
        taps.push(RowTap { d, half, coef: poly(a2, s2) });
    }
    taps
}

/// Convolution with a compact kernel whose rows are polynomials of degree
/// `2(M − 1)` in the column offset, for all output rows, on several threads.
fn compact<const M: usize>(
    l: &Lattice,
    bins: &[f64],
    spans: &[Option<(usize, usize)>],
    taps: &[RowTap<M>],
    out: &mut [f64],
) {
    // Multiply-adds, roughly (the threshold of `split_rows` is about a millisecond's worth).
    let busy = spans.iter().filter(|s| s.is_some()).count() as f64;
    let work = busy * (l.reach + 1) as f64 * l.out_cols as f64 * (M + 1) as f64;
    split_rows(l.out_rows, l.out_cols, work, out, |rows, chunk| {
        compact_rows(l, bins, spans, taps, rows, chunk);
    });
}

/// Output rows `rows` (into `out`) of [`compact`]. For each lattice row `s` the
/// even moments `m_k[i] = Σ_{|j| ≤ J} bin[s][i + j] · j^(2k)` are grown one `J`
/// at a time (sums of non-negative terms); whenever `J` is some tap's `half`,
/// `Σ_k coef[k] · m_k` is that lattice row's contribution to output rows s ∓ d.
fn compact_rows<const M: usize>(
    l: &Lattice,
    bins: &[f64],
    spans: &[Option<(usize, usize)>],
    taps: &[RowTap<M>],
    rows: Range<usize>,
    out: &mut [f64],
) {
    let Some(widest) = taps.last().map(|t| t.half) else { return };
    let (cols, e) = (l.out_cols, l.margin);
    let mut m: [Vec<f64>; M] = std::array::from_fn(|_| vec![0.0; cols]);
    let mut tmp = vec![0.0; cols];
    let lattice_rows = rows.start + e - l.reach..(rows.end + e + l.reach).min(l.rows);
    for s in lattice_rows {
        let Some((lo, hi)) = spans[s] else { continue };
        // Output columns i with some bin of this row within `widest` of i + e.
        let ia = lo.saturating_sub(e + widest).min(cols);
        let ib = (hi + widest + 1).saturating_sub(e).min(cols);
        if ia >= ib {
            continue;
        }
        let row = l.row(bins, s);
        m[0][ia..ib].copy_from_slice(&row[e + ia..e + ib]);
        for mk in &mut m[1..] {
            mk[ia..ib].fill(0.0);
        }
        let mut next = 0;
        for j in 0..=widest {
            if j > 0 {
                add_pairs(&mut m, row, ia..ib, e, j);
            }
            while let Some(tap) = taps.get(next).filter(|t| t.half == j) {
                emit(&m, tap, ia..ib, s as isize - e as isize, &rows, cols, &mut tmp, out);
                next += 1;
            }
        }
    }
}

/// Grows the moments from half-width `j − 1` to `j`.
#[inline(always)]
fn add_pairs<const M: usize>(m: &mut [Vec<f64>; M], row: &[f64], cols: Range<usize>, e: usize, j: usize) {
    let (j2, j4) = ((j * j) as f64, (j * j * j * j) as f64);
    let left = &row[e + cols.start - j..e + cols.end - j];
    let right = &row[e + cols.start + j..e + cols.end + j];
    match m.as_mut_slice() {
        [m0] => {
            for ((o, a), b) in m0[cols].iter_mut().zip(left).zip(right) {
                *o += a + b;
            }
        }
        [m0, m1] => {
            for (((o0, o1), a), b) in m0[cols.clone()].iter_mut().zip(&mut m1[cols]).zip(left).zip(right) {
                let p = a + b;
                *o0 += p;
                *o1 += j2 * p;
            }
        }
        [m0, m1, m2] => {
            let (m0, m1, m2) = (&mut m0[cols.clone()], &mut m1[cols.clone()], &mut m2[cols]);
            for ((((o0, o1), o2), a), b) in m0.iter_mut().zip(m1).zip(m2).zip(left).zip(right) {
                let p = a + b;
                *o0 += p;
                *o1 += j2 * p;
                *o2 += j4 * p;
            }
        }
        general => {
            for (k, mk) in general.iter_mut().enumerate() {
                let jk = j2.powi(k as i32);
                for ((o, a), b) in mk[cols.clone()].iter_mut().zip(left).zip(right) {
                    *o += jk * (a + b);
                }
            }
        }
    }
}

/// Adds one tap's row (`Σ_k coef[k] · m_k`) to output rows `centre ∓ d` that lie in `rows`.
#[allow(clippy::too_many_arguments)]
fn emit<const M: usize>(
    m: &[Vec<f64>; M],
    tap: &RowTap<M>,
    span: Range<usize>,
    centre: isize,
    rows: &Range<usize>,
    cols: usize,
    tmp: &mut [f64],
    out: &mut [f64],
) {
    let d = tap.d as isize;
    let in_rows = |j: isize| j >= rows.start as isize && j < rows.end as isize;
    let below = in_rows(centre - d).then(|| (centre - d) as usize - rows.start);
    let above = (d > 0 && in_rows(centre + d)).then(|| (centre + d) as usize - rows.start);
    if below.is_none() && above.is_none() {
        return;
    }
    let t = &mut tmp[span.clone()];
    t.copy_from_slice(&m[0][span.clone()]);
    for v in t.iter_mut() {
        *v *= tap.coef[0];
    }
    for (mk, &ck) in m.iter().zip(&tap.coef).skip(1) {
        for (v, x) in t.iter_mut().zip(&mk[span.clone()]) {
            *v += ck * x;
        }
    }
    for r in [below, above].into_iter().flatten() {
        for (o, v) in out[r * cols..][span.clone()].iter_mut().zip(t.iter()) {
            *o += v;
        }
    }
}

/// The separable Gaussian: rows of bins are convolved with the sampled 1-D
/// kernel `g(j) = exp(−(j·cell)²/(2h²))` for |j·cell| ≤ the cut-off, then
/// the columns of the result. Both passes are sums of non-negative terms.
fn gaussian(l: &Lattice, bins: &[f64], spans: &[Option<(usize, usize)>], h: f64, out: &mut [f64]) {
    let support = Kernel::Gaussian.support(h);
    let g: Vec<f64> = (0..=l.reach)
        .map(|j| j as f64 * l.cell)
        .map(|x| if x <= support { (-x * x / (2.0 * h * h)).exp() } else { 0.0 })
        .collect();
    let Some(busy_first) = spans.iter().position(Option::is_some) else { return };
    let busy_last = spans.iter().rposition(Option::is_some).unwrap_or(busy_first);
    let taps = (l.reach + 1) as f64;
    let busy = spans.iter().filter(|s| s.is_some()).count() as f64;
    let mut across = vec![0.0; l.rows * l.out_cols];
    split_rows(l.rows, l.out_cols, busy * taps * l.out_cols as f64, &mut across, |rows, chunk| {
        for (s, o) in rows.zip(chunk.chunks_mut(l.out_cols)) {
            if spans[s].is_some() {
                symmetric_row(l.row(bins, s), l.margin, &g, o);
            }
        }
    });
    let work = (l.out_rows * l.out_cols) as f64 * taps;
    let busy_rows = busy_first..busy_last + 1;
    split_rows(l.out_rows, l.out_cols, work, out, |rows, chunk| {
        gaussian_down(l, &across, busy_rows.clone(), &g, rows, chunk);
    });
}

/// Columns computed together (in registers) by the Gaussian passes.
const LANES: usize = 8;

/// `out[i] = g[0]·src[c+i] + Σ_{d ≥ 1} g[d]·(src[c+i−d] + src[c+i+d])` for
/// `c = centre`, which must leave `g.len() − 1` values of `src` on each side.
fn symmetric_row(src: &[f64], centre: usize, g: &[f64], out: &mut [f64]) {
    let r = g.len() - 1;
    let whole = out.len() / LANES * LANES;
    let (body, tail) = out.split_at_mut(whole);
    for (k, o) in body.chunks_exact_mut(LANES).enumerate() {
        let win = &src[centre + k * LANES - r..centre + k * LANES + r + LANES];
        let mut acc = [0.0; LANES];
        for (a, x) in acc.iter_mut().zip(&win[r..r + LANES]) {
            *a = g[0] * x;
        }
        for (d, &gd) in g.iter().enumerate().skip(1) {
            let (left, right) = (&win[r - d..r - d + LANES], &win[r + d..r + d + LANES]);
            for ((a, x), y) in acc.iter_mut().zip(left).zip(right) {
                *a += gd * (x + y);
            }
        }
        o.copy_from_slice(&acc);
    }
    for (i, o) in tail.iter_mut().enumerate() {
        let c = centre + whole + i;
        *o = (1..=r).fold(g[0] * src[c], |a, d| a + g[d] * (src[c - d] + src[c + d]));
    }
}

/// Output rows `rows` of the column pass: for each output row, the rows of
/// `across` within the cut-off (only those in `busy`, outside which they are
/// zero). Column strips are done one after another, so the strip of `across`
/// being read stays in the cache.
fn gaussian_down(
    l: &Lattice,
    across: &[f64],
    busy: Range<usize>,
    g: &[f64],
    rows: Range<usize>,
    out: &mut [f64],
) {
    let (cols, e) = (l.out_cols, l.margin);
    // Per output row: its lattice row c and how far the busy rows reach below and above it.
    let reach: Vec<(usize, usize, usize)> = rows
        .clone()
        .map(|j| {
            let c = j + e;
            let below = c.saturating_sub(busy.start).min(l.reach);
            let above = busy.end.saturating_sub(c + 1).min(l.reach);
            (c, below, above)
        })
        .collect();
    let whole = cols / LANES * LANES;
    for k in (0..whole).step_by(LANES) {
        let strip = |s: usize| across[s * cols + k..].first_chunk::<LANES>().unwrap_or(&[0.0; LANES]);
        for (&(c, below, above), o) in reach.iter().zip(out.chunks_mut(cols)) {
            let acc = down_sum(c, below, above, busy.contains(&c), g, [0.0; LANES], strip);
            o[k..k + LANES].copy_from_slice(&acc);
        }
    }
    for i in whole..cols {
        let cell = |s: usize| [across[s * cols + i]];
        for (&(c, below, above), o) in reach.iter().zip(out.chunks_mut(cols)) {
            o[i] = down_sum(c, below, above, busy.contains(&c), g, [0.0], cell)[0];
        }
    }
}

/// `g[0]·x(c) + Σ_{d ≥ 1} g[d]·(x(c − d) + x(c + d))`, lane by lane, over the
/// offsets within `below` / `above` (beyond them `x` is zero).
#[inline(always)]
fn down_sum<const N: usize, X: AsRef<[f64]>>(
    c: usize,
    below: usize,
    above: usize,
    centre: bool,
    g: &[f64],
    mut acc: [f64; N],
    x: impl Fn(usize) -> X,
) -> [f64; N] {
    let both = below.min(above);
    if centre {
        for (a, v) in acc.iter_mut().zip(x(c).as_ref()) {
            *a = g[0] * v;
        }
    }
    for (d, &gd) in g.iter().enumerate().take(both + 1).skip(1) {
        let (lo, hi) = (x(c - d), x(c + d));
        for ((a, u), v) in acc.iter_mut().zip(lo.as_ref()).zip(hi.as_ref()) {
            *a += gd * (u + v);
        }
    }
    for (d, &gd) in g.iter().enumerate().take(below.max(above) + 1).skip(both + 1) {
        let s = if d <= below { c - d } else { c + d };
        for (a, v) in acc.iter_mut().zip(x(s).as_ref()) {
            *a += gd * v;
        }
    }
    acc
}
