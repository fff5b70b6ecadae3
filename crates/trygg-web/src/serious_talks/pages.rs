//! The social services' pages: the deadline list, the form for a new case,
//! the record view with the form to record the talk.

use super::view::{
    self, age_key, area_name, bad_request, district_areas, html, input_value, layout, local, offence_key,
    options, parse_local, reason_key, sex_key, status, store_error,
};
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::Tr;
use crate::pages::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jiff::Timestamp;
use serde::Deserialize;
use trygg_core::{
    AgeBand, Area, Attendees, Code, Invalid, LateReason, Offence, SeriousTalk, Sex, TalkCase, TalkComment,
    TalkOutcome, TalkReference,
};
use trygg_store::TalkQuery;

/// A case as a row of the deadline list.
struct Row {
    reference: String,
    area: String,
    age: String,
    offence: String,
    aware: String,
    deadline: String,
    status: String,
    overdue: bool,
}

#[derive(Template)]
#[template(path = "serious_talks.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    rows: Vec<Row>,
    all: bool,
    caption: String,
}

#[derive(Template)]
#[template(path = "serious_talks_new.html")]
struct NewPage<'a> {
    l: Layout<'a>,
    areas: Vec<(String, String)>,
    ages: Vec<(String, String)>,
    sexes: Vec<(String, String)>,
    offences: Vec<(String, String)>,
    now: String,
}

#[derive(Template)]
#[template(path = "serious_talks_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    reference: String,
    facts: Vec<(&'static str, String)>,
    status: String,
    overdue: bool,
    held_at: String,
    attendees: Attendees,
    reasons: Vec<(String, String)>,
    reason: String,
    comment: String,
    saved: bool,
}

/// The list's choice: open cases only (default) or every case kept.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListForm {
    show: String,
}

/// Loads every area and the district areas the user may work with.
async fn scope(state: &AppState, ctx: &Ctx) -> Result<(Vec<Area>, Vec<Code>), Response> {
    let areas = state.store.areas(None, false).await.map_err(|e| store_error(e, ctx))?;
    let mine = district_areas(ctx, &areas);
    Ok((areas, mine))
}

/// `GET /serious-talks`: the cases with their deadlines, soonest first.
pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(form): Query<ListForm>) -> Response {
    let t = ctx.t();
    let (areas, mine) = match scope(&state, &ctx).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let all = form.show == "all";
    let q = TalkQuery { areas: mine, open_only: !all, ..TalkQuery::default() };
    let talks = match state.store.serious_talks(&ctx.actor(), &q).await {
        Ok(talks) => talks,
        Err(e) => return store_error(e, &ctx),
    };
    let now = Timestamp::now();
    let rows = talks.iter().map(|talk| row(talk, &areas, t, now)).collect();
    let caption = t.get(if all { "talks.list.caption_all" } else { "talks.list.caption_open" }).to_owned();
    html(ListPage { rows, all, caption, l: layout(&ctx, t, t.get("talks.list.title")) })
}

fn row(talk: &SeriousTalk, areas: &[Area], t: Tr<'_>, now: Timestamp) -> Row {
    Row {
        reference: talk.reference.to_string(),
        area: area_name(areas, &talk.case.area),
        age: t.get(age_key(talk.case.age_band)).to_owned(),
        offence: t.get(offence_key(talk.case.offence)).to_owned(),
        aware: local(talk.case.aware_at),
        deadline: local(talk.deadline()),
        status: status(t, talk, now),
        overdue: talk.is_overdue(now),
    }
}

/// `GET /serious-talks/new`: the form for a new case.
pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (areas, mine) = match scope(&state, &ctx).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let current = areas.iter().filter(|a| mine.contains(&a.code) && view::is_current(a));
    html(NewPage {
        areas: current.map(|a| (a.code.to_string(), a.name.to_string())).collect(),
        ages: options(AgeBand::ALL, AgeBand::as_str, age_key, t),
        sexes: options(Sex::ALL, Sex::as_str, |s| sex_key(Some(s)), t),
        offences: options(Offence::ALL, Offence::as_str, offence_key, t),
        now: input_value(Timestamp::now()),
        l: layout(&ctx, t, t.get("talks.new.title")),
    })
}

/// The new-case form as posted.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewForm {
    area: String,
    age_band: String,
    sex: String,
    offence: String,
    aware_at: String,
    comment: String,
}

impl NewForm {
    /// The case and its (empty but for the comment) outcome, checked.
    fn parse(&self, mine: &[Code]) -> Result<(TalkCase, TalkOutcome), Invalid> {
        let area = Code::new(self.area.trim())
            .ok()
            .filter(|a| mine.contains(a))
            .ok_or_else(|| Invalid::new("area", &self.area, "a district area you work in"))?;
        let sex = match self.sex.trim() {
            "" | "unstated" => None,
            s => Some(s.parse::<Sex>().map_err(|_| Invalid::new("sex", s, "girl, boy, other or unstated"))?),
        };
        let aware_at = parse_local("aware_at", &self.aware_at)?
            .ok_or_else(|| Invalid::new("aware_at", "", "when social services became aware"))?;
        let case = TalkCase {
            area,
            age_band: self.age_band.trim().parse()?,
            sex,
            offence: self.offence.trim().parse()?,
            aware_at,
        };
        let outcome = TalkOutcome { comment: TalkComment::new(&self.comment)?, ..TalkOutcome::default() };
        Ok((case, outcome))
    }
}

/// `POST /serious-talks`: registers a case and shows it.
pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(form): Form<NewForm>) -> Response {
    let (_, mine) = match scope(&state, &ctx).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let (case, outcome) = match form.parse(&mine) {
        Ok(x) => x,
        Err(e) => return bad_request(e),
    };
    match state.store.create_serious_talk(&ctx.actor(), &case, &outcome).await {
        Ok(talk) => Redirect::to(&format!("/serious-talks/{}?saved=1", talk.reference)).into_response(),
        Err(e) => store_error(e, &ctx),
    }
}

/// Whether the page follows a save.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    saved: String,
}

/// `GET /serious-talks/{reference}`: one case (audited), with the form to record the talk.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let t = ctx.t();
    let Ok(reference) = TalkReference::new(&reference) else { return not_found(&ctx) };
    let (areas, mine) = match scope(&state, &ctx).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let talk = match state.store.serious_talk(&ctx.actor(), &mine, &reference).await {
        Ok(Some(talk)) => talk,
        Ok(None) => return not_found(&ctx),
        Err(e) => return store_error(e, &ctx),
    };
    let now = Timestamp::now();
    let o = &talk.outcome;
    let facts = vec![
        ("talks.field.area", area_name(&areas, &talk.case.area)),
        ("talks.field.age_band", t.get(age_key(talk.case.age_band)).to_owned()),
        ("talks.field.sex", t.get(sex_key(talk.case.sex)).to_owned()),
        ("talks.field.offence", t.get(offence_key(talk.case.offence)).to_owned()),
        ("talks.field.aware_at", local(talk.case.aware_at)),
        ("talks.field.deadline", local(talk.deadline())),
    ];
    html(DetailPage {
        reference: talk.reference.to_string(),
        facts,
        status: status(t, &talk, now),
        overdue: talk.is_overdue(now),
        held_at: o.held_at.map(input_value).unwrap_or_default(),
        attendees: o.attendees,
        reasons: options(LateReason::ALL, LateReason::as_str, reason_key, t),
        reason: o.late_reason.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        comment: o.comment.as_ref().map(ToString::to_string).unwrap_or_default(),
        saved: q.saved == "1",
        l: layout(&ctx, t, &t.fill("talks.detail.title", "reference", talk.reference.as_str())),
    })
}

/// The record-the-talk form as posted.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RecordForm {
    held_at: String,
    guardian: String,
    police: String,
    social_services: String,
    other: String,
    late_reason: String,
    comment: String,
}

impl RecordForm {
    /// The outcome, checked field by field (the store checks it against the case).
    fn parse(&self) -> Result<TalkOutcome, Invalid> {
        let late_reason = match self.late_reason.trim() {
            "" => None,
            r => Some(r.parse()?),
        };
        let on = |v: &str| !v.is_empty();
        Ok(TalkOutcome {
            held_at: parse_local("held_at", &self.held_at)?,
            attendees: Attendees {
                guardian: on(&self.guardian),
                police: on(&self.police),
                social_services: on(&self.social_services),
                other: on(&self.other),
            },
            late_reason,
            comment: TalkComment::new(&self.comment)?,
        })
    }
}

/// `POST /serious-talks/{reference}`: records the talk (audited).
pub async fn record(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
    Form(form): Form<RecordForm>,
) -> Response {
    let Ok(reference) = TalkReference::new(&reference) else { return not_found(&ctx) };
    let (_, mine) = match scope(&state, &ctx).await {
        Ok(s) => s,
        Err(res) => return res,
    };
    let outcome = match form.parse() {
        Ok(o) => o,
        Err(e) => return bad_request(e),
    };
    match state.store.record_serious_talk(&ctx.actor(), &mine, &reference, &outcome).await {
        Ok(talk) => Redirect::to(&format!("/serious-talks/{}?saved=1", talk.reference)).into_response(),
        Err(e) => store_error(e, &ctx),
    }
}

fn not_found(ctx: &Ctx) -> Response {
    crate::error::PageError::new(StatusCode::NOT_FOUND, ctx.t().get("error.not_found")).into_response()
}
