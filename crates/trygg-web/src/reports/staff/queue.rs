//! `GET /reports`: the queue with filters, map and pages; `POST /reports/bulk`:
//! acknowledge or close many reports at once.

use super::filters::{FilterForm, Filters, PAGE_SIZE, resolve};
use super::scope::Scope;
use super::view::{self, Names, Row, html, layout, now_ms, store_error};
use crate::AppState;
use crate::ctx::Ctx;
use crate::pages::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use trygg_core::{Area, AreaLevel, ReportState};
use trygg_store::{Change, ReportQuery, StoreError};

/// The most reports drawn on the queue's map.
const MAP_LIMIT: i64 = 20_000;
/// The most reports one bulk action may change.
const BULK_LIMIT: usize = 500;

#[derive(Template)]
#[template(path = "reports_queue.html")]
struct QueuePage<'a> {
    l: Layout<'a>,
    form: FilterForm,
    query_string: String,
    rows: Vec<Row>,
    total: i64,
    page: i64,
    pages: i64,
    map: String,
    areas: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    states: Vec<(&'static str, &'static str)>,
    orgs: Vec<(String, String)>,
    is_partner: bool,
}

/// Every workflow state as (value, translation key).
pub fn all_states() -> Vec<(&'static str, &'static str)> {
    use ReportState as S;
    [S::Received, S::Acknowledged, S::InProgress, S::Fixed, S::NotResponsible, S::Duplicate, S::NoAction]
        .into_iter()
        .map(|s| (s.as_str(), s.key()))
        .collect()
}

/// District areas and districts the user may filter by, as (code, name).
pub fn area_options(areas: &[Area], scope: &Scope) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = areas
        .iter()
        .filter(|a| matches!(a.level, AreaLevel::DistrictArea | AreaLevel::District))
        .filter(|a| scope.sees_area(areas, &a.code))
        .map(|a| (a.code.to_string(), a.name.to_string()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// `GET /reports`.
pub async fn queue(State(state): State<AppState>, ctx: Ctx, Query(form): Query<FilterForm>) -> Response {
    let t = ctx.t();
    let areas = match state.store.areas(None, true).await {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let names = match Names::load(&state.store, &areas, t.lang == crate::Lang::En).await {
        Ok(n) => n,
        Err(e) => return store_error(e, &ctx),
    };
    let scope = Scope::of(&ctx, &areas);
    let now = now_ms();
    let filters = match resolve(&form, &scope, &areas, &names, now) {
        Ok(f) => f,
        Err(e) => return view::bad_request(e.to_string()),
    };
    let (total, rows, on_map) = match read_page(&state, &filters).await {
        Ok(x) => x,
        Err(e) => return store_error(e, &ctx),
    };
    let map = view::reports_map(
        "queue-map",
        t.get("staff.queue.map_title"),
        t.get("staff.queue.map_description"),
        view::district_shapes(&areas, &scope.map_districts(&areas, filters.area.as_ref())),
        &on_map,
        &names,
    );
    let page = QueuePage {
        query_string: form.query_string(),
        rows: rows.iter().map(|r| Row::of(r, &names, t, now)).collect(),
        total,
        page: filters.page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        map,
        areas: area_options(&areas, &scope),
        categories: names.leaf_options(),
        states: all_states(),
        orgs: names.partners.iter().map(|(c, n)| (c.to_string(), n.clone())).collect(),
        is_partner: scope.is_partner(),
        form,
        l: layout(&ctx, t, t.get("staff.queue.title")),
    };
    html(StatusCode::OK, page)
}

type PageData = (i64, Vec<trygg_store::Report>, Vec<trygg_store::Report>);

async fn read_page(state: &AppState, filters: &Filters) -> trygg_store::Result<PageData> {
    let Some(q) = &filters.query else { return Ok((0, Vec::new(), Vec::new())) };
    let paged =
        ReportQuery { limit: Some(PAGE_SIZE), offset: Some((filters.page - 1) * PAGE_SIZE), ..q.clone() };
    let all = ReportQuery { limit: Some(MAP_LIMIT), ..q.clone() };
    tokio::try_join!(state.store.count_reports(q), state.store.reports(&paged), state.store.reports(&all))
}

struct Outcome {
    id: i64,
    ok: bool,
    text: String,
}

#[derive(Template)]
#[template(path = "reports_bulk.html")]
struct BulkPage<'a> {
    l: Layout<'a>,
    outcomes: Vec<Outcome>,
    changed: usize,
}

/// `POST /reports/bulk`: fields `id` (repeated), `action` (`acknowledge`,
/// `fixed` or `no_action`), `note` and `public`.
pub async fn bulk(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let t = ctx.t();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str());
    let ids: Result<Vec<i64>, _> = fields
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.trim().parse::<i64>().map_err(|_| v))
        .collect();
    let ids = match ids {
        Ok(ids) if !ids.is_empty() && ids.len() <= BULK_LIMIT => ids,
        Ok(ids) => {
            let shown = format!("{} reports", ids.len());
            return view::bad_request(format!("id: {shown}; expected 1–{BULK_LIMIT} selected reports"));
        }
        Err(v) => return view::bad_request(format!("id: “{v}”; expected report numbers")),
    };
    let target = match field("action") {
        "acknowledge" => ReportState::Acknowledged,
        "fixed" => ReportState::Fixed,
        "no_action" => ReportState::NoAction,
        other => {
            return view::bad_request(format!("action: “{other}”; expected acknowledge, fixed or no_action"));
        }
    };
    let areas = match state.store.areas(None, false).await {
        Ok(a) => a,
        Err(e) => return store_error(e, &ctx),
    };
    let scope = Scope::of(&ctx, &areas);
    let change = Change {
        actor: ctx.actor(),
        actor_org: scope.org.clone(),
        state: Some(target),
        note: field("note").to_owned(),
        public: field("public") == "on" || field("public") == "true",
        ..Change::default()
    };
    let mut outcomes = Vec::with_capacity(ids.len());
    for id in ids {
        outcomes.push(apply(&state, &ctx, &scope, id, &change).await);
    }
    let changed = outcomes.iter().filter(|o| o.ok).count();
    html(StatusCode::OK, BulkPage { l: layout(&ctx, t, t.get("staff.bulk.title")), outcomes, changed })
}

async fn apply(state: &AppState, ctx: &Ctx, scope: &Scope, id: i64, change: &Change) -> Outcome {
    let t = ctx.t();
    let fail = |text: String| Outcome { id, ok: false, text };
    let report = match state.store.report(id).await {
        Ok(Some(r)) if scope.sees(&r) => r,
        Ok(_) => return fail(t.get("staff.bulk.not_found").to_owned()),
        Err(e) => {
            tracing::error!(error = %e, id, "bulk change: reading the report failed");
            return fail(t.get("error.internal").to_owned());
        }
    };
    if Some(report.state) == change.state {
        return fail(t.get("staff.bulk.already").to_owned());
    }
    match state.store.change_report(id, change).await {
        Ok(after) => Outcome { id, ok: true, text: t.get(after.state.key()).to_owned() },
        Err(StoreError::Invalid(i)) => fail(i.to_string()),
        Err(StoreError::NotFound { .. }) => fail(t.get("staff.bulk.not_found").to_owned()),
        Err(e) => {
            tracing::error!(error = %e, id, "bulk change failed");
            fail(t.get("error.internal").to_owned())
        }
    }
}
