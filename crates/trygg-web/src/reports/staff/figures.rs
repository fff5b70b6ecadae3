//! `GET /reports/figures`: per category (and district, if asked) over a
//! period: reports, median time to fixed, share fixed by the deadline, share
//! reopened, computed by the store from the reports themselves.

use super::queue::area_options;
use super::scope::Scope;
use super::view::{self, Names, day_start, html, layout, now_ms, store_error, today};
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::{Lang, Tr};
use crate::pages::Layout;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use trygg_core::{Area, Code, Invalid, Period};
use trygg_store::ReportFigures;

/// Below this many reports a figure is marked as uncertain.
pub const SMALL_BASE: i64 = 10;

/// The figures page's choices.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresForm {
    period: String,
    area: String,
    by: String,
}

struct FigureRow {
    category: String,
    area: String,
    reports: i64,
    median: String,
    in_time: String,
    reopened: String,
    uncertain: bool,
}

#[derive(Template)]
#[template(path = "reports_figures.html")]
struct FiguresPage<'a> {
    l: Layout<'a>,
    period: String,
    area: String,
    area_name: String,
    by_district: bool,
    areas: Vec<(String, String)>,
    rows: Vec<FigureRow>,
    caption: String,
}

/// The area a page opens on: the user's first area, or Järva.
pub fn default_area(ctx: &Ctx, scope: &Scope, areas: &[Area]) -> Option<Code> {
    let jarva = Code::new("jarva").ok();
    let first = ctx.user.as_ref().and_then(|u| u.areas.first().cloned());
    jarva.filter(|j| scope.sees_area(areas, j)).or(first)
}

fn choose_area(form_area: &str, ctx: &Ctx, scope: &Scope, areas: &[Area]) -> Result<Option<Code>, Invalid> {
    let expected = "an area you have access to";
    match form_area.trim() {
        "" => Ok(default_area(ctx, scope, areas)),
        a => {
            let code = Code::new(a).map_err(|_| Invalid::new("area", a, expected))?;
            if scope.sees_area(areas, &code) {
                Ok(Some(code))
            } else {
                Err(Invalid::new("area", a, expected))
            }
        }
    }
}

/// `GET /reports/figures?period=2025-T2&area=jarva&by=district`.
pub async fn figures(State(state): State<AppState>, ctx: Ctx, Query(form): Query<FiguresForm>) -> Response {
    let t = ctx.t();
    let areas = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let scope = Scope::of(&ctx, &areas);
    let period = match form.period.trim() {
        "" => Ok(Period::tertial_of(today())),
        p => p.parse::<Period>(),
    };
    let chosen = period.and_then(|p| Ok((p, choose_area(&form.area, &ctx, &scope, &areas)?)));
    let (period, area) = match chosen {
        Ok(x) => x,
        Err(e) => return view::bad_request(e.to_string()),
    };
    let by_district = form.by == "district";
    let names = match Names::load(&state.store, &areas, t.lang == Lang::En).await {
        Ok(n) => n,
        Err(e) => return store_error(e, &ctx),
    };
    let districts = area.as_ref().and_then(|a| scope.query(&areas, Some(a))).map(|q| q.areas);
    let figures = match (districts, day_start(period.start()), day_start(period.end())) {
        (Some(d), Some(from), Some(to)) if !d.is_empty() => {
            match state.store.report_figures(&d, from, to, now_ms(), by_district).await {
                Ok(f) => f,
                Err(e) => return store_error(e, &ctx),
            }
        }
        _ => Vec::new(),
    };
    let area_name = area.as_ref().map(|a| names.area(a)).unwrap_or_default();
    let caption =
        t.fill("staff.figures.caption", "area", &area_name).replace("{period}", &period.to_string());
    let page = FiguresPage {
        period: period.to_string(),
        area: area.map(|a| a.to_string()).unwrap_or_default(),
        area_name,
        by_district,
        areas: area_options(&areas, &scope),
        rows: figures.iter().map(|f| row(f, &names, t)).collect(),
        caption,
        l: layout(&ctx, t, t.get("staff.figures.title")),
    };
    html(StatusCode::OK, page)
}

fn row(f: &ReportFigures, names: &Names, t: Tr<'_>) -> FigureRow {
    let dash = || "–".to_owned();
    FigureRow {
        category: names.category(&f.category),
        area: f.area.as_ref().map(|a| names.area(a)).unwrap_or_default(),
        reports: f.reports,
        median: f.median_hours_to_fix.map_or_else(dash, |h| decimal(h, t.lang)),
        in_time: f.share_in_time().map_or_else(dash, |s| {
            format!("{} ({}/{})", percent(s, t.lang), f.fixed_in_time, f.deadline_decided)
        }),
        reopened: f.share_reopened().map_or_else(dash, |s| percent(s, t.lang)),
        uncertain: f.reports < SMALL_BASE,
    }
}

/// One decimal, with a decimal comma in Swedish.
pub fn decimal(v: f64, lang: Lang) -> String {
    let s = format!("{v:.1}");
    if lang == Lang::Sv { s.replace('.', ",") } else { s }
}

fn percent(share: f64, lang: Lang) -> String {
    let n = (share * 100.0).round();
    if lang == Lang::Sv { format!("{n} %") } else { format!("{n}%") }
}
