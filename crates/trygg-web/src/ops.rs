//! Operations endpoints: liveness, readiness and Prometheus metrics.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

/// Request counters and latency sums, per method and status.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), (u64, f64)>>,
}

impl Metrics {
    fn record(&self, method: &str, status: u16, seconds: f64) {
        if let Ok(mut m) = self.requests.lock() {
            let e = m.entry((method.to_owned(), status)).or_default();
            e.0 += 1;
            e.1 += seconds;
        }
    }

    /// The metrics in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP trygg_http_requests_total HTTP requests served.\n");
        out.push_str("# TYPE trygg_http_requests_total counter\n");
        let snapshot = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for ((method, status), (n, _)) in &snapshot {
            let _ = writeln!(out, "trygg_http_requests_total{{method=\"{method}\",status=\"{status}\"}} {n}");
        }
        out.push_str("# HELP trygg_http_request_duration_seconds_sum Time spent serving requests.\n");
        out.push_str("# TYPE trygg_http_request_duration_seconds_sum counter\n");
        for ((method, status), (_, s)) in &snapshot {
            let _ = writeln!(
                out,
                "trygg_http_request_duration_seconds_sum{{method=\"{method}\",status=\"{status}\"}} {s:.6}"
            );
        }
        out.push_str("# HELP trygg_build_info Build information.\n# TYPE trygg_build_info gauge\n");
        let _ = writeln!(out, "trygg_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        out
    }
}

/// Middleware: counts every request by method and status, and logs it.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let res = next.run(req).await;
    let elapsed = start.elapsed().as_secs_f64();
    state.metrics.record(&method, res.status().as_u16(), elapsed);
    tracing::info!(%method, %path, status = res.status().as_u16(), ms = elapsed * 1000.0, "request");
    res
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render())
        .into_response()
}
