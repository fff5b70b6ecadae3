//! The public report form: `GET /report` shows it; `POST /report` reads the
//! multipart body within fixed limits, checks the CSRF token and every field,
//! re-encodes the photos and makes the report, or shows the form again with
//! the visitor's input and a message per field.

use super::photos::{self, MAX_UPLOAD_BYTES, PhotoError};
use super::{MAX_FORM_BYTES, english, html, layout};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::PageError;
use crate::pages::{Layout, stockholm};
use crate::security::verify_csrf;
use askama::Template;
use axum::body::{Body, HttpBody};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use trygg_core::{AreaLevel, Code, Email, Invalid, LatLon, contains_identity_number};
use trygg_store::{MAX_PHOTOS, NewReport, Photo, Reporter, Routing, StoreError, check_description};

/// The largest text field read, in bytes.
const MAX_TEXT_BYTES: usize = 64 * 1024;
/// How much of an oversized body is read and thrown away before answering
/// 413, so that the browser sees the answer instead of a reset connection.
const DRAIN_BYTES: usize = 64 * 1024 * 1024;

/// What the visitor typed, kept when the form is shown again (files are not).
#[derive(Debug, Clone, Default)]
pub struct Values {
    category: String,
    place: String,
    lat: String,
    lon: String,
    seen_at: String,
    description: String,
    email: String,
}

/// A message for one field; `id` is the control's id, for the error summary's link.
#[derive(Debug, Clone)]
pub struct FieldError {
    id: &'static str,
    message: String,
}

/// One option of the category list.
struct Choice {
    code: String,
    name: String,
    description: String,
}

/// A category group with its categories (an `<optgroup>`).
struct Group {
    name: String,
    choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "public_form.html")]
struct FormPage<'a> {
    l: Layout<'a>,
    groups: Vec<Group>,
    places: Vec<(String, String)>,
    v: Values,
    errors: Vec<FieldError>,
    photos_hint: String,
}

impl FormPage<'_> {
    /// The message for the control `id`, if it has one.
    fn error(&self, id: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.id == id).map(|e| e.message.as_str())
    }
}

/// `GET /report`: the empty form, "when" set to now.
pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Response {
    let values = Values { seen_at: now_local(), ..Values::default() };
    render(&state, &ctx, values, Vec::new()).await
}

async fn render(state: &AppState, ctx: &Ctx, v: Values, errors: Vec<FieldError>) -> Response {
    let t = ctx.t();
    let (categories, places) =
        match (state.store.categories().await, state.store.areas(Some(AreaLevel::Place), false).await) {
            (Ok(c), Ok(p)) => (c, p),
            (Err(e), _) | (_, Err(e)) => return PageError::from_store(e, t).into_response(),
        };
    let en = english(ctx);
    let groups = categories
        .iter()
        .filter(|g| g.parent.is_none())
        .map(|g| Group {
            name: g.name(en).to_owned(),
            choices: categories
                .iter()
                .filter(|c| c.parent.as_ref() == Some(&g.code))
                .map(|c| Choice {
                    code: c.code.to_string(),
                    name: c.name(en).to_owned(),
                    description: c.description.clone(),
                })
                .collect(),
        })
        .filter(|g| !g.choices.is_empty())
        .collect();
    let mut places: Vec<(String, String)> =
        places.into_iter().map(|p| (p.code.to_string(), p.name.to_string())).collect();
    places.sort_by(|a, b| a.1.cmp(&b.1));
    let title = if errors.is_empty() {
        t.get("public.form.title").to_owned()
    } else {
        format!("{}: {}", t.get("public.form.error_prefix"), t.get("public.form.title"))
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    let page = FormPage {
        l: layout(ctx, title),
        groups,
        places,
        v,
        errors,
        photos_hint: t
            .fill("public.form.photos_hint", "n", &MAX_PHOTOS.to_string())
            .replace("{mb}", &(MAX_UPLOAD_BYTES / (1024 * 1024)).to_string())
            .replace("{total}", &(MAX_FORM_BYTES / (1024 * 1024)).to_string()),
    };
    html(status, page)
}

/// Now in Stockholm, as a `datetime-local` value.
fn now_local() -> String {
    jiff::Timestamp::now().to_zoned_datetime(stockholm()).strftime("%Y-%m-%dT%H:%M").to_string()
}

/// What came in the multipart body.
#[derive(Default)]
struct Received {
    csrf: String,
    values: Values,
    uploads: Vec<Vec<u8>>,
    errors: Vec<FieldError>,
}

/// `POST /report`: checks everything, then makes the report and sends the
/// visitor to its receipt (`303` to `/r/{token}?new=1`).
pub async fn submit(State(state): State<AppState>, ctx: Ctx, req: Request) -> Response {
    let t = ctx.t();
    let csrf_refused = || PageError::new(StatusCode::FORBIDDEN, t.get("error.csrf")).into_response();
    if cross_site(req.headers()) {
        return csrf_refused();
    }
    if declared_length(req.headers()).is_some_and(|n| n > MAX_FORM_BYTES) {
        drain(req.into_body()).await;
        return too_large(&ctx);
    }
    let header_token = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
    let header_ok = !header_token.is_empty() && verify_csrf(&ctx, header_token);
    let multipart = match Multipart::from_request(req, &state).await {
        Ok(m) => m,
        Err(_) => {
            return PageError::new(StatusCode::BAD_REQUEST, t.get("public.error.not_multipart"))
                .into_response();
        }
    };
    let received = match read(multipart, &ctx).await {
        Ok(r) => r,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(&ctx),
        Err(_) => {
            return PageError::new(StatusCode::BAD_REQUEST, t.get("public.error.malformed")).into_response();
        }
    };
    if !header_ok && !verify_csrf(&ctx, &received.csrf) {
        return csrf_refused();
    }
    make_report(&state, &ctx, received).await
}

async fn make_report(state: &AppState, ctx: &Ctx, received: Received) -> Response {
    let Received { values, uploads, mut errors, .. } = received;
    let routing = match state.store.routing().await {
        Ok(r) => r,
        Err(e) => return PageError::from_store(e, ctx.t()).into_response(),
    };
    let checked = check(&values, &routing, ctx);
    let mut new = match checked {
        Ok(new) if errors.is_empty() => new,
        Ok(_) => return render(state, ctx, values, errors).await,
        Err(more) => {
            errors.extend(more);
            return render(state, ctx, values, errors).await;
        }
    };
    new.photos = match reencode_all(uploads).await {
        Ok(p) => p,
        Err(e) => return render(state, ctx, values, vec![field_error(ctx, "photos", e.key())]).await,
    };
    match state.store.create_report(&new).await {
        Ok(created) => Redirect::to(&format!("/r/{}?new=1", created.token)).into_response(),
        Err(StoreError::Invalid(invalid)) => {
            let error = from_store(ctx, &invalid, &values);
            render(state, ctx, values, vec![error]).await
        }
        Err(e) => PageError::from_store(e, ctx.t()).into_response(),
    }
}

/// Whether the request says it comes from another site.
fn cross_site(headers: &HeaderMap) -> bool {
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST)) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("");
    origin.split_once("://").map_or("", |(_, rest)| rest) != host.to_str().unwrap_or("")
}

fn declared_length(headers: &HeaderMap) -> Option<usize> {
    headers.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

fn too_large(ctx: &Ctx) -> Response {
    let message = ctx.t().fill("public.error.too_large", "mb", &(MAX_FORM_BYTES / (1024 * 1024)).to_string());
    PageError::new(StatusCode::PAYLOAD_TOO_LARGE, message).into_response()
}

/// Reads and discards up to [`DRAIN_BYTES`] of a body (for at most 30 s).
async fn drain(mut body: Body) {
    let read = async {
        let mut seen = 0;
        while seen < DRAIN_BYTES {
            let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
            match frame {
                Some(Ok(f)) => seen += f.data_ref().map_or(0, |d| d.len()),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(30), read).await;
}

/// Reads every field; photos beyond the limits become field errors, not failures.
async fn read(mut multipart: Multipart, ctx: &Ctx) -> Result<Received, MultipartError> {
    let mut r = Received::default();
    while let Some(mut field) = multipart.next_field().await? {
        let name = field.name().unwrap_or("").to_owned();
        if name == "photos" {
            read_photo(&mut field, &mut r, ctx).await?;
            continue;
        }
        let Some(bytes) = read_capped(&mut field, MAX_TEXT_BYTES).await? else {
            if let Some(id) = text_field_id(&name) {
                r.errors.push(field_error(ctx, id, "public.error.too_long"));
            }
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let v = &mut r.values;
        match name.as_str() {
            "csrf" => r.csrf = text,
            "category" => v.category = text,
            "place" => v.place = text,
            "lat" => v.lat = text,
            "lon" => v.lon = text,
            "seen_at" => v.seen_at = text,
            "description" => v.description = text,
            "email" => v.email = text,
            _ => {}
        }
    }
    Ok(r)
}

fn text_field_id(name: &str) -> Option<&'static str> {
    ["category", "place", "lat", "lon", "seen_at", "description", "email"].into_iter().find(|id| *id == name)
}

async fn read_photo(field: &mut Field<'_>, r: &mut Received, ctx: &Ctx) -> Result<(), MultipartError> {
    let full = r.uploads.len() >= MAX_PHOTOS;
    match read_capped(field, if full { 0 } else { MAX_UPLOAD_BYTES }).await? {
        Some(bytes) if bytes.is_empty() => {}
        Some(bytes) => r.uploads.push(bytes),
        None if full => {
            if !r.errors.iter().any(|e| e.id == "photos") {
                r.errors.push(field_error(ctx, "photos", "public.error.photo_count"));
            }
        }
        None => r.errors.push(field_error(ctx, "photos", PhotoError::TooLarge.key())),
    }
    Ok(())
}

/// A field's bytes, or `None` (the rest read and dropped) if it has more than `cap`.
async fn read_capped(field: &mut Field<'_>, cap: usize) -> Result<Option<Vec<u8>>, MultipartError> {
    let mut out = Vec::new();
    let mut over = false;
    while let Some(chunk) = field.chunk().await? {
        if over || out.len() + chunk.len() > cap {
            over = true;
            out = Vec::new();
        } else {
            out.extend_from_slice(&chunk);
        }
    }
    Ok((!over).then_some(out))
}

/// Re-encodes the photos on a blocking thread.
async fn reencode_all(uploads: Vec<Vec<u8>>) -> Result<Vec<Photo>, PhotoError> {
    if uploads.is_empty() {
        return Ok(Vec::new());
    }
    let job = tokio::task::spawn_blocking(move || uploads.iter().map(|u| photos::reencode(u)).collect());
    job.await.unwrap_or(Err(PhotoError::Broken))
}

/// The message `key` for the control `id`, with the photo limits filled in.
fn field_error(ctx: &Ctx, id: &'static str, key: &str) -> FieldError {
    let message = ctx
        .t()
        .get(key)
        .replace("{n}", &MAX_PHOTOS.to_string())
        .replace("{mb}", &(MAX_UPLOAD_BYTES / (1024 * 1024)).to_string());
    FieldError { id, message }
}

/// Checks every field and builds the report (without photos), or says what is wrong with each field.
fn check(v: &Values, routing: &Routing, ctx: &Ctx) -> Result<NewReport, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |id: &'static str, key: &str| errors.push(field_error(ctx, id, key));
    let category = check_category(&v.category, routing).map_err(|key| fail("category", key)).ok();
    let place = check_place(&v.place, routing).map_err(|key| fail("place", key)).ok().flatten();
    let lat = parse_coordinate(&v.lat, -90.0, 90.0).map_err(|_| fail("lat", "public.error.latitude")).ok();
    let lon = parse_coordinate(&v.lon, -180.0, 180.0).map_err(|_| fail("lon", "public.error.longitude")).ok();
    let position = match (lat, lon) {
        (Some(Some(lat)), Some(Some(lon))) => LatLon::new(lat, lon).ok(),
        (Some(None), Some(Some(_))) => {
            fail("lat", "public.error.position_pair");
            None
        }
        (Some(Some(_)), Some(None)) => {
            fail("lon", "public.error.position_pair");
            None
        }
        _ => None,
    };
    if [&v.place, &v.lat, &v.lon].iter().all(|s| s.trim().is_empty()) {
        fail("place", "public.error.where_missing");
    }
    let seen_at = parse_local(&v.seen_at).map_err(|_| fail("seen_at", "public.error.seen_at_format")).ok();
    let description =
        check_description(&v.description).map_err(|_| fail("description", description_key(&v.description)));
    let email = match v.email.trim() {
        "" => None,
        e => Email::new(e).map_err(|_| fail("email", "public.error.email")).ok(),
    };
    match (category, seen_at, description) {
        (Some(category), Some(seen_at), Ok(description)) if errors.is_empty() => Ok(NewReport {
            category,
            position,
            place,
            seen_at,
            description,
            reporter: Reporter::resident(email),
            source: "web".into(),
            photos: Vec::new(),
            created_at: None,
        }),
        _ => Err(errors),
    }
}

fn check_category(code: &str, routing: &Routing) -> Result<Code, &'static str> {
    if code.trim().is_empty() {
        return Err("public.error.category_missing");
    }
    let code = Code::new(code.trim()).map_err(|_| "public.error.category_unknown")?;
    match routing.category(&code) {
        Some(c) if c.parent.is_some() => Ok(code),
        _ => Err("public.error.category_unknown"),
    }
}

fn check_place(code: &str, routing: &Routing) -> Result<Option<Code>, &'static str> {
    if code.trim().is_empty() {
        return Ok(None);
    }
    let code = Code::new(code.trim()).map_err(|_| "public.error.place_unknown")?;
    routing.place(&code).map(|_| Some(code.clone())).ok_or("public.error.place_unknown")
}

/// A coordinate in degrees within `[min, max]` (a decimal comma is fine); empty is `None`.
fn parse_coordinate(text: &str, min: f64, max: f64) -> Result<Option<f64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let x: f64 = text.replace(',', ".").parse().map_err(|_| ())?;
    if x.is_finite() && (min..=max).contains(&x) { Ok(Some(x)) } else { Err(()) }
}

/// A `datetime-local` value (`YYYY-MM-DDTHH:MM`, seconds optional) in Stockholm time, as epoch ms.
fn parse_local(text: &str) -> Result<i64, ()> {
    let dt: jiff::civil::DateTime = text.trim().parse().map_err(|_| ())?;
    dt.to_zoned_datetime(stockholm()).map(|z| z.timestamp().as_millisecond()).map_err(|_| ())
}

fn description_key(text: &str) -> &'static str {
    if text.trim().is_empty() {
        "public.error.description_missing"
    } else if contains_identity_number(text) {
        "public.error.description_pnr"
    } else {
        "public.error.description_long"
    }
}

/// The store's refusal, as a message on the field it concerns.
fn from_store(ctx: &Ctx, invalid: &Invalid, v: &Values) -> FieldError {
    let at_position = if v.lat.trim().is_empty() { "place" } else { "lat" };
    match invalid.field {
        "position" if invalid.value.is_empty() => field_error(ctx, "place", "public.error.where_missing"),
        "position" => field_error(ctx, at_position, "public.error.outside"),
        "place" => field_error(ctx, "place", "public.error.place_unknown"),
        "category" => field_error(ctx, "category", "public.error.category_unknown"),
        "seen_at" => field_error(ctx, "seen_at", "public.error.seen_at_range"),
        "description" => field_error(ctx, "description", description_key(&v.description)),
        "photo" | "photos" => field_error(ctx, "photos", "public.error.photo_type"),
        _ => FieldError { id: "description", message: invalid.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_and_local_times_parse_strictly() {
        assert_eq!(parse_coordinate(" 59,394 ", -90.0, 90.0), Ok(Some(59.394)));
        assert_eq!(parse_coordinate("", -90.0, 90.0), Ok(None));
        assert!(parse_coordinate("91", -90.0, 90.0).is_err());
        assert!(parse_coordinate("NaN", -90.0, 90.0).is_err());
        assert!(parse_coordinate("59.3N", -90.0, 90.0).is_err());
        // 12:00 in Stockholm in June is 10:00 UTC.
        assert_eq!(parse_local("2025-06-03T12:00"), Ok(1_748_944_800_000));
        assert_eq!(parse_local("2025-06-03T12:00:30"), Ok(1_748_944_830_000));
        assert!(parse_local("2025-02-30T12:00").is_err());
        assert!(parse_local("igår").is_err());
    }
}
