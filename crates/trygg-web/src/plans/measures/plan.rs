//! `GET /plans`, `POST /plans` and `GET /plans/{id}`: the action plans of
//! the user's areas, a new plan, and a plan with its measures and their
//! latest tertial status.

use super::{EDITORS, Scope, invalid_message, scope, store_error, visible_plan};
use crate::AppState;
use crate::ctx::Ctx;
use crate::pages::{Layout, html};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trygg_core::{Area, AreaLevel, Code, Date, PlanKind};
use trygg_store::{NewPlan, Plan};

/// A plan as listed.
struct PlanRow {
    plan: Plan,
    kind: String,
    area: String,
    unit: String,
    parent: String,
    measures: usize,
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage<'a> {
    l: Layout<'a>,
    rows: Vec<PlanRow>,
    may_edit: bool,
    error: Option<String>,
    form: PlanForm,
    overall: Vec<(i64, String)>,
    strategies: Vec<(String, String)>,
    partners: Vec<(String, String)>,
    areas: Vec<(String, String)>,
}

/// The new-plan form (every field optional, so that missing input is a clear 400).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct PlanForm {
    kind: String,
    parent: String,
    strategy: String,
    name: String,
    unit: String,
    area: String,
    valid_from: String,
    valid_to: String,
}

/// The name of `code` among `areas`, or the code.
fn area_name(areas: &[Area], code: &Code) -> String {
    areas.iter().find(|a| &a.code == code).map_or_else(|| code.to_string(), |a| a.name.to_string())
}

/// The district areas and districts the user may choose.
fn area_choices(all: &[Area], scope: &Scope) -> Vec<(String, String)> {
    all.iter()
        .filter(|a| {
            matches!(a.level, AreaLevel::DistrictArea | AreaLevel::District) && scope.may_see(&a.code)
        })
        .map(|a| (a.code.to_string(), a.name.to_string()))
        .collect()
}

/// Renders the list with an optional error and the form as typed.
async fn list_page(state: &AppState, ctx: &Ctx, error: Option<String>, form: PlanForm) -> Response {
    let t = ctx.t();
    let (scope, all) = match scope(state, ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let plans = if scope.all { state.store.plans(&[]).await } else { state.store.plans(&scope.areas).await };
    let plans = match plans {
        Ok(p) => p,
        Err(e) => return store_error(e, t),
    };
    let measures = match state.store.measures(&[]).await {
        Ok(m) => m,
        Err(e) => return store_error(e, t),
    };
    let partners = state.store.partners().await.unwrap_or_default();
    let strategies = state.store.strategies().await.unwrap_or_default();
    let rows = plans
        .iter()
        .map(|p| PlanRow {
            kind: t.get(kind_key(p.kind)).to_owned(),
            area: area_name(&all, &p.area),
            unit: p
                .unit
                .as_ref()
                .map(|u| {
                    partners
                        .iter()
                        .find(|x| &x.code == u)
                        .map_or_else(|| u.to_string(), |x| x.name.to_string())
                })
                .unwrap_or_default(),
            parent: p
                .parent_id
                .and_then(|id| plans.iter().find(|x| x.id == id))
                .map(|x| x.name.clone())
                .unwrap_or_default(),
            measures: measures.iter().filter(|m| m.plan_id == p.id).count(),
            plan: p.clone(),
        })
        .collect();
    let page = ListPage {
        l: Layout::new(ctx, t, t.get("measures.plans.title")),
        rows,
        may_edit: EDITORS.contains(&ctx.role()),
        overall: plans
            .iter()
            .filter(|p| p.kind == PlanKind::Overall)
            .map(|p| (p.id, p.name.clone()))
            .collect(),
        strategies: strategies.iter().map(|s| (s.code.to_string(), s.name.to_string())).collect(),
        partners: partners.iter().map(|p| (p.code.to_string(), p.name.to_string())).collect(),
        areas: area_choices(&all, &scope),
        error,
        form,
    };
    let status = if page.error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    (status, html(page)).into_response()
}

/// The translation key of a plan kind.
pub(super) fn kind_key(kind: PlanKind) -> &'static str {
    match kind {
        PlanKind::Overall => "measures.plan.kind.overall",
        PlanKind::Unit => "measures.plan.kind.unit",
    }
}

/// `GET /plans`: the plans of the user's areas and, for editors, a form for a new one.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Response {
    list_page(&state, &ctx, None, PlanForm { kind: "overall".into(), ..PlanForm::default() }).await
}

/// Parses the form into a plan, or the message to show.
fn parse_form(f: &PlanForm, ctx: &Ctx, scope: &Scope) -> Result<NewPlan, String> {
    let t = ctx.t();
    let missing = |key: &str| format!("{}: {}", t.get("measures.error.missing"), t.get(key));
    let kind: PlanKind = f.kind.parse().map_err(|_| missing("measures.plan.type"))?;
    let strategy = Code::new(f.strategy.trim()).map_err(|_| missing("measures.plan.strategy"))?;
    let area = Code::new(f.area.trim()).map_err(|_| missing("measures.field.area"))?;
    if !scope.may_see(&area) {
        return Err(t.get("measures.error.not-your-area").to_owned());
    }
    let date = |s: &str, key: &str| -> Result<Date, String> {
        s.trim().parse::<Date>().map_err(|_| format!("{}: {}", t.get("measures.error.date"), t.get(key)))
    };
    let parent = match f.parent.trim() {
        "" => None,
        p => Some(p.parse::<i64>().map_err(|_| missing("measures.plan.parent"))?),
    };
    let unit = match f.unit.trim() {
        "" => None,
        u => Some(Code::new(u).map_err(|_| missing("measures.plan.unit"))?),
    };
    Ok(NewPlan {
        kind,
        parent_id: if kind == PlanKind::Overall { None } else { parent },
        strategy,
        name: f.name.clone(),
        unit: if kind == PlanKind::Overall { None } else { unit },
        area,
        valid_from: date(&f.valid_from, "measures.plan.valid_from")?,
        valid_to: date(&f.valid_to, "measures.plan.valid_to")?,
    })
}

/// `POST /plans`: creates a plan and shows it.
pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PlanForm>) -> Response {
    let (scope, _) = match scope(&state, &ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let new = match parse_form(&f, &ctx, &scope) {
        Ok(n) => n,
        Err(message) => return list_page(&state, &ctx, Some(message), f).await,
    };
    if let Some(parent) = new.parent_id {
        match state.store.plan(parent).await {
            Ok(Some(p)) if scope.may_see(&p.area) => {}
            Ok(_) => {
                return list_page(&state, &ctx, Some(ctx.t().get("measures.error.parent").to_owned()), f)
                    .await;
            }
            Err(e) => return store_error(e, ctx.t()),
        }
    }
    match state.store.create_plan(&ctx.actor(), &new).await {
        Ok(plan) => Redirect::to(&format!("/plans/{}", plan.id)).into_response(),
        Err(e) => match invalid_message(&e, ctx.t()) {
            Some(message) => list_page(&state, &ctx, Some(message), f).await,
            None => store_error(e, ctx.t()),
        },
    }
}

/// A measure as listed on its plan's page.
struct MeasureRow {
    id: i64,
    name: String,
    owner: String,
    starts: String,
    ends: String,
    /// The latest tertial and its status, if reported.
    latest: Option<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "plans_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    plan: Plan,
    kind: String,
    area: String,
    strategy: String,
    unit: String,
    parent: Option<(i64, String)>,
    children: Vec<(i64, String)>,
    rows: Vec<MeasureRow>,
    may_edit: bool,
}

/// `GET /plans/{id}`: a plan with its measures and their latest tertial status.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let t = ctx.t();
    let (scope, all) = match scope(&state, &ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let plan = match visible_plan(&state, &ctx, &scope, id).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let measures = match state.store.plan_measures(id).await {
        Ok(m) => m,
        Err(e) => return store_error(e, t),
    };
    let ids: Vec<i64> = measures.iter().map(|m| m.id).collect();
    let latest = match state.store.latest_followups(&ids).await {
        Ok(l) => l,
        Err(e) => return store_error(e, t),
    };
    let plans = state.store.plans(&[]).await.unwrap_or_default();
    let strategy = state
        .store
        .strategies()
        .await
        .unwrap_or_default()
        .into_iter()
        .find(|s| s.code == plan.strategy)
        .map_or_else(|| plan.strategy.to_string(), |s| s.name.to_string());
    let unit = match &plan.unit {
        Some(u) => state
            .store
            .partners()
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|p| &p.code == u)
            .map_or_else(|| u.to_string(), |p| p.name.to_string()),
        None => String::new(),
    };
    let rows = measures
        .iter()
        .map(|m| MeasureRow {
            id: m.id,
            name: m.name.clone(),
            owner: m.owner.clone(),
            starts: m.starts.to_string(),
            ends: m.ends.to_string(),
            latest: latest.get(&m.id).map(|f| {
                let status = f.status.as_str().to_owned();
                let label = t.get(&format!("measures.status.{status}")).to_owned();
                (f.period.clone(), status, label)
            }),
        })
        .collect();
    let page = DetailPage {
        l: Layout::new(&ctx, t, &plan.name),
        kind: t.get(kind_key(plan.kind)).to_owned(),
        area: area_name(&all, &plan.area),
        strategy,
        unit,
        parent: plan.parent_id.and_then(|p| plans.iter().find(|x| x.id == p)).map(|p| (p.id, p.name.clone())),
        children: plans
            .iter()
            .filter(|p| p.parent_id == Some(plan.id) && scope.may_see(&p.area))
            .map(|p| (p.id, p.name.clone()))
            .collect(),
        rows,
        may_edit: EDITORS.contains(&ctx.role()),
        plan,
    };
    html(page)
}
