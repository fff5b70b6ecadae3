//! The tertial follow-up in the browser: every measure running in the
//! tertial with its reported status or "not reported", a form per measure
//! to report status and comment, the approvals (preparation group, then
//! steering group, which locks the tertial) and their withdrawal. A change
//! of a locked tertial is refused with 409 (and audited by the store).

use super::indicators::{READERS, area_name, checked_area, store_error};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::pages::{Layout, html, local_time};
use crate::routes::{Entry, route};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trygg_core::{ApprovalStage, Code, MeasureStatus, Period, Role};
use trygg_store::StoreError;

/// Who may report a measure's status.
const REPORTERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Member];
/// Who may approve at either stage (each stage is checked in the handler).
const APPROVERS: &[Role] = &[Role::Admin, Role::Coordinator, Role::Steering];
/// Who may withdraw an approval.
const WITHDRAWERS: &[Role] = &[Role::Admin, Role::Steering];

/// The roles that may approve at `stage`.
fn may_approve(role: Role, stage: ApprovalStage) -> bool {
    match stage {
        ApprovalStage::Preparation => matches!(role, Role::Admin | Role::Coordinator),
        ApprovalStage::Steering => matches!(role, Role::Admin | Role::Steering),
    }
}

/// The routes of this part.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/followup", "/followup?area=jarva&period=2026-T2", READERS), get(page)),
        (route(M::POST, "/followup/report", "/followup/report", REPORTERS), post(report)),
        (route(M::POST, "/followup/approve", "/followup/approve", APPROVERS), post(approve)),
        (route(M::POST, "/followup/withdraw", "/followup/withdraw", WITHDRAWERS), post(withdraw)),
    ]
}

/// The tertial asked for.
#[derive(Debug, Deserialize, Default)]
pub struct FollowupQuery {
    area: Option<String>,
    period: Option<String>,
}

struct MeasureRow {
    id: i64,
    plan: String,
    name: String,
    owner: String,
    status: Option<&'static str>,
    status_text: String,
    comment: String,
    reported_by: String,
    report_label: String,
}

struct StageRow {
    stage: &'static str,
    name: String,
    approved: Option<String>,
    may_approve: bool,
    may_withdraw: bool,
    withdraw_label: String,
}

#[derive(Template)]
#[template(path = "followup.html")]
struct FollowupPage<'a> {
    l: Layout<'a>,
    area: String,
    period: String,
    caption: String,
    rows: Vec<MeasureRow>,
    missing: String,
    locked: bool,
    may_report: bool,
    statuses: Vec<(&'static str, String)>,
    stages: Vec<StageRow>,
}

fn tertial(s: &str) -> Option<Period> {
    s.trim().parse::<Period>().ok().filter(|p| matches!(p, Period::Tertial(..)))
}

/// `GET /followup?area=jarva&period=2026-T2`: the tertial's measures, reports and approvals.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<FollowupQuery>) -> Response {
    let t = ctx.t();
    let area = match checked_area(&state, &ctx, q.area.as_deref().unwrap_or("jarva"), "followup").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let period_text = q.period.clone().unwrap_or_else(|| Period::tertial_of(today()).to_string());
    let Some(period) = tertial(&period_text) else {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("followup.error.period")).into_response();
    };
    let (overview, approvals, locked) = match (
        state.store.followup_overview(&area, period).await,
        state.store.approvals(&area, period).await,
        state.store.is_locked(&area, period).await,
    ) {
        (Ok(o), Ok(a), Ok(l)) => (o, a, l),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
            return store_error(e, t, "followup").into_response();
        }
    };
    let role = ctx.role();
    let missing = overview.iter().filter(|r| r.followup.is_none()).count();
    let rows = overview
        .iter()
        .map(|r| {
            let status = r.followup.as_ref().map(|f| f.status.as_str());
            MeasureRow {
                id: r.measure.id,
                plan: r.measure.plan_name.clone(),
                name: r.measure.name.clone(),
                owner: r.measure.owner.clone(),
                status,
                status_text: match status {
                    Some(s) => t.get(&format!("followup.statuses.{s}")).to_owned(),
                    None => t.get("followup.not-reported").to_owned(),
                },
                comment: r.followup.as_ref().map(|f| f.comment.clone()).unwrap_or_default(),
                reported_by: r.followup.as_ref().map(|f| f.reported_by.clone()).unwrap_or_default(),
                report_label: t.fill("followup.report-for", "name", &r.measure.name),
            }
        })
        .collect();
    let stages = ApprovalStage::ALL
        .iter()
        .map(|&stage| {
            let done = approvals.iter().find(|a| a.stage == stage);
            let earlier_done = stage == ApprovalStage::Preparation
                || approvals.iter().any(|a| a.stage == ApprovalStage::Preparation);
            let later_done = stage == ApprovalStage::Preparation
                && approvals.iter().any(|a| a.stage == ApprovalStage::Steering);
            let name = t.get(&format!("followup.stage.{}", stage.as_str())).to_owned();
            StageRow {
                stage: stage.as_str(),
                approved: done.map(|a| {
                    t.fill("followup.approved-by", "who", &a.approved_by)
                        .replace("{when}", &local_time(a.approved_at))
                }),
                may_approve: done.is_none() && earlier_done && may_approve(role, stage),
                may_withdraw: done.is_some() && !later_done && WITHDRAWERS.contains(&role),
                withdraw_label: t.fill("followup.withdraw-stage", "stage", &name),
                name,
            }
        })
        .collect();
    let page = FollowupPage {
        l: Layout::new(&ctx, t, t.get("followup.title")),
        caption: format!(
            "{} – {}",
            area_name(&state, &area).await,
            t.fill("followup.measures-caption", "period", &period.to_string())
        ),
        area: area.to_string(),
        period: period.to_string(),
        rows,
        missing: if missing == 0 {
            t.get("followup.all-reported").to_owned()
        } else {
            t.fill("followup.missing", "count", &missing.to_string())
        },
        locked,
        may_report: !locked && REPORTERS.contains(&role),
        statuses: MeasureStatus::ALL
            .iter()
            .map(|s| (s.as_str(), t.get(&format!("followup.statuses.{}", s.as_str())).to_owned()))
            .collect(),
        stages,
    };
    html(page)
}

fn today() -> trygg_core::Date {
    jiff::Timestamp::now().to_zoned_datetime(crate::pages::stockholm()).date()
}

fn back(area: &Code, period: Period) -> Response {
    Redirect::to(&format!("/followup?area={area}&period={period}")).into_response()
}

/// The report form.
#[derive(Debug, Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /followup/report`: a measure's status and comment for the tertial.
pub async fn report(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ReportForm>) -> Response {
    let t = ctx.t();
    let bad = |key: &str| PageError::new(StatusCode::BAD_REQUEST, t.get(key)).into_response();
    let area = match checked_area(&state, &ctx, &f.area, "followup").await {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    let Some(period) = tertial(&f.period) else { return bad("followup.error.period") };
    let Ok(status) = f.status.parse::<MeasureStatus>() else { return bad("followup.error.status") };
    let Ok(measure) = f.measure.trim().parse::<i64>() else { return bad("followup.error.measure") };
    // The measure must run in the tertial in an area the user may see.
    match state.store.followup_overview(&area, period).await {
        Ok(rows) if rows.iter().any(|r| r.measure.id == measure) => {}
        Ok(_) => return bad("followup.error.measure"),
        Err(e) => return store_error(e, t, "followup").into_response(),
    }
    match state.store.report_followup(measure, period, status, &f.comment, &ctx.actor()).await {
        Ok(_) => back(&area, period),
        Err(e) => store_error(e, t, "followup").into_response(),
    }
}

/// The approve and withdraw forms.
#[derive(Debug, Deserialize, Default)]
pub struct StageForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    stage: String,
}

/// Checks a stage form: the area, the tertial and the stage, or the page's error.
async fn stage_form(
    state: &AppState,
    ctx: &Ctx,
    f: &StageForm,
) -> Result<(Code, Period, ApprovalStage), Response> {
    let t = ctx.t();
    let area = checked_area(state, ctx, &f.area, "followup").await.map_err(IntoResponse::into_response)?;
    let bad = |key: &str| PageError::new(StatusCode::BAD_REQUEST, t.get(key)).into_response();
    let period = tertial(&f.period).ok_or_else(|| bad("followup.error.period"))?;
    let stage = f.stage.parse::<ApprovalStage>().map_err(|_| bad("followup.error.stage"))?;
    Ok((area, period, stage))
}

/// Maps the store's answer to an approval or withdrawal.
fn approval_error(e: StoreError, ctx: &Ctx) -> Response {
    let t = ctx.t();
    match e {
        StoreError::Invalid(i) if i.field == "stage" => {
            PageError::new(StatusCode::CONFLICT, t.get("followup.error.order")).into_response()
        }
        StoreError::Conflict { what: "approval", .. } => {
            PageError::new(StatusCode::CONFLICT, t.get("followup.error.already")).into_response()
        }
        StoreError::NotFound { what: "approval", .. } => {
            PageError::new(StatusCode::NOT_FOUND, t.get("followup.error.not-approved")).into_response()
        }
        other => store_error(other, t, "followup").into_response(),
    }
}

/// `POST /followup/approve`: the preparation group's, then the steering group's approval.
pub async fn approve(State(state): State<AppState>, ctx: Ctx, Form(f): Form<StageForm>) -> Response {
    let (area, period, stage) = match stage_form(&state, &ctx, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    if !may_approve(ctx.role(), stage) {
        return PageError::new(StatusCode::FORBIDDEN, ctx.t().get("followup.error.stage-role"))
            .into_response();
    }
    match state.store.approve_tertial(&area, period, stage, &ctx.actor()).await {
        Ok(_) => back(&area, period),
        Err(e) => approval_error(e, &ctx),
    }
}

/// `POST /followup/withdraw`: withdraws an approval (the steering group's unlocks the tertial).
pub async fn withdraw(State(state): State<AppState>, ctx: Ctx, Form(f): Form<StageForm>) -> Response {
    let (area, period, stage) = match stage_form(&state, &ctx, &f).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    match state.store.withdraw_approval(&area, period, stage, &ctx.actor()).await {
        Ok(()) => back(&area, period),
        Err(e) => approval_error(e, &ctx),
    }
}
