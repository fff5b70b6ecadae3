//! Survey shares: Wilson score intervals and the difference between two
//! independent shares (two survey waves, or women and men).

use super::{CountsError, check_confidence, two_sided_p};

/// A share `k / n` with its Wilson score interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Share {
    /// `k / n`.
    pub estimate: f64,
    /// Lower Wilson limit (exactly 0 when `k = 0`).
    pub ci_low: f64,
    /// Upper Wilson limit (exactly 1 when `k = n`).
    pub ci_high: f64,
}

/// The difference between two independent shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ShareDifference {
    /// The first share (e.g. this wave, or women).
    pub share1: Share,
    /// The second share (e.g. the previous wave, or men).
    pub share2: Share,
    /// `share1 − share2`.
    pub estimate: f64,
    /// Lower limit, Newcombe's hybrid score method.
    pub ci_low: f64,
    /// Upper limit, Newcombe's hybrid score method.
    pub ci_high: f64,
    /// Two-proportion z with the pooled share; 0 when the pooled share is 0 or 1.
    pub z: f64,
    /// Two-sided p-value of `z` (1 when `z` is 0).
    pub p: f64,
}

/// Wilson score interval for `k` of `n` at `confidence` (e.g. 0.95).
///
/// `k` and `n` may be non-integer (weighted counts or an effective sample
/// size), but must satisfy `0 <= k <= n`, `n > 0`. Unlike the Wald interval it
/// stays inside [0, 1] and behaves well for `k = 0` and `k = n`. `O(1)`.
pub fn wilson_interval(k: f64, n: f64, confidence: f64) -> Result<Share, CountsError> {
    let zc = check_confidence(confidence)?;
    check_share(k, n)?;
    Ok(wilson(k, n, zc))
}

/// Difference between two independent shares `k1/n1 − k2/n2` with Newcombe's
/// (1998) hybrid score interval (his method 10) and the pooled two-proportion
/// z-test. With Wilson limits `(l1, u1)` and `(l2, u2)` and `d = p1 − p2`:
/// `[d − √((p1 − l1)² + (u2 − p2)²), d + √((u1 − p1)² + (p2 − l2)²)]`.
pub fn share_difference(
    k1: f64,
    n1: f64,
    k2: f64,
    n2: f64,
    confidence: f64,
) -> Result<ShareDifference, CountsError> {
    let zc = check_confidence(confidence)?;
    check_share(k1, n1)?;
    check_share(k2, n2)?;
    let (s1, s2) = (wilson(k1, n1, zc), wilson(k2, n2, zc));
    let (p1, p2) = (s1.estimate, s2.estimate);
    let d = p1 - p2;
    let ci_low = d - (p1 - s1.ci_low).hypot(s2.ci_high - p2);
    let ci_high = d + (s1.ci_high - p1).hypot(p2 - s2.ci_low);
    let pooled = (k1 + k2) / (n1 + n2);
    let var = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    let z = if var > 0.0 { d / var.sqrt() } else { 0.0 };
    Ok(ShareDifference {
        share1: s1,
        share2: s2,
        estimate: d,
        ci_low: ci_low.max(-1.0),
        ci_high: ci_high.min(1.0),
        z,
        p: two_sided_p(z),
    })
}

/// Checks `0 <= k <= n`, `n > 0`, both finite.
fn check_share(k: f64, n: f64) -> Result<(), CountsError> {
    if k.is_finite() && n.is_finite() && n > 0.0 && (0.0..=n).contains(&k) {
        Ok(())
    } else {
        Err(CountsError::Share { k, n })
    }
}

/// The Wilson interval at normal quantile `zc`.
fn wilson(k: f64, n: f64, zc: f64) -> Share {
    let p = k / n;
    let z2 = zc * zc;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = zc / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Share {
        estimate: p,
        ci_low: if k == 0.0 { 0.0 } else { (centre - half).max(0.0) },
        ci_high: if k == n { 1.0 } else { (centre + half).min(1.0) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round4(x: f64) -> f64 {
        (x * 1e4).round() / 1e4
    }

    #[test]
    fn wilson_matches_newcombe_1998_single_proportion_examples() {
        // Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3.
        for (k, n, lo, hi) in
            [(81.0, 263.0, 0.2553, 0.3662), (1.0, 10.0, 0.0179, 0.4042), (0.0, 10.0, 0.0, 0.2775)]
        {
            let s = wilson_interval(k, n, 0.95).unwrap();
            assert_eq!((round4(s.ci_low), round4(s.ci_high)), (lo, hi), "{k}/{n}");
        }
        let all = wilson_interval(10.0, 10.0, 0.95).unwrap();
        assert_eq!((round4(all.ci_low), all.ci_high), (0.7225, 1.0));
        assert_eq!(wilson_interval(0.0, 10.0, 0.95).unwrap().ci_low, 0.0);
    }

    #[test]
    fn difference_matches_newcombe_1998_table_ii() {
        // Newcombe (1998), Statistics in Medicine 17:873–890, Table II,
        // method 10 (hybrid score), examples (a)–(h).
        let cases = [
            (56.0, 70.0, 48.0, 80.0, 0.2000, 0.0524, 0.3339),
            (9.0, 10.0, 3.0, 10.0, 0.6000, 0.1705, 0.8090),
            (6.0, 7.0, 2.0, 7.0, 0.5714, 0.0582, 0.8062),
            (5.0, 56.0, 0.0, 29.0, 0.0893, -0.0381, 0.1926),
            (0.0, 10.0, 0.0, 20.0, 0.0, -0.1611, 0.2775),
            (0.0, 10.0, 0.0, 10.0, 0.0, -0.2775, 0.2775),
            (10.0, 10.0, 0.0, 20.0, 1.0, 0.6791, 1.0),
            (10.0, 10.0, 0.0, 10.0, 1.0, 0.6075, 1.0),
        ];
        for (k1, n1, k2, n2, d, lo, hi) in cases {
            let r = share_difference(k1, n1, k2, n2, 0.95).unwrap();
            let got = (round4(r.estimate), round4(r.ci_low), round4(r.ci_high));
            assert_eq!(got, (d, lo, hi), "{k1}/{n1} − {k2}/{n2}");
            assert!(r.p.is_finite() && r.z.is_finite());
        }
    }

    #[test]
    fn two_proportion_z_test_by_hand() {
        // 56/70 vs 48/80: pooled 104/150.
        let r = share_difference(56.0, 70.0, 48.0, 80.0, 0.95).unwrap();
        let pooled: f64 = 104.0 / 150.0;
        let z = 0.2 / (pooled * (1.0 - pooled) * (1.0 / 70.0 + 1.0 / 80.0)).sqrt();
        assert!((r.z - z).abs() < 1e-12);
        assert!((r.z - 2.650_172).abs() < 1e-6);
        assert!((r.p - two_sided_p(z)).abs() < 1e-15);
        // Nothing observed in either group: no evidence of a difference.
        let none = share_difference(0.0, 10.0, 0.0, 20.0, 0.95).unwrap();
        assert_eq!((none.z, none.p), (0.0, 1.0));
    }

    #[test]
    fn bad_input_is_refused() {
        assert_eq!(wilson_interval(11.0, 10.0, 0.95), Err(CountsError::Share { k: 11.0, n: 10.0 }));
        assert_eq!(wilson_interval(0.0, 0.0, 0.95), Err(CountsError::Share { k: 0.0, n: 0.0 }));
        assert!(wilson_interval(-1.0, 10.0, 0.95).is_err());
        assert!(wilson_interval(f64::NAN, 10.0, 0.95).is_err());
        assert_eq!(wilson_interval(1.0, 10.0, 0.0), Err(CountsError::Confidence(0.0)));
        assert!(share_difference(1.0, 10.0, 3.0, 2.0, 0.95).is_err());
    }
}
