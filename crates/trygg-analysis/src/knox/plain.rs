//! The plain Knox test (pointpats `Knox` semantics) with its Poisson p-value.

use statrs::distribution::{DiscreteCDF, Poisson};

use super::index::BucketIndex;
use super::{KnoxError, validate_events};

/// The 2 × 2 Knox table and its Poisson test.
///
/// Rows: close in space / not; columns: close in time / not.
#[derive(Debug, Clone, PartialEq)]
pub struct KnoxTest {
    /// Pairs close in space (d ≤ delta).
    pub ns: u64,
    /// Pairs close in time (|Δt| ≤ tau).
    pub nt: u64,
    /// Pairs close in both: the Knox statistic.
    pub nst: u64,
    /// All pairs, n(n − 1)/2.
    pub pairs: u64,
    /// `[[NST, NS − NST], [NT − NST, pairs − NS − NT + NST]]`.
    pub observed: [[f64; 2]; 2],
    /// Expected under no interaction: `E = NS·NT/pairs`, then the margins.
    pub expected: [[f64; 2]; 2],
    /// P(X > NST) for X ~ Poisson(E) (strictly greater, as pointpats reports).
    pub p_poisson: f64,
}

/// The Knox test: pairs with Euclidean distance ≤ `delta` and time
/// difference ≤ `tau` (closed intervals; compared as `dx² + dy² ≤ delta²` and
/// `Δt² ≤ tau²`, as scipy's KD-tree does for pointpats).
///
/// O(n log n + C) with C the candidate pairs in adjacent buckets of size
/// `delta` (spatial pairs via a bucket grid, temporal pairs via sorted times).
/// Errors on bad input, and with "bands do not fit the data" when no pair is
/// close in space or none is close in time (the test is then undefined).
pub fn knox_test(xs: &[f64], ys: &[f64], ts: &[f64], delta: f64, tau: f64) -> Result<KnoxTest, KnoxError> {
    validate_events(xs, ys, ts)?;
    for (what, value) in [("space", delta), ("time", tau)] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(KnoxError::Threshold { what, value });
        }
    }
    let (ns, nst) = space_and_space_time_pairs(xs, ys, ts, delta, tau);
    let nt = time_pairs(ts, tau);
    if ns == 0 {
        return Err(KnoxError::BandsDoNotFit { what: "space", limit: delta });
    }
    if nt == 0 {
        return Err(KnoxError::BandsDoNotFit { what: "time", limit: tau });
    }
    let n = xs.len() as u64;
    let pairs = n * (n - 1) / 2;
    let (nsf, ntf, nstf, pf) = (ns as f64, nt as f64, nst as f64, pairs as f64);
    let observed = [[nstf, nsf - nstf], [ntf - nstf, pf - nsf - ntf + nstf]];
    let e = nsf * ntf / pf;
    let (e01, e10) = (nsf - e, ntf - e);
    let expected = [[e, e01], [e10, pf - (e + e01 + e10)]];
    Ok(KnoxTest { ns, nt, nst, pairs, observed, expected, p_poisson: poisson_greater(nst, e) })
}

/// P(X > k) for X ~ Poisson(`mean`), `mean` > 0.
fn poisson_greater(k: u64, mean: f64) -> f64 {
    Poisson::new(mean).map_or(0.0, |p| p.sf(k))
}

/// (NS, NST): pairs within `delta`, and those of them within `tau` in time.
fn space_and_space_time_pairs(xs: &[f64], ys: &[f64], ts: &[f64], delta: f64, tau: f64) -> (u64, u64) {
    let (d2, t2) = (delta * delta, tau * tau);
    let (mut ns, mut nst) = (0u64, 0u64);
    BucketIndex::new(xs, ys, delta).for_each_candidate_pair(|i, j| {
        let (i, j) = (i as usize, j as usize);
        let (dx, dy) = (xs[i] - xs[j], ys[i] - ys[j]);
        if dx * dx + dy * dy <= d2 {
            ns += 1;
            let dt = ts[i] - ts[j];
            nst += u64::from(dt * dt <= t2);
        }
    });
    (ns, nst)
}

/// NT: pairs with `Δt² ≤ tau²`, by two pointers over the sorted times.
fn time_pairs(ts: &[f64], tau: f64) -> u64 {
    let t2 = tau * tau;
    let mut sorted = ts.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let mut lo = 0;
    let mut total = 0u64;
    for (j, &t) in sorted.iter().enumerate() {
        while (t - sorted[lo]) * (t - sorted[lo]) > t2 {
            lo += 1;
        }
        total += (j - lo) as u64;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiny_case_by_hand() {
        // Pairs: (0,1) close in space and time; (0,2) close in time only; (1,2) time only.
        let xs = [0.0, 3.0, 100.0];
        let ys = [0.0, 4.0, 0.0];
        let ts = [0.0, 1.0, 2.0];
        let k = knox_test(&xs, &ys, &ts, 5.0, 2.0).unwrap();
        assert_eq!((k.ns, k.nt, k.nst, k.pairs), (1, 3, 1, 3));
        assert_eq!(k.observed, [[1.0, 0.0], [2.0, 0.0]]);
        assert_eq!(k.expected[0][0], 1.0);
        assert!((k.p_poisson - (1.0 - 2.0 * (-1.0f64).exp())).abs() < 1e-15);
    }

    #[test]
    fn thresholds_and_fit_are_checked() {
        let (xs, ys, ts) = ([0.0, 1.0], [0.0, 0.0], [0.0, 10.0]);
        assert!(matches!(
            knox_test(&xs, &ys, &ts, -1.0, 1.0),
            Err(KnoxError::Threshold { what: "space", .. })
        ));
        assert!(matches!(
            knox_test(&xs, &ys, &ts, 1.0, f64::NAN),
            Err(KnoxError::Threshold { what: "time", .. })
        ));
        assert!(matches!(
            knox_test(&xs, &ys, &ts, 0.5, 20.0),
            Err(KnoxError::BandsDoNotFit { what: "space", .. })
        ));
        assert!(matches!(
            knox_test(&xs, &ys, &ts, 2.0, 5.0),
            Err(KnoxError::BandsDoNotFit { what: "time", .. })
        ));
        assert!(knox_test(&xs, &ys, &ts, 1.0, 10.0).is_ok(), "both thresholds are closed");
    }
}
