//! Section 4: hot spots of the positioned events in the area — a square
//! grid over its districts, Getis-Ord Gi* (binary queen weights with the
//! cell itself) with Benjamini–Hochberg control of the false discovery
//! rate, the quartic kernel density as shading, hot spots that persist from
//! the previous period, and the near-repeat pattern of burglaries.

use super::{Scope, SituationError, Window};
use trygg_analysis::grid::Grid;
use trygg_analysis::hotspot::{GiOptions, fdr_bh, local_g};
use trygg_analysis::kde::{Kernel, kde_grid, spatial_silverman};
use trygg_analysis::knox::{NearRepeatConfig, near_repeat};
use trygg_analysis::projection::TransverseMercator;
use trygg_analysis::weights::Weights;
use trygg_core::{Area, LatLon};
use trygg_store::{EventPoint, EventQuery, Store};

/// The false discovery rate allowed among the cells called hot.
pub const FDR_Q: f64 = 0.05;
/// The smallest cell side, metres.
const MIN_CELL_M: f64 = 100.0;
/// At most about this many cells.
const MAX_CELLS: f64 = 40_000.0;
/// Near-repeat bands: 100 m × 4, 7 days × 4; Monte Carlo runs; seed.
const NR_SPACE_M: f64 = 100.0;
const NR_TIME_DAYS: f64 = 7.0;
const NR_BANDS: usize = 4;
/// Permutations of the near-repeat test.
pub const NR_SIMULATIONS: usize = 99;
const NR_SEED: u64 = 20_250_101;
/// Fewer events than this are too few for the near-repeat test.
const NR_MIN_EVENTS: usize = 20;
/// Categories whose near-repeat pattern is reported (matched case-insensitively in the category).
const NR_CATEGORY: &str = "inbrott";

/// The hot-spot analysis of the area.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Hotspots {
    /// The sources of the positioned events.
    pub sources: Vec<String>,
    /// Positioned events in the period.
    pub events: usize,
    /// In the previous period.
    pub previous_events: usize,
    /// The grid and its statistics, when there are districts and events.
    pub grid: Option<HotspotGrid>,
    /// The near-repeat finding for burglary, if the test could be run.
    pub near_repeat: Option<NearRepeatFinding>,
}

/// The grid analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct HotspotGrid {
    /// The grid (SWEREF 99 TM metres, cells numbered row-major from the south-west).
    pub grid: Grid,
    /// Whether each cell's centre lies in one of the districts (only those are analysed).
    pub inside: Vec<bool>,
    /// Events per cell.
    pub counts: Vec<f64>,
    /// Gi* z per cell (0 outside).
    pub z: Vec<f64>,
    /// Significant hot spot after FDR control.
    pub hot: Vec<bool>,
    /// Hot now and in the previous period.
    pub persistent: Vec<bool>,
    /// Kernel density, events per km².
    pub density: Vec<f64>,
    /// The kernel bandwidth (spatial Silverman), metres.
    pub bandwidth_m: f64,
    /// Places in or next to a hot cell.
    pub hot_places: Vec<String>,
    /// Places in or next to a persistent hot cell.
    pub persistent_places: Vec<String>,
}

impl HotspotGrid {
    /// Cells that are hot.
    pub fn hot_cells(&self) -> usize {
        self.hot.iter().filter(|h| **h).count()
    }

    /// Cells that are hot in both periods.
    pub fn persistent_cells(&self) -> usize {
        self.persistent.iter().filter(|h| **h).count()
    }
}

/// The near-repeat pattern found.
#[derive(Debug, Clone, PartialEq)]
pub struct NearRepeatFinding {
    /// The event category tested.
    pub category: String,
    /// Events tested.
    pub events: usize,
    /// The strongest significant near-repeat band: within this distance (metres)…
    pub distance_m: f64,
    /// …and this many days…
    pub days: f64,
    /// …the observed pairs are this many times the expected; `None` if no band is significant.
    pub ratio: Option<f64>,
    /// Its Monte Carlo p-value.
    pub p: Option<f64>,
    /// Permutations run.
    pub simulations: usize,
}

/// Runs the analysis over the area's positioned events.
pub async fn compute(store: &Store, scope: &Scope, window: &Window) -> Result<Hotspots, SituationError> {
    let query = |from, to| EventQuery {
        areas: scope.members.clone(),
        from: Some(from),
        to: Some(to),
        limit: None,
        source: None,
        categories: scope.categories.clone(),
    };
    let now = store.event_points(&query(window.current.from, window.current.to)).await?;
    let before = store.event_points(&query(window.previous.from, window.previous.to)).await?;
    let mut sources: Vec<String> = now.iter().map(|p| p.source.clone()).collect();
    sources.sort();
    sources.dedup();
    let mut out =
        Hotspots { sources, events: now.len(), previous_events: before.len(), ..Hotspots::default() };
    if now.is_empty() {
        return Ok(out);
    }
    out.grid = analyse_grid(&scope.districts, &scope.places, &now, &before);
    out.near_repeat = burglary_near_repeat(&now, window.current.from);
    Ok(out)
}

fn project(points: &[EventPoint]) -> (Vec<f64>, Vec<f64>) {
    let tm = TransverseMercator::SWEREF99_TM;
    points.iter().map(|p| tm.forward(p.lat, p.lon)).unzip()
}

/// The grid over the districts' boundaries, Gi* with FDR, persistence and density.
fn analyse_grid(
    districts: &[Area],
    places: &[Area],
    now: &[EventPoint],
    before: &[EventPoint],
) -> Option<HotspotGrid> {
    let grid = grid_over(districts)?;
    let inside = inside_cells(&grid, districts);
    let (xs, ys) = project(now);
    let (counts, _) = grid.counts(&xs, &ys);
    let hot_now = hot_cells(&grid, &inside, &counts)?;
    let (bx, by) = project(before);
    let (before_counts, _) = grid.counts(&bx, &by);
    let hot_before = if before.is_empty() {
        vec![false; grid.len()]
    } else {
        hot_cells(&grid, &inside, &before_counts)?.1
    };
    let (z, hot) = hot_now;
    let persistent: Vec<bool> = hot.iter().zip(&hot_before).map(|(a, b)| *a && *b).collect();
    let bandwidth_m = spatial_silverman(&xs, &ys).map(|s| s.bandwidth).unwrap_or(0.0).max(grid.cell_size());
    let density: Vec<f64> = kde_grid(&grid, &xs, &ys, None, Kernel::Quartic, bandwidth_m)
        .ok()?
        .iter()
        .zip(&inside)
        .map(|(d, i)| if *i { d * 1e6 } else { 0.0 })
        .collect();
    let hot_places = places_near(&grid, places, &hot);
    let persistent_places = places_near(&grid, places, &persistent);
    Some(HotspotGrid {
        grid,
        inside,
        counts,
        z,
        hot,
        persistent,
        density,
        bandwidth_m,
        hot_places,
        persistent_places,
    })
}

/// A grid whose cells cover the districts, with cells of at least 100 m and at most about 40,000 of them.
fn grid_over(districts: &[Area]) -> Option<Grid> {
    let tm = TransverseMercator::SWEREF99_TM;
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for b in districts.iter().filter_map(|d| d.boundary.as_ref()) {
        for p in b.polygons().iter().flatten().flatten() {
            let (x, y) = tm.forward(p.lat, p.lon);
            (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
        }
    }
    if x0 >= x1 || y0 >= y1 {
        return None;
    }
    let area = (x1 - x0) * (y1 - y0);
    let cell = ((area / MAX_CELLS).sqrt() / 50.0).ceil().max(1.0) * 50.0;
    let cell = cell.max(MIN_CELL_M);
    let (ox, oy) = ((x0 / cell).floor() * cell, (y0 / cell).floor() * cell);
    let cols = ((x1 - ox) / cell).ceil() as usize;
    let rows = ((y1 - oy) / cell).ceil() as usize;
    Grid::new(ox, oy, cell, cols.max(1), rows.max(1)).ok()
}

/// Whether each cell's centre lies in a district.
fn inside_cells(grid: &Grid, districts: &[Area]) -> Vec<bool> {
    let tm = TransverseMercator::SWEREF99_TM;
    (0..grid.len())
        .map(|id| {
            let (x, y) = grid.center(id);
            let (lat, lon) = tm.inverse(x, y);
            LatLon::new(lat, lon)
                .is_ok_and(|p| districts.iter().filter_map(|d| d.boundary.as_ref()).any(|b| b.contains(p)))
        })
        .collect()
}

/// Gi* z and the FDR-controlled hot spots of the inside cells (full-grid vectors).
fn hot_cells(grid: &Grid, inside: &[bool], counts: &[f64]) -> Option<(Vec<f64>, Vec<bool>)> {
    let ids: Vec<usize> = (0..grid.len()).filter(|&i| inside[i]).collect();
    if ids.len() < 3 {
        return None;
    }
    let mut index = vec![usize::MAX; grid.len()];
    for (k, &id) in ids.iter().enumerate() {
        index[id] = k;
    }
    let (cols, rows) = (grid.cols() as i64, grid.rows() as i64);
    let lists: Vec<Vec<usize>> = ids
        .iter()
        .map(|&id| {
            let (r, c) = grid.row_col(id);
            let mut nb = Vec::new();
            for dr in -1..=1i64 {
                for dc in -1..=1i64 {
                    let (rr, cc) = (r as i64 + dr, c as i64 + dc);
                    if (dr, dc) == (0, 0) || rr < 0 || cc < 0 || rr >= rows || cc >= cols {
                        continue;
                    }
                    let k = index[(rr * cols + cc) as usize];
                    if k != usize::MAX {
                        nb.push(k);
                    }
                }
            }
            nb
        })
        .collect();
    let w = Weights::from_neighbors(&lists).ok()?;
    let y: Vec<f64> = ids.iter().map(|&id| counts[id]).collect();
    let (mut z, mut hot) = (vec![0.0; grid.len()], vec![false; grid.len()]);
    if y.iter().all(|v| *v == 0.0) {
        return Some((z, hot));
    }
    let gi = local_g(&y, &w, GiOptions::GI_STAR).ok()?;
    let fdr = fdr_bh(&gi.p_upper(), FDR_Q).ok()?;
    for (k, &id) in ids.iter().enumerate() {
        z[id] = gi.z[k];
        hot[id] = fdr.significant[k] && gi.z[k] > 0.0;
    }
    Some((z, hot))
}

/// Names of the places in or next to (queen) a flagged cell.
fn places_near(grid: &Grid, places: &[Area], flagged: &[bool]) -> Vec<String> {
    let tm = TransverseMercator::SWEREF99_TM;
    let mut out: Vec<String> = places
        .iter()
        .filter(|p| {
            let Some(at) = p.location else { return false };
            let (x, y) = tm.forward(at.lat, at.lon);
            let cell = grid.cell_size();
            (-1..=1).any(|dy| {
                (-1..=1).any(|dx| {
                    grid.cell_of(x + f64::from(dx) * cell, y + f64::from(dy) * cell)
                        .is_some_and(|id| flagged[id])
                })
            })
        })
        .map(|p| p.name.to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The near-repeat test of the period's burglaries: the nearest significant
/// band (100 m × 7 days bands, Manhattan distance, the NRC's setup).
fn burglary_near_repeat(points: &[EventPoint], epoch_ms: i64) -> Option<NearRepeatFinding> {
    let burglaries: Vec<&EventPoint> =
        points.iter().filter(|p| p.category.to_lowercase().contains(NR_CATEGORY)).collect();
    if burglaries.len() < NR_MIN_EVENTS {
        return None;
    }
    let category = burglaries[0].category.clone();
    let tm = TransverseMercator::SWEREF99_TM;
    let (xs, ys): (Vec<f64>, Vec<f64>) = burglaries.iter().map(|p| tm.forward(p.lat, p.lon)).unzip();
    let ts: Vec<f64> = burglaries.iter().map(|p| (p.occurred_at - epoch_ms) as f64 / 86_400_000.0).collect();
    let config = NearRepeatConfig::new(NR_SPACE_M, NR_BANDS, NR_TIME_DAYS, NR_BANDS);
    let result = near_repeat(&xs, &ys, &ts, &config, NR_SIMULATIONS, NR_SEED).ok()?;
    let cols = config.cols();
    let mut finding = NearRepeatFinding {
        category,
        events: burglaries.len(),
        distance_m: NR_SPACE_M,
        days: NR_TIME_DAYS,
        ratio: None,
        p: None,
        simulations: NR_SIMULATIONS,
    };
    // Rows: same location, then the finite bands; columns: the finite time bands.
    'scan: for row in 0..config.rows() - 1 {
        for col in 0..cols - 1 {
            let i = row * cols + col;
            let ratio = result.knox_ratio.get(i).copied().flatten();
            let p = result.p_value.get(i).copied();
            if let (Some(r), Some(p)) = (ratio, p)
                && p <= 0.05
                && r > 1.0
            {
                let band = row.saturating_sub(usize::from(config.same_location));
                finding.distance_m = NR_SPACE_M * (band + 1) as f64;
                finding.days = NR_TIME_DAYS * (col + 1) as f64;
                finding.ratio = Some(r);
                finding.p = Some(p);
                break 'scan;
            }
        }
    }
    Some(finding)
}
