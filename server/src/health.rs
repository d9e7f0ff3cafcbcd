//! `/healthz` says the process is alive; `/readyz` checks every configured
//! dependency and answers 503 naming the ones that are down. A check runs at
//! most once a second per process, however many load balancers and
//! attackers ask (callers in that second share it), so `/readyz` never turns
//! a flood into database and AWS calls. On the public port of a server with a
//! separate operator port it names only what is down, not the backends.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The last readiness report and when it was made, shared by one router's routes.
#[derive(Clone, Default)]
pub struct Readiness {
    last: Arc<tokio::sync::Mutex<Option<(Instant, StatusCode, Value)>>>,
}

const FRESH_FOR: Duration = Duration::from_secs(1);

impl Readiness {
    /// The report, checked again when the last is older than a second; a
    /// caller arriving while a check runs waits for it instead of starting one.
    pub async fn report(&self, state: &AppState) -> (StatusCode, Value) {
        let mut last = self.last.lock().await;
        if let Some((at, status, body)) = &*last {
            if at.elapsed() < FRESH_FOR {
                return (*status, body.clone());
            }
        }
        let (status, body) = check(state).await;
        *last = Some((Instant::now(), status, body.clone()));
        (status, body)
    }

    /// Every check with its backend and error (operators).
    pub async fn full(&self, state: &AppState) -> impl IntoResponse {
        let (status, body) = self.report(state).await;
        (status, Json(body))
    }

    /// Only the verdict and the names of what is down (the public port).
    pub async fn brief(&self, state: &AppState) -> impl IntoResponse {
        let (status, body) = self.report(state).await;
        (status, Json(json!({ "status": body["status"], "down": body["down"] })))
    }
}

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({ "status": "ok" })))
}

async fn check(state: &AppState) -> (StatusCode, Value) {
    let mut checks = state.services.readiness().await;
    let worker = &state.orders.worker;
    if worker.stats.supervised.load(std::sync::atomic::Ordering::Relaxed) {
        let stalled = worker.stats.stalled_for(worker.tuning.stall);
        checks.push(ports::services::DependencyStatus {
            name: "order_worker",
            backend: "in-process",
            ok: stalled.is_none(),
            error: stalled.map(|s| format!("has not polled its queues for {s} s")),
        });
    }
    let down: Vec<&str> = checks.iter().filter(|c| !c.ok).map(|c| c.name).collect();
    for c in checks.iter().filter(|c| !c.ok) {
        tracing::warn!(
            dependency = c.name,
            backend = c.backend,
            error = c.error.as_deref().unwrap_or(""),
            "dependency not ready"
        );
    }
    let status = if down.is_empty() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = json!({
        "status": if down.is_empty() { "ready" } else { "unavailable" },
        "down": down,
        "checks": checks,
    });
    (status, body)
}

/// The last static-copy run (prerender + publish), as stored by the scheduler.
pub async fn failover_status(State(state): State<AppState>) -> impl IntoResponse {
    match state.services.db.meta(shop::ops::FAILOVER_LAST_RUN).await {
        Ok(Some(json)) => (StatusCode::OK, [(axum::http::header::CONTENT_TYPE, "application/json")], json),
        Ok(None) => (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            "{\"finished_at\":null}".to_string(),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            "{}".to_string(),
        ),
    }
}
