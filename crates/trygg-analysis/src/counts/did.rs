//! Evaluating a measure in a treated area against a comparison area:
//! the weighted displacement difference and a Poisson difference-in-differences.

use super::{Coefficient, CountsError, check_confidence};

/// Counts in an area before and after a measure started.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrePost {
    /// Count before.
    pub pre: f64,
    /// Count after.
    pub post: f64,
}

impl PrePost {
    /// Counts `pre` and `post`.
    pub fn new(pre: f64, post: f64) -> Self {
        Self { pre, post }
    }

    /// `post − pre`.
    fn change(self) -> f64 {
        self.post - self.pre
    }

    /// `pre + post`, the Poisson variance of the change.
    fn total(self) -> f64 {
        self.pre + self.post
    }

    /// Checks both counts are finite and non-negative (`index` numbers them in errors).
    fn check(self, index: usize) -> Result<Self, CountsError> {
        for (k, value) in [self.pre, self.post].into_iter().enumerate() {
            let index = 2 * index + k;
            if !value.is_finite() {
                return Err(CountsError::NotFinite { index });
            }
            if value < 0.0 {
                return Err(CountsError::Negative { index, value });
            }
        }
        Ok(self)
    }
}

/// The weighted displacement difference (Wheeler & Ratcliffe 2018).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wdd {
    /// WDD = local + displacement; negative means crime fell relative to control.
    pub estimate: f64,
    /// `√(sum of all counts)`, assuming independent Poisson counts.
    pub se: f64,
    /// `estimate / se`.
    pub z: f64,
    /// Two-sided normal p-value.
    pub p: f64,
    /// Lower confidence limit.
    pub ci_low: f64,
    /// Upper confidence limit.
    pub ci_high: f64,
    /// Local effect `(T1 − T0) − (C1 − C0)`.
    pub local: f64,
    /// Displacement effect `(D1 − D0) − (E1 − E0)` for the treated buffer D
    /// and the control buffer E (0 without buffers).
    pub displacement: f64,
}

/// WDD without displacement areas: `(T1 − T0) − (C1 − C0)`, SE `√(T0 + T1 + C0 + C1)`.
///
/// Counts are the totals over periods of equal length.
pub fn wdd(treated: PrePost, control: PrePost, confidence: f64) -> Result<Wdd, CountsError> {
    wdd_with_displacement(treated, control, PrePost::new(0.0, 0.0), PrePost::new(0.0, 0.0), confidence)
}

/// WDD with displacement (buffer) areas around the treated area and around
/// the control area: `[(T1 − T0) − (C1 − C0)] + [(D1 − D0) − (E1 − E0)]`, SE
/// the square root of the sum of all eight counts; as the R package ptools
/// `wdd()`. A buffer that gained crime (displacement) makes the total
/// estimate less negative; one that lost crime (diffusion of benefits), more.
pub fn wdd_with_displacement(
    treated: PrePost,
    control: PrePost,
    treated_buffer: PrePost,
    control_buffer: PrePost,
    confidence: f64,
) -> Result<Wdd, CountsError> {
    let zc = check_confidence(confidence)?;
    let areas = [treated, control, treated_buffer, control_buffer];
    for (i, a) in areas.iter().enumerate() {
        a.check(i)?;
    }
    let variance: f64 = areas.iter().map(|a| a.total()).sum();
    if variance == 0.0 {
        return Err(CountsError::AllZero);
    }
    let local = treated.change() - control.change();
    let displacement = treated_buffer.change() - control_buffer.change();
    let c = Coefficient::wald(local + displacement, variance.sqrt(), zc);
    Ok(Wdd {
        estimate: c.estimate,
        se: c.se,
        z: c.z,
        p: c.p,
        ci_low: c.ci_low,
        ci_high: c.ci_high,
        local,
        displacement,
    })
}

/// A 2×2 Poisson difference-in-differences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Did {
    /// The interaction `log((T1/T0) / (C1/C0))`, SE `√(1/T0 + 1/T1 + 1/C0 + 1/C1)`:
    /// the log of the incidence-rate ratio.
    pub interaction: Coefficient,
    /// Incidence-rate ratio `exp(interaction)`: below 1 means the treated area
    /// improved relative to the control.
    pub irr: f64,
    /// Lower confidence limit of the IRR.
    pub irr_ci_low: f64,
    /// Upper confidence limit of the IRR.
    pub irr_ci_high: f64,
    /// GLM intercept `log C0`.
    pub intercept: Coefficient,
    /// GLM `treat` coefficient `log(T0 / C0)`.
    pub treat: Coefficient,
    /// GLM `post` coefficient `log(C1 / C0)`.
    pub post: Coefficient,
}

/// Poisson difference-in-differences for a treated and a control area, pre
/// and post: the saturated GLM `count ~ treat + post + treat:post`, in
/// closed form (identical to the IRLS fit). Periods must have equal length
/// in both areas (they may differ between pre and post).
///
/// **Zero cells:** the model then has no finite estimate, so a zero count
/// gives [`CountsError::ZeroCell`]; no continuity correction is applied.
/// Add your own (e.g. 0.5 to every cell) if you accept its bias.
pub fn poisson_did(treated: PrePost, control: PrePost, confidence: f64) -> Result<Did, CountsError> {
    let zc = check_confidence(confidence)?;
    treated.check(0)?;
    control.check(1)?;
    let cells = [
        (treated.pre, "treated pre"),
        (treated.post, "treated post"),
        (control.pre, "control pre"),
        (control.post, "control post"),
    ];
    if let Some((_, name)) = cells.iter().find(|(v, _)| *v == 0.0) {
        return Err(CountsError::ZeroCell(name));
    }
    let [t0, t1, c0, c1] = cells.map(|(v, _)| v);
    let interaction = Coefficient::wald(
        (t1 / t0).ln() - (c1 / c0).ln(),
        (1.0 / t0 + 1.0 / t1 + 1.0 / c0 + 1.0 / c1).sqrt(),
        zc,
    );
    let (irr, irr_ci_low, irr_ci_high) = interaction.exp_ci();
    Ok(Did {
        interaction,
        irr,
        irr_ci_low,
        irr_ci_high,
        intercept: Coefficient::wald(c0.ln(), (1.0 / c0).sqrt(), zc),
        treat: Coefficient::wald((t0 / c0).ln(), (1.0 / t0 + 1.0 / c0).sqrt(), zc),
        post: Coefficient::wald((c1 / c0).ln(), (1.0 / c0 + 1.0 / c1).sqrt(), zc),
    })
}

#[cfg(test)]
mod tests {
    use super::super::glm::irls;
    use super::super::oracle::{close, float, floats};
    use super::*;

    fn pair(v: &serde_json::Value) -> PrePost {
        let x = floats(v);
        PrePost::new(x[0], x[1])
    }

    #[test]
    fn did_matches_statsmodels_glm_and_closed_form() {
        let Some(o) = super::super::oracle::counts_stats() else { return };
        let want = &o["did_poisson_2x2"];
        let (t, c) = (pair(&want["treated_pre_post"]), pair(&want["control_pre_post"]));
        let d = poisson_did(t, c, 0.95).unwrap();
        let mut worst: f64 = 0.0;
        let (params, bse) = (&want["glm_params"], &want["glm_bse"]);
        for (key, coef) in
            [("const", d.intercept), ("treat", d.treat), ("post", d.post), ("treat_post", d.interaction)]
        {
            worst = worst.max(close(key, coef.estimate, float(&params[key]), 1e-9));
            worst = worst.max(close(key, coef.se, float(&bse[key]), 1e-9));
        }
        worst = worst.max(close(
            "closed",
            d.interaction.estimate,
            float(&want["interaction_closed_form"]),
            1e-12,
        ));
        worst = worst.max(close(
            "closed se",
            d.interaction.se,
            float(&want["interaction_se_closed_form"]),
            1e-12,
        ));
        worst = worst.max(close("irr", d.irr, float(&want["irr"]), 1e-12));
        let w = wdd(t, c, 0.95).unwrap();
        worst = worst.max(close("wdd", w.estimate, float(&want["wdd_ref"]["est"]), 1e-12));
        worst = worst.max(close("wdd se", w.se, float(&want["wdd_ref"]["se"]), 1e-12));
        eprintln!("DiD and WDD: max scaled error {worst:e}");
    }

    #[test]
    fn did_closed_form_equals_irls() {
        let (t, c) = (PrePost::new(114.0, 153.0), PrePost::new(75.0, 76.0));
        // Rows: (const, treat, post, treat:post) for C0, C1, T0, T1.
        let x = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let fit = irls(&x, 4, &[c.pre, c.post, t.pre, t.post], 0.0).unwrap();
        let d = poisson_did(t, c, 0.95).unwrap();
        for (j, coef) in [d.intercept, d.treat, d.post, d.interaction].iter().enumerate() {
            assert!((fit.beta[j] - coef.estimate).abs() < 1e-12);
            assert!((fit.cov[j * 4 + j].sqrt() - coef.se).abs() < 1e-12);
        }
    }

    #[test]
    fn wdd_reproduces_the_published_example() {
        let Some(o) = super::super::oracle::counts_stats() else { return };
        let ex = &o["wdd_paper_example"];
        let (inp, want) = (&ex["inputs"], &ex["ref"]);
        let w = wdd_with_displacement(
            pair(&inp["treated"]),
            pair(&inp["control"]),
            pair(&inp["disp_treated"]),
            pair(&inp["disp_control"]),
            0.95,
        )
        .unwrap();
        let mut worst: f64 = 0.0;
        for (key, got) in [
            ("est_local", w.local),
            ("est_displace", w.displacement),
            ("est_total", w.estimate),
            ("se_total", w.se),
            ("z", w.z),
            ("p_two_sided", w.p),
        ] {
            worst = worst.max(close(key, got, float(&want[key]), 1e-9));
        }
        let ci = floats(&want["ci"]);
        worst = worst.max(close("ci low", w.ci_low, ci[0], 1e-9));
        worst = worst.max(close("ci high", w.ci_high, ci[1], 1e-9));
        // The published, rounded numbers.
        let published = &ex["published_expected"];
        assert_eq!(w.estimate, float(&published["est_total"]));
        assert_eq!((w.z * 100.0).round() / 100.0, float(&published["z_2dp"]));
        let rounded = floats(&published["ci95_rounded"]);
        assert_eq!([w.ci_low.round(), w.ci_high.round()], [rounded[0], rounded[1]]);
        eprintln!("WDD paper example: max scaled error {worst:e}");
    }

    #[test]
    fn bad_input_is_refused() {
        let ok = PrePost::new(10.0, 12.0);
        assert_eq!(poisson_did(PrePost::new(5.0, 0.0), ok, 0.95), Err(CountsError::ZeroCell("treated post")));
        assert_eq!(
            poisson_did(ok, PrePost::new(-1.0, 3.0), 0.95),
            Err(CountsError::Negative { index: 2, value: -1.0 })
        );
        assert_eq!(wdd(PrePost::new(0.0, 0.0), PrePost::new(0.0, 0.0), 0.95), Err(CountsError::AllZero));
        assert_eq!(wdd(ok, PrePost::new(f64::NAN, 1.0), 0.95), Err(CountsError::NotFinite { index: 2 }));
        assert_eq!(wdd(ok, ok, 1.5), Err(CountsError::Confidence(1.5)));
    }
}
