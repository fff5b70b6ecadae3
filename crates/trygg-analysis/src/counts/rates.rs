//! Comparing two Poisson rates: is the current period different from the
//! previous one?
//!
//! [`compare_rates`] follows statsmodels
//! `stats.rates.test_poisson_2indep(count1, exposure1, count2, exposure2,
//! method=…, compare="ratio", value=1)`: H0 is `rate1 / rate2 = 1`, with
//! `rate = count / exposure`. With `r = exposure1 / exposure2`:
//!
//! - `Score`: `(y1 − r y2) / √((y1 + y2) r)`, normal p-value.
//! - `Wald`: `(y1 − r y2) / √(y1 + r² y2)`, normal p-value.
//! - `Sqrt`: `2 (√(y1 + 3/8) − √(r (y2 + 3/8))) / √(1 + r)`, normal p-value.
//! - `ExactConditional`: given `y1 + y2`, `y1 ~ Binomial(y1 + y2, r/(1+r))`;
//!   two-sided p-value by the minimum-likelihood rule of scipy `binomtest`
//!   (sum of all outcomes no more likely than the observed one, with a
//!   relative tolerance of 1e-7). No statistic.
//! - `ETest`: the Krishnamoorthy–Thomson E-test: the probability, under
//!   independent Poissons with the null-constrained means
//!   `(y1 + y2) r/(1+r)` and `(y1 + y2)/(1+r)`, of a score statistic at least
//!   as extreme as observed. Statistics within 1e-12 (relative) of the
//!   observed one count as at least as extreme. **Truncation:** each Poisson is
//!   summed over the counts whose probability is within a factor e⁻⁴⁵
//!   (≈ 3e-20) of its mode; the mass left out is below 1e-17, so the p-value
//!   has an absolute error of about 1e-17. The sum is `O(K log K)` with
//!   `K ≈ 19 √mean`, using that the score statistic is monotone in each count.
//!
//! Both counts zero is refused ([`CountsError::NoEvents`]).

use super::special::{ln_binomial_pmf, ln_poisson_pmf};
use super::{CountsError, normal_sf, two_sided_p};

/// Which test [`compare_rates`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateMethod {
    /// Krishnamoorthy–Thomson E-test with the score statistic (statsmodels "etest").
    ETest,
    /// Score test, variance under the null (statsmodels "score").
    Score,
    /// Wald test, variance from the observed rates (statsmodels "wald").
    Wald,
    /// Exact conditional binomial test (statsmodels "exact-cond").
    ExactConditional,
    /// Variance-stabilising square-root test (statsmodels "sqrt").
    Sqrt,
}

/// The alternative hypothesis about `rate1 / rate2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    /// `rate1 ≠ rate2`.
    TwoSided,
    /// `rate1 > rate2` (e.g. the current period is higher).
    Larger,
    /// `rate1 < rate2`.
    Smaller,
}

/// Result of a two-rate comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateTest {
    /// The test run.
    pub method: RateMethod,
    /// The alternative used.
    pub alternative: Alternative,
    /// The z-type statistic (the score statistic for the E-test); `None` for
    /// the exact conditional test, which has none.
    pub statistic: Option<f64>,
    /// The p-value.
    pub p: f64,
    /// `count1 / exposure1`.
    pub rate1: f64,
    /// `count2 / exposure2`.
    pub rate2: f64,
    /// `rate1 / rate2`, or `None` when `count2` is 0.
    pub ratio: Option<f64>,
}

/// Tests H0 `rate1 = rate2` for counts over exposures (e.g. the last 4 weeks
/// against the 4 before: `compare_rates(cur, 4.0, hist, 4.0, …)`).
pub fn compare_rates(
    count1: u64,
    exposure1: f64,
    count2: u64,
    exposure2: f64,
    method: RateMethod,
    alternative: Alternative,
) -> Result<RateTest, CountsError> {
    for e in [exposure1, exposure2] {
        if !(e.is_finite() && e > 0.0) {
            return Err(CountsError::Exposure(e));
        }
    }
    if count1 == 0 && count2 == 0 {
        return Err(CountsError::NoEvents);
    }
    let (y1, y2) = (count1 as f64, count2 as f64);
    let r = exposure1 / exposure2;
    if !(r > 0.0 && r.is_finite() && r / (1.0 + r) < 1.0) {
        return Err(CountsError::Exposure(r));
    }
    let normal = |z: f64| (Some(z), normal_p(z, alternative));
    let (statistic, p) = match method {
        RateMethod::Score => normal(score(y1, y2, r)),
        RateMethod::Wald => normal((y1 - y2 * r) / (y1 + y2 * r * r).sqrt()),
        RateMethod::Sqrt => {
            normal(2.0 * ((y1 + 0.375).sqrt() - ((y2 + 0.375) * r).sqrt()) / (1.0 + r).sqrt())
        }
        RateMethod::ExactConditional => (None, exact_conditional(count1, count2, r, alternative)),
        RateMethod::ETest => (Some(score(y1, y2, r)), etest(count1, count2, r, alternative)),
    };
    Ok(RateTest {
        method,
        alternative,
        statistic,
        p: p.clamp(0.0, 1.0),
        rate1: y1 / exposure1,
        rate2: y2 / exposure2,
        ratio: (count2 > 0).then(|| (y1 / exposure1) / (y2 / exposure2)),
    })
}

/// Wheeler's quick check `2 (√current − √historical)`: approximately standard
/// normal when both counts come from the same Poisson rate over equal
/// periods, so |z| > 2 flags a real change. Counts must be finite and ≥ 0.
pub fn wheeler_sqrt_z(current: f64, historical: f64) -> Result<f64, CountsError> {
    for (index, v) in [current, historical].into_iter().enumerate() {
        if !v.is_finite() {
            return Err(CountsError::NotFinite { index });
        }
        if v < 0.0 {
            return Err(CountsError::Negative { index, value: v });
        }
    }
    Ok(2.0 * (current.sqrt() - historical.sqrt()))
}

/// The score statistic; `(0, 0)` gives 0.
fn score(x1: f64, x2: f64, r: f64) -> f64 {
    let v = (x1 + x2) * r;
    if v > 0.0 { (x1 - x2 * r) / v.sqrt() } else { 0.0 }
}

/// Normal p-value of `z` for the alternative.
fn normal_p(z: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::TwoSided => two_sided_p(z),
        Alternative::Larger => normal_sf(z),
        Alternative::Smaller => normal_sf(-z),
    }
}

/// Relative size below the mode at which probabilities are left out of sums.
const LN_NEGLIGIBLE: f64 = -45.0;

/// Exact conditional binomial p-value (scipy `binomtest` semantics).
fn exact_conditional(k: u64, other: u64, r: f64, alternative: Alternative) -> f64 {
    let n = k + other;
    let prob = r / (1.0 + r);
    let lpmf = |j: u64| ln_binomial_pmf(j, n, prob);
    match alternative {
        Alternative::Larger => sum_upward(k, n, &lpmf),
        Alternative::Smaller => sum_downward(k, &lpmf),
        Alternative::TwoSided => {
            let threshold = lpmf(k) + 1e-7f64.ln_1p();
            let mode = (((n + 1) as f64 * prob).floor() as u64).min(n);
            if lpmf(mode) <= threshold {
                return 1.0;
            }
            // The pmf rises on [0, mode] and falls on [mode, n].
            let left = last_at_most(0, mode, |j| lpmf(j) <= threshold);
            let right = first_at_most(mode, n, |j| lpmf(j) <= threshold);
            left.map_or(0.0, |l| sum_downward(l, &lpmf)) + right.map_or(0.0, |r| sum_upward(r, n, &lpmf))
        }
    }
}

/// `Σ_{j ≤ k} exp(lpmf(j))`, summed from `k` down until the terms are negligible.
fn sum_downward(k: u64, lpmf: &dyn Fn(u64) -> f64) -> f64 {
    let mut sum = 0.0;
    for j in (0..=k).rev() {
        let term = lpmf(j).exp();
        sum += term;
        if term <= 1e-17 * sum && j < k && lpmf(j) < lpmf(j + 1) {
            break;
        }
    }
    sum
}

/// `Σ_{k ≤ j ≤ n} exp(lpmf(j))`, summed from `k` up until the terms are negligible.
fn sum_upward(k: u64, n: u64, lpmf: &dyn Fn(u64) -> f64) -> f64 {
    let mut sum = 0.0;
    for j in k..=n {
        let term = lpmf(j).exp();
        sum += term;
        if term <= 1e-17 * sum && j > k && lpmf(j) < lpmf(j - 1) {
            break;
        }
    }
    sum
}

/// The largest `j` in `[lo, hi]` with `pred(j)`, for `pred` true on a prefix.
fn last_at_most(lo: u64, hi: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    if !pred(lo) {
        return None;
    }
    let (mut good, mut bad) = (lo, hi + 1);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if pred(mid) { good = mid } else { bad = mid }
    }
    Some(good)
}

/// The smallest `j` in `[lo, hi]` with `pred(j)`, for `pred` true on a suffix.
fn first_at_most(lo: u64, hi: u64, pred: impl Fn(u64) -> bool) -> Option<u64> {
    if !pred(hi) {
        return None;
    }
    let (mut bad, mut good) = (lo as i128 - 1, hi as i128);
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if pred(mid as u64) { good = mid } else { bad = mid }
    }
    Some(good as u64)
}

/// The probabilities of a Poisson(`mean`) over the counts that matter.
struct PoissonRange {
    /// The first count kept.
    start: u64,
    /// `P(X = start + i)`.
    pmf: Vec<f64>,
}

impl PoissonRange {
    /// Keeps the counts whose probability is within e⁻⁴⁵ of the mode's.
    fn new(mean: f64) -> Self {
        let mode = mean.floor() as u64;
        let top = ln_poisson_pmf(mode, mean);
        let keep = |k: u64| ln_poisson_pmf(k, mean) - top > LN_NEGLIGIBLE;
        let start = last_at_most(0, mode, |k| !keep(k)).map_or(0, |k| k + 1);
        let mut end = mode;
        let mut width = 1;
        while keep(end + width) {
            width *= 2;
        }
        end += width;
        end = first_at_most(mode, end, |k| !keep(k)).unwrap_or(end);
        let pmf = (start..end).map(|k| ln_poisson_pmf(k, mean).exp()).collect();
        Self { start, pmf }
    }

    /// Running sums from the left: `prefix[i] = Σ_{j<i} pmf[j]`.
    fn prefix_sums(&self) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.pmf.len() + 1);
        let mut s = 0.0;
        out.push(0.0);
        for &p in &self.pmf {
            s += p;
            out.push(s);
        }
        out
    }

    /// Running sums from the right: `suffix[i] = Σ_{j≥i} pmf[j]`.
    fn suffix_sums(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.pmf.len() + 1];
        for i in (0..self.pmf.len()).rev() {
            out[i] = out[i + 1] + self.pmf[i];
        }
        out
    }
}

/// The E-test p-value (see the module docs).
fn etest(y1: u64, y2: u64, r: f64, alternative: Alternative) -> f64 {
    let total = (y1 + y2) as f64;
    let (first, second) = (PoissonRange::new(total * r / (1.0 + r)), PoissonRange::new(total / (1.0 + r)));
    let observed = score(y1 as f64, y2 as f64, r);
    let tol = 1e-12 * observed.abs().max(1.0);
    let (prefix, suffix) = (second.prefix_sums(), second.suffix_sums());
    let len2 = second.pmf.len();
    // For fixed x1 the statistic falls as x2 rises, so {stat ≥ c} is a prefix
    // of x2 and {stat ≤ c} a suffix.
    let stat = |x1: u64, i: usize| score(x1 as f64, (second.start + i as u64) as f64, r);
    let upper = |x1: u64, c: f64| {
        last_at_most(0, len2 as u64 - 1, |i| stat(x1, i as usize) >= c)
            .map_or(0.0, |i| prefix[i as usize + 1])
    };
    let lower = |x1: u64, c: f64| {
        first_at_most(0, len2 as u64 - 1, |i| stat(x1, i as usize) <= c).map_or(0.0, |i| suffix[i as usize])
    };
    let mut p = 0.0;
    for (i, &p1) in first.pmf.iter().enumerate() {
        let x1 = first.start + i as u64;
        let mass = match alternative {
            Alternative::Larger => upper(x1, observed - tol),
            Alternative::Smaller => lower(x1, observed + tol),
            Alternative::TwoSided => {
                let c = observed.abs() - tol;
                if c <= 0.0 { prefix[len2] } else { upper(x1, c) + lower(x1, -c) }
            }
        };
        p += p1 * mass;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::super::oracle::{close, float};
    use super::*;

    #[test]
    fn two_count_tests_match_statsmodels() {
        let Some(o) = super::super::oracle::counts_stats() else { return };
        let want = &o["two_count_test"];
        let cur = want["count_current"].as_u64().unwrap();
        let hist = want["count_historical"].as_u64().unwrap();
        let mut worst: f64 = 0.0;
        for (key, method) in [
            ("etest", RateMethod::ETest),
            ("score", RateMethod::Score),
            ("wald", RateMethod::Wald),
            ("exact-cond", RateMethod::ExactConditional),
            ("sqrt", RateMethod::Sqrt),
        ] {
            let t = compare_rates(cur, 4.0, hist, 4.0, method, Alternative::TwoSided).unwrap();
            worst = worst.max(close(key, t.p, float(&want[key]["pvalue"]), 1e-9));
            match want[key]["statistic"].as_f64() {
                Some(s) => worst = worst.max(close(key, t.statistic.unwrap(), s, 1e-9)),
                None => assert_eq!(t.statistic, None, "{key}: statsmodels gives NaN"),
            }
        }
        let z = wheeler_sqrt_z(cur as f64, hist as f64).unwrap();
        worst = worst.max(close("wheeler", z, float(&want["wheeler_sqrt_z_ref"]), 1e-9));
        eprintln!("two-count tests: max scaled error {worst:e}");
    }

    /// The E-test by brute force over a wide grid, as statsmodels does it.
    fn etest_brute(y1: u64, y2: u64, r: f64, alternative: Alternative) -> f64 {
        let total = (y1 + y2) as f64;
        let (m1, m2) = (total * r / (1.0 + r), total / (1.0 + r));
        let obs = score(y1 as f64, y2 as f64, r);
        let grid = 300u64;
        let mut p = 0.0;
        for a in 0..grid {
            for b in 0..grid {
                let s = score(a as f64, b as f64, r);
                let hit = match alternative {
                    Alternative::TwoSided => s.abs() >= obs.abs() - 1e-12,
                    Alternative::Larger => s >= obs - 1e-12,
                    Alternative::Smaller => s <= obs + 1e-12,
                };
                if hit {
                    p += (ln_poisson_pmf(a, m1) + ln_poisson_pmf(b, m2)).exp();
                }
            }
        }
        p
    }

    #[test]
    fn etest_equals_the_full_double_sum() {
        for (y1, y2, r) in [(12, 3, 1.0), (0, 9, 0.5), (40, 61, 2.0), (7, 7, 1.0), (1, 0, 1.0)] {
            for alt in [Alternative::TwoSided, Alternative::Larger, Alternative::Smaller] {
                let got = etest(y1, y2, r, alt);
                let want = etest_brute(y1, y2, r, alt);
                assert!((got - want).abs() < 1e-14, "{y1} {y2} {r} {alt:?}: {got} vs {want}");
            }
        }
        // Equal counts over equal exposures: nothing is less extreme.
        assert!((etest(7, 7, 1.0, Alternative::TwoSided) - 1.0).abs() < 1e-14);
    }

    #[test]
    fn exact_conditional_by_hand() {
        // 10 vs 2 over equal exposures: y1 ~ Bin(12, ½); P(Y ≥ 10) = 79/4096.
        let one = compare_rates(10, 1.0, 2, 1.0, RateMethod::ExactConditional, Alternative::Larger).unwrap();
        assert!((one.p - 79.0 / 4096.0).abs() < 1e-15);
        let two =
            compare_rates(10, 1.0, 2, 1.0, RateMethod::ExactConditional, Alternative::TwoSided).unwrap();
        assert!((two.p - 158.0 / 4096.0).abs() < 1e-15);
        let less =
            compare_rates(10, 1.0, 2, 1.0, RateMethod::ExactConditional, Alternative::Smaller).unwrap();
        assert!((less.p - (4096.0 - 1.0 - 12.0) / 4096.0).abs() < 1e-13, "{}", less.p);
        // The mode itself: p = 1.
        let mode =
            compare_rates(6, 1.0, 6, 1.0, RateMethod::ExactConditional, Alternative::TwoSided).unwrap();
        assert_eq!(mode.p, 1.0);
    }

    #[test]
    fn large_counts_stay_fast_and_sane() {
        let t =
            compare_rates(1_000_400, 1.0, 1_000_000, 1.0, RateMethod::ETest, Alternative::TwoSided).unwrap();
        let s =
            compare_rates(1_000_400, 1.0, 1_000_000, 1.0, RateMethod::Score, Alternative::TwoSided).unwrap();
        assert!((t.p - s.p).abs() < 1e-3, "{} vs {}", t.p, s.p);
        let e = compare_rates(
            1_000_400,
            1.0,
            1_000_000,
            1.0,
            RateMethod::ExactConditional,
            Alternative::TwoSided,
        )
        .unwrap();
        assert!((e.p - s.p).abs() < 1e-3, "{} vs {}", e.p, s.p);
    }

    #[test]
    fn normal_methods_by_hand() {
        // 30 events in 2 weeks against 20 in 4 weeks: r = 0.5.
        let score = compare_rates(30, 2.0, 20, 4.0, RateMethod::Score, Alternative::Larger).unwrap();
        let z = (30.0 - 10.0) / (50.0f64 * 0.5).sqrt();
        assert!((score.statistic.unwrap() - z).abs() < 1e-14);
        assert!((score.p - normal_sf(z)).abs() < 1e-16);
        assert_eq!(score.ratio, Some(3.0));
        let wald = compare_rates(30, 2.0, 20, 4.0, RateMethod::Wald, Alternative::TwoSided).unwrap();
        assert!((wald.statistic.unwrap() - 20.0 / 35.0f64.sqrt()).abs() < 1e-14);
        let zero = compare_rates(5, 1.0, 0, 1.0, RateMethod::Wald, Alternative::TwoSided).unwrap();
        assert_eq!(zero.ratio, None);
        assert!(zero.statistic.unwrap().is_finite());
    }

    #[test]
    fn bad_input_is_refused() {
        let m = RateMethod::Score;
        let a = Alternative::TwoSided;
        assert_eq!(compare_rates(0, 1.0, 0, 1.0, m, a), Err(CountsError::NoEvents));
        assert_eq!(compare_rates(1, 0.0, 0, 1.0, m, a), Err(CountsError::Exposure(0.0)));
        assert!(compare_rates(1, 1.0, 0, f64::NAN, m, a).is_err());
        assert_eq!(wheeler_sqrt_z(-1.0, 3.0), Err(CountsError::Negative { index: 0, value: -1.0 }));
        assert_eq!(wheeler_sqrt_z(1.0, f64::INFINITY), Err(CountsError::NotFinite { index: 1 }));
    }
}
