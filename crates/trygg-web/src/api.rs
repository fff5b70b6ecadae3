//! The JSON API under `/api/v1/`, described by an OpenAPI 3.1 document
//! generated from these handlers (`/api/v1/openapi.json`).

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use trygg_core::{Area, AreaLevel, Code, Email, Name, Password, Period, Role, StrategyVersion};
use trygg_store::NewAccount;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Trygg API",
        description = "Geography, periods and strategy of a municipality's safety work."
    ),
    paths(
        areas,
        area,
        period,
        strategies,
        session,
        users,
        create_user,
        crate::serious_talks::api::list_talks,
        crate::serious_talks::api::create_talk,
        crate::serious_talks::api::get_talk
    ),
    components(schemas(
        AreaCollection,
        AreaFeature,
        PeriodInfo,
        StrategyOut,
        ElementOut,
        SessionOut,
        UserOut,
        NewUserIn,
        ErrorBody,
        crate::serious_talks::api::TalkOut,
        crate::serious_talks::api::TalkIn,
        crate::serious_talks::api::AttendeesIo
    ))
)]
struct ApiDoc;

/// The OpenAPI document as JSON.
pub fn openapi_json() -> Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null)
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Json<Value> {
    Json(openapi_json())
}

/// A GeoJSON FeatureCollection of areas.
#[derive(Serialize, ToSchema)]
pub struct AreaCollection {
    /// Always `FeatureCollection`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The areas.
    features: Vec<AreaFeature>,
}

/// An area as a GeoJSON Feature: a `MultiPolygon` boundary, a `Point` for a
/// place without one, or no geometry.
#[derive(Serialize, ToSchema)]
pub struct AreaFeature {
    /// Always `Feature`.
    #[serde(rename = "type")]
    kind: &'static str,
    /// The area code.
    id: String,
    /// GeoJSON geometry (WGS84 longitude, latitude) or null.
    #[schema(value_type = Object)]
    geometry: Value,
    /// Everything else about the area.
    #[schema(value_type = Object)]
    properties: Value,
}

fn feature(a: &Area) -> AreaFeature {
    let geometry = match (&a.boundary, a.location) {
        (Some(b), _) => json!({"type": "MultiPolygon", "coordinates": b.to_lon_lat()}),
        (None, Some(p)) => json!({"type": "Point", "coordinates": [p.lon, p.lat]}),
        (None, None) => Value::Null,
    };
    let parents: Vec<Value> = a
        .parents
        .iter()
        .map(|p| json!({"code": p.code, "valid_from": p.valid_from, "valid_to": p.valid_to}))
        .collect();
    AreaFeature {
        kind: "Feature",
        id: a.code.to_string(),
        geometry,
        properties: json!({
            "code": a.code, "name": a.name, "level": a.level, "parents": parents,
            "valid_from": a.valid_from, "valid_to": a.valid_to, "boundary_source": a.boundary_source,
            "kind": a.kind, "exposed": a.exposed,
        }),
    }
}

/// Filters for the area list.
#[derive(Deserialize, utoipa::IntoParams)]
pub struct AreaQuery {
    /// Only this level: `city`, `district_area`, `district` or `place`.
    level: Option<String>,
}

/// Lists areas with their boundaries as GeoJSON. Public: geography is public information.
#[utoipa::path(get, path = "/api/v1/areas", params(AreaQuery),
    responses((status = 200, body = AreaCollection), (status = 400, body = ErrorBody)))]
pub async fn areas(
    State(state): State<AppState>,
    Query(q): Query<AreaQuery>,
) -> Result<Json<AreaCollection>, ApiError> {
    let level = q.level.as_deref().map(str::parse::<AreaLevel>).transpose()?;
    let areas = state.store.areas(level, true).await?;
    Ok(Json(AreaCollection { kind: "FeatureCollection", features: areas.iter().map(feature).collect() }))
}

/// One area as a GeoJSON Feature.
#[utoipa::path(get, path = "/api/v1/areas/{code}", params(("code" = String, Path, description = "Area code, e.g. tensta")),
    responses((status = 200, body = AreaFeature), (status = 404, body = ErrorBody)))]
pub async fn area(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<AreaFeature>, ApiError> {
    let code = Code::new(&code)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, format!("area {code:?} does not exist")))?;
    match state.store.area(&code).await? {
        Some(a) => Ok(Json(feature(&a))),
        None => Err(ApiError::new(StatusCode::NOT_FOUND, format!("area {code:?} does not exist"))),
    }
}

/// A reporting period and its neighbours.
#[derive(Serialize, ToSchema)]
pub struct PeriodInfo {
    /// The period as written, e.g. `2025-T2`.
    period: String,
    /// `year` or `tertial`.
    kind: &'static str,
    /// First day.
    start: String,
    /// First day after the period.
    end_exclusive: String,
    /// The period before.
    previous: String,
    /// The same period a year earlier.
    same_last_year: String,
}

/// Parses a period (`2025` or `2025-T2`) and gives its dates.
#[utoipa::path(get, path = "/api/v1/periods/{period}", params(("period" = String, Path, description = "2025 or 2025-T2")),
    responses((status = 200, body = PeriodInfo), (status = 400, body = ErrorBody)))]
pub async fn period(Path(text): Path<String>) -> Result<Json<PeriodInfo>, ApiError> {
    let p: Period = text.parse()?;
    Ok(Json(PeriodInfo {
        period: p.to_string(),
        kind: if matches!(p, Period::Year(_)) { "year" } else { "tertial" },
        start: p.start().to_string(),
        end_exclusive: p.end().to_string(),
        previous: p.previous().to_string(),
        same_last_year: p.same_last_year().to_string(),
    }))
}

/// A strategy version.
#[derive(Serialize, ToSchema)]
pub struct StrategyOut {
    code: String,
    name: String,
    valid_from: String,
    valid_to: String,
    areas: Vec<String>,
    elements: Vec<ElementOut>,
}

/// An element of a strategy.
#[derive(Serialize, ToSchema)]
pub struct ElementOut {
    /// `direction`, `working_method`, `perspective` or `vulnerable_group`.
    kind: String,
    code: String,
    name: String,
    description: String,
}

fn strategy_out(s: StrategyVersion) -> StrategyOut {
    StrategyOut {
        code: s.code.to_string(),
        name: s.name.to_string(),
        valid_from: s.valid_from.to_string(),
        valid_to: s.valid_to.to_string(),
        areas: s.areas.iter().map(ToString::to_string).collect(),
        elements: s
            .elements
            .into_iter()
            .map(|e| ElementOut {
                kind: e.kind.to_string(),
                code: e.code.to_string(),
                name: e.name.to_string(),
                description: e.description,
            })
            .collect(),
    }
}

/// Every strategy version with its directions, working methods and perspectives.
#[utoipa::path(get, path = "/api/v1/strategies", responses((status = 200, body = Vec<StrategyOut>)))]
pub async fn strategies(State(state): State<AppState>) -> Result<Json<Vec<StrategyOut>>, ApiError> {
    Ok(Json(state.store.strategies().await?.into_iter().map(strategy_out).collect()))
}

/// The signed-in user and the CSRF token that state-changing API calls
/// must send in the `X-CSRF-Token` header.
#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    user: UserOut,
    csrf_token: String,
}

/// A user account.
#[derive(Serialize, ToSchema)]
pub struct UserOut {
    id: i64,
    email: String,
    name: String,
    role: String,
    areas: Vec<String>,
    disabled: bool,
}

fn user_out(u: &trygg_store::User) -> UserOut {
    UserOut {
        id: u.id,
        email: u.email.to_string(),
        name: u.name.to_string(),
        role: u.role.to_string(),
        areas: u.areas.iter().map(ToString::to_string).collect(),
        disabled: u.disabled,
    }
}

/// Who am I; gives the CSRF token for later calls.
#[utoipa::path(get, path = "/api/v1/session", responses((status = 200, body = SessionOut), (status = 401, body = ErrorBody)))]
pub async fn session(ctx: Ctx) -> Result<Json<SessionOut>, ApiError> {
    let user = ctx.user.as_ref().ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "sign in first"))?;
    Ok(Json(SessionOut { user: user_out(user), csrf_token: ctx.csrf.clone() }))
}

/// Every user account (administrators only).
#[utoipa::path(get, path = "/api/v1/users", responses((status = 200, body = Vec<UserOut>), (status = 403, body = ErrorBody)))]
pub async fn users(State(state): State<AppState>) -> Result<Json<Vec<UserOut>>, ApiError> {
    Ok(Json(state.store.users().await?.iter().map(user_out).collect()))
}

/// A user to create.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserIn {
    email: String,
    name: String,
    /// One of admin, coordinator, steering, member, partner, social_services.
    role: String,
    /// Area codes the role applies to.
    #[serde(default)]
    areas: Vec<String>,
    /// At least 10 characters.
    password: String,
}

/// Creates a user account (administrators only; send `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/users", request_body = NewUserIn,
    responses((status = 201, body = UserOut), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_user(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Result<Json<NewUserIn>, JsonRejection>,
) -> Response {
    let result = async {
        let Json(input) = body.map_err(|e| {
            ApiError::new(StatusCode::BAD_REQUEST, format!("malformed JSON body: {}", e.body_text()))
        })?;
        let areas = input.areas.iter().map(|a| Code::new(a)).collect::<Result<Vec<_>, _>>()?;
        let role: Role = input.role.parse()?;
        let (email, name, password) =
            (Email::new(&input.email)?, Name::new(&input.name)?, Password::new(&input.password)?);
        let account = NewAccount { email, name, role, areas, password };
        Ok::<_, ApiError>(state.store.add_user(&ctx.actor(), account).await?)
    }
    .await;
    match result {
        Ok(user) => (StatusCode::CREATED, Json(user_out(&user))).into_response(),
        Err(e) => e.into_response(),
    }
}
