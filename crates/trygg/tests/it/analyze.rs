//! `trygg analyze`: the real binary reproduces the oracle files under
//! `../shared/oracles/` from their inputs through the documented flags, and
//! refuses bad input with a clear message (never a panic, never NaN).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const ORACLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/oracles");
const NRC: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/nearrepeat_nrc/chicago_arson.csv");

fn analyze(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trygg"))
        .current_dir(dir)
        .arg("analyze")
        .args(args)
        .env_remove("TRYGG_CONFIG")
        .stdin(Stdio::null())
        .output()
        .expect("run trygg")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs and asserts success; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let o = analyze(dir, args);
    assert!(o.status.success(), "{args:?} failed: {}", stderr(&o));
    String::from_utf8(o.stdout).expect("UTF-8 output")
}

/// Runs and asserts a clean failure; returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let o = analyze(dir, args);
    let err = stderr(&o);
    assert!(!o.status.success(), "{args:?} should fail");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert!(o.stdout.is_empty() || !String::from_utf8_lossy(&o.stdout).contains("NaN"));
    err
}

/// The path of a shared file, or `None` (after saying why) when it is
/// missing outside CI; under `CI=true` a missing file fails the test.
fn shared(path: &str) -> Option<PathBuf> {
    let p = PathBuf::from(path);
    if p.exists() {
        return Some(p);
    }
    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{path} is missing under CI");
    eprintln!("skipping: {path} not found (the shared oracle files are not here)");
    None
}

fn oracle(name: &str) -> Option<PathBuf> {
    shared(&format!("{ORACLES}/{name}"))
}

/// A CSV as rows of column → text.
fn table(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers.iter().zip(rec.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

fn read_table(path: &Path) -> Vec<HashMap<String, String>> {
    table(&std::fs::read_to_string(path).unwrap())
}

fn f(row: &HashMap<String, String>, col: &str) -> f64 {
    let v = row.get(col).unwrap_or_else(|| panic!("no column {col}"));
    v.parse().unwrap_or_else(|_| panic!("{col} = {v:?} is not a number"))
}

/// `|a - b| <= tol * max(1, |b|)`, the oracle README's default with tol = 1e-9.
fn close(what: &str, a: f64, b: f64, tol: f64) {
    assert!(a.is_finite(), "{what}: got {a}");
    let err = (a - b).abs() / b.abs().max(1.0);
    assert!(err <= tol, "{what}: got {a}, expected {b} (scaled error {err:e})");
}

const GRID: [&str; 6] = ["--cell-size", "250", "--origin", "674000,6576000", "--extent", "40x40"];

/// `trygg analyze hotspots` on the oracle points with extra flags; the output rows.
fn hotspots(dir: &Path, points: &Path, out: &str, extra: &[&str]) -> Vec<HashMap<String, String>> {
    let mut args = vec!["hotspots", points.to_str().unwrap(), "--x-column", "x", "--y-column", "y"];
    args.extend(GRID);
    args.extend(["--output", out]);
    args.extend(extra);
    ok(dir, &args);
    read_table(&dir.join(out))
}

#[test]
fn analyze_every_command_has_help_with_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let o = ok(dir.path(), &["--help"]);
    for cmd in ["hotspots", "kde", "near-repeat", "trend", "compare", "did"] {
        assert!(o.contains(cmd), "analyze --help lists {cmd}");
        let help = ok(dir.path(), &[cmd, "--help"]);
        assert!(help.contains("Usage:") && help.contains("Example"), "{cmd} --help:\n{help}");
        assert!(help.contains(&format!("trygg analyze {cmd}")), "{cmd}'s example runs it");
    }
    let help = ok(dir.path(), &["hotspots", "--help"]);
    for documented in ["gi_star_p_sim", "Benjamini-Hochberg", "total randomisation", "HH, LH, LL or HL"] {
        assert!(help.contains(documented), "hotspots --help documents {documented}");
    }
}

#[test]
fn analyze_hotspots_reproduce_esda_gi_star_queen() {
    let (Some(points), Some(expected)) = (oracle("points.csv"), oracle("gistar_queen_B.csv")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let expected = read_table(&expected);
    let greater = hotspots(dir.path(), &points, "greater.csv", &["--weights", "queen"]);
    let two = hotspots(dir.path(), &points, "two.csv", &["--weights", "queen", "--alternative", "two-sided"]);
    let grid = read_table(&oracle("grid_counts.csv").unwrap());
    assert_eq!(greater.len(), 1600);
    for (((g, t), e), cell) in greater.iter().zip(&two).zip(&expected).zip(&grid) {
        let id = &e["cell_id"];
        assert_eq!(&g["cell_id"], id);
        for col in ["row", "col", "count"] {
            assert_eq!(f(g, col), f(cell, col), "cell {id} {col}");
        }
        assert_eq!((f(g, "x_center"), f(g, "y_center")), (f(cell, "x_center"), f(cell, "y_center")));
        let z = f(g, "gi_star_z");
        close(&format!("cell {id} z"), z, f(e, "Zs"), 1e-9);
        let p_norm = f(e, "p_norm_one_sided");
        // greater: 1 − Φ(z); esda's p_norm is 1 − Φ(|z|).
        let want = if f(e, "Zs") >= 0.0 { p_norm } else { 1.0 - p_norm };
        close(&format!("cell {id} p (greater)"), f(g, "gi_star_p"), want, 1e-9);
        close(&format!("cell {id} p (two-sided)"), f(t, "gi_star_p"), (2.0 * p_norm).min(1.0), 1e-9);
        assert_eq!(g["gi_star_p_sim"], "", "no permutations, no p_sim");
    }
    // With no permutations the FDR runs over the analytic p: some hot spots
    // are found, and every one of them has a positive z.
    let hot: Vec<_> = greater.iter().filter(|r| r["gi_star_fdr_significant"] == "true").collect();
    assert!(!hot.is_empty());
    assert!(hot.iter().all(|r| f(r, "gi_star_z") > 0.0));
}

#[test]
fn analyze_hotspots_permutation_p_values_are_reproducible() {
    let (Some(points), Some(expected)) = (oracle("points.csv"), oracle("gistar_queen_B.csv")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let expected = read_table(&expected);
    let run = |out: &str, seed: &str| {
        let args = ["--weights", "queen", "--permutations", "999", "--seed", seed, "--lisa-p-sim"];
        hotspots(dir.path(), &points, out, &args)
    };
    let a = run("a.csv", "12345");
    let b = run("b.csv", "12345");
    let c = run("c.csv", "7");
    assert_eq!(a, b);
    assert_eq!(
        std::fs::read(dir.path().join("a.csv")).unwrap(),
        std::fs::read(dir.path().join("b.csv")).unwrap(),
        "the same seed gives the same file"
    );
    assert_ne!(
        std::fs::read(dir.path().join("a.csv")).unwrap(),
        std::fs::read(dir.path().join("c.csv")).unwrap()
    );
    let mut worst: f64 = 0.0;
    for ((r, e), other) in a.iter().zip(&expected).zip(&c) {
        let p = f(r, "gi_star_p_sim");
        assert!((0.001..=1.0).contains(&p), "cell {}: p_sim {p}", r["cell_id"]);
        assert_eq!((p * 1000.0).round(), p * 1000.0, "p_sim is k/1000");
        let lp = f(r, "lisa_p_sim");
        assert!((0.001..=1.0).contains(&lp));
        // esda drew other permutations, so only agreement up to Monte Carlo error is expected.
        let esda_greater = (f(e, "n_sims_ge_obs") + 1.0) / 1000.0;
        worst = worst.max((p - esda_greater).abs()).max((p - f(other, "gi_star_p_sim")).abs());
    }
    assert!(worst < 0.15, "permutation p-values differ from esda's by up to {worst}");
    // Cell 0 is a zero cell in an all-zero neighbourhood: every simulation
    // ties, so it is no hot spot (esda's folded p calls it p = 0.001).
    assert_eq!(f(&expected[0], "p_sim_directed"), 0.001);
    assert_eq!(f(&a[0], "gi_star_p_sim"), 1.0);
    assert_eq!(a[0]["gi_star_fdr_significant"], "false");
    // BH over 1,600 cells needs p below 0.05/1600 for a first discovery, so
    // 999 permutations (p >= 0.001) find fewer than the 9,999 do.
    let hot = |rows: &[HashMap<String, String>]| {
        rows.iter().filter(|r| r["gi_star_fdr_significant"] == "true").count()
    };
    let many = hotspots(dir.path(), &points, "many.csv", &["--weights", "queen", "--permutations", "9999"]);
    assert!(hot(&many) > hot(&a), "{} vs {}", hot(&many), hot(&a));
    assert!(many.iter().filter(|r| r["gi_star_fdr_significant"] == "true").all(|r| f(r, "gi_star_z") > 0.0));
}

#[test]
fn analyze_hotspots_reproduce_esda_gi_star_distance_band() {
    let (Some(points), Some(expected)) = (oracle("points.csv"), oracle("gistar_dband500_B.csv")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let got =
        hotspots(dir.path(), &points, "d.csv", &["--weights", "distance:500", "--alternative", "two-sided"]);
    let expected = read_table(&expected);
    assert_eq!(got.len(), expected.len());
    for (g, e) in got.iter().zip(&expected) {
        close(&format!("cell {} z", e["cell_id"]), f(g, "gi_star_z"), f(e, "Zs"), 1e-9);
        close("p", f(g, "gi_star_p"), (2.0 * f(e, "p_norm_one_sided")).min(1.0), 1e-9);
    }
}

#[test]
fn analyze_hotspots_reproduce_esda_local_moran() {
    let Some(points) = oracle("points.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let quadrants = ["", "HH", "LH", "LL", "HL"];
    for (file, flag) in [("local_moran_queen_B.csv", "binary"), ("local_moran_queen_R.csv", "row")] {
        let Some(expected) = oracle(file) else { return };
        let got = hotspots(dir.path(), &points, "m.csv", &["--weights", "queen", "--lisa-weights", flag]);
        let expected = read_table(&expected);
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            let id = &e["cell_id"];
            close(&format!("{file} cell {id} I"), f(g, "lisa_i"), f(e, "Is"), 1e-9);
            close(&format!("{file} cell {id} z"), f(g, "lisa_z"), f(e, "Z_total_rand"), 1e-9);
            assert_eq!(g["lisa_quadrant"], quadrants[f(e, "quadrant_pysal") as usize], "{file} cell {id}");
        }
    }
}

#[test]
fn analyze_kde_reproduces_scikit_learn_and_the_quartic_reference() {
    let (Some(points), Some(expected)) = (oracle("points.csv"), oracle("kde_grid.csv")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let expected = read_table(&expected);
    let n = 2000.0;
    let cases = [
        ("gaussian", "250", "sklearn_gaussian_h250_density", n),
        ("epanechnikov", "500", "sklearn_epanechnikov_h500_density", n),
        ("uniform", "300", "sklearn_tophat_h300_density", n),
        ("quartic", "500", "ref_quartic_h500_arcgis_density_per_m2", 1.0),
    ];
    for (kernel, h, column, scale) in cases {
        let out = format!("{kernel}.csv");
        let p = points.to_str().unwrap();
        ok(
            dir.path(),
            &[
                "kde",
                p,
                "--x-column",
                "x",
                "--y-column",
                "y",
                "--kernel",
                kernel,
                "--bandwidth",
                h,
                "--cell-size",
                "100",
                "--origin",
                "674000,6576000",
                "--extent",
                "100x100",
                "--method",
                "exact",
                "--output",
                &out,
            ],
        );
        let got = read_table(&dir.path().join(&out));
        assert_eq!(got.len(), 10_000);
        let want: Vec<f64> = expected.iter().map(|e| f(e, column) * scale).collect();
        let peak = want.iter().copied().fold(0.0, f64::max);
        for ((g, e), w) in got.iter().zip(&expected).zip(&want) {
            assert_eq!(
                (f(g, "x"), f(g, "y")),
                (f(e, "eval_x"), f(e, "eval_y")),
                "same evaluation points, same order"
            );
            let d = f(g, "density_per_m2");
            let tol = (1e-9 * w.abs()).max(1e-12 * peak);
            assert!(
                (d - w).abs() <= tol,
                "{kernel} at ({}, {}): got {d}, expected {w}",
                e["eval_x"],
                e["eval_y"]
            );
        }
    }
    // The binned method stays within a few per cent of the peak even with h = 5 cells.
    ok(
        dir.path(),
        &[
            "kde",
            points.to_str().unwrap(),
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--kernel",
            "quartic",
            "--bandwidth",
            "500",
            "--cell-size",
            "100",
            "--origin",
            "674000,6576000",
            "--extent",
            "100x100",
            "--method",
            "binned",
            "--output",
            "binned.csv",
        ],
    );
    let binned = read_table(&dir.path().join("binned.csv"));
    let exact = read_table(&dir.path().join("quartic.csv"));
    let peak = exact.iter().map(|r| f(r, "density_per_m2")).fold(0.0, f64::max);
    let worst = binned
        .iter()
        .zip(&exact)
        .map(|(b, e)| (f(b, "density_per_m2") - f(e, "density_per_m2")).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 0.05 * peak, "binned differs from exact by {worst} (peak {peak})");
    // QGIS's quartic constant is 7.25 times ours.
    let q = read_table(&dir.path().join("quartic.csv"));
    let (i, e) = expected
        .iter()
        .enumerate()
        .max_by(|a, b| {
            f(a.1, "ref_quartic_h500_qgis_scaled").total_cmp(&f(b.1, "ref_quartic_h500_qgis_scaled"))
        })
        .unwrap();
    close("QGIS / ours", f(e, "ref_quartic_h500_qgis_scaled") / f(&q[i], "density_per_m2"), 7.25, 1e-9);
}

#[test]
fn analyze_kde_silverman_bandwidth_is_reported() {
    let Some(points) = oracle("points.csv") else { return };
    let dir = tempfile::tempdir().unwrap();
    let o = analyze(
        dir.path(),
        &[
            "kde",
            points.to_str().unwrap(),
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--kernel",
            "quartic",
            "--bandwidth",
            "silverman",
            "--cell-size",
            "500",
            "--origin",
            "674000,6576000",
            "--extent",
            "20x20",
            "--output",
            "-",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("bandwidth 649.658 m"), "{}", stderr(&o));
    let rows = table(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(rows.len(), 400);
    // The density integrates to about the number of events inside the area.
    let total: f64 = rows.iter().map(|r| f(r, "density_per_m2") * 500.0 * 500.0).sum();
    assert!((1800.0..2100.0).contains(&total), "integral {total}");
}

/// The observed table of a near-repeat output, row-major.
fn observed(rows: &[HashMap<String, String>]) -> Vec<u64> {
    rows.iter().map(|r| r["observed"].parse().unwrap()).collect()
}

fn json(name: &str) -> Option<serde_json::Value> {
    let path = oracle(name)?;
    let text = std::fs::read_to_string(path).unwrap().replace("NaN", "null");
    Some(serde_json::from_str(&text).unwrap())
}

fn flat_u64(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap() as u64))
        .collect()
}

#[test]
fn analyze_near_repeat_reproduces_the_banded_reference() {
    let (Some(points), Some(knox)) = (oracle("points.csv"), json("knox.json")) else { return };
    let dir = tempfile::tempdir().unwrap();
    for metric in ["manhattan", "euclidean"] {
        let out = ok(
            dir.path(),
            &[
                "near-repeat",
                points.to_str().unwrap(),
                "--x-column",
                "x",
                "--y-column",
                "y",
                "--time-column",
                "t_iso",
                "--whole-days",
                "--metric",
                metric,
                "--space-band",
                "100",
                "--space-bands",
                "4",
                "--time-band",
                "7",
                "--time-bands",
                "4",
                "--simulations",
                "19",
                "--seed",
                "3",
                "--output",
                "-",
            ],
        );
        let rows = table(&out);
        assert_eq!(observed(&rows), flat_u64(&knox[format!("ref_banded_{metric}")]["observed"]), "{metric}");
        let labels: Vec<(&str, &str)> =
            rows.iter().map(|r| (r["space_band"].as_str(), r["time_band"].as_str())).collect();
        assert_eq!(labels[0], ("same", "0-7"));
        assert_eq!(labels[6], ("0-100", "7-14"));
        assert_eq!(labels[29], ("400+", "28+"));
        for r in &rows {
            let p = f(r, "p_value");
            assert!((0.05..=1.0).contains(&p), "p = (k + 1)/20");
            assert!(f(r, "expected") >= 0.0);
            assert!(r["knox_ratio"].is_empty() || f(r, "knox_ratio") >= 0.0);
        }
    }
}

#[test]
fn analyze_near_repeat_reproduces_the_near_repeat_calculator() {
    let (Some(arson), Some(knox)) = (shared(NRC), json("knox.json")) else { return };
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "near-repeat",
        arson.to_str().unwrap(),
        "--no-header",
        "--x-column",
        "1",
        "--y-column",
        "2",
        "--time-column",
        "3",
        "--metric",
        "manhattan",
        "--space-band",
        "200",
        "--space-bands",
        "3",
        "--time-band",
        "1",
        "--time-bands",
        "3",
        "--f32-coordinates",
        "--simulations",
        "99",
        "--seed",
        "42",
        "--output",
        "nrc.csv",
    ];
    ok(dir.path(), &args);
    let rows = read_table(&dir.path().join("nrc.csv"));
    let nrc = &knox["nrc_1_3_real_data"]["chicago_arson"];
    assert_eq!(observed(&rows), flat_u64(&nrc["observed"]));
    let spaces: Vec<&str> = rows.iter().step_by(4).map(|r| r["space_band"].as_str()).collect();
    assert_eq!(spaces, ["same", "0-200", "200-400", "400-600", "600+"]);
    let times: Vec<&str> = rows.iter().take(4).map(|r| r["time_band"].as_str()).collect();
    assert_eq!(times, ["0-1", "1-2", "2-3", "3+"]);
    // The NRC's strongest signal (same day, within 200 m) is significant here too.
    assert_eq!(f(&rows[4], "p_value"), 0.01);
    // Without the single-precision rounding one pair moves to another band.
    let mut plain = args.to_vec();
    plain.retain(|a| *a != "--f32-coordinates");
    *plain.last_mut().unwrap() = "plain.csv";
    ok(dir.path(), &plain);
    assert_ne!(observed(&read_table(&dir.path().join("plain.csv"))), flat_u64(&nrc["observed"]));
}

#[test]
fn analyze_near_repeat_reads_us_and_european_dates() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, dates: &[&str]| {
        let mut s = String::from("x,y,when\n");
        for (i, d) in dates.iter().enumerate() {
            s.push_str(&format!("{},{},{d}\n", (i % 3) as f64 * 40.0, (i % 2) as f64 * 30.0));
        }
        std::fs::write(dir.path().join(name), s).unwrap();
    };
    let us = ["01/31/2024", "02/01/2024", "02/03/2024", "02/13/2024", "03/01/2024", "03/02/2024"];
    let eu = ["31/01/2024", "01/02/2024", "03/02/2024", "13/02/2024", "01/03/2024", "02/03/2024"];
    let iso = ["2024-01-31", "2024-02-01", "2024-02-03", "2024-02-13", "2024-03-01", "2024-03-02"];
    write("us.csv", &us);
    write("eu.csv", &eu);
    write("iso.csv", &iso);
    write("ambiguous.csv", &["01/02/2024", "03/04/2024", "05/06/2024"]);
    let run = |file: &str| {
        let args = [
            "near-repeat",
            file,
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--time-column",
            "when",
            "--space-band",
            "50",
            "--space-bands",
            "2",
            "--time-band",
            "2",
            "--time-bands",
            "2",
            "--simulations",
            "9",
            "--output",
            "-",
        ];
        let o = analyze(dir.path(), &args);
        (o.status.success(), String::from_utf8_lossy(&o.stdout).into_owned(), stderr(&o))
    };
    let (ok_iso, iso_out, e) = run("iso.csv");
    assert!(ok_iso, "{e}");
    assert_eq!(run("us.csv").1, iso_out, "month-first dates are recognised");
    assert_eq!(run("eu.csv").1, iso_out, "day-first dates are recognised");
    let (success, _, err) = run("ambiguous.csv");
    assert!(!success);
    assert!(err.contains("--date-format"), "{err}");
}

#[test]
fn analyze_trend_reproduces_statsmodels() {
    let Some(stats) = json("counts_stats.json") else { return };
    let dir = tempfile::tempdir().unwrap();
    let series = |name: &str, key: &str| {
        let mut s = String::from("week,count\n");
        for (i, c) in stats[key].as_array().unwrap().iter().enumerate() {
            s.push_str(&format!("{i},{}\n", c.as_f64().unwrap()));
        }
        std::fs::write(dir.path().join(name), s).unwrap();
    };
    series("weekly.csv", "weekly_counts");
    series("monthly.csv", "monthly_overdispersed_counts");
    let term =
        |rows: &[HashMap<String, String>], t: &str| rows.iter().find(|r| r["term"] == t).unwrap().clone();
    let num = |v: &serde_json::Value| v.as_f64().unwrap();

    let rows =
        table(&ok(dir.path(), &["trend", "weekly.csv", "--count-column", "count", "--time-column", "week"]));
    let glm = &stats["poisson_glm_trend"];
    for (i, t) in ["intercept", "slope"].iter().enumerate() {
        close(&format!("weekly {t}"), f(&term(&rows, t), "estimate"), num(&glm["params"][i]), 1e-8);
        close(&format!("weekly {t} se"), f(&term(&rows, t), "se"), num(&glm["bse"][i]), 1e-8);
        close(&format!("weekly {t} z"), f(&term(&rows, t), "z"), num(&glm["z"][i]), 1e-6);
    }
    close("weekly slope p", f(&term(&rows, "slope"), "p"), num(&glm["p"][1]), 1e-8);
    // Without a time column t is the row number: the same fit.
    let by_row = table(&ok(dir.path(), &["trend", "weekly.csv", "--count-column", "count"]));
    assert_eq!(by_row, rows);

    let rows =
        table(&ok(dir.path(), &["trend", "monthly.csv", "--count-column", "count", "--model", "negbin"]));
    let nb = &stats["monthly_negbin2_mle"];
    for (i, t) in ["intercept", "slope", "alpha"].iter().enumerate() {
        close(
            &format!("negbin {t}"),
            f(&term(&rows, t), "estimate"),
            num(&nb["params_const_slope_alpha"][i]),
            1e-6,
        );
        close(&format!("negbin {t} se"), f(&term(&rows, t), "se"), num(&nb["bse"][i]), 1e-5);
    }
    close("negbin slope p", f(&term(&rows, "slope"), "p"), num(&nb["p"][1]), 1e-5);
    let text = ok(dir.path(), &["trend", "monthly.csv", "--count-column", "count", "--format", "text"]);
    assert!(text.starts_with("term") && text.contains("dispersion") && !text.contains(','), "{text}");
}

#[test]
fn analyze_compare_reproduces_statsmodels_two_count_tests() {
    let Some(stats) = json("counts_stats.json") else { return };
    let dir = tempfile::tempdir().unwrap();
    let t = &stats["two_count_test"];
    let (cur, hist) = (t["count_current"].to_string(), t["count_historical"].to_string());
    let out = ok(
        dir.path(),
        &[
            "compare",
            "--current",
            &cur,
            "--previous",
            &hist,
            "--current-exposure",
            "4",
            "--previous-exposure",
            "4",
            "--method",
            "all",
        ],
    );
    let rows = table(&out);
    assert_eq!(rows.len(), 5);
    for (method, key) in
        [("etest", "etest"), ("score", "score"), ("wald", "wald"), ("exact", "exact-cond"), ("sqrt", "sqrt")]
    {
        let r = rows.iter().find(|r| r["method"] == method).unwrap();
        close(&format!("{method} p"), f(r, "p_value"), t[key]["pvalue"].as_f64().unwrap(), 1e-9);
        match t[key]["statistic"].as_f64() {
            Some(s) => close(&format!("{method} statistic"), f(r, "statistic"), s, 1e-9),
            None => assert_eq!(r["statistic"], "", "the exact test has no statistic"),
        }
        close("wheeler", f(r, "wheeler_sqrt_z"), t["wheeler_sqrt_z_ref"].as_f64().unwrap(), 1e-12);
    }
    let text = ok(dir.path(), &["compare", "--current", "12", "--previous", "0", "--format", "text"]);
    assert!(text.contains("etest") && !text.contains("NaN"), "{text}");
}

#[test]
fn analyze_did_reproduces_the_wdd_paper_and_the_poisson_did() {
    let Some(stats) = json("counts_stats.json") else { return };
    let dir = tempfile::tempdir().unwrap();
    let row =
        |rows: &[HashMap<String, String>], m: &str| rows.iter().find(|r| r["method"] == m).unwrap().clone();
    let num = |v: &serde_json::Value| v.as_f64().unwrap();

    let d = &stats["did_poisson_2x2"];
    let s = |v: &serde_json::Value, i: usize| v[i].to_string();
    let (tr, co) = (&d["treated_pre_post"], &d["control_pre_post"]);
    let rows = table(&ok(
        dir.path(),
        &[
            "did",
            "--treated-before",
            &s(tr, 0),
            "--treated-after",
            &s(tr, 1),
            "--control-before",
            &s(co, 0),
            "--control-after",
            &s(co, 1),
        ],
    ));
    let inter = row(&rows, "did_log_irr");
    close("interaction", f(&inter, "estimate"), num(&d["glm_params"]["treat_post"]), 1e-9);
    close("interaction se", f(&inter, "se"), num(&d["glm_bse"]["treat_post"]), 1e-8);
    close("irr", f(&row(&rows, "did_irr"), "estimate"), num(&d["irr"]), 1e-9);
    close("wdd", f(&row(&rows, "wdd"), "estimate"), num(&d["wdd_ref"]["est"]), 1e-12);
    close("wdd se", f(&row(&rows, "wdd"), "se"), num(&d["wdd_ref"]["se"]), 1e-12);

    let p = &stats["wdd_paper_example"];
    let (i, r) = (&p["inputs"], &p["ref"]);
    let rows = table(&ok(
        dir.path(),
        &[
            "did",
            "--treated-before",
            &s(&i["treated"], 0),
            "--treated-after",
            &s(&i["treated"], 1),
            "--control-before",
            &s(&i["control"], 0),
            "--control-after",
            &s(&i["control"], 1),
            "--buffer-before",
            &s(&i["disp_treated"], 0),
            "--buffer-after",
            &s(&i["disp_treated"], 1),
            "--control-buffer-before",
            &s(&i["disp_control"], 0),
            "--control-buffer-after",
            &s(&i["disp_control"], 1),
        ],
    ));
    let wdd = row(&rows, "wdd");
    close("paper WDD", f(&wdd, "estimate"), num(&r["est_total"]), 1e-12);
    close("paper se", f(&wdd, "se"), num(&r["se_total"]), 1e-12);
    close("paper z", f(&wdd, "z"), num(&r["z"]), 1e-12);
    close("paper p", f(&wdd, "p"), num(&r["p_two_sided"]), 1e-9);
    close("paper ci low", f(&wdd, "ci_low"), num(&r["ci"][0]), 1e-9);
    close("paper ci high", f(&wdd, "ci_high"), num(&r["ci"][1]), 1e-9);
    close("local", f(&row(&rows, "wdd_local"), "estimate"), num(&r["est_local"]), 0.0);
    close("displacement", f(&row(&rows, "wdd_displacement"), "estimate"), num(&r["est_displace"]), 0.0);
    assert_eq!(p["published_expected"]["z_2dp"].as_f64(), Some((f(&wdd, "z") * 100.0).round() / 100.0));

    let o = analyze(
        dir.path(),
        &[
            "did",
            "--treated-before",
            "0",
            "--treated-after",
            "4",
            "--control-before",
            "5",
            "--control-after",
            "6",
        ],
    );
    assert!(o.status.success());
    assert!(stderr(&o).contains("the treated pre count is 0"), "{}", stderr(&o));
    assert!(!String::from_utf8_lossy(&o.stdout).contains("did_irr"));
}

/// A points file with a header and `rows` data rows (line k + 2 holds row k).
fn points_file(dir: &Path, name: &str, rows: usize, bad_line: Option<(usize, &str)>) -> String {
    let mut s = String::from("id,x,y,day\n");
    for k in 0..rows {
        let line = k + 2;
        let x = match bad_line {
            Some((l, v)) if l == line => v.to_string(),
            _ => format!("{}", 100.0 + (k * 37 % 500) as f64),
        };
        s.push_str(&format!("{k},{x},{},{}\n", 100.0 + (k * 53 % 500) as f64, k % 30));
    }
    std::fs::write(dir.join(name), s).unwrap();
    name.to_string()
}

#[test]
fn analyze_bad_input_gives_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let grid = ["--cell-size", "100", "--origin", "0,0", "--extent", "10x10"];
    let hot = |file: &str, extra: &[&str]| {
        let mut a = vec![
            "hotspots",
            file,
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--weights",
            "queen",
            "--output",
            "out.csv",
        ];
        a.extend(grid);
        a.extend(extra);
        fails(d, &a)
    };

    std::fs::write(d.join("empty.csv"), "").unwrap();
    assert!(hot("empty.csv", &[]).contains("empty.csv: the file is empty"));
    std::fs::write(d.join("header.csv"), "x,y\n").unwrap();
    assert!(hot("header.csv", &[]).contains("header.csv: there are no data rows"));
    assert!(hot("missing.csv", &[]).contains("cannot open missing.csv"));

    let bad = points_file(d, "points.csv", 40, Some((12, "abc")));
    let err = hot(&bad, &[]);
    assert!(err.contains(r#"points.csv: line 12, column x: "abc" is not a number"#), "{err}");
    assert!(!d.join("out.csv").exists(), "no output is written on error");
    let nan = points_file(d, "nan.csv", 20, Some((5, "NaN")));
    assert!(hot(&nan, &[]).contains("line 5, column x: \"NaN\" is not a finite number"));
    let empty_cell = points_file(d, "hole.csv", 20, Some((7, "")));
    assert!(hot(&empty_cell, &[]).contains("line 7, column x: the field is empty"));
    let good = points_file(d, "good.csv", 200, None);
    let mut east =
        vec!["hotspots", good.as_str(), "--x-column", "east", "--y-column", "y", "--weights", "queen"];
    east.extend(grid);
    east.extend(["--output", "out.csv"]);
    assert!(fails(d, &east).contains("there is no column named \"east\"; the columns are id, x, y, day"));

    let mut extent = vec!["hotspots", &good, "--x-column", "x", "--y-column", "y", "--weights", "queen"];
    extent.extend(["--cell-size", "100", "--origin", "0,0", "--extent", "0x10", "--output", "o.csv"]);
    assert!(fails(d, &extent).contains("needs at least one column and one row"));
    let mut cell = extent.clone();
    cell[9] = "-5";
    cell[13] = "10x10";
    let e = fails(d, &cell);
    assert!(e.contains("cell size must be a positive number"), "{e}");

    let kde = |bandwidth: &str| {
        fails(
            d,
            &[
                "kde",
                &good,
                "--x-column",
                "x",
                "--y-column",
                "y",
                "--kernel",
                "quartic",
                "--bandwidth",
                bandwidth,
                "--cell-size",
                "100",
                "--origin",
                "0,0",
                "--extent",
                "10x10",
                "--output",
                "k.csv",
            ],
        )
    };
    assert!(kde("-50").contains("bandwidth must be a positive number of metres"));
    assert!(kde("0").contains("bandwidth must be a positive number of metres"));
    assert!(kde("wide").contains("bandwidth must be a number of metres or silverman"));
    assert!(kde("1e200").contains("more than 10,000 km"));
    let e = fails(
        d,
        &[
            "kde",
            &good,
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--kernel",
            "uniform",
            "--bandwidth",
            "50",
            "--cell-size",
            "100",
            "--origin",
            "0,0",
            "--extent",
            "10x10",
            "--method",
            "binned",
            "--output",
            "k.csv",
        ],
    );
    assert!(e.contains("--method binned needs a bandwidth of at least 2 cells"), "{e}");

    let nr = |space: &str, time: &str| {
        fails(
            d,
            &[
                "near-repeat",
                &good,
                "--x-column",
                "x",
                "--y-column",
                "y",
                "--time-column",
                "day",
                "--space-band",
                space,
                "--space-bands",
                "3",
                "--time-band",
                time,
                "--time-bands",
                "3",
                "--output",
                "n.csv",
            ],
        )
    };
    // Points on a 37 × 53 m lattice: no two are within 3 × 0.001 m.
    let e = nr("0.001", "7");
    assert!(e.contains("bands do not fit the data") && e.contains("space"), "{e}");
    let e = nr("100", "-7");
    assert!(e.contains("time band width -7"), "{e}");
    std::fs::write(d.join("one.csv"), "x,y,day\n0,0,1\n").unwrap();
    let e = fails(
        d,
        &[
            "near-repeat",
            "one.csv",
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--time-column",
            "day",
            "--space-band",
            "100",
            "--space-bands",
            "2",
            "--time-band",
            "1",
            "--time-bands",
            "2",
            "--output",
            "n.csv",
        ],
    );
    assert!(e.contains("at least 2 events"), "{e}");

    let e = fails(d, &["trend", "empty.csv", "--count-column", "count"]);
    assert!(e.contains("empty.csv: the file is empty"), "{e}");
    let e = fails(d, &["compare", "--current", "-3", "--previous", "4"]);
    assert!(e.contains("whole number"), "{e}");
    let e = fails(d, &["compare", "--current", "0", "--previous", "0"]);
    assert!(e.contains("both periods have zero events"), "{e}");
    let e = fails(
        d,
        &[
            "did",
            "--treated-before",
            "1",
            "--treated-after",
            "2",
            "--control-before",
            "3",
            "--control-after",
            "-4",
        ],
    );
    assert!(e.contains("a count must be 0 or more"), "{e}");
}

#[test]
fn analyze_hotspots_report_points_outside_the_grid_and_write_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = points_file(d, "good.csv", 200, None);
    let o = analyze(
        d,
        &[
            "hotspots",
            &good,
            "--x-column",
            "x",
            "--y-column",
            "y",
            "--weights",
            "distance:150",
            "--permutations",
            "99",
            "--cell-size",
            "100",
            "--origin",
            "0,0",
            "--extent",
            "4x4",
            "--output",
            "-",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rows = table(&String::from_utf8_lossy(&o.stdout));
    assert_eq!(rows.len(), 16);
    let inside: f64 = rows.iter().map(|r| f(r, "count")).sum();
    let outside = 200 - inside as usize;
    assert!(outside > 0);
    assert!(stderr(&o).contains(&format!("{outside} of 200 rows lie outside the grid")), "{}", stderr(&o));
    assert_eq!(
        rows.iter().map(|r| (f(r, "row") as usize, f(r, "col") as usize)).collect::<Vec<_>>()[..6],
        [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1)],
        "row 0 is the southern row; cell_id = row * cols + col"
    );
    assert_eq!((f(&rows[5], "x_center"), f(&rows[5], "y_center")), (150.0, 150.0));
}
