//! `/api/v1/serious-talks`: the same records as the pages, as JSON, for the
//! social services role only, scoped to its district areas and audited the
//! same way (every list, read and change is in the audit log).

use super::view::district_areas;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use trygg_core::{Attendees, Code, Invalid, SeriousTalk, TalkCase, TalkComment, TalkOutcome, TalkReference};
use trygg_store::TalkQuery;
use utoipa::{IntoParams, ToSchema};

/// Who attended the talk besides the youth.
#[derive(Serialize, Deserialize, ToSchema, Default, Clone, Copy)]
#[serde(deny_unknown_fields, default)]
pub struct AttendeesIo {
    guardian: bool,
    police: bool,
    social_services: bool,
    other: bool,
}

/// A serious-talk record. There is no name, identity number or address: the
/// reference is random.
#[derive(Serialize, ToSchema)]
pub struct TalkOut {
    /// Random pseudonymous reference, e.g. `AT-7K3QX9PM`.
    reference: String,
    /// District area code.
    area: String,
    /// `under-12`, `12-14`, `15-17` or `18-20`.
    age_band: String,
    /// `girl`, `boy`, `other`, or null when not stated.
    sex: Option<String>,
    /// `shoplifting`, `vandalism`, `violence`, `threat`, `drugs`, `theft`, `robbery`, `weapons` or `other`.
    offence: String,
    /// When social services became aware (RFC 3339, UTC).
    aware_at: String,
    /// 48 hours after `aware_at`.
    deadline: String,
    /// When the talk was held, or null.
    held_at: Option<String>,
    /// Who attended.
    attendees: AttendeesIo,
    /// Why the talk was late, or null.
    late_reason: Option<String>,
    /// The one short comment, or null.
    comment: Option<String>,
    /// Whether the talk was held within 48 hours.
    held_within_48h: bool,
    /// Hours from awareness to the talk, or null.
    hours_to_talk: Option<f64>,
    /// Not held and past the deadline.
    overdue: bool,
}

fn talk_out(t: &SeriousTalk, now: Timestamp) -> TalkOut {
    let a = t.outcome.attendees;
    TalkOut {
        reference: t.reference.to_string(),
        area: t.case.area.to_string(),
        age_band: t.case.age_band.to_string(),
        sex: t.case.sex.map(|s| s.to_string()),
        offence: t.case.offence.to_string(),
        aware_at: t.case.aware_at.to_string(),
        deadline: t.deadline().to_string(),
        held_at: t.outcome.held_at.map(|h| h.to_string()),
        attendees: AttendeesIo {
            guardian: a.guardian,
            police: a.police,
            social_services: a.social_services,
            other: a.other,
        },
        late_reason: t.outcome.late_reason.map(|r| r.to_string()),
        comment: t.outcome.comment.as_ref().map(ToString::to_string),
        held_within_48h: t.held_within_48h(),
        hours_to_talk: t.hours_to_talk(),
        overdue: t.is_overdue(now),
    }
}

/// A case to register. Unknown fields (a name, an identity number) are refused.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TalkIn {
    /// District area code, one you work in, e.g. `jarva`.
    area: String,
    /// `under-12`, `12-14`, `15-17` or `18-20`.
    age_band: String,
    /// `girl`, `boy` or `other`; leave out when not stated.
    #[serde(default)]
    sex: Option<String>,
    /// One of the offence categories.
    offence: String,
    /// When social services became aware (RFC 3339); default now.
    #[serde(default)]
    aware_at: Option<String>,
    /// When the talk was held (RFC 3339), if it has been.
    #[serde(default)]
    held_at: Option<String>,
    /// Who attended (only with `held_at`).
    #[serde(default)]
    attendees: AttendeesIo,
    /// Why the talk was late: required when held more than 48 hours after awareness.
    #[serde(default)]
    late_reason: Option<String>,
    /// At most 200 characters, no identity number, phone number or e-mail address.
    #[serde(default)]
    comment: Option<String>,
}

fn instant(field: &'static str, s: &str) -> Result<Timestamp, Invalid> {
    s.trim()
        .parse()
        .map_err(|_| Invalid::new(field, s, "an RFC 3339 instant such as 2025-03-14T09:30:00+01:00"))
}

impl TalkIn {
    fn parse(&self) -> Result<(TalkCase, TalkOutcome), Invalid> {
        let a = self.attendees;
        let case = TalkCase {
            area: Code::new(&self.area)
                .map_err(|_| Invalid::new("area", &self.area, "a district area code"))?,
            age_band: self.age_band.parse()?,
            sex: self.sex.as_deref().map(str::parse).transpose()?,
            offence: self.offence.parse()?,
            aware_at: self
                .aware_at
                .as_deref()
                .map_or_else(|| Ok(Timestamp::now()), |s| instant("aware_at", s))?,
        };
        let outcome = TalkOutcome {
            held_at: self.held_at.as_deref().map(|s| instant("held_at", s)).transpose()?,
            attendees: Attendees {
                guardian: a.guardian,
                police: a.police,
                social_services: a.social_services,
                other: a.other,
            },
            late_reason: self.late_reason.as_deref().map(str::parse).transpose()?,
            comment: TalkComment::new(self.comment.as_deref().unwrap_or(""))?,
        };
        Ok((case, outcome))
    }
}

/// Filters for the list.
#[derive(Deserialize, IntoParams, Default)]
#[serde(default)]
pub struct TalkListQuery {
    /// `true`: only cases whose talk has not been held.
    open: Option<String>,
}

async fn scope(state: &AppState, ctx: &Ctx) -> Result<Vec<Code>, ApiError> {
    Ok(district_areas(ctx, &state.store.areas(None, false).await?))
}

/// The serious-talk cases in your district areas, oldest first (social services only; audited).
#[utoipa::path(get, path = "/api/v1/serious-talks", params(TalkListQuery),
    responses((status = 200, body = Vec<TalkOut>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_talks(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TalkListQuery>,
) -> Result<Json<Vec<TalkOut>>, ApiError> {
    let open_only = match q.open.as_deref().map(str::trim) {
        None | Some("" | "false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => return Err(Invalid::new("open", other, "true or false").into()),
    };
    let query = TalkQuery { areas: scope(&state, &ctx).await?, open_only, ..TalkQuery::default() };
    let now = Timestamp::now();
    let talks = state.store.serious_talks(&ctx.actor(), &query).await?;
    Ok(Json(talks.iter().map(|t| talk_out(t, now)).collect()))
}

/// One case by its reference, if it is in your district areas (social services only; audited).
#[utoipa::path(get, path = "/api/v1/serious-talks/{reference}",
    params(("reference" = String, Path, description = "e.g. AT-7K3QX9PM")),
    responses((status = 200, body = TalkOut), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn get_talk(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(reference): Path<String>,
) -> Result<Json<TalkOut>, ApiError> {
    let missing =
        || ApiError::new(StatusCode::NOT_FOUND, format!("serious talk {reference:?} does not exist"));
    let parsed = TalkReference::new(&reference).map_err(|_| missing())?;
    let areas = scope(&state, &ctx).await?;
    match state.store.serious_talk(&ctx.actor(), &areas, &parsed).await? {
        Some(t) => Ok(Json(talk_out(&t, Timestamp::now()))),
        None => Err(missing()),
    }
}

/// Registers a case under a new random reference (social services only; send `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/serious-talks", request_body = TalkIn,
    responses((status = 201, body = TalkOut), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_talk(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Json<TalkIn>, JsonRejection>,
) -> Response {
    let result = async {
        let Json(input) = body.map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, format!("malformed JSON body: {}", e.body_text()))
        })?;
        let (case, outcome) = input.parse()?;
        if !scope(&state, &ctx).await?.contains(&case.area) {
            return Err(Invalid::new("area", case.area.as_str(), "a district area you work in").into());
        }
        Ok::<_, ApiError>(state.store.create_serious_talk(&ctx.actor(), &case, &outcome).await?)
    }
    .await;
    match result {
        Ok(talk) => (StatusCode::CREATED, Json(talk_out(&talk, Timestamp::now()))).into_response(),
        Err(e) => e.into_response(),
    }
}
