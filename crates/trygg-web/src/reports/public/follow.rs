//! The reporter's follow page `/r/{token}` (with the receipt just after the
//! form), reopening a closed report from it, and the public page of a report
//! in a public category. None of them shows personal data (description,
//! reporter, who acted), and a position only for public categories.

use super::{english, html, layout, minute};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::pages::Layout;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use trygg_core::{ReportState, contains_identity_number};
use trygg_report::map::{MapPoint, MapShape, MapSpec, render_svg};
use trygg_store::{Change, Report, StoreError};

/// One public line of a report's history.
struct Line {
    at: String,
    state: Option<String>,
    note: String,
}

/// What every public view of a report shows.
struct ReportView {
    id: i64,
    state: String,
    open: bool,
    category: String,
    district: String,
    place: Option<String>,
    made: String,
    due: String,
    overdue: bool,
    position: Option<String>,
    map: Option<String>,
    history: Vec<Line>,
}

/// An open report close by, of the same category.
struct Similar {
    id: i64,
    state: String,
    made: String,
}

/// Shown once, just after the form.
struct Receipt {
    follow_url: String,
    similar: Vec<Similar>,
}

#[derive(Template)]
#[template(path = "public_follow.html")]
struct FollowPage<'a> {
    l: Layout<'a>,
    v: ReportView,
    receipt: Option<Receipt>,
    reopened: bool,
    token: String,
    note: String,
    note_error: Option<String>,
}

#[derive(Template)]
#[template(path = "public_report.html")]
struct PublicPage<'a> {
    l: Layout<'a>,
    v: ReportView,
}

/// Flags in the follow page's query.
#[derive(Debug, Deserialize)]
pub struct FollowQuery {
    /// Set just after the form: show the receipt.
    new: Option<String>,
    /// Set just after reopening.
    reopened: Option<String>,
}

/// The reopen form.
#[derive(Debug, Deserialize)]
pub struct ReopenForm {
    /// Why the report is not really done.
    #[serde(default)]
    note: String,
}

fn not_found(ctx: &Ctx) -> Response {
    PageError::new(StatusCode::NOT_FOUND, ctx.t().get("error.not_found")).into_response()
}

async fn by_token(state: &AppState, ctx: &Ctx, token: &str) -> Result<Report, Response> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found(ctx));
    }
    match state.store.report_by_token(token).await {
        Ok(Some(r)) => Ok(r),
        Ok(_) => Err(not_found(ctx)),
        Err(e) => Err(PageError::from_store(e, ctx.t()).into_response()),
    }
}

/// `GET /r/{token}`: the report's state and public history; the receipt when `?new=1`.
pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Query(q): Query<FollowQuery>,
) -> Response {
    let report = match by_token(&state, &ctx, &token).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    let receipt = if q.new.is_some() { receipt(&state, &report, &token, &ctx).await } else { Ok(None) };
    let view = view(&state, &ctx, &report).await;
    match (view, receipt) {
        (Ok(v), Ok(receipt)) => {
            let page = FollowPage {
                l: layout(&ctx, ctx.t().fill("public.follow.title", "id", &report.id.to_string())),
                v,
                receipt,
                reopened: q.reopened.is_some(),
                token,
                note: String::new(),
                note_error: None,
            };
            html(StatusCode::OK, page)
        }
        (Err(e), _) | (_, Err(e)) => PageError::from_store(e, ctx.t()).into_response(),
    }
}

/// The receipt: the follow link, and open reports close by of the same public category.
async fn receipt(
    state: &AppState,
    report: &Report,
    token: &str,
    ctx: &Ctx,
) -> Result<Option<Receipt>, StoreError> {
    let follow_url = format!("{}/r/{token}", state.config.public_url.trim_end_matches('/'));
    let public = state.store.category(&report.category).await?.is_some_and(|c| c.public);
    let similar = match report.position {
        Some(p) if public => state.store.likely_duplicates(&report.category, p, report.created_at).await?,
        _ => Vec::new(),
    };
    let t = ctx.t();
    let similar = similar
        .into_iter()
        .filter(|r| r.id != report.id)
        .map(|r| Similar { id: r.id, state: t.get(r.state.key()).to_owned(), made: minute(r.created_at) })
        .collect();
    Ok(Some(Receipt { follow_url, similar }))
}

/// `POST /r/{token}/reopen`: the reporter says a closed report is not really done.
pub async fn reopen(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    Form(form): Form<ReopenForm>,
) -> Response {
    let t = ctx.t();
    let report = match by_token(&state, &ctx, &token).await {
        Ok(r) => r,
        Err(res) => return res,
    };
    if report.state.is_open() {
        return PageError::new(StatusCode::CONFLICT, t.get("public.error.already_open")).into_response();
    }
    let note = form.note.trim();
    if note.is_empty() || contains_identity_number(note) {
        let key = if note.is_empty() { "public.error.note_missing" } else { "public.error.note_pnr" };
        return again(&state, &ctx, &report, token, form.note.clone(), t.get(key)).await;
    }
    let change = Change {
        actor: "public".into(),
        state: Some(ReportState::Received),
        note: note.to_owned(),
        public: true,
        ..Change::default()
    };
    match state.store.change_report(report.id, &change).await {
        Ok(_) => Redirect::to(&format!("/r/{token}?reopened=1")).into_response(),
        Err(StoreError::Invalid(i)) if i.field == "note" => {
            again(&state, &ctx, &report, token, form.note.clone(), t.get("public.error.note_long")).await
        }
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// The follow page again, with the note kept and what is wrong with it (400).
async fn again(
    state: &AppState,
    ctx: &Ctx,
    report: &Report,
    token: String,
    note: String,
    message: &str,
) -> Response {
    let t = ctx.t();
    match view(state, ctx, report).await {
        Ok(v) => {
            let title = format!(
                "{}: {}",
                t.get("public.form.error_prefix"),
                t.fill("public.follow.title", "id", &report.id.to_string())
            );
            let page = FollowPage {
                l: layout(ctx, title),
                v,
                receipt: None,
                reopened: false,
                token,
                note,
                note_error: Some(message.to_owned()),
            };
            html(StatusCode::BAD_REQUEST, page)
        }
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

/// `GET /public/reports/{id}`: a report of a public category; any other is not found.
pub async fn public_report(State(state): State<AppState>, ctx: Ctx, Path(id): Path<String>) -> Response {
    let Ok(id) = id.parse::<i64>() else { return not_found(&ctx) };
    let report = match state.store.report(id).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(&ctx),
        Err(e) => return PageError::from_store(e, ctx.t()).into_response(),
    };
    match state.store.category(&report.category).await {
        Ok(Some(c)) if c.public => {}
        Ok(_) => return not_found(&ctx),
        Err(e) => return PageError::from_store(e, ctx.t()).into_response(),
    }
    match view(&state, &ctx, &report).await {
        Ok(v) => {
            let title = ctx.t().fill("public.report.title", "id", &report.id.to_string());
            html(StatusCode::OK, PublicPage { l: layout(&ctx, title), v })
        }
        Err(e) => PageError::from_store(e, ctx.t()).into_response(),
    }
}

/// The public view of a report: no description, no reporter, no actors; the
/// position and map only for a public category.
async fn view(state: &AppState, ctx: &Ctx, r: &Report) -> Result<ReportView, StoreError> {
    let t = ctx.t();
    let category = state.store.category(&r.category).await?;
    let public = category.as_ref().is_some_and(|c| c.public);
    let district = state.store.area(&r.area).await?;
    let place = match &r.place {
        Some(code) => state.store.area(code).await?.map(|a| a.name.to_string()),
        None => None,
    };
    let history = state
        .store
        .report_updates(r.id)
        .await?
        .into_iter()
        .filter(|u| u.public)
        .map(|u| Line { at: minute(u.at), state: u.state.map(|s| t.get(s.key()).to_owned()), note: u.note })
        .collect();
    let shown = r.position.filter(|_| public);
    let map = match (&district, shown) {
        (Some(d), Some(at)) => d.boundary.as_ref().map(|b| {
            let spec = MapSpec {
                id: "report-map",
                title: t.get("public.follow.map_title"),
                description: &t.fill("public.follow.map_description", "area", d.name.as_str()),
                shapes: vec![MapShape {
                    id: d.code.as_str(),
                    label: d.name.as_str(),
                    boundary: b,
                    class: "self",
                    href: None,
                }],
                points: vec![MapPoint {
                    label: t.get("public.follow.map_point"),
                    at,
                    class: "report",
                    show_label: false,
                }],
                width: 480,
                ..Default::default()
            };
            render_svg(&spec)
        }),
        _ => None,
    };
    Ok(ReportView {
        id: r.id,
        state: t.get(r.state.key()).to_owned(),
        open: r.state.is_open(),
        category: category.map_or_else(|| r.category.to_string(), |c| c.name(english(ctx)).to_owned()),
        district: district.map_or_else(|| r.area.to_string(), |a| a.name.to_string()),
        place,
        made: minute(r.created_at),
        due: minute(r.due_at),
        overdue: r.is_overdue(jiff::Timestamp::now().as_millisecond()),
        position: shown.map(|p| format!("{:.5}, {:.5}", p.lat, p.lon)),
        map,
        history,
    })
}
