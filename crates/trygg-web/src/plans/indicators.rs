//! Indicators in the browser: the common indicators with baseline, latest
//! value, target and trend; one indicator's values per period and group with
//! their origin and source, its targets and a line chart of values against
//! targets; entering a value with its source, setting a target, and
//! computing the values of an area and period from the store.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::{Layout, html, with_descendants};
use crate::routes::{Entry, route};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trygg_core::{Cadence, Code, Factor, IndicatorSource, Period, Polarity, Role};
use trygg_report::chart::{LineChart, Series, line_chart_svg};
use trygg_store::{
    EnteredValue, Indicator, IndicatorTarget, IndicatorValue, LOCKED, SkipReason, StoreError, ValueOrigin,
};

/// Who may read indicators and follow-up.
pub(super) const READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member];
/// Who may enter values, set targets and compute.
pub(super) const EDITORS: &[Role] = &[Role::Admin, Role::Coordinator];

/// The routes of this part.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/indicators", "/indicators?area=jarva", READERS), get(list)),
        (route(M::POST, "/indicators/compute", "/indicators/compute", EDITORS), post(compute)),
        (route(M::GET, "/indicators/{code}", "/indicators/brott-samtliga?area=jarva", READERS), get(detail)),
        (
            route(M::POST, "/indicators/{code}/values", "/indicators/brott-samtliga/values", EDITORS),
            post(enter_value),
        ),
        (
            route(M::POST, "/indicators/{code}/targets", "/indicators/brott-samtliga/targets", EDITORS),
            post(set_target),
        ),
    ]
}

/// Administrators see every area; others the areas they work in and those below them.
pub(super) async fn may_see(state: &AppState, ctx: &Ctx, area: &Code) -> bool {
    let Some(user) = &ctx.user else { return false };
    if user.role == Role::Admin {
        return true;
    }
    let Ok(all) = state.store.areas(None, false).await else { return false };
    user.areas.iter().any(|mine| with_descendants(&all, mine).contains(area))
}

/// Checks an area code given by the visitor: known, and one they may see.
pub(super) async fn checked_area(
    state: &AppState,
    ctx: &Ctx,
    area: &str,
    part: &str,
) -> Result<Code, PageError> {
    let t = ctx.t();
    let bad = || PageError::new(StatusCode::BAD_REQUEST, t.get(&format!("{part}.error.area")).to_owned());
    let code = Code::new(area.trim()).map_err(|_| bad())?;
    match state.store.area(&code).await {
        Ok(Some(_)) => {}
        Ok(None) => return Err(bad()),
        Err(e) => return Err(PageError::from_store(e, t)),
    }
    if !may_see(state, ctx, &code).await {
        let msg = t.get(&format!("{part}.error.not-your-area")).to_owned();
        return Err(PageError::new(StatusCode::FORBIDDEN, msg));
    }
    Ok(code)
}

/// A number as the visitor writes it: `12,5` or `12.5`.
pub(super) fn parse_number(s: &str) -> Option<f64> {
    let s: String = s.trim().chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}').collect();
    s.replace(',', ".").parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A number for reading: one decimal at most, a decimal comma in Swedish.
pub(super) fn show_number(v: f64, lang: &str) -> String {
    let s = if (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") };
    if lang == "sv" { s.replace('.', ",").replace('-', "−") } else { s }
}

/// A store error as a page: a locked tertial with the part's message (409).
pub(super) fn store_error(e: StoreError, t: Tr<'_>, part: &str) -> PageError {
    match e {
        StoreError::Conflict { what: LOCKED, .. } => {
            PageError::new(StatusCode::CONFLICT, t.get(&format!("{part}.error.locked")).to_owned())
        }
        other => PageError::from_store(other, t),
    }
}

fn group_name(t: Tr<'_>, group: &str) -> String {
    let key = format!("indicators.groups.{group}");
    let s = t.get(&key);
    if s == key { group.to_owned() } else { s.to_owned() }
}

/// The query of the list and detail pages.
#[derive(Debug, Deserialize, Default)]
pub struct AreaQuery {
    area: Option<String>,
    computed: Option<usize>,
}

struct Row {
    code: String,
    name: String,
    source: String,
    unit: String,
    baseline: String,
    latest: String,
    target: String,
    trend: String,
    trend_class: &'static str,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    area: String,
    caption: String,
    rows: Vec<Row>,
    may_edit: bool,
    notice: Option<String>,
}

/// The series that stands for an indicator: one group (`all`, or the
/// first), periods of one kind (tertials for a tertial cadence, else years,
/// falling back to the other kind), in time order; for a survey cadence a
/// wave counts once even when several periods carry it.
fn headline<'v>(ind: &Indicator, values: &'v [IndicatorValue]) -> Vec<&'v IndicatorValue> {
    let group = if values.iter().any(|v| v.group == "all") {
        "all"
    } else {
        values.first().map_or("all", |v| v.group.as_str())
    };
    let of_group: Vec<&IndicatorValue> = values.iter().filter(|v| v.group == group).collect();
    let tertial = |v: &&IndicatorValue| matches!(v.period.parse::<Period>(), Ok(Period::Tertial(..)));
    let (tertials, years): (Vec<&IndicatorValue>, Vec<&IndicatorValue>) =
        of_group.into_iter().partition(tertial);
    let mut vs = match (ind.cadence, tertials.is_empty(), years.is_empty()) {
        (Cadence::Tertial, false, _) | (_, false, true) => tertials,
        _ => years,
    };
    vs.sort_by_key(|v| period_key(&v.period));
    if ind.cadence == Cadence::Wave {
        let mut seen = Vec::new();
        vs.retain(|v| {
            let fresh = !seen.contains(&v.source);
            seen.push(v.source.clone());
            fresh
        });
    }
    vs
}

/// Orders periods in time: a year after its tertials' start, tertials in order.
fn period_key(p: &str) -> (Option<Period>, String) {
    (p.parse::<Period>().ok(), p.to_owned())
}

/// Better, worse or unchanged, by the indicator's polarity: the latest value
/// against the same period a year earlier if there is one, else the one before.
fn trend(t: Tr<'_>, polarity: Polarity, values: &[&IndicatorValue]) -> (String, &'static str) {
    let Some((now, rest)) = values.split_last() else {
        return (t.get("indicators.trend-none").to_owned(), "trend-none");
    };
    let year_before = now.period.parse::<Period>().ok().map(|p| p.same_last_year().to_string());
    let Some(before) = rest.iter().find(|v| Some(&v.period) == year_before.as_ref()).or(rest.last()) else {
        return (t.get("indicators.trend-none").to_owned(), "trend-none");
    };
    let delta = now.value - before.value;
    let since = format!(" ({} → {})", before.period, now.period);
    if delta.abs() < 1e-9 {
        return (format!("→ {}{since}", t.get("indicators.trend-same")), "trend-same");
    }
    let better = (delta < 0.0) == (polarity == Polarity::LowerIsBetter);
    let arrow = if delta > 0.0 { "↑" } else { "↓" };
    if better {
        (format!("{arrow} {}{since}", t.get("indicators.trend-better")), "trend-better")
    } else {
        (format!("{arrow} {}{since}", t.get("indicators.trend-worse")), "trend-worse")
    }
}

/// The target for the latest value's year (or the first later one), else the last set.
fn target_for(targets: &[IndicatorTarget], latest: Option<&IndicatorValue>) -> Option<IndicatorTarget> {
    let year = latest.and_then(|v| v.period.parse::<Period>().ok()).map(|p| p.year_number());
    let mut ts: Vec<&IndicatorTarget> = targets.iter().collect();
    ts.sort_by_key(|t| period_key(&t.period));
    let chosen = match year {
        Some(y) => {
            ts.iter().find(|t| t.period.parse::<Period>().is_ok_and(|p| p.year_number() >= y)).copied()
        }
        None => None,
    };
    chosen.or_else(|| ts.last().copied()).cloned()
}

fn unit(t: Tr<'_>, i: &Indicator) -> String {
    t.get(&format!("indicators.factor-kind.{}", i.factor.as_str())).to_owned()
}

/// `GET /indicators?area=jarva`: every indicator with baseline, latest value, target and trend.
pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AreaQuery>) -> Response {
    let t = ctx.t();
    let lang = ctx.lang.tag();
    let area = match checked_area(&state, &ctx, q.area.as_deref().unwrap_or("jarva"), "indicators").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let indicators = match state.store.indicators().await {
        Ok(i) => i,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let mut rows = Vec::new();
    for i in &indicators {
        let (values, targets) = match (
            state.store.indicator_values(&i.code, &area).await,
            state.store.indicator_targets(&i.code, &area).await,
        ) {
            (Ok(v), Ok(ts)) => (v, ts),
            (Err(e), _) | (_, Err(e)) => return PageError::from_store(e, t).into_response(),
        };
        let line = headline(i, &values);
        let latest = line.last().copied();
        let (trend, trend_class) = trend(t, i.polarity, &line);
        let none = t.get("indicators.none").to_owned();
        let with_group = |v: &IndicatorValue| {
            let g = if v.group == "all" { String::new() } else { format!(", {}", group_name(t, &v.group)) };
            format!("{} ({}{g})", show_number(v.value, lang), v.period)
        };
        rows.push(Row {
            code: i.code.to_string(),
            name: i.name(lang).to_owned(),
            source: t.get(&format!("indicators.source-kind.{}", i.source.as_str())).to_owned(),
            unit: unit(t, i),
            baseline: match (i.baseline_value, &i.baseline_period) {
                (Some(v), Some(p)) => format!("{} ({p})", show_number(v, lang)),
                _ => none.clone(),
            },
            latest: match (latest, i.source) {
                (Some(v), _) => with_group(v),
                (None, IndicatorSource::Walks | IndicatorSource::Events) => {
                    format!("{none} ({})", t.get(skip_key(&SkipReason::NoSourceData)))
                }
                (None, IndicatorSource::Entered) => {
                    format!("{none} ({})", t.get(skip_key(&SkipReason::EnteredByHand)))
                }
                (None, _) => none.clone(),
            },
            target: target_for(&targets, latest)
                .map_or_else(|| none.clone(), |x| format!("{} ({})", show_number(x.value, lang), x.period)),
            trend,
            trend_class,
        });
    }
    let page = ListPage {
        l: Layout::new(&ctx, t, t.get("indicators.title")),
        caption: t.fill("indicators.definitions-caption", "area", area_name(&state, &area).await.as_str()),
        area: area.to_string(),
        rows,
        may_edit: EDITORS.contains(&ctx.role()),
        notice: q.computed.map(|n| t.fill("indicators.computed", "count", &n.to_string())),
    };
    html(page)
}

pub(super) async fn area_name(state: &AppState, area: &Code) -> String {
    match state.store.area(area).await {
        Ok(Some(a)) => a.name.to_string(),
        _ => area.to_string(),
    }
}

struct ValueRow {
    period: String,
    group: String,
    value: String,
    numerator: String,
    denominator: String,
    origin: String,
    source: String,
    entered_by: String,
}

#[derive(Template)]
#[template(path = "indicators_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    code: String,
    area: String,
    name: String,
    definition: Vec<(String, String)>,
    chart: String,
    values_caption: String,
    values: Vec<ValueRow>,
    targets_caption: String,
    targets: Vec<(String, String)>,
    groups: Vec<(String, String)>,
    may_edit: bool,
}

/// `GET /indicators/{code}?area=jarva`: values, targets and a chart.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<AreaQuery>,
) -> Response {
    let t = ctx.t();
    let lang = ctx.lang.tag();
    let area = match checked_area(&state, &ctx, q.area.as_deref().unwrap_or("jarva"), "indicators").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(ind) = find_indicator(&state, &code).await else {
        return PageError::new(StatusCode::NOT_FOUND, t.get("indicators.error.not-found")).into_response();
    };
    let (values, targets) = match (
        state.store.indicator_values(&ind.code, &area).await,
        state.store.indicator_targets(&ind.code, &area).await,
    ) {
        (Ok(v), Ok(ts)) => (v, ts),
        (Err(e), _) | (_, Err(e)) => return PageError::from_store(e, t).into_response(),
    };
    let area_label = area_name(&state, &area).await;
    let none = t.get("indicators.none").to_owned();
    let num = |v: Option<f64>| v.map_or_else(|| none.clone(), |v| show_number(v, lang));
    let mut definition = vec![
        (t.get("indicators.numerator").to_owned(), ind.numerator.clone()),
        (t.get("indicators.denominator").to_owned(), ind.denominator.clone().unwrap_or_else(|| none.clone())),
        (t.get("indicators.factor").to_owned(), unit(t, &ind)),
        (
            t.get("indicators.source").to_owned(),
            t.get(&format!("indicators.source-kind.{}", ind.source.as_str())).to_owned(),
        ),
    ];
    if !ind.query.is_empty() {
        definition.push((t.get("indicators.query").to_owned(), ind.query.clone()));
    }
    definition.extend([
        (
            t.get("indicators.cadence").to_owned(),
            t.get(&format!("indicators.cadence-kind.{}", ind.cadence.as_str())).to_owned(),
        ),
        (
            t.get("indicators.polarity").to_owned(),
            t.get(&format!("indicators.polarity-kind.{}", ind.polarity.as_str())).to_owned(),
        ),
        (
            t.get("indicators.baseline").to_owned(),
            match (ind.baseline_value, &ind.baseline_period) {
                (Some(v), Some(p)) => format!("{} ({p})", show_number(v, lang)),
                _ => none.clone(),
            },
        ),
    ]);
    if !ind.disaggregation.is_empty() {
        definition.push((t.get("indicators.disaggregation").to_owned(), ind.disaggregation.clone()));
    }
    let chart = chart_of(t, lang, &ind, &area_label, &values, &targets);
    let rows = values
        .iter()
        .map(|v| ValueRow {
            period: v.period.clone(),
            group: group_name(t, &v.group),
            value: show_number(v.value, lang),
            numerator: num(v.numerator),
            denominator: num(v.denominator),
            origin: t
                .get(match v.origin {
                    ValueOrigin::Computed => "indicators.origin-kind.computed",
                    ValueOrigin::Entered => "indicators.origin-kind.entered",
                })
                .to_owned(),
            source: v.source.clone(),
            entered_by: v.entered_by.clone(),
        })
        .collect();
    let page = DetailPage {
        l: Layout::new(&ctx, t, ind.name(lang)),
        code: ind.code.to_string(),
        area: area.to_string(),
        name: ind.name(lang).to_owned(),
        definition,
        chart,
        values_caption: t.fill("indicators.values-caption", "area", &area_label),
        values: rows,
        targets_caption: t.fill("indicators.targets-caption", "area", &area_label),
        targets: targets.iter().map(|x| (x.period.clone(), show_number(x.value, lang))).collect(),
        groups: ["all", "women", "men", "girls", "boys"]
            .iter()
            .map(|g| ((*g).to_owned(), group_name(t, g)))
            .collect(),
        may_edit: EDITORS.contains(&ctx.role()),
    };
    html(page)
}

async fn find_indicator(state: &AppState, code: &str) -> Option<Indicator> {
    let code = Code::new(code).ok()?;
    state.store.indicator(&code).await.ok().flatten()
}

/// The line chart of the headline group's values and the targets, over every period that has either.
fn chart_of(
    t: Tr<'_>,
    lang: &str,
    ind: &Indicator,
    area: &str,
    values: &[IndicatorValue],
    targets: &[IndicatorTarget],
) -> String {
    let line = headline(ind, values);
    let tertials =
        line.first().is_some_and(|v| matches!(v.period.parse::<Period>(), Ok(Period::Tertial(..))));
    // A yearly target stands for each of its tertials where the scale allows (a share, not a count or rate).
    let year_target = |p: &str| match p.parse::<Period>() {
        Ok(Period::Tertial(y, _)) if ind.factor == Factor::Percent => {
            targets.iter().find(|x| x.period == y.to_string()).map(|x| x.value)
        }
        _ => None,
    };
    let same_kind =
        |p: &str| matches!(p.parse::<Period>(), Ok(Period::Tertial(..))) == tertials || line.is_empty();
    let mut periods: Vec<String> = line
        .iter()
        .map(|v| v.period.clone())
        .chain(targets.iter().map(|x| x.period.clone()).filter(|p| same_kind(p)))
        .collect();
    periods.sort_by_key(|p| period_key(p));
    periods.dedup();
    let at = |p: &str| line.iter().find(|v| v.period == p).map(|v| v.value);
    let target_at =
        |p: &str| targets.iter().find(|x| x.period == p).map(|x| x.value).or_else(|| year_target(p));
    line_chart_svg(&LineChart {
        id: format!("indicator-{}", ind.code),
        title: t.fill("indicators.chart-title", "name", ind.name(lang)),
        description: t.fill("indicators.chart-description", "area", area),
        x_labels: periods.clone(),
        series: vec![
            Series {
                name: t.get("indicators.chart-value").to_owned(),
                values: periods.iter().map(|p| at(p)).collect(),
            },
            Series {
                name: t.get("indicators.chart-target").to_owned(),
                values: periods.iter().map(|p| target_at(p)).collect(),
            },
        ],
        unit: unit(t, ind),
        lang: lang.to_owned(),
        width: 720,
    })
}

/// The form to enter a value.
#[derive(Debug, Deserialize, Default)]
pub struct ValueForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    numerator: String,
    #[serde(default)]
    denominator: String,
    #[serde(default)]
    source: String,
}

/// `POST /indicators/{code}/values`: enters a value with its source.
pub async fn enter_value(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<ValueForm>,
) -> Response {
    let t = ctx.t();
    let bad = |key: &str| PageError::new(StatusCode::BAD_REQUEST, t.get(key)).into_response();
    let Some(ind) = find_indicator(&state, &code).await else {
        return PageError::new(StatusCode::NOT_FOUND, t.get("indicators.error.not-found")).into_response();
    };
    let area = match checked_area(&state, &ctx, &f.area, "indicators").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Ok(period) = f.period.trim().parse::<Period>() else { return bad("indicators.error.period") };
    let Some(value) = parse_number(&f.value) else { return bad("indicators.error.number") };
    let optional = |s: &str| if s.trim().is_empty() { Ok(None) } else { parse_number(s).map(Some).ok_or(()) };
    let (Ok(numerator), Ok(denominator)) = (optional(&f.numerator), optional(&f.denominator)) else {
        return bad("indicators.error.number");
    };
    if f.source.trim().is_empty() {
        return bad("indicators.error.source");
    }
    let group = if f.group.trim().is_empty() { "all".to_owned() } else { f.group.trim().to_owned() };
    let v = EnteredValue {
        indicator: ind.code.clone(),
        area: area.clone(),
        period,
        group,
        value,
        numerator,
        denominator,
        source: f.source,
    };
    match state.store.enter_indicator_value(&ctx.actor(), &v).await {
        Ok(_) => Redirect::to(&format!("/indicators/{}?area={area}", ind.code)).into_response(),
        Err(StoreError::Invalid(i)) if i.field == "group" => bad("indicators.error.group"),
        Err(e) => store_error(e, t, "indicators").into_response(),
    }
}

/// The form to set a target.
#[derive(Debug, Deserialize, Default)]
pub struct TargetForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    value: String,
}

/// `POST /indicators/{code}/targets`: sets the target of an area and period.
pub async fn set_target(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Form(f): Form<TargetForm>,
) -> Response {
    let t = ctx.t();
    let bad = |key: &str| PageError::new(StatusCode::BAD_REQUEST, t.get(key)).into_response();
    let Some(ind) = find_indicator(&state, &code).await else {
        return PageError::new(StatusCode::NOT_FOUND, t.get("indicators.error.not-found")).into_response();
    };
    let area = match checked_area(&state, &ctx, &f.area, "indicators").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Ok(period) = f.period.trim().parse::<Period>() else { return bad("indicators.error.period") };
    let Some(value) = parse_number(&f.value) else { return bad("indicators.error.number") };
    match state.store.set_indicator_target(&ctx.actor(), &ind.code, &area, period, value).await {
        Ok(()) => Redirect::to(&format!("/indicators/{}?area={area}", ind.code)).into_response(),
        Err(e) => store_error(e, t, "indicators").into_response(),
    }
}

/// The form to compute values.
#[derive(Debug, Deserialize, Default)]
pub struct ComputeForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    period: String,
}

/// `POST /indicators/compute`: computes the values of an area and period from the store.
pub async fn compute(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ComputeForm>) -> Response {
    let t = ctx.t();
    let area = match checked_area(&state, &ctx, &f.area, "indicators").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Ok(period) = f.period.trim().parse::<Period>() else {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("indicators.error.period")).into_response();
    };
    match state.store.compute_indicator_values(&area, period, &ctx.actor()).await {
        Ok(out) => {
            for (code, reason) in &out.skipped {
                tracing::debug!(%code, reason = skip_key(reason), "indicator not computed");
            }
            Redirect::to(&format!("/indicators?area={area}&computed={}", out.written.len())).into_response()
        }
        Err(e) => store_error(e, t, "indicators").into_response(),
    }
}

/// The locale key of why an indicator has no computed value.
pub fn skip_key(reason: &SkipReason) -> &'static str {
    match reason {
        SkipReason::EnteredByHand => "indicators.skip.entered",
        SkipReason::NoSourceData => "indicators.skip.no-source-data",
        SkipReason::NoData => "indicators.skip.no-data",
        SkipReason::NoPopulation => "indicators.skip.no-population",
        SkipReason::TertialOnly => "indicators.skip.tertial-only",
    }
}
