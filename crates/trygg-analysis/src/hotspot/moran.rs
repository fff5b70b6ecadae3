//! Moran's I: local (esda `Moran_Local`) and global (esda `Moran`).

use super::permutation::{SimWeights, conditional_randomization};
use super::{HotspotError, PermutationIds, PermutationTest, check_values, normal_sf, standardize};
use crate::weights::Weights;

/// Moran scatterplot quadrant of an observation: its value and its spatial
/// lag, each above the mean (High) or not (Low; exactly zero counts as low).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quadrant {
    /// High value, high neighbours.
    HighHigh,
    /// Low value, high neighbours.
    LowHigh,
    /// Low value, low neighbours.
    LowLow,
    /// High value, low neighbours.
    HighLow,
}

impl Quadrant {
    fn of(z: f64, lag: f64) -> Self {
        match (z > 0.0, lag > 0.0) {
            (true, true) => Self::HighHigh,
            (false, true) => Self::LowHigh,
            (false, false) => Self::LowLow,
            (true, false) => Self::HighLow,
        }
    }

    /// PySAL's code: 1 HH, 2 LH, 3 LL, 4 HL.
    pub fn pysal_code(self) -> u8 {
        match self {
            Self::HighHigh => 1,
            Self::LowHigh => 2,
            Self::LowLow => 3,
            Self::HighLow => 4,
        }
    }

    /// GeoDa's code: 1 HH, 2 LL, 3 LH, 4 HL.
    pub fn geoda_code(self) -> u8 {
        match self {
            Self::HighHigh => 1,
            Self::LowLow => 2,
            Self::LowHigh => 3,
            Self::HighLow => 4,
        }
    }

    /// "HH", "LH", "LL" or "HL".
    pub fn label(self) -> &'static str {
        match self {
            Self::HighHigh => "HH",
            Self::LowHigh => "LH",
            Self::LowLow => "LL",
            Self::HighLow => "HL",
        }
    }
}

/// Local Moran's I per observation, with both analytic nulls.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalMoran {
    /// Standardised values `(y − ȳ)/σ` (population σ).
    pub z: Vec<f64>,
    /// Spatial lag of `z`.
    pub lag: Vec<f64>,
    /// `I_i = (n − 1) z_i lag_i / Σz²`.
    pub i: Vec<f64>,
    /// Scatterplot quadrant.
    pub quadrant: Vec<Quadrant>,
    /// `E[I_i]` under total randomisation: `−W_i/(n − 1)`.
    pub expected_total: Vec<f64>,
    /// `Var[I_i]` under total randomisation (Sokal et al. 1998, A3–A4).
    pub variance_total: Vec<f64>,
    /// `(I_i − E)/sqrt(Var)`, total randomisation; 0 where Var is 0.
    pub z_total: Vec<f64>,
    /// `E[I_i]` under conditional randomisation: `−z_i² W_i/((n − 1) m2)`.
    pub expected_conditional: Vec<f64>,
    /// `Var[I_i]` under conditional randomisation (Sokal et al. 1998, A7–A8).
    pub variance_conditional: Vec<f64>,
    /// `(I_i − E)/sqrt(Var)`, conditional randomisation; 0 where Var is 0.
    pub z_conditional: Vec<f64>,
}

/// Standardised values: mean, population σ and `z = (y − ȳ)/σ`.
struct Standardized {
    mean: f64,
    sd: f64,
    z: Vec<f64>,
}

impl Standardized {
    fn of(y: &[f64]) -> Self {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        Self { mean, sd, z: y.iter().map(|v| (v - mean) / sd).collect() }
    }
}

/// The global moments of `z` that every local Moran cell uses.
struct MoranMoments {
    n: f64,
    /// `Σ z²`.
    den: f64,
    /// `m2 = Σ z² / n`.
    m2: f64,
    /// `b2 = m4 / m2²`.
    b2: f64,
}

impl MoranMoments {
    fn of(z: &[f64]) -> Self {
        let n = z.len() as f64;
        let den: f64 = z.iter().map(|v| v * v).sum();
        let m2 = den / n;
        let b2 = (z.iter().map(|v| v.powi(4)).sum::<f64>() / n) / (m2 * m2);
        Self { n, den, m2, b2 }
    }

    /// `(E, Var)` under total randomisation for row sums `wi = W_i`, `wi2 = S1_i`.
    fn total(&self, wi: f64, wi2: f64) -> (f64, f64) {
        let (n, b2) = (self.n, self.b2);
        let e = -wi / (n - 1.0);
        let v =
            wi2 * (n - b2) / (n - 1.0) + (wi * wi - wi2) * (2.0 * b2 - n) / ((n - 1.0) * (n - 2.0)) - e * e;
        (e, v)
    }

    /// `(E, Var)` under conditional randomisation for an observation with `z_i`.
    fn conditional(&self, zi: f64, wi: f64, wi2: f64) -> (f64, f64) {
        let (n, m2) = (self.n, self.m2);
        let e = -(zi * zi * wi) / ((n - 1.0) * m2);
        let v =
            (zi / m2).powi(2) * (n / (n - 2.0)) * (wi2 - wi * wi / (n - 1.0)) * (m2 - zi * zi / (n - 1.0));
        (e, v)
    }
}

/// Local Moran's I (esda `Moran_Local`) with the weights' own values (row-
/// standardise them first for esda's default transformation "r").
/// Values must be finite and not all equal, n ≥ 3. Where a variance is 0
/// (an island, or `z_i = 0` for the conditional one) the z is 0. O(n + pairs).
pub fn local_moran(y: &[f64], w: &Weights) -> Result<LocalMoran, HotspotError> {
    check_values(y, w, 3)?;
    let z = Standardized::of(y).z;
    let lag = w.lag_of(&z);
    let mm = MoranMoments::of(&z);
    let nn = y.len();
    let mut out = LocalMoran {
        z: Vec::new(),
        lag: Vec::new(),
        i: Vec::with_capacity(nn),
        quadrant: Vec::with_capacity(nn),
        expected_total: Vec::with_capacity(nn),
        variance_total: Vec::with_capacity(nn),
        z_total: Vec::with_capacity(nn),
        expected_conditional: Vec::with_capacity(nn),
        variance_conditional: Vec::with_capacity(nn),
        z_conditional: Vec::with_capacity(nn),
    };
    for k in 0..nn {
        let (zi, li) = (z[k], lag[k]);
        let (wi, wi2) = w.row(k).fold((0.0, 0.0), |(s, q), (_, v)| (s + v, q + v * v));
        let is = (mm.n - 1.0) * zi * li / mm.den;
        let (ei, vi) = mm.total(wi, wi2);
        let (eic, vic) = mm.conditional(zi, wi, wi2);
        out.i.push(is);
        out.quadrant.push(Quadrant::of(zi, li));
        out.expected_total.push(ei);
        out.variance_total.push(vi);
        out.z_total.push(standardize(is, ei, vi));
        out.expected_conditional.push(eic);
        out.variance_conditional.push(vic);
        out.z_conditional.push(standardize(is, eic, vic));
    }
    out.z = z;
    out.lag = lag;
    Ok(out)
}

/// Conditional permutation test of [`local_moran`]: replicate `r` of
/// observation `i` is `z_i · Σ_m w_i(m) z_no_i[ids[r, m]] · (n − 1)/Σz²`.
///
/// Comparisons are made on the neighbour sums of `y` (an affine image of
/// the sums of `z`), so ties are exact for integer data; esda compares the
/// rounded floats and may break such ties either way. O(n · replicates)
/// for binary or row-standardised weights.
pub fn local_moran_permutation(
    y: &[f64],
    w: &Weights,
    ids: &PermutationIds,
) -> Result<PermutationTest, HotspotError> {
    check_values(y, w, 3)?;
    let s = Standardized::of(y);
    let scaling = (y.len() as f64 - 1.0) / s.z.iter().map(|v| v * v).sum::<f64>();
    conditional_randomization(y, w, SimWeights::AsGiven, ids, |i| {
        // Σ_m w_m z_m = (T − W_i ȳ)/σ, with T the weighted sum of y.
        let a = s.z[i] * scaling / s.sd;
        (a, -a * w.row_sum(i) * s.mean)
    })
}

/// Global Moran's I (esda `Moran`, two-tailed p-values).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlobalMoran {
    /// `I = n/S0 · Σ_ij w_ij z_i z_j / Σ z_i²`.
    pub i: f64,
    /// `E[I] = −1/(n − 1)`.
    pub expected: f64,
    /// Variance under normality.
    pub variance_normal: f64,
    /// z under normality.
    pub z_normal: f64,
    /// Two-tailed p under normality.
    pub p_normal: f64,
    /// Variance under randomisation.
    pub variance_random: f64,
    /// z under randomisation.
    pub z_random: f64,
    /// Two-tailed p under randomisation.
    pub p_random: f64,
}

/// Global Moran's I with the weights' own values. Values must be finite
/// and not all equal, n ≥ 4, and some pair must be neighbours. O(n + pairs).
pub fn global_moran(y: &[f64], w: &Weights) -> Result<GlobalMoran, HotspotError> {
    check_values(y, w, 4)?;
    let sums = w.sums();
    if sums.s0 <= 0.0 {
        return Err(HotspotError::NoNeighbors);
    }
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let z: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let z2ss: f64 = z.iter().map(|v| v * v).sum();
    let lag = w.lag_of(&z);
    let inum: f64 = z.iter().zip(&lag).map(|(a, b)| a * b).sum();
    let i = n / sums.s0 * inum / z2ss;
    let (s0, s1, s2) = (sums.s0, sums.s1, sums.s2);
    let s02 = s0 * s0;
    let expected = -1.0 / (n - 1.0);
    let variance_normal =
        (n * n * s1 - n * s2 + 3.0 * s02) / ((n - 1.0) * (n + 1.0) * s02) - (1.0 / (n - 1.0)).powi(2);
    let k = (z.iter().map(|v| v.powi(4)).sum::<f64>() / n) / (z2ss / n).powi(2);
    let a = n * ((n * n - 3.0 * n + 3.0) * s1 - n * s2 + 3.0 * s02);
    let b = k * ((n * n - n) * s1 - 2.0 * n * s2 + 6.0 * s02);
    let variance_random = (a - b) / ((n - 1.0) * (n - 2.0) * (n - 3.0) * s02) - expected * expected;
    let z_normal = standardize(i, expected, variance_normal);
    let z_random = standardize(i, expected, variance_random);
    Ok(GlobalMoran {
        i,
        expected,
        variance_normal,
        z_normal,
        p_normal: two_tailed(z_normal),
        variance_random,
        z_random,
        p_random: two_tailed(z_random),
    })
}

/// `2 · P(Z > |z|)`, capped at 1.
fn two_tailed(z: f64) -> f64 {
    (2.0 * normal_sf(z.abs())).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Grid;
    use crate::rng::SeededRng;

    #[test]
    fn quadrant_codes() {
        assert_eq!(Quadrant::of(1.0, 1.0).pysal_code(), 1);
        assert_eq!(Quadrant::of(-1.0, 1.0).pysal_code(), 2);
        assert_eq!(Quadrant::of(0.0, 0.0).pysal_code(), 3, "zero counts as low");
        assert_eq!(Quadrant::of(1.0, -1.0).pysal_code(), 4);
        assert_eq!(Quadrant::LowLow.geoda_code(), 2);
        assert_eq!(Quadrant::LowHigh.label(), "LH");
    }

    #[test]
    fn bad_input_is_refused() {
        let w = Weights::rook(&Grid::new(0.0, 0.0, 1.0, 3, 1).unwrap());
        assert_eq!(local_moran(&[1.0, 1.0, 1.0], &w), Err(HotspotError::NoVariation));
        assert_eq!(global_moran(&[1.0, 2.0, 3.0], &w), Err(HotspotError::TooFew { n: 3, needed: 4 }));
        let islands = Weights::from_neighbors(&[vec![], vec![], vec![], vec![]]).unwrap();
        assert_eq!(global_moran(&[1.0, 2.0, 3.0, 4.0], &islands), Err(HotspotError::NoNeighbors));
        let l = local_moran(&[1.0, 2.0, 3.0, 4.0], &islands).unwrap();
        assert!(l.z_total.iter().chain(&l.z_conditional).all(|&z| z == 0.0));
    }

    #[test]
    fn a_zero_value_has_all_tied_simulations() {
        // y_1 equals the mean exactly, so I_1 = 0 whatever its neighbours.
        let w = Weights::rook(&Grid::new(0.0, 0.0, 1.0, 3, 1).unwrap());
        let y = [0.0, 1.0, 2.0];
        let ids = PermutationIds::for_weights(&w, 9, &mut SeededRng::new(2)).unwrap();
        let t = local_moran_permutation(&y, &w, &ids).unwrap();
        assert_eq!((t.n_ge[1], t.n_le[1], t.z[1]), (9, 9, 0.0));
    }
}
