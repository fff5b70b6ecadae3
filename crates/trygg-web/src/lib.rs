//! Trygg's web layer: server-rendered HTML pages in Swedish (English by
//! choice), a JSON API under `/api/v1/` with an OpenAPI document,
//! sessions, roles, CSRF protection and audit.
//!
//! Every route is declared once in [`routes::table`] together with the
//! roles that may use it; the router is built from that table, so a route
//! cannot exist without an access rule. Nothing that matters lives in the
//! process: sessions, login-failure counts and the audit log are in the
//! database, so several servers can share one PostgreSQL.

mod api;
mod auth;
mod ctx;
mod error;
mod i18n;
mod imports;
pub mod mail;
mod open311;
mod ops;
mod pages;
mod plans;
mod reports;
mod results;
pub mod routes;
mod security;
mod serious_talks;
mod situation;
mod tertial;
mod walks;

pub use i18n::{Lang, Translations};
pub use ops::Metrics;

use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;
use trygg_store::Store;

/// How the web layer behaves.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` and send HSTS: set when served over TLS (behind a proxy).
    pub secure_cookies: bool,
    /// How long a session lasts without signing in again.
    pub session_hours: i64,
    /// Failed logins per e-mail address within the window before lockout.
    pub max_login_failures: i64,
    /// The window for counting failed logins, in minutes.
    pub lockout_minutes: i64,
    /// The address users reach this server at, for links in e-mail (no trailing slash).
    pub public_url: String,
    /// Whether Open311 accepts `POST requests` without an `api_key` (as a resident).
    pub open311_anonymous_post: bool,
    /// Where to send mail; `None` leaves notifications queued in the outbox.
    pub smtp: Option<SmtpConfig>,
    /// How long serious-talk records are kept, in days (counted from awareness);
    /// older ones are folded into the figures and deleted once a day.
    pub serious_talk_retention_days: i64,
}

/// An SMTP relay to send notifications through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port (25, or 587 with STARTTLS).
    pub port: u16,
    /// The sender address.
    pub from: String,
    /// Seconds between passes over the outbox.
    pub poll_secs: u64,
    /// The first retry's delay in seconds; it doubles per attempt, up to an hour.
    pub retry_base_secs: u64,
}

impl SmtpConfig {
    /// A relay at `host:port` sending as `from`, polling every 5 s, retrying after 30 s.
    pub fn new(host: &str, port: u16, from: &str) -> Self {
        Self { host: host.into(), port, from: from.into(), poll_secs: 5, retry_base_secs: 30 }
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            session_hours: 8,
            max_login_failures: 5,
            lockout_minutes: 15,
            public_url: "http://127.0.0.1:8080".into(),
            open311_anonymous_post: false,
            smtp: None,
            serious_talk_retention_days: 365,
        }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Configuration.
    pub config: Arc<WebConfig>,
    /// Translations for every language.
    pub translations: Arc<Translations>,
    /// Request counters for `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl AppState {
    /// State over `store` with the built-in translations.
    pub fn new(store: Store, config: WebConfig) -> Self {
        Self {
            store,
            config: Arc::new(config),
            translations: Arc::new(Translations::builtin()),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// The complete application: routes, access checks, security headers, errors.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves the application on `addr` until Ctrl-C or SIGTERM.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

/// Serves on an already bound listener (tests bind port 0).
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    tokio::spawn(prune_periodically(state.store.clone()));
    tokio::spawn(purge_serious_talks_daily(state.store.clone(), state.config.serious_talk_retention_days));
    if let Some(smtp) = state.config.smtp.clone() {
        tokio::spawn(mail::send_periodically(state.clone(), smtp));
    }
    let app = app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await
}

/// Removes expired sessions and old login failures every hour. Safe to run
/// in several servers at once: each run is a pair of idempotent deletes.
async fn prune_periodically(store: Store) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = store.prune(24 * 3_600_000).await {
            tracing::warn!(error = %e, "pruning sessions failed");
        }
    }
}

/// Deletes serious-talk records older than `days` once a day (the first run at
/// start), keeping their figures. Safe on several servers: a record is
/// folded by the transaction that deletes it.
async fn purge_serious_talks_daily(store: Store, days: i64) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        tick.tick().await;
        let before = trygg_store::now_ms() - days.max(1).saturating_mul(86_400_000);
        match store.purge_serious_talks("system", before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "purged old serious-talk records"),
            Err(e) => tracing::warn!(error = %e, "purging serious-talk records failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
