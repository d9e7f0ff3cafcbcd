//! Security headers on every response, and a Content-Security-Policy for
//! HTML pages that allows only the shop's own origin plus the inline scripts
//! Leptos writes with this response's nonce.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Response};
use axum::middleware::Next;

pub fn csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The nonce Leptos put on this page's inline scripts.
pub fn find_nonce(html: &[u8]) -> Option<String> {
    let needle = b"nonce=\"";
    let start = html.windows(needle.len()).position(|w| w == needle)? + needle.len();
    let len = html[start..].iter().position(|b| *b == b'"')?;
    let nonce = std::str::from_utf8(&html[start..start + len]).ok()?;
    nonce.chars().all(|c| c.is_ascii_alphanumeric() || "-_+/=".contains(c)).then(|| nonce.to_string())
}

pub fn is_html(resp: &Response<Body>) -> bool {
    resp.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

pub async fn security_headers(req: Request, next: Next) -> Response<Body> {
    let resp = next.run(req).await;
    let (mut parts, body) = resp.into_parts();
    let h = &mut parts.headers;
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("strict-transport-security", HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if !html || h.contains_key(header::CONTENT_SECURITY_POLICY) {
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, 8 << 20).await {
        Ok(b) => b,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    let policy = match find_nonce(&bytes) {
        Some(n) => csp(&n),
        None => csp("none-on-this-page").replace(" 'nonce-none-on-this-page'", ""),
    };
    if let Ok(v) = HeaderValue::from_str(&policy) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nonce_is_read_from_the_page() {
        assert_eq!(find_nonce(br#"<script nonce="abc_-1">x</script>"#).as_deref(), Some("abc_-1"));
        assert_eq!(find_nonce(b"<p>no scripts</p>"), None);
        assert_eq!(find_nonce(br#"<script nonce="a'b">"#), None, "odd characters are refused");
    }
}
