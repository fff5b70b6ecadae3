//! `GET /measures/{id}/evaluation`: the evaluation of a place-based measure.
//!
//! Events in the measure's place (and the areas below it) are compared with
//! those in its comparison area, over two equally long periods: from the day
//! the measure started until it ended (or until yesterday, if it is still
//! running), and just as many days before it started. The weighted
//! displacement difference and a Poisson difference-in-differences come with
//! 95 % intervals, and a plain-language verdict reads the WDD's interval.

use super::measure::measure_and_plan;
use super::number;
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::Tr;
use crate::pages::{Layout, html, stockholm, with_descendants};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use trygg_analysis::counts::{PrePost, poisson_did, wdd};
use trygg_core::{Area, Code, Date};
use trygg_store::{EventQuery, Measure};

/// The confidence level of every interval shown.
const CONFIDENCE: f64 = 0.95;

/// The periods compared, as dates (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Periods {
    /// First day before.
    pub pre_from: Date,
    /// First day of the measure (end of the period before).
    pub starts: Date,
    /// The day after the last day counted.
    pub post_to: Date,
}

/// The day number of `d` (days since 1970-01-01).
fn day_number(d: Date) -> Option<i64> {
    d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond().div_euclid(86_400_000))
}

/// The periods for a measure from `starts` to `ends` seen on `today`: after =
/// `[starts, min(ends + 1, today))`, before = as many days just before
/// `starts`; `None` when the measure has not yet run a whole day.
pub(super) fn periods(starts: Date, ends: Date, today: Date) -> Option<Periods> {
    let post_to = ends.tomorrow().ok().map_or(today, |e| e.min(today));
    let days = day_number(post_to)? - day_number(starts)?;
    if days <= 0 {
        return None;
    }
    let pre_from = starts.checked_sub(jiff::Span::new().days(days)).ok()?;
    Some(Periods { pre_from, starts, post_to })
}

/// Midnight of `d` in Stockholm, epoch ms.
fn instant(d: Date) -> Option<i64> {
    d.to_zoned_datetime(stockholm()).ok().map(|z| z.timestamp().as_millisecond())
}

/// One figure with its interval, formatted.
struct Figure {
    label: String,
    estimate: String,
    interval: String,
}

#[derive(Template)]
#[template(path = "measures_evaluation.html")]
struct EvaluationPage<'a> {
    l: Layout<'a>,
    m: Measure,
    error: Option<String>,
    place: String,
    comparison: String,
    periods: Option<(String, String, String, String)>,
    counts: Vec<(String, i64, i64)>,
    figures: Vec<Figure>,
    verdict: String,
    note: String,
}

/// The radius around a place (a point such as a square or a station) within
/// which its positioned events are counted, metres.
pub(super) const PLACE_RADIUS_M: f64 = 300.0;

/// Counts events in `area` and the areas below it over `[from, to)`. A place
/// (a point: a square, a station) counts the positioned events within
/// [`PLACE_RADIUS_M`] of it in its districts, since events are filed under
/// districts, not places.
async fn count(
    state: &AppState,
    all: &[Area],
    area: &Code,
    from: Date,
    to: Date,
) -> trygg_store::Result<i64> {
    let point =
        all.iter().find(|a| &a.code == area).filter(|a| a.level == trygg_core::AreaLevel::Place).and_then(
            |a| {
                let parents: Vec<Code> = a.parents.iter().map(|p| p.code.clone()).collect();
                a.location.map(|at| (at, parents))
            },
        );
    if let Some((at, districts)) = point {
        let q =
            EventQuery { areas: districts, from: instant(from), to: instant(to), ..EventQuery::default() };
        let near = state.store.event_points(&q).await?.into_iter().filter(|p| {
            trygg_core::LatLon::new(p.lat, p.lon).is_ok_and(|pos| pos.distance_m(at) <= PLACE_RADIUS_M)
        });
        return Ok(near.count() as i64);
    }
    let q = EventQuery {
        areas: with_descendants(all, area),
        from: instant(from),
        to: instant(to),
        ..EventQuery::default()
    };
    Ok(state.store.event_counts(&q).await?.iter().map(|(_, n)| n).sum())
}

/// The verdict key for a WDD interval (negative: fewer events than expected).
pub(super) fn verdict_key(ci_low: f64, ci_high: f64) -> &'static str {
    if ci_high < 0.0 {
        "measures.evaluation.verdict.reduction"
    } else if ci_low > 0.0 {
        "measures.evaluation.verdict.increase"
    } else {
        "measures.evaluation.verdict.none"
    }
}

fn interval(t: Tr<'_>, low: f64, high: f64, decimals: usize) -> String {
    format!("{} – {}", number(t, low, decimals), number(t, high, decimals))
}

/// `GET /measures/{id}/evaluation`: before/after against the comparison area.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let t = ctx.t();
    let (m, _, _, all) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let name =
        |c: &Code| all.iter().find(|a| &a.code == c).map_or_else(|| c.to_string(), |a| a.name.to_string());
    let mut page = EvaluationPage {
        l: Layout::new(&ctx, t, t.get("measures.evaluation.title")),
        place: m.place.as_ref().map(name).unwrap_or_default(),
        comparison: m.comparison_area.as_ref().map(name).unwrap_or_default(),
        m: m.clone(),
        error: None,
        periods: None,
        counts: Vec::new(),
        figures: Vec::new(),
        verdict: String::new(),
        note: String::new(),
    };
    let refuse = |mut page: EvaluationPage<'_>, key: &str| {
        page.error = Some(t.get(key).to_owned());
        (StatusCode::BAD_REQUEST, html(page)).into_response()
    };
    let (Some(place), Some(comparison)) = (&m.place, &m.comparison_area) else {
        return refuse(page, "measures.evaluation.error.not-place-based");
    };
    let today = jiff::Timestamp::now().to_zoned_datetime(stockholm()).date();
    let Some(p) = periods(m.starts, m.ends, today) else {
        return refuse(page, "measures.evaluation.error.not-started");
    };
    let last_pre = p.starts.yesterday().unwrap_or(p.starts);
    let last_post = p.post_to.yesterday().unwrap_or(p.post_to);
    page.periods =
        Some((p.pre_from.to_string(), last_pre.to_string(), p.starts.to_string(), last_post.to_string()));
    let mut counted = [0i64; 4];
    for (i, (area, from, to)) in [
        (place, p.pre_from, p.starts),
        (place, p.starts, p.post_to),
        (comparison, p.pre_from, p.starts),
        (comparison, p.starts, p.post_to),
    ]
    .into_iter()
    .enumerate()
    {
        counted[i] = match count(&state, &all, area, from, to).await {
            Ok(n) => n,
            Err(e) => return super::store_error(e, t),
        };
    }
    let [t0, t1, c0, c1] = counted;
    page.counts = vec![(page.place.clone(), t0, t1), (page.comparison.clone(), c0, c1)];
    if counted.iter().all(|n| *n == 0) {
        return refuse(page, "measures.evaluation.error.no-events");
    }
    let treated = PrePost::new(t0 as f64, t1 as f64);
    let control = PrePost::new(c0 as f64, c1 as f64);
    let w = match wdd(treated, control, CONFIDENCE) {
        Ok(w) => w,
        Err(_) => return refuse(page, "measures.evaluation.error.no-events"),
    };
    page.figures.push(Figure {
        label: t.get("measures.evaluation.wdd").to_owned(),
        estimate: number(t, w.estimate, 1),
        interval: interval(t, w.ci_low, w.ci_high, 1),
    });
    match poisson_did(treated, control, CONFIDENCE) {
        Ok(d) => page.figures.push(Figure {
            label: t.get("measures.evaluation.irr").to_owned(),
            estimate: number(t, d.irr, 2),
            interval: interval(t, d.irr_ci_low, d.irr_ci_high, 2),
        }),
        Err(_) => page.note = t.get("measures.evaluation.irr-zero").to_owned(),
    }
    page.verdict = t.get(verdict_key(w.ci_low, w.ci_high)).to_owned();
    html(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_equally_long_and_end_today_or_at_the_end() {
        let p = periods(d("2025-03-01"), d("2025-06-30"), d("2026-01-01")).unwrap();
        assert_eq!((p.pre_from, p.post_to), (d("2024-10-30"), d("2025-07-01")), "122 days either side");
        let running = periods(d("2025-03-01"), d("2026-12-31"), d("2025-03-11")).unwrap();
        assert_eq!((running.pre_from, running.post_to), (d("2025-02-19"), d("2025-03-11")));
        assert_eq!(periods(d("2025-03-01"), d("2025-12-31"), d("2025-03-01")), None, "not run a whole day");
        assert_eq!(periods(d("2025-03-01"), d("2025-12-31"), d("2025-01-01")), None);
    }

    #[test]
    fn the_verdict_reads_the_interval() {
        assert_eq!(verdict_key(-20.0, -1.0), "measures.evaluation.verdict.reduction");
        assert_eq!(verdict_key(-20.0, 1.0), "measures.evaluation.verdict.none");
        assert_eq!(verdict_key(0.5, 9.0), "measures.evaluation.verdict.increase");
    }
}
