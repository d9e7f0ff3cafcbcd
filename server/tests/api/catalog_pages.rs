use crate::helpers::spawn_app;
use shop::catalog::seed;

#[tokio::test]
async fn the_home_page_is_server_rendered_with_products() {
    let app = spawn_app(&[]).await;
    let (status, html) = app.text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("New arrivals"));
    // The newest demo product is listed in the HTML itself, before any Wasm runs.
    assert!(html.contains(&seed::product(59).title), "newest product missing from SSR HTML");
    assert!(html.contains("<title>Storefront</title>"));
}

#[tokio::test]
async fn a_product_page_carries_its_data_and_seo_tags_in_the_html() {
    let app = spawn_app(&[]).await;
    let p = seed::product(4);
    let (status, html) = app.text(&format!("/p/{}", p.slug)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&p.title));
    assert!(
        html.contains(&p.min_price().to_string()) || p.variants.iter().any(|v| html.contains(&v.price.to_string()))
    );
    assert!(
        html.contains(&format!(r#"<link href="http://127.0.0.1:3000/p/{}" rel="canonical">"#, p.slug)),
        "canonical"
    );
    assert!(html.contains(r#"property="og:title""#), "Open Graph");
    assert!(html.contains(r#""@type":"Product""#), "JSON-LD Product");
    assert!(html.contains(r#""@type":"BreadcrumbList""#), "JSON-LD breadcrumbs");
    assert!(html.contains(&format!("<title>{} · Storefront</title>", p.title)));
}

#[tokio::test]
async fn each_variant_has_its_own_url() {
    let app = spawn_app(&[]).await;
    let p = seed::product(0);
    let last = p.variants.last().unwrap();
    let (status, html) = app.text(&format!("/p/{}?variant={}", p.slug, last.sku)).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!(r#"data-testid="sku">{}<"#, last.sku)), "the URL's variant is selected");
}

#[tokio::test]
async fn unknown_products_and_categories_answer_404() {
    let app = spawn_app(&[]).await;
    for path in ["/p/no-such-product", "/p/NOT%20A%20SLUG", "/c/no-such-category", "/c/..%2F..", "/nowhere"] {
        let (status, html) = app.text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"), "{path}");
    }
}

#[tokio::test]
async fn listing_parameters_are_clamped_or_refused_never_500() {
    let app = spawn_app(&[]).await;
    let clamped = [
        "/c/apparel?page=-3",
        "/c/apparel?page=999999999999999999999",
        "/c/apparel?size=100000000000000000000",
        "/c/apparel?size=0",
        "/c/apparel?min=-5&max=999999999999999999999999",
        "/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/search?q=%3C%2Ftitle%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/search?q=",
    ];
    for path in clamped {
        let (status, html) = app.text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!html.contains("<script>alert(1)"), "{path} reflected markup");
    }
    for path in ["/c/apparel?sort=cheapest", "/c/apparel?colour=red", "/c/apparel?page=two"] {
        let (status, html) = app.text(path).await;
        assert_eq!(status, 400, "{path}");
        assert!(html.contains("We could not read that address"), "{path}");
    }
}

#[tokio::test]
async fn category_filters_sort_and_facets_apply() {
    let app = spawn_app(&[]).await;
    let (status, html) = app.text("/c/apparel/shirts?sort=price-asc&in_stock=1").await;
    assert_eq!(status, 200);
    assert!(html.contains("<h1>Shirts</h1>"));
    let shirts: Vec<_> = (0..60).map(seed::product).filter(|p| p.category.as_str() == "apparel/shirts").collect();
    let mut in_stock: Vec<_> = shirts.iter().filter(|p| p.total_stock() > 0).collect();
    in_stock.sort_by_key(|p| (p.min_price().minor(), p.id.clone()));
    let first = html.find(&in_stock[0].title).expect("cheapest in-stock shirt listed");
    if let Some(last) = in_stock.last() {
        assert!(html.find(&last.title).unwrap() >= first, "ascending price order");
    }
    assert!(html.contains(&format!("{} products", in_stock.len())), "count after filtering");
}

#[tokio::test]
async fn search_ranks_title_matches_first() {
    let app = spawn_app(&[]).await;
    let p = seed::product(12);
    let word = p.title.split(' ').nth(1).unwrap().to_lowercase();
    let (status, html) = app.text(&format!("/search?q={word}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&p.title), "a product with {word:?} in its title is found");
    assert!(html.contains(r#"name="robots" content="noindex""#));
}

#[tokio::test]
async fn sitemap_and_robots_come_from_the_catalog() {
    let app = spawn_app(&[]).await;
    let (status, xml) = app.text("/sitemap.xml").await;
    assert_eq!(status, 200);
    assert!(xml.contains(&format!("/p/{}</loc>", seed::product(3).slug)));
    assert!(xml.contains("/c/apparel/shirts</loc>"));
    assert_eq!(xml.matches("<url>").count(), 1 + 60 + 16, "home, 60 products, 16 categories");
    assert_eq!(xml.matches("<lastmod>").count(), 60, "every product has its date");
    assert_eq!(app.text("/sitemaps/1.xml").await.0, 200, "a part (the index's form for big catalogs)");
    for bad in ["/sitemaps/0.xml", "/sitemaps/2.xml", "/sitemaps/x.xml"] {
        assert_eq!(app.text(bad).await.0, 404, "{bad}");
    }
    let (status, robots) = app.text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains("Sitemap: http://127.0.0.1:3000/sitemap.xml"));
}
