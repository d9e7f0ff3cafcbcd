//! Product images uploaded by merchants, served from the object store under
//! `/media/...` (keys are random, so each name is immutable).

use app::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

pub async fn media(State(st): State<AppState>, Path(rest): Path<String>) -> Response {
    let key = format!("media/{rest}");
    if ports::objects::check_key(&key).is_err() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match st.services.objects.get(&key).await {
        Ok(Some(o)) => (
            [
                (header::CONTENT_TYPE, o.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_string()),
            ],
            o.body,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "media read failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
