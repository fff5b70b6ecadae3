//! Hot-spot statistics on areal data (grid cells, districts): Getis-Ord
//! Gi* and Gi, local and global Moran's I, General G, conditional
//! permutation inference and Benjamini–Hochberg false-discovery control.
//!
//! All functions take the values `y` (e.g. counts per cell, in cell-id
//! order) and [`Weights`](crate::weights::Weights) without self-weights.
//! The formulas are those of PySAL `esda` 2.9 (see the oracle README):
//!
//! - [`local_g`]: `G_Local` with `transform` B or R and `star` on or off.
//!   **Gi\* means binary weights with self-weight 1** (the classic Getis–Ord
//!   z that ArcGIS reports). esda's transform R is available for
//!   comparison but is *not* the standard Gi\*: it keeps the binary variance
//!   formula with `W_i = 1`; [`ord_getis_star_z`] gives the general
//!   Ord & Getis (1995) z, which for row-standardised weights equals the
//!   binary one.
//! - [`local_moran`], [`global_moran`], [`general_g`].
//! - [`local_g_permutation`], [`local_moran_permutation`]: conditional
//!   randomisation with a shared matrix of permuted ids
//!   ([`PermutationIds`]), drawn with [`SeededRng`](crate::rng::SeededRng) or
//!   given (to reproduce esda exactly).
//! - [`fdr_bh`]: Benjamini–Hochberg across cells (adjusted p-values);
//!   [`fdr_bh_threshold`]: the same decision in O(m) for very many cells.
//!
//! For hot spots, use the one-sided `greater` permutation p-value
//! ([`PermutationTest::p_greater`]) with FDR control; esda's `directed`
//! p-value is provided only for reproduction: it folds the tail and calls a
//! zero cell in an all-zero neighbourhood "significant".

mod fdr;
mod local_g;
mod moran;
mod permutation;

#[cfg(test)]
mod oracle_tests;

pub use fdr::{Fdr, fdr_bh, fdr_bh_threshold};
pub use local_g::{
    GeneralG, GiOptions, GiTransform, LocalG, general_g, local_g, local_g_permutation, ord_getis_star_z,
};
pub use moran::{GlobalMoran, LocalMoran, Quadrant, global_moran, local_moran, local_moran_permutation};
pub use permutation::{PermutationIds, PermutationTest};

use crate::weights::Weights;

/// Why a statistic cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HotspotError {
    /// No values.
    #[error("no values to analyse")]
    Empty,
    /// The values and the weights are for different numbers of observations.
    #[error("{values} values but weights for {weights} observations")]
    LengthMismatch {
        /// Number of values.
        values: usize,
        /// Number of observations in the weights.
        weights: usize,
    },
    /// A value is NaN or infinite.
    #[error("value {index} is not a finite number ({value})")]
    NonFinite {
        /// Position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A value so large that its fourth power would overflow.
    #[error("value {index} is {value}; values must be below 1e70 in magnitude")]
    OutOfRange {
        /// Position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// A negative value where the statistic needs non-negative ones (G, Gi*).
    #[error("value {index} is negative ({value}); Getis-Ord statistics need non-negative values")]
    Negative {
        /// Position of the value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// Every value is the same, so there is nothing to test.
    #[error("all values are equal; spatial statistics need some variation")]
    NoVariation,
    /// Too few observations for the statistic's moments.
    #[error("{n} observations is too few; at least {needed} are needed")]
    TooFew {
        /// Number of observations.
        n: usize,
        /// Minimum needed.
        needed: usize,
    },
    /// No observation has a neighbour.
    #[error("the weights have no neighbour pairs")]
    NoNeighbors,
    /// The permutation id matrix is not a whole number of rows, or has none.
    #[error("{len} permutation ids do not make whole rows of width {width} (at least one row)")]
    PermutationShape {
        /// Number of ids.
        len: usize,
        /// Row width.
        width: usize,
    },
    /// A permutation id is not below `n - 1`.
    #[error("permutation row {replicate} has id {id}, but ids must be below {limit}")]
    PermutationId {
        /// Row (replicate).
        replicate: usize,
        /// The id.
        id: usize,
        /// `n - 1`.
        limit: usize,
    },
    /// A permutation row repeats an id.
    #[error("permutation row {replicate} repeats id {id}")]
    PermutationRepeat {
        /// Row (replicate).
        replicate: usize,
        /// The repeated id.
        id: usize,
    },
    /// The permutation ids are for another number of observations.
    #[error("permutation ids are for {ids} observations but there are {values}")]
    PermutationCount {
        /// Observations the ids were drawn for.
        ids: usize,
        /// Observations analysed.
        values: usize,
    },
    /// The permutation rows are narrower than the largest neighbourhood.
    #[error("permutation rows have {width} ids but an observation has {needed} neighbours")]
    PermutationWidth {
        /// Row width.
        width: usize,
        /// Largest cardinality.
        needed: usize,
    },
    /// More ids per row asked for than there are other observations.
    #[error("cannot draw {width} distinct ids from {available} other observations")]
    PermutationDraw {
        /// Ids per row.
        width: usize,
        /// `n - 1`.
        available: usize,
    },
    /// A p-value is outside [0, 1] or NaN.
    #[error("p-value {index} is {value}, not a probability")]
    PValue {
        /// Position of the p-value.
        index: usize,
        /// The value.
        value: f64,
    },
    /// The false discovery rate is not in (0, 1].
    #[error("false discovery rate {0} must be in (0, 1]")]
    Level(f64),
}

/// The upper tail `P(Z > z)` of the standard normal, accurate far into the
/// tail (via `erfc`).
pub fn normal_sf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// A direct-mapped cache of `1 − Φ(|z|)`: count data give few distinct z
/// (empty cells repeat one value), so most look-ups skip the `erfc`.
struct SfCache {
    keys: Vec<u64>,
    values: Vec<f64>,
}

impl SfCache {
    const BITS: u32 = 12;

    fn new() -> Self {
        // NaN bits: never the key of a finite z.
        Self { keys: vec![u64::MAX; 1 << Self::BITS], values: vec![0.0; 1 << Self::BITS] }
    }

    /// `normal_sf(|z|)`, cached by the bits of `z`.
    fn p_norm(&mut self, z: f64) -> f64 {
        let bits = z.to_bits();
        let slot = (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS)) as usize;
        if self.keys[slot] != bits {
            self.keys[slot] = bits;
            self.values[slot] = normal_sf(z.abs());
        }
        self.values[slot]
    }
}

/// The largest magnitude accepted: the moments use fourth powers.
const MAX_MAGNITUDE: f64 = 1e70;

/// Checks that `y` is non-empty, finite, below [`MAX_MAGNITUDE`], as long
/// as the weights, not constant, and has at least `min_n` values.
fn check_values(y: &[f64], w: &Weights, min_n: usize) -> Result<(), HotspotError> {
    if y.is_empty() {
        return Err(HotspotError::Empty);
    }
    if y.len() != w.len() {
        return Err(HotspotError::LengthMismatch { values: y.len(), weights: w.len() });
    }
    if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(HotspotError::NonFinite { index, value });
    }
    if let Some((index, &value)) = y.iter().enumerate().find(|(_, v)| v.abs() > MAX_MAGNITUDE) {
        return Err(HotspotError::OutOfRange { index, value });
    }
    if y.len() < min_n {
        return Err(HotspotError::TooFew { n: y.len(), needed: min_n });
    }
    if y.iter().all(|&v| v == y[0]) {
        return Err(HotspotError::NoVariation);
    }
    Ok(())
}

/// Checks that no value is negative (for the Getis-Ord statistics).
fn check_non_negative(y: &[f64]) -> Result<(), HotspotError> {
    match y.iter().enumerate().find(|(_, v)| **v < 0.0) {
        Some((index, &value)) => Err(HotspotError::Negative { index, value }),
        None => Ok(()),
    }
}

/// `(x - mean) / sqrt(var)`, or 0 when the variance is zero, negative or
/// not finite (a degenerate observation: no evidence either way).
fn standardize(x: f64, mean: f64, var: f64) -> f64 {
    if var > 0.0 && var.is_finite() { (x - mean) / var.sqrt() } else { 0.0 }
}

/// A finite value, or 0.
fn finite_or_zero(v: f64) -> f64 {
    if v.is_finite() { v } else { 0.0 }
}
