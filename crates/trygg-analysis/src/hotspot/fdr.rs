//! Benjamini–Hochberg false discovery rate control across cells.

use super::HotspotError;

/// The outcome of [`fdr_bh`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fdr {
    /// Whether each p-value is a discovery at the requested rate.
    pub significant: Vec<bool>,
    /// BH-adjusted p-values (statsmodels `multipletests(method="fdr_bh")`):
    /// `min_{j ≥ rank} min(1, p_(j) · m / j)`. Equal p-values get equal
    /// adjusted values.
    pub adjusted: Vec<f64>,
    /// The largest p-value declared significant, if any.
    pub threshold: Option<f64>,
}

/// Benjamini–Hochberg step-up at false discovery rate `q`: with the
/// p-values sorted, find the largest `k` with `p_(k) ≤ k q / m` and declare
/// every `p ≤ p_(k)` significant (equivalently, `adjusted ≤ q`).
///
/// Valid for independent or positively dependent tests; permutation
/// p-values can be no smaller than `1/(R + 1)`, so with many cells use
/// enough replicates (`R + 1 ≥ m / q` to be able to reject at all).
/// O(m log m) (one sort).
pub fn fdr_bh(p: &[f64], q: f64) -> Result<Fdr, HotspotError> {
    check(p, q)?;
    let m = p.len();
    let order = ascending_order(p);
    let mut adjusted = vec![0.0; m];
    let mut running = 1.0f64;
    let mut threshold = None;
    for (rank, &i) in order.iter().enumerate().rev() {
        let pv = p[i as usize];
        let k = (rank + 1) as f64;
        if threshold.is_none() && pv <= k * q / m as f64 {
            threshold = Some(pv);
        }
        running = running.min(pv * m as f64 / k);
        adjusted[i as usize] = running;
    }
    let significant = match threshold {
        Some(t) => p.iter().map(|&v| v <= t).collect(),
        None => vec![false; m],
    };
    Ok(Fdr { significant, adjusted, threshold })
}

/// Only the Benjamini–Hochberg decision: the largest p-value declared
/// significant at rate `q` (a cell is a discovery iff `p ≤` it), the same
/// as [`fdr_bh`]'s `threshold`. Only `p ≤ q` can be discoveries, and their
/// ranks among themselves are their overall ranks, so only they are
/// sorted: O(m + c log c) with `c = #{p ≤ q}`. Use it when adjusted
/// p-values are not needed (e.g. a million cells).
pub fn fdr_bh_threshold(p: &[f64], q: f64) -> Result<Option<f64>, HotspotError> {
    check(p, q)?;
    let mut candidates: Vec<f64> = p.iter().map(|&v| v + 0.0).filter(|&v| v <= q).collect();
    candidates.sort_unstable_by(f64::total_cmp);
    let m = p.len() as f64;
    Ok(candidates.iter().enumerate().rev().find(|&(j, &v)| v <= (j + 1) as f64 * q / m).map(|(_, &v)| v))
}

/// Checks that `q` is in (0, 1] and every p-value in [0, 1].
fn check(p: &[f64], q: f64) -> Result<(), HotspotError> {
    if !(q > 0.0 && q <= 1.0) {
        return Err(HotspotError::Level(q));
    }
    match p.iter().enumerate().find(|(_, v)| !(**v >= 0.0 && **v <= 1.0)) {
        Some((index, &value)) => Err(HotspotError::PValue { index, value }),
        None => Ok(()),
    }
}

/// Positions of `p` in ascending order (ties by position): one sort of
/// `(bits, index)` pairs (non-negative floats sort like their bits; +0.0
/// folds -0.0).
fn ascending_order(p: &[f64]) -> Vec<u32> {
    let mut pairs: Vec<(u64, u32)> =
        p.iter().enumerate().map(|(i, &v)| ((v + 0.0).to_bits(), i as u32)).collect();
    pairs.sort_unstable();
    pairs.into_iter().map(|(_, i)| i).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_statsmodels_multipletests() {
        // statsmodels.stats.multitest.multipletests(p, alpha=0.05, method="fdr_bh")
        let p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.5, 0.04];
        let r = fdr_bh(&p, 0.05).unwrap();
        let expect = [0.035, 0.056, 0.056, 0.035, 0.23333333333333334, 0.5, 0.056];
        for (a, b) in r.adjusted.iter().zip(expect) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
        assert_eq!(r.significant, vec![true, false, false, true, false, false, false]);
        assert_eq!(r.threshold, Some(0.01));
    }

    #[test]
    fn step_up_rescues_earlier_ranks() {
        // p_(1) = 0.03 > 0.05/4 but p_(4) = 0.04 <= 4·0.05/4: all four rejected.
        let r = fdr_bh(&[0.04, 0.03, 0.035, 0.038], 0.05).unwrap();
        assert_eq!(r.significant, vec![true; 4]);
        assert!(r.adjusted.iter().all(|&a| a == 0.04));
    }

    #[test]
    fn the_order_is_exact() {
        let p = [0.5 + 1e-12, 0.5, 0.5 + 2e-12, 0.25, 0.5, 1e-300, 0.0];
        assert_eq!(ascending_order(&p), vec![6, 5, 3, 1, 4, 0, 2]);
    }

    #[test]
    fn the_threshold_alone_agrees_with_the_full_procedure() {
        let mut rng = crate::rng::SeededRng::new(11);
        for case in 0..50 {
            let m = 1 + rng.below(400);
            // Mixtures of tiny, tied and uniform p-values.
            let p: Vec<f64> = (0..m)
                .map(|_| match rng.below(4) {
                    0 => rng.below(1000) as f64 * 1e-6,
                    1 => 0.01 * rng.below(5) as f64,
                    _ => rng.below(1_000_001) as f64 / 1e6,
                })
                .collect();
            for q in [0.01, 0.05, 0.2, 1.0] {
                let full = fdr_bh(&p, q).unwrap();
                assert_eq!(fdr_bh_threshold(&p, q).unwrap(), full.threshold, "case {case}, q {q}");
                for (i, &s) in full.significant.iter().enumerate() {
                    assert_eq!(s, full.adjusted[i] <= q, "case {case}, q {q}, p {}", p[i]);
                }
            }
        }
        assert_eq!(fdr_bh_threshold(&[0.2], 0.0), Err(HotspotError::Level(0.0)));
    }

    #[test]
    fn edge_cases() {
        assert_eq!(fdr_bh(&[], 0.05).unwrap().significant, Vec::<bool>::new());
        let r = fdr_bh(&[1.0, 0.9], 0.05).unwrap();
        assert_eq!((r.threshold, r.adjusted), (None, vec![1.0, 1.0]));
        assert_eq!(fdr_bh(&[0.1], 0.0), Err(HotspotError::Level(0.0)));
        assert!(fdr_bh(&[0.1], f64::NAN).is_err());
        assert!(matches!(fdr_bh(&[0.1, f64::NAN], 0.1), Err(HotspotError::PValue { index: 1, .. })));
        assert!(matches!(fdr_bh(&[1.5], 0.1), Err(HotspotError::PValue { index: 0, .. })));
        assert_eq!(fdr_bh(&[-0.0, 0.5], 0.1).unwrap().significant, vec![true, false]);
    }
}
