//! A measure on Brå's template: the new and edit forms, its page with the
//! causes it addresses (linked to their problems), its indicators with their
//! latest values, how each perspective was considered and its warnings, and
//! the forms that link and unlink causes and indicators.

use super::{
    EDITORS, Scope, WarningView, bad_request, invalid_message, not_found, number, scope, store_error,
    visible_measure, visible_plan, warning_views,
};
use crate::AppState;
use crate::ctx::Ctx;
use crate::i18n::Tr;
use crate::pages::{Layout, html, local_time};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::HashMap;
use trygg_core::{Area, AreaLevel, Code, Date, ElementKind, EvidenceBase, Period, StrategyVersion};
use trygg_store::{Measure, MeasureInput, Plan};

/// The measure form: every field as typed (all optional, so that missing input is a clear 400).
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct MeasureForm {
    plan: String,
    name: String,
    goal: String,
    starts: String,
    ends: String,
    owner: String,
    working_group: String,
    partners: String,
    hours: String,
    money: String,
    staff: String,
    competence: String,
    follow_up: String,
    direction: String,
    working_method: String,
    evidence_base: String,
    evidence_reference: String,
    place: String,
    comparison_area: String,
}

impl MeasureForm {
    /// The form filled in from a stored measure.
    fn of(m: &Measure) -> Self {
        let num = |x: Option<f64>| x.map(|x| x.to_string()).unwrap_or_default();
        let code = |c: &Option<Code>| c.as_ref().map(|c| c.to_string()).unwrap_or_default();
        MeasureForm {
            plan: m.plan_id.to_string(),
            name: m.name.clone(),
            goal: m.goal.clone(),
            starts: m.starts.to_string(),
            ends: m.ends.to_string(),
            owner: m.owner.clone(),
            working_group: m.working_group.clone(),
            partners: m.partners.clone(),
            hours: num(m.hours),
            money: num(m.money),
            staff: num(m.staff),
            competence: m.competence.clone(),
            follow_up: m.follow_up.clone(),
            direction: code(&m.direction),
            working_method: code(&m.working_method),
            evidence_base: m.evidence_base.as_str().to_owned(),
            evidence_reference: m.evidence_reference.clone(),
            place: code(&m.place),
            comparison_area: code(&m.comparison_area),
        }
    }

    /// The measure's fields, or the message to show.
    fn parse(&self, plan_id: i64, t: Tr<'_>) -> Result<MeasureInput, String> {
        let field = |key: &str| t.get(key).to_owned();
        let date = |s: &str, key: &str| -> Result<Date, String> {
            s.trim().parse().map_err(|_| format!("{}: {}", t.get("measures.error.date"), field(key)))
        };
        let amount = |s: &str, key: &str| -> Result<Option<f64>, String> {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().replace(',', ".");
            if s.is_empty() {
                return Ok(None);
            }
            match s.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                _ => Err(format!("{}: {}", t.get("measures.error.number"), field(key))),
            }
        };
        let code = |s: &str, key: &str| -> Result<Option<Code>, String> {
            match s.trim() {
                "" => Ok(None),
                s => Code::new(s)
                    .map(Some)
                    .map_err(|_| format!("{}: {}", t.get("measures.error.choice"), field(key))),
            }
        };
        let evidence_base: EvidenceBase = self.evidence_base.parse().map_err(|_| {
            format!("{}: {}", t.get("measures.error.choice"), field("measures.field.evidence_base"))
        })?;
        Ok(MeasureInput {
            plan_id,
            name: self.name.clone(),
            goal: self.goal.clone(),
            starts: date(&self.starts, "measures.field.starts")?,
            ends: date(&self.ends, "measures.field.ends")?,
            owner: self.owner.clone(),
            working_group: self.working_group.clone(),
            partners: self.partners.clone(),
            hours: amount(&self.hours, "measures.field.hours")?,
            money: amount(&self.money, "measures.field.money")?,
            staff: amount(&self.staff, "measures.field.staff")?,
            competence: self.competence.clone(),
            follow_up: self.follow_up.clone(),
            direction: code(&self.direction, "measures.field.direction")?,
            working_method: code(&self.working_method, "measures.field.working_method")?,
            evidence_base,
            evidence_reference: self.evidence_reference.clone(),
            place: code(&self.place, "measures.field.place")?,
            comparison_area: code(&self.comparison_area, "measures.field.comparison_area")?,
        })
    }
}

#[derive(Template)]
#[template(path = "measures_form.html")]
struct FormPage<'a> {
    l: Layout<'a>,
    plan: Plan,
    /// `/measures` or `/measures/{id}`.
    action: String,
    form: MeasureForm,
    error: Option<String>,
    directions: Vec<(String, String)>,
    methods: Vec<(String, String)>,
    bases: Vec<(String, String)>,
    places: Vec<(String, String)>,
}

/// The strategy version of a plan.
async fn strategy_of(state: &AppState, plan: &Plan) -> Option<StrategyVersion> {
    state.store.strategies().await.ok()?.into_iter().find(|s| s.code == plan.strategy)
}

/// The elements of one kind as (code, name).
fn elements(s: &Option<StrategyVersion>, kind: ElementKind) -> Vec<(String, String)> {
    s.iter().flat_map(|s| s.elements_of(kind)).map(|e| (e.code.to_string(), e.name.to_string())).collect()
}

/// Areas a measure can be placed in or compared with: districts and places.
fn place_choices(all: &[Area]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = all
        .iter()
        .filter(|a| matches!(a.level, AreaLevel::District | AreaLevel::Place | AreaLevel::DistrictArea))
        .map(|a| (a.code.to_string(), a.name.to_string()))
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

async fn form_page(
    state: &AppState,
    ctx: &Ctx,
    plan: Plan,
    action: String,
    form: MeasureForm,
    error: Option<String>,
) -> Response {
    let t = ctx.t();
    let strategy = strategy_of(state, &plan).await;
    let all = state.store.areas(None, false).await.unwrap_or_default();
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    let title =
        if action == "/measures" { t.get("measures.new.title") } else { t.get("measures.edit.title") };
    let page = FormPage {
        l: Layout::new(ctx, t, title),
        action,
        form,
        error,
        directions: elements(&strategy, ElementKind::Direction),
        methods: elements(&strategy, ElementKind::WorkingMethod),
        bases: EvidenceBase::ALL
            .iter()
            .map(|b| (b.as_str().to_owned(), t.get(&format!("measures.evidence.{}", b.as_str())).to_owned()))
            .collect(),
        places: place_choices(&all),
        plan,
    };
    (status, html(page)).into_response()
}

/// The plan named in a query or form.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PlanQuery {
    plan: String,
}

/// `GET /measures/new?plan=ID`: an empty measure form for a plan.
pub async fn new_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PlanQuery>) -> Response {
    let Ok(plan_id) = q.plan.trim().parse::<i64>() else {
        return bad_request(ctx.t().get("measures.error.plan"));
    };
    let (scope, _) = match scope(&state, &ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let plan = match visible_plan(&state, &ctx, &scope, plan_id).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let form = MeasureForm {
        plan: plan.id.to_string(),
        evidence_base: EvidenceBase::New.as_str().to_owned(),
        ..MeasureForm::default()
    };
    form_page(&state, &ctx, plan, "/measures".into(), form, None).await
}

/// `POST /measures`: creates a measure and shows it.
pub async fn create(State(state): State<AppState>, ctx: Ctx, Form(f): Form<MeasureForm>) -> Response {
    let Ok(plan_id) = f.plan.trim().parse::<i64>() else {
        return bad_request(ctx.t().get("measures.error.plan"));
    };
    let (scope, _) = match scope(&state, &ctx).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let plan = match visible_plan(&state, &ctx, &scope, plan_id).await {
        Ok(p) => p,
        Err(res) => return res,
    };
    let input = match f.parse(plan.id, ctx.t()) {
        Ok(i) => i,
        Err(message) => return form_page(&state, &ctx, plan, "/measures".into(), f, Some(message)).await,
    };
    match state.store.create_measure(&ctx.actor(), &input).await {
        Ok(m) => Redirect::to(&format!("/measures/{}", m.id)).into_response(),
        Err(e) => match invalid_message(&e, ctx.t()) {
            Some(message) => form_page(&state, &ctx, plan, "/measures".into(), f, Some(message)).await,
            None => store_error(e, ctx.t()),
        },
    }
}

/// Loads a visible measure and its plan; an error is a finished response.
pub(super) async fn measure_and_plan(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(Measure, Plan, Scope, Vec<Area>), Response> {
    let (scope, all) = scope(state, ctx).await?;
    let m = visible_measure(state, ctx, &scope, id).await?;
    let plan = visible_plan(state, ctx, &scope, m.plan_id).await?;
    Ok((m, plan, scope, all))
}

/// `GET /measures/{id}/edit`: the measure's form, filled in.
pub async fn edit_form(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let (m, plan, _, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    form_page(&state, &ctx, plan, format!("/measures/{id}"), MeasureForm::of(&m), None).await
}

/// `POST /measures/{id}`: saves the measure's template fields (its plan stays).
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<MeasureForm>,
) -> Response {
    let (_, plan, _, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let action = format!("/measures/{id}");
    let input = match f.parse(plan.id, ctx.t()) {
        Ok(i) => i,
        Err(message) => return form_page(&state, &ctx, plan, action, f, Some(message)).await,
    };
    match state.store.update_measure(&ctx.actor(), id, &input).await {
        Ok(_) => Redirect::to(&action).into_response(),
        Err(e) => match invalid_message(&e, ctx.t()) {
            Some(message) => form_page(&state, &ctx, plan, action, f, Some(message)).await,
            None => store_error(e, ctx.t()),
        },
    }
}

/// A cause the measure addresses, with its problem.
struct CauseRow {
    id: i64,
    text: String,
    kind: String,
    problem_id: i64,
    problem: String,
    assumption: bool,
}

/// An indicator of the measure with its latest value in the measure's area.
struct IndicatorRow {
    code: String,
    name: String,
    latest: Option<(String, String)>,
}

/// A perspective of the strategy and how it was considered.
struct PerspectiveRow {
    code: String,
    name: String,
    considered: String,
}

#[derive(Template)]
#[template(path = "measures_detail.html")]
struct DetailPage<'a> {
    l: Layout<'a>,
    m: Measure,
    plan: Plan,
    fields: Vec<(String, String)>,
    causes: Vec<CauseRow>,
    cause_choices: Vec<(i64, String)>,
    indicators: Vec<IndicatorRow>,
    indicator_choices: Vec<(String, String)>,
    perspectives: Vec<PerspectiveRow>,
    warnings: Vec<WarningView>,
    followups: Vec<(String, String, String, String)>,
    evaluable: bool,
    may_edit: bool,
}

/// `GET /measures/{id}`: the measure with its thread and warnings.
pub async fn detail(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let t = ctx.t();
    let (m, plan, scope, all) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let lang = t.lang.tag();
    let strategy = strategy_of(&state, &plan).await;
    let element_name = |kind, code: &Option<Code>| -> String {
        let Some(code) = code else { return String::new() };
        strategy
            .as_ref()
            .and_then(|s| s.elements_of(kind).find(|e| &e.code == code))
            .map_or_else(|| code.to_string(), |e| e.name.to_string())
    };
    let area_name = |code: &Option<Code>| -> String {
        let Some(code) = code else { return String::new() };
        all.iter().find(|a| &a.code == code).map_or_else(|| code.to_string(), |a| a.name.to_string())
    };
    let amount =
        |x: Option<f64>| x.map(|x| number(t, x, if x.fract() == 0.0 { 0 } else { 2 })).unwrap_or_default();
    let fields: Vec<(String, String)> = [
        ("measures.field.goal", m.goal.clone()),
        ("measures.field.starts", m.starts.to_string()),
        ("measures.field.ends", m.ends.to_string()),
        ("measures.field.owner", m.owner.clone()),
        ("measures.field.working_group", m.working_group.clone()),
        ("measures.field.partners", m.partners.clone()),
        ("measures.field.hours", amount(m.hours)),
        ("measures.field.money", amount(m.money)),
        ("measures.field.staff", amount(m.staff)),
        ("measures.field.competence", m.competence.clone()),
        ("measures.field.follow_up", m.follow_up.clone()),
        ("measures.field.direction", element_name(ElementKind::Direction, &m.direction)),
        ("measures.field.working_method", element_name(ElementKind::WorkingMethod, &m.working_method)),
        (
            "measures.field.evidence_base",
            t.get(&format!("measures.evidence.{}", m.evidence_base.as_str())).to_owned(),
        ),
        ("measures.field.evidence_reference", m.evidence_reference.clone()),
        ("measures.field.place", area_name(&m.place)),
        ("measures.field.comparison_area", area_name(&m.comparison_area)),
    ]
    .into_iter()
    .map(|(k, v)| (t.get(k).to_owned(), v))
    .collect();

    // Causes addressed, and the causes of the plan area's problems that could be.
    let plan_areas = scope.under(&all, &plan.area).unwrap_or_default();
    let problems = state.store.problems(&plan_areas).await.unwrap_or_default();
    let mut causes = Vec::new();
    let mut cause_choices = Vec::new();
    for p in &problems {
        for c in state.store.causes(p.id).await.unwrap_or_default() {
            let kind = t.get(&format!("problems.kind.{}", c.kind.as_str())).to_owned();
            if m.causes.contains(&c.id) {
                causes.push(CauseRow {
                    id: c.id,
                    assumption: c.is_assumption(),
                    text: c.text,
                    kind,
                    problem_id: p.id,
                    problem: p.title.clone(),
                });
            } else {
                cause_choices.push((c.id, format!("{} – {}", p.title, c.text)));
            }
        }
    }
    // A linked cause of a problem outside the plan's area is still shown.
    let missing: Vec<i64> = m.causes.iter().copied().filter(|c| !causes.iter().any(|r| r.id == *c)).collect();
    for cid in missing {
        if let Ok(Some(c)) = state.store.cause(cid).await
            && let Ok(Some(p)) = state.store.problem(c.problem_id).await
            && scope.may_see(&p.area)
        {
            let kind = t.get(&format!("problems.kind.{}", c.kind.as_str())).to_owned();
            causes.push(CauseRow {
                id: c.id,
                assumption: c.is_assumption(),
                text: c.text,
                kind,
                problem_id: p.id,
                problem: p.title,
            });
        }
    }

    let indicators = state.store.indicators().await.unwrap_or_default();
    let mut rows = Vec::new();
    for code in &m.indicators {
        let name = indicators
            .iter()
            .find(|i| &i.code == code)
            .map_or_else(|| code.to_string(), |i| i.name(lang).to_owned());
        let values = state.store.indicator_values(code, &m.area).await.unwrap_or_default();
        let latest = values
            .iter()
            .filter(|v| v.group == "all")
            .filter_map(|v| v.period.parse::<Period>().ok().map(|p| (p, v)))
            .max_by_key(|(p, _)| *p)
            .map(|(p, v)| (p.to_string(), number(t, v.value, 1)));
        rows.push(IndicatorRow { code: code.to_string(), name, latest });
    }
    let indicator_choices = indicators
        .iter()
        .filter(|i| !m.indicators.contains(&i.code))
        .map(|i| (i.code.to_string(), i.name(lang).to_owned()))
        .collect();
    let perspectives = strategy
        .iter()
        .flat_map(|s| s.elements_of(ElementKind::Perspective))
        .map(|e| PerspectiveRow {
            code: e.code.to_string(),
            name: e.name.to_string(),
            considered: m
                .perspectives
                .iter()
                .find(|(c, _)| c == &e.code)
                .map(|(_, s)| s.clone())
                .unwrap_or_default(),
        })
        .collect();
    let warnings = match state.store.thread_warnings(std::slice::from_ref(&m.area)).await {
        Ok(w) => w
            .into_iter()
            .filter(|w| {
                w.measure_id == Some(m.id)
                    || (w.measure_id.is_none()
                        && w.indicator.as_ref().is_some_and(|i| m.indicators.contains(i)))
            })
            .collect::<Vec<_>>(),
        Err(e) => return store_error(e, t),
    };
    let warnings = warning_views(&warnings, std::slice::from_ref(&m), &[], t);
    let followups = state
        .store
        .measure_followup_rows(&[m.id])
        .await
        .unwrap_or_default()
        .into_iter()
        .rev()
        .map(|f| {
            let status = f.status.as_str().to_owned();
            let label = t.get(&format!("measures.status.{status}")).to_owned();
            (f.period, status, label, format!("{} ({})", f.comment, local_time(f.reported_at)))
        })
        .collect();
    let page = DetailPage {
        l: Layout::new(&ctx, t, &m.name),
        fields,
        causes,
        cause_choices,
        indicators: rows,
        indicator_choices,
        perspectives,
        warnings,
        followups,
        evaluable: m.place.is_some() && m.comparison_area.is_some(),
        may_edit: EDITORS.contains(&ctx.role()),
        plan,
        m,
    };
    html(page)
}

/// The cause or indicator to link.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct LinkForm {
    cause: String,
    indicator: String,
}

/// `POST /measures/{id}/causes`: links a cause of a problem the user may see.
pub async fn link_cause(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Response {
    let t = ctx.t();
    let (m, _, scope, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let Ok(cause_id) = f.cause.trim().parse::<i64>() else {
        return bad_request(t.get("measures.error.cause"));
    };
    let visible = match state.store.cause(cause_id).await {
        Ok(Some(c)) => {
            matches!(state.store.problem(c.problem_id).await, Ok(Some(p)) if scope.may_see(&p.area))
        }
        Ok(None) => false,
        Err(e) => return store_error(e, t),
    };
    if !visible {
        return bad_request(t.get("measures.error.cause"));
    }
    done(state.store.link_cause(&ctx.actor(), m.id, cause_id).await, &ctx, m.id)
}

/// `POST /measures/{id}/causes/{cid}/remove`: unlinks a cause.
pub async fn unlink_cause(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, cid)): Path<(i64, i64)>,
) -> Response {
    let (m, _, _, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    if !m.causes.contains(&cid) {
        return not_found(ctx.t());
    }
    done(state.store.unlink_cause(&ctx.actor(), m.id, cid).await, &ctx, m.id)
}

/// `POST /measures/{id}/indicators`: links an indicator.
pub async fn link_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<LinkForm>,
) -> Response {
    let (m, _, _, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let Ok(code) = Code::new(f.indicator.trim()) else {
        return bad_request(ctx.t().get("measures.error.indicator"));
    };
    done(state.store.link_indicator(&ctx.actor(), m.id, &code).await, &ctx, m.id)
}

/// `POST /measures/{id}/indicators/{code}/remove`: unlinks an indicator.
pub async fn unlink_indicator(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
) -> Response {
    let (m, _, _, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let Some(code) = Code::new(&code).ok().filter(|c| m.indicators.contains(c)) else {
        return not_found(ctx.t());
    };
    done(state.store.unlink_indicator(&ctx.actor(), m.id, &code).await, &ctx, m.id)
}

/// `POST /measures/{id}/perspectives`: records how each perspective was
/// considered, from fields named `p-{code}` (an empty text removes the record).
pub async fn perspectives(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let (m, plan, _, _) = match measure_and_plan(&state, &ctx, id).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let strategy = strategy_of(&state, &plan).await;
    let mut seen = 0;
    for e in strategy.iter().flat_map(|s| s.elements_of(ElementKind::Perspective)) {
        let Some(text) = f.get(&format!("p-{}", e.code)) else { continue };
        seen += 1;
        let old =
            m.perspectives.iter().find(|(c, _)| c == &e.code).map(|(_, s)| s.trim()).unwrap_or_default();
        if old == text.trim() {
            continue;
        }
        if let Err(e) = state.store.set_perspective(&ctx.actor(), m.id, &e.code, text).await {
            return match invalid_message(&e, ctx.t()) {
                Some(message) => bad_request(message),
                None => store_error(e, ctx.t()),
            };
        }
    }
    if seen == 0 {
        return bad_request(ctx.t().get("measures.error.perspective"));
    }
    Redirect::to(&format!("/measures/{}#perspectives", m.id)).into_response()
}

/// The answer to a link change: back to the measure, or the error.
fn done(result: trygg_store::Result<()>, ctx: &Ctx, id: i64) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/measures/{id}")).into_response(),
        Err(e) => match invalid_message(&e, ctx.t()) {
            Some(message) => bad_request(message),
            None => store_error(e, ctx.t()),
        },
    }
}
