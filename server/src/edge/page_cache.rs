//! A shared cache for anonymous catalog pages, as CloudFront would give:
//! `Cache-Control` with `s-maxage` and `stale-while-revalidate`, an `ETag`
//! answered with 304, and an in-app copy in the cache port (shared by every
//! server through Redis) keyed by the version of what pages show (merchant
//! saves, rules, reviews), the recommendations version and, for a product
//! page, its product's own version: a merchant change or a recommendations
//! run makes every cached page stale at once; an order makes only the
//! pages of the products it sold render anew (listings keep their cached
//! stock badges until the TTL ends).
//!
//! The hit path is lean: the stored entry holds the page already compressed
//! and its hash-based CSP (`page_entry`), so a hit decodes one value and
//! sends bytes as they are. Concurrent misses of one page wait for one
//! render (`ports::flight`): a crowd at a cold page renders it once.

use super::headers::{is_html, CspNonce};
use super::page_entry::{negotiate, Entry};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use ports::cache::Cache;
use ports::flight::SingleFlight;
use shop::catalog::cached::{product_page_version_key, PAGES_VERSION_KEY};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct PageCache {
    pub cache: Arc<dyn Cache>,
    pub ttl: Duration,
    pub hits: Arc<AtomicU64>,
    /// Renders for the cache (one per page and catalog version, however
    /// many asked at once).
    pub misses: Arc<AtomicU64>,
    pub flights: Arc<SingleFlight<Option<Arc<Entry>>>>,
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

/// A stored page as this request wants it: 304 when its ETag matches,
/// else the body in the best encoding the client takes.
fn respond(req: &RequestHead, entry: &Entry, ttl: Duration, state: &'static str) -> Response<Body> {
    let not_modified = req.if_none_match.as_deref().is_some_and(|t| {
        t.split(',').any(|x| {
            let x = x.trim();
            x == entry.etag || x == "*" || entry.etag.strip_prefix("W/") == Some(x.trim_start_matches("W/"))
        })
    });
    let coding = negotiate(req.accept_encoding.as_deref());
    let mut resp = if not_modified {
        Response::builder().status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else {
        let body = entry.body(coding);
        let mut b = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_LENGTH, body.len());
        if let Some(c) = coding {
            b = b.header(header::CONTENT_ENCODING, c);
        }
        b.body(Body::from(body))
    }
    .unwrap_or_default();
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, cache_control(ttl));
    if let Ok(v) = HeaderValue::from_str(&entry.etag) {
        h.insert(header::ETAG, v);
    }
    h.insert("x-page-cache", HeaderValue::from_static(state));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(v) = HeaderValue::from_str(&entry.csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    resp
}

/// What a response needs of the request once the request has gone to the app.
struct RequestHead {
    if_none_match: Option<String>,
    accept_encoding: Option<String>,
}

impl RequestHead {
    fn of(req: &Request) -> Self {
        let header_of = |name| req.headers().get(name).and_then(|v| v.to_str().ok()).map(String::from);
        Self { if_none_match: header_of(header::IF_NONE_MATCH), accept_encoding: header_of(header::ACCEPT_ENCODING) }
    }
}

async fn version(cache: &dyn Cache, key: &str) -> Option<String> {
    match cache.get(key).await {
        Ok(v) => Some(v.map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_else(|| "0".into())),
        Err(_) => None,
    }
}

pub async fn page_cache(State(pc): State<PageCache>, mut req: Request, next: Next) -> Response<Body> {
    if pc.ttl.is_zero() || req.method() != Method::GET || !cacheable_path(req.uri().path()) || !anonymous(&req) {
        return next.run(req).await;
    }
    let Some(target) = cache_target(req.uri().path(), req.uri().query()) else {
        return next.run(req).await;
    };
    let head = RequestHead::of(&req);
    // Pages carry recommendation strips too: a new recommendations version
    // makes them stale as well. A product page also follows its product's
    // own version (stock included); the rest follow merchant changes only,
    // so orders do not empty the page cache in a sale.
    let own = match req.uri().path().strip_prefix("/p/") {
        Some(slug) => version(pc.cache.as_ref(), &product_page_version_key(slug)).await,
        None => Some("-".into()),
    };
    let (Some(pages), Some(reco), Some(own)) = (
        version(pc.cache.as_ref(), PAGES_VERSION_KEY).await,
        version(pc.cache.as_ref(), shop::recommend::VERSION_CACHE_KEY).await,
        own,
    ) else {
        return next.run(req).await;
    };
    let key = format!("page:{pages}:{own}:{reco}:{target}");
    if let Ok(Some(bytes)) = pc.cache.get(&key).await {
        if let Some(entry) = Entry::decode(bytes) {
            pc.hits.fetch_add(1, Ordering::Relaxed);
            return respond(&head, &entry, pc.ttl, "hit");
        }
    }
    // A page everyone shares is rendered without a nonce: its policy lists
    // its scripts' hashes.
    req.extensions_mut().remove::<CspNonce>();
    let again = next.clone();
    let mut own: Option<Request> = Some(req);
    let mut passed: Option<Response<Body>> = None;
    let (own_slot, passed_slot, pc_ref, key_ref, target_ref) = (&mut own, &mut passed, &pc, &key, &target);
    let render = move || async move {
        let req = own_slot.take()?;
        pc_ref.misses.fetch_add(1, Ordering::Relaxed);
        let (entry, resp) = render_and_store(pc_ref, key_ref, target_ref, next, req).await;
        *passed_slot = resp;
        entry
    };
    let shared = pc.flights.run(&key, render).await;
    if let Some(resp) = passed {
        return resp;
    }
    match (shared, own.take()) {
        (Some(entry), None) => respond(&head, &entry, pc.ttl, "miss"),
        (Some(entry), Some(_)) => respond(&head, &entry, pc.ttl, "shared"),
        // Another request's render could not be shared (not a 200, a
        // cookie set): render this one on its own.
        (None, Some(req)) => pass_through(again.run(req).await).await,
        (None, None) => (StatusCode::INTERNAL_SERVER_ERROR, "page render lost").into_response(),
    }
}

/// Render the page; keep it when it is a 200 for everyone. Returns the
/// entry to share, or the response to send as it is (a 404, a redirect, a
/// page that set a cookie, a page too large to keep).
async fn render_and_store(
    pc: &PageCache,
    key: &str,
    target: &str,
    next: Next,
    req: Request,
) -> (Option<Arc<Entry>>, Option<Response<Body>>) {
    let resp = next.run(req).await;
    if resp.status() != StatusCode::OK || !is_html(&resp) || resp.headers().contains_key(header::SET_COOKIE) {
        return (None, Some(pass_through(resp).await));
    }
    let (parts, body) = resp.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 8 << 20).await else {
        return (None, Some(Response::from_parts(parts, Body::empty())));
    };
    if bytes.len() > MAX_STORED_BODY {
        tracing::warn!(bytes = bytes.len(), path = %target, "page too large to keep in the page cache");
        return (None, Some(with_hash_policy(Response::from_parts(parts, Body::empty()), &bytes)));
    }
    let Ok(entry) = tokio::task::spawn_blocking(move || Entry::build(bytes)).await else {
        return (None, Some((StatusCode::INTERNAL_SERVER_ERROR, "page render failed").into_response()));
    };
    let _ = pc.cache.set(key, &entry.encode(), Some(pc.ttl)).await;
    (Some(Arc::new(entry)), None)
}

/// A page rendered without a nonce and not kept: send it with the hash
/// policy of its own scripts (a 404 page still hydrates).
async fn pass_through(resp: Response<Body>) -> Response<Body> {
    if !is_html(&resp) {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    match axum::body::to_bytes(body, 8 << 20).await {
        Ok(bytes) => with_hash_policy(Response::from_parts(parts, Body::empty()), &bytes),
        Err(_) => Response::from_parts(parts, Body::empty()),
    }
}

fn with_hash_policy(resp: Response<Body>, html: &axum::body::Bytes) -> Response<Body> {
    let (mut parts, _) = resp.into_parts();
    let policy = super::headers::csp_with_hashes(&super::page_entry::inline_script_hashes(html));
    if let Ok(v) = HeaderValue::from_str(&policy) {
        parts.headers.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    Response::from_parts(parts, Body::from(html.clone()))
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
