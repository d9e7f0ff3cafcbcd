//! A server function that fails before its body runs (its arguments could
//! not be decoded) answers 500 with an `AppError` body; this sets the status
//! from the error's kind, as `AppError::status` says (400 for undecodable
//! arguments), so every server-function error carries its kind's status.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{Response, StatusCode};
use axum::middleware::Next;

pub async fn server_fn_bad_input(req: Request, next: Next) -> Response<Body> {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let resp = next.run(req).await;
    if resp.status() != StatusCode::INTERNAL_SERVER_ERROR || !resp.headers().contains_key("serverfnerror") {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
