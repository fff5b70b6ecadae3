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
mod ops;
mod pages;
pub mod routes;
mod security;

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
}

impl Default for WebConfig {
    fn default() -> Self {
        Self { secure_cookies: false, session_hours: 8, max_login_failures: 5, lockout_minutes: 15 }
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
