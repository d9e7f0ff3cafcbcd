//! Memory under junk: 10,000 distinct made-up URLs, methods, query strings,
//! cookies and request ids must not grow the process by more than a stated
//! bound. A process of its own (this file is its own test binary), so no
//! other test's allocations are counted.
//!
//! What would grow without the bounds: metric series per method, page-cache
//! entries per query string, request ids in logs and spans.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may fail loudly

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::sync::Arc;

/// How much the process may grow across the 10,000 junk requests.
/// (Without the page cache's key normalisation it grew about 40 MiB here.)
const BOUND_MIB: u64 = 16;

fn rss_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    kib / 1024
}

fn junk(i: usize, slugs: &[String]) -> (reqwest::Method, String) {
    let slug = &slugs[i % slugs.len()];
    // Catalog pages (0, 4) are fetched as a crawler would (GET); the rest
    // also with made-up methods and HEAD.
    let method = match (i % 6, i % 3) {
        (0 | 4, _) | (_, 0) => reqwest::Method::GET,
        (_, 1) => reqwest::Method::from_bytes(format!("MADEUP{i}").as_bytes()).unwrap(),
        _ => reqwest::Method::HEAD,
    };
    let path = match i % 6 {
        0 => format!("/p/{slug}?utm_source=junk{i}&fbclid={i:x}"),
        1 => format!("/no/such/page/{i}"),
        2 => format!("/c/apparel?made_up_filter_{i}=1"),
        3 => format!("/p/no-such-product-{i}"),
        4 => format!("/?ref={i}&x{i}=y"),
        _ => format!("/assets/{i}.js?v={i}"),
    };
    (method, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_junk_requests_grow_the_process_by_less_than_the_stated_bound() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let app = Arc::new(helpers::spawn_app(&[("STOREFRONT_EDGE__RATE_LIMIT", "1000000".into())]).await);
    let slugs: Arc<Vec<String>> =
        Arc::new((0..20).map(|n| shop::catalog::seed::product(n).slug.as_str().to_string()).collect());
    let run = |from: usize, to: usize| {
        let (app, slugs) = (app.clone(), slugs.clone());
        async move {
            let workers: Vec<_> = (0..16)
                .map(|w| {
                    let (app, slugs) = (app.clone(), slugs.clone());
                    tokio::spawn(async move {
                        for i in (from + w..to).step_by(16) {
                            let (method, path) = junk(i, &slugs);
                            let mut req = app
                                .client
                                .request(method, format!("{}{path}", app.url))
                                .header("x-request-id", format!("junk-{i}"));
                            if i % 4 == 1 {
                                // Made-up sessions and carts (the rest stay anonymous, so the page cache sees them).
                                req = req.header("cookie", format!("sf_session={i:032x}; sf_cart=junk{i}"));
                            }
                            let r = req.send().await.unwrap();
                            assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
                            let _ = r.bytes().await;
                        }
                    })
                })
                .collect();
            for w in workers {
                w.await.unwrap();
            }
        }
    };
    // Warm up: every page kind rendered, pools and caches at their working size.
    run(0, 1_000).await;
    let before = rss_mib();
    run(1_000, 11_000).await;
    let after = rss_mib();
    eprintln!("RSS {before} MiB before, {after} MiB after 10,000 junk requests");
    assert!(
        after.saturating_sub(before) < BOUND_MIB,
        "the process grew {} MiB (bound {BOUND_MIB} MiB): {before} -> {after}",
        after.saturating_sub(before)
    );
}
