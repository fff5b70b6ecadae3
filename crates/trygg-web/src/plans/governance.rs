//! Governance in the browser: an overview of the groups with their last and
//! next meeting, open and overdue decisions and the agreements with their
//! flags; recording a meeting and its decisions and changing a decision's
//! status; recording an agreement (collaboration agreement or citizen
//! promise) and its tertial follow-up; creating and changing a working group.
//!
//! Reading: Admin, Coordinator, Steering, Member. Writing: Admin and
//! Coordinator; a decision's status also Steering. Meetings and agreements
//! belong to an area, and non-administrators see only their areas and the
//! areas below them.

use super::indicators::{READERS, store_error};
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
use trygg_core::{Area, Code, Date, Group, GroupKind, GroupMember, MeasureStatus, Name, Period, Role};
use trygg_store::{
    Agreement, AgreementKind, Commitment, Decision, DecisionStatus, Meeting, NewAgreement, NewDecision,
    NewMeeting, Signatory, StoreError,
};

/// Who may record meetings, decisions, agreements, follow-up and working groups.
const EDITORS: &[Role] = &[Role::Admin, Role::Coordinator];
/// Who may change a decision's status.
const DECIDERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering];
/// Empty rows offered for signatories, commitments and members.
const EXTRA_ROWS: usize = 4;

/// The routes of this part.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/governance", "/governance", READERS), get(overview)),
        (route(M::GET, "/governance/meetings/new", "/governance/meetings/new", EDITORS), get(new_meeting)),
        (route(M::POST, "/governance/meetings", "/governance/meetings", EDITORS), post(create_meeting)),
        (route(M::GET, "/governance/meetings/{id}", "/governance/meetings/1", READERS), get(meeting)),
        (
            route(
                M::POST,
                "/governance/meetings/{id}/decisions",
                "/governance/meetings/1/decisions",
                EDITORS,
            ),
            post(add_decision),
        ),
        (
            route(M::POST, "/governance/decisions/{id}/status", "/governance/decisions/1/status", DECIDERS),
            post(decision_status),
        ),
        (
            route(M::GET, "/governance/agreements/new", "/governance/agreements/new", EDITORS),
            get(new_agreement),
        ),
        (route(M::POST, "/governance/agreements", "/governance/agreements", EDITORS), post(create_agreement)),
        (route(M::GET, "/governance/agreements/{id}", "/governance/agreements/1", READERS), get(agreement)),
        (
            route(
                M::POST,
                "/governance/agreements/{id}/followup",
                "/governance/agreements/1/followup",
                EDITORS,
            ),
            post(agreement_followup),
        ),
        (route(M::GET, "/governance/groups", "/governance/groups", EDITORS), get(group_form)),
        (route(M::POST, "/governance/groups", "/governance/groups", EDITORS), post(save_group)),
    ]
}

// ---------------------------------------------------------------- helpers

fn today() -> Date {
    jiff::Timestamp::now().to_zoned_datetime(crate::pages::stockholm()).date()
}

/// The areas a user may see: `None` for every area (administrators).
fn scope(ctx: &Ctx, all: &[Area]) -> Option<Vec<Code>> {
    let user = ctx.user.as_ref()?;
    if user.role == Role::Admin {
        return None;
    }
    let mut out: Vec<Code> = Vec::new();
    for mine in &user.areas {
        for code in with_descendants(all, mine) {
            if !out.contains(&code) {
                out.push(code);
            }
        }
    }
    Some(out)
}

fn sees(scope: &Option<Vec<Code>>, area: &Code) -> bool {
    scope.as_ref().is_none_or(|codes| codes.contains(area))
}

/// The store's filter for a scope: empty for every area.
fn filter(scope: &Option<Vec<Code>>) -> Vec<Code> {
    scope.clone().unwrap_or_default()
}

async fn scope_of(state: &AppState, ctx: &Ctx) -> Result<(Vec<Area>, Option<Vec<Code>>), PageError> {
    let all = state.store.areas(None, false).await.map_err(|e| PageError::from_store(e, ctx.t()))?;
    let s = scope(ctx, &all);
    Ok((all, s))
}

fn bad(t: Tr<'_>, key: &str) -> Response {
    PageError::new(StatusCode::BAD_REQUEST, t.get(&format!("governance.error.{key}")).to_owned())
        .into_response()
}

fn forbidden(t: Tr<'_>) -> Response {
    PageError::new(StatusCode::FORBIDDEN, t.get("governance.error.not-your-area").to_owned()).into_response()
}

fn not_found(t: Tr<'_>) -> Response {
    PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found").to_owned()).into_response()
}

/// A store error as a page; a refused field with the part's own message where there is one.
fn failed(e: StoreError, t: Tr<'_>) -> Response {
    match e {
        StoreError::Invalid(i) => {
            let key = format!("governance.error.field.{}", i.field);
            let msg =
                if t.get(&key) == key { i.to_string() } else { format!("{} ({})", t.get(&key), i.value) };
            PageError::new(StatusCode::BAD_REQUEST, msg).into_response()
        }
        other => store_error(other, t, "governance").into_response(),
    }
}

fn date(s: &str) -> Option<Date> {
    s.trim().parse().ok()
}

fn opt_id(s: &str) -> Result<Option<i64>, ()> {
    let s = s.trim();
    if s.is_empty() { Ok(None) } else { s.parse().map(Some).map_err(|_| ()) }
}

/// The values of a repeated form field, in order.
fn values<'a>(form: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    form.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
}

/// The single value of a form field ("" when absent).
fn value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn group_kind(t: Tr<'_>, k: GroupKind) -> String {
    t.get(&format!("governance.group-kinds.{}", k.as_str())).to_owned()
}

fn status_text(t: Tr<'_>, s: DecisionStatus) -> String {
    t.get(&format!("governance.decision-statuses.{}", s.as_str())).to_owned()
}

fn kind_text(t: Tr<'_>, k: AgreementKind) -> String {
    t.get(&format!("governance.kinds.{}", k.as_str())).to_owned()
}

/// The area choices a user may file under, as (code, name).
fn area_choices(all: &[Area], scope: &Option<Vec<Code>>) -> Vec<(String, String)> {
    all.iter().filter(|a| sees(scope, &a.code)).map(|a| (a.code.to_string(), a.name.to_string())).collect()
}

// ---------------------------------------------------------------- overview

struct GroupRow {
    name: String,
    kind: String,
    end_date: String,
    expired: bool,
    last: Option<(i64, String)>,
    next: Option<(i64, String)>,
}

struct DecisionRow {
    id: i64,
    meeting_id: i64,
    text: String,
    owner: String,
    due: String,
    status: &'static str,
    status_text: String,
    overdue: bool,
}

struct AgreementRow {
    id: i64,
    title: String,
    kind: String,
    area: String,
    valid: String,
    latest: Option<(&'static str, String)>,
    expired: bool,
    missing: Option<String>,
}

#[derive(Template)]
#[template(path = "governance.html")]
struct OverviewPage<'a> {
    l: Layout<'a>,
    may_edit: bool,
    groups: Vec<GroupRow>,
    overdue: usize,
    decisions: Vec<DecisionRow>,
    agreements: Vec<AgreementRow>,
}

fn decision_row(t: Tr<'_>, d: &Decision, today: Date) -> DecisionRow {
    DecisionRow {
        id: d.id,
        meeting_id: d.meeting_id,
        text: d.text.clone(),
        owner: d.owner.clone(),
        due: d.due.to_string(),
        status: d.status.as_str(),
        status_text: status_text(t, d.status),
        overdue: d.is_overdue(today),
    }
}

fn agreement_row(t: Tr<'_>, a: &Agreement, all: &[Area], today: Date) -> AgreementRow {
    AgreementRow {
        id: a.id,
        title: a.title.clone(),
        kind: kind_text(t, a.kind),
        area: all
            .iter()
            .find(|x| x.code == a.area)
            .map_or_else(|| a.area.to_string(), |x| x.name.to_string()),
        valid: format!("{} – {}", a.valid_from, a.valid_to),
        latest: a.followups.last().map(|f| {
            let s = f.status.as_str();
            (s, format!("{}: {}", f.period, t.get(&format!("governance.statuses.{s}"))))
        }),
        expired: a.is_expired(today),
        missing: a
            .missing_followup(today)
            .map(|p| t.fill("governance.flag-missing", "period", &p.to_string())),
    }
}

/// `GET /governance`: groups with their last and next meeting, open decisions and agreements, with flags.
pub async fn overview(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let f = filter(&scope);
    let (groups, meetings, decisions, agreements) = match tokio::try_join!(
        state.store.groups(),
        state.store.meetings(&f),
        state.store.decisions(&f),
        state.store.agreements(&f)
    ) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    let today = today();
    let groups = groups
        .iter()
        .map(|g| {
            let of: Vec<&Meeting> = meetings.iter().filter(|m| m.group == g.code).collect();
            let last = of.iter().filter(|m| m.held_on <= today).max_by_key(|m| (m.held_on, m.id));
            let next = of.iter().filter(|m| m.held_on > today).min_by_key(|m| (m.held_on, m.id));
            GroupRow {
                name: g.name.to_string(),
                kind: group_kind(t, g.kind),
                end_date: g.end_date.map(|d| d.to_string()).unwrap_or_default(),
                expired: g.is_expired(today),
                last: last.map(|m| (m.id, m.held_on.to_string())),
                next: next.map(|m| (m.id, m.held_on.to_string())),
            }
        })
        .collect();
    let open: Vec<DecisionRow> = decisions
        .iter()
        .filter(|d| d.status == DecisionStatus::Open)
        .map(|d| decision_row(t, d, today))
        .collect();
    let page = OverviewPage {
        l: Layout::new(&ctx, t, t.get("governance.title")),
        may_edit: EDITORS.contains(&ctx.role()),
        groups,
        overdue: open.iter().filter(|d| d.overdue).count(),
        decisions: open,
        agreements: agreements.iter().map(|a| agreement_row(t, a, &all, today)).collect(),
    };
    html(page)
}

// ---------------------------------------------------------------- meetings

#[derive(Template)]
#[template(path = "governance_meeting_new.html")]
struct NewMeetingPage<'a> {
    l: Layout<'a>,
    groups: Vec<(String, String)>,
    areas: Vec<(String, String)>,
}

/// `GET /governance/meetings/new`: the form to record a meeting.
pub async fn new_meeting(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let groups = match state.store.groups().await {
        Ok(g) => g
            .iter()
            .map(|g| (g.code.to_string(), format!("{} ({})", g.name, group_kind(t, g.kind))))
            .collect(),
        Err(e) => return failed(e, t),
    };
    html(NewMeetingPage {
        l: Layout::new(&ctx, t, t.get("governance.new-meeting")),
        groups,
        areas: area_choices(&all, &scope),
    })
}

/// The meeting form.
#[derive(Debug, Deserialize, Default)]
pub struct MeetingForm {
    #[serde(default)]
    group: String,
    #[serde(default)]
    area: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    minutes: String,
}

/// `POST /governance/meetings`: records a meeting.
pub async fn create_meeting(State(state): State<AppState>, ctx: Ctx, Form(f): Form<MeetingForm>) -> Response {
    let t = ctx.t();
    let Ok(group) = Code::new(f.group.trim()) else { return bad(t, "group") };
    let Ok(area) = Code::new(f.area.trim()) else { return bad(t, "area") };
    let Some(held_on) = date(&f.held_on) else { return bad(t, "date") };
    let (_, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    if !sees(&scope, &area) {
        return forbidden(t);
    }
    let new = NewMeeting {
        group,
        area,
        held_on,
        attendees: f.attendees.lines().map(str::to_owned).collect(),
        agenda: f.agenda,
        minutes: f.minutes,
    };
    match state.store.create_meeting(&ctx.actor(), &new).await {
        Ok(m) => Redirect::to(&format!("/governance/meetings/{}", m.id)).into_response(),
        Err(e) => failed(e, t),
    }
}

struct DecisionView {
    row: DecisionRow,
    links: Vec<(String, String)>,
    done_on: String,
    label: String,
}

#[derive(Template)]
#[template(path = "governance_meeting.html")]
struct MeetingPage<'a> {
    l: Layout<'a>,
    meeting: Meeting,
    group: String,
    area: String,
    decisions: Vec<DecisionView>,
    may_edit: bool,
    may_decide: bool,
    statuses: Vec<(&'static str, String)>,
    measures: Vec<(i64, String)>,
    problems: Vec<(i64, String)>,
}

/// Loads a record's area check: `Err` with 404 or 403 as the page.
fn visible_or<T>(
    t: Tr<'_>,
    found: Option<T>,
    area: impl Fn(&T) -> Code,
    scope: &Option<Vec<Code>>,
) -> Result<T, PageError> {
    let Some(x) = found else { return Err(PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found"))) };
    if !sees(scope, &area(&x)) {
        return Err(PageError::new(StatusCode::FORBIDDEN, t.get("governance.error.not-your-area")));
    }
    Ok(x)
}

/// `GET /governance/meetings/{id}`: a meeting, its decisions and the forms to add and update them.
pub async fn meeting(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = ctx.t();
    let Ok(id) = id.parse::<i64>() else { return not_found(t) };
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let found = match state.store.meeting(id).await {
        Ok(m) => m,
        Err(e) => return failed(e, t),
    };
    let m = match visible_or(t, found, |m: &Meeting| m.area.clone(), &scope) {
        Ok(m) => m,
        Err(r) => return r.into_response(),
    };
    let f = filter(&scope);
    let (decisions, groups, measures, problems) = match tokio::try_join!(
        state.store.meeting_decisions(id),
        state.store.groups(),
        state.store.measures(&f),
        state.store.problems(&f)
    ) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    let today = today();
    let decisions = decisions
        .iter()
        .map(|d| {
            let mut links = Vec::new();
            if let Some(mid) = d.measure_id {
                let name =
                    measures.iter().find(|x| x.id == mid).map_or_else(|| mid.to_string(), |x| x.name.clone());
                links.push((format!("/measures/{mid}"), name));
            }
            if let Some(pid) = d.problem_id {
                let name = problems
                    .iter()
                    .find(|x| x.id == pid)
                    .map_or_else(|| pid.to_string(), |x| x.title.clone());
                links.push((format!("/problems/{pid}"), name));
            }
            DecisionView {
                row: decision_row(t, d, today),
                links,
                done_on: d.done_on.map(|d| d.to_string()).unwrap_or_default(),
                label: t.fill("governance.status-for", "text", &d.text),
            }
        })
        .collect();
    let group = groups
        .iter()
        .find(|g| g.code == m.group)
        .map_or_else(|| m.group.to_string(), |g| format!("{} ({})", g.name, group_kind(t, g.kind)));
    let area =
        all.iter().find(|a| a.code == m.area).map_or_else(|| m.area.to_string(), |a| a.name.to_string());
    let title = t.fill("governance.meeting-title", "date", &m.held_on.to_string());
    html(MeetingPage {
        l: Layout::new(&ctx, t, &title),
        group,
        area,
        decisions,
        may_edit: EDITORS.contains(&ctx.role()),
        may_decide: DECIDERS.contains(&ctx.role()),
        statuses: DecisionStatus::ALL.iter().map(|s| (s.as_str(), status_text(t, *s))).collect(),
        measures: measures.iter().map(|x| (x.id, x.name.clone())).collect(),
        problems: problems.iter().map(|x| (x.id, x.title.clone())).collect(),
        meeting: m,
    })
}

/// The decision form.
#[derive(Debug, Deserialize, Default)]
pub struct DecisionForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    problem: String,
}

/// `POST /governance/meetings/{id}/decisions`: records a decision of the meeting.
pub async fn add_decision(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<DecisionForm>,
) -> Response {
    let t = ctx.t();
    let Ok(id) = id.parse::<i64>() else { return not_found(t) };
    let (_, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let found = match state.store.meeting(id).await {
        Ok(m) => m,
        Err(e) => return failed(e, t),
    };
    if let Err(r) = visible_or(t, found, |m: &Meeting| m.area.clone(), &scope) {
        return r.into_response();
    }
    let Some(due) = date(&f.due) else { return bad(t, "due") };
    let Ok(measure_id) = opt_id(&f.measure) else { return bad(t, "measure") };
    let Ok(problem_id) = opt_id(&f.problem) else { return bad(t, "problem") };
    // A linked measure or problem must be one the user may see.
    let fl = filter(&scope);
    if let Some(mid) = measure_id {
        match state.store.measures(&fl).await {
            Ok(ms) if ms.iter().any(|m| m.id == mid) => {}
            Ok(_) => return bad(t, "measure"),
            Err(e) => return failed(e, t),
        }
    }
    if let Some(pid) = problem_id {
        match state.store.problems(&fl).await {
            Ok(ps) if ps.iter().any(|p| p.id == pid) => {}
            Ok(_) => return bad(t, "problem"),
            Err(e) => return failed(e, t),
        }
    }
    let new = NewDecision { text: f.text, owner: f.owner, due, measure_id, problem_id };
    match state.store.add_decision(&ctx.actor(), id, &new).await {
        Ok(_) => Redirect::to(&format!("/governance/meetings/{id}")).into_response(),
        Err(e) => failed(e, t),
    }
}

/// The decision status form.
#[derive(Debug, Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    done_on: String,
}

/// `POST /governance/decisions/{id}/status`: open, done (with the day) or cancelled.
pub async fn decision_status(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    let t = ctx.t();
    let Ok(id) = id.parse::<i64>() else { return not_found(t) };
    let (_, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let found = match state.store.decision(id).await {
        Ok(d) => d,
        Err(e) => return failed(e, t),
    };
    let d = match visible_or(t, found, |d: &Decision| d.area.clone(), &scope) {
        Ok(d) => d,
        Err(r) => return r.into_response(),
    };
    let Ok(status) = f.status.parse::<DecisionStatus>() else { return bad(t, "status") };
    let done_on = match (status, f.done_on.trim()) {
        (DecisionStatus::Done, s) => match date(s) {
            Some(d) => Some(d),
            None => return bad(t, "done-on"),
        },
        _ => None,
    };
    match state.store.set_decision_status(&ctx.actor(), id, status, done_on).await {
        Ok(_) => Redirect::to(&format!("/governance/meetings/{}", d.meeting_id)).into_response(),
        Err(e) => failed(e, t),
    }
}

// ---------------------------------------------------------------- agreements

#[derive(Template)]
#[template(path = "governance_agreement_new.html")]
struct NewAgreementPage<'a> {
    l: Layout<'a>,
    kinds: Vec<(&'static str, String)>,
    areas: Vec<(String, String)>,
    partners: Vec<(String, String)>,
    measures: Vec<(i64, String)>,
    rows: Vec<usize>,
}

/// `GET /governance/agreements/new`: the form to record an agreement.
pub async fn new_agreement(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let f = filter(&scope);
    let (partners, measures) = match tokio::try_join!(state.store.partners(), state.store.measures(&f)) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    html(NewAgreementPage {
        l: Layout::new(&ctx, t, t.get("governance.new-agreement")),
        kinds: AgreementKind::ALL.iter().map(|k| (k.as_str(), kind_text(t, *k))).collect(),
        areas: area_choices(&all, &scope),
        partners: partners.iter().map(|p| (p.code.to_string(), p.name.to_string())).collect(),
        measures: measures.iter().map(|m| (m.id, m.name.clone())).collect(),
        rows: (1..=EXTRA_ROWS).collect(),
    })
}

/// `POST /governance/agreements`: records an agreement with its signatories
/// (`partner`/`signed_as` pairs) and commitments (`commitment`/`commitment_measure` pairs).
pub async fn create_agreement(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let t = ctx.t();
    let Ok(kind) = value(&form, "kind").parse::<AgreementKind>() else { return bad(t, "kind") };
    let Ok(area) = Code::new(value(&form, "area").trim()) else { return bad(t, "area") };
    let Some(valid_from) = date(value(&form, "valid_from")) else { return bad(t, "date") };
    let Some(valid_to) = date(value(&form, "valid_to")) else { return bad(t, "date") };
    let (_, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    if !sees(&scope, &area) {
        return forbidden(t);
    }
    let mut signatories = Vec::new();
    for (partner, signed_as) in values(&form, "partner").into_iter().zip(values(&form, "signed_as")) {
        if partner.trim().is_empty() && signed_as.trim().is_empty() {
            continue;
        }
        let Ok(partner) = Code::new(partner.trim()) else { return bad(t, "partner") };
        signatories.push(Signatory { partner, signed_as: signed_as.to_owned() });
    }
    let visible = match state.store.measures(&filter(&scope)).await {
        Ok(ms) => ms,
        Err(e) => return failed(e, t),
    };
    let mut commitments = Vec::new();
    for (text, measure) in values(&form, "commitment").into_iter().zip(values(&form, "commitment_measure")) {
        if text.trim().is_empty() && measure.trim().is_empty() {
            continue;
        }
        let Ok(measure_id) = opt_id(measure) else { return bad(t, "measure") };
        if measure_id.is_some_and(|id| !visible.iter().any(|m| m.id == id)) {
            return bad(t, "measure");
        }
        commitments.push(Commitment { text: text.to_owned(), measure_id });
    }
    let new = NewAgreement {
        kind,
        title: value(&form, "title").to_owned(),
        area,
        valid_from,
        valid_to,
        signatories,
        commitments,
    };
    match state.store.create_agreement(&ctx.actor(), &new).await {
        Ok(a) => Redirect::to(&format!("/governance/agreements/{}", a.id)).into_response(),
        Err(e) => failed(e, t),
    }
}

struct FollowupView {
    period: String,
    status: &'static str,
    status_text: String,
    comment: String,
    reported_by: String,
}

#[derive(Template)]
#[template(path = "governance_agreement.html")]
struct AgreementPage<'a> {
    l: Layout<'a>,
    row: AgreementRow,
    signatories: Vec<(String, String)>,
    commitments: Vec<(String, Option<(i64, String)>)>,
    followups: Vec<FollowupView>,
    may_edit: bool,
    period: String,
    statuses: Vec<(&'static str, String)>,
}

/// `GET /governance/agreements/{id}`: an agreement with its signatories, commitments, follow-up and flags.
pub async fn agreement(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let t = ctx.t();
    let Ok(id) = id.parse::<i64>() else { return not_found(t) };
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let found = match state.store.agreement(id).await {
        Ok(a) => a,
        Err(e) => return failed(e, t),
    };
    let a = match visible_or(t, found, |a: &Agreement| a.area.clone(), &scope) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let (partners, measures) = match tokio::try_join!(state.store.partners(), state.store.measures(&[])) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    let today = today();
    let signatories = a
        .signatories
        .iter()
        .map(|s| {
            let org = partners
                .iter()
                .find(|p| p.code == s.partner)
                .map_or_else(|| s.partner.to_string(), |p| p.name.to_string());
            (org, s.signed_as.clone())
        })
        .collect();
    let commitments = a
        .commitments
        .iter()
        .map(|c| {
            let link = c.measure_id.map(|mid| {
                (
                    mid,
                    measures.iter().find(|m| m.id == mid).map_or_else(|| mid.to_string(), |m| m.name.clone()),
                )
            });
            (c.text.clone(), link)
        })
        .collect();
    let followups = a
        .followups
        .iter()
        .rev()
        .map(|f| FollowupView {
            period: f.period.clone(),
            status: f.status.as_str(),
            status_text: t.get(&format!("governance.statuses.{}", f.status.as_str())).to_owned(),
            comment: f.comment.clone(),
            reported_by: f.reported_by.clone(),
        })
        .collect();
    let period = a.missing_followup(today).unwrap_or_else(|| Period::tertial_of(today)).to_string();
    html(AgreementPage {
        l: Layout::new(&ctx, t, &a.title),
        row: agreement_row(t, &a, &all, today),
        signatories,
        commitments,
        followups,
        may_edit: EDITORS.contains(&ctx.role()),
        period,
        statuses: MeasureStatus::ALL
            .iter()
            .map(|s| (s.as_str(), t.get(&format!("governance.statuses.{}", s.as_str())).to_owned()))
            .collect(),
    })
}

/// The agreement follow-up form.
#[derive(Debug, Deserialize, Default)]
pub struct FollowupForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /governance/agreements/{id}/followup`: the agreement's status and comment for a tertial.
pub async fn agreement_followup(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<FollowupForm>,
) -> Response {
    let t = ctx.t();
    let Ok(id) = id.parse::<i64>() else { return not_found(t) };
    let (_, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let found = match state.store.agreement(id).await {
        Ok(a) => a,
        Err(e) => return failed(e, t),
    };
    if let Err(r) = visible_or(t, found, |a: &Agreement| a.area.clone(), &scope) {
        return r.into_response();
    }
    let Some(period) = f.period.trim().parse::<Period>().ok().filter(|p| matches!(p, Period::Tertial(..)))
    else {
        return bad(t, "period");
    };
    let Ok(status) = f.status.parse::<MeasureStatus>() else { return bad(t, "status") };
    match state.store.report_agreement_followup(&ctx.actor(), id, period, status, &f.comment).await {
        Ok(_) => Redirect::to(&format!("/governance/agreements/{id}")).into_response(),
        Err(e) => failed(e, t),
    }
}

// ---------------------------------------------------------------- working groups

struct MemberRow {
    n: usize,
    name: String,
    partner: String,
    role: String,
}

#[derive(Template)]
#[template(path = "governance_group.html")]
struct GroupPage<'a> {
    l: Layout<'a>,
    existing: bool,
    code: String,
    name: String,
    mandate: String,
    end_date: String,
    members: Vec<MemberRow>,
    partners: Vec<(String, String)>,
    working: Vec<(String, String, bool)>,
}

/// Which working group to edit.
#[derive(Debug, Deserialize, Default)]
pub struct GroupQuery {
    code: Option<String>,
}

/// `GET /governance/groups?code=…`: the form for a new working group, or to change one.
pub async fn group_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<GroupQuery>) -> Response {
    let t = ctx.t();
    let (groups, partners) = match tokio::try_join!(state.store.groups(), state.store.partners()) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    let today = today();
    let working: Vec<&Group> = groups.iter().filter(|g| g.kind == GroupKind::Working).collect();
    let editing = match q.code.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => match working.iter().find(|g| g.code.as_str() == c) {
            Some(g) => Some(*g),
            None => return not_found(t),
        },
        None => None,
    };
    let mut members: Vec<MemberRow> = editing
        .map(|g| {
            g.members
                .iter()
                .map(|m| MemberRow {
                    n: 0,
                    name: m.name.to_string(),
                    partner: m.partner.as_ref().map(|p| p.to_string()).unwrap_or_default(),
                    role: m.role.clone().unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    for _ in 0..EXTRA_ROWS {
        members.push(MemberRow { n: 0, name: String::new(), partner: String::new(), role: String::new() });
    }
    for (i, m) in members.iter_mut().enumerate() {
        m.n = i + 1;
    }
    let title =
        if editing.is_some() { t.get("governance.edit-group") } else { t.get("governance.new-group") };
    html(GroupPage {
        l: Layout::new(&ctx, t, title),
        existing: editing.is_some(),
        code: editing.map(|g| g.code.to_string()).unwrap_or_default(),
        name: editing.map(|g| g.name.to_string()).unwrap_or_default(),
        mandate: editing.map(|g| g.mandate.clone()).unwrap_or_default(),
        end_date: editing.and_then(|g| g.end_date).map(|d| d.to_string()).unwrap_or_default(),
        members,
        partners: partners.iter().map(|p| (p.code.to_string(), p.name.to_string())).collect(),
        working: working
            .iter()
            .map(|g| (g.code.to_string(), g.name.to_string(), g.is_expired(today)))
            .collect(),
    })
}

/// `POST /governance/groups`: creates or changes a working group with its
/// mandate, end date and members (`member_name`/`member_partner`/`member_role` triples).
pub async fn save_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let t = ctx.t();
    let Ok(code) = Code::new(value(&form, "code").trim()) else { return bad(t, "code") };
    let Ok(name) = Name::new(value(&form, "name").trim()) else { return bad(t, "name") };
    let end = value(&form, "end_date");
    let end_date = if end.trim().is_empty() {
        None
    } else {
        match date(end) {
            Some(d) => Some(d),
            None => return bad(t, "date"),
        }
    };
    let groups = match state.store.groups().await {
        Ok(g) => g,
        Err(e) => return failed(e, t),
    };
    if groups.iter().any(|g| g.code == code && g.kind != GroupKind::Working) {
        return bad(t, "not-working");
    }
    let names = values(&form, "member_name");
    let partners = values(&form, "member_partner");
    let roles = values(&form, "member_role");
    let mut members = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let partner = partners.get(i).map_or("", |p| p.trim());
        let role = roles.get(i).map_or("", |r| r.trim());
        if n.trim().is_empty() {
            if partner.is_empty() && role.is_empty() {
                continue;
            }
            return bad(t, "member");
        }
        let Ok(member) = Name::new(n.trim()) else { return bad(t, "member") };
        let partner = if partner.is_empty() {
            None
        } else {
            match Code::new(partner) {
                Ok(c) => Some(c),
                Err(_) => return bad(t, "partner"),
            }
        };
        members.push(GroupMember {
            name: member,
            partner,
            role: (!role.is_empty()).then(|| role.to_owned()),
        });
    }
    let g = Group {
        code: code.clone(),
        name,
        kind: GroupKind::Working,
        mandate: value(&form, "mandate").trim().to_owned(),
        end_date,
        members,
    };
    match state.store.save_group(&ctx.actor(), &g).await {
        Ok(()) => Redirect::to(&format!("/governance/groups?code={code}")).into_response(),
        Err(e) => failed(e, t),
    }
}
