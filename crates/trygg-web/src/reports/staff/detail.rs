//! `GET /reports/{id}`: everything about one report, with its history,
//! photos, likely duplicates, a small map and the change form;
//! `POST /reports/{id}`: the change; `GET /reports/photos/{id}`: a photo.

use super::queue::all_states;
use super::scope::Scope;
use super::view::{self, Names, html, layout, local_time, now_ms, store_error};
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::Tr;
use crate::pages::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use trygg_core::{Area, Code, ReportState, Role};
use trygg_report::map::{MapPoint, MapSpec, render_svg};
use trygg_store::{Change, Report, ReportUpdate, StoreError};

/// The report as the detail page shows it.
struct ReportView {
    id: i64,
    category: String,
    deadline_rule: String,
    place: String,
    district: String,
    responsible: String,
    zone: String,
    reporter_kind: String,
    reporter_org: String,
    reporter_role: String,
    reporter_email: Option<String>,
    state: &'static str,
    created: String,
    seen: String,
    due: String,
    overdue: bool,
    description: String,
    position: String,
    source: String,
    reopened: i64,
    duplicate_of: Option<i64>,
}

struct UpdateView {
    at: String,
    who: String,
    state: Option<&'static str>,
    note: String,
    public: bool,
}

struct PhotoView {
    id: i64,
    width: u32,
    height: u32,
}

struct DuplicateView {
    id: i64,
    category: String,
    place: String,
    age: String,
    state: &'static str,
}

#[derive(Template)]
#[template(path = "reports_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    r: ReportView,
    history: Vec<UpdateView>,
    photos: Vec<PhotoView>,
    duplicates: Vec<DuplicateView>,
    can_mark_duplicate: bool,
    map: Option<String>,
    next_states: Vec<(&'static str, &'static str)>,
    partners: Vec<(String, String)>,
    error: Option<String>,
    notice: Option<&'a str>,
    note: String,
}

/// The query of the detail page (`changed=1` after a change).
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DetailQuery {
    changed: String,
}

fn parse_id(id: &str) -> Option<i64> {
    id.parse::<i64>().ok().filter(|i| *i > 0)
}

/// `GET /reports/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let Some(id) = parse_id(&id) else { return view::not_found(&ctx) };
    let notice = (!q.changed.is_empty()).then(|| ctx.t().get("staff.detail.changed"));
    render(&state, &ctx, id, StatusCode::OK, None, notice, String::new()).await
}

/// Loads the report if the user may see it (`None`: show a 404).
async fn visible(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    boundaries: bool,
) -> trygg_store::Result<Option<(Report, Vec<Area>, Scope)>> {
    let (report, areas) = tokio::try_join!(state.store.report(id), state.store.areas(None, boundaries))?;
    let scope = Scope::of(ctx, &areas);
    Ok(report.filter(|r| scope.sees(r)).map(|r| (r, areas, scope)))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
    note: String,
) -> Response {
    let t = ctx.t();
    let (report, areas, scope) = match visible(state, ctx, id, true).await {
        Ok(Some(x)) => x,
        Ok(None) => return view::not_found(ctx),
        Err(e) => return store_error(e, ctx),
    };
    let loaded = load_extras(state, ctx, &report, &areas, &scope).await;
    let (names, history, photos, duplicates, zone) = match loaded {
        Ok(x) => x,
        Err(e) => return store_error(e, ctx),
    };
    let record = format!("report:{id}");
    if let Err(e) = state.store.audit(&ctx.actor(), "report.read", &record, "").await {
        return store_error(e, ctx);
    }
    let title = t.fill("staff.detail.title", "id", &id.to_string());
    let now = now_ms();
    let page = DetailPage {
        r: report_view(&report, &names, zone, t, ctx.role(), now),
        history,
        photos,
        can_mark_duplicate: report.state.can_become(ReportState::Duplicate),
        duplicates: duplicates
            .iter()
            .map(|d| DuplicateView {
                id: d.id,
                category: names.category(&d.category),
                place: d.place.as_ref().map_or_else(|| names.area(&d.area), |p| names.area(p)),
                age: view::age(t, d.created_at, now),
                state: d.state.key(),
            })
            .collect(),
        map: small_map(&report, &areas, t),
        next_states: all_states().into_iter().filter(|(s, _)| can_move(report.state, s)).collect(),
        partners: names
            .partners
            .iter()
            .filter(|(c, _)| *c != report.responsible)
            .map(|(c, n)| (c.to_string(), n.clone()))
            .collect(),
        error,
        notice,
        note,
        l: layout(ctx, t, &title),
    };
    html(status, page)
}

fn can_move(from: ReportState, to: &str) -> bool {
    to.parse::<ReportState>().is_ok_and(|to| from.can_become(to))
}

type Extras = (Names, Vec<UpdateView>, Vec<PhotoView>, Vec<Report>, String);

async fn load_extras(
    state: &AppState,
    ctx: &Ctx,
    report: &Report,
    areas: &[Area],
    scope: &Scope,
) -> trygg_store::Result<Extras> {
    let english = ctx.lang == crate::Lang::En;
    let duplicates = async {
        match report.position {
            Some(p) => state.store.likely_duplicates(&report.category, p, report.created_at).await,
            None => Ok(Vec::new()),
        }
    };
    let (names, updates, photos, duplicates, zones) = tokio::try_join!(
        Names::load(&state.store, areas, english),
        state.store.report_updates(report.id),
        state.store.report_photos(report.id),
        duplicates,
        state.store.zones(),
    )?;
    let history = history(state, ctx.t(), &names, &updates).await?;
    let photos =
        photos.into_iter().map(|p| PhotoView { id: p.id, width: p.width, height: p.height }).collect();
    let duplicates = duplicates.into_iter().filter(|d| d.id != report.id && scope.sees(d)).collect();
    let zone = report
        .zone
        .as_ref()
        .map(|z| zones.iter().find(|x| &x.code == z).map_or_else(|| z.to_string(), |x| x.name.clone()))
        .unwrap_or_default();
    Ok((names, history, photos, duplicates, zone))
}

/// The updates with the actors named: users by name, organisations by name.
async fn history(
    state: &AppState,
    t: Tr<'_>,
    names: &Names,
    updates: &[ReportUpdate],
) -> trygg_store::Result<Vec<UpdateView>> {
    let mut users: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::with_capacity(updates.len());
    for u in updates {
        let who = match u.actor.split_once(':') {
            Some(("user", id)) => match id.parse::<i64>() {
                Ok(id) => {
                    if let std::collections::hash_map::Entry::Vacant(slot) = users.entry(id) {
                        let name = state
                            .store
                            .user(id)
                            .await?
                            .map_or_else(|| u.actor.clone(), |u| u.name.to_string());
                        slot.insert(name);
                    }
                    users[&id].clone()
                }
                Err(_) => u.actor.clone(),
            },
            Some(("partner", code)) => {
                Code::new(code).map_or_else(|_| u.actor.clone(), |c| names.partner(&c))
            }
            _ if u.actor == "public" => t.get("staff.detail.actor_public").to_owned(),
            _ => u.actor.clone(),
        };
        let who = match &u.actor_org {
            Some(org) if !u.actor.starts_with("partner:") => format!("{who} ({})", names.partner(org)),
            _ => who,
        };
        out.push(UpdateView {
            at: local_time(u.at),
            who,
            state: u.state.map(ReportState::key),
            note: u.note.clone(),
            public: u.public,
        });
    }
    Ok(out)
}

fn report_view(r: &Report, names: &Names, zone: String, t: Tr<'_>, role: Role, now: i64) -> ReportView {
    let deadline_rule =
        names.categories.get(&r.category).map(|c| c.deadline.describe(names.english)).unwrap_or_default();
    let sees_email = matches!(role, Role::Admin | Role::Coordinator);
    ReportView {
        id: r.id,
        category: names.category(&r.category),
        deadline_rule,
        place: r.place.as_ref().map(|p| names.area(p)).unwrap_or_default(),
        district: names.area(&r.area),
        responsible: names.partner(&r.responsible),
        zone,
        reporter_kind: t.get(&format!("report.reporter.{}", r.reporter.kind.as_str())).to_owned(),
        reporter_org: r.reporter.partner.as_ref().map(|p| names.partner(p)).unwrap_or_default(),
        reporter_role: r.reporter.role.clone().unwrap_or_default(),
        reporter_email: r.reporter.email.as_ref().filter(|_| sees_email).map(|e| e.to_string()),
        state: r.state.key(),
        created: local_time(r.created_at),
        seen: local_time(r.seen_at),
        due: local_time(r.due_at),
        overdue: r.is_overdue(now),
        description: r.description.clone(),
        position: r.position.map(|p| format!("{:.5}, {:.5}", p.lat, p.lon)).unwrap_or_default(),
        source: r.source.clone(),
        reopened: r.reopened,
        duplicate_of: r.duplicate_of,
    }
}

fn small_map(r: &Report, areas: &[Area], t: Tr<'_>) -> Option<String> {
    let at = r.position?;
    let shapes = view::district_shapes(areas, std::slice::from_ref(&r.area));
    let label = t.fill("staff.detail.title", "id", &r.id.to_string());
    Some(render_svg(&MapSpec {
        id: "report-map",
        title: &label,
        description: t.get("staff.detail.map_description"),
        shapes,
        points: vec![MapPoint { label: &label, at, class: "report", show_label: false }],
        width: 360,
        ..Default::default()
    }))
}

/// The change form.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ChangeForm {
    state: String,
    note: String,
    public: String,
    reroute_to: String,
    duplicate_of: String,
}

/// `POST /reports/{id}`: a new state, a note, a new organisation or a duplicate mark.
pub async fn change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<ChangeForm>,
) -> Response {
    let Some(id) = parse_id(&id) else { return view::not_found(&ctx) };
    let (report, _, scope) = match visible(&state, &ctx, id, false).await {
        Ok(Some(x)) => x,
        Ok(None) => return view::not_found(&ctx),
        Err(e) => return store_error(e, &ctx),
    };
    let change = match parse_change(&state, &ctx, &scope, &form).await {
        Ok(c) => c,
        Err(message) => {
            return render(&state, &ctx, id, StatusCode::BAD_REQUEST, Some(message), None, form.note).await;
        }
    };
    match state.store.change_report(report.id, &change).await {
        Ok(after) if scope.sees(&after) => Redirect::to(&format!("/reports/{id}?changed=1")).into_response(),
        Ok(_) => Redirect::to("/reports").into_response(),
        Err(StoreError::Invalid(i)) => {
            render(&state, &ctx, id, StatusCode::BAD_REQUEST, Some(i.to_string()), None, form.note).await
        }
        Err(e) => store_error(e, &ctx),
    }
}

/// Checks the form; the message names the field and what was expected.
async fn parse_change(
    state: &AppState,
    ctx: &Ctx,
    scope: &Scope,
    form: &ChangeForm,
) -> Result<Change, String> {
    let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let mut next = match text(&form.state) {
        None => None,
        Some(s) => Some(
            s.parse::<ReportState>().map_err(|_| format!("state: “{s}”; expected a state from the list"))?,
        ),
    };
    let duplicate_of = match text(&form.duplicate_of) {
        None => None,
        Some(d) => {
            let bad = || format!("duplicate_of: “{d}”; expected the number of a report you can see");
            let other = parse_id(&d).ok_or_else(bad)?;
            let seen = state.store.report(other).await.map_err(|_| bad())?.is_some_and(|r| scope.sees(&r));
            if !seen {
                return Err(bad());
            }
            next = next.or(Some(ReportState::Duplicate));
            Some(other)
        }
    };
    let reroute_to = match text(&form.reroute_to) {
        None => None,
        Some(p) => {
            let bad = || format!("reroute_to: “{p}”; expected an organisation from the list");
            let code = Code::new(&p).map_err(|_| bad())?;
            let partners = state.store.partners().await.map_err(|_| bad())?;
            if !partners.iter().any(|x| x.code == code) {
                return Err(bad());
            }
            Some(code)
        }
    };
    Ok(Change {
        actor: ctx.actor(),
        actor_org: scope.org.clone(),
        state: next,
        note: form.note.clone(),
        public: matches!(form.public.as_str(), "on" | "true" | "1"),
        reroute_to,
        duplicate_of,
        at: None,
    })
}

/// `GET /reports/photos/{id}`: a photo of a report the user may see.
pub async fn photo(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Some(id) = parse_id(&id) else { return view::not_found(&ctx) };
    let (meta, bytes) = match state.store.photo(id).await {
        Ok(Some(p)) => p,
        Ok(None) => return view::not_found(&ctx),
        Err(e) => return store_error(e, &ctx),
    };
    match visible(&state, &ctx, meta.report_id, false).await {
        Ok(Some(_)) => {}
        Ok(None) => return view::not_found(&ctx),
        Err(e) => return store_error(e, &ctx),
    }
    let headers =
        [(header::CONTENT_TYPE, meta.content_type), (header::CACHE_CONTROL, "private, max-age=3600".into())];
    (headers, bytes).into_response()
}
