//! Signing in and out, and changing one's password. Sessions are rotated on
//! sign-in, failures are rate limited per address and per client, and every
//! outcome is audited.

use crate::AppState;
use crate::ctx::{Ctx, SESSION_COOKIE, set_cookie};
use crate::error::PageError;
use crate::pages;
use crate::security::{random_token, sha256_hex};
use axum::Form;
use axum::extract::State;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cookie::SameSite;
use serde::Deserialize;
use std::sync::OnceLock;
use trygg_core::{Email, Password, hash_password, verify_password};
use trygg_store::{User, now_ms};

/// The sign-in form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub async fn login(State(state): State<AppState>, ctx: Ctx, Form(form): Form<LoginForm>) -> Response {
    let t = ctx.t();
    let again = |status: StatusCode, key: &'static str| {
        (status, pages::login_page(&ctx, &form.email, &form.next, Some(t.get(key)))).into_response()
    };
    let Ok(email) = Email::new(&form.email) else {
        return again(StatusCode::UNAUTHORIZED, "login.failed");
    };
    let email_key = format!("email:{email}");
    let client_key = format!("ip:{}", ctx.client);
    match is_locked_out(&state, &email_key, &client_key).await {
        Ok(false) => {}
        Ok(true) => {
            audit(&state, &ctx.actor(), "login.locked", &email_key).await;
            return again(StatusCode::TOO_MANY_REQUESTS, "login.locked");
        }
        Err(e) => return PageError::from_store(e, t).into_response(),
    }
    let user = match check_password(&state, &email, form.password.clone()).await {
        Ok(u) => u,
        Err(e) => return PageError::from_store(e, t).into_response(),
    };
    let Some(user) = user else {
        for key in [&email_key, &client_key] {
            if let Err(e) = state.store.record_login_failure(key).await {
                return PageError::from_store(e, t).into_response();
            }
        }
        audit(&state, &ctx.actor(), "login.failed", &email_key).await;
        return again(StatusCode::UNAUTHORIZED, "login.failed");
    };
    if let Err(e) = state.store.clear_login_failures(&email_key).await {
        return PageError::from_store(e, t).into_response();
    }
    match start_session(&state, &ctx, &user).await {
        Ok(cookie) => {
            audit(&state, &format!("user:{}", user.id), "login", &format!("user:{}", user.id)).await;
            redirect_with_cookie(pages::safe_next(&form.next), cookie)
        }
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}

async fn is_locked_out(state: &AppState, email_key: &str, client_key: &str) -> trygg_store::Result<bool> {
    let since = now_ms() - state.config.lockout_minutes * 60_000;
    let max = state.config.max_login_failures;
    Ok(state.store.login_failures_since(email_key, since).await? >= max
        || state.store.login_failures_since(client_key, since).await? >= max * 4)
}

/// The user if the password matches an enabled account. Unknown addresses
/// cost the same hashing time, so timing does not reveal which exist.
async fn check_password(
    state: &AppState,
    email: &Email,
    password: String,
) -> trygg_store::Result<Option<User>> {
    let found = state.store.user_for_login(email).await?;
    let (user, hash) = match found {
        Some((u, h)) if !u.disabled => (Some(u), h),
        _ => (None, dummy_hash().to_owned()),
    };
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false);
    Ok(user.filter(|_| ok))
}

fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| match Password::new(&random_token()) {
        Ok(p) => hash_password(&p),
        Err(_) => String::new(),
    })
}

/// Creates a fresh session (a new token: no fixation) and ends the old one.
async fn start_session(
    state: &AppState,
    ctx: &Ctx,
    user: &User,
) -> trygg_store::Result<axum::http::HeaderValue> {
    if let Some(old) = &ctx.session_hash {
        state.store.delete_session(old).await?;
    }
    let token = random_token();
    let max_age = state.config.session_hours * 3600;
    state
        .store
        .create_session(&sha256_hex(&token), user.id, &random_token(), now_ms() + max_age * 1000)
        .await?;
    Ok(set_cookie(SESSION_COOKIE, &token, max_age, state.config.secure_cookies, SameSite::Lax))
}

fn redirect_with_cookie(to: &str, cookie: axum::http::HeaderValue) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(SET_COOKIE, cookie);
    if let Ok(loc) = to.parse() {
        headers.insert(LOCATION, loc);
    }
    (StatusCode::SEE_OTHER, headers).into_response()
}

async fn audit(state: &AppState, actor: &str, action: &str, record: &str) {
    if let Err(e) = state.store.audit(actor, action, record, "").await {
        tracing::error!(error = %e, action, "audit failed");
    }
}

/// `POST /logout`.
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Response {
    if let Some(hash) = &ctx.session_hash
        && let Err(e) = state.store.delete_session(hash).await
    {
        return PageError::from_store(e, ctx.t()).into_response();
    }
    audit(&state, &ctx.actor(), "logout", &ctx.actor()).await;
    redirect_with_cookie("/", set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies, SameSite::Lax))
}

/// The password-change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
}

/// `POST /account/password`: checks the current password and the policy,
/// ends every session of the user and starts a new one for this browser.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<PasswordForm>,
) -> Response {
    let t = ctx.t();
    let Some(user) = ctx.user.clone() else {
        return PageError::new(StatusCode::UNAUTHORIZED, t.get("error.signin")).into_response();
    };
    let again = |key: &'static str| {
        (StatusCode::BAD_REQUEST, pages::password_page(&ctx, Some(t.get(key)), None)).into_response()
    };
    match check_password(&state, &user.email, form.current.clone()).await {
        Ok(Some(_)) => {}
        Ok(None) => return again("password.wrong_current"),
        Err(e) => return PageError::from_store(e, t).into_response(),
    }
    if form.new != form.repeat {
        return again("password.mismatch");
    }
    let Ok(password) = Password::new(&form.new) else {
        return again("password.policy");
    };
    let hash = match tokio::task::spawn_blocking(move || hash_password(&password)).await {
        Ok(h) => h,
        Err(_) => {
            return PageError::new(StatusCode::INTERNAL_SERVER_ERROR, t.get("error.internal"))
                .into_response();
        }
    };
    let result = async {
        state.store.set_password(user.id, &hash).await?;
        start_session(&state, &Ctx { session_hash: None, ..ctx.clone() }, &user).await
    }
    .await;
    match result {
        Ok(cookie) => {
            audit(&state, &ctx.actor(), "user.password", &format!("user:{}", user.id)).await;
            redirect_with_cookie("/account/password?changed=1", cookie)
        }
        Err(e) => PageError::from_store(e, t).into_response(),
    }
}
