//! Count statistics: trends over time, two-period comparisons, evaluation of
//! measures (difference-in-differences) and survey shares.
//!
//! - [`poisson_trend`], [`negbin_trend`], [`negbin_glm_trend`]: log-linear
//!   trends `log μ_t = β0 + β1 t` (Poisson GLM by IRLS, NB2 by maximum
//!   likelihood, NB with a fixed α by IRLS).
//! - [`compare_rates`], [`wheeler_sqrt_z`]: is the current period different
//!   from the previous one (E-test, score, Wald, exact conditional, sqrt)?
//! - [`wdd`], [`poisson_did`]: did a measure in a treated area work, against a
//!   comparison area, with an optional displacement check in buffer zones?
//! - [`wilson_interval`], [`share_difference`]: survey shares and the
//!   difference between two waves or two groups.
//!
//! Every function validates its input and returns a [`CountsError`] rather
//! than NaN: no output field is ever NaN or infinite unless documented.

mod did;
mod glm;
mod negbin;
mod rates;
mod special;
mod survey;

pub use did::{Did, PrePost, Wdd, poisson_did, wdd, wdd_with_displacement};
pub use glm::{TrendFit, negbin_glm_trend, poisson_trend, poisson_trend_at};
pub use negbin::{NegBinFit, negbin_trend, negbin_trend_at};
pub use rates::{Alternative, RateMethod, RateTest, compare_rates, wheeler_sqrt_z};
pub use survey::{Share, ShareDifference, share_difference, wilson_interval};

/// Why a count statistic cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CountsError {
    /// No observations were given.
    #[error("the series is empty")]
    Empty,
    /// Two inputs that must have the same length do not.
    #[error("lengths differ: {0} times but {1} counts")]
    LengthMismatch(usize, usize),
    /// Too few observations for the model.
    #[error("{got} observations are too few: at least {needed} are needed")]
    TooShort {
        /// Observations needed.
        needed: usize,
        /// Observations given.
        got: usize,
    },
    /// An input value is NaN or infinite.
    #[error("value {index} is not a finite number")]
    NotFinite {
        /// Position of the value.
        index: usize,
    },
    /// A count is negative.
    #[error("count {index} is negative ({value})")]
    Negative {
        /// Position of the count.
        index: usize,
        /// The count.
        value: f64,
    },
    /// Every count is zero, so no rate or trend can be estimated.
    #[error("every count is zero")]
    AllZero,
    /// All events fall at the earliest or all at the latest time, so the
    /// maximum-likelihood trend is infinite.
    #[error("all events fall at the earliest or the latest time: the trend is infinite")]
    Separated,
    /// The times do not vary, so no trend can be estimated.
    #[error("the design is singular (do the times vary?)")]
    Singular,
    /// An exposure (period length, population) is not positive and finite.
    #[error("exposure {0} must be positive and finite")]
    Exposure(f64),
    /// The confidence level is not strictly between 0 and 1.
    #[error("confidence level {0} must be strictly between 0 and 1")]
    Confidence(f64),
    /// A negative-binomial α is not positive and finite.
    #[error("dispersion α = {0} must be positive and finite")]
    Alpha(f64),
    /// A cell of a 2×2 table is zero, so its logarithm is undefined.
    #[error("the {0} count is zero, so the log rate ratio is undefined")]
    ZeroCell(&'static str),
    /// Both periods have zero events, so the rates cannot be compared.
    #[error("both periods have zero events")]
    NoEvents,
    /// A share is not `0 <= k <= n` with `n > 0`.
    #[error("share {k} of {n} must satisfy 0 <= k <= n and n > 0")]
    Share {
        /// Successes.
        k: f64,
        /// Trials.
        n: f64,
    },
    /// The data show no overdispersion: the NB2 α estimate runs to zero.
    #[error("no overdispersion: the NB2 estimate of α tends to 0; use the Poisson fit")]
    NoOverdispersion,
    /// An iterative fit did not converge.
    #[error("the {model} fit did not converge in {iterations} iterations")]
    NotConverged {
        /// Which model.
        model: &'static str,
        /// Iterations run.
        iterations: usize,
    },
}

/// One estimated quantity with its standard error, Wald z, two-sided normal
/// p-value and confidence interval `estimate ± z_{1-(1-c)/2} · se`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coefficient {
    /// Point estimate.
    pub estimate: f64,
    /// Standard error.
    pub se: f64,
    /// `estimate / se`.
    pub z: f64,
    /// Two-sided p-value of `z` under the standard normal.
    pub p: f64,
    /// Lower confidence limit.
    pub ci_low: f64,
    /// Upper confidence limit.
    pub ci_high: f64,
}

impl Coefficient {
    /// A coefficient with a Wald interval at quantile `zc` (from [`z_critical`]).
    fn wald(estimate: f64, se: f64, zc: f64) -> Self {
        let z = estimate / se;
        Self { estimate, se, z, p: two_sided_p(z), ci_low: estimate - zc * se, ci_high: estimate + zc * se }
    }

    /// `exp` of the estimate and of the interval: a rate ratio and its CI.
    pub fn exp_ci(&self) -> (f64, f64, f64) {
        (self.estimate.exp(), self.ci_low.exp(), self.ci_high.exp())
    }
}

pub use special::z_critical;

/// Upper tail of the standard normal, `P(Z > z)`, accurate far into the tail.
pub fn normal_sf(z: f64) -> f64 {
    0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
}

/// Two-sided normal p-value `P(|Z| > |z|)`.
pub fn two_sided_p(z: f64) -> f64 {
    statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// Checks a confidence level and returns its two-sided normal quantile.
fn check_confidence(confidence: f64) -> Result<f64, CountsError> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(z_critical(confidence))
    } else {
        Err(CountsError::Confidence(confidence))
    }
}

/// Checks that counts are finite and non-negative.
fn check_counts(counts: &[f64]) -> Result<(), CountsError> {
    if counts.is_empty() {
        return Err(CountsError::Empty);
    }
    for (index, &value) in counts.iter().enumerate() {
        if !value.is_finite() {
            return Err(CountsError::NotFinite { index });
        }
        if value < 0.0 {
            return Err(CountsError::Negative { index, value });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod oracle {
    //! Loading `counts_stats.json` for the oracle tests.

    /// The parsed oracle, or `None` (after printing why) when the file is
    /// missing outside CI. Under `CI=true` a missing file fails the test.
    pub fn counts_stats() -> Option<serde_json::Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/oracles/counts_stats.json");
        let Ok(text) = std::fs::read_to_string(path) else {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "oracle file missing under CI: {path}");
            eprintln!("skipping: {path} not found");
            return None;
        };
        // Python's json writes NaN (for the exact test's missing statistic),
        // which is not JSON: read it as null.
        let text = text.replace(": NaN", ": null");
        Some(serde_json::from_str(&text).expect("counts_stats.json parses"))
    }

    /// A JSON number array as `Vec<f64>`.
    pub fn floats(v: &serde_json::Value) -> Vec<f64> {
        v.as_array().expect("an array").iter().map(|x| x.as_f64().expect("a number")).collect()
    }

    /// A JSON number.
    pub fn float(v: &serde_json::Value) -> f64 {
        v.as_f64().expect("a number")
    }

    /// Asserts `|a - b| <= tol * max(1, |b|)` and returns the scaled error.
    pub fn close(what: &str, a: f64, b: f64, tol: f64) -> f64 {
        let err = (a - b).abs() / b.abs().max(1.0);
        assert!(err <= tol, "{what}: got {a}, expected {b} (scaled error {err:e} > {tol:e})");
        err
    }
}
