//! The per-request context: language, signed-in user (or public), CSRF
//! token. Loaded once by [`load`] and read by handlers through the [`Ctx`] extractor.

use crate::AppState;
use crate::i18n::{Lang, Tr};
use crate::security::{random_token, sha256_hex};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use cookie::{Cookie, SameSite};
use trygg_core::Role;
use trygg_store::User;

/// Session cookie name.
pub const SESSION_COOKIE: &str = "trygg_session";
/// The anonymous visitor's CSRF cookie (double-submit, used by the login form).
pub const CSRF_COOKIE: &str = "trygg_csrf";
/// Language preference cookie.
pub const LANG_COOKIE: &str = "trygg_lang";

/// Who is asking, in which language, and the token their forms must echo.
#[derive(Clone)]
pub struct Ctx {
    /// Page language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub user: Option<User>,
    /// The CSRF token for forms and the `X-CSRF-Token` header.
    pub csrf: String,
    /// Hash of the session token, when signed in.
    pub session_hash: Option<String>,
    /// The request path (for "return here after login").
    pub path: String,
    /// The client's address, for rate limiting and audit.
    pub client: String,
    /// The translations handle.
    pub translations: std::sync::Arc<crate::Translations>,
}

impl Ctx {
    /// The role in effect: the user's, or `public`.
    pub fn role(&self) -> Role {
        self.user.as_ref().map_or(Role::Public, |u| u.role)
    }

    /// The actor string for the audit log.
    pub fn actor(&self) -> String {
        self.user.as_ref().map_or_else(|| format!("public:{}", self.client), |u| format!("user:{}", u.id))
    }

    /// The translation table for this request's language.
    pub fn t(&self) -> Tr<'_> {
        self.translations.get(self.lang)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts.extensions.get::<Ctx>().cloned().ok_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

/// Reads a cookie's value from the request headers.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Builds a `Set-Cookie` value with our flags: `HttpOnly`, `SameSite`, `Path=/`,
/// and `Secure` when configured. `max_age_s` of 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_s: i64, secure: bool, same_site: SameSite) -> HeaderValue {
    let c = Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(same_site)
        .max_age(cookie::time::Duration::seconds(max_age_s))
        .build();
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Middleware: builds the [`Ctx`] and sets the CSRF or language cookie when new.
pub async fn load(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let query_lang = req
        .uri()
        .query()
        .and_then(|q| q.split('&').find_map(|p| p.strip_prefix("lang=")))
        .and_then(Lang::from_tag);
    let lang = query_lang
        .or_else(|| cookie_value(headers, LANG_COOKIE).and_then(Lang::from_tag))
        .unwrap_or(Lang::Sv);
    let session_hash = cookie_value(headers, SESSION_COOKIE).map(sha256_hex);
    let session = match &session_hash {
        Some(h) => match state.store.session(h).await {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "loading the session failed");
                None
            }
        },
        None => None,
    };
    let anon_csrf = cookie_value(headers, CSRF_COOKIE).filter(|v| v.len() == 64).map(str::to_owned);
    let new_anon_csrf = anon_csrf.is_none().then(random_token);
    let csrf = match &session {
        Some(s) => s.csrf_token.clone(),
        None => anon_csrf.clone().or_else(|| new_anon_csrf.clone()).unwrap_or_default(),
    };
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string());
    let ctx = Ctx {
        lang,
        session_hash: session.as_ref().and(session_hash),
        user: session.map(|s| s.user),
        csrf,
        path: req.uri().path().to_owned(),
        client,
        translations: state.translations.clone(),
    };
    req.extensions_mut().insert(ctx);
    let mut res = next.run(req).await;
    let secure = state.config.secure_cookies;
    if let Some(token) = new_anon_csrf {
        res.headers_mut()
            .append(SET_COOKIE, set_cookie(CSRF_COOKIE, &token, 86_400, secure, SameSite::Strict));
    }
    if let Some(lang) = query_lang {
        res.headers_mut()
            .append(SET_COOKIE, set_cookie(LANG_COOKIE, lang.tag(), 31_536_000, secure, SameSite::Lax));
    }
    res
}
