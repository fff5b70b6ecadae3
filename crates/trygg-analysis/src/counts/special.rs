//! Special functions and small dense linear algebra for the count models.

use statrs::function::{erf::erf_inv, gamma::ln_gamma};

/// Two-sided standard normal quantile for a confidence level `c`:
/// `z` with `P(|Z| <= z) = c` (1.959963984540054 for 0.95). `c` must be in (0, 1).
pub fn z_critical(confidence: f64) -> f64 {
    std::f64::consts::SQRT_2 * erf_inv(confidence)
}

/// Below this, integer counts use exact finite sums for the gamma-function
/// differences; above it, the asymptotic series.
const EXACT_SUM_LIMIT: f64 = 1000.0;

/// Whether `y` is an integer small enough for the finite sums.
fn small_integer(y: f64) -> bool {
    y < EXACT_SUM_LIMIT && y.fract() == 0.0
}

/// `ln Γ(y + r) − ln Γ(r)` for `y >= 0`, `r > 0`; exact sum for small integer `y`.
pub(super) fn ln_gamma_ratio(y: f64, r: f64) -> f64 {
    if small_integer(y) {
        (0..y as u32).map(|j| (r + f64::from(j)).ln()).sum()
    } else {
        ln_gamma(y + r) - ln_gamma(r)
    }
}

/// `ψ(y + r) − ψ(r)`; exact sum `Σ_{j<y} 1/(r+j)` for small integer `y`.
pub(super) fn digamma_diff(y: f64, r: f64) -> f64 {
    if small_integer(y) {
        (0..y as u32).map(|j| 1.0 / (r + f64::from(j))).sum()
    } else {
        digamma(y + r) - digamma(r)
    }
}

/// `ψ'(y + r) − ψ'(r)` (≤ 0); exact sum `−Σ_{j<y} 1/(r+j)²` for small integer `y`.
pub(super) fn trigamma_diff(y: f64, r: f64) -> f64 {
    if small_integer(y) {
        -(0..y as u32).map(|j| (r + f64::from(j)).powi(-2)).sum::<f64>()
    } else {
        trigamma(y + r) - trigamma(r)
    }
}

/// Digamma ψ(x) for `x > 0`: recurrence up to `x >= 12`, then the asymptotic
/// series (error below 1e-15).
pub(super) fn digamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 12.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    let series = x2
        * (1.0 / 12.0
            - x2 * (1.0 / 120.0
                - x2 * (1.0 / 252.0 - x2 * (1.0 / 240.0 - x2 * (1.0 / 132.0 - x2 * 691.0 / 32760.0)))));
    acc + x.ln() - 0.5 / x - series
}

/// Trigamma ψ'(x) for `x > 0`: recurrence up to `x >= 12`, then the asymptotic
/// series (error below 1e-15).
pub(super) fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 12.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let inv = 1.0 / x;
    let x2 = inv * inv;
    let series = inv
        + 0.5 * x2
        + inv
            * x2
            * (1.0 / 6.0
                - x2 * (1.0 / 30.0
                    - x2 * (1.0 / 42.0
                        - x2 * (1.0 / 30.0 - x2 * (5.0 / 66.0 - x2 * (691.0 / 2730.0 - x2 * 7.0 / 6.0))))));
    acc + series
}

/// `ln P(X = k)` for `X ~ Poisson(m)`, `m > 0`.
pub(super) fn ln_poisson_pmf(k: u64, m: f64) -> f64 {
    let k = k as f64;
    k * m.ln() - m - ln_gamma(k + 1.0)
}

/// `ln P(X = k)` for `X ~ Binomial(n, p)`, `0 < p < 1`, `k <= n`.
pub(super) fn ln_binomial_pmf(k: u64, n: u64, p: f64) -> f64 {
    let (k, n) = (k as f64, n as f64);
    ln_gamma(n + 1.0) - ln_gamma(k + 1.0) - ln_gamma(n - k + 1.0) + k * p.ln() + (n - k) * (-p).ln_1p()
}

/// In-place Cholesky factorisation `A = L Lᵀ` of a symmetric `p × p`
/// row-major matrix; the lower triangle receives `L`. Returns `false` if `A`
/// is not (numerically) positive definite.
pub(super) fn cholesky(a: &mut [f64], p: usize) -> bool {
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= a[j * p + k] * a[j * p + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return false;
        }
        let d = d.sqrt();
        a[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= a[i * p + k] * a[j * p + k];
            }
            a[i * p + j] = s / d;
        }
    }
    true
}

/// Solves `L Lᵀ x = b` in place, given the factor from [`cholesky`].
pub(super) fn cholesky_solve(l: &[f64], p: usize, b: &mut [f64]) {
    for i in 0..p {
        let mut s = b[i];
        for k in 0..i {
            s -= l[i * p + k] * b[k];
        }
        b[i] = s / l[i * p + i];
    }
    for i in (0..p).rev() {
        let mut s = b[i];
        for k in i + 1..p {
            s -= l[k * p + i] * b[k];
        }
        b[i] = s / l[i * p + i];
    }
}

/// The inverse `(L Lᵀ)⁻¹` as a full row-major `p × p` matrix.
pub(super) fn cholesky_inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    let mut col = vec![0.0; p];
    for j in 0..p {
        col.iter_mut().for_each(|c| *c = 0.0);
        col[j] = 1.0;
        cholesky_solve(l, p, &mut col);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;

    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

    #[test]
    fn polygamma_values() {
        let pi2_6 = std::f64::consts::PI.powi(2) / 6.0;
        assert!((digamma(1.0) + EULER_GAMMA).abs() < 1e-15);
        assert!((digamma(0.5) + EULER_GAMMA + 2.0 * 2f64.ln()).abs() < 1e-14);
        assert!((trigamma(1.0) - pi2_6).abs() < 1e-14);
        assert!((trigamma(0.5) - 3.0 * pi2_6).abs() < 1e-14);
        // ψ(x+1) = ψ(x) + 1/x and ψ'(x+1) = ψ'(x) − 1/x² across the series switch.
        for x in [0.3, 2.5, 9.5, 12.25, 1234.5] {
            assert!((digamma(x + 1.0) - digamma(x) - 1.0 / x).abs() < 1e-14, "{x}");
            assert!((trigamma(x + 1.0) - trigamma(x) + 1.0 / (x * x)).abs() < 1e-15, "{x}");
        }
    }

    #[test]
    fn sums_agree_with_series() {
        for (y, r) in [(5.0, 4.6), (999.0, 0.7), (37.0, 120.0)] {
            let series =
                (ln_gamma(y + r) - ln_gamma(r), digamma(y + r) - digamma(r), trigamma(y + r) - trigamma(r));
            assert!((ln_gamma_ratio(y, r) - series.0).abs() < 1e-11 * series.0.abs());
            assert!((digamma_diff(y, r) - series.1).abs() < 1e-12 * series.1.abs());
            assert!((trigamma_diff(y, r) - series.2).abs() < 1e-12 * series.2.abs());
        }
    }

    #[test]
    fn normal_quantile() {
        assert!((z_critical(0.95) - 1.959_963_984_540_054).abs() < 1e-15);
        assert!((z_critical(0.90) - 1.644_853_626_951_472_2).abs() < 1e-15);
    }

    #[test]
    fn cholesky_inverts() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let mut l = a;
        assert!(cholesky(&mut l, 3));
        let inv = cholesky_inverse(&l, 3);
        for i in 0..3 {
            for j in 0..3 {
                let e: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((e - f64::from(u8::from(i == j))).abs() < 1e-14);
            }
        }
        let mut bad = [1.0, 2.0, 2.0, 1.0];
        assert!(!cholesky(&mut bad, 2));
    }
}
