//! Sales and the listings: a sale renews the product's own read at once and
//! its category listings within the stock window, not at once (a rebuild of
//! a 100,000-product index per order stalled every listing); a merchant's
//! save still renews the listings at once. On the memory cache and Redis.

use adapters::cache::{Cache, MemoryCache, RedisCache};
use adapters::testing::{embedded, service, unique};
use shop::catalog::{seed, CachedCatalog, CatalogStore, StockLine};
use std::sync::Arc;
use std::time::Duration;

const LAG: Duration = Duration::from_millis(400);

async fn in_stock_on_its_listing(catalog: &CachedCatalog, p: &domain::Product) -> bool {
    let cards = catalog.category(p.category.as_str()).await.unwrap();
    cards.iter().find(|c| c.id == p.id).expect("listed").in_stock
}

async fn a_sale_reaches_the_listing_within_the_window(cache: Arc<dyn Cache>) {
    let catalog = CachedCatalog::new(CatalogStore::new(embedded().await), cache).with_stock_lag(LAG);
    let mut p = seed::product(11);
    p.slug = domain::Slug::parse(&unique("lag")).unwrap();
    p.variants.truncate(1);
    p.variants[0].stock = 2;
    let p = catalog.save(&p, None).await.unwrap();
    assert!(in_stock_on_its_listing(&catalog, &p).await);

    // The last two units sell.
    let sold = [StockLine { product_id: p.id.clone(), sku: p.variants[0].sku.clone(), quantity: 2 }];
    catalog.store().reserve(&sold).await.unwrap();
    catalog.stock_changed(p.id.as_str()).await.unwrap();
    let read = catalog.product_by_slug(p.slug.as_str()).await.unwrap().unwrap();
    assert_eq!(read.variants[0].stock, 0, "the product itself is renewed at once");
    assert!(in_stock_on_its_listing(&catalog, &p).await, "the listing is not rebuilt for each sale");

    tokio::time::sleep(LAG + Duration::from_millis(300)).await;
    assert!(!in_stock_on_its_listing(&catalog, &p).await, "within the window the listing knows it sold out");

    // A merchant's save renews the listing at once.
    let mut edit = catalog.product_by_slug(p.slug.as_str()).await.unwrap().unwrap();
    let before = edit.clone();
    edit.variants[0].stock = 5;
    catalog.save(&edit, Some(&before)).await.unwrap();
    assert!(in_stock_on_its_listing(&catalog, &p).await, "a merchant's restock shows at once");
}

#[tokio::test]
async fn a_sale_reaches_the_listing_within_the_stock_window_on_the_memory_cache() {
    a_sale_reaches_the_listing_within_the_window(Arc::new(MemoryCache::default())).await;
}

#[tokio::test]
async fn a_sale_reaches_the_listing_within_the_stock_window_on_redis() {
    let Some(url) = service("STOREFRONT_TEST_REDIS") else { return };
    a_sale_reaches_the_listing_within_the_window(Arc::new(RedisCache::connect(&url, None).await.unwrap())).await;
}
