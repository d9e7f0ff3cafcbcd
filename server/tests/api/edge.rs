//! Edge protections: the shared rate rule, headers, CSRF, body limits,
//! the page cache, metrics, and hostile input.

use crate::helpers::{env_or_skip, spawn_app};
use leptos::server_fn::ServerFn;

fn random_ip() -> String {
    let n = uuid::Uuid::new_v4().as_u128();
    format!("10.{}.{}.{}", (n >> 16) as u8, (n >> 8) as u8, n as u8)
}

#[tokio::test]
async fn two_instances_sharing_redis_share_one_rate_count() {
    let Some(redis) = env_or_skip("STOREFRONT_TEST_REDIS") else { return };
    let cfg = || {
        vec![
            ("STOREFRONT_CACHE__URL", redis.clone()),
            ("STOREFRONT_EDGE__RATE_LIMIT", "10".to_string()),
            ("STOREFRONT_EDGE__RATE_WINDOW_SECS", "60".to_string()),
            ("STOREFRONT_EDGE__CLIENT_IP_HEADER", "x-forwarded-for".to_string()),
            ("STOREFRONT_EDGE__TRUSTED_PROXIES", "127.0.0.1".to_string()),
            ("STOREFRONT_SERVER__SEED_PRODUCTS", "5".to_string()),
        ]
    };
    let (a, b) = (spawn_app(&cfg()).await, spawn_app(&cfg()).await);
    let ip = random_ip();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let app = if i % 2 == 0 { &a } else { &b };
        let r = app
            .client
            .get(format!("{}/robots.txt", app.url))
            .header("x-forwarded-for", format!("198.51.100.1, {ip}"))
            .send()
            .await
            .unwrap();
        if r.status() == 429 {
            let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&retry), "Retry-After {retry}");
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(
        statuses,
        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 429],
        "ten requests across both servers, then refused"
    );
    // Another client is unaffected.
    let other =
        a.client.get(format!("{}/robots.txt", a.url)).header("x-forwarded-for", random_ip()).send().await.unwrap();
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn checkout_has_a_stricter_limit() {
    let app = spawn_app(&[
        ("STOREFRONT_EDGE__STRICT_LIMIT", "3".into()),
        ("STOREFRONT_EDGE__CLIENT_IP_HEADER", "x-forwarded-for".into()),
        ("STOREFRONT_EDGE__TRUSTED_PROXIES", "127.0.0.1".into()),
    ])
    .await;
    let ip = random_ip();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = app
            .client
            .post(format!("{}{}", app.url, app::cart_api::PlaceOrder::PATH))
            .header("x-forwarded-for", &ip)
            .header("content-type", "application/json")
            .body("{}")
            .send()
            .await
            .unwrap();
        statuses.push(r.status().as_u16());
    }
    assert_eq!(&statuses[3..], [429, 429], "{statuses:?}");
    assert!(statuses[..3].iter().all(|s| *s != 429));
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_nonce_csp() {
    let app = spawn_app(&[]).await;
    // The cart is a page of the shopper's own: never cached, so it has a nonce.
    let r = app.get("/cart").await;
    let h = r.headers().clone();
    let html = r.text().await.unwrap();
    for (name, value) in [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ] {
        assert_eq!(h[name], value);
    }
    assert!(h["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    let nonce = server::edge::headers::find_nonce(html.as_bytes()).expect("inline scripts carry a nonce");
    assert!(csp.contains(&format!("'nonce-{nonce}'")), "CSP allows this page's nonce only: {csp}");
    let again = app.get("/cart").await;
    let other = server::edge::headers::find_nonce(again.text().await.unwrap().as_bytes());
    assert_ne!(other.as_deref(), Some(nonce.as_str()), "every response gets a fresh nonce");
}

#[tokio::test]
async fn a_cross_origin_post_is_refused_and_changes_nothing() {
    let app = spawn_app(&[]).await;
    let p = shop::catalog::seed::product(3);
    let body =
        serde_json::json!({ "product_id": p.id, "sku": p.variants[0].sku.to_string(), "quantity": 1 }).to_string();
    let url = format!("{}{}", app.url, app::cart_api::AddToCart::PATH);
    let forged = app
        .client
        .post(&url)
        .header("origin", "https://evil.example")
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get("set-cookie").is_none(), "no cart was created");
    let own = app
        .client
        .post(&url)
        .header("origin", &app.url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200, "the same request from the shop's own origin works");
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_4xx() {
    let app = spawn_app(&[]).await;
    let url = format!("{}{}", app.url, app::cart_api::PlaceOrder::PATH);
    let big = app
        .client
        .post(&url)
        .header("content-type", "application/json")
        .body(vec![b'a'; 200_000])
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
    for junk in ["{", "[]", "null", "{\"input\": 5}", "\u{0}\u{1}"] {
        let r = app.client.post(&url).header("content-type", "application/json").body(junk).send().await.unwrap();
        assert!(r.status().is_client_error(), "{junk:?} -> {}", r.status());
    }
}

#[tokio::test]
async fn an_outsized_request_head_is_refused_with_431_or_414_before_anything_reads_it() {
    let app = spawn_app(&[]).await;
    let ok = app
        .client
        .get(format!("{}/", app.url))
        .header("cookie", format!("a={}", "x".repeat(4000)))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "a browser's few kilobytes of cookies pass");
    let big = app.client.get(format!("{}/", app.url)).header("x-big", "x".repeat(20_000)).send().await.unwrap();
    assert_eq!(big.status(), 431);
    let mut many = app.client.get(format!("{}/", app.url));
    for i in 0..6 {
        many = many.header(format!("x-h{i}"), "y".repeat(7000));
    }
    assert_eq!(many.send().await.unwrap().status(), 431, "the headers together");
    let long = app.get(&format!("/search?q={}", "z".repeat(10_000))).await;
    assert_eq!(long.status(), 414);
}

#[tokio::test]
async fn made_up_query_parameters_share_the_pages_cache_entry_instead_of_minting_new_ones() {
    let app = spawn_app(&[]).await;
    let p = shop::catalog::seed::product(9);
    let path = format!("/p/{}", p.slug);
    assert_eq!(app.get(&format!("{path}?utm_source=a")).await.headers()["x-page-cache"], "miss");
    for junk in ["utm_source=b", "x=1&y=2", "fbclid=zzz"] {
        let r = app.get(&format!("{path}?{junk}")).await;
        assert_eq!(r.headers()["x-page-cache"], "hit", "{junk}: the same page, the same entry");
    }
    assert_eq!(app.get(&path).await.headers()["x-page-cache"], "hit");
    let refused = app.get("/c/apparel?no_such_filter=1").await;
    assert_eq!(refused.status(), 400);
    assert_ne!(
        app.get("/c/apparel?no_such_filter=1")
            .await
            .headers()
            .get("x-page-cache")
            .map(|v| v.to_str().unwrap().to_string()),
        Some("hit".into()),
        "a refused query is never stored"
    );
}

#[tokio::test]
async fn anonymous_catalog_pages_come_from_the_page_cache_until_the_catalog_changes() {
    let app = spawn_app(&[]).await;
    let p = shop::catalog::seed::product(7);
    let path = format!("/p/{}", p.slug);
    let first = app.get(&path).await;
    assert_eq!(first.headers()["x-page-cache"], "miss");
    let cc = first.headers()["cache-control"].to_str().unwrap().to_string();
    assert!(cc.contains("s-maxage=") && cc.contains("stale-while-revalidate="), "{cc}");
    let etag = first.headers()["etag"].to_str().unwrap().to_string();
    let second = app.get(&path).await;
    assert_eq!(second.headers()["x-page-cache"], "hit");
    assert_eq!(second.headers()["etag"].to_str().unwrap(), etag, "same page, same ETag");
    assert_eq!(first.headers()["content-security-policy"], second.headers()["content-security-policy"]);
    assert_eq!(first.text().await.unwrap(), second.text().await.unwrap(), "the stored bytes, as they are");
    let revalidated = app.client.get(format!("{}{path}", app.url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(revalidated.status(), 304);

    // A catalog write invalidates every cached page.
    let mut changed = app.state.catalog.product_by_slug(p.slug.as_str()).await.unwrap().unwrap();
    changed.title = "Freshly renamed".into();
    let before = changed.clone();
    app.state.catalog.save(&changed, Some(&before)).await.unwrap();
    let after = app.get(&path).await;
    assert_eq!(after.headers()["x-page-cache"], "miss");
    assert!(after.text().await.unwrap().contains("Freshly renamed"));
}

#[tokio::test]
async fn metrics_are_exposed_in_prometheus_format() {
    let app = spawn_app(&[]).await;
    app.get("/").await;
    let (status, text) = app.text("/metrics").await;
    assert_eq!(status, 200);
    for needle in [
        "http_requests_total{route=",
        "http_request_duration_seconds_bucket{route=",
        "catalog_cache_hit_ratio",
        "page_cache_hit_ratio",
        "queue_messages{queue=\"orders\"",
        "queue_messages{queue=\"dead_letter\"",
        "worker_lag_seconds",
        "mails{state=\"failed\"}",
        "rate_limited_total",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
}

#[tokio::test]
async fn script_in_a_product_title_renders_inert() {
    let app = spawn_app(&[]).await;
    let mut p = shop::catalog::seed::product(2);
    let before = app.state.catalog.product_by_slug(p.slug.as_str()).await.unwrap().unwrap();
    p.title = "<script>alert('xss')</script><img src=x onerror=alert(1)>".into();
    p.description = "</script><script>alert(2)</script>".into();
    app.state.catalog.save(&p, Some(&before)).await.unwrap();
    for path in [format!("/p/{}", p.slug), "/".to_string(), format!("/c/{}", p.category)] {
        let (status, html) = app.text(&path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert"), "{path}: raw script tag in HTML");
        assert!(!html.contains("<img src=x"), "{path}: raw img tag");
    }
    let (_, html) = app.text(&format!("/p/{}", p.slug)).await;
    assert!(html.contains("&lt;script&gt;alert"), "escaped title shown as text");
}

#[tokio::test]
async fn sql_injection_strings_change_nothing() {
    let app = spawn_app(&[]).await;
    let before = app.state.orders.repo.counts().await.unwrap();
    let cards_before = app.state.catalog.category("*").await.unwrap().len();
    for path in [
        "/p/'%20OR%201=1--",
        "/p/x';DROP%20TABLE%20orders;--",
        "/c/apparel'%20OR%20'1'='1",
        "/search?q=%27%3B%20DROP%20TABLE%20orders%3B%20--",
        "/c/apparel?brand=%27%20OR%201%3D1--",
        "/orders/o'%20OR%201=1--",
    ] {
        let (status, _) = app.text(path).await;
        assert!(status < 500, "{path} -> {status}");
    }
    let body = serde_json::json!({ "id": "o' OR '1'='1" }).to_string();
    let r = app
        .client
        .post(format!("{}{}", app.url, app::cart_api::OrderStatus::PATH))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    assert_eq!(app.state.orders.repo.counts().await.unwrap(), before, "orders table intact");
    assert_eq!(app.state.catalog.category("*").await.unwrap().len(), cards_before);
}

#[tokio::test]
async fn made_up_methods_are_counted_as_other_and_mint_no_metric_series() {
    let app = spawn_app(&[]).await;
    for i in 0..50 {
        let method = reqwest::Method::from_bytes(format!("JUNK{i}").as_bytes()).unwrap();
        let r = app.client.request(method, format!("{}/junk-{i}", app.url)).send().await.unwrap();
        assert!(r.status().is_client_error(), "a made-up method is refused, not a 5xx: {}", r.status());
    }
    let (_, text) = app.text("/metrics").await;
    assert!(!text.contains("JUNK"), "no series per made-up method");
    assert!(text.contains("method=\"other\""), "they are counted together");
}

#[tokio::test]
async fn a_request_id_is_echoed_only_when_it_looks_like_one() {
    let app = spawn_app(&[]).await;
    let id_of = |r: &reqwest::Response| r.headers().get("x-request-id").unwrap().to_str().unwrap().to_string();
    let r = app.client.get(format!("{}/healthz", app.url)).header("x-request-id", "trace-42.a_b").send().await.unwrap();
    assert_eq!(id_of(&r), "trace-42.a_b", "a caller's sane id follows the request");
    for odd in ["x".repeat(65), "x".repeat(8_000), "<script>".into(), "a b".into()] {
        let r = app.client.get(format!("{}/healthz", app.url)).header("x-request-id", &odd).send().await.unwrap();
        let id = id_of(&r);
        assert!(id != odd && id.len() == 36, "an odd id is replaced by a fresh one, got {} chars", id.len());
    }
    let huge = app.client.get(format!("{}/healthz", app.url)).header("x-request-id", "x".repeat(100_000)).send().await;
    assert_eq!(huge.unwrap().status(), 431, "100 KB never reaches the request-id layer");
}
