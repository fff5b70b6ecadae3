//! `GET /serious-talks/figures`: the share held within 48 hours, the median
//! time to talk and the shares with a guardian or the police present, per
//! district area, period (tertial or year) and sex — aggregates only, from
//! the live records and the kept figures of deleted ones.
//!
//! Small numbers are protected: a count below [`MIN_COUNT`] is shown as
//! "< 5", no share or median is computed on fewer than [`MIN_COUNT`], and the
//! public outputs' disclosure control hides more groups where a hidden one
//! could otherwise be found by subtraction from the total.

use super::view::{area_name, district_areas, html, layout, store_error};
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::Lang;
use crate::pages::{Layout, stockholm};
use crate::results::suppress::{Shown, protect_line};
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use trygg_core::{Code, Invalid, Period, Sex, TalkFigures};

/// The smallest count shown, and the smallest base a share or median is computed on.
pub const MIN_COUNT: i64 = crate::results::suppress::THRESHOLD;

/// The groups of each area: everyone, then by sex.
const GROUPS: [&str; 4] =
    ["talks.figures.group_all", "talks.sex.girl", "talks.sex.boy", "talks.figures.group_other"];

/// The page's choices.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FiguresForm {
    period: String,
}

/// One line of the table.
struct Line {
    area: String,
    group: &'static str,
    count: String,
    in_time: String,
    median: String,
    guardian: String,
    police: String,
}

#[derive(Template)]
#[template(path = "serious_talks_figures.html")]
struct FiguresPage<'a> {
    l: Layout<'a>,
    period: String,
    lines: Vec<Line>,
    caption: String,
}

/// `GET /serious-talks/figures?period=2025-T2`.
pub async fn figures(State(state): State<AppState>, ctx: Ctx, Query(form): Query<FiguresForm>) -> Response {
    let t = ctx.t();
    let period = match form.period.trim() {
        "" => Ok(Period::Year(jiff::Timestamp::now().to_zoned_datetime(stockholm()).year())),
        p => p.parse::<Period>(),
    };
    let period = match period {
        Ok(p) => p,
        Err(e) => return bad_period(e),
    };
    let areas = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let mine = district_areas(&ctx, &areas);
    let now = jiff::Timestamp::now().as_millisecond();
    let aggregates = match state.store.serious_talk_aggregates(&mine, period.start(), period.end(), now).await
    {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let mut by_area: BTreeMap<Code, [TalkFigures; 4]> = BTreeMap::new();
    for a in &aggregates {
        let groups = by_area.entry(a.area.clone()).or_default();
        let i = match a.sex {
            Some(Sex::Girl) => 1,
            Some(Sex::Boy) => 2,
            _ => 3,
        };
        groups[0].add(&a.figures);
        groups[i].add(&a.figures);
    }
    let lines =
        by_area.iter().flat_map(|(code, groups)| lines(&area_name(&areas, code), groups, t.lang)).collect();
    html(FiguresPage {
        caption: t.fill("talks.figures.caption", "period", &period.to_string()),
        period: period.to_string(),
        lines,
        l: layout(&ctx, t, t.get("talks.figures.title")),
    })
}

fn bad_period(e: Invalid) -> Response {
    crate::error::PageError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response()
}

/// The four lines of one area, with small counts hidden.
fn lines(area: &str, groups: &[TalkFigures; 4], lang: Lang) -> Vec<Line> {
    let hidden = hidden(&groups.each_ref().map(|g| g.talks));
    groups
        .iter()
        .zip(hidden)
        .enumerate()
        .map(|(i, (f, hide))| Line {
            area: area.to_owned(),
            group: GROUPS[i],
            count: if hide { "< 5".to_owned() } else { f.talks.to_string() },
            in_time: shown(hide, f.decided, f.share_in_time(), |s| percent(s, lang)),
            median: shown(hide, f.held(), f.median_hours(), |h| format!("{h:.0} h")),
            guardian: shown(hide, f.held(), f.share_guardian(), |s| percent(s, lang)),
            police: shown(hide, f.held(), f.share_police(), |s| percent(s, lang)),
        })
        .collect()
}

/// Which of (all, girls, boys, other) to hide: the sex groups are a line
/// whose total (all) is published too, so the disclosure control of the
/// public outputs applies ([`crate::results::suppress`]): every count below
/// [`MIN_COUNT`], and as many others as it takes that none can be derived.
fn hidden(counts: &[i64; 4]) -> [bool; 4] {
    let (groups, total) = protect_line(&counts[1..], true, MIN_COUNT);
    let total = total.is_some_and(Shown::is_hidden);
    [total, groups[0].is_hidden(), groups[1].is_hidden(), groups[2].is_hidden()]
}

/// A share or median, or a dash when hidden or on fewer than [`MIN_COUNT`].
fn shown(hide: bool, base: i64, value: Option<f64>, fmt: impl Fn(f64) -> String) -> String {
    match value {
        Some(v) if !hide && base >= MIN_COUNT => fmt(v),
        _ => "–".to_owned(),
    }
}

fn percent(share: f64, lang: Lang) -> String {
    let n = (share * 100.0).round();
    if lang == Lang::Sv { format!("{n} %") } else { format!("{n}%") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_hidden_and_cannot_be_subtracted() {
        assert_eq!(hidden(&[12, 7, 5, 0]), [false, false, true, true], "0 alone would be 12 − 7 − 5");
        assert_eq!(hidden(&[12, 6, 6, 0]), [false, true, false, true]);
        assert_eq!(hidden(&[15, 5, 5, 5]), [false; 4]);
        assert_eq!(hidden(&[8, 3, 3, 2]), [false, true, true, true]);
        assert_eq!(hidden(&[3, 1, 1, 1]), [true; 4]);
    }

    #[test]
    fn shares_need_a_base_of_five() {
        assert_eq!(shown(false, 4, Some(0.5), |v| v.to_string()), "–");
        assert_eq!(shown(false, 5, Some(0.5), |v| v.to_string()), "0.5");
        assert_eq!(shown(true, 50, Some(0.5), |v| v.to_string()), "–");
    }
}
