//! The tertial report in the browser: indicators against targets and the
//! measures' status for an area and a tertial, from the stored (approved)
//! figures, downloadable as PDF, HTML, XLSX or JSON and publishable as a
//! versioned snapshot (shown at `/situation/snapshots/{id}` like the
//! situation report's).

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::pages::{Layout, html};
use crate::routes::{Entry, route};
use crate::situation::{PUBLISHERS, READERS, area_choices, file, lang_of, may_see, publish_doc};
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use trygg_core::{Code, Period};
use trygg_report::output::Format;
use trygg_report::situation::SituationError;
use trygg_report::tertial::{TertialError, TertialRequest, build, to_doc};

/// The routes of this module.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/tertial", "/tertial?area=jarva&period=2026-T2", READERS), get(page)),
        (
            route(
                M::GET,
                "/tertial/download",
                "/tertial/download?area=jarva&period=2026-T2&format=json",
                READERS,
            ),
            get(download),
        ),
        (route(M::POST, "/tertial/publish", "/tertial/publish", PUBLISHERS), post(publish)),
    ]
}

/// The report asked for.
#[derive(Debug, Deserialize, Default)]
pub struct TertialQuery {
    area: Option<String>,
    period: Option<String>,
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "tertial.html")]
struct TertialPage<'a> {
    l: Layout<'a>,
    areas: Vec<(String, String)>,
    area: String,
    period: String,
    error: Option<String>,
    report: Option<String>,
    query: String,
    may_publish: bool,
}

/// The latest tertial that has begun, as a default.
fn current_tertial() -> String {
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    Period::tertial_of(today).to_string()
}

async fn request_of(state: &AppState, ctx: &Ctx, q: &TertialQuery) -> Result<TertialRequest, String> {
    let t = ctx.t();
    let area = Code::new(q.area.as_deref().unwrap_or("jarva"))
        .map_err(|_| t.get("situation.error.area").to_owned())?;
    let period: Period = match q.period.as_deref() {
        Some(p) => p.parse().map_err(|_| t.get("tertial.error.period").to_owned())?,
        None => current_tertial().parse().map_err(|_| t.get("tertial.error.period").to_owned())?,
    };
    if !matches!(period, Period::Tertial(..)) {
        return Err(t.get("tertial.error.period").to_owned());
    }
    if !may_see(state, ctx, &area).await {
        return Err(t.get("situation.error.not-your-area").to_owned());
    }
    Ok(TertialRequest { area, period, now: trygg_store::now_ms() })
}

fn tertial_error(e: TertialError, ctx: &Ctx) -> String {
    let t = ctx.t();
    match e {
        TertialError::NotATertial(_) => t.get("tertial.error.period").to_owned(),
        TertialError::Situation(SituationError::UnknownArea(_)) => t.get("situation.error.area").to_owned(),
        TertialError::Situation(SituationError::FuturePeriod(_)) => {
            t.get("situation.error.future").to_owned()
        }
        TertialError::Situation(SituationError::Store(e)) | TertialError::Store(e) => {
            if let trygg_store::StoreError::NotFound { .. } = e {
                return t.get("situation.error.area").to_owned();
            }
            tracing::error!(error = %e, "tertial report failed");
            t.get("error.internal").to_owned()
        }
    }
}

/// `GET /tertial`: the form and the report.
pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<TertialQuery>) -> Response {
    let t = ctx.t();
    let mut page = TertialPage {
        l: Layout::new(&ctx, t, t.get("tertial.title")),
        areas: area_choices(&state).await,
        area: q.area.clone().unwrap_or_else(|| "jarva".into()),
        period: q.period.clone().unwrap_or_else(current_tertial),
        error: None,
        report: None,
        query: String::new(),
        may_publish: PUBLISHERS.contains(&ctx.role()),
    };
    let request = match request_of(&state, &ctx, &q).await {
        Ok(r) => r,
        Err(e) => {
            page.error = Some(e);
            return (StatusCode::BAD_REQUEST, html(page)).into_response();
        }
    };
    match build(&state.store, &request).await {
        Ok(report) => {
            page.report = Some(trygg_report::html::render_fragment(&to_doc(&report, lang_of(&ctx))));
            page.query = format!("area={}&period={}", request.area, request.period);
            html(page)
        }
        Err(e) => {
            page.error = Some(tertial_error(e, &ctx));
            (StatusCode::BAD_REQUEST, html(page)).into_response()
        }
    }
}

/// `GET /tertial/download?…&format=…`: the report as a file.
pub async fn download(State(state): State<AppState>, ctx: Ctx, Query(q): Query<TertialQuery>) -> Response {
    let t = ctx.t();
    let Some(format) = q.format.as_deref().and_then(Format::parse) else {
        return PageError::new(StatusCode::BAD_REQUEST, t.get("situation.error.format")).into_response();
    };
    let request = match request_of(&state, &ctx, &q).await {
        Ok(r) => r,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, e).into_response(),
    };
    match build(&state.store, &request).await {
        Ok(report) => {
            let doc = to_doc(&report, lang_of(&ctx));
            file(&doc, format, &format!("tertialrapport-{}-{}", request.area, request.period), &ctx).await
        }
        Err(e) => PageError::new(StatusCode::BAD_REQUEST, tertial_error(e, &ctx)).into_response(),
    }
}

/// The publish form.
#[derive(Debug, Deserialize)]
pub struct PublishForm {
    area: String,
    period: String,
}

/// `POST /tertial/publish`: stores the report as the next version.
pub async fn publish(State(state): State<AppState>, ctx: Ctx, Form(f): Form<PublishForm>) -> Response {
    let q = TertialQuery { area: Some(f.area), period: Some(f.period), format: None };
    let request = match request_of(&state, &ctx, &q).await {
        Ok(r) => r,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, e).into_response(),
    };
    let report = match build(&state.store, &request).await {
        Ok(r) => r,
        Err(e) => return PageError::new(StatusCode::BAD_REQUEST, tertial_error(e, &ctx)).into_response(),
    };
    let doc = to_doc(&report, lang_of(&ctx));
    publish_doc(&state, &ctx, "tertial", &request.area, &request.period.to_string(), &doc).await
}
