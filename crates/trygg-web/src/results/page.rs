//! `GET /results`: the strategy, the measures with their approved status,
//! the indicator trends, the published good examples, the report figures per district with a shaded map
//! and a table, the share fixed in time, serious talks per area.

use super::data::{self, Results, Window, percent, today};
use super::progress::{self, Figure, PublicMeasure, Trend};
use super::suppress::{Shown, THRESHOLD};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::pages::Layout;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use trygg_core::{Date, ElementKind, Factor, Period};
use trygg_report::chart::{LineChart, Series, line_chart_svg};
use trygg_report::map::{MapShape, MapSpec, render_svg};

/// The page's choice of period.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeriodQuery {
    /// `12m` (default), `2025` or `2025-T2`.
    pub period: String,
}

/// Count bands of the map, by lower bound; hidden counts are band 0.
const BANDS: [i64; 4] = [THRESHOLD, 10, 25, 50];

struct ElementGroup {
    heading: &'static str,
    items: Vec<(String, String)>,
}

struct Strategy {
    name: String,
    validity: String,
    groups: Vec<ElementGroup>,
}

struct Row {
    name: String,
    cells: Vec<String>,
    total: String,
}

struct InTimeRow {
    name: String,
    base: String,
    share: String,
}

/// A measure's line in the page's table.
struct MeasureRow {
    name: String,
    plan: String,
    owner: String,
    time: String,
    status: String,
    status_class: &'static str,
    indicators: String,
}

/// The measures under way or done.
struct MeasureGroup {
    id: &'static str,
    heading: &'static str,
    rows: Vec<MeasureRow>,
}

/// An indicator's table and chart.
struct TrendView {
    id: String,
    name: String,
    unit: String,
    areas: Vec<String>,
    rows: Vec<(String, Vec<String>)>,
    chart: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage<'a> {
    l: Layout<'a>,
    period: String,
    period_label: String,
    periods: Vec<(String, String)>,
    strategy: Option<Strategy>,
    measure_groups: Vec<MeasureGroup>,
    trends: Vec<TrendView>,
    articles: Vec<(i64, String, String)>,
    map: String,
    legend: Vec<(usize, String)>,
    groups: Vec<String>,
    rows: Vec<Row>,
    totals: Row,
    in_time: Vec<InTimeRow>,
    talks: Vec<InTimeRow>,
    threshold: i64,
}

/// `GET /results?period=2025-T2`.
pub async fn show(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeriodQuery>) -> Response {
    let t = ctx.t();
    let window = match Window::parse(&q.period, today()) {
        Ok(w) => w,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let english = ctx.lang == Lang::En;
    let lang = ctx.lang.tag();
    let loaded = tokio::try_join!(
        data::load(&state, window, english, true),
        state.store.strategies(),
        progress::measures(&state, lang, today()),
        progress::trends(&state, lang, today()),
        state.store.published_articles(),
    );
    let (results, strategies, measures, trends, articles) = match loaded {
        Ok(x) => x,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let period_label = label(&results.window, t);
    let page = ResultsPage {
        period: results.window.key.clone(),
        periods: period_options(&results.window, t),
        strategy: strategy(&strategies, today()),
        measure_groups: [
            (false, "results-under-way", "results.measures.under_way"),
            (true, "results-done", "results.measures.done"),
        ]
        .into_iter()
        .map(|(done, id, heading)| MeasureGroup {
            id,
            heading,
            rows: measures.iter().filter(|m| m.done == done).map(|m| measure_row(m, t)).collect(),
        })
        .collect(),
        trends: trends.iter().enumerate().map(|(i, tr)| trend_view(i, tr, t)).collect(),
        articles: articles
            .into_iter()
            .map(|a| (a.id, a.title, a.published_at.map(super::articles::day).unwrap_or_default()))
            .collect(),
        map: map(&results, t, &period_label),
        legend: legend(t),
        groups: results.groups.iter().map(|g| g.name.clone()).collect(),
        rows: rows(&results),
        totals: totals(&results, t),
        in_time: in_time(&results, t),
        talks: results
            .talks
            .iter()
            .map(|l| InTimeRow {
                name: l.area.clone(),
                base: l.count.text(THRESHOLD),
                share: l.in_time.map_or_else(|| "–".into(), |s| percent(s, english)),
            })
            .collect(),
        threshold: THRESHOLD,
        period_label,
        l: Layout::new(&ctx, t, t.get("results.title")),
    };
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The window in words.
pub fn label(w: &Window, t: Tr<'_>) -> String {
    if w.key == data::LAST_12 {
        t.fill("results.period.last_12", "from", &w.from.to_string())
            .replace("{to}", &w.last_day().to_string())
    } else {
        w.key.clone()
    }
}

/// The last 12 months, the last six tertials and the last three years.
fn period_options(chosen: &Window, t: Tr<'_>) -> Vec<(String, String)> {
    let today = today();
    let mut out = vec![(data::LAST_12.to_owned(), label(&Window::last_12_months(today), t))];
    let mut p = Period::tertial_of(today);
    for _ in 0..6 {
        out.push((p.to_string(), p.to_string()));
        p = p.previous();
    }
    for back in 0..3 {
        let y = Period::Year(today.year() - back);
        out.push((y.to_string(), y.to_string()));
    }
    if !out.iter().any(|(k, _)| *k == chosen.key) {
        out.push((chosen.key.clone(), label(chosen, t)));
    }
    out
}

fn strategy(all: &[trygg_core::StrategyVersion], today: Date) -> Option<Strategy> {
    let s = all.iter().find(|s| s.applies_on(today)).or(all.first())?;
    let groups = [
        (ElementKind::Direction, "start.directions"),
        (ElementKind::WorkingMethod, "start.working_methods"),
        (ElementKind::Perspective, "start.perspectives"),
    ]
    .into_iter()
    .map(|(kind, heading)| ElementGroup {
        heading,
        items: s.elements_of(kind).map(|e| (e.name.to_string(), e.description.clone())).collect(),
    })
    .collect();
    Some(Strategy {
        name: s.name.to_string(),
        validity: format!("{} – {}", s.valid_from, s.valid_to),
        groups,
    })
}

/// The map band of a count.
fn band(count: Shown) -> usize {
    count.value().map_or(0, |n| BANDS.iter().filter(|b| n >= **b).count())
}

fn map(r: &Results, t: Tr<'_>, period: &str) -> String {
    let labels: Vec<String> = r
        .districts
        .iter()
        .zip(&r.table.row_totals)
        .map(|(d, n)| format!("{}: {}", d.name, n.text(THRESHOLD)))
        .collect();
    let classes: Vec<String> =
        r.table.row_totals.iter().map(|n| format!("district band-{}", band(*n))).collect();
    let description = t.fill("results.map.description", "period", period);
    let shapes = r
        .districts
        .iter()
        .zip(labels.iter().zip(&classes))
        .filter_map(|(d, (label, class))| {
            Some(MapShape { id: d.code.as_str(), label, boundary: d.boundary.as_ref()?, class, href: None })
        })
        .collect();
    let spec = MapSpec {
        id: "results-map",
        title: t.get("results.map.title"),
        description: &description,
        shapes,
        points: Vec::new(),
        width: 640,
        ..Default::default()
    };
    render_svg(&spec)
}

fn legend(t: Tr<'_>) -> Vec<(usize, String)> {
    let mut out = vec![(0, t.fill("results.map.band_hidden", "n", &THRESHOLD.to_string()))];
    for (i, low) in BANDS.iter().enumerate() {
        let text = match BANDS.get(i + 1) {
            Some(next) => {
                t.fill("results.map.band", "from", &low.to_string()).replace("{to}", &(next - 1).to_string())
            }
            None => t.fill("results.map.band_top", "from", &low.to_string()),
        };
        out.push((i + 1, text));
    }
    out
}

fn rows(r: &Results) -> Vec<Row> {
    r.districts
        .iter()
        .zip(&r.table.cells)
        .zip(&r.table.row_totals)
        .map(|((d, cells), total)| Row {
            name: d.name.clone(),
            cells: cells.iter().map(|c| c.text(THRESHOLD)).collect(),
            total: total.text(THRESHOLD),
        })
        .collect()
}

fn totals(r: &Results, t: Tr<'_>) -> Row {
    Row {
        name: t.get("results.reports.all_districts").to_owned(),
        cells: r.table.col_totals.iter().map(|c| c.text(THRESHOLD)).collect(),
        total: r.table.total.text(THRESHOLD),
    }
}

fn in_time(r: &Results, t: Tr<'_>) -> Vec<InTimeRow> {
    let english = t.lang == Lang::En;
    let line = |name: String, x: &data::InTime| InTimeRow {
        name,
        base: x.base.text(THRESHOLD),
        share: x.share.map_or_else(|| "–".into(), |s| percent(s, english)),
    };
    let mut out: Vec<InTimeRow> =
        r.districts.iter().zip(&r.in_time).map(|(d, x)| line(d.name.clone(), x)).collect();
    out.push(line(t.get("results.reports.all_districts").to_owned(), &r.in_time_all));
    out
}

fn measure_row(m: &PublicMeasure, t: Tr<'_>) -> MeasureRow {
    let (status, status_class) = match m.status {
        Some((period, s)) => (
            t.fill(&format!("results.measures.status.{}", s.as_str()), "period", &period.to_string()),
            s.as_str(),
        ),
        None => (t.get("results.measures.no_status").to_owned(), "none"),
    };
    MeasureRow {
        name: m.name.clone(),
        plan: m.plan.clone(),
        owner: m.owner.clone(),
        time: format!("{} – {}", m.starts, m.ends),
        status,
        status_class,
        indicators: if m.indicators.is_empty() { "–".to_owned() } else { m.indicators.join(", ") },
    }
}

/// A number with one decimal at most, the decimal sign of the language.
fn decimal(v: f64, english: bool) -> String {
    let text = format!("{:.1}", v);
    let text = text.strip_suffix(".0").unwrap_or(&text).to_owned();
    if english { text } else { text.replace('.', ",") }
}

fn trend_view(i: usize, tr: &Trend, t: Tr<'_>) -> TrendView {
    let english = t.lang == Lang::En;
    let unit = match tr.factor {
        Factor::Count => String::new(),
        Factor::Percent => "%".to_owned(),
        Factor::Per1000 => t.get("results.trends.per_1000").to_owned(),
        Factor::Per100000 => t.get("results.trends.per_100000").to_owned(),
    };
    let text = |f: &Figure| match f {
        Figure::Missing => "–".to_owned(),
        Figure::Count(c) => c.text(THRESHOLD),
        Figure::Value(v) => decimal(*v, english),
        Figure::SmallBase => t.get("results.trends.small_base").to_owned(),
    };
    let rows =
        tr.periods.iter().zip(&tr.cells).map(|(p, cells)| (p.to_string(), cells.iter().map(text).collect()));
    let series = tr
        .areas
        .iter()
        .enumerate()
        .map(|(a, name)| Series {
            name: name.clone(),
            values: tr.cells.iter().map(|row| row.get(a).and_then(|f| f.plotted())).collect(),
        })
        .collect();
    let chart = LineChart {
        id: format!("trend-{i}"),
        title: tr.name.clone(),
        description: t.fill("results.trends.chart_description", "name", &tr.name),
        x_labels: tr.periods.iter().map(Period::to_string).collect(),
        series,
        unit: unit.clone(),
        lang: t.lang.tag().to_owned(),
        width: 640,
    };
    TrendView {
        id: format!("trend-{i}"),
        name: tr.name.clone(),
        unit,
        areas: tr.areas.clone(),
        rows: rows.collect(),
        chart: line_chart_svg(&chart),
    }
}
