//! Action plans and measures in the browser: the plans of the user's areas,
//! a plan's measures with their latest tertial status, a measure on Brå's
//! template with the causes it addresses, its indicators, how each
//! perspective was considered and its warnings; the golden thread both ways
//! (`/thread`), the evaluation of a place-based measure, and the XLSX export
//! of plans and follow-up.
//!
//! Everyone but administrators sees and changes only the plans of the areas
//! they work in (and the areas under those); another area's plan or measure
//! is answered with 404, as if it did not exist.

mod evaluation;
mod export;
mod measure;
mod plan;
mod thread;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::i18n::Tr;
use crate::pages::with_descendants;
use crate::routes::{Entry, route};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use trygg_core::{Area, Code, Role};
use trygg_store::{Measure, Plan, StoreError, Warning, WarningKind};

/// Who may read plans, measures, the thread and the evaluation.
const READERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member];
/// Who may create and change plans and measures.
const EDITORS: &[Role] = &[Role::Admin, Role::Coordinator];

/// The routes of this part.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/plans", "/plans", READERS), get(plan::list)),
        (route(M::POST, "/plans", "/plans", EDITORS), post(plan::create)),
        (route(M::GET, "/plans/export.xlsx", "/plans/export.xlsx?area=jarva", READERS), get(export::xlsx)),
        (route(M::GET, "/plans/{id}", "/plans/1", READERS), get(plan::detail)),
        (route(M::GET, "/measures/new", "/measures/new?plan=1", EDITORS), get(measure::new_form)),
        (route(M::POST, "/measures", "/measures", EDITORS), post(measure::create)),
        (route(M::GET, "/measures/{id}", "/measures/1", READERS), get(measure::detail)),
        (route(M::GET, "/measures/{id}/edit", "/measures/1/edit", EDITORS), get(measure::edit_form)),
        (route(M::POST, "/measures/{id}", "/measures/1", EDITORS), post(measure::update)),
        (route(M::POST, "/measures/{id}/causes", "/measures/1/causes", EDITORS), post(measure::link_cause)),
        (
            route(M::POST, "/measures/{id}/causes/{cid}/remove", "/measures/1/causes/1/remove", EDITORS),
            post(measure::unlink_cause),
        ),
        (
            route(M::POST, "/measures/{id}/indicators", "/measures/1/indicators", EDITORS),
            post(measure::link_indicator),
        ),
        (
            route(
                M::POST,
                "/measures/{id}/indicators/{code}/remove",
                "/measures/1/indicators/brott/remove",
                EDITORS,
            ),
            post(measure::unlink_indicator),
        ),
        (
            route(M::POST, "/measures/{id}/perspectives", "/measures/1/perspectives", EDITORS),
            post(measure::perspectives),
        ),
        (
            route(M::GET, "/measures/{id}/evaluation", "/measures/1/evaluation", READERS),
            get(evaluation::page),
        ),
        (route(M::GET, "/thread", "/thread?area=jarva", READERS), get(thread::page)),
    ]
}

/// The areas a user may see: every area for administrators, otherwise the
/// areas they work in and those below them.
struct Scope {
    /// Every area (administrators).
    all: bool,
    /// The areas seen, when not `all`.
    areas: Vec<Code>,
}

impl Scope {
    /// The scope of the signed-in user.
    fn of(ctx: &Ctx, all: &[Area]) -> Scope {
        let Some(user) = &ctx.user else { return Scope { all: false, areas: Vec::new() } };
        if user.role == Role::Admin {
            return Scope { all: true, areas: Vec::new() };
        }
        let mut areas: Vec<Code> = Vec::new();
        for mine in &user.areas {
            for code in with_descendants(all, mine) {
                if !areas.contains(&code) {
                    areas.push(code);
                }
            }
        }
        Scope { all: false, areas }
    }

    /// Whether the user may see `area`.
    fn may_see(&self, area: &Code) -> bool {
        self.all || self.areas.contains(area)
    }

    /// `area` and the areas below it, if the user may see it.
    fn under(&self, all: &[Area], area: &Code) -> Option<Vec<Code>> {
        self.may_see(area).then(|| with_descendants(all, area))
    }
}

/// Loads the areas and the user's scope; an error is a finished response.
async fn scope(state: &AppState, ctx: &Ctx) -> Result<(Scope, Vec<Area>), Response> {
    let all = state.store.areas(None, false).await.map_err(|e| store_error(e, ctx.t()))?;
    Ok((Scope::of(ctx, &all), all))
}

/// A store error as a page.
fn store_error(e: StoreError, t: Tr<'_>) -> Response {
    PageError::from_store(e, t).into_response()
}

/// 404 in the visitor's language.
fn not_found(t: Tr<'_>) -> Response {
    PageError::new(StatusCode::NOT_FOUND, t.get("error.not_found")).into_response()
}

/// 400 with a message.
fn bad_request(message: impl Into<String>) -> Response {
    PageError::new(StatusCode::BAD_REQUEST, message).into_response()
}

/// A store error of a form: invalid input is shown in the page's language.
fn invalid_message(e: &StoreError, t: Tr<'_>) -> Option<String> {
    match e {
        StoreError::Invalid(i) => {
            let field = t.get(field_key(i.field));
            Some(format!("{}: {field} ({})", t.get("measures.error.invalid"), i.expected))
        }
        _ => None,
    }
}

/// The translation key of a field named in a validation error.
fn field_key(field: &str) -> &'static str {
    match field {
        "name" => "measures.field.name",
        "goal" => "measures.field.goal",
        "starts" => "measures.field.starts",
        "ends" => "measures.field.ends",
        "owner" => "measures.field.owner",
        "working_group" => "measures.field.working_group",
        "partners" => "measures.field.partners",
        "hours" => "measures.field.hours",
        "money" => "measures.field.money",
        "staff" => "measures.field.staff",
        "competence" => "measures.field.competence",
        "follow_up" => "measures.field.follow_up",
        "direction" => "measures.field.direction",
        "working_method" => "measures.field.working_method",
        "evidence_base" => "measures.field.evidence_base",
        "evidence_reference" => "measures.field.evidence_reference",
        "place" => "measures.field.place",
        "comparison_area" => "measures.field.comparison_area",
        "plan" => "measures.field.plan",
        "cause" => "measures.field.cause",
        "indicator" => "measures.field.indicator",
        "perspective" => "measures.field.perspective",
        "considered" => "measures.field.perspective",
        "valid_from" => "measures.plan.valid_from",
        "valid_to" => "measures.plan.valid_to",
        "unit" => "measures.plan.unit",
        "parent" => "measures.plan.parent",
        "strategy" => "measures.plan.strategy",
        "area" => "measures.field.area",
        _ => "measures.field.unknown",
    }
}

/// A plan the user may see, or a finished 404.
async fn visible_plan(state: &AppState, ctx: &Ctx, scope: &Scope, id: i64) -> Result<Plan, Response> {
    match state.store.plan(id).await {
        Ok(Some(p)) if scope.may_see(&p.area) => Ok(p),
        Ok(_) => Err(not_found(ctx.t())),
        Err(e) => Err(store_error(e, ctx.t())),
    }
}

/// A measure the user may see, or a finished 404.
async fn visible_measure(state: &AppState, ctx: &Ctx, scope: &Scope, id: i64) -> Result<Measure, Response> {
    match state.store.measure(id).await {
        Ok(Some(m)) if scope.may_see(&m.area) => Ok(m),
        Ok(_) => Err(not_found(ctx.t())),
        Err(e) => Err(store_error(e, ctx.t())),
    }
}

/// A warning as a sentence with a link to the record it concerns.
struct WarningView {
    /// The sentence.
    text: String,
    /// Where to fix it.
    href: String,
}

/// Describes warnings in the visitor's language, naming measures and problems (id, title) where known.
fn warning_views(
    warnings: &[Warning],
    measures: &[Measure],
    problems: &[(i64, String)],
    t: Tr<'_>,
) -> Vec<WarningView> {
    warnings
        .iter()
        .map(|w| {
            let measure = w.measure_id.and_then(|id| measures.iter().find(|m| m.id == id));
            let record = match (w.kind, measure, w.problem_id, &w.indicator) {
                (WarningKind::ProblemWithoutMeasure, _, Some(p), _) => problems
                    .iter()
                    .find(|(id, _)| *id == p)
                    .map_or_else(|| format!("#{p}"), |(_, t)| t.clone()),
                (WarningKind::IndicatorNotMoving, Some(m), _, Some(i)) => format!("{} ({i})", m.name),
                (_, Some(m), _, _) => m.name.clone(),
                (_, None, _, Some(i)) => i.to_string(),
                _ => String::new(),
            };
            let key = format!("measures.warning.{}", w.kind.as_str());
            let mut text = t.fill(&key, "record", &record).replace("{area}", w.area.as_str());
            if !w.missing.is_empty() {
                let missing: Vec<&str> = w.missing.iter().map(Code::as_str).collect();
                text = format!("{text}: {}", missing.join(", "));
            }
            let href = match (w.problem_id, w.measure_id, &w.indicator) {
                (Some(p), _, _) => format!("/problems/{p}"),
                (_, Some(m), _) => format!("/measures/{m}"),
                (_, _, Some(i)) => format!("/indicators/{i}?area={}", w.area),
                _ => String::new(),
            };
            WarningView { text, href }
        })
        .collect()
}

/// A number in the visitor's language (decimal comma in Swedish), with `decimals` decimals.
fn number(t: Tr<'_>, x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}").replace('-', "−");
    if t.lang.tag() == "sv" { s.replace('.', ",") } else { s }
}
