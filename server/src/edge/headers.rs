//! Security headers on every response, and a Content-Security-Policy for
//! HTML pages that allows only the shop's own origin plus the inline scripts
//! Leptos writes with this response's nonce (or, on a page the page cache
//! keeps, the inline scripts' hashes: see `page_entry`). The nonce is made
//! here and given to Leptos, so no body is buffered to find it.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{header, HeaderValue, Response};
use axum::middleware::Next;
use std::sync::Arc;

/// The policy for a page whose inline scripts carry `nonce`.
pub fn csp(nonce: &str) -> String {
    csp_with(&format!(" 'nonce-{nonce}'"))
}

/// The policy for a page the page cache keeps: its inline scripts by hash.
pub fn csp_with_hashes(hashes: &[String]) -> String {
    csp_with(&hashes.iter().map(|h| format!(" {h}")).collect::<String>())
}

fn csp_with(inline_scripts: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self'{inline_scripts} 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// This response's nonce, made before the app runs and handed to Leptos
/// through the request (`provide_leptos_nonce`), so the policy header is
/// written without reading the body. A page the page cache keeps has none:
/// the cache takes it off the request and lists script hashes instead.
#[derive(Clone, Debug)]
pub struct CspNonce(pub Arc<str>);

/// In the Leptos render: give it this request's nonce to write on its
/// inline scripts, or, on a request without one, no nonce at all (Leptos
/// would otherwise make its own, which no policy would list).
pub fn provide_leptos_nonce() {
    use leptos::prelude::{provide_context, take_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>().and_then(|p| p.extensions.get::<CspNonce>().cloned());
    match nonce {
        Some(n) => provide_context(leptos::nonce::Nonce::from_value(n.0)),
        None => drop(take_context::<leptos::nonce::Nonce>()),
    }
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

pub async fn security_headers(mut req: Request, next: Next) -> Response<Body> {
    let nonce: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut resp = next.run(req).await;
    let html = is_html(&resp);
    let h = resp.headers_mut();
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("strict-transport-security", HeaderValue::from_static("max-age=63072000; includeSubDomains"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("permissions-policy", HeaderValue::from_static("camera=(), microphone=(), geolocation=()"));
    if html && !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(v) = HeaderValue::from_str(&csp(&nonce)) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    resp
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
