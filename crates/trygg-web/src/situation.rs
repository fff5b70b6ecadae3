//! The situation report (lägesbild) in the browser: choose an area and a
//! period, read the report, download it as HTML, PDF, XLSX or JSON, edit the
//! generated summary and publish a versioned snapshot that can be shown and
//! downloaded again exactly as it was published.

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::pages::{Layout, html, local_time, with_descendants};
use crate::routes::{Entry, route};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trygg_core::{AreaLevel, Code, Role, find_personal_data};
use trygg_report::doc::Doc;
use trygg_report::output::{Format, render};
use trygg_report::situation::{ReportPeriod, SituationError, SituationRequest, build, to_doc};
use trygg_report::text::Lang;
use trygg_store::{NewSnapshot, SnapshotInfo};

/// Who may read situation reports: the city's staff and the steering group.
pub(crate) const READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member];
/// Who may publish one.
pub(crate) const PUBLISHERS: &[Role] = &[Role::Admin, Role::Coordinator];
/// The longest summary accepted, in characters.
const MAX_SUMMARY: usize = 10_000;

/// The routes of this module.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/situation", "/situation?area=jarva&period=2025", READERS), get(page)),
        (
            route(
                M::GET,
                "/situation/download",
                "/situation/download?area=jarva&period=2025&format=json",
                READERS,
            ),
            get(download),
        ),
        (route(M::POST, "/situation/publish", "/situation/publish", PUBLISHERS), post(publish)),
        (route(M::GET, "/situation/snapshots/{id}", "/situation/snapshots/1", READERS), get(snapshot)),
    ]
}

/// The report asked for in the query string (`category` may repeat).
#[derive(Debug, Default)]
pub struct ReportQuery {
    area: Option<String>,
    more_areas: Vec<String>,
    period: Option<String>,
    comparison: Option<String>,
    categories: Vec<String>,
    format: Option<String>,
}

impl ReportQuery {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut q = ReportQuery::default();
        for (key, value) in pairs {
            match key.as_str() {
                "area" if q.area.is_none() => q.area = Some(value),
                "area" if q.more_areas.len() < 50 && !value.is_empty() => q.more_areas.push(value),
                "period" => q.period = Some(value),
                "comparison" => q.comparison = Some(value),
                "format" => q.format = Some(value),
                "category" if !value.trim().is_empty() && q.categories.len() < 50 => {
                    q.categories.push(value.trim().chars().take(200).collect())
                }
                _ => {}
            }
        }
        q
    }
}

#[derive(Template)]
#[template(path = "situation.html")]
struct SituationPage<'a> {
    l: Layout<'a>,
    areas: Vec<(String, String)>,
    area: String,
    period: String,
    comparison: String,
    category_choices: Vec<(String, bool)>,
    categories: String,
    more_areas: Vec<String>,
    error: Option<String>,
    report: Option<String>,
    query: String,
    summary: String,
    may_publish: bool,
    snapshot: Option<SnapshotInfo>,
    published: Vec<(SnapshotInfo, String)>,
    /// Links that start a problem from a hot spot: (place, href).
    problem_links: Vec<(String, String)>,
}

pub(crate) fn lang_of(ctx: &Ctx) -> Lang {
    Lang::from_tag(ctx.lang.tag()).unwrap_or_default()
}

/// Checks the query and the user's areas; the request or the page's error text.
async fn request_of(state: &AppState, ctx: &Ctx, q: &ReportQuery) -> Result<SituationRequest, String> {
    let t = ctx.t();
    let area = Code::new(q.area.as_deref().unwrap_or("jarva"))
        .map_err(|_| t.get("situation.error.area").to_owned())?;
    let period: ReportPeriod = q
        .period
        .as_deref()
        .unwrap_or("2025")
        .parse()
        .map_err(|_| t.get("situation.error.period").to_owned())?;
    let mut more_areas = Vec::new();
    for a in q.more_areas.iter().filter(|a| !a.is_empty()) {
        let code = Code::new(a).map_err(|_| t.get("situation.error.area").to_owned())?;
        if !may_see(state, ctx, &code).await {
            return Err(t.get("situation.error.not-your-area").to_owned());
        }
        more_areas.push(code);
    }
    let comparison = match q.comparison.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => Some(Code::new(c).map_err(|_| t.get("situation.error.area").to_owned())?),
        None => None,
    };
    if !may_see(state, ctx, &area).await {
        return Err(t.get("situation.error.not-your-area").to_owned());
    }
    Ok(SituationRequest {
        area,
        more_areas,
        period,
        comparison,
        categories: q.categories.clone(),
        now: trygg_store::now_ms(),
    })
}

/// Administrators see every area; others the areas they work in and those below them.
pub(crate) async fn may_see(state: &AppState, ctx: &Ctx, area: &Code) -> bool {
    let Some(user) = &ctx.user else { return false };
    if user.role == Role::Admin {
        return true;
    }
    let Ok(all) = state.store.areas(None, false).await else { return false };
    user.areas.iter().any(|mine| with_descendants(&all, mine).contains(area))
}

fn situation_error(e: SituationError, ctx: &Ctx) -> String {
    let t = ctx.t();
    match e {
        SituationError::UnknownArea(_) => t.get("situation.error.area").to_owned(),
        SituationError::FuturePeriod(_) => t.get("situation.error.future").to_owned(),
        SituationError::Store(e) => {
            tracing::error!(error = %e, "situation report failed");
            t.get("error.internal").to_owned()
        }
    }
}

/// The areas a report can be made for: district areas, districts and places of Järva's seed, Järva first.
pub(crate) async fn area_choices(state: &AppState) -> Vec<(String, String)> {
    let Ok(all) = state.store.areas(None, false).await else { return Vec::new() };
    let mut out: Vec<(String, String)> = all
        .iter()
        .filter(|a| a.level == AreaLevel::DistrictArea)
        .map(|a| (a.code.to_string(), a.name.to_string()))
        .collect();
    let in_seed: Vec<Code> = all
        .iter()
        .filter(|a| a.level == AreaLevel::DistrictArea)
        .flat_map(|a| with_descendants(&all, &a.code))
        .collect();
    out.extend(
        all.iter()
            .filter(|a| {
                matches!(a.level, AreaLevel::District | AreaLevel::Place) && in_seed.contains(&a.code)
            })
            .map(|a| (a.code.to_string(), a.name.to_string())),
    );
    out.dedup();
    out
}

/// The most frequent event categories (at most 40), marked when chosen.
async fn category_choices(state: &AppState, chosen: &[String]) -> Vec<(String, bool)> {
    let counts = state.store.event_counts(&trygg_store::EventQuery::default()).await.unwrap_or_default();
    let mut names: Vec<String> = counts.into_iter().take(40).map(|(c, _)| c).collect();
    names.sort();
    names
        .into_iter()
        .map(|c| {
            let on = chosen.contains(&c);
            (c, on)
        })
        .collect()
}

/// `GET /situation`: the form and the report.
pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let q = ReportQuery::from_pairs(pairs);
    let t = ctx.t();
    let mut page = SituationPage {
        l: Layout::new(&ctx, t, t.get("situation.title")),
        areas: area_choices(&state).await,
        area: q.area.clone().unwrap_or_else(|| "jarva".into()),
        period: q.period.clone().unwrap_or_else(|| "2025".into()),
        comparison: q.comparison.clone().unwrap_or_default(),
        category_choices: category_choices(&state, &q.categories).await,
        categories: q.categories.join("\n"),
        more_areas: q.more_areas.clone(),
        error: None,
        report: None,
        query: String::new(),
        summary: String::new(),
        may_publish: PUBLISHERS.contains(&ctx.role()),
        snapshot: None,
        published: Vec::new(),
        problem_links: Vec::new(),
    };
    let request = match request_of(&state, &ctx, &q).await {
        Ok(r) => r,
        Err(e) => {
            page.error = Some(e);
            return (StatusCode::BAD_REQUEST, html(page)).into_response();
        }
    };
    match build(&state.store, &request).await {
        Ok(situation) => {
            let lang = lang_of(&ctx);
            let doc = to_doc(&situation, lang, None);
            page.summary = trygg_report::situation::summary(&situation, trygg_report::text::Texts::new(lang))
                .join("\n\n");
            page.report = Some(trygg_report::html::render_fragment(&doc));
            page.query = query_of(&request);
            page.published = published(&state, &request.area).await;
            if PUBLISHERS.contains(&ctx.role()) {
                page.problem_links = problem_links(&situation, &request, ctx.t());
            }
            html(page)
        }
        Err(e) => {
            page.error = Some(situation_error(e, &ctx));
            (StatusCode::BAD_REQUEST, html(page)).into_response()
        }
    }
}

/// One link per hot place: a new problem prefilled with the hot spot as its evidence.
fn problem_links(
    s: &trygg_report::situation::Situation,
    r: &SituationRequest,
    t: crate::i18n::Tr<'_>,
) -> Vec<(String, String)> {
    use crate::pages::encode;
    let Some(grid) = &s.hotspots.grid else { return Vec::new() };
    if !matches!(r.period, ReportPeriod::One(_)) || !r.more_areas.is_empty() {
        return Vec::new();
    }
    grid.hot_places
        .iter()
        .map(|place| {
            let title = t.fill("situation.problem-title", "place", place);
            let note =
                t.fill("situation.problem-note", "place", place).replace("{period}", &r.period.to_string());
            let href = format!(
                "/problems/new?area={}&period={}&evidence_kind=hotspot&reference={}&note={}&title={}",
                r.area,
                r.period,
                encode(&format!("situation:{}:{}:hotspots", r.area, r.period)),
                encode(&note),
                encode(&title)
            );
            (place.clone(), href)
        })
        .collect()
}

fn query_of(r: &SituationRequest) -> String {
    let mut q = format!("area={}", r.area);
    for a in &r.more_areas {
        q.push_str(&format!("&area={a}"));
    }
    q.push_str(&format!("&period={}", crate::pages::encode(&r.period.to_string())));
    if let Some(c) = &r.comparison {
        q.push_str(&format!("&comparison={c}"));
    }
    for c in &r.categories {
        q.push_str(&format!("&category={}", crate::pages::encode(c)));
    }
    q
}

async fn published(state: &AppState, area: &Code) -> Vec<(SnapshotInfo, String)> {
    state
        .store
        .snapshots(Some(area))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            let when = local_time(s.published_at);
            (s, when)
        })
        .collect()
}

/// `GET /situation/download?…&format=html|pdf|xlsx|json`: the report as a file.
pub async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let q = ReportQuery::from_pairs(pairs);
    let t = ctx.t();
    let Some(format) = q.format.as_deref().and_then(Format::parse) else {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("situation.error.format")).into_response();
    };
    let request = match request_of(&state, &ctx, &q).await {
        Ok(r) => r,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, e).into_response(),
    };
    match build(&state.store, &request).await {
        Ok(situation) => {
            let doc = to_doc(&situation, lang_of(&ctx), None);
            let name = format!("lagesbild-{}-{}", request.area, request.period);
            file(&doc, format, &name, &ctx).await
        }
        Err(e) => PageError::new(StatusCode::BAD_REQUEST, situation_error(e, &ctx)).into_response(),
    }
}

/// Renders `doc` as a download (off the async threads: a PDF takes a while).
pub(crate) async fn file(doc: &Doc, format: Format, name: &str, ctx: &Ctx) -> Response {
    let doc = doc.clone();
    let rendered = tokio::task::spawn_blocking(move || render(&doc, format)).await;
    match rendered {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, format.content_type().to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.{}\"", format.extension()),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "rendering the report failed");
            PageError::new(StatusCode::INTERNAL_SERVER_ERROR, ctx.t().get("error.internal")).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering task failed");
            PageError::new(StatusCode::INTERNAL_SERVER_ERROR, ctx.t().get("error.internal")).into_response()
        }
    }
}

/// The publish form.
#[derive(Debug, Deserialize)]
pub struct PublishForm {
    area: String,
    period: String,
    #[serde(default)]
    comparison: String,
    /// The categories, joined by newlines.
    #[serde(default)]
    categories: String,
    /// The further areas of a custom set, joined by newlines.
    #[serde(default)]
    more_areas: String,
    summary: String,
}

/// `POST /situation/publish`: stores the report with the edited summary as the next version.
pub async fn publish(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PublishForm>) -> Response {
    let t = ctx.t();
    if f.summary.chars().count() > MAX_SUMMARY {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("situation.error.summary-long"))
            .into_response();
    }
    if !find_personal_data(&f.summary).is_empty() {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("situation.error.summary-personal"))
            .into_response();
    }
    let lines = |s: &str| s.lines().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
    let q = ReportQuery {
        area: Some(f.area),
        more_areas: lines(&f.more_areas),
        period: Some(f.period),
        comparison: Some(f.comparison),
        categories: f
            .categories
            .lines()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect(),
        format: None,
    };
    let request = match request_of(&state, &ctx, &q).await {
        Ok(r) => r,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, e).into_response(),
    };
    let situation = match build(&state.store, &request).await {
        Ok(s) => s,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, situation_error(e, &ctx)).into_response(),
    };
    let paragraphs: Vec<String> = f
        .summary
        .replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect();
    let doc = to_doc(&situation, lang_of(&ctx), (!paragraphs.is_empty()).then_some(paragraphs.as_slice()));
    publish_doc(&state, &ctx, "situation", &request.area, &request.period.to_string(), &doc).await
}

/// Stores `doc` as the next published version of its report and shows it.
pub(crate) async fn publish_doc(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    area: &Code,
    period: &str,
    doc: &Doc,
) -> Response {
    let t = ctx.t();
    let Ok(json) = serde_json::to_string(doc) else {
        return PageError::new(StatusCode::INTERNAL_SERVER_ERROR, t.get("error.internal")).into_response();
    };
    let new = NewSnapshot { kind, area, period, lang: &doc.lang, title: &doc.title, document: &json };
    match state.store.publish_snapshot(&ctx.actor(), &new).await {
        Ok(info) => Redirect::to(&format!("/situation/snapshots/{}", info.id)).into_response(),
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// `GET /situation/snapshots/{id}[?format=…]`: a published version, as published.
pub async fn snapshot(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let q = ReportQuery::from_pairs(pairs);
    let t = ctx.t();
    let not_found = || PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response();
    let snap = match state.store.snapshot(id).await {
        Ok(Some(s)) => s,
        Ok(None) => return not_found(),
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    if !may_see(&state, &ctx, &snap.info.area).await {
        return not_found();
    }
    let Ok(doc) = serde_json::from_str::<Doc>(&snap.document) else {
        tracing::error!(id, "a stored report snapshot does not parse");
        return PageError::new(StatusCode::INTERNAL_SERVER_ERROR, t.get("error.internal")).into_response();
    };
    if let Some(format) = q.format.as_deref() {
        let Some(format) = Format::parse(format) else {
            return PageError::new(StatusCode::BAD_REQUEST, t.get("situation.error.format")).into_response();
        };
        let name = format!("lagesbild-{}-{}-v{}", snap.info.area, snap.info.period, snap.info.version);
        return file(&doc, format, &name, &ctx).await;
    }
    let page = SituationPage {
        l: Layout::new(&ctx, t, &doc.title),
        areas: Vec::new(),
        area: snap.info.area.to_string(),
        period: snap.info.period.clone(),
        comparison: String::new(),
        category_choices: Vec::new(),
        categories: String::new(),
        more_areas: Vec::new(),
        error: None,
        report: Some(trygg_report::html::render_fragment(&doc)),
        query: String::new(),
        summary: String::new(),
        may_publish: false,
        published: Vec::new(),
        snapshot: Some(snap.info),
        problem_links: Vec::new(),
    };
    html(page)
}
