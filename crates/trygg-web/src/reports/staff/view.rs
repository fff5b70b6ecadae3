//! What the staff pages share: the layout, names of codes, times in Swedish
//! time, a report as a table row, and the report map (points, or a grid of
//! counts when there are many).

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::Layout;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::collections::HashMap;
use trygg_core::{Area, AreaLevel, Code, Date, LatLon, Polygon};
use trygg_report::map::{MapPoint, MapShape, MapSpec, render_svg};
use trygg_store::{Category, Report, Store, StoreError};

/// Above this many reports the map shows a grid of counts instead of points.
pub const GRID_THRESHOLD: usize = 300;
/// The side of a grid cell, metres.
const CELL_M: f64 = 250.0;
/// Metres per degree of latitude.
const M_PER_DEG: f64 = 111_320.0;

/// The shared layout for a staff page.
pub fn layout<'a>(ctx: &'a Ctx, t: Tr<'a>, title: &str) -> Layout<'a> {
    Layout::new(ctx, t, title)
}

/// Renders a template, or a logged 500.
pub fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A store error as a page error in the visitor's language.
pub fn store_error(e: StoreError, ctx: &Ctx) -> Response {
    PageError::from_store(e, ctx.t()).into_response()
}

/// A 400 page naming what was wrong.
pub fn bad_request(message: impl Into<String>) -> Response {
    PageError::new(StatusCode::BAD_REQUEST, message).into_response()
}

/// A 404 page.
pub fn not_found(ctx: &Ctx) -> Response {
    PageError::new(StatusCode::NOT_FOUND, ctx.t().get("error.not_found")).into_response()
}

/// Europe/Stockholm.
pub fn tz() -> jiff::tz::TimeZone {
    crate::pages::stockholm()
}

/// Now, epoch ms.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Today in Stockholm.
pub fn today() -> Date {
    jiff::Timestamp::now().to_zoned_datetime(tz()).date()
}

/// Midnight in Stockholm at the start of `date`, epoch ms.
pub fn day_start(date: Date) -> Option<i64> {
    date.to_zoned_datetime(tz()).ok().map(|z| z.timestamp().as_millisecond())
}

/// Epoch ms as `YYYY-MM-DD HH:MM` in Stockholm.
pub fn local_time(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned_datetime(tz()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// How long ago `from` was at `now`: hours below two days, then days.
pub fn age(t: Tr<'_>, from: i64, now: i64) -> String {
    let hours = (now - from).max(0) / 3_600_000;
    if hours < 48 {
        t.fill("staff.age.hours", "n", &hours.to_string())
    } else {
        t.fill("staff.age.days", "n", &(hours / 24).to_string())
    }
}

/// Names for the codes the pages show.
pub struct Names {
    /// Categories by code.
    pub categories: HashMap<Code, Category>,
    /// Area names by code.
    pub areas: HashMap<Code, String>,
    /// Partner names by code.
    pub partners: Vec<(Code, String)>,
    /// Whether to name categories in English.
    pub english: bool,
}

impl Names {
    /// Reads categories, partners and `areas`' names.
    pub async fn load(store: &Store, areas: &[Area], english: bool) -> trygg_store::Result<Self> {
        let (categories, partners) = tokio::try_join!(store.categories(), store.partners())?;
        Ok(Self {
            categories: categories.into_iter().map(|c| (c.code.clone(), c)).collect(),
            areas: areas.iter().map(|a| (a.code.clone(), a.name.to_string())).collect(),
            partners: partners.into_iter().map(|p| (p.code, p.name.to_string())).collect(),
            english,
        })
    }

    /// A category's name (its code if unknown).
    pub fn category(&self, code: &Code) -> String {
        self.categories.get(code).map_or_else(|| code.to_string(), |c| c.name(self.english).to_owned())
    }

    /// An area's name (its code if unknown).
    pub fn area(&self, code: &Code) -> String {
        self.areas.get(code).cloned().unwrap_or_else(|| code.to_string())
    }

    /// A partner's name (its code if unknown).
    pub fn partner(&self, code: &Code) -> String {
        self.partners.iter().find(|(c, _)| c == code).map_or_else(|| code.to_string(), |(_, n)| n.clone())
    }

    /// The leaf categories, in list order, as (code, "Group: name").
    pub fn leaf_options(&self) -> Vec<(String, String)> {
        let mut leaves: Vec<&Category> = self.categories.values().collect();
        leaves.sort_by_key(|c| (c.position, c.code.to_string()));
        leaves
            .into_iter()
            .map(|c| {
                let name = match &c.parent {
                    Some(p) => format!("{}: {}", self.category(p), c.name(self.english)),
                    None => c.name(self.english).to_owned(),
                };
                (c.code.to_string(), name)
            })
            .collect()
    }
}

/// A report as a row in a list.
pub struct Row {
    /// Id.
    pub id: i64,
    /// Category name.
    pub category: String,
    /// Place name, if one was chosen.
    pub place: String,
    /// District name.
    pub district: String,
    /// Responsible organisation's name.
    pub responsible: String,
    /// How old.
    pub age: String,
    /// The deadline in local time.
    pub due: String,
    /// Open and past the deadline.
    pub overdue: bool,
    /// The state's translation key.
    pub state: &'static str,
}

impl Row {
    /// The row for `r` as of `now`.
    pub fn of(r: &Report, names: &Names, t: Tr<'_>, now: i64) -> Self {
        Self {
            id: r.id,
            category: names.category(&r.category),
            place: r.place.as_ref().map(|p| names.area(p)).unwrap_or_default(),
            district: names.area(&r.area),
            responsible: names.partner(&r.responsible),
            age: age(t, r.created_at, now),
            due: local_time(r.due_at),
            overdue: r.is_overdue(now),
            state: r.state.key(),
        }
    }
}

/// The district boundaries among `areas` whose codes are in `codes`.
pub fn district_shapes<'a>(areas: &'a [Area], codes: &[Code]) -> Vec<MapShape<'a>> {
    areas
        .iter()
        .filter(|a| a.level == AreaLevel::District && codes.contains(&a.code))
        .filter_map(|a| {
            Some(MapShape {
                id: a.code.as_str(),
                label: a.name.as_str(),
                boundary: a.boundary.as_ref()?,
                class: "district",
                href: None,
            })
        })
        .collect()
}

/// A map of `districts` with the reports as points, or as a grid of counts
/// when there are more than [`GRID_THRESHOLD`].
pub fn reports_map(
    id: &str,
    title: &str,
    description: &str,
    districts: Vec<MapShape<'_>>,
    reports: &[Report],
    names: &Names,
) -> String {
    let positions: Vec<(LatLon, &Report)> =
        reports.iter().filter_map(|r| r.position.map(|p| (p, r))).collect();
    if positions.len() > GRID_THRESHOLD {
        let cells = grid(&positions.iter().map(|(p, _)| *p).collect::<Vec<_>>());
        let max = cells.iter().map(|c| c.count).max().unwrap_or(1).max(1);
        let labels: Vec<(String, String)> = cells
            .iter()
            .map(|c| (c.count.to_string(), format!("cell level-{}", level(c.count, max))))
            .collect();
        let mut shapes = districts;
        shapes.extend(cells.iter().zip(&labels).map(|(c, (label, class))| MapShape {
            id: &c.id,
            label,
            boundary: &c.boundary,
            class,
            href: None,
        }));
        return render_svg(&MapSpec {
            id,
            title,
            description,
            shapes,
            points: Vec::new(),
            width: 720,
            ..Default::default()
        });
    }
    let labels: Vec<String> =
        positions.iter().map(|(_, r)| format!("#{} {}", r.id, names.category(&r.category))).collect();
    let points = positions
        .iter()
        .zip(&labels)
        .map(|((at, r), label)| MapPoint {
            label,
            at: *at,
            class: if r.state.is_open() { "report open" } else { "report closed" },
            show_label: false,
        })
        .collect();
    render_svg(&MapSpec {
        id,
        title,
        description,
        shapes: districts,
        points,
        width: 720,
        ..Default::default()
    })
}

/// A grid cell with its count.
struct Cell {
    id: String,
    boundary: Polygon,
    count: usize,
}

/// Counts positions in square cells of [`CELL_M`] metres (approximately,
/// in degrees at the points' mean latitude); only non-empty cells.
fn grid(points: &[LatLon]) -> Vec<Cell> {
    let Some(lat0) = points.iter().map(|p| p.lat).reduce(f64::min) else { return Vec::new() };
    let lon0 = points.iter().map(|p| p.lon).fold(f64::INFINITY, f64::min);
    let mean_lat = points.iter().map(|p| p.lat).sum::<f64>() / points.len() as f64;
    let dlat = CELL_M / M_PER_DEG;
    let dlon = CELL_M / (M_PER_DEG * mean_lat.to_radians().cos().max(0.01));
    let mut counts: std::collections::BTreeMap<(i64, i64), usize> = std::collections::BTreeMap::new();
    for p in points {
        let key = (((p.lat - lat0) / dlat).floor() as i64, ((p.lon - lon0) / dlon).floor() as i64);
        *counts.entry(key).or_default() += 1;
    }
    counts
        .into_iter()
        .filter_map(|((row, col), count)| {
            let (s, w) = (lat0 + row as f64 * dlat, lon0 + col as f64 * dlon);
            let (n, e) = (s + dlat, w + dlon);
            let ring = [(s, w), (s, e), (n, e), (n, w), (s, w)].map(|(lat, lon)| LatLon { lat, lon });
            let boundary = Polygon::new(vec![vec![ring.to_vec()]]).ok()?;
            Some(Cell { id: format!("cell-{row}-{col}"), boundary, count })
        })
        .collect()
}

/// A cell's shade, 1–4, relative to the fullest cell (the count is its label too).
fn level(count: usize, max: usize) -> usize {
    (count * 4).div_ceil(max).clamp(1, 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_counts_every_point_once() {
        let base = LatLon { lat: 59.394, lon: 17.904 };
        let mut points: Vec<LatLon> = (0..40).map(|i| base.offset(f64::from(i) * 5.0, 90.0)).collect();
        points.push(base.offset(2000.0, 0.0));
        let cells = grid(&points);
        assert_eq!(cells.iter().map(|c| c.count).sum::<usize>(), 41);
        assert!(cells.len() >= 2 && cells.iter().any(|c| c.count == 1));
        assert_eq!((level(1, 40), level(40, 40), level(20, 40)), (1, 4, 2));
    }
}
