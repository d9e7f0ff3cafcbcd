//! `/healthz` says the process is alive; `/readyz` checks every configured
//! dependency and answers 503 naming the ones that are down.

use app::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use serde_json::json;

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, Json(json!({ "status": "ok" })))
}

pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
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
    (status, Json(body))
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
