//! Tests of the binned approximation against the exact grid sum.

use std::f64::consts::{PI, SQRT_2};

use super::tests::{oracle_points, uniform};
use super::*;
use crate::rng::SeededRng;

const KERNELS: [Kernel; 4] = [Kernel::Epanechnikov, Kernel::Quartic, Kernel::Gaussian, Kernel::Uniform];

/// W(e, ρ) at every cell centre: the weight of the points closer than ρ (an
/// exact uniform-kernel density times its area).
fn weight_within(grid: &Grid, xs: &[f64], ys: &[f64], w: Option<&[f64]>, rho: f64) -> Vec<f64> {
    let d = kde_grid(grid, xs, ys, w, Kernel::Uniform, rho).unwrap();
    d.iter().map(|v| v * PI * rho * rho).collect()
}

/// The per-cell error bound stated in [`kde_grid_binned`]'s docs (rings
/// widened by 1e-9 relative so that points at a ring's edge count).
fn stated_bound(grid: &Grid, xs: &[f64], ys: &[f64], w: Option<&[f64]>, kernel: Kernel, h: f64) -> Vec<f64> {
    let (cell, k0) = (grid.cell_size(), kernel.constant(h));
    let (t, delta) = (cell / h, SQRT_2 * cell);
    let within = |rho: f64| weight_within(grid, xs, ys, w, rho);
    let ring = || {
        let (outer, inner) = (within((h + delta) * (1.0 + 1e-9)), within((h - delta) * (1.0 - 1e-9)));
        outer.iter().zip(&inner).map(|(o, i)| o - i).collect::<Vec<f64>>()
    };
    match kernel {
        Kernel::Epanechnikov => {
            let inside = within(h * (1.0 + 1e-9));
            let edge = 0.71 * t * (1.0 + SQRT_2 * t);
            inside.iter().zip(ring()).map(|(a, b)| k0 * (t * t / 2.0 * a).max(edge * b)).collect()
        }
        Kernel::Quartic => within(h + delta).iter().map(|a| k0 * 2.0 * t * t * a).collect(),
        Kernel::Gaussian => {
            let total: f64 = w.map_or(xs.len() as f64, |w| w.iter().sum());
            let near = within(3.0 * h + delta);
            let far = |a: f64| a + 0.12 * (total - a);
            near.iter().map(|&a| k0 * (t * t / 4.0 * far(a) + 2.0 * GAUSSIAN_TAIL * total)).collect()
        }
        Kernel::Uniform => ring().iter().map(|b| k0 * b).collect(),
    }
}

/// Checks binned against exact within the stated bound (plus 1e-12 of the
/// peak for rounding); returns the largest error as a share of the peak.
fn check_within_bound(
    label: &str,
    grid: &Grid,
    (xs, ys, w): (&[f64], &[f64], Option<&[f64]>),
    kernel: Kernel,
    h: f64,
) -> f64 {
    let exact = kde_grid(grid, xs, ys, w, kernel, h).unwrap();
    let binned = kde_grid_binned(grid, xs, ys, w, kernel, h).unwrap();
    let bound = stated_bound(grid, xs, ys, w, kernel, h);
    let peak = exact.iter().fold(0.0_f64, |m, &v| m.max(v));
    let (mut worst, mut used) = (0.0_f64, 0.0_f64);
    for (id, ((b, e), lim)) in binned.iter().zip(&exact).zip(&bound).enumerate() {
        assert!(b.is_finite() && *b >= 0.0, "{label} {kernel:?} cell {id}: {b}");
        let err = (b - e).abs();
        assert!(err <= lim + 1e-12 * peak, "{label} {kernel:?} cell {id}: |{b} − {e}| > {lim}");
        worst = worst.max(err);
        used = used.max(err / (lim + 1e-12 * peak));
    }
    eprintln!(
        "{label} {kernel:?} h {h}: max error {:.2e} of the peak, {:.0} % of the stated bound",
        worst / peak,
        100.0 * used
    );
    worst / peak
}

/// 200,000 points: a third spread over (and beyond) a 10 km square, the rest
/// in 30 normal clusters with σ from 100 to 1,000 m.
fn clustered(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = SeededRng::new(seed);
    let centres: Vec<[f64; 3]> = (0..30)
        .map(|_| [uniform(&mut rng, 0.0, 1e4), uniform(&mut rng, 0.0, 1e4), uniform(&mut rng, 100.0, 1000.0)])
        .collect();
    let (mut xs, mut ys) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        if i % 3 == 0 {
            xs.push(uniform(&mut rng, -700.0, 10_700.0));
            ys.push(uniform(&mut rng, -700.0, 10_700.0));
        } else {
            let [cx, cy, s] = centres[rng.below(30)];
            let r = s * (-2.0 * uniform(&mut rng, 1e-300, 1.0).ln()).sqrt();
            let a = uniform(&mut rng, 0.0, 2.0 * PI);
            xs.push(cx + r * a.cos());
            ys.push(cy + r * a.sin());
        }
    }
    (xs, ys)
}

#[test]
fn binned_meets_its_stated_bound_on_the_oracle_points() {
    let Some((xs, ys)) = oracle_points() else { return };
    // The oracle's grid: 100 m cells, so t = cell/h is 0.2 to 0.4 here.
    let grid = Grid::new(674_000.0, 6_576_000.0, 100.0, 100, 100).unwrap();
    let mut rng = SeededRng::new(3);
    let ws: Vec<f64> = xs.iter().map(|_| uniform(&mut rng, 0.5, 2.0)).collect();
    for (kernel, h) in [
        (Kernel::Gaussian, 250.0),
        (Kernel::Epanechnikov, 500.0),
        (Kernel::Uniform, 300.0),
        (Kernel::Quartic, 500.0),
    ] {
        check_within_bound("oracle", &grid, (&xs, &ys, None), kernel, h);
        check_within_bound("oracle weighted", &grid, (&xs, &ys, Some(&ws)), kernel, h);
    }
}

#[test]
fn binned_meets_its_stated_bound_on_200k_clustered_points() {
    // The benchmark's geometry: 400 × 400 cells of 25 m, h = 500 m (t = 0.05).
    let (xs, ys) = clustered(200_000, 17);
    let grid = Grid::new(0.0, 0.0, 25.0, 400, 400).unwrap();
    for kernel in [Kernel::Epanechnikov, Kernel::Quartic, Kernel::Uniform] {
        let share = check_within_bound("clustered", &grid, (&xs, &ys, None), kernel, 500.0);
        if kernel != Kernel::Uniform {
            assert!(share <= 0.005, "{kernel:?}: {share} of the peak");
        }
    }
    // The exact Gaussian costs n · (2 · 8.3 h/cell)²: a tenth of the points, h = 10 cells.
    let share =
        check_within_bound("clustered", &grid, (&xs[..20_000], &ys[..20_000], None), Kernel::Gaussian, 250.0);
    assert!(share <= 0.005, "Gaussian: {share} of the peak");
}

#[test]
fn points_on_cell_centres_are_binned_without_error() {
    // Binning is exact for points on the lattice, so only the convolution's
    // rounding remains, for every kernel; some points lie outside the grid.
    let grid = Grid::new(1000.0, 2000.0, 20.0, 60, 45).unwrap();
    let mut rng = SeededRng::new(8);
    let (mut xs, mut ys, mut ws) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..5000 {
        xs.push(1000.0 + 20.0 * (rng.below(90) as f64 - 15.0 + 0.5));
        ys.push(2000.0 + 20.0 * (rng.below(75) as f64 - 15.0 + 0.5));
        ws.push(uniform(&mut rng, 0.0, 3.0));
    }
    for kernel in KERNELS {
        for h in [15.0, 97.0, 200.0, 260.0] {
            let exact = kde_grid(&grid, &xs, &ys, Some(&ws), kernel, h).unwrap();
            let binned = kde_grid_binned(&grid, &xs, &ys, Some(&ws), kernel, h).unwrap();
            let peak = exact.iter().fold(0.0_f64, |m, &v| m.max(v));
            for (id, (b, e)) in binned.iter().zip(&exact).enumerate() {
                assert!((b - e).abs() <= 1e-12 * peak, "{kernel:?} h {h} cell {id}: {b} vs {e}");
            }
        }
    }
}

#[test]
fn binned_mass_is_the_weight_times_the_lattice_sum_of_the_kernel() {
    // Points well inside the grid: linear binning keeps every point's weight,
    // so the mass is Σw · Σ_offsets K · cell², and close to the exact mass.
    let cell = 25.0;
    let grid = Grid::new(0.0, 0.0, cell, 200, 200).unwrap();
    let mut rng = SeededRng::new(21);
    let xs: Vec<f64> = (0..20_000).map(|_| uniform(&mut rng, 1500.0, 3500.0)).collect();
    let ys: Vec<f64> = (0..20_000).map(|_| uniform(&mut rng, 1500.0, 3500.0)).collect();
    let ws: Vec<f64> = (0..20_000).map(|_| uniform(&mut rng, 0.0, 2.0)).collect();
    let total: f64 = ws.iter().sum();
    // The Gaussian reaches 8.3 h: a narrower one keeps it inside the grid.
    for (kernel, h) in [(Kernel::Epanechnikov, 500.0), (Kernel::Quartic, 500.0), (Kernel::Gaussian, 150.0)] {
        let reach = (kernel.support(h) / cell).floor() as i64;
        let lattice_sum: f64 = (-reach..=reach)
            .flat_map(|i| (-reach..=reach).map(move |j| ((i * i + j * j) as f64) * cell * cell))
            .map(|d2| kernel.value(d2, h) * cell * cell)
            .sum();
        let mass = |d: Vec<f64>| d.iter().sum::<f64>() * cell * cell;
        let binned = mass(kde_grid_binned(&grid, &xs, &ys, Some(&ws), kernel, h).unwrap());
        let exact = mass(kde_grid(&grid, &xs, &ys, Some(&ws), kernel, h).unwrap());
        let rel = |a: f64, b: f64| (a / b - 1.0).abs();
        eprintln!(
            "{kernel:?}: binned/lattice {:.1e}, binned/exact {:.1e}, lattice sum − 1 {:.1e}",
            rel(binned, total * lattice_sum),
            rel(binned, exact),
            lattice_sum - 1.0
        );
        assert!(rel(binned, total * lattice_sum) <= 1e-12, "{kernel:?}");
        assert!(rel(binned, exact) <= (cell / h).powi(2), "{kernel:?}: {binned} vs {exact}");
    }
}

#[test]
fn far_cells_are_exactly_zero_and_far_points_are_ignored() {
    let grid = Grid::new(0.0, 0.0, 10.0, 100, 40).unwrap();
    // One point inside, one just beyond the reach of the grid on each side.
    let (xs, ys) = ([505.0, -300.5, 1300.5, 500.0], [205.0, 200.0, 200.0, -300.5]);
    for kernel in [Kernel::Quartic, Kernel::Epanechnikov, Kernel::Uniform] {
        let d = kde_grid_binned(&grid, &xs, &ys, None, kernel, 300.0).unwrap();
        let alone = kde_grid_binned(&grid, &xs[..1], &ys[..1], None, kernel, 300.0).unwrap();
        assert_eq!(d, alone, "{kernel:?}: points beyond the reach change nothing");
        for (id, v) in d.iter().enumerate() {
            let (x, y) = grid.center(id);
            let near = (x - 505.0).powi(2) + (y - 205.0).powi(2) < 320.0_f64.powi(2);
            assert!(near || *v == 0.0, "{kernel:?} cell {id}: {v}");
        }
    }
}

#[test]
fn auto_bins_only_large_inputs_on_fine_grids() {
    let fine = Grid::new(0.0, 0.0, 25.0, 400, 400).unwrap();
    let coarse = Grid::new(0.0, 0.0, 100.0, 100, 100).unwrap();
    let auto = |grid: &Grid, n: usize, kernel: Kernel, h: f64| KdeMethod::Auto.choose(grid, n, kernel, h);
    assert_eq!(auto(&fine, 1_000_000, Kernel::Epanechnikov, 500.0), KdeMethod::Binned);
    assert_eq!(auto(&fine, 1_000_000, Kernel::Quartic, 500.0), KdeMethod::Binned);
    assert_eq!(auto(&fine, 200_000, Kernel::Gaussian, 250.0), KdeMethod::Binned, "8.3 h of reach");
    assert_eq!(auto(&fine, 1_000_000, Kernel::Uniform, 500.0), KdeMethod::Exact, "first-order error");
    assert_eq!(auto(&fine, 2_000, Kernel::Epanechnikov, 500.0), KdeMethod::Exact);
    assert_eq!(auto(&coarse, 1_000_000, Kernel::Epanechnikov, 500.0), KdeMethod::Exact, "h = 5 cells");
    assert_eq!(KdeMethod::Exact.choose(&fine, 1_000_000, Kernel::Quartic, 500.0), KdeMethod::Exact);
    assert_eq!(KdeMethod::Binned.choose(&coarse, 2, Kernel::Uniform, 500.0), KdeMethod::Binned);

    let (xs, ys) = clustered(3000, 4);
    for method in [KdeMethod::Exact, KdeMethod::Binned, KdeMethod::Auto] {
        let got = kde_grid_with(method, &coarse, &xs, &ys, None, Kernel::Quartic, 700.0).unwrap();
        let want = match method {
            KdeMethod::Binned => kde_grid_binned(&coarse, &xs, &ys, None, Kernel::Quartic, 700.0),
            _ => kde_grid(&coarse, &xs, &ys, None, Kernel::Quartic, 700.0),
        };
        assert_eq!(Ok(got), want, "{method:?}");
    }
}

#[test]
fn binned_rejects_bad_input_and_falls_back_for_huge_kernels() {
    let g = Grid::new(0.0, 0.0, 10.0, 5, 5).unwrap();
    let k = Kernel::Epanechnikov;
    assert_eq!(kde_grid_binned(&g, &[], &[], None, k, 10.0), Err(KdeError::Empty));
    assert_eq!(
        kde_grid_binned(&g, &[1.0], &[], None, k, 10.0),
        Err(KdeError::LengthMismatch { xs: 1, ys: 0 })
    );
    assert_eq!(kde_grid_binned(&g, &[f64::INFINITY], &[1.0], None, k, 10.0), Err(KdeError::NonFinite(0)));
    assert!(matches!(
        kde_grid_binned(&g, &[1.0], &[1.0], Some(&[f64::NAN]), k, 10.0),
        Err(KdeError::Weight { index: 0, .. })
    ));
    assert_eq!(
        kde_grid_binned(&g, &[1.0], &[1.0], Some(&[1.0, 2.0]), k, 10.0),
        Err(KdeError::WeightCount { weights: 2, points: 1 })
    );
    for h in [0.0, -5.0, f64::NAN, 1e-200] {
        assert!(
            matches!(kde_grid_binned(&g, &[1.0], &[1.0], None, k, h), Err(KdeError::Bandwidth(_))),
            "{h}"
        );
    }
    // A kernel 10⁹ cells wide: no lattice, the exact sum instead.
    for kernel in KERNELS {
        let (x, y) = ([25.0, 1e5], [25.0, -3e4]);
        let binned = kde_grid_binned(&g, &x, &y, None, kernel, 1e10).unwrap();
        assert_eq!(binned, kde_grid(&g, &x, &y, None, kernel, 1e10).unwrap(), "{kernel:?}");
    }
    assert_eq!(kde_grid_binned(&g, &[1.0e300], &[1.0e300], None, k, 1.0e100).unwrap(), vec![0.0; 25]);
}

#[test]
fn many_points_are_binned_in_parts_without_loss() {
    // 600,000 points on a small grid: binned in two parts whose lattices are added.
    let (cell, h) = (25.0, 250.0);
    let grid = Grid::new(0.0, 0.0, cell, 120, 120).unwrap();
    let mut rng = SeededRng::new(33);
    let xs: Vec<f64> = (0..600_000).map(|_| uniform(&mut rng, 500.0, 2500.0)).collect();
    let ys: Vec<f64> =
        xs.iter().map(|x| 500.0 + (x * 7.3 + uniform(&mut rng, 0.0, 400.0)) % 2000.0).collect();
    // t = 0.1 and sharp stripes: a looser check than the clustered test's 0.5 %.
    let share = check_within_bound("parts", &grid, (&xs, &ys, None), Kernel::Epanechnikov, h);
    assert!(share <= 0.01, "{share}");
    let reach = (h / cell) as i64;
    let lattice_sum: f64 = (-reach..=reach)
        .flat_map(|i| (-reach..=reach).map(move |j| ((i * i + j * j) as f64) * cell * cell))
        .map(|d2| Kernel::Epanechnikov.value(d2, h) * cell * cell)
        .sum();
    let binned = kde_grid_binned(&grid, &xs, &ys, None, Kernel::Epanechnikov, h).unwrap();
    let mass = binned.iter().sum::<f64>() * cell * cell;
    assert!((mass / (6e5 * lattice_sum) - 1.0).abs() <= 1e-12, "{mass}");
}

#[test]
fn a_bandwidth_below_two_cells_is_summed_exactly() {
    let grid = Grid::new(0.0, 0.0, 100.0, 20, 20).unwrap();
    let (xs, ys) = (vec![950.0, 1020.0], vec![960.0, 1010.0]);
    for kernel in [Kernel::Gaussian, Kernel::Uniform, Kernel::Epanechnikov] {
        for h in [1e-150, 1.0, 150.0] {
            let binned = kde_grid_binned(&grid, &xs, &ys, None, kernel, h).unwrap();
            let exact = kde_grid(&grid, &xs, &ys, None, kernel, h).unwrap();
            assert_eq!(binned, exact, "{kernel:?} h = {h}");
        }
    }
}
