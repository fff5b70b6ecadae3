//! Problems and their cause analyses in the browser: the prioritised list,
//! a form for a new problem (prefilled from a link in the situation report,
//! with the evidence attached on save), and a problem's page with its
//! statement, evidence and cause analysis laid out as Swedish practitioners
//! use it (fishbone, problem-analysis triangle, risk and protective factors
//! by level, event chain), every claim without evidence marked as an
//! assumption, and the measures that address each cause.
//!
//! Everyone but administrators sees and changes only the problems of the
//! areas they work in (and the areas under those); another area's problem
//! is answered with 404, as if it did not exist.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::{Layout, html, local_time, with_descendants};
use crate::routes::{Entry, route};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trygg_core::{
    Area, AreaLevel, CauseKind, Code, EvidenceKind, FactorLevel, Invalid, Period, Role, find_personal_data,
};
use trygg_store::{
    Cause, Evidence, MAX_CHAIN_POSITION, MAX_PROBLEM_TEXT, NewCause, NewEvidence, NewProblem, Problem,
    ProblemOverview, StoreError,
};

/// Who may read problems and cause analyses.
const READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member];
/// Who may create and change them.
const EDITORS: &[Role] = &[Role::Admin, Role::Coordinator];

/// The routes of this part.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/problems", "/problems", READERS), get(list)),
        (route(M::GET, "/problems/new", "/problems/new?area=jarva", EDITORS), get(new_form)),
        (route(M::POST, "/problems", "/problems", EDITORS), post(create)),
        (route(M::GET, "/problems/{id}", "/problems/1", READERS), get(detail)),
        (route(M::POST, "/problems/{id}", "/problems/1", EDITORS), post(update)),
        (route(M::POST, "/problems/{id}/closed", "/problems/1/closed", EDITORS), post(set_closed)),
        (route(M::POST, "/problems/{id}/evidence", "/problems/1/evidence", EDITORS), post(add_evidence)),
        (
            route(M::POST, "/problems/{id}/evidence/{eid}/remove", "/problems/1/evidence/1/remove", EDITORS),
            post(remove_evidence),
        ),
        (route(M::POST, "/problems/{id}/causes", "/problems/1/causes", EDITORS), post(add_cause)),
        (route(M::POST, "/problems/{id}/causes/{cid}", "/problems/1/causes/1", EDITORS), post(update_cause)),
        (
            route(M::POST, "/problems/{id}/causes/{cid}/remove", "/problems/1/causes/1/remove", EDITORS),
            post(remove_cause),
        ),
    ]
}

// ---------------------------------------------------------------- scoping

/// The areas a user may see: `None` for every area (administrators);
/// otherwise the user's areas and every area under them.
fn visible(ctx: &Ctx, all: &[Area]) -> Option<Vec<Code>> {
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

fn may_see(scope: &Option<Vec<Code>>, area: &Code) -> bool {
    scope.as_ref().is_none_or(|codes| codes.contains(area))
}

/// The areas a problem can be filed under, as (code, name): the district
/// areas and the districts and places under them that the user may see.
fn area_choices(all: &[Area], scope: &Option<Vec<Code>>) -> Vec<(String, String)> {
    let mut under_district_areas: Vec<Code> = Vec::new();
    for a in all.iter().filter(|a| a.level == AreaLevel::DistrictArea) {
        under_district_areas.extend(with_descendants(all, &a.code));
    }
    let mut out: Vec<(String, String)> = Vec::new();
    for level in [AreaLevel::DistrictArea, AreaLevel::District, AreaLevel::Place] {
        for a in all.iter().filter(|a| a.level == level) {
            let listed = under_district_areas.contains(&a.code) || scope.is_some();
            if listed && may_see(scope, &a.code) && !out.iter().any(|(c, _)| c == a.code.as_str()) {
                out.push((a.code.to_string(), a.name.to_string()));
            }
        }
    }
    out
}

/// The choices with `code` first if it is not among them (so that a form never moves a problem silently).
fn with_area(mut choices: Vec<(String, String)>, all: &[Area], code: &Code) -> Vec<(String, String)> {
    if !choices.iter().any(|(c, _)| c == code.as_str()) {
        choices.insert(0, (code.to_string(), area_name(all, code)));
    }
    choices
}

/// Everything a page needs about the user's areas, or the error response.
async fn areas_of(state: &AppState, ctx: &Ctx) -> Result<(Vec<Area>, Option<Vec<Code>>), Response> {
    match state.store.areas(None, false).await {
        Ok(all) => {
            let scope = visible(ctx, &all);
            Ok((all, scope))
        }
        Err(e) => Err(PageError::from_store(e, ctx.t()).into_response()),
    }
}

/// The problem `id`, if it exists and lies in the user's areas; otherwise the 404 (or 500) response.
async fn problem_in_scope(state: &AppState, ctx: &Ctx, id: i64) -> Result<(Problem, Vec<Area>), Response> {
    let (all, scope) = areas_of(state, ctx).await?;
    match state.store.problem(id).await {
        Ok(Some(p)) if may_see(&scope, &p.area) => Ok((p, all)),
        Ok(_) => Err(not_found(ctx)),
        Err(e) => Err(PageError::from_store(e, ctx.t()).into_response()),
    }
}

fn not_found(ctx: &Ctx) -> Response {
    PageError::new(StatusCode::NOT_FOUND, ctx.t().get("error.not_found")).into_response()
}

fn bad_request(message: impl Into<String>) -> Response {
    PageError::new(StatusCode::BAD_REQUEST, message).into_response()
}

// ---------------------------------------------------------------- names and messages

fn cause_kind_key(k: CauseKind) -> &'static str {
    match k {
        CauseKind::Victim => "problems.kind.victim",
        CauseKind::Offender => "problems.kind.offender",
        CauseKind::Place => "problems.kind.place",
        CauseKind::Handler => "problems.kind.handler",
        CauseKind::Guardian => "problems.kind.guardian",
        CauseKind::Manager => "problems.kind.manager",
        CauseKind::Risk => "problems.kind.risk",
        CauseKind::Protective => "problems.kind.protective",
        CauseKind::Chain => "problems.kind.chain",
    }
}

fn level_key(l: FactorLevel) -> &'static str {
    match l {
        FactorLevel::Individual => "problems.level.individual",
        FactorLevel::Group => "problems.level.group",
        FactorLevel::Community => "problems.level.community",
    }
}

fn evidence_kind_key(k: EvidenceKind) -> &'static str {
    match k {
        EvidenceKind::Area => "problems.evidence-kind.area",
        EvidenceKind::Category => "problems.evidence-kind.category",
        EvidenceKind::Hotspot => "problems.evidence-kind.hotspot",
        EvidenceKind::Survey => "problems.evidence-kind.survey",
        EvidenceKind::Statistics => "problems.evidence-kind.statistics",
        EvidenceKind::Document => "problems.evidence-kind.document",
    }
}

/// A store validation error in the visitor's language, naming the field.
fn invalid_message(t: Tr<'_>, e: &Invalid) -> String {
    let key = match e.field {
        "title" => "problems.error.title",
        "what" => "problems.error.what",
        "place" => "problems.error.place",
        "time" => "problems.error.time",
        "affected" => "problems.error.affected",
        "priority" => "problems.error.priority",
        "area" => "problems.error.area",
        "reference" => "problems.error.reference",
        "note" => "problems.error.note",
        "text" => "problems.error.text",
        "evidence" => "problems.error.evidence",
        "level" => "problems.error.level",
        "position" => "problems.error.position",
        _ => return e.to_string(),
    };
    t.get(key).to_owned()
}

/// A store error as the message of a form, or the response for anything but validation.
fn form_error(e: StoreError, ctx: &Ctx) -> Result<String, PageError> {
    match e {
        StoreError::Invalid(i) => Ok(invalid_message(ctx.t(), &i)),
        other => Err(PageError::from_store(other, ctx.t())),
    }
}

/// The first check that free texts pass before the store sees them: no personal data.
fn personal_data_message(t: Tr<'_>, texts: &[&str]) -> Option<String> {
    texts
        .iter()
        .any(|s| !find_personal_data(s).is_empty())
        .then(|| t.get("problems.error.personal").to_owned())
}

fn too_long(t: Tr<'_>, texts: &[&str]) -> Option<String> {
    texts
        .iter()
        .any(|s| s.chars().count() > MAX_PROBLEM_TEXT)
        .then(|| t.get("problems.error.too-long").to_owned())
}

/// A link into the situation report for a reference of the form
/// `situation:AREA:PERIOD[:SECTION]`, checked so that nothing else gets into the URL.
fn evidence_link(reference: &str) -> Option<String> {
    let mut parts = reference.strip_prefix("situation:")?.split(':');
    let area = Code::new(parts.next()?).ok()?;
    let period: Period = parts.next()?.parse().ok()?;
    let mut link = format!("/situation?area={area}&period={period}");
    if let Some(section) = parts.next() {
        let section = Code::new(section).ok()?;
        link.push_str(&format!("#{section}"));
    }
    parts.next().is_none().then_some(link)
}

fn options<T: Copy>(
    all: &[T],
    code: impl Fn(T) -> &'static str,
    key: impl Fn(T) -> &'static str,
    t: Tr<'_>,
) -> Vec<(String, String)> {
    all.iter().map(|v| (code(*v).to_owned(), t.get(key(*v)).to_owned())).collect()
}

// ---------------------------------------------------------------- the list

struct ListRow {
    id: i64,
    title: String,
    area: String,
    priority: i64,
    closed: bool,
    causes: i64,
    assumptions: i64,
    evidence: i64,
}

#[derive(Template)]
#[template(path = "problems.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    rows: Vec<ListRow>,
    may_edit: bool,
}

fn area_name(all: &[Area], code: &Code) -> String {
    all.iter().find(|a| &a.code == code).map_or_else(|| code.to_string(), |a| a.name.to_string())
}

/// `GET /problems`: the problems of the user's areas, open ones first, by priority.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.t();
    let (all, scope) = match areas_of(&state, &ctx).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let overviews: Vec<ProblemOverview> = match &scope {
        // A user with no areas sees nothing (an empty slice would mean every area).
        Some(codes) if codes.is_empty() => Vec::new(),
        _ => match state.store.problem_overviews(scope.as_deref().unwrap_or(&[])).await {
            Ok(o) => o,
            Err(e) => return PageError::from_store(e, t).into_response(),
        },
    };
    let rows = overviews
        .into_iter()
        .map(|o| ListRow {
            id: o.problem.id,
            area: area_name(&all, &o.problem.area),
            title: o.problem.title,
            priority: o.problem.priority,
            closed: o.problem.closed,
            causes: o.causes,
            assumptions: o.assumptions,
            evidence: o.evidence,
        })
        .collect();
    html(ListPage {
        l: Layout::new(&ctx, t, t.get("problems.title")),
        rows,
        may_edit: EDITORS.contains(&ctx.role()),
    })
}

// ---------------------------------------------------------------- a new problem

/// The values of the problem form (also the prefill from the query string).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ProblemForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    affected: String,
    #[serde(default)]
    priority: String,
    #[serde(default)]
    evidence_kind: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    note: String,
}

/// The prefill of a new problem, as linked from the situation report.
#[derive(Debug, Deserialize, Default)]
pub struct NewQuery {
    area: Option<String>,
    period: Option<String>,
    evidence_kind: Option<String>,
    reference: Option<String>,
    note: Option<String>,
    title: Option<String>,
}

#[derive(Template)]
#[template(path = "problems_new.html")]
struct NewPage<'a> {
    l: Layout<'a>,
    f: ProblemForm,
    period: String,
    areas: Vec<(String, String)>,
    evidence_kinds: Vec<(String, String)>,
    error: Option<String>,
}

fn new_page(
    ctx: &Ctx,
    all: &[Area],
    scope: &Option<Vec<Code>>,
    f: ProblemForm,
    period: String,
    error: Option<String>,
) -> Response {
    let t = ctx.t();
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let mut areas = area_choices(all, scope);
    if let Ok(code) = Code::new(&f.area)
        && all.iter().any(|a| a.code == code)
        && may_see(scope, &code)
    {
        areas = with_area(areas, all, &code);
    }
    let page = NewPage {
        l: Layout::new(ctx, t, t.get("problems.new.title")),
        f,
        period,
        areas,
        evidence_kinds: options(EvidenceKind::ALL, EvidenceKind::as_str, evidence_kind_key, t),
        error,
    };
    (status, html(page)).into_response()
}

/// Checks an area given as text against the user's areas; the code or the message.
fn area_in_scope(t: Tr<'_>, all: &[Area], scope: &Option<Vec<Code>>, area: &str) -> Result<Code, String> {
    let code = Code::new(area.trim()).map_err(|_| t.get("problems.error.area").to_owned())?;
    if !all.iter().any(|a| a.code == code) {
        return Err(t.get("problems.error.area").to_owned());
    }
    if !may_see(scope, &code) {
        return Err(t.get("problems.error.not-your-area").to_owned());
    }
    Ok(code)
}

/// `GET /problems/new[?area&period&evidence_kind&reference&note&title]`: the form, prefilled.
pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NewQuery>) -> Response {
    let t = ctx.t();
    let (all, scope) = match areas_of(&state, &ctx).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let area = q.area.clone().unwrap_or_default();
    if !area.is_empty()
        && let Err(message) = area_in_scope(t, &all, &scope, &area)
    {
        return bad_request(message);
    }
    let period = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => match p.parse::<Period>() {
            Ok(p) => p.to_string(),
            Err(_) => return bad_request(t.get("problems.error.period")),
        },
        None => String::new(),
    };
    let kind = q.evidence_kind.clone().unwrap_or_default();
    if !kind.is_empty() && kind.parse::<EvidenceKind>().is_err() {
        return bad_request(t.get("problems.error.evidence-kind"));
    }
    let (reference, note, title) =
        (q.reference.unwrap_or_default(), q.note.unwrap_or_default(), q.title.unwrap_or_default());
    if let Some(message) = too_long(t, &[&reference, &note, &title]) {
        return bad_request(message);
    }
    let f = ProblemForm {
        area,
        title,
        time: period.clone(),
        priority: "5".into(),
        evidence_kind: kind,
        reference,
        note,
        ..ProblemForm::default()
    };
    new_page(&ctx, &all, &scope, f, period, None)
}

/// Turns the form into a problem, or the message to show.
fn problem_of(
    t: Tr<'_>,
    all: &[Area],
    scope: &Option<Vec<Code>>,
    f: &ProblemForm,
) -> Result<NewProblem, String> {
    let area = area_in_scope(t, all, scope, &f.area)?;
    let priority: i64 = f.priority.trim().parse().map_err(|_| t.get("problems.error.priority").to_owned())?;
    if let Some(m) = personal_data_message(t, &[&f.title, &f.what, &f.place, &f.time, &f.affected]) {
        return Err(m);
    }
    Ok(NewProblem {
        area,
        title: f.title.clone(),
        what: f.what.clone(),
        place: f.place.clone(),
        time: f.time.clone(),
        affected: f.affected.clone(),
        priority,
    })
}

/// The evidence of the form, if a reference was given; or the message to show.
fn evidence_of(t: Tr<'_>, kind: &str, reference: &str, note: &str) -> Result<Option<NewEvidence>, String> {
    if reference.trim().is_empty() {
        return if note.trim().is_empty() {
            Ok(None)
        } else {
            Err(t.get("problems.error.reference").to_owned())
        };
    }
    let kind: EvidenceKind = kind.parse().map_err(|_| t.get("problems.error.evidence-kind").to_owned())?;
    if let Some(m) = personal_data_message(t, &[reference, note]) {
        return Err(m);
    }
    Ok(Some(NewEvidence { kind, reference: reference.to_owned(), note: note.to_owned() }))
}

/// `POST /problems`: creates the problem (with its evidence) and shows it.
pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ProblemForm>) -> Response {
    let t = ctx.t();
    let (all, scope) = match areas_of(&state, &ctx).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let checked = problem_of(t, &all, &scope, &f)
        .and_then(|p| evidence_of(t, &f.evidence_kind, &f.reference, &f.note).map(|e| (p, e)));
    let (problem, evidence) = match checked {
        Ok(v) => v,
        Err(message) => return new_page(&ctx, &all, &scope, f, String::new(), Some(message)),
    };
    let evidence: Vec<NewEvidence> = evidence.into_iter().collect();
    match state.store.create_problem(&ctx.actor(), &problem, &evidence).await {
        Ok(p) => Redirect::to(&format!("/problems/{}", p.id)).into_response(),
        Err(e) => match form_error(e, &ctx) {
            Ok(message) => new_page(&ctx, &all, &scope, f, String::new(), Some(message)),
            Err(error) => error.into_response(),
        },
    }
}

// ---------------------------------------------------------------- a problem's page

/// A claim of the analysis as shown.
struct Claim {
    id: i64,
    text: String,
    evidence: Option<String>,
    measures: Vec<(i64, String)>,
}

/// A cause with its form values, for the editing table.
struct EditRow {
    id: i64,
    kind: String,
    kind_name: String,
    level: String,
    level_name: String,
    position: i64,
    text: String,
    evidence: String,
}

struct EvidenceRow {
    id: i64,
    kind: String,
    reference: String,
    note: String,
    link: Option<String>,
}

/// One level of the risk and protective factors.
struct LevelRow {
    name: String,
    risk: Vec<Claim>,
    protective: Vec<Claim>,
}

#[derive(Template)]
#[template(path = "problems_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    p: Problem,
    area: String,
    created: String,
    evidence: Vec<EvidenceRow>,
    victim: Vec<Claim>,
    offender: Vec<Claim>,
    place: Vec<Claim>,
    handler: Vec<Claim>,
    guardian: Vec<Claim>,
    manager: Vec<Claim>,
    levels: Vec<LevelRow>,
    chain: Vec<Claim>,
    edit_rows: Vec<EditRow>,
    assumptions: usize,
    assumptions_text: String,
    may_edit: bool,
    f: ProblemForm,
    areas: Vec<(String, String)>,
    cause_kinds: Vec<(String, String)>,
    levels_options: Vec<(String, String)>,
    evidence_kinds: Vec<(String, String)>,
    max_step: i64,
}

/// `GET /problems/{id}`: the statement, the evidence and the cause analysis.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let t = ctx.t();
    let (p, all) = match problem_in_scope(&state, &ctx, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let (evidence, causes) = match (state.store.problem_evidence(id).await, state.store.causes(id).await) {
        (Ok(e), Ok(c)) => (e, c),
        (Err(e), _) | (_, Err(e)) => return PageError::from_store(e, t).into_response(),
    };
    let mut claims: Vec<(Cause, Claim)> = Vec::new();
    for c in causes {
        let measures = match state.store.measures_for_cause(c.id).await {
            Ok(ms) => ms.into_iter().map(|m| (m.id, m.name)).collect(),
            Err(e) => return PageError::from_store(e, t).into_response(),
        };
        let claim = Claim { id: c.id, text: c.text.clone(), evidence: c.evidence.clone(), measures };
        claims.push((c, claim));
    }
    let of = |kind: CauseKind, level: Option<FactorLevel>| -> Vec<Claim> {
        claims
            .iter()
            .filter(|(c, _)| c.kind == kind && (level.is_none() || c.level == level))
            .map(|(_, cl)| Claim {
                id: cl.id,
                text: cl.text.clone(),
                evidence: cl.evidence.clone(),
                measures: cl.measures.clone(),
            })
            .collect()
    };
    let levels = FactorLevel::ALL
        .iter()
        .map(|&lv| LevelRow {
            name: t.get(level_key(lv)).to_owned(),
            risk: of(CauseKind::Risk, Some(lv)),
            protective: of(CauseKind::Protective, Some(lv)),
        })
        .collect();
    let assumptions = claims.iter().filter(|(c, _)| c.is_assumption()).count();
    let edit_rows = claims
        .iter()
        .map(|(c, _)| EditRow {
            id: c.id,
            kind: c.kind.as_str().to_owned(),
            kind_name: t.get(cause_kind_key(c.kind)).to_owned(),
            level: c.level.map(FactorLevel::as_str).unwrap_or_default().to_owned(),
            level_name: c.level.map(|l| t.get(level_key(l)).to_owned()).unwrap_or_default(),
            position: c.position,
            text: c.text.clone(),
            evidence: c.evidence.clone().unwrap_or_default(),
        })
        .collect();
    let scope = visible(&ctx, &all);
    let page = DetailPage {
        l: Layout::new(&ctx, t, &p.title),
        area: area_name(&all, &p.area),
        created: local_time(p.created_at),
        evidence: evidence
            .into_iter()
            .map(|e: Evidence| EvidenceRow {
                id: e.id,
                kind: t.get(evidence_kind_key(e.kind)).to_owned(),
                link: evidence_link(&e.reference),
                reference: e.reference,
                note: e.note,
            })
            .collect(),
        victim: of(CauseKind::Victim, None),
        offender: of(CauseKind::Offender, None),
        place: of(CauseKind::Place, None),
        handler: of(CauseKind::Handler, None),
        guardian: of(CauseKind::Guardian, None),
        manager: of(CauseKind::Manager, None),
        levels,
        chain: of(CauseKind::Chain, None),
        edit_rows,
        assumptions,
        assumptions_text: t
            .fill("problems.assumptions-count", "n", &assumptions.to_string())
            .replace("{total}", &claims.len().to_string()),
        may_edit: EDITORS.contains(&ctx.role()),
        areas: with_area(area_choices(&all, &scope), &all, &p.area),
        f: ProblemForm {
            area: p.area.to_string(),
            title: p.title.clone(),
            what: p.what.clone(),
            place: p.place.clone(),
            time: p.time.clone(),
            affected: p.affected.clone(),
            priority: p.priority.to_string(),
            ..ProblemForm::default()
        },
        cause_kinds: options(CauseKind::ALL, CauseKind::as_str, cause_kind_key, t),
        levels_options: options(FactorLevel::ALL, FactorLevel::as_str, level_key, t),
        evidence_kinds: options(EvidenceKind::ALL, EvidenceKind::as_str, evidence_kind_key, t),
        max_step: MAX_CHAIN_POSITION,
        p,
    };
    html(page)
}

fn to_problem(id: i64) -> Response {
    Redirect::to(&format!("/problems/{id}")).into_response()
}

fn to_analysis(id: i64) -> Response {
    Redirect::to(&format!("/problems/{id}#analysis")).into_response()
}

/// `POST /problems/{id}`: changes the statement, area and priority.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ProblemForm>,
) -> Response {
    let t = ctx.t();
    let (_, all) = match problem_in_scope(&state, &ctx, id).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let scope = visible(&ctx, &all);
    let problem = match problem_of(t, &all, &scope, &f) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    match state.store.update_problem(&ctx.actor(), id, &problem).await {
        Ok(_) => to_problem(id),
        Err(e) => form_error(e, &ctx).map_or_else(IntoResponse::into_response, bad_request),
    }
}

/// The close/reopen form.
#[derive(Debug, Deserialize, Default)]
pub struct ClosedForm {
    #[serde(default)]
    closed: String,
}

/// `POST /problems/{id}/closed`: closes (`closed=1`) or reopens (`closed=0`) the problem.
pub async fn set_closed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ClosedForm>,
) -> Response {
    if let Err(r) = problem_in_scope(&state, &ctx, id).await {
        return r;
    }
    let closed = match f.closed.as_str() {
        "1" => true,
        "0" => false,
        _ => return bad_request(ctx.t().get("problems.error.closed")),
    };
    match state.store.set_problem_closed(&ctx.actor(), id, closed).await {
        Ok(_) => to_problem(id),
        Err(e) => PageError::from_store(e, ctx.t()).into_response(),
    }
}

/// The evidence form.
#[derive(Debug, Deserialize, Default)]
pub struct EvidenceForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    note: String,
}

/// `POST /problems/{id}/evidence`: adds evidence.
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<EvidenceForm>,
) -> Response {
    let t = ctx.t();
    if let Err(r) = problem_in_scope(&state, &ctx, id).await {
        return r;
    }
    let evidence = match evidence_of(t, &f.kind, &f.reference, &f.note) {
        Ok(Some(e)) => e,
        Ok(None) => return bad_request(t.get("problems.error.reference")),
        Err(message) => return bad_request(message),
    };
    match state.store.add_evidence(&ctx.actor(), id, &evidence).await {
        Ok(_) => Redirect::to(&format!("/problems/{id}#evidence")).into_response(),
        Err(e) => form_error(e, &ctx).map_or_else(IntoResponse::into_response, bad_request),
    }
}

/// `POST /problems/{id}/evidence/{eid}/remove`: removes a piece of evidence.
pub async fn remove_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, eid)): Path<(i64, i64)>,
) -> Response {
    if let Err(r) = problem_in_scope(&state, &ctx, id).await {
        return r;
    }
    match state.store.remove_evidence(&ctx.actor(), id, eid).await {
        Ok(_) => Redirect::to(&format!("/problems/{id}#evidence")).into_response(),
        Err(e) => PageError::from_store(e, ctx.t()).into_response(),
    }
}

/// The cause form.
#[derive(Debug, Deserialize, Default)]
pub struct CauseForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    position: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    evidence: String,
}

/// Turns the form into a cause, or the message to show. A level given for
/// a kind without levels, or a step for a kind other than a chain, is
/// ignored (the form shows both fields for every kind).
fn cause_of(t: Tr<'_>, f: &CauseForm) -> Result<NewCause, String> {
    let kind: CauseKind = f.kind.parse().map_err(|_| t.get("problems.error.kind").to_owned())?;
    let level = match (kind.has_level(), f.level.trim()) {
        (false, _) | (true, "") => None,
        (true, l) => Some(l.parse::<FactorLevel>().map_err(|_| t.get("problems.error.level").to_owned())?),
    };
    let position = if kind == CauseKind::Chain {
        f.position.trim().parse::<i64>().map_err(|_| t.get("problems.error.position").to_owned())?
    } else {
        0
    };
    if let Some(m) = personal_data_message(t, &[&f.text, &f.evidence]) {
        return Err(m);
    }
    let evidence = Some(f.evidence.trim()).filter(|e| !e.is_empty()).map(str::to_owned);
    Ok(NewCause { kind, level, position, text: f.text.clone(), evidence })
}

/// `POST /problems/{id}/causes`: adds a cause to the analysis.
pub async fn add_cause(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<CauseForm>,
) -> Response {
    if let Err(r) = problem_in_scope(&state, &ctx, id).await {
        return r;
    }
    let cause = match cause_of(ctx.t(), &f) {
        Ok(c) => c,
        Err(message) => return bad_request(message),
    };
    match state.store.add_cause(&ctx.actor(), id, &cause).await {
        Ok(_) => to_analysis(id),
        Err(e) => form_error(e, &ctx).map_or_else(IntoResponse::into_response, bad_request),
    }
}

/// The cause `cid` if it belongs to problem `id` in the user's areas; otherwise the response.
async fn cause_in_scope(state: &AppState, ctx: &Ctx, id: i64, cid: i64) -> Result<Cause, Response> {
    problem_in_scope(state, ctx, id).await?;
    match state.store.cause(cid).await {
        Ok(Some(c)) if c.problem_id == id => Ok(c),
        Ok(_) => Err(not_found(ctx)),
        Err(e) => Err(PageError::from_store(e, ctx.t()).into_response()),
    }
}

/// `POST /problems/{id}/causes/{cid}`: changes a cause.
pub async fn update_cause(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
    Form(f): Form<CauseForm>,
) -> Response {
    if let Err(r) = cause_in_scope(&state, &ctx, id, cid).await {
        return r;
    }
    let cause = match cause_of(ctx.t(), &f) {
        Ok(c) => c,
        Err(message) => return bad_request(message),
    };
    match state.store.update_cause(&ctx.actor(), cid, &cause).await {
        Ok(_) => to_analysis(id),
        Err(e) => form_error(e, &ctx).map_or_else(IntoResponse::into_response, bad_request),
    }
}

/// `POST /problems/{id}/causes/{cid}/remove`: removes a cause.
pub async fn remove_cause(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> Response {
    if let Err(r) = cause_in_scope(&state, &ctx, id, cid).await {
        return r;
    }
    match state.store.remove_cause(&ctx.actor(), cid).await {
        Ok(_) => to_analysis(id),
        Err(e) => PageError::from_store(e, ctx.t()).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::evidence_link;

    #[test]
    fn situation_references_become_links_and_nothing_else_does() {
        assert_eq!(
            evidence_link("situation:jarva:2025:hotspots").as_deref(),
            Some("/situation?area=jarva&period=2025#hotspots")
        );
        assert_eq!(
            evidence_link("situation:tensta:2025-T2").as_deref(),
            Some("/situation?area=tensta&period=2025-T2")
        );
        for bad in [
            "survey:jarva:2024",
            "situation:jarva",
            "situation:jarva:20x5",
            "situation:jarva:2025:a\"b",
            "situation:jarva:2025:x:y",
            "situation:<script>:2025",
        ] {
            assert_eq!(evidence_link(bad), None, "{bad}");
        }
    }
}
