//! Server functions answer 500 when their arguments cannot be decoded;
//! that is the client's fault, so it becomes 400 here. Real server errors
//! (`ServerError|…`) stay 500.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Response, StatusCode};
use axum::middleware::Next;

const CLIENT_FAULTS: [&str; 4] = ["Deserialization|", "Args|", "MissingArg|", "Request|"];

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
    if CLIENT_FAULTS.iter().any(|p| bytes.starts_with(p.as_bytes())) {
        parts.status = StatusCode::BAD_REQUEST;
    }
    Response::from_parts(parts, Body::from(bytes))
}
