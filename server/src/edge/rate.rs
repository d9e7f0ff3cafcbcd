//! A rate rule like AWS WAF's rate-based rule: each client IP may make
//! `limit` requests per window; counts live in the cache port (Redis in the
//! cloud), so every server instance shares them. Checkout and account forms
//! have a stricter limit of their own. Over the limit: 429 with Retry-After.
//! If the cache is down the rule fails open (and logs), so an outage of the
//! counter store does not take the shop down.

use super::{rate_subject, ClientIp};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ports::cache::Cache;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[derive(Clone)]
pub struct RateRule {
    pub cache: Arc<dyn Cache>,
    pub limit: u64,
    pub strict_limit: u64,
    pub window: Duration,
    pub client_ip: ClientIp,
    pub limited: Arc<AtomicU64>,
}

/// Requests under the strict limit: checkout, the account forms' posts
/// (card testing, credential stuffing, reset-mail flooding) and sign-in
/// through an outside issuer.
pub fn is_strict(method: &axum::http::Method, path: &str) -> bool {
    // Applying a code answers whether it exists: guessing codes is throttled like sign-in.
    // A stock alert leads to a mail to the address typed: throttled like a reset.
    let api = ["place_order", "sign_in", "sign_up", "password_reset", "apply_code", "ask_stock_alert"]
        .iter()
        .any(|p| path.starts_with("/api/") && path.contains(p));
    let forms = ["/account/sign-in", "/account/sign-up", "/account/forgot", "/account/reset"].contains(&path);
    // Each start parks a pending sign-in; each callback may call the issuer.
    let outside = path.starts_with("/account/oidc/");
    api || outside || (forms && method == axum::http::Method::POST)
}

/// The load balancer's probes: cheap (`/readyz` checks at most once a
/// second) and must never be refused to the balancer's addresses.
fn exempt(path: &str) -> bool {
    path == "/healthz" || path == "/readyz"
}

pub async fn rate_rule(State(rule): State<RateRule>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if exempt(&path) {
        return next.run(req).await;
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>();
    let Some(ip) = rule.client_ip.of(req.headers(), peer) else {
        return next.run(req).await;
    };
    let subject = rate_subject(ip);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let w = rule.window.as_secs().max(1);
    let slot = now / w;
    let retry_after = (slot + 1) * w - now;
    let mut checks = vec![(format!("rl:{w}:{slot}:{subject}"), rule.limit)];
    if is_strict(req.method(), &path) {
        checks.push((format!("rls:{w}:{slot}:{subject}"), rule.strict_limit));
    }
    for (key, limit) in checks {
        match rule.cache.incr(&key, rule.window + Duration::from_secs(5)).await {
            Ok(n) if n as u64 > limit => {
                rule.limited.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(client.ip = %ip, path = %path, count = n, limit, "rate limit exceeded");
                let mut resp =
                    (StatusCode::TOO_MANY_REQUESTS, "Too many requests: please wait and try again.\n").into_response();
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return resp;
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "rate rule: counter store unavailable; allowing the request"),
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::is_strict;
    use axum::http::Method;

    #[test]
    fn sign_in_paths_are_strict_and_browsing_is_not() {
        assert!(is_strict(&Method::POST, "/account/sign-in"));
        assert!(!is_strict(&Method::GET, "/account/sign-in"), "showing the form is browsing");
        assert!(is_strict(&Method::GET, "/account/oidc/start"));
        assert!(is_strict(&Method::GET, "/account/oidc/callback"));
        assert!(is_strict(&Method::POST, "/api/place_order123"));
        assert!(!is_strict(&Method::GET, "/products/p1"));
    }
}
