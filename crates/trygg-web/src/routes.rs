//! The route table: every route with the roles that may use it. The router
//! is built from this table, and the authorization test walks it with every
//! role, so a route cannot exist without an access rule.

use crate::ctx::Ctx;
use crate::error::{ApiError, PageError};
use crate::{AppState, api, auth, ctx, error, ops, pages, security};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{MethodRouter, get, post};
use trygg_core::Role;

/// Every role, including the anonymous public.
pub const EVERYONE: &[Role] = &[
    Role::Public,
    Role::Admin,
    Role::Coordinator,
    Role::Steering,
    Role::Member,
    Role::Partner,
    Role::SocialServices,
];
/// Every signed-in role.
pub const SIGNED_IN: &[Role] =
    &[Role::Admin, Role::Coordinator, Role::Steering, Role::Member, Role::Partner, Role::SocialServices];
/// Administrators only.
pub const ADMIN: &[Role] = &[Role::Admin];

/// How a state-changing route proves that the request is not forged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// The middleware checks the CSRF token (`X-CSRF-Token` or a URL-encoded `csrf` field).
    Csrf,
    /// A multipart form: the handler checks the `csrf` field with
    /// [`security::verify_csrf`] while it reads the body.
    CsrfInHandler,
    /// No cookies count: the handler authenticates the request itself (an
    /// Open311 `api_key`), so a forged cross-site request gains nothing.
    ApiKey,
}

/// One route and who may use it.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path pattern as axum writes it, e.g. `/areas/{code}`.
    pub path: &'static str,
    /// A concrete path for tests, with parameters filled in.
    pub example: &'static str,
    /// The roles that may use it; everyone else is refused.
    pub allow: &'static [Role],
    /// How forgery is prevented.
    pub guard: Guard,
}

impl RouteSpec {
    /// Whether this is a JSON API route (errors as JSON, 401 instead of a redirect).
    pub fn is_api(&self) -> bool {
        self.path.starts_with("/api/") || self.path.starts_with("/open311/")
    }

    /// The same route with another forgery guard.
    pub fn guarded_by(self, guard: Guard) -> Self {
        Self { guard, ..self }
    }
}

/// A route guarded by the CSRF middleware.
pub fn route(method: Method, path: &'static str, example: &'static str, allow: &'static [Role]) -> RouteSpec {
    RouteSpec { method, path, example, allow, guard: Guard::Csrf }
}

/// A route and its handler, as the feature modules contribute them.
pub type Entry = (RouteSpec, MethodRouter<AppState>);

fn entries() -> Vec<Entry> {
    let mut all = core_entries();
    all.extend(crate::reports::routes());
    all.extend(crate::open311::routes());
    all.extend(crate::imports::routes());
    all.extend(crate::serious_talks::routes());
    all.extend(crate::results::routes());
    all.extend(crate::situation::routes());
    all.extend(crate::tertial::routes());
    all.extend(crate::plans::routes());
    all.extend(crate::walks::routes());
    all
}

fn core_entries() -> Vec<Entry> {
    use Method as M;
    vec![
        (route(M::GET, "/", "/", EVERYONE), get(pages::start)),
        (route(M::GET, "/areas", "/areas", EVERYONE), get(pages::areas)),
        (route(M::GET, "/areas/{code}", "/areas/tensta", EVERYONE), get(pages::area)),
        (route(M::GET, "/organisation", "/organisation", SIGNED_IN), get(pages::organisation)),
        (route(M::GET, "/login", "/login", EVERYONE), get(pages::login_form)),
        (route(M::POST, "/login", "/login", EVERYONE), post(auth::login)),
        (route(M::POST, "/logout", "/logout", SIGNED_IN), post(auth::logout)),
        (route(M::GET, "/account/password", "/account/password", SIGNED_IN), get(pages::password_form)),
        (route(M::POST, "/account/password", "/account/password", SIGNED_IN), post(auth::change_password)),
        (route(M::GET, "/admin/users", "/admin/users", ADMIN), get(pages::users)),
        (route(M::POST, "/admin/users", "/admin/users", ADMIN), post(pages::create_user)),
        (
            route(M::POST, "/admin/users/{id}/disabled", "/admin/users/1/disabled", ADMIN),
            post(pages::set_disabled),
        ),
        (route(M::GET, "/admin/audit", "/admin/audit", ADMIN), get(pages::audit)),
        (route(M::GET, "/static/{file}", "/static/style.css", EVERYONE), get(pages::asset)),
        (route(M::GET, "/healthz", "/healthz", EVERYONE), get(ops::healthz)),
        (route(M::GET, "/readyz", "/readyz", EVERYONE), get(ops::readyz)),
        (route(M::GET, "/metrics", "/metrics", EVERYONE), get(ops::metrics)),
        (route(M::GET, "/api/v1/openapi.json", "/api/v1/openapi.json", EVERYONE), get(api::openapi)),
        (route(M::GET, "/api/v1/areas", "/api/v1/areas", EVERYONE), get(api::areas)),
        (route(M::GET, "/api/v1/areas/{code}", "/api/v1/areas/tensta", EVERYONE), get(api::area)),
        (route(M::GET, "/api/v1/periods/{period}", "/api/v1/periods/2025-T2", EVERYONE), get(api::period)),
        (route(M::GET, "/api/v1/strategies", "/api/v1/strategies", EVERYONE), get(api::strategies)),
        (route(M::GET, "/api/v1/session", "/api/v1/session", SIGNED_IN), get(api::session)),
        (route(M::GET, "/api/v1/users", "/api/v1/users", ADMIN), get(api::users)),
        (route(M::POST, "/api/v1/users", "/api/v1/users", ADMIN), post(api::create_user)),
    ]
}

/// The route table, for documentation and the authorization test.
pub fn table() -> Vec<RouteSpec> {
    entries().into_iter().map(|(spec, _)| spec).collect()
}

/// Builds the router: each route behind its access check, then the shared
/// layers (outermost first): metrics, security headers, context, error pages.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (spec, handler) in entries() {
        let path = spec.path;
        let guarded = handler.route_layer(from_fn_with_state(state.clone(), move |s, req, next| {
            access(spec.clone(), s, req, next)
        }));
        router = router.route(path, guarded);
    }
    router
        .fallback(not_found)
        .layer(from_fn(error::render))
        .layer(from_fn_with_state(state.clone(), ctx::load))
        .layer(from_fn_with_state(state.clone(), security::headers))
        .layer(from_fn_with_state(state.clone(), ops::track))
        .with_state(state)
}

async fn not_found(ctx: Ctx, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        ApiError::new(StatusCode::NOT_FOUND, "no such endpoint").into_response()
    } else {
        PageError::new(StatusCode::NOT_FOUND, ctx.t().get("error.not_found")).into_response()
    }
}

async fn access(spec: RouteSpec, State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(ctx) = req.extensions().get::<Ctx>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if !spec.allow.contains(&ctx.role()) {
        return refuse(&spec, &ctx, &state).await;
    }
    if spec.guard != Guard::Csrf {
        return next.run(req).await;
    }
    match security::check_csrf(&ctx, req).await {
        Ok(req) => next.run(req).await,
        Err(res) => res,
    }
}

async fn refuse(spec: &RouteSpec, ctx: &Ctx, state: &AppState) -> Response {
    let t = ctx.t();
    if ctx.user.is_none() {
        return if spec.is_api() {
            ApiError::new(StatusCode::UNAUTHORIZED, "sign in first").into_response()
        } else if spec.method == Method::GET {
            Redirect::to(&format!("/login?next={}", pages::encode(&ctx.path))).into_response()
        } else {
            PageError::new(StatusCode::UNAUTHORIZED, t.get("error.signin")).into_response()
        };
    }
    let record = format!("{} {}", spec.method, ctx.path);
    if let Err(e) = state.store.audit(&ctx.actor(), "access.denied", &record, ctx.role().as_str()).await {
        tracing::error!(error = %e, "audit of a refused request failed");
    }
    if spec.is_api() {
        ApiError::new(StatusCode::FORBIDDEN, "your role may not use this endpoint").into_response()
    } else {
        PageError::new(StatusCode::FORBIDDEN, t.get("error.forbidden")).into_response()
    }
}
