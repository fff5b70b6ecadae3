//! Getis-Ord statistics: local Gi* / Gi (esda `G_Local`) and the global
//! General G (esda `G`).

use super::permutation::{SimWeights, conditional_randomization};
use super::{HotspotError, PermutationIds, PermutationTest, check_non_negative, check_values, normal_sf};
use crate::weights::Weights;

/// How the local G weights are transformed (esda's `transform`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GiTransform {
    /// "B": every neighbour (and, for Gi*, the cell itself) weighs 1. The
    /// standard Gi*.
    #[default]
    Binary,
    /// "R": the binary row (with the self-weight for Gi*) divided by its
    /// sum. esda keeps the binary variance with `W_i = 1`, so its z is
    /// `(local mean − ȳ)/s`, which is not the Ord–Getis z.
    RowStandardized,
}

/// Options for [`local_g`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GiOptions {
    /// Include the cell itself (Gi*) or not (Gi).
    pub star: bool,
    /// The weights transform.
    pub transform: GiTransform,
}

impl GiOptions {
    /// Gi*: binary weights with self-weight 1 (the ArcGIS "Hot Spot Analysis" z).
    pub const GI_STAR: Self = Self { star: true, transform: GiTransform::Binary };
    /// Plain Gi: binary weights, the cell itself left out.
    pub const GI: Self = Self { star: false, transform: GiTransform::Binary };
}

impl Default for GiOptions {
    fn default() -> Self {
        Self::GI_STAR
    }
}

/// Local Getis-Ord G per observation (esda `G_Local` attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct LocalG {
    /// The options used.
    pub options: GiOptions,
    /// `Gs`: the weighted share of the total in the neighbourhood.
    pub g: Vec<f64>,
    /// `EGs = W_i / N`.
    pub expected: Vec<f64>,
    /// `VGs`, the variance under the normality assumption.
    pub variance: Vec<f64>,
    /// `Zs = (Gs − EGs)/sqrt(VGs)`; 0 for degenerate cells (see [`local_g`]).
    pub z: Vec<f64>,
    /// `1 − Φ(|z|)` (esda `p_norm`); double it for two-sided, see [`Self::p_two_sided`].
    pub p_norm: Vec<f64>,
}

impl LocalG {
    /// Two-sided normal p-values `2 (1 − Φ(|z|))`.
    pub fn p_two_sided(&self) -> Vec<f64> {
        self.p_norm.iter().map(|p| (2.0 * p).min(1.0)).collect()
    }

    /// One-sided "hot" p-values `1 − Φ(z)`.
    pub fn p_upper(&self) -> Vec<f64> {
        self.z.iter().map(|&z| normal_sf(z)).collect()
    }
}

/// The neighbour weight, self-weight and row sum `W_i` for a cell with
/// `k` neighbours (only the structure of the weights is used).
fn row_weights(k: usize, options: GiOptions) -> (f64, f64, f64) {
    let k = k as f64;
    match (options.transform, options.star) {
        (GiTransform::Binary, true) => (1.0, 1.0, k + 1.0),
        (GiTransform::Binary, false) => (1.0, 0.0, k),
        (GiTransform::RowStandardized, true) => (1.0 / (k + 1.0), 1.0 / (k + 1.0), 1.0),
        (GiTransform::RowStandardized, false) if k > 0.0 => (1.0 / k, 0.0, 1.0),
        (GiTransform::RowStandardized, false) => (0.0, 0.0, 0.0),
    }
}

/// Validated values and what `G_Local` needs per cell, precomputed.
struct GiModel {
    options: GiOptions,
    sum: f64,
    sum_sq: f64,
    /// `N`: n for Gi*, n − 1 for Gi.
    big_n: f64,
    /// Gi*'s `(EGs, VGs)` by cardinality (they depend on nothing else).
    star_moments: Vec<(f64, f64)>,
}

impl GiModel {
    fn new(y: &[f64], w: &Weights, options: GiOptions) -> Result<Self, HotspotError> {
        check_values(y, w, 3)?;
        check_non_negative(y)?;
        let sum: f64 = y.iter().sum();
        let sum_sq: f64 = y.iter().map(|v| v * v).sum();
        let n = y.len() as f64;
        let big_n = if options.star { n } else { n - 1.0 };
        let mut model = Self { options, sum, sum_sq, big_n, star_moments: Vec::new() };
        if options.star {
            let (mean, mean_sq) = (sum / big_n, sum_sq / big_n);
            model.star_moments =
                (0..=w.max_cardinality()).map(|k| model.moments_from(k, mean, mean_sq)).collect();
        }
        Ok(model)
    }

    /// The denominator of `Gs`: `Σy` for Gi*, `Σy − y_i` for Gi.
    fn denominator(&self, yi: f64) -> f64 {
        if self.options.star { self.sum } else { self.sum - yi }
    }

    /// `Gs` of a cell with `k` neighbours summing to `lag` (0 if nothing to share).
    fn statistic(&self, k: usize, lag: f64, yi: f64) -> f64 {
        let (nb, own, _) = row_weights(k, self.options);
        let den = self.denominator(yi);
        if den > 0.0 { (nb * lag + own * yi) / den } else { 0.0 }
    }

    /// `(EGs, VGs)` of a cell with `k` neighbours and value `yi`.
    fn moments(&self, k: usize, yi: f64) -> (f64, f64) {
        match self.star_moments.get(k) {
            Some(&m) => m,
            None => {
                let (sum, sum_sq) = (self.sum - yi, self.sum_sq - yi * yi);
                self.moments_from(k, sum / self.big_n, sum_sq / self.big_n)
            }
        }
    }

    /// `(EGs, VGs)` given the mean and mean square of the values in `Gs`.
    fn moments_from(&self, k: usize, mean: f64, mean_sq: f64) -> (f64, f64) {
        let (_, _, wi) = row_weights(k, self.options);
        let (n, var) = (self.big_n, mean_sq - mean * mean);
        let vg = wi * (n - wi) / (n - 1.0) * (1.0 / (n * n)) * (var / (mean * mean));
        (wi / n, super::finite_or_zero(vg))
    }
}

/// Local Getis-Ord Gi* (`options.star`) or Gi, esda `G_Local` formulas.
///
/// Only the neighbour structure of `w` is used; the weight values come from
/// `options.transform`. With `N = n` for Gi* and `n − 1` for Gi (whose
/// mean and variance leave `y_i` out):
/// `Gs = Σ_j w_ij y_j / (Σy [− y_i])`, `EGs = W_i/N`,
/// `VGs = W_i (N − W_i)/(N − 1) · s²/(N² ȳ²)` with the population variance
/// `s²`, `Zs = (Gs − EGs)/sqrt(VGs)`.
///
/// Values must be finite, non-negative and not all equal, with n ≥ 3.
/// Degenerate cells get `z = 0` (and `Gs = 0` when the denominator is
/// zero) instead of NaN: a Gi cell without neighbours, a cell whose
/// neighbourhood is everything, or a Gi cell whose other values do not vary.
/// An island's Gi* (transform R) uses self-weight 1 (esda gives NaN).
/// O(n + pairs).
pub fn local_g(y: &[f64], w: &Weights, options: GiOptions) -> Result<LocalG, HotspotError> {
    let model = GiModel::new(y, w, options)?;
    let n = y.len();
    let mut out = LocalG {
        options,
        g: Vec::with_capacity(n),
        expected: Vec::with_capacity(n),
        variance: Vec::with_capacity(n),
        z: Vec::with_capacity(n),
        p_norm: Vec::with_capacity(n),
    };
    let mut sf_cache = super::SfCache::new();
    for (i, &yi) in y.iter().enumerate() {
        let neighbors = w.neighbors(i);
        let lag: f64 = neighbors.iter().map(|&j| y[j as usize]).sum();
        let g = model.statistic(neighbors.len(), lag, yi);
        let (expected, variance) = model.moments(neighbors.len(), yi);
        let z = super::standardize(g, expected, variance);
        out.g.push(g);
        out.expected.push(expected);
        out.variance.push(variance);
        out.z.push(z);
        out.p_norm.push(sf_cache.p_norm(z));
    }
    Ok(out)
}

/// Conditional permutation test of [`local_g`] (esda `G_Local` with
/// `permutations`): replicate `r` of cell `i` is
/// `(Σ_m w_i(m) y_no_i[ids[r, m]] + w_ii y_i) / (Σy [− y_i])`.
/// O(n · replicates); see [`PermutationIds`] for reproducible ids.
pub fn local_g_permutation(
    y: &[f64],
    w: &Weights,
    options: GiOptions,
    ids: &PermutationIds,
) -> Result<PermutationTest, HotspotError> {
    let model = GiModel::new(y, w, options)?;
    conditional_randomization(y, w, SimWeights::Binary, ids, |i| {
        let (nb, own, _) = row_weights(w.cardinality(i), options);
        let den = model.denominator(y[i]);
        if den > 0.0 { (nb / den, own * y[i] / den) } else { (0.0, 0.0) }
    })
}

/// The general Ord & Getis (1995) Gi* z for the weights' own values, with
/// self-weight = the largest weight in the row (1 for an island):
/// `z_i = (Σ_j w_ij y_j − ȳ W_i) / (s · sqrt((n S1_i − W_i²)/(n − 1)))`,
/// `W_i = Σ_j w_ij`, `S1_i = Σ_j w_ij²` (both including `w_ii`), `s` the
/// population standard deviation. It does not change when a row is
/// rescaled, so for row-standardised weights it equals the binary Gi* z.
/// Degenerate rows get 0. O(n + pairs).
pub fn ord_getis_star_z(y: &[f64], w: &Weights) -> Result<Vec<f64>, HotspotError> {
    check_values(y, w, 2)?;
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let s = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    Ok((0..y.len())
        .map(|i| {
            let own = w.row(i).map(|(_, v)| v).fold(f64::NAN, f64::max);
            let own = if own.is_nan() { 1.0 } else { own };
            let (mut lag, mut wi, mut s1) = (own * y[i], own, own * own);
            for (j, v) in w.row(i) {
                lag += v * y[j];
                wi += v;
                s1 += v * v;
            }
            let var = s * s * (n * s1 - wi * wi) / (n - 1.0);
            super::standardize(lag, mean * wi, var)
        })
        .collect())
}

/// Global General G (esda `G`): `G = Σ_ij w_ij y_i y_j / Σ_{i≠j} y_i y_j`
/// with its normality moments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeneralG {
    /// The statistic.
    pub g: f64,
    /// `E[G] = S0 / (n (n − 1))`.
    pub expected: f64,
    /// `Var[G]` (Getis & Ord 1992).
    pub variance: f64,
    /// `(G − E[G]) / sqrt(Var[G])`.
    pub z: f64,
    /// One-sided `1 − Φ(|z|)`.
    pub p_norm: f64,
}

/// General G with the weights' own values (pass binary weights to match
/// esda, which forces transform B). Values must be finite, non-negative,
/// not all equal, n ≥ 4, and some pair must be neighbours. O(n + pairs).
pub fn general_g(y: &[f64], w: &Weights) -> Result<GeneralG, HotspotError> {
    check_values(y, w, 4)?;
    check_non_negative(y)?;
    let sums = w.sums();
    if sums.s0 <= 0.0 {
        return Err(HotspotError::NoNeighbors);
    }
    let n = y.len() as f64;
    let (s0, s1, s2) = (sums.s0, sums.s1, sums.s2);
    let power = |p: i32| y.iter().map(|v| v.powi(p)).sum::<f64>();
    let (sy, sy2, sy3, sy4) = (power(1), power(2), power(3), power(4));
    let lag = w.lag_of(y);
    let num: f64 = y.iter().zip(&lag).map(|(a, b)| a * b).sum();
    let g = num / (sy * sy - sy2);
    let expected = s0 / (n * (n - 1.0));
    let (n2, s02) = (n * n, s0 * s0);
    let b0 = (n2 - 3.0 * n + 3.0) * s1 - n * s2 + 3.0 * s02;
    let b1 = -((n2 - n) * s1 - 2.0 * n * s2 + 6.0 * s02);
    let b2 = -(2.0 * n * s1 - (n + 3.0) * s2 + 6.0 * s02);
    let b3 = 4.0 * (n - 1.0) * s1 - 2.0 * (n + 1.0) * s2 + 8.0 * s02;
    let b4 = s1 - s2 + s02;
    let eg2 = b0 * sy2 * sy2 + b1 * sy4 + b2 * sy * sy * sy2 + b3 * sy * sy3 + b4 * sy.powi(4);
    let eg2 = eg2 / ((sy * sy - sy2).powi(2) * n * (n - 1.0) * (n - 2.0) * (n - 3.0));
    let variance = super::finite_or_zero(eg2 - expected * expected);
    let z = super::standardize(g, expected, variance);
    Ok(GeneralG { g: super::finite_or_zero(g), expected, variance, z, p_norm: normal_sf(z.abs()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::rng::SeededRng;

    fn lattice() -> (Vec<f64>, Weights) {
        let g = Grid::new(0.0, 0.0, 1.0, 5, 4).unwrap();
        let y = (0..20).map(|i| ((i * 37) % 7) as f64).collect();
        (y, Weights::queen(&g))
    }

    #[test]
    fn bad_values_are_refused() {
        let (y, w) = lattice();
        assert_eq!(local_g(&[], &w, GiOptions::GI_STAR), Err(HotspotError::Empty));
        assert!(matches!(local_g(&y[..5], &w, GiOptions::GI_STAR), Err(HotspotError::LengthMismatch { .. })));
        let mut bad = y.clone();
        bad[3] = f64::NAN;
        assert!(matches!(
            local_g(&bad, &w, GiOptions::GI_STAR),
            Err(HotspotError::NonFinite { index: 3, .. })
        ));
        bad[3] = -1.0;
        assert!(matches!(
            local_g(&bad, &w, GiOptions::GI_STAR),
            Err(HotspotError::Negative { index: 3, .. })
        ));
        bad[3] = 1e71;
        assert!(matches!(
            local_g(&bad, &w, GiOptions::GI_STAR),
            Err(HotspotError::OutOfRange { index: 3, .. })
        ));
        assert_eq!(local_g(&[2.0; 20], &w, GiOptions::GI_STAR), Err(HotspotError::NoVariation));
        assert_eq!(local_g(&[0.0; 20], &w, GiOptions::GI), Err(HotspotError::NoVariation));
        assert_eq!(general_g(&[0.0; 20], &w), Err(HotspotError::NoVariation));
    }

    #[test]
    fn degenerate_cells_give_zero_not_nan() {
        // Observation 2 is an island; all the mass is in observation 0.
        let w = Weights::from_neighbors(&[vec![1], vec![0, 3], vec![], vec![1]]).unwrap();
        let y = [5.0, 0.0, 0.0, 0.0];
        for star in [true, false] {
            for transform in [GiTransform::Binary, GiTransform::RowStandardized] {
                let g = local_g(&y, &w, GiOptions { star, transform }).unwrap();
                for v in [&g.g, &g.expected, &g.variance, &g.z, &g.p_norm] {
                    assert!(v.iter().all(|x| x.is_finite()), "{star} {transform:?}: {v:?}");
                }
                let ids = PermutationIds::for_weights(&w, 19, &mut SeededRng::new(1)).unwrap();
                let p = local_g_permutation(&y, &w, GiOptions { star, transform }, &ids).unwrap();
                assert!(p.mean.iter().chain(&p.sd).chain(&p.z).all(|x| x.is_finite()));
            }
        }
        let z = ord_getis_star_z(&y, &w).unwrap();
        assert!(z.iter().all(|x| x.is_finite()));
        // Σ_{i≠j} y_i y_j = 0: no pair to share, G is 0 and z is 0.
        let g = general_g(&y, &w).unwrap();
        assert_eq!((g.g, g.z, g.p_norm), (0.0, 0.0, 0.5));
    }

    #[test]
    fn rescaling_a_row_does_not_change_the_ord_getis_z() {
        let (y, w) = lattice();
        let binary = ord_getis_star_z(&y, &w).unwrap();
        let row = ord_getis_star_z(&y, &w.row_standardized()).unwrap();
        let esda_b = local_g(&y, &w, GiOptions::GI_STAR).unwrap();
        for i in 0..y.len() {
            assert!((binary[i] - row[i]).abs() < 1e-12);
            assert!((binary[i] - esda_b.z[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn permutations_are_reproducible_from_the_seed() {
        let (y, w) = lattice();
        let run = |seed| {
            let ids = PermutationIds::for_weights(&w, 199, &mut SeededRng::new(seed)).unwrap();
            local_g_permutation(&y, &w, GiOptions::GI_STAR, &ids).unwrap()
        };
        assert_eq!(run(42), run(42));
        assert_ne!(run(42).n_ge, run(43).n_ge);
    }
}
