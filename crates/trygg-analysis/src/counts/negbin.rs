//! Negative-binomial (NB2) trend by maximum likelihood, estimating α.
//!
//! Model: `y_t ~ NB2(μ_t, α)` with `log μ_t = β0 + β1 t` and variance
//! `μ + α μ²`; the same as statsmodels `NegativeBinomial(y, X,
//! loglike_method="nb2").fit(method="newton")`. Standard errors come from
//! the observed information (the analytic Hessian) in `(β0, β1, α)`.
//!
//! **Optimiser.** Newton's method on `θ = (β0, β1, ln α)` (so α stays
//! positive), started from the Poisson IRLS fit and the moment estimate
//! `α0 = max(0.01, Σ((y − μ)² − y)/μ² / n)`. If the negative Hessian is not
//! positive definite, a ridge `λ I` is added (λ from 1e-8, ×10 until it is).
//! Each step is halved (up to 60 times) until the log-likelihood does not
//! fall. **Converged** when the Newton decrement `gᵀ(−H)⁻¹g` is below 1e-20,
//! i.e. every parameter is within about 1e-10 standard errors of the
//! maximum. Failing within 200 iterations gives
//! [`CountsError::NotConverged`]; α falling below 1e-8 (the maximum is at
//! the Poisson boundary α = 0) gives [`CountsError::NoOverdispersion`].
//! Cost: `O(n)` per iteration (`O(n · y)` for the exact digamma sums of
//! counts below 1000).

use super::glm::{index_times, irls, ln_likelihood, trend_design};
use super::special::{cholesky, cholesky_inverse, cholesky_solve, digamma_diff, trigamma_diff};
use super::{Coefficient, CountsError, check_confidence, two_sided_p};

/// Maximum Newton iterations.
const MAX_ITERATIONS: usize = 200;
/// Maximum step halvings per iteration.
const MAX_HALVINGS: usize = 60;
/// Convergence threshold for the Newton decrement `gᵀ(−H)⁻¹g`.
const DECREMENT_TOLERANCE: f64 = 1e-20;
/// Below this α the maximum is taken to be at the Poisson boundary.
const MIN_ALPHA: f64 = 1e-8;

/// An NB2 trend `log μ_t = β0 + β1 t` with estimated dispersion α.
#[derive(Debug, Clone, PartialEq)]
pub struct NegBinFit {
    /// β0, the log of the expected count at `t = 0`.
    pub intercept: Coefficient,
    /// β1, the change in log expected count per period.
    pub slope: Coefficient,
    /// α, the NB2 dispersion (variance `μ + α μ²`). `se`, `z` and `p` are the
    /// Wald values statsmodels reports; the interval is `exp(ln α̂ ± z se/α̂)`
    /// (delta method on the log scale), so it stays positive.
    pub alpha: Coefficient,
    /// `exp(β1)`: the factor by which the expected count changes per period.
    pub rate_ratio: f64,
    /// Lower confidence limit of `rate_ratio`.
    pub rate_ratio_ci_low: f64,
    /// Upper confidence limit of `rate_ratio`.
    pub rate_ratio_ci_high: f64,
    /// Log-likelihood at the maximum.
    pub llf: f64,
    /// Log-likelihood of the Poisson fit of the same trend.
    pub llf_poisson: f64,
    /// Likelihood-ratio test of overdispersion, `2 (llf − llf_poisson)`.
    pub overdispersion_lr: f64,
    /// Its p-value, `½ P(χ²₁ > lr)` (α = 0 is on the boundary).
    pub overdispersion_p: f64,
    /// Fitted means `μ_t`.
    pub fitted: Vec<f64>,
    /// Newton iterations used.
    pub iterations: usize,
}

/// NB2 trend over `t = 0, 1, …, n−1` by maximum likelihood (see module docs).
pub fn negbin_trend(counts: &[f64], confidence: f64) -> Result<NegBinFit, CountsError> {
    negbin_trend_at(&index_times(counts.len()), counts, confidence)
}

/// NB2 trend at the given `times` by maximum likelihood (see module docs).
pub fn negbin_trend_at(times: &[f64], counts: &[f64], confidence: f64) -> Result<NegBinFit, CountsError> {
    let zc = check_confidence(confidence)?;
    let x = trend_design(times, counts)?;
    let poisson = irls(&x, 2, counts, 0.0)?;
    let llf_poisson: f64 = counts.iter().zip(&poisson.mu).map(|(&y, &m)| ln_likelihood(y, m, 0.0)).sum();
    let start = [poisson.beta[0], poisson.beta[1], moment_alpha(counts, &poisson.mu).ln()];
    let model = Model { times, counts };
    let (theta, iterations) = model.maximise(start)?;
    let alpha = theta[2].exp();
    let cov = model.covariance(&theta)?;
    let se = |j: usize| cov[j * 3 + j].sqrt();
    let slope = Coefficient::wald(theta[1], se(1), zc);
    let (rate_ratio, rate_ratio_ci_low, rate_ratio_ci_high) = slope.exp_ci();
    let llf = model.evaluate(&theta, false).ll;
    let overdispersion_lr = (2.0 * (llf - llf_poisson)).max(0.0);
    Ok(NegBinFit {
        intercept: Coefficient::wald(theta[0], se(0), zc),
        slope,
        alpha: alpha_coefficient(alpha, se(2), zc),
        rate_ratio,
        rate_ratio_ci_low,
        rate_ratio_ci_high,
        llf,
        llf_poisson,
        overdispersion_lr,
        overdispersion_p: 0.5 * two_sided_p(overdispersion_lr.sqrt()),
        fitted: model.means(&theta).collect(),
        iterations,
    })
}

/// α with Wald z and p, and a log-scale interval.
fn alpha_coefficient(alpha: f64, se: f64, zc: f64) -> Coefficient {
    let z = alpha / se;
    let half = zc * se / alpha;
    Coefficient {
        estimate: alpha,
        se,
        z,
        p: two_sided_p(z),
        ci_low: alpha * (-half).exp(),
        ci_high: alpha * half.exp(),
    }
}

/// Moment estimate of α from Poisson means, floored at 0.01.
fn moment_alpha(y: &[f64], mu: &[f64]) -> f64 {
    let s: f64 = y.iter().zip(mu).map(|(&y, &m)| ((y - m).powi(2) - y) / (m * m)).sum();
    (s / y.len() as f64).max(0.01)
}

/// Log-likelihood, gradient and Hessian.
struct Eval {
    /// Log-likelihood.
    ll: f64,
    /// Gradient.
    g: [f64; 3],
    /// Hessian, row-major 3 × 3.
    h: [f64; 9],
}

/// The NB2 trend likelihood for one series.
struct Model<'a> {
    times: &'a [f64],
    counts: &'a [f64],
}

impl Model<'_> {
    /// Fitted means at `θ`.
    fn means<'b>(&'b self, theta: &'b [f64; 3]) -> impl Iterator<Item = f64> + 'b {
        self.times.iter().map(|&t| (theta[0] + theta[1] * t).exp())
    }

    /// Log-likelihood, and (if `derivatives`) gradient and Hessian in
    /// `(β0, β1, α)` at `θ = (β0, β1, ln α)`.
    fn evaluate(&self, theta: &[f64; 3], derivatives: bool) -> Eval {
        let alpha = theta[2].exp();
        let r = 1.0 / alpha;
        let mut e = Eval { ll: 0.0, g: [0.0; 3], h: [0.0; 9] };
        for ((&t, &y), mu) in self.times.iter().zip(self.counts).zip(self.means(theta)) {
            e.ll += ln_likelihood(y, mu, alpha);
            if !derivatives {
                continue;
            }
            let q = 1.0 + alpha * mu;
            let a = (alpha * mu).ln_1p() - digamma_diff(y, r);
            let w = mu * (1.0 + alpha * y) / (q * q);
            let c = mu * (y - mu) / (q * q);
            let x = [1.0, t];
            let haa = -2.0 * a * r.powi(3) + mu * r * r / q + trigamma_diff(y, r) * r.powi(4)
                - (y - mu) * (1.0 + 2.0 * alpha * mu) * r * r / (q * q);
            for i in 0..2 {
                e.g[i] += x[i] * (y - mu) / q;
                for j in 0..2 {
                    e.h[i * 3 + j] -= w * x[i] * x[j];
                }
                e.h[i * 3 + 2] -= c * x[i];
            }
            e.g[2] += a * r * r + (y - mu) / (alpha * q);
            e.h[8] += haa;
        }
        e.h[6] = e.h[2];
        e.h[7] = e.h[5];
        e
    }

    /// Gradient and Hessian with respect to `(β0, β1, ln α)`.
    fn evaluate_log(&self, theta: &[f64; 3]) -> Eval {
        let alpha = theta[2].exp();
        let mut e = self.evaluate(theta, true);
        e.h[8] = alpha * alpha * e.h[8] + alpha * e.g[2];
        e.g[2] *= alpha;
        for i in 0..2 {
            e.h[i * 3 + 2] *= alpha;
            e.h[6 + i] *= alpha;
        }
        e
    }

    /// Newton's method with ridge and step halving; returns `θ̂` and the iterations.
    fn maximise(&self, mut theta: [f64; 3]) -> Result<([f64; 3], usize), CountsError> {
        let not_converged = |iterations| CountsError::NotConverged { model: "NB2", iterations };
        for it in 1..=MAX_ITERATIONS {
            let e = self.evaluate_log(&theta);
            let delta = newton_direction(&e);
            let decrement: f64 = e.g.iter().zip(&delta).map(|(g, d)| g * d).sum();
            if !decrement.is_finite() {
                return Err(not_converged(it));
            }
            if decrement <= DECREMENT_TOLERANCE {
                return Ok((theta, it));
            }
            theta = self.line_search(&theta, &delta, e.ll).ok_or_else(|| not_converged(it))?;
            if theta[2] < MIN_ALPHA.ln() {
                return Err(CountsError::NoOverdispersion);
            }
        }
        Err(not_converged(MAX_ITERATIONS))
    }

    /// Halves the step `delta` from `theta` until the log-likelihood does not fall.
    fn line_search(&self, theta: &[f64; 3], delta: &[f64; 3], ll: f64) -> Option<[f64; 3]> {
        let mut step = 1.0;
        for _ in 0..=MAX_HALVINGS {
            let cand = [0, 1, 2].map(|j| theta[j] + step * delta[j]);
            let ll_new = self.evaluate(&cand, false).ll;
            if ll_new.is_finite() && ll_new >= ll - 1e-12 * ll.abs() {
                return Some(cand);
            }
            step *= 0.5;
        }
        None
    }

    /// Covariance of `(β0, β1, α)`: the inverse of the negative Hessian.
    fn covariance(&self, theta: &[f64; 3]) -> Result<Vec<f64>, CountsError> {
        let e = self.evaluate(theta, true);
        let mut neg = e.h.map(|v| -v);
        if !cholesky(&mut neg, 3) {
            return Err(CountsError::Singular);
        }
        Ok(cholesky_inverse(&neg, 3))
    }
}

/// Solves `(−H + λI) δ = g` with the smallest ridge `λ ∈ {0, 1e-8, 1e-7, …}`
/// that makes the matrix positive definite.
fn newton_direction(e: &Eval) -> [f64; 3] {
    let mut ridge = 0.0;
    loop {
        let mut m = e.h.map(|v| -v);
        for i in 0..3 {
            m[i * 4] += ridge;
        }
        if cholesky(&mut m, 3) {
            let mut d = e.g;
            cholesky_solve(&m, 3, &mut d);
            return d;
        }
        ridge = if ridge == 0.0 { 1e-8 } else { ridge * 10.0 };
        if !ridge.is_finite() {
            return [f64::NAN; 3];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::oracle::{close, float, floats};
    use super::*;

    #[test]
    fn monthly_negbin2_matches_statsmodels() {
        let Some(o) = super::super::oracle::counts_stats() else { return };
        let want = &o["monthly_negbin2_mle"];
        let fit = negbin_trend(&floats(&o["monthly_overdispersed_counts"]), 0.95).unwrap();
        let got = [fit.intercept, fit.slope, fit.alpha];
        let mut worst: f64 = 0.0;
        for (key, pick) in [
            ("params_const_slope_alpha", (|c: &Coefficient| c.estimate) as fn(&Coefficient) -> f64),
            ("bse", |c| c.se),
            ("z", |c| c.z),
            ("p", |c| c.p),
        ] {
            for (j, w) in floats(&want[key]).into_iter().enumerate() {
                worst = worst.max(close(&format!("{key}[{j}]"), pick(&got[j]), w, 1e-6));
            }
        }
        worst = worst.max(close("llf", fit.llf, float(&want["llf"]), 1e-9));
        eprintln!("monthly NB2 MLE: max scaled error {worst:e} in {} iterations", fit.iterations);
        assert!(fit.overdispersion_p < 1e-10, "{}", fit.overdispersion_p);
        assert!(fit.alpha.ci_low < fit.alpha.estimate && fit.alpha.estimate < fit.alpha.ci_high);
    }

    #[test]
    fn hessian_matches_finite_differences() {
        let counts = [3.0, 9.0, 0.0, 14.0, 6.0, 2.0, 11.0, 25.0, 4.0, 1500.5];
        let times = index_times(counts.len());
        let model = Model { times: &times, counts: &counts };
        let theta = [1.2, 0.15, (0.7f64).ln()];
        let e = model.evaluate_log(&theta);
        let h = 1e-6;
        for j in 0..3 {
            let shifted = |s: f64| {
                let mut t = theta;
                t[j] += s;
                model.evaluate_log(&t)
            };
            let (up, down) = (shifted(h), shifted(-h));
            let dll = (up.ll - down.ll) / (2.0 * h);
            assert!((dll - e.g[j]).abs() < 1e-6 * e.g[j].abs().max(1.0), "g[{j}]: {dll} vs {}", e.g[j]);
            for i in 0..3 {
                let dg = (up.g[i] - down.g[i]) / (2.0 * h);
                let want = e.h[i * 3 + j];
                assert!((dg - want).abs() < 1e-5 * want.abs().max(1.0), "H[{i}][{j}]: {dg} vs {want}");
            }
        }
    }

    #[test]
    fn poisson_data_report_no_overdispersion() {
        // Underdispersed counts: the likelihood rises as α → 0.
        let counts = [10.0, 11.0, 10.0, 12.0, 11.0, 12.0, 13.0, 12.0, 13.0, 14.0];
        assert_eq!(negbin_trend(&counts, 0.95), Err(CountsError::NoOverdispersion));
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(negbin_trend(&[], 0.95), Err(CountsError::Empty));
        assert_eq!(negbin_trend(&[0.0; 4], 0.95), Err(CountsError::AllZero));
        assert_eq!(negbin_trend(&[1.0, 2.0, 3.0], 0.0), Err(CountsError::Confidence(0.0)));
        assert_eq!(negbin_trend(&[0.0, 0.0, 5.0], 0.95), Err(CountsError::Separated));
    }
}
