//! Cross-site request forgery: a state-changing request (anything but GET,
//! HEAD, OPTIONS) from a browser must come from the shop's own origin. The
//! browser's `Origin` header (or `Referer`, or `Sec-Fetch-Site`) says where
//! it came from; a request from another site gets 403 and changes nothing.
//! Non-browser clients that send none of these are let through: forgery
//! needs a victim's browser.

use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(Clone)]
pub struct SameOrigin {
    /// The configured public origin, e.g. `https://shop.example`.
    pub public_origin: String,
}

fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(format!("{}://{}", scheme.to_ascii_lowercase(), host.to_ascii_lowercase()))
}

pub fn allowed(
    method: &Method,
    origin: Option<&str>,
    referer: Option<&str>,
    fetch_site: Option<&str>,
    host: Option<&str>,
    public_origin: &str,
) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if fetch_site == Some("cross-site") {
        return false;
    }
    let claimed = match (origin, referer) {
        (Some(o), _) if o != "null" => origin_of(o),
        (Some(_), _) => return false,
        (None, Some(r)) => origin_of(r),
        (None, None) => return true,
    };
    let Some(claimed) = claimed else { return false };
    let own = origin_of(public_origin);
    let by_host = host.map(|h| h.to_ascii_lowercase());
    own.as_deref() == Some(claimed.as_str())
        || by_host.is_some_and(|h| claimed.split_once("://").is_some_and(|(_, ch)| ch == h))
}

pub async fn same_origin(State(rule): State<SameOrigin>, req: Request, next: Next) -> Response {
    let h = req.headers();
    let get = |n: header::HeaderName| h.get(n).and_then(|v| v.to_str().ok());
    let ok = allowed(
        req.method(),
        get(header::ORIGIN),
        get(header::REFERER),
        h.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        get(header::HOST),
        &rule.public_origin,
    );
    if !ok {
        tracing::warn!(path = %req.uri().path(), origin = get(header::ORIGIN).unwrap_or("-"), "cross-site request refused");
        return (StatusCode::FORBIDDEN, "Cross-site request refused.\n").into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHOP: &str = "https://shop.example";

    #[test]
    fn same_origin_posts_pass_and_cross_site_posts_fail() {
        let post = Method::POST;
        assert!(allowed(&post, Some("https://shop.example"), None, None, Some("shop.example"), SHOP));
        assert!(allowed(&post, Some("http://127.0.0.1:3000"), None, None, Some("127.0.0.1:3000"), SHOP), "same host");
        assert!(!allowed(&post, Some("https://evil.example"), None, None, Some("shop.example"), SHOP));
        assert!(!allowed(&post, None, Some("https://evil.example/page"), None, Some("shop.example"), SHOP));
        assert!(!allowed(&post, Some("null"), None, None, Some("shop.example"), SHOP));
        assert!(!allowed(&post, None, None, Some("cross-site"), Some("shop.example"), SHOP));
        assert!(allowed(&post, None, None, None, Some("shop.example"), SHOP), "non-browser client");
        assert!(
            allowed(&Method::GET, Some("https://evil.example"), None, None, None, SHOP),
            "reads are not state changes"
        );
    }
}
