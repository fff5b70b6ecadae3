//! Timings of the analytics on the benchmark sizes of issue 5, computation
//! only (inputs are generated in memory first, no file I/O is timed).
//!
//! Run with `cargo bench -p trygg-analysis` (all cases) or
//! `cargo bench -p trygg-analysis -- NAME` (the cases whose name contains
//! NAME). No benchmark framework: each case runs a few times after one
//! warm-up, timed with `std::time::Instant`, and one line is printed per
//! case with the median, the minimum and the maximum:
//!
//! ```text
//! bench <name> median <s> min <s> max <s> runs <n> | <what was computed>
//! ```
//!
//! The point-in-polygon case reads Stockholm's 117 districts from
//! `../shared/data/stockholm-stadsdelar/stadsdelar_wgs84.geo.json` (skipped,
//! with a note, when the file is missing) and projects them to SWEREF 99 TM.

use std::hint::black_box;
use std::time::Instant;

use trygg_analysis::grid::Grid;
use trygg_analysis::hotspot::{self, GiOptions, PermutationIds};
use trygg_analysis::kde::{self, KdeMethod, Kernel};
use trygg_analysis::knox::{NearRepeat, NearRepeatConfig};
use trygg_analysis::pip::{Area, PolygonIndex};
use trygg_analysis::projection::TransverseMercator;
use trygg_analysis::rng::SeededRng;
use trygg_analysis::weights::Weights;

/// Uniform floats and normals from the crate's seeded generator.
struct Random(SeededRng);

impl Random {
    fn new(seed: u64) -> Self {
        Self(SeededRng::new(seed))
    }

    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        self.0.below(1 << 53) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }

    /// Poisson-like count with mean `m` (sum of a geometric draw; fine for a benchmark).
    fn count(&mut self, m: f64) -> f64 {
        let p = 1.0 / (1.0 + m);
        ((1.0 - self.uniform()).ln() / (1.0 - p).ln()).floor()
    }
}

/// A grid of `cols × rows` counts with smooth hot areas and noise.
fn synthetic_counts(cols: usize, rows: usize, seed: u64) -> (Grid, Vec<f64>) {
    let grid = Grid::new(0.0, 0.0, 100.0, cols, rows).expect("valid grid");
    let mut rng = Random::new(seed);
    let counts = (0..grid.len())
        .map(|id| {
            let (r, c) = grid.row_col(id);
            let hot = ((c as f64 / 37.0).sin() * (r as f64 / 23.0).cos()).max(0.0);
            rng.count(0.3 + 4.0 * hot * hot)
        })
        .collect();
    (grid, counts)
}

/// `n` points: 30 % uniform over a square of `side` metres, 70 % in 40 Gaussian clusters.
fn clustered_points(n: usize, side: f64, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = Random::new(seed);
    let centres: Vec<(f64, f64, f64)> = (0..40)
        .map(|_| (rng.uniform() * side, rng.uniform() * side, 100.0 + 900.0 * rng.uniform()))
        .collect();
    let (mut xs, mut ys) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n {
        if i % 10 < 3 {
            xs.push(rng.uniform() * side);
            ys.push(rng.uniform() * side);
        } else {
            let (cx, cy, s) = centres[rng.0.below(centres.len())];
            xs.push(cx + s * rng.normal());
            ys.push(cy + s * rng.normal());
        }
    }
    (xs, ys)
}

/// Runs `f` once to warm up, then `runs` times; prints the median line.
fn bench(name: &str, runs: usize, what: &str, mut f: impl FnMut() -> String) {
    let mut note = f();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        note = black_box(f());
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "bench {name} median {median:.6} min {:.6} max {:.6} runs {runs} | {what}; {note}",
        times[0],
        times[times.len() - 1]
    );
}

/// Whether a case runs: no filter, or its name contains one of the filter words.
fn wanted(filter: &[String], name: &str) -> bool {
    filter.is_empty() || filter.iter().any(|s| name.contains(s.as_str()))
}

fn main() {
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("# trygg-analysis benchmarks, {threads} threads available; times in seconds");
    let want = |name: &str| wanted(&filter, name);

    // Hot spots, as the issue's targets: analytic Gi* + FDR on 1,000,000 cells;
    // Gi* and local Moran's I with 999 permutations on 100,000 cells.
    let name = "gi_star_analytic_fdr_1m";
    if want(name) {
        let (grid, counts) = synthetic_counts(1000, 1000, 1);
        bench(name, 5, "queen weights + Gi* z + p + BH FDR 5%, 1,000,000 cells", || {
            let w = Weights::queen(&grid);
            let g = hotspot::local_g(&counts, &w, GiOptions::GI_STAR).expect("Gi*");
            let p = g.p_upper();
            let t = hotspot::fdr_bh_threshold(&p, 0.05).expect("FDR");
            let hot = t.map_or(0, |t| p.iter().filter(|&&v| v <= t).count());
            format!("{hot} significant")
        });
    }
    let (gi_name, moran_name) = ("gi_star_999_permutations_100k", "local_moran_999_permutations_100k");
    if want(gi_name) || want(moran_name) {
        let (grid, counts) = synthetic_counts(400, 250, 2);
        let w = Weights::queen(&grid);
        if want(gi_name) {
            bench(gi_name, 5, "Gi* + 999 conditional permutations, 100,000 cells", || {
                let g = hotspot::local_g(&counts, &w, GiOptions::GI_STAR).expect("Gi*");
                let ids = PermutationIds::for_weights(&w, 999, &mut SeededRng::new(12345)).expect("ids");
                let t = hotspot::local_g_permutation(&counts, &w, GiOptions::GI_STAR, &ids).expect("perm");
                let p = t.p_greater();
                format!(
                    "{} cells with p_sim <= 0.001, z[0] {:.3}",
                    p.iter().filter(|&&v| v <= 0.001).count(),
                    g.z[0]
                )
            });
        }
        if want(moran_name) {
            let w_row = w.row_standardized();
            bench(moran_name, 5, "local Moran's I (row) + 999 permutations, 100,000 cells", || {
                let m = hotspot::local_moran(&counts, &w_row).expect("Moran");
                let ids = PermutationIds::for_weights(&w_row, 999, &mut SeededRng::new(12345)).expect("ids");
                let t = hotspot::local_moran_permutation(&counts, &w_row, &ids).expect("perm");
                let hh = m.quadrant.iter().filter(|q| q.label() == "HH").count();
                format!(
                    "{hh} HH, {} cells with p_greater <= 0.001",
                    t.p_greater().iter().filter(|&&p| p <= 0.001).count()
                )
            });
        }
    }

    // Kernel density: 1,000,000 points onto a 400 × 400 grid of 100 m cells, h = 500 m.
    let kde_cases = [
        ("kde_epanechnikov_exact_1m_points_400x400", Kernel::Epanechnikov, KdeMethod::Exact),
        ("kde_quartic_exact_1m_points_400x400", Kernel::Quartic, KdeMethod::Exact),
        ("kde_epanechnikov_binned_1m_points_400x400", Kernel::Epanechnikov, KdeMethod::Binned),
        ("kde_quartic_binned_1m_points_400x400", Kernel::Quartic, KdeMethod::Binned),
    ];
    if kde_cases.iter().any(|(name, ..)| want(name)) {
        let (xs, ys) = clustered_points(1_000_000, 40_000.0, 3);
        let grid = Grid::new(0.0, 0.0, 100.0, 400, 400).expect("grid");
        for (name, kernel, method) in kde_cases.into_iter().filter(|(name, ..)| want(name)) {
            bench(name, 3, &format!("kde_grid_with({method:?}), h = 500 m, 160,000 cell centres"), || {
                let d = kde::kde_grid_with(method, &grid, &xs, &ys, None, kernel, 500.0).expect("kde");
                format!("integral {:.0} events", d.iter().sum::<f64>() * 100.0 * 100.0)
            });
        }
    }

    // Near repeat: 10,000 events over a year, 3 × 3 bands + same location, 99 simulations.
    let name = "knox_10k_events_99_simulations";
    if want(name) {
        let (xs, ys) = clustered_points(10_000, 10_000.0, 4);
        let mut rng = Random::new(5);
        let ts: Vec<f64> = (0..xs.len()).map(|_| (rng.uniform() * 365.0).floor()).collect();
        let (xs, ys): (Vec<f64>, Vec<f64>) = xs.iter().zip(&ys).map(|(x, y)| (x.round(), y.round())).unzip();
        let config = NearRepeatConfig::new(100.0, 3, 7.0, 3);
        bench(name, 5, "banded table 100 m x 3, 7 days x 3 + same location, 99 simulations", || {
            let r =
                NearRepeat::new(&xs, &ys, &ts, &config).expect("prepare").simulate(99, 42).expect("simulate");
            format!("{} pairs", r.observed.total())
        });
    }

    // Point in polygon: 1,000,000 points into Stockholm's 117 districts.
    let (locate_name, build_name) = ("pip_1m_points_117_districts", "pip_index_build");
    if want(locate_name) || want(build_name) {
        let Some(areas) = stockholm_districts() else {
            println!("# pip: skipped, the districts file is missing");
            return;
        };
        let index = PolygonIndex::new(&areas).expect("index");
        let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
        for v in areas.iter().flatten().flatten().flatten() {
            for d in 0..2 {
                lo[d] = lo[d].min(v[d]);
                hi[d] = hi[d].max(v[d]);
            }
        }
        let mut rng = Random::new(6);
        let (px, py): (Vec<f64>, Vec<f64>) = (0..1_000_000)
            .map(|_| (lo[0] + rng.uniform() * (hi[0] - lo[0]), lo[1] + rng.uniform() * (hi[1] - lo[1])))
            .unzip();
        if want(locate_name) {
            bench(
                locate_name,
                5,
                "locate 1,000,000 points (uniform over the districts' bounding box), one core",
                || {
                    let found = index.locate_all(&px, &py).iter().filter(|a| a.is_some()).count();
                    format!("{found} inside a district")
                },
            );
        }
        if want(build_name) {
            bench(build_name, 5, "build the R-tree + banded edges of the 117 districts", || {
                format!("{} areas", PolygonIndex::new(&areas).expect("index").len())
            });
        }
    }
}

/// Stockholm's districts projected to SWEREF 99 TM, or `None` if the file is missing.
fn stockholm_districts() -> Option<Vec<Area>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/stockholm-stadsdelar/stadsdelar_wgs84.geo.json"
    );
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let tm = TransverseMercator::SWEREF99_TM;
    let ring = |r: &serde_json::Value| -> Vec<[f64; 2]> {
        r.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let (lon, lat) = (p[0].as_f64()?, p[1].as_f64()?);
                let (x, y) = tm.forward(lat, lon);
                Some([x, y])
            })
            .collect()
    };
    let polygon = |p: &serde_json::Value| p.as_array().into_iter().flatten().map(ring).collect::<Vec<_>>();
    let areas = json["features"]
        .as_array()?
        .iter()
        .map(|f| {
            let g = &f["geometry"];
            match g["type"].as_str() {
                Some("MultiPolygon") => {
                    g["coordinates"].as_array().into_iter().flatten().map(polygon).collect()
                }
                _ => vec![polygon(&g["coordinates"])],
            }
        })
        .collect();
    Some(areas)
}
