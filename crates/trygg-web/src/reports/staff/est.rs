//! The weekly EST meeting (`GET /est?area=CODE&week=YYYY-Www`): this week's
//! reports per category against the average of the four weeks before, the
//! hottest places, the overdue list and the decision log, which the meeting
//! writes into with `POST /est`.

use super::EST_WRITE;
use super::figures::{decimal, default_area};
use super::scope::Scope;
use super::view::{self, Names, Row, day_start, html, layout, local_time, now_ms, store_error, today};
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::Lang;
use crate::pages::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::civil::{ISOWeekDate, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use trygg_core::{Area, AreaLevel, Code, Date, Invalid, LatLon};
use trygg_store::{Report, ReportQuery, check_week};

/// A report within this distance of a seeded place counts for that place.
const NEAR_PLACE_M: f64 = 300.0;
/// How many places the hot list shows.
const HOT_PLACES: usize = 10;
/// The most overdue reports listed.
const OVERDUE_LIMIT: i64 = 100;

/// The meeting's area and week.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MeetingForm {
    area: String,
    week: String,
    text: String,
}

struct CategoryCount {
    category: String,
    this_week: usize,
    average: String,
    change: String,
}

struct Decision {
    at: String,
    who: String,
    text: String,
}

#[derive(Template)]
#[template(path = "est.html")]
struct MeetingPage<'a> {
    l: Layout<'a>,
    area: String,
    area_name: String,
    week: String,
    previous_week: String,
    next_week: String,
    areas: Vec<(String, String)>,
    counts: Vec<CategoryCount>,
    total: usize,
    places: Vec<(String, usize)>,
    overdue: Vec<Row>,
    decisions: Vec<Decision>,
    can_write: bool,
}

/// The Monday a week label starts on.
fn monday(week: &str) -> Result<Date, Invalid> {
    check_week(week)?;
    let bad = || Invalid::new("week", week, "an ISO week like 2025-W14 that exists");
    let (year, w) =
        (week[..4].parse::<i16>().map_err(|_| bad())?, week[6..].parse::<i8>().map_err(|_| bad())?);
    ISOWeekDate::new(year, w, Weekday::Monday).map(|d| d.date()).map_err(|_| bad())
}

/// The ISO week label of a date.
fn week_of(d: Date) -> String {
    let iso = d.iso_week_date();
    format!("{:04}-W{:02}", iso.year(), iso.week())
}

fn choose(form: &MeetingForm, ctx: &Ctx, scope: &Scope, areas: &[Area]) -> Result<(Code, Date), Invalid> {
    let expected = "an area you have access to";
    let area = match form.area.trim() {
        "" => default_area(ctx, scope, areas).ok_or_else(|| Invalid::new("area", "", expected))?,
        a => Code::new(a)
            .ok()
            .filter(|c| scope.sees_area(areas, c))
            .ok_or_else(|| Invalid::new("area", a, expected))?,
    };
    let week = match form.week.trim() {
        "" => week_of(today()),
        w => w.to_owned(),
    };
    Ok((area, monday(&week)?))
}

/// `GET /est`.
pub async fn meeting(State(state): State<AppState>, ctx: Ctx, Query(form): Query<MeetingForm>) -> Response {
    let t = ctx.t();
    let areas = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let scope = Scope::of(&ctx, &areas);
    let (area, monday) = match choose(&form, &ctx, &scope, &areas) {
        Ok(x) => x,
        Err(e) => return view::bad_request(e.to_string()),
    };
    let week = week_of(monday);
    let data = match gather(&state, &scope, &areas, &area, monday, &week, t.lang).await {
        Ok(d) => d,
        Err(e) => return store_error(e, &ctx),
    };
    let now = now_ms();
    let shift = |days: i64| monday.checked_add(jiff::Span::new().days(days)).map(week_of).unwrap_or_default();
    let page = MeetingPage {
        area_name: data.names.area(&area),
        area: area.to_string(),
        previous_week: shift(-7),
        next_week: shift(7),
        week,
        areas: super::queue::area_options(&areas, &scope),
        total: data.this_week.len(),
        counts: counts(&data.this_week, &data.before, &data.names, t.lang),
        places: hot_places(&data.this_week, &areas, &data.names),
        overdue: data.overdue.iter().map(|r| Row::of(r, &data.names, t, now)).collect(),
        decisions: data.decisions,
        can_write: EST_WRITE.contains(&ctx.role()),
        l: layout(&ctx, t, t.get("staff.est.title")),
    };
    html(StatusCode::OK, page)
}

struct Gathered {
    names: Names,
    this_week: Vec<Report>,
    before: Vec<Report>,
    overdue: Vec<Report>,
    decisions: Vec<Decision>,
}

async fn gather(
    state: &AppState,
    scope: &Scope,
    areas: &[Area],
    area: &Code,
    monday: Date,
    week: &str,
    lang: Lang,
) -> trygg_store::Result<Gathered> {
    let at = |days: i64| monday.checked_add(jiff::Span::new().days(days)).ok().and_then(day_start);
    let names = Names::load(&state.store, areas, lang == Lang::En).await?;
    let decisions = state.store.est_decisions(area, week).await?;
    let decisions = named_decisions(state, decisions).await?;
    let Some(base) = scope.query(areas, Some(area)) else {
        return Ok(Gathered {
            names,
            this_week: Vec::new(),
            before: Vec::new(),
            overdue: Vec::new(),
            decisions,
        });
    };
    let between = |from, to| ReportQuery { created_from: from, created_to: to, ..base.clone() };
    let overdue = ReportQuery { overdue_at: Some(now_ms()), limit: Some(OVERDUE_LIMIT), ..base.clone() };
    let (week_q, before_q) = (between(at(0), at(7)), between(at(-28), at(0)));
    let (this_week, before, overdue) = tokio::try_join!(
        state.store.reports(&week_q),
        state.store.reports(&before_q),
        state.store.reports(&overdue),
    )?;
    Ok(Gathered { names, this_week, before, overdue, decisions })
}

async fn named_decisions(
    state: &AppState,
    decisions: Vec<trygg_store::EstDecision>,
) -> trygg_store::Result<Vec<Decision>> {
    let mut users: HashMap<String, String> = HashMap::new();
    let mut out = Vec::with_capacity(decisions.len());
    for d in decisions {
        if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(d.actor.clone()) {
            let id = d.actor.strip_prefix("user:").and_then(|i| i.parse::<i64>().ok());
            let name = match id {
                Some(id) => state.store.user(id).await?.map(|u| u.name.to_string()),
                None => None,
            };
            slot.insert(name.unwrap_or_else(|| d.actor.clone()));
        }
        out.push(Decision { at: local_time(d.at), who: users[&d.actor].clone(), text: d.text });
    }
    Ok(out)
}

/// Per category: this week, the weekly average of the four weeks before, and the change.
fn counts(this_week: &[Report], before: &[Report], names: &Names, lang: Lang) -> Vec<CategoryCount> {
    let mut by: BTreeMap<&Code, (usize, usize)> = BTreeMap::new();
    for r in this_week {
        by.entry(&r.category).or_default().0 += 1;
    }
    for r in before {
        by.entry(&r.category).or_default().1 += 1;
    }
    let mut out: Vec<CategoryCount> = by
        .into_iter()
        .map(|(code, (now, earlier))| {
            let average = earlier as f64 / 4.0;
            let diff = now as f64 - average;
            let sign = if diff > 0.0 {
                "+"
            } else if diff < 0.0 {
                "−"
            } else {
                "±"
            };
            CategoryCount {
                category: names.category(code),
                this_week: now,
                average: decimal(average, lang),
                change: format!("{sign}{}", decimal(diff.abs(), lang)),
            }
        })
        .collect();
    out.sort_by(|a, b| b.this_week.cmp(&a.this_week).then_with(|| a.category.cmp(&b.category)));
    out
}

/// This week's reports by place: the chosen place, else the nearest seeded
/// place within [`NEAR_PLACE_M`], else "no named place"; most reports first.
fn hot_places(this_week: &[Report], areas: &[Area], names: &Names) -> Vec<(String, usize)> {
    let places: Vec<(&Code, LatLon)> = areas
        .iter()
        .filter(|a| a.level == AreaLevel::Place)
        .filter_map(|a| a.location.map(|l| (&a.code, l)))
        .collect();
    let nearest = |p: LatLon| {
        places
            .iter()
            .map(|(c, l)| (*c, l.distance_m(p)))
            .filter(|(_, d)| *d <= NEAR_PLACE_M)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(c, _)| c)
    };
    let mut counts: HashMap<Option<&Code>, usize> = HashMap::new();
    for r in this_week {
        let place = r.place.as_ref().or_else(|| r.position.and_then(nearest));
        *counts.entry(place).or_default() += 1;
    }
    let mut out: Vec<(String, usize)> =
        counts.into_iter().map(|(place, n)| (place.map_or_else(String::new, |c| names.area(c)), n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(HOT_PLACES);
    out
}

/// `POST /est`: writes a decision ("focus next week") for an area and week.
pub async fn decide(State(state): State<AppState>, ctx: Ctx, Form(form): Form<MeetingForm>) -> Response {
    let areas = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let scope = Scope::of(&ctx, &areas);
    if form.area.trim().is_empty() || form.week.trim().is_empty() {
        let field = if form.area.trim().is_empty() { "area" } else { "week" };
        return view::bad_request(format!("{field}: missing; expected the meeting's {field}"));
    }
    let (area, monday) = match choose(&form, &ctx, &scope, &areas) {
        Ok(x) => x,
        Err(e) => return view::bad_request(e.to_string()),
    };
    let week = week_of(monday);
    match state.store.add_est_decision(&area, &week, &form.text, &ctx.actor()).await {
        Ok(_) => Redirect::to(&format!("/est?area={area}&week={week}#decisions")).into_response(),
        Err(e) => store_error(e, &ctx),
    }
}
