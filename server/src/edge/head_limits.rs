//! Limits on a request's head, checked before anything reads it: the stock
//! HTTP server accepts about 400 KB of headers, which every layer (the rate
//! rule, the session lookup, the logs) would then carry. Browsers send a few
//! kilobytes; anything far beyond is refused with 431 (headers) or 414 (URI).

use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// One header's value, at most (a full cookie jar fits).
pub const MAX_HEADER_VALUE: usize = 8 * 1024;
/// All header names and values together, at most.
pub const MAX_HEADERS_TOTAL: usize = 32 * 1024;
/// The request target (path and query), at most.
pub const MAX_URI: usize = 8 * 1024;

/// Why a head is refused, if it is.
pub fn refusal(req: &Request<Body>) -> Option<(StatusCode, &'static str)> {
    if req.uri().path_and_query().map_or(0, |p| p.as_str().len()) > MAX_URI {
        return Some((StatusCode::URI_TOO_LONG, "request URI too long"));
    }
    let mut total = 0;
    for (name, value) in req.headers() {
        if value.len() > MAX_HEADER_VALUE {
            return Some((StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "a request header is too large"));
        }
        total += name.as_str().len() + value.len();
    }
    (total > MAX_HEADERS_TOTAL).then_some((StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large"))
}

pub async fn head_limits(req: Request<Body>, next: Next) -> Response {
    match refusal(&req) {
        Some(answer) => answer.into_response(),
        None => next.run(req).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_header(value: usize, count: usize) -> Request<Body> {
        let mut b = Request::builder().uri("/");
        for i in 0..count {
            b = b.header(format!("x-h{i}"), "a".repeat(value));
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn a_browsers_head_passes_and_an_outsized_one_is_refused_with_431_or_414() {
        assert_eq!(refusal(&with_header(4000, 3)), None, "a few kilobytes of cookies");
        assert_eq!(
            refusal(&with_header(MAX_HEADER_VALUE + 1, 1)).map(|r| r.0),
            Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE)
        );
        assert_eq!(refusal(&with_header(7000, 5)).map(|r| r.0), Some(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE));
        let long = Request::builder().uri(format!("/search?q={}", "a".repeat(MAX_URI))).body(Body::empty()).unwrap();
        assert_eq!(refusal(&long).map(|r| r.0), Some(StatusCode::URI_TOO_LONG));
    }
}
