//! The page cache under a crowd: shared pages listed by script hash (no
//! nonce), stored precompressed, and one render for concurrent misses.

use crate::helpers::spawn_app;

/// Every inline script of `html` is listed by hash in `csp`, and nothing else is.
fn allows_exactly_its_inline_scripts(csp: &str, html: &str) {
    let hashes = server::edge::page_entry::inline_script_hashes(html.as_bytes());
    assert!(!hashes.is_empty(), "a page that hydrates has inline scripts");
    for h in &hashes {
        assert!(csp.contains(h.as_str()), "{h} missing from {csp}");
    }
    assert_eq!(csp.matches("'sha256-").count(), hashes.len(), "{csp}");
    assert!(!csp.contains("'nonce-") && !html.contains(" nonce=\""), "no nonce on a shared page");
}

#[tokio::test]
async fn cached_pages_list_their_inline_scripts_by_hash_and_a_cacheable_404_does_too() {
    let app = spawn_app(&[]).await;
    let p = shop::catalog::seed::product(4);
    for (i, path) in [format!("/p/{}", p.slug), format!("/p/{}", p.slug), "/p/no-such-thing".into()].iter().enumerate()
    {
        let r = app.get(path).await;
        let csp = r.headers()["content-security-policy"].to_str().unwrap().to_string();
        let status = r.status().as_u16();
        let html = r.text().await.unwrap();
        assert_eq!(status, if i == 2 { 404 } else { 200 }, "{path}");
        allows_exactly_its_inline_scripts(&csp, &html);
    }
}

#[tokio::test]
async fn a_cached_page_is_sent_precompressed_in_the_encoding_the_browser_takes() {
    use std::io::Read as _;
    let app = spawn_app(&[]).await;
    let path = format!("/p/{}", shop::catalog::seed::product(5).slug);
    let plain = app.get(&path).await.text().await.unwrap();
    for (accept, coding) in [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip")] {
        let r = app.client.get(format!("{}{path}", app.url)).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(r.headers()["x-page-cache"], "hit");
        assert_eq!(r.headers()["content-encoding"], coding, "{accept}");
        assert_eq!(r.headers()["vary"], "accept-encoding");
        let bytes = r.bytes().await.unwrap();
        let mut html = String::new();
        if coding == "br" {
            brotli::Decompressor::new(&bytes[..], 4096).read_to_string(&mut html).unwrap();
        } else {
            flate2::read::GzDecoder::new(&bytes[..]).read_to_string(&mut html).unwrap();
        }
        assert_eq!(html, plain, "the same page, compressed once when it was stored");
    }
}

/// The catalog's store reads so far, once they stop moving: a page's
/// recommendation strips read products after its response, so a figure
/// taken at once could still grow (or include the warm-up's reads).
async fn settled_reads(app: &crate::helpers::TestApp) -> u64 {
    let mut reads = app.state.catalog.stats().misses;
    for _ in 0..40 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        let now = app.state.catalog.stats().misses;
        if now == reads {
            break;
        }
        reads = now;
    }
    reads
}

/// The catalog reads (store reads behind the cache) that `visitors`
/// concurrent requests for one cold product page cost, and the page-cache
/// state of each response.
async fn crowd_at_a_cold_product(visitors: usize) -> (u64, std::collections::BTreeMap<String, usize>) {
    let app = spawn_app(&[]).await;
    // Warm what every page shares (menus, the whole-shop index).
    assert_eq!(app.get(&format!("/p/{}", shop::catalog::seed::product(1).slug)).await.status(), 200);
    let p = shop::catalog::seed::product(2);
    let path = format!("/p/{}", p.slug);
    let reads_before = settled_reads(&app).await;
    let crowd: Vec<_> = (0..visitors)
        .map(|_| {
            let (client, url) = (app.client.clone(), format!("{}{path}", app.url));
            tokio::spawn(async move {
                let r = client.get(url).send().await.unwrap();
                let state = r.headers()["x-page-cache"].to_str().unwrap().to_string();
                (r.status().as_u16(), state, r.text().await.unwrap())
            })
        })
        .collect();
    let mut states = std::collections::BTreeMap::<String, usize>::new();
    for t in crowd {
        let (status, state, html) = t.await.unwrap();
        assert_eq!(status, 200);
        assert!(html.contains(&p.title), "every shopper gets the page");
        *states.entry(state).or_default() += 1;
    }
    let reads = settled_reads(&app).await;
    (reads - reads_before, states)
}

#[tokio::test]
async fn two_hundred_shoppers_at_a_cold_product_page_cost_one_render_and_one_renders_catalog_reads() {
    let (one_shopper, _) = crowd_at_a_cold_product(1).await;
    assert!(one_shopper >= 1, "the product itself is read once");
    let (crowd, states) = crowd_at_a_cold_product(200).await;
    assert_eq!(states.get("miss"), Some(&1), "one render: {states:?}");
    assert_eq!(states.values().sum::<usize>(), 200);
    // One render reads the product and its recommendation strips' products
    // (a few); without coalescing the crowd read them once per shopper. The
    // strips can differ by a product or two between two fresh shops, so the
    // bound is one render's reads, not the single shopper's exact count.
    assert!(crowd <= 5, "the crowd read the catalog {crowd} times (one shopper: {one_shopper})");
}

#[tokio::test]
async fn an_order_renews_only_its_products_cached_pages_and_a_merchant_save_renews_every_page() {
    let app = spawn_app(&[]).await;
    let (sold, other) = (shop::catalog::seed::product(3), shop::catalog::seed::product(4));
    let pages = [format!("/p/{}", sold.slug), format!("/p/{}", other.slug), "/".to_string(), "/c/apparel".to_string()];
    let state = |path: String| {
        let app = &app;
        async move { app.get(&path).await.headers()["x-page-cache"].to_str().unwrap().to_string() }
    };
    for p in &pages {
        assert_eq!(state(p.clone()).await, "miss", "{p}");
    }
    // The worker's refresh after an order (stock moved).
    app.state.catalog.stock_changed(sold.id.as_str()).await.unwrap();
    let mut after_order = Vec::new();
    for p in &pages {
        after_order.push(state(p.clone()).await);
    }
    assert_eq!(after_order, ["miss", "hit", "hit", "hit"], "only the sold product's page renders anew");
    // A merchant's save changes what every page may show.
    let before = app.state.catalog.product_by_slug(other.slug.as_str()).await.unwrap().unwrap();
    let mut renamed = before.clone();
    renamed.title = "Renamed by the merchant".into();
    app.state.catalog.save(&renamed, Some(&before)).await.unwrap();
    let mut after_save = Vec::new();
    for p in &pages {
        after_save.push(state(p.clone()).await);
    }
    assert_eq!(after_save, ["miss", "miss", "miss", "miss"]);
}

#[tokio::test]
async fn a_listing_rendered_for_the_first_time_reads_its_category_from_the_store_once() {
    // Leptos runs a Suspense child twice per render (a dry run it drops,
    // then the render): a load started in the child read the category
    // once per run, each run abandoning the read the last one led.
    let app = spawn_app(&[]).await;
    let before = settled_reads(&app).await;
    assert_eq!(app.get("/c/apparel/shirts").await.status(), 200);
    assert_eq!(settled_reads(&app).await - before, 1, "one read of the category's cards");
}

#[tokio::test]
async fn after_the_catalog_is_warmed_a_categorys_first_visit_reads_nothing_from_the_store() {
    let app = spawn_app(&[]).await;
    app.state.catalog.warm().await.unwrap();
    let before = settled_reads(&app).await;
    for path in ["/c/apparel/shirts", "/c/footwear"] {
        assert_eq!(app.get(path).await.status(), 200, "{path}");
    }
    assert_eq!(settled_reads(&app).await - before, 0, "every listing was read before the first shopper");
}
