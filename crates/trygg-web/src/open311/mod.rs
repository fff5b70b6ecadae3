//! Open311 GeoReport v2 at `/open311/v2/`, with mySociety's service request
//! updates. Every resource answers in XML (`.xml`, first-class: FixMyStreet
//! speaks only XML) and JSON (`.json`), both built from one [`doc::Val`]
//! tree. Partners authenticate with an `api_key` (made with `trygg partner
//! key`); cookies count for nothing here. Public GETs never show non-public
//! categories or personal data.
//!
//! Decisions where the spec leaves room: `jurisdiction_id` is accepted and
//! ignored (there is one jurisdiction); `media_url`, `first_name`,
//! `last_name`, `phone` and `attribute[…]` are accepted and not stored
//! (photos come through the web form, which strips their metadata; a URL
//! would be fetched from anywhere and could carry personal data); a client's
//! `update_id` and `updated_datetime` on a posted update are ignored in
//! favour of ours.

mod doc;
mod names;
mod openapi;
mod requests;
mod services;
mod updates;

pub use doc::{Doc, Format, Val};

use crate::AppState;
use crate::routes::{EVERYONE, Entry, Guard, route};
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use trygg_core::{Code, Invalid};
use trygg_store::{Store, StoreError};

/// The Open311 routes: each resource in both formats, the OpenAPI document,
/// and a catch-all that answers unknown resources and formats with an
/// Open311 error instead of an HTML page.
pub fn routes() -> Vec<Entry> {
    use Format::{Json, Xml};
    use Method as M;
    let mut out: Vec<Entry> = Vec::new();
    for (path, fmt) in [("/open311/v2/discovery.xml", Xml), ("/open311/v2/discovery.json", Json)] {
        out.push((route(M::GET, path, path, EVERYONE), only(get(move |s| services::discovery(fmt, s)))));
    }
    for (path, fmt) in [("/open311/v2/services.xml", Xml), ("/open311/v2/services.json", Json)] {
        out.push((route(M::GET, path, path, EVERYONE), only(get(move |s, q| services::list(fmt, s, q)))));
    }
    out.push((
        route(M::GET, "/open311/v2/services/{file}", "/open311/v2/services/klotter-ovrigt.json", EVERYONE),
        only(get(services::definition)),
    ));
    for (path, fmt) in [("/open311/v2/requests.xml", Xml), ("/open311/v2/requests.json", Json)] {
        out.push((route(M::GET, path, path, EVERYONE), only(get(move |s, q| requests::list(fmt, s, q)))));
        out.push((
            route(M::POST, path, path, EVERYONE).guarded_by(Guard::ApiKey),
            post(move |s, h, b| requests::create(fmt, s, h, b)),
        ));
    }
    out.push((
        route(M::GET, "/open311/v2/requests/{file}", "/open311/v2/requests/1.json", EVERYONE),
        only(get(requests::one)),
    ));
    for (path, fmt) in
        [("/open311/v2/servicerequestupdates.xml", Xml), ("/open311/v2/servicerequestupdates.json", Json)]
    {
        out.push((route(M::GET, path, path, EVERYONE), only(get(move |s, q| updates::list(fmt, s, q)))));
        out.push((
            route(M::POST, path, path, EVERYONE).guarded_by(Guard::ApiKey),
            post(move |s, h, b| updates::create(fmt, s, h, b)),
        ));
    }
    let doc = "/open311/v2/openapi.json";
    out.push((route(M::GET, doc, doc, EVERYONE), only(get(openapi::document))));
    out.push((
        route(M::GET, "/open311/{*rest}", "/open311/v2/services.yaml", EVERYONE),
        get(unknown).fallback(unknown),
    ));
    out
}

/// The one method router of a path gets the 405 answer for other methods
/// (axum adds the `Allow` header); paths with two methods set it on the GET.
fn only(router: MethodRouter<AppState>) -> MethodRouter<AppState> {
    router.fallback(method_not_allowed)
}

async fn method_not_allowed(req: Request) -> Response {
    let what = format!("{} is not supported here; see the Allow header", req.method());
    fail(Format::of_path(req.uri().path()), StatusCode::METHOD_NOT_ALLOWED, what)
}

async fn unknown(req: Request) -> Response {
    let what = "no such Open311 resource or format (use .xml or .json); see /open311/v2/discovery.json";
    fail(Format::of_path(req.uri().path()), StatusCode::NOT_FOUND, what)
}

/// An Open311 error list with one entry.
pub fn fail(format: Format, status: StatusCode, description: impl Into<String>) -> Response {
    Error { status, description: description.into() }.render(format)
}

/// One Open311 error: `{code, description}` in an `errors` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// HTTP status, also the error's `code`.
    pub status: StatusCode,
    /// What went wrong, naming the field.
    pub description: String,
}

impl Error {
    /// A 400 naming a field and what was expected.
    pub fn bad(field: &str, expected: &str) -> Error {
        Error { status: StatusCode::BAD_REQUEST, description: format!("{field}: expected {expected}") }
    }

    /// A 404.
    pub fn not_found(what: impl Into<String>) -> Error {
        Error { status: StatusCode::NOT_FOUND, description: what.into() }
    }

    /// A 403 for a missing or wrong key.
    pub fn forbidden(what: impl Into<String>) -> Error {
        Error { status: StatusCode::FORBIDDEN, description: what.into() }
    }

    /// The response in `format`.
    pub fn render(&self, format: Format) -> Response {
        let error = Val::Obj(vec![
            ("code", Val::s(self.status.as_u16().to_string())),
            ("description", Val::s(self.description.clone())),
        ]);
        Doc { status: self.status, root: "errors", val: Val::List("error", vec![error]) }.render(format)
    }
}

impl From<Invalid> for Error {
    /// A store validation error, with the field renamed to its Open311 parameter.
    fn from(e: Invalid) -> Self {
        let field = match e.field {
            "category" => "service_code",
            "place" => "address_id",
            "position" => "lat/long",
            "note" => "description",
            "state" => "status",
            "change" => "status/description",
            f => f,
        };
        let renamed = Invalid { field, ..e };
        Error { status: StatusCode::BAD_REQUEST, description: renamed.to_string() }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(i) => i.into(),
            StoreError::NotFound { .. } => Error::not_found(e.to_string()),
            other => {
                tracing::error!(error = %other, "Open311 request failed");
                Error {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    description: "internal error; the details are in the server log".into(),
                }
            }
        }
    }
}

/// A handler's result: a document or an error, in the request's format.
pub type Answer = Result<Doc, Error>;

/// Renders an [`Answer`].
pub fn answer(format: Format, a: Answer) -> Response {
    match a {
        Ok(doc) => doc.render(format),
        Err(e) => e.render(format),
    }
}

/// Query or form fields, in order; the first of a repeated name wins.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    /// Parses a URL-encoded query string or form body.
    pub fn parse(bytes: &[u8], what: &str) -> Result<Fields, Error> {
        serde_urlencoded::from_bytes(bytes)
            .map(Fields)
            .map_err(|_| Error::bad(what, "URL-encoded name=value pairs"))
    }

    /// The (trimmed) value of `name`, if given and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// A whole number ≥ `min`, if given.
    pub fn int(&self, name: &'static str, min: i64, max: i64) -> Result<Option<i64>, Error> {
        self.get(name)
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or_else(|| Error::bad(name, &format!("a whole number from {min} to {max}")))
            })
            .transpose()
    }

    /// An instant (ISO 8601 with an offset, or a date or local time in
    /// Europe/Stockholm), as epoch ms.
    pub fn instant(&self, name: &'static str) -> Result<Option<i64>, Error> {
        self.get(name).map(|v| parse_instant(v).ok_or_else(|| Error::bad(name, DATE_EXPECTED))).transpose()
    }
}

const DATE_EXPECTED: &str = "an ISO 8601 date-time such as 2025-06-07T07:32:06+02:00 (or a date, 2025-06-07)";

/// The time zone Open311 dates are written in.
pub const ZONE: &str = "Europe/Stockholm";

fn parse_instant(v: &str) -> Option<i64> {
    let ms = if let Ok(t) = v.parse::<jiff::Timestamp>() {
        t.as_millisecond()
    } else if let Ok(dt) = v.parse::<jiff::civil::DateTime>() {
        dt.in_tz(ZONE).ok()?.timestamp().as_millisecond()
    } else {
        v.parse::<jiff::civil::Date>().ok()?.in_tz(ZONE).ok()?.timestamp().as_millisecond()
    };
    Some(ms)
}

/// Epoch ms as ISO 8601 in Europe/Stockholm with its offset, e.g. `2025-06-07T07:32:06+02:00`.
pub fn iso(ms: i64) -> String {
    let tz = jiff::tz::TimeZone::get(ZONE).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_zoned_datetime(tz).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => String::new(),
    }
}

/// The partner an `api_key` belongs to: `Ok(None)` without a key, 403 for a wrong one.
pub async fn partner_of(store: &Store, key: Option<&str>) -> Result<Option<Code>, Error> {
    let Some(key) = key else { return Ok(None) };
    match store.partner_for_key(key).await? {
        Some(p) => Ok(Some(p)),
        None => Err(Error::forbidden("api_key: not a valid key (ask the city for one)")),
    }
}

/// The form body of a POST: URL-encoded, or a 400 naming what was sent.
pub fn form_body(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<Fields, Error> {
    let is_form =
        headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
            v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(Error::bad("Content-Type", "application/x-www-form-urlencoded"));
    }
    Fields::parse(body, "body")
}

/// Maps an [`Answer`]-producing future's panic-free result into a response (for `IntoResponse`).
pub struct Reply(pub Format, pub Answer);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        answer(self.0, self.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_with_an_offset_or_as_stockholm_time_and_print_with_the_offset() {
        let summer = parse_instant("2025-06-07T07:32:06+02:00").unwrap();
        assert_eq!(iso(summer), "2025-06-07T07:32:06+02:00");
        assert_eq!(parse_instant("2025-06-07T05:32:06Z"), Some(summer));
        assert_eq!(parse_instant("2025-06-07T07:32:06"), Some(summer));
        assert_eq!(iso(parse_instant("2025-01-15").unwrap()), "2025-01-15T00:00:00+01:00");
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(parse_instant("2025-13-01"), None);
    }
}
