use std::f64::consts::PI;

use super::*;
use crate::rng::SeededRng;

/// Reads an oracle file; `None` (with a note) when it is missing, except under CI.
pub(super) fn oracle(name: &str) -> Option<String> {
    let path = format!("{}/../../../shared/oracles/{name}", env!("CARGO_MANIFEST_DIR"));
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            assert_ne!(
                std::env::var("CI").as_deref(),
                Ok("true"),
                "oracle file {path} missing under CI: {e}"
            );
            eprintln!("skipping: {path}: {e}");
            None
        }
    }
}

/// The columns of a CSV text, by header name.
fn columns(text: &str, names: &[&str]) -> Vec<Vec<f64>> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let idx: Vec<usize> = names
        .iter()
        .map(|n| headers.iter().position(|h| h == *n).unwrap_or_else(|| panic!("no column {n}")))
        .collect();
    let mut cols = vec![Vec::new(); names.len()];
    for rec in rdr.records() {
        let rec = rec.unwrap();
        for (col, &i) in cols.iter_mut().zip(&idx) {
            col.push(rec[i].parse::<f64>().unwrap());
        }
    }
    cols
}

pub(super) fn oracle_points() -> Option<(Vec<f64>, Vec<f64>)> {
    let mut c = columns(&oracle("points.csv")?, &["x", "y"]).into_iter();
    Some((c.next()?, c.next()?))
}

/// Largest error relative to the KDE tolerance `max(1e-9·|b|, 1e-12·peak)` (≤ 1 passes),
/// and the largest relative error among cells above 1e-6 × peak.
fn kde_error(ours: &[f64], want: &[f64]) -> (f64, f64) {
    assert_eq!(ours.len(), want.len());
    let peak = want.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let (mut worst, mut rel) = (0.0_f64, 0.0_f64);
    for (a, b) in ours.iter().zip(want) {
        assert!(a.is_finite() && *a >= 0.0, "{a}");
        worst = worst.max((a - b).abs() / (1e-9 * b.abs()).max(1e-12 * peak));
        if b.abs() > 1e-6 * peak {
            rel = rel.max((a - b).abs() / b.abs());
        }
    }
    (worst, rel)
}

pub(super) fn uniform(rng: &mut SeededRng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * (rng.below(1 << 53) as f64 / (1u64 << 53) as f64)
}

const ORACLE_CASES: [(&str, Kernel, f64, f64); 4] = [
    ("sklearn_gaussian_h250_density", Kernel::Gaussian, 250.0, 2000.0),
    ("sklearn_epanechnikov_h500_density", Kernel::Epanechnikov, 500.0, 2000.0),
    ("sklearn_tophat_h300_density", Kernel::Uniform, 300.0, 2000.0),
    ("ref_quartic_h500_arcgis_density_per_m2", Kernel::Quartic, 500.0, 1.0),
];

#[test]
fn grid_densities_reproduce_sklearn_and_the_quartic_reference() {
    let (Some((xs, ys)), Some(text)) = (oracle_points(), oracle("kde_grid.csv")) else { return };
    let names: Vec<&str> = ["eval_x", "eval_y"].into_iter().chain(ORACLE_CASES.iter().map(|c| c.0)).collect();
    let cols = columns(&text, &names);
    let (ex, ey) = (&cols[0], &cols[1]);
    assert_eq!(ex.len(), 10_000);
    let grid = Grid::new(674_000.0, 6_576_000.0, 100.0, 100, 100).unwrap();
    for (k, &(name, kernel, h, scale)) in ORACLE_CASES.iter().enumerate() {
        let want: Vec<f64> = cols[k + 2].iter().map(|v| v * scale).collect();
        let on_grid = kde_grid(&grid, &xs, &ys, None, kernel, h).unwrap();
        let ordered: Vec<f64> =
            ex.iter().zip(ey).map(|(&x, &y)| on_grid[grid.cell_of(x, y).unwrap()]).collect();
        let at = kde_points(&xs, &ys, None, kernel, h, ex, ey).unwrap();
        let (g, grel) = kde_error(&ordered, &want);
        let (p, prel) = kde_error(&at, &want);
        eprintln!("{name}: grid {g:.3e} (rel {grel:.1e}), points {p:.3e} (rel {prel:.1e}) of tolerance");
        assert!(g <= 1.0 && p <= 1.0, "{name}: grid {g}, points {p}");
    }
}

#[test]
fn qgis_quartic_is_7_25_times_too_large() {
    let Some(text) = oracle("kde_grid.csv") else { return };
    let cols = columns(
        &text,
        &[
            "ref_quartic_h500_arcgis_density_per_m2",
            "ref_quartic_h500_qgis_raw",
            "ref_quartic_h500_qgis_scaled",
        ],
    );
    let h = 500.0;
    let qgis_constant = 116.0 / (5.0 * PI * h * h) * 15.0 / 16.0;
    assert!((qgis_constant / Kernel::Quartic.constant(h) - 7.25).abs() < 1e-12);
    let mut checked = 0;
    for ((ours, raw), scaled) in cols[0].iter().zip(&cols[1]).zip(&cols[2]) {
        assert!((raw * Kernel::Quartic.constant(h) - ours).abs() <= 1e-9 * ours.abs() + 1e-300);
        if *ours > 0.0 {
            assert!((scaled / ours - 7.25).abs() < 1e-9, "{scaled} / {ours}");
            checked += 1;
        }
    }
    assert!(checked > 9000);
}

#[test]
fn spatial_silverman_reproduces_the_esri_formula_and_sklearn_scott_is_unscaled() {
    let (Some((xs, ys)), Some(text)) = (oracle_points(), oracle("kde_bandwidths.json")) else { return };
    let want: serde_json::Value = serde_json::from_str(&text).unwrap();
    let get = |k: &str| want[k].as_f64().unwrap();
    let s = spatial_silverman(&xs, &ys).unwrap();
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert!(close(s.standard_distance, get("ref_standard_distance_SD")), "{s:?}");
    assert!(close(s.median_distance, get("ref_median_distance_to_mean_center_Dm")), "{s:?}");
    assert!(close(s.bandwidth, get("ref_arcgis_default_radius_formula")), "{s:?}");
    assert_eq!(Bandwidth::SpatialSilverman.resolve(&xs, &ys), Ok(s.bandwidth));
    // sklearn's "scott"/"silverman" is n^(-1/(d+4)), not scaled by the data: 0.28 m.
    let scott = (xs.len() as f64).powf(-1.0 / 6.0);
    assert!(close(scott, get("sklearn_scott_bandwidth")) && close(scott, get("sklearn_silverman_bandwidth")));
    assert!(s.bandwidth / scott > 2000.0, "a 28 cm kernel on metre coordinates");
}

#[test]
fn each_kernel_integrates_to_the_total_weight() {
    for kernel in [Kernel::Quartic, Kernel::Gaussian, Kernel::Epanechnikov, Kernel::Uniform] {
        let grid = Grid::new(-2500.0, -2500.0, 10.0, 500, 500).unwrap();
        let d = kde_grid(&grid, &[0.3, 10.7], &[-2.1, 4.0], Some(&[1.0, 2.5]), kernel, 200.0).unwrap();
        let mass: f64 = d.iter().sum::<f64>() * 100.0;
        assert!((mass - 3.5).abs() < 3.5 * 2e-3, "{kernel:?}: {mass}");
    }
}

#[test]
fn the_grid_sweep_equals_direct_sums_for_every_kernel_and_scale() {
    let mut rng = SeededRng::new(11);
    let n = 2000;
    let mut xs: Vec<f64> = (0..n).map(|_| uniform(&mut rng, -400.0, 2400.0)).collect();
    let mut ys: Vec<f64> = (0..n).map(|_| uniform(&mut rng, -300.0, 1700.0)).collect();
    xs[..200].copy_from_slice(&[1000.0; 200]); // a heap of repeats
    ys[..200].copy_from_slice(&[600.0; 200]);
    let ws: Vec<f64> = (0..n).map(|_| uniform(&mut rng, 0.0, 3.0)).collect();
    for cell in [9.0, 25.0, 40.0, 130.0, 900.0] {
        let grid =
            Grid::new(13.0, -7.0, cell, (2000.0 / cell) as usize + 1, (1400.0 / cell) as usize + 1).unwrap();
        let ids: Vec<usize> = (0..grid.len()).step_by(if cell < 20.0 { 5 } else { 1 }).collect();
        let (cx, cy): (Vec<f64>, Vec<f64>) = ids.iter().map(|&i| grid.center(i)).unzip();
        for kernel in [Kernel::Quartic, Kernel::Gaussian, Kernel::Epanechnikov, Kernel::Uniform] {
            for (h, w) in [(97.3, None), (260.0, Some(ws.as_slice()))] {
                if kernel == Kernel::Gaussian && h / cell > 4.0 {
                    continue; // O(n (8.3 h/cell)²): covered on the coarser grids
                }
                let grid_values = kde_grid(&grid, &xs, &ys, w, kernel, h).unwrap();
                let fast: Vec<f64> = ids.iter().map(|&i| grid_values[i]).collect();
                let direct = kde_points(&xs, &ys, w, kernel, h, &cx, &cy).unwrap();
                let (err, rel) = kde_error(&fast, &direct);
                eprintln!("{kernel:?} cell {cell} h {h}: {err:.2e} of tolerance, rel {rel:.1e}");
                assert!(err <= 0.1, "{kernel:?} cell {cell} h {h}: {err} of tolerance");
            }
        }
    }
}

#[test]
fn a_dense_cluster_leaves_no_rounding_residue_in_the_row_sweep() {
    // 20,000 points in a 400 m disc, h = 500 m on 14 m cells (r = 36: the
    // difference sweep): thousands of runs start and end in each block.
    let mut rng = SeededRng::new(9);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    while xs.len() < 20_000 {
        let (x, y) = (uniform(&mut rng, -400.0, 400.0), uniform(&mut rng, -400.0, 400.0));
        if x * x + y * y < 160_000.0 {
            xs.push(x);
            ys.push(y);
        }
    }
    let grid = Grid::new(-1000.0, -1000.0, 14.0, 143, 143).unwrap();
    for kernel in [Kernel::Quartic, Kernel::Epanechnikov] {
        let fast = kde_grid(&grid, &xs, &ys, None, kernel, 500.0).unwrap();
        let ids: Vec<usize> = (0..grid.len()).step_by(101).collect();
        let (cx, cy): (Vec<f64>, Vec<f64>) = ids.iter().map(|&i| grid.center(i)).unzip();
        let direct = kde_points(&xs, &ys, None, kernel, 500.0, &cx, &cy).unwrap();
        let sampled: Vec<f64> = ids.iter().map(|&i| fast[i]).collect();
        let (err, _) = kde_error(&sampled, &direct);
        assert!(err <= 0.1, "{kernel:?}: {err} of tolerance");
    }
}

#[test]
fn the_gaussian_truncation_error_is_within_its_bound() {
    let mut rng = SeededRng::new(5);
    let xs: Vec<f64> = (0..500).map(|_| uniform(&mut rng, -5000.0, 5000.0)).collect();
    let ys: Vec<f64> = (0..500).map(|_| uniform(&mut rng, -5000.0, 5000.0)).collect();
    let (h, grid) = (300.0, Grid::new(-1000.0, -1000.0, 50.0, 40, 40).unwrap());
    let d = kde_grid(&grid, &xs, &ys, None, Kernel::Gaussian, h).unwrap();
    let c = Kernel::Gaussian.constant(h);
    let bound = GAUSSIAN_TAIL * 500.0 * c;
    for (id, v) in d.iter().enumerate() {
        let (ex, ey) = grid.center(id);
        let full: f64 = xs
            .iter()
            .zip(&ys)
            .map(|(x, y)| c * (-((ex - x).powi(2) + (ey - y).powi(2)) / (2.0 * h * h)).exp())
            .sum();
        assert!((v - full).abs() <= bound + 1e-13 * full, "cell {id}: {v} vs {full}");
    }
    assert!((Kernel::Gaussian.value(gaussian_cutoff().powi(2) * h * h, h) / c - GAUSSIAN_TAIL).abs() < 1e-20);
}

#[test]
fn far_cells_are_exactly_zero_and_uniform_edges_are_exact() {
    let grid = Grid::new(0.0, 0.0, 10.0, 100, 10).unwrap();
    for kernel in [Kernel::Quartic, Kernel::Epanechnikov, Kernel::Uniform] {
        let (xs, ys) = ([55.0, 75.0, 95.0, 300.0], [45.0, 45.0, 45.0, 51.0]);
        let d = kde_grid(&grid, &xs, &ys, None, kernel, 30.0).unwrap();
        for (id, v) in d.iter().enumerate() {
            let (x, y) = grid.center(id);
            let near = xs.iter().zip(&ys).any(|(px, py)| (px - x).powi(2) + (py - y).powi(2) < 900.0);
            assert!(if near { *v > 0.0 } else { *v == 0.0 }, "{kernel:?} cell {id}: {v}");
        }
    }
    // Centres at exactly d = h are outside (d < h): the uniform run stops there.
    let d = kde_grid(&grid, &[45.0], &[45.0], None, Kernel::Uniform, 30.0).unwrap();
    let c = Kernel::Uniform.constant(30.0);
    assert_eq!(d[4 * 100 + 1], 0.0, "dx = 30");
    assert_eq!(d[4 * 100 + 2], c, "dx = 20");
    assert_eq!(d[7 * 100 + 4], 0.0, "dy = 30");
    assert_eq!(d.iter().filter(|&&v| v > 0.0).count(), 25, "offsets |dx|, |dy| ≤ 20 (d² ≤ 800 < 900)");
}

#[test]
fn bad_input_gives_errors_not_nan() {
    let g = Grid::new(0.0, 0.0, 10.0, 5, 5).unwrap();
    let k = Kernel::Quartic;
    assert_eq!(kde_grid(&g, &[], &[], None, k, 10.0), Err(KdeError::Empty));
    assert_eq!(kde_grid(&g, &[1.0], &[], None, k, 10.0), Err(KdeError::LengthMismatch { xs: 1, ys: 0 }));
    assert_eq!(kde_grid(&g, &[1.0, f64::NAN], &[1.0, 2.0], None, k, 10.0), Err(KdeError::NonFinite(1)));
    assert_eq!(
        kde_grid(&g, &[1.0], &[1.0], Some(&[-1.0]), k, 10.0),
        Err(KdeError::Weight { index: 0, value: -1.0 })
    );
    assert_eq!(
        kde_grid(&g, &[1.0], &[1.0], Some(&[]), k, 10.0),
        Err(KdeError::WeightCount { weights: 0, points: 1 })
    );
    for h in [0.0, -5.0, f64::NAN, f64::INFINITY, 1e-200] {
        assert!(matches!(kde_grid(&g, &[1.0], &[1.0], None, k, h), Err(KdeError::Bandwidth(_))), "{h}");
        assert!(matches!(Bandwidth::Fixed(h).resolve(&[1.0], &[1.0]), Err(KdeError::Bandwidth(_))));
    }
    assert_eq!(
        kde_points(&[1.0], &[1.0], None, k, 5.0, &[1.0, f64::INFINITY], &[0.0, 0.0]),
        Err(KdeError::EvalNonFinite(1))
    );
    assert_eq!(spatial_silverman(&[3.0, 3.0, 3.0], &[4.0, 4.0, 4.0]), Err(KdeError::NoSpread));
    assert_eq!(spatial_silverman(&[], &[]), Err(KdeError::Empty));
    assert_eq!(kde_grid(&g, &[1.0e300], &[1.0e300], None, k, 1.0e100).unwrap(), vec![0.0; 25]);
}
