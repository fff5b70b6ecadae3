//! Safety walks (trygghetsvandringar) in the browser: the list of walks,
//! recording a walk with its route and participants, a walk's page with the
//! participants, the gender balance, a small map of the route and the
//! findings, adding a finding with a photo (multipart, the photo re-encoded
//! like the report form's), closing a finding as done (optionally with a
//! photo) or declined (with a reason), sending a finding on as an incident
//! report, and the walk protocol as HTML or PDF, including the reasons why
//! declined findings will not be acted on.
//!
//! Reading: Admin, Coordinator, Steering, Member. Writing: Admin,
//! Coordinator, Member. Non-administrators see and change only the walks of
//! their areas and the areas below them. The pages are one column, usable
//! on a phone.

use crate::reports::public::photos;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::{Lang, Tr};
use crate::pages::{Layout, html, with_descendants};
use crate::routes::{EVERYONE, Entry, Guard, route};
use crate::security::verify_csrf;
use askama::Template;
use axum::extract::{DefaultBodyLimit, Form, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use photos::{MAX_UPLOAD_BYTES, PhotoError};
use serde::Deserialize;
use std::collections::HashMap;
use trygg_core::{Area, Code, Date, LatLon, ReporterKind, Role};
use trygg_report::doc::{Block, Cell, Column, Doc, Figure, NumberFormat, Section, Table};
use trygg_report::map::{MapPoint, MapSpec, render_svg};
use trygg_report::output::Format;
use trygg_store::{
    Closure, Finding, FindingState, NewFinding, NewWalk, Participant, ParticipantGroup, Photo, Reporter,
    StoreError, Walk, parse_route,
};

/// Who may read walks and protocols.
const READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member];
/// Who may record walks and findings and close findings.
const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Member];
/// Participant rows offered on the new-walk form.
const PARTICIPANT_ROWS: usize = 5;
/// The largest multipart body accepted (one photo and the fields).
const MAX_FORM_BYTES: usize = MAX_UPLOAD_BYTES + 64 * 1024;
/// The largest text field read from a multipart body, in bytes.
const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The routes of safety walks.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    let multipart = |path, example| route(M::POST, path, example, WRITERS).guarded_by(Guard::CsrfInHandler);
    vec![
        (route(M::GET, "/walks", "/walks", READERS), get(list)),
        (route(M::GET, "/walks/sw.js", "/walks/sw.js", EVERYONE), get(service_worker)),
        (route(M::GET, "/walks/offline.js", "/walks/offline.js", EVERYONE), get(offline_script)),
        (route(M::GET, "/walks/new", "/walks/new", WRITERS), get(new_walk)),
        (route(M::POST, "/walks", "/walks", WRITERS), post(create_walk)),
        (route(M::GET, "/walks/{id}", "/walks/1", READERS), get(detail)),
        (route(M::GET, "/walks/{id}/protocol", "/walks/1/protocol", READERS), get(protocol)),
        (
            multipart("/walks/{id}/findings", "/walks/1/findings"),
            post(add_finding).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        ),
        (
            multipart("/walks/findings/{id}/close", "/walks/findings/1/close"),
            post(close_finding).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        ),
        (
            route(M::POST, "/walks/findings/{id}/report", "/walks/findings/1/report", WRITERS),
            post(report_finding),
        ),
        (
            route(M::POST, "/walks/findings/{id}/measure", "/walks/findings/1/measure", WRITERS),
            post(link_measure),
        ),
        (route(M::GET, "/walks/findings/{id}/photo", "/walks/findings/1/photo", READERS), get(photo)),
        (
            route(M::GET, "/walks/findings/{id}/done-photo", "/walks/findings/1/done-photo", READERS),
            get(done_photo),
        ),
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

async fn scope_of(state: &AppState, ctx: &Ctx) -> Result<(Vec<Area>, Option<Vec<Code>>), Response> {
    let all = state.store.areas(None, false).await.map_err(|e| failed(e, ctx.t()))?;
    let s = scope(ctx, &all);
    Ok((all, s))
}

fn message(status: StatusCode, text: String) -> Response {
    PageError::new(status, text).into_response()
}

fn bad(t: Tr<'_>, key: &str) -> Response {
    message(StatusCode::BAD_REQUEST, t.get(&format!("walks.error.{key}")).to_owned())
}

fn forbidden(t: Tr<'_>) -> Response {
    message(StatusCode::FORBIDDEN, t.get("walks.error.not-your-area").to_owned())
}

fn not_found(t: Tr<'_>) -> Response {
    message(StatusCode::NOT_FOUND, t.get("error.not_found").to_owned())
}

/// A store error as a page; a refused field with this part's message where there is one.
fn failed(e: StoreError, t: Tr<'_>) -> Response {
    match e {
        StoreError::Invalid(i) => {
            let key = format!("walks.error.field.{}", i.field);
            let msg =
                if t.get(&key) == key { i.to_string() } else { format!("{} ({})", t.get(&key), i.value) };
            message(StatusCode::BAD_REQUEST, msg)
        }
        StoreError::Conflict { .. } => message(StatusCode::CONFLICT, t.get("walks.error.already").to_owned()),
        other => PageError::from_store(other, t).into_response(),
    }
}

fn area_name(all: &[Area], code: &Code) -> String {
    all.iter().find(|a| &a.code == code).map_or_else(|| code.to_string(), |a| a.name.to_string())
}

fn group_text(t: Tr<'_>, g: ParticipantGroup) -> String {
    t.get(&format!("walks.groups.{}", g.as_str())).to_owned()
}

fn state_text(t: Tr<'_>, s: FindingState) -> String {
    t.get(&format!("walks.states.{}", s.as_str())).to_owned()
}

/// The walk with `id` if the user may see it, or the page to answer with.
async fn visible_walk(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Walk, Vec<Area>), Response> {
    let t = ctx.t();
    let (all, scope) = scope_of(state, ctx).await?;
    match state.store.walk(id).await {
        Ok(Some(w)) if sees(&scope, &w.area) => Ok((w, all)),
        Ok(Some(_)) => Err(forbidden(t)),
        Ok(None) => Err(not_found(t)),
        Err(e) => Err(failed(e, t)),
    }
}

/// The finding with `id` if the user may see its walk.
async fn visible_finding(state: &AppState, ctx: &Ctx, id: i64) -> Result<Finding, Response> {
    let t = ctx.t();
    let (_, scope) = scope_of(state, ctx).await?;
    match state.store.finding(id).await {
        Ok(Some(f)) if sees(&scope, &f.area) => Ok(f),
        Ok(Some(_)) => Err(forbidden(t)),
        Ok(None) => Err(not_found(t)),
        Err(e) => Err(failed(e, t)),
    }
}

/// Category names by code, in the page's language.
async fn category_names(state: &AppState, english: bool) -> Result<HashMap<Code, String>, StoreError> {
    Ok(state
        .store
        .categories()
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c.name(english).to_owned()))
        .collect())
}

async fn partner_names(state: &AppState) -> Result<HashMap<Code, String>, StoreError> {
    Ok(state.store.partners().await?.into_iter().map(|p| (p.code, p.name.to_string())).collect())
}

// ---------------------------------------------------------------- list

struct WalkRow {
    id: i64,
    area: String,
    walked_on: String,
    participants: i64,
}

#[derive(Template)]
#[template(path = "walks.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    may_edit: bool,
    walks: Vec<WalkRow>,
}

/// `GET /walks`: the walks of the user's areas, latest first.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let walks = match state.store.walks(&scope.clone().unwrap_or_default()).await {
        Ok(w) => w,
        Err(e) => return failed(e, t),
    };
    // A user without areas sees nothing (an empty filter would mean every area).
    let walks = walks.into_iter().filter(|w| sees(&scope, &w.area));
    html(ListPage {
        l: Layout::new(&ctx, t, t.get("walks.title")),
        may_edit: WRITERS.contains(&ctx.role()),
        walks: walks
            .map(|w| {
                let (a, b, c) = w.gender_balance();
                WalkRow {
                    id: w.id,
                    area: area_name(&all, &w.area),
                    walked_on: w.walked_on.to_string(),
                    participants: a + b + c,
                }
            })
            .collect(),
    })
}

// ---------------------------------------------------------------- new walk

#[derive(Template)]
#[template(path = "walks_new.html")]
struct NewPage<'a> {
    l: Layout<'a>,
    areas: Vec<(String, String)>,
    groups: Vec<(&'static str, String)>,
    rows: Vec<usize>,
    today: String,
}

/// `GET /walks/new`: the form to record a walk.
pub async fn new_walk(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (all, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    html(NewPage {
        l: Layout::new(&ctx, t, t.get("walks.new")),
        areas: all
            .iter()
            .filter(|a| sees(&scope, &a.code))
            .map(|a| (a.code.to_string(), a.name.to_string()))
            .collect(),
        groups: ParticipantGroup::ALL.iter().map(|g| (g.as_str(), group_text(t, *g))).collect(),
        rows: (0..PARTICIPANT_ROWS).collect(),
        today: today().to_string(),
    })
}

/// The single value of a form field ("" when absent).
fn value<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

fn count_field(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() { Some(0) } else { s.parse().ok().filter(|n| *n >= 0) }
}

/// `POST /walks`: records a walk, then shows it (303).
pub async fn create_walk(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let t = ctx.t();
    let (_, scope) = match scope_of(&state, &ctx).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Ok(area) = value(&form, "area").parse::<Code>() else { return bad(t, "area") };
    if !sees(&scope, &area) {
        return forbidden(t);
    }
    let Ok(walked_on) = value(&form, "walked_on").trim().parse::<Date>() else { return bad(t, "date") };
    let route = match parse_route(value(&form, "route")) {
        Ok(r) => r,
        Err(_) => return bad(t, "route"),
    };
    let mut participants = Vec::new();
    for i in 0..PARTICIPANT_ROWS {
        let organisation = value(&form, &format!("org_{i}")).trim();
        let counts = ["women", "men", "other"].map(|k| count_field(value(&form, &format!("{k}_{i}"))));
        let [Some(women), Some(men), Some(other)] = counts else { return bad(t, "count") };
        if organisation.is_empty() {
            if women + men + other > 0 {
                return bad(t, "organisation");
            }
            continue;
        }
        let Ok(group) = value(&form, &format!("group_{i}")).parse::<ParticipantGroup>() else {
            return bad(t, "group");
        };
        participants.push(Participant { organisation: organisation.to_owned(), group, women, men, other });
    }
    let new = NewWalk { area, walked_on, route, notes: value(&form, "notes").to_owned(), participants };
    match state.store.create_walk(&ctx.actor(), &new).await {
        Ok(w) => Redirect::to(&format!("/walks/{}", w.id)).into_response(),
        Err(e) => failed(e, t),
    }
}

// ---------------------------------------------------------------- detail

struct ParticipantRow {
    organisation: String,
    group: String,
    women: i64,
    men: i64,
    other: i64,
}

struct FindingRow {
    id: i64,
    number: usize,
    category: String,
    description: String,
    position: String,
    responsible: String,
    deadline: String,
    overdue: bool,
    state: &'static str,
    state_text: String,
    closed: String,
    has_photo: bool,
    has_done_photo: bool,
    report_id: Option<i64>,
    measure_id: Option<i64>,
}

#[derive(Template)]
#[template(path = "walks_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    may_edit: bool,
    walk: Walk,
    area: String,
    participants: Vec<ParticipantRow>,
    balance: (i64, i64, i64),
    map: String,
    findings: Vec<FindingRow>,
    categories: Vec<(String, String)>,
    /// Measures a finding can be proposed to: (id, name) of the plans covering the walk's area.
    measures: Vec<(i64, String)>,
    today: String,
}

fn finding_rows(
    t: Tr<'_>,
    findings: &[Finding],
    categories: &HashMap<Code, String>,
    partners: &HashMap<Code, String>,
) -> Vec<FindingRow> {
    let today = today();
    findings
        .iter()
        .enumerate()
        .map(|(i, f)| FindingRow {
            id: f.id,
            number: i + 1,
            category: categories.get(&f.category).cloned().unwrap_or_else(|| f.category.to_string()),
            description: f.description.clone(),
            position: format!("{:.5}, {:.5}", f.position.lat, f.position.lon),
            responsible: f.responsible.as_ref().map_or_else(
                || t.get("walks.no-responsible").to_owned(),
                |c| partners.get(c).cloned().unwrap_or_else(|| c.to_string()),
            ),
            deadline: format!("{}{}", f.deadline, if f.rebuild { t.get("walks.rebuild-mark") } else { "" }),
            overdue: f.is_overdue(today),
            state: f.state.as_str(),
            state_text: state_text(t, f.state),
            closed: match f.state {
                FindingState::Done => f.done_on.map(|d| d.to_string()).unwrap_or_default(),
                FindingState::Declined => f.decline_reason.clone().unwrap_or_default(),
                FindingState::Open => String::new(),
            },
            has_photo: f.has_photo,
            has_done_photo: f.has_done_photo,
            report_id: f.report_id,
            measure_id: f.measure_id,
        })
        .collect()
}

/// The map of a walk: the route's points in order and the findings, numbered.
fn walk_map(t: Tr<'_>, walk: &Walk, findings: &[Finding], width: u32) -> String {
    let route_labels: Vec<String> =
        (1..=walk.route.len()).map(|i| t.fill("walks.map-route-point", "n", &i.to_string())).collect();
    let finding_labels: Vec<String> =
        (1..=findings.len()).map(|i| t.fill("walks.map-finding", "n", &i.to_string())).collect();
    let mut points: Vec<MapPoint<'_>> = walk
        .route
        .iter()
        .zip(&route_labels)
        .map(|(p, label)| MapPoint { label, at: *p, class: "route", show_label: false })
        .collect();
    points.extend(findings.iter().zip(&finding_labels).map(|(f, label)| MapPoint {
        label,
        at: f.position,
        class: "finding",
        show_label: true,
    }));
    let spec = MapSpec {
        id: "walk-map",
        title: t.get("walks.map-title"),
        description: t.get("walks.map-description"),
        points,
        width,
        north_arrow: true,
        scale_bar: true,
        ..MapSpec::default()
    };
    render_svg(&spec)
}

/// `GET /walks/{id}`: the walk, its participants, map and findings, with the forms.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let t = ctx.t();
    let (walk, all) = match visible_walk(&state, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let english = ctx.lang == Lang::En;
    let (findings, names, partners, categories) = match tokio::try_join!(
        state.store.walk_findings(id),
        category_names(&state, english),
        partner_names(&state),
        state.store.categories()
    ) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    let choices = categories
        .iter()
        .filter(|c| c.parent.is_some())
        .map(|c| (c.code.to_string(), c.name(english).to_owned()))
        .collect();
    let measures = match measures_for(&state, &all, &walk.area).await {
        Ok(m) => m.into_iter().map(|m| (m.id, m.name)).collect(),
        Err(e) => return failed(e, t),
    };
    html(DetailPage {
        l: Layout::new(&ctx, t, &t.fill("walks.walk-title", "date", &walk.walked_on.to_string())),
        may_edit: WRITERS.contains(&ctx.role()),
        area: area_name(&all, &walk.area),
        participants: walk
            .participants
            .iter()
            .map(|p| ParticipantRow {
                organisation: p.organisation.clone(),
                group: group_text(t, p.group),
                women: p.women,
                men: p.men,
                other: p.other,
            })
            .collect(),
        balance: walk.gender_balance(),
        map: walk_map(t, &walk, &findings, 480),
        findings: finding_rows(t, &findings, &names, &partners),
        categories: choices,
        measures,
        today: today().to_string(),
        walk,
    })
}

/// The measures of the plans that cover `area` (plans of the area, of an area above it, or below it).
async fn measures_for(
    state: &AppState,
    all: &[trygg_core::Area],
    area: &Code,
) -> trygg_store::Result<Vec<trygg_store::Measure>> {
    let below = with_descendants(all, area);
    Ok(state
        .store
        .measures(&[])
        .await?
        .into_iter()
        .filter(|m| below.contains(&m.area) || with_descendants(all, &m.area).contains(area))
        .collect())
}

/// The form that proposes a finding to a measure.
#[derive(Debug, Deserialize)]
pub struct MeasureForm {
    measure: i64,
}

/// `POST /walks/findings/{id}/measure`: links the finding to a measure of the plans covering its area.
pub async fn link_measure(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<MeasureForm>,
) -> Response {
    let t = ctx.t();
    let finding = match visible_finding(&state, &ctx, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let all = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return failed(e, t),
    };
    match measures_for(&state, &all, &finding.area).await {
        Ok(list) if list.iter().any(|m| m.id == f.measure) => {}
        Ok(_) => {
            return PageError::new(StatusCode::BAD_REQUEST, t.get("walks.error.measure")).into_response();
        }
        Err(e) => return failed(e, t),
    }
    match state.store.link_finding(&ctx.actor(), id, None, Some(f.measure)).await {
        Ok(_) => Redirect::to(&format!("/walks/{}#finding-{id}", finding.walk_id)).into_response(),
        Err(e) => failed(e, t),
    }
}

// ---------------------------------------------------------------- multipart forms

/// The fields of a multipart form, with at most one photo.
#[derive(Default)]
struct Received {
    fields: HashMap<String, String>,
    photo: Option<Vec<u8>>,
}

/// Reads a multipart form, checks its CSRF token, and re-encodes its photo (if any).
async fn read_multipart(
    state: &AppState,
    ctx: &Ctx,
    req: Request,
) -> Result<(Received, Option<Photo>), Response> {
    let t = ctx.t();
    let csrf_refused = || message(StatusCode::FORBIDDEN, t.get("error.csrf").to_owned());
    let header_ok = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|token| !token.is_empty() && verify_csrf(ctx, token));
    let mut multipart = Multipart::from_request(req, state).await.map_err(|_| bad(t, "not-multipart"))?;
    let mut r = Received::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(message(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    t.get(PhotoError::TooLarge.key()).to_owned(),
                ));
            }
            Err(_) => return Err(bad(t, "malformed")),
        };
        let name = field.name().unwrap_or("").to_owned();
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                message(StatusCode::PAYLOAD_TOO_LARGE, t.get(PhotoError::TooLarge.key()).to_owned())
            } else {
                bad(t, "malformed")
            }
        })?;
        if name == "photo" && is_file {
            if !bytes.is_empty() {
                r.photo = Some(bytes.to_vec());
            }
        } else if bytes.len() > MAX_TEXT_BYTES {
            return Err(bad(t, "too-long"));
        } else {
            r.fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    let token = r.fields.get("csrf").map_or("", String::as_str);
    if !header_ok && !verify_csrf(ctx, token) {
        return Err(csrf_refused());
    }
    let photo = match r.photo.take() {
        Some(bytes) => {
            let job = tokio::task::spawn_blocking(move || photos::reencode(&bytes));
            match job.await.unwrap_or(Err(PhotoError::Broken)) {
                Ok(p) => Some(p),
                Err(e) => return Err(message(StatusCode::BAD_REQUEST, t.get(e.key()).to_owned())),
            }
        }
        None => None,
    };
    Ok((r, photo))
}

fn field<'a>(r: &'a Received, name: &str) -> &'a str {
    r.fields.get(name).map_or("", |s| s.trim())
}

/// `POST /walks/{id}/findings` (multipart): records a finding with an optional photo (303 to the walk).
pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let t = ctx.t();
    let (received, photo) = match read_multipart(&state, &ctx, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Err(r) = visible_walk(&state, &ctx, id).await {
        return r;
    }
    let position = match (field(&received, "lat").parse::<f64>(), field(&received, "lon").parse::<f64>()) {
        (Ok(lat), Ok(lon)) => match LatLon::new(lat, lon) {
            Ok(p) => p,
            Err(_) => return bad(t, "position"),
        },
        _ => return bad(t, "position"),
    };
    let Ok(category) = field(&received, "category").parse::<Code>() else { return bad(t, "category") };
    let new = NewFinding {
        position,
        category,
        description: field(&received, "description").to_owned(),
        photo,
        rebuild: field(&received, "rebuild") == "1",
    };
    match state.store.add_finding(&ctx.actor(), id, &new).await {
        Ok(f) => Redirect::to(&format!("/walks/{id}#finding-{}", f.id)).into_response(),
        Err(e) => failed(e, t),
    }
}

/// `POST /walks/findings/{id}/close` (multipart): done (day, optional photo) or declined (reason).
pub async fn close_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    req: Request,
) -> Response {
    let t = ctx.t();
    let (received, photo) = match read_multipart(&state, &ctx, req).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let finding = match visible_finding(&state, &ctx, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let closure = match field(&received, "outcome") {
        "done" => match field(&received, "done_on").parse::<Date>() {
            Ok(on) => Closure::Done { on, photo },
            Err(_) => return bad(t, "date"),
        },
        "declined" if photo.is_none() => Closure::Declined { reason: field(&received, "reason").to_owned() },
        "declined" => return bad(t, "photo-declined"),
        _ => return bad(t, "outcome"),
    };
    match state.store.close_finding(&ctx.actor(), id, &closure).await {
        Ok(_) => Redirect::to(&format!("/walks/{}#finding-{id}", finding.walk_id)).into_response(),
        Err(e) => failed(e, t),
    }
}

/// `POST /walks/findings/{id}/report`: sends the finding on as an incident report (303 to the walk).
pub async fn report_finding(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let t = ctx.t();
    let finding = match visible_finding(&state, &ctx, id).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    let Some(user) = ctx.user.as_ref() else { return forbidden(t) };
    let reporter = Reporter {
        kind: ReporterKind::Staff,
        user: Some(user.id),
        partner: user.partner.clone(),
        role: None,
        email: None,
    };
    match state.store.report_finding(id, reporter).await {
        Ok(_) => Redirect::to(&format!("/walks/{}#finding-{id}", finding.walk_id)).into_response(),
        Err(e) => failed(e, t),
    }
}

async fn serve_photo(state: &AppState, ctx: &Ctx, id: i64, done: bool) -> Response {
    let t = ctx.t();
    if let Err(r) = visible_finding(state, ctx, id).await {
        return r;
    }
    match state.store.finding_photo(id, done).await {
        Ok(Some(p)) => ([(header::CONTENT_TYPE, p.content_type)], p.bytes).into_response(),
        Ok(None) => not_found(t),
        Err(e) => failed(e, t),
    }
}

/// `GET /walks/findings/{id}/photo`: the photo taken on the walk.
pub async fn photo(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    serve_photo(&state, &ctx, id, false).await
}

/// `GET /walks/findings/{id}/done-photo`: the photo of the result.
pub async fn done_photo(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    serve_photo(&state, &ctx, id, true).await
}

// ---------------------------------------------------------------- protocol

/// The protocol's query: `format=html` (default) or `pdf`.
#[derive(Debug, Deserialize)]
pub struct ProtocolQuery {
    #[serde(default)]
    format: String,
}

fn text_column(header: &str) -> Column {
    Column { header: header.to_owned(), unit: None, format: NumberFormat::Text }
}

fn int_column(header: &str) -> Column {
    Column { header: header.to_owned(), unit: None, format: NumberFormat::Integer }
}

/// The walk protocol as a document: participants and gender balance, the
/// map, every finding with responsible and deadline, and the reasons why
/// declined findings will not be acted on.
fn protocol_doc(t: Tr<'_>, walk: &Walk, area: &str, findings: &[Finding], rows: &[FindingRow]) -> Doc {
    let (women, men, other) = walk.gender_balance();
    let participants = Table {
        id: "participants".into(),
        caption: t.get("walks.participants").to_owned(),
        columns: vec![
            text_column(t.get("walks.organisation")),
            text_column(t.get("walks.group")),
            int_column(t.get("walks.women")),
            int_column(t.get("walks.men")),
            int_column(t.get("walks.other")),
        ],
        rows: walk
            .participants
            .iter()
            .map(|p| {
                vec![
                    Cell::Text(p.organisation.clone()),
                    Cell::Text(group_text(t, p.group)),
                    Cell::Int(p.women),
                    Cell::Int(p.men),
                    Cell::Int(p.other),
                ]
            })
            .collect(),
        source: String::new(),
    };
    let balance = t
        .get("walks.balance-text")
        .replace("{women}", &women.to_string())
        .replace("{men}", &men.to_string())
        .replace("{other}", &other.to_string());
    let table = Table {
        id: "findings".into(),
        caption: t.get("walks.findings").to_owned(),
        columns: vec![
            int_column(t.get("walks.number")),
            text_column(t.get("walks.category")),
            text_column(t.get("walks.description")),
            text_column(t.get("walks.responsible")),
            text_column(t.get("walks.deadline")),
            text_column(t.get("walks.state")),
        ],
        rows: rows
            .iter()
            .map(|r| {
                let state = if r.closed.is_empty() || r.state == "declined" {
                    r.state_text.clone()
                } else {
                    format!("{} {}", r.state_text, r.closed)
                };
                vec![
                    Cell::Int(r.number as i64),
                    Cell::Text(r.category.clone()),
                    Cell::Text(r.description.clone()),
                    Cell::Text(r.responsible.clone()),
                    Cell::Text(r.deadline.clone()),
                    Cell::Text(state),
                ]
            })
            .collect(),
        source: String::new(),
    };
    let declined: Vec<String> = rows
        .iter()
        .filter(|r| r.state == "declined")
        .map(|r| format!("{} {} ({}): {}", t.get("walks.number"), r.number, r.category, r.closed))
        .collect();
    let mut finding_blocks = vec![Block::Table(table)];
    if findings.is_empty() {
        finding_blocks = vec![Block::Paragraph(t.get("walks.no-findings").to_owned())];
    }
    Doc {
        lang: t.lang.tag().to_owned(),
        title: t
            .get("walks.protocol-title")
            .replace("{area}", area)
            .replace("{date}", &walk.walked_on.to_string()),
        subtitle: t.get("walks.protocol-subtitle").to_owned(),
        meta: vec![
            format!("{}: {area}", t.get("walks.area")),
            format!("{}: {}", t.get("walks.date"), walk.walked_on),
        ],
        sections: vec![
            Section {
                id: "participants".into(),
                heading: t.get("walks.participants").to_owned(),
                blocks: {
                    let mut b = vec![Block::Table(participants), Block::Paragraph(balance)];
                    if !walk.notes.is_empty() {
                        b.push(Block::Paragraph(walk.notes.clone()));
                    }
                    b
                },
            },
            Section {
                id: "route".into(),
                heading: t.get("walks.route").to_owned(),
                blocks: vec![Block::Figure(Figure {
                    id: "walk-map".into(),
                    caption: t.get("walks.map-title").to_owned(),
                    alt: t.get("walks.map-description").to_owned(),
                    svg: walk_map(t, walk, findings, 640),
                    source: String::new(),
                })],
            },
            Section {
                id: "findings".into(),
                heading: t.get("walks.findings").to_owned(),
                blocks: finding_blocks,
            },
            Section {
                id: "declined".into(),
                heading: t.get("walks.declined-heading").to_owned(),
                blocks: if declined.is_empty() {
                    vec![Block::Paragraph(t.get("walks.no-declined").to_owned())]
                } else {
                    vec![Block::List(declined)]
                },
            },
        ],
    }
}

/// `GET /walks/{id}/protocol[?format=pdf]`: the walk protocol, HTML shown in the browser or a PDF download.
pub async fn protocol(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<ProtocolQuery>,
) -> Response {
    let t = ctx.t();
    let format = match q.format.as_str() {
        "" | "html" => Format::Html,
        "pdf" => Format::Pdf,
        _ => return bad(t, "format"),
    };
    let (walk, all) = match visible_walk(&state, &ctx, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let english = ctx.lang == Lang::En;
    let (findings, names, partners) = match tokio::try_join!(
        state.store.walk_findings(id),
        category_names(&state, english),
        partner_names(&state)
    ) {
        Ok(x) => x,
        Err(e) => return failed(e, t),
    };
    let rows = finding_rows(t, &findings, &names, &partners);
    let doc = protocol_doc(t, &walk, &area_name(&all, &walk.area), &findings, &rows);
    let name = format!("walk-{}-{}", walk.area, walk.walked_on);
    if format == Format::Pdf {
        return crate::situation::file(&doc, format, &name, &ctx).await;
    }
    match tokio::task::spawn_blocking(move || trygg_report::output::render(&doc, Format::Html)).await {
        Ok(Ok(bytes)) => ([(header::CONTENT_TYPE, format.content_type())], bytes).into_response(),
        _ => message(StatusCode::INTERNAL_SERVER_ERROR, t.get("error.internal").to_owned()),
    }
}

// ---------------------------------------------------------------- offline

/// `GET /walks/sw.js`: the service worker that keeps walk pages and queues
/// findings entered without a connection (no data in it, so open to everyone).
pub async fn service_worker() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "no-cache")],
        include_str!("../assets/walks_sw.js"),
    )
        .into_response()
}

/// `GET /walks/offline.js`: registers the service worker and sends queued findings when online.
pub async fn offline_script() -> Response {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../assets/walks_offline.js"))
        .into_response()
}
