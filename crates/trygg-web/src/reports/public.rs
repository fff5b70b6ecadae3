//! The public side of rapid action: the report form (no login, works
//! without JavaScript), the reporter's follow page and public report pages.
//! Nothing here shows personal data, and the position of a report is only
//! shown when its category is public.

mod follow;
mod form;
pub(crate) mod photos;

use crate::ctx::Ctx;
use crate::i18n::Lang;
use crate::pages::Layout;
use crate::routes::{EVERYONE, Entry, Guard, route};
use askama::Template;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};

/// The largest request body the report form accepts, in bytes (all photos
/// and fields together); a larger one is refused with 413 and nothing stored.
pub const MAX_FORM_BYTES: usize = 25 * 1024 * 1024;

/// The public rapid-action routes.
pub fn routes() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/report", "/report", EVERYONE), get(form::show)),
        (
            route(M::POST, "/report", "/report", EVERYONE).guarded_by(Guard::CsrfInHandler),
            post(form::submit).layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        ),
        (route(M::GET, "/r/{token}", "/r/unknown", EVERYONE), get(follow::show)),
        (route(M::POST, "/r/{token}/reopen", "/r/unknown/reopen", EVERYONE), post(follow::reopen)),
        (route(M::GET, "/public/reports/{id}", "/public/reports/1", EVERYONE), get(follow::public_report)),
    ]
}

/// The shared layout for a public page.
fn layout<'a>(ctx: &'a Ctx, title: String) -> Layout<'a> {
    Layout::new(ctx, ctx.t(), &title)
}

/// Whether the page is in English.
fn english(ctx: &Ctx) -> bool {
    ctx.lang == Lang::En
}

/// Renders a template with `status`, or a logged 500.
fn html(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// An instant (epoch ms) as Swedish local time to the minute, `YYYY-MM-DD HH:MM`.
fn minute(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|ts| ts.to_zoned_datetime(crate::pages::stockholm()).strftime("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}
