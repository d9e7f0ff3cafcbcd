//! A shared cache for anonymous catalog pages, as CloudFront would give:
//! `Cache-Control` with `s-maxage` and `stale-while-revalidate`, an `ETag`
//! answered with 304, and an in-app copy in the cache port (shared by every
//! server through Redis) keyed by the catalog's global version and the
//! recommendations version, so any catalog write or recommendations run
//! makes every cached page stale at once.
//!
//! Pages carry a per-response CSP nonce: the stored copy has a placeholder
//! instead, and each response gets a fresh nonce.

use super::headers::{csp, find_nonce, is_html};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use axum::middleware::Next;
use ports::cache::Cache;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const MARKER: &str = "__SF_NONCE__";

#[derive(Clone)]
pub struct PageCache {
    pub cache: Arc<dyn Cache>,
    pub ttl: Duration,
    pub hits: Arc<AtomicU64>,
    pub misses: Arc<AtomicU64>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    etag: String,
    body: String,
}

/// Catalog pages that look the same to every anonymous shopper.
pub fn cacheable_path(path: &str) -> bool {
    path == "/" || path == "/search" || path.starts_with("/c/") || path.starts_with("/p/")
}

/// No session and no flash notice waiting: the page is the same for everyone.
/// The largest page body kept in the cache; a bigger one is served, not kept.
pub const MAX_STORED_BODY: usize = 1 << 20;

/// The page's address as the cache keys it: the path and only the query
/// parameters the page reads, in a fixed order (the first of a repeated
/// one, as the page takes it), so made-up parameters cannot mint entries.
/// `None` when the page refuses the query (a 400 listing): it is rendered
/// and never stored.
pub fn cache_target(path: &str, query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default()).ok()?;
    let kept = if path == "/search" || path.starts_with("/c/") {
        let listing = domain::catalog::Listing::parse(&pairs).ok()?;
        let mut kept = listing.to_query();
        // A search without `sort` ranks by relevance; an explicit one (even
        // the default) is another page.
        if path == "/search" && pairs.iter().any(|(k, _)| k == "sort") && !kept.iter().any(|(k, _)| k == "sort") {
            kept.push(("sort".into(), listing.sort.as_str().into()));
        }
        kept
    } else {
        // Every page's header reads `q` (the search box); a product page its `variant`.
        let wanted = |k: &str| k == "q" || (k == "variant" && path.starts_with("/p/"));
        let mut kept: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs {
            if wanted(&k) && !kept.iter().any(|(seen, _)| *seen == k) {
                let v = if k == "q" { v.chars().take(200).collect() } else { v.chars().take(80).collect() };
                kept.push((k, v));
            }
        }
        kept.sort();
        kept
    };
    Some(format!("{path}{}", app::components::query_string(&kept)))
}

fn anonymous(req: &Request) -> bool {
    app::cookies::read(req.headers(), shop::accounts::session::COOKIE).is_none()
        && app::cookies::read(req.headers(), app::forms::NOTICE_COOKIE).is_none()
}

fn cache_control(ttl: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!("public, max-age=0, s-maxage={}, stale-while-revalidate=300", ttl.as_secs()))
        .unwrap_or(HeaderValue::from_static("no-cache"))
}

fn etag_of(body: &str) -> String {
    let d = Sha256::digest(body.as_bytes());
    format!("\"{}\"", shop::orders::cart::hex(&d[..12]))
}

fn respond(
    req_etag: Option<&str>,
    etag: &str,
    body: String,
    ttl: Duration,
    state: &'static str,
    nonce: Option<&str>,
) -> Response<Body> {
    let not_modified = req_etag.is_some_and(|t| t.split(',').any(|x| x.trim() == etag));
    let mut resp = if not_modified {
        Response::builder().status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .body(Body::from(body))
    }
    .unwrap_or_default();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, cache_control(ttl));
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert("x-page-cache", HeaderValue::from_static(state));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(v) = nonce.and_then(|n| HeaderValue::from_str(&csp(n)).ok()) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

pub async fn page_cache(State(pc): State<PageCache>, req: Request, next: Next) -> Response<Body> {
    if pc.ttl.is_zero() || req.method() != Method::GET || !cacheable_path(req.uri().path()) || !anonymous(&req) {
        return next.run(req).await;
    }
    let Some(target) = cache_target(req.uri().path(), req.uri().query()) else {
        return next.run(req).await;
    };
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(String::from);
    let version = match pc.cache.get("v:*").await {
        Ok(v) => v.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "0".into()),
        Err(_) => return next.run(req).await,
    };
    // Pages carry recommendation strips too: a new recommendations version
    // makes them stale as well.
    let reco = match pc.cache.get(shop::recommend::VERSION_CACHE_KEY).await {
        Ok(v) => v.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "0".into()),
        Err(_) => return next.run(req).await,
    };
    let key = format!("page:{version}:{reco}:{target}");
    if let Ok(Some(bytes)) = pc.cache.get(&key).await {
        if let Ok(stored) = serde_json::from_slice::<Stored>(&bytes) {
            pc.hits.fetch_add(1, Ordering::Relaxed);
            let nonce = uuid::Uuid::new_v4().simple().to_string();
            let body = stored.body.replace(MARKER, &nonce);
            return respond(if_none_match.as_deref(), &stored.etag, body, pc.ttl, "hit", Some(&nonce));
        }
    }
    pc.misses.fetch_add(1, Ordering::Relaxed);
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || !is_html(&resp) || resp.headers().contains_key(header::SET_COOKIE) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 8 << 20).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if bytes.len() > MAX_STORED_BODY {
        tracing::warn!(bytes = bytes.len(), path = %target, "page too large to keep in the page cache");
        return Response::from_parts(parts, Body::from(bytes));
    }
    let html = String::from_utf8_lossy(&bytes).into_owned();
    let nonce = find_nonce(&bytes);
    let marked = match &nonce {
        Some(n) => html.replace(n.as_str(), MARKER),
        None => html.clone(),
    };
    let etag = etag_of(&marked);
    if let Ok(v) = serde_json::to_vec(&Stored { etag: etag.clone(), body: marked }) {
        let _ = pc.cache.set(&key, &v, Some(pc.ttl)).await;
    }
    respond(if_none_match.as_deref(), &etag, html, pc.ttl, "miss", nonce.as_deref())
}

#[cfg(test)]
mod tests {
    use super::cache_target;

    #[test]
    fn made_up_parameters_do_not_change_a_pages_cache_key() {
        assert_eq!(cache_target("/", Some("utm=1&x=2")), Some("/".into()));
        assert_eq!(cache_target("/p/tee", Some("b=1&variant=TEE-M&a=2")), Some("/p/tee?variant=TEE-M".into()));
        assert_eq!(
            cache_target("/p/tee", Some("variant=A&variant=B")),
            Some("/p/tee?variant=A".into()),
            "the first, as the page"
        );
        assert_eq!(cache_target("/p/tee", Some("variant=A&q=x")), cache_target("/p/tee", Some("q=x&variant=A")));
    }

    #[test]
    fn a_listings_key_is_its_canonical_query_and_a_refused_query_is_never_stored() {
        assert_eq!(cache_target("/c/shirts", Some("page=1&sort=newest")), cache_target("/c/shirts", None));
        assert_eq!(cache_target("/c/shirts", Some("junk=1")), None, "the page answers 400; nothing is kept");
        assert_eq!(cache_target("/search", Some("q=tee&page=2")), Some("/search?q=tee&page=2".into()));
        assert_ne!(
            cache_target("/search", Some("q=tee")),
            cache_target("/search", Some("q=tee&sort=newest")),
            "relevance (no sort) and an explicit newest are different pages"
        );
        assert_eq!(
            cache_target("/search", Some("q=made+up&q=tee")),
            Some("/search?q=made+up".into()),
            "the first q, as the search box shows it"
        );
    }
}
