//! The recommendations job from the outside: `GET /api/recommendations/runs`
//! (the latest runs as JSON, `?limit=N`, default 20) and `server recommend`
//! (run once now, print the run record). The job itself is
//! `shop::recommend`; the schedule is spawned by `server serve`.

use app::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json};
use serde::Deserialize;
use shop::recommend::{RunError, Trigger};

#[derive(Debug, Deserialize)]
pub struct RunsQuery {
    limit: Option<usize>,
}

pub async fn runs(State(state): State<AppState>, Query(q): Query<RunsQuery>) -> impl IntoResponse {
    match state.recommendations.runs(q.limit.unwrap_or(20).clamp(1, 200)).await {
        Ok(runs) => (StatusCode::OK, Json(serde_json::json!({ "runs": runs }))),
        Err(e) => {
            tracing::error!(error = %e, "reading recommendations runs failed");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({ "error": "runs unavailable" })))
        }
    }
}

/// `server recommend`: run the job once; the record (JSON) goes to stdout
/// whether the run succeeded or was compensated.
pub async fn run_once(state: &AppState) -> Result<(), String> {
    match state.recommendations.run_now(Trigger::Cli).await {
        Ok(run) => {
            println!("{}", serde_json::to_string_pretty(&run).map_err(|e| e.to_string())?);
            Ok(())
        }
        Err(RunError::Failed(run)) => {
            println!("{}", serde_json::to_string_pretty(&run).map_err(|e| e.to_string())?);
            Err(format!("recommendations run {} ended {}", run.id, run.status.as_str()))
        }
        Err(e) => Err(e.to_string()),
    }
}
