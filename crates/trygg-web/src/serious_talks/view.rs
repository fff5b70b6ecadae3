//! What the serious-talk pages and API share: whose records a user may see,
//! the names of the short lists, times in Stockholm time, and the time left.

use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::{Layout, stockholm};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use trygg_core::{AgeBand, Area, AreaLevel, Code, Invalid, LateReason, Offence, Role, SeriousTalk, Sex};
use trygg_store::StoreError;

/// The district areas a user may work with: every one for Admin; otherwise
/// those among the user's areas, those under them (a city's), and former
/// ones whose districts all lie under them (Rinkeby-Kista for Järva).
pub fn district_areas(ctx: &Ctx, areas: &[Area]) -> Vec<Code> {
    let Some(user) = &ctx.user else { return Vec::new() };
    let mine: Vec<Code> = user.areas.iter().flat_map(|a| districts_under(areas, a)).collect();
    areas
        .iter()
        .filter(|a| a.level == AreaLevel::DistrictArea)
        .filter(|a| {
            let under = districts_under(areas, &a.code);
            user.role == Role::Admin
                || user.areas.contains(&a.code)
                || a.parents.iter().any(|p| user.areas.contains(&p.code))
                || (!under.is_empty() && under.iter().all(|d| mine.contains(d)))
        })
        .map(|a| a.code.clone())
        .collect()
}

/// The districts at or under `code`, through memberships at any time.
fn districts_under(areas: &[Area], code: &Code) -> Vec<Code> {
    let mut seen = vec![code.clone()];
    let mut i = 0;
    while i < seen.len() {
        let parent = seen[i].clone();
        for a in areas.iter().filter(|a| a.parents.iter().any(|p| p.code == parent)) {
            if !seen.contains(&a.code) {
                seen.push(a.code.clone());
            }
        }
        i += 1;
    }
    seen.retain(|c| areas.iter().any(|a| &a.code == c && a.level == AreaLevel::District));
    seen
}

/// Whether an area is still in use today (new cases go only there).
pub fn is_current(a: &Area) -> bool {
    a.valid_to.is_none_or(|to| to >= Timestamp::now().to_zoned_datetime(stockholm()).date())
}

/// The layout of a serious-talk page.
pub fn layout<'a>(ctx: &'a Ctx, t: Tr<'a>, title: &str) -> Layout<'a> {
    Layout::new(ctx, t, title)
}

/// Renders a template, or a logged 500.
pub fn html(page: impl Template) -> Response {
    match page.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// A store error as a page in the visitor's language.
pub fn store_error(e: StoreError, ctx: &Ctx) -> Response {
    PageError::from_store(e, ctx.t()).into_response()
}

/// A 400 page naming the field and what was expected.
pub fn bad_request(e: Invalid) -> Response {
    PageError::new(StatusCode::BAD_REQUEST, e.to_string()).into_response()
}

/// An instant as `YYYY-MM-DD HH:MM` in Stockholm.
pub fn local(ts: Timestamp) -> String {
    ts.to_zoned_datetime(stockholm()).strftime("%Y-%m-%d %H:%M").to_string()
}

/// An instant as the value of a `datetime-local` input (Stockholm time).
pub fn input_value(ts: Timestamp) -> String {
    ts.to_zoned_datetime(stockholm()).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// Parses a `datetime-local` value (`YYYY-MM-DDTHH:MM`, Stockholm time);
/// empty is `None`.
pub fn parse_local(field: &'static str, s: &str) -> Result<Option<Timestamp>, Invalid> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || Invalid::new(field, s, "a date and time such as 2025-03-14T09:30 (Swedish time)");
    let dt: jiff::civil::DateTime = s.parse().map_err(|_| bad())?;
    dt.to_zoned_datetime(stockholm()).map(|z| Some(z.timestamp())).map_err(|_| bad())
}

/// Hours and minutes, e.g. `31 h 20 min`.
pub fn hours_minutes(d: SignedDuration) -> String {
    let minutes = d.as_secs().unsigned_abs() / 60;
    format!("{} h {} min", minutes / 60, minutes % 60)
}

/// Where a case stands, in words: held in time or late, time left, or overdue.
pub fn status(t: Tr<'_>, talk: &SeriousTalk, now: Timestamp) -> String {
    match talk.hours_to_talk() {
        Some(h) => {
            let key = if talk.held_within_48h() { "talks.status.in_time" } else { "talks.status.late" };
            t.fill(key, "hours", &format!("{}", h.floor()))
        }
        None if talk.is_overdue(now) => {
            t.fill("talks.status.overdue", "time", &hours_minutes(talk.time_left(now)))
        }
        None => t.fill("talks.status.left", "time", &hours_minutes(talk.time_left(now))),
    }
}

/// The translation key of an age band.
pub fn age_key(a: AgeBand) -> &'static str {
    match a {
        AgeBand::Under12 => "talks.age.under_12",
        AgeBand::From12To14 => "talks.age.12_14",
        AgeBand::From15To17 => "talks.age.15_17",
        AgeBand::From18To20 => "talks.age.18_20",
    }
}

/// The translation key of a sex, or of "not stated".
pub fn sex_key(s: Option<Sex>) -> &'static str {
    match s {
        Some(Sex::Girl) => "talks.sex.girl",
        Some(Sex::Boy) => "talks.sex.boy",
        Some(Sex::Other) => "talks.sex.other",
        None => "talks.sex.unstated",
    }
}

/// The translation key of an offence category.
pub fn offence_key(o: Offence) -> &'static str {
    match o {
        Offence::Shoplifting => "talks.offence.shoplifting",
        Offence::Vandalism => "talks.offence.vandalism",
        Offence::Violence => "talks.offence.violence",
        Offence::Threat => "talks.offence.threat",
        Offence::Drugs => "talks.offence.drugs",
        Offence::Theft => "talks.offence.theft",
        Offence::Robbery => "talks.offence.robbery",
        Offence::Weapons => "talks.offence.weapons",
        Offence::Other => "talks.offence.other",
    }
}

/// The translation key of a reason for lateness.
pub fn reason_key(r: LateReason) -> &'static str {
    match r {
        LateReason::YouthUnavailable => "talks.reason.youth_unavailable",
        LateReason::GuardianUnavailable => "talks.reason.guardian_unavailable",
        LateReason::PoliceUnavailable => "talks.reason.police_unavailable",
        LateReason::InterpreterNeeded => "talks.reason.interpreter_needed",
        LateReason::Staffing => "talks.reason.staffing",
        LateReason::Declined => "talks.reason.declined",
        LateReason::Other => "talks.reason.other",
    }
}

/// (value, label) pairs for a choice list.
pub fn options<T: Copy>(
    all: &[T],
    value: impl Fn(T) -> &'static str,
    key: impl Fn(T) -> &'static str,
    t: Tr<'_>,
) -> Vec<(String, String)> {
    all.iter().map(|&v| (value(v).to_owned(), t.get(key(v)).to_owned())).collect()
}

/// Area names by code, for display.
pub fn area_name(areas: &[Area], code: &Code) -> String {
    areas.iter().find(|a| &a.code == code).map_or_else(|| code.to_string(), |a| a.name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_parse_in_stockholm() {
        let ts = parse_local("held_at", "2025-03-14T09:30").unwrap().unwrap();
        assert_eq!(ts.to_string(), "2025-03-14T08:30:00Z");
        assert_eq!(input_value(ts), "2025-03-14T09:30");
        assert_eq!(parse_local("held_at", " ").unwrap(), None);
        assert_eq!(parse_local("held_at", "igår").unwrap_err().field, "held_at");
        assert_eq!(hours_minutes(SignedDuration::from_mins(-(31 * 60 + 20))), "31 h 20 min");
    }
}
