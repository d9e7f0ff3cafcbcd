//! Sales and the listings: a sale renews the product's own read at once and
//! its category listings within the stock window, not at once (a rebuild of
//! a 100,000-product index per order stalled every listing); a merchant's
//! save still renews the listings at once. On the memory cache and Redis.
//! While one request rebuilds a listing, the others get the previous one.
//! A sale reaches a listing as a patch of the cards that sold, on every
//! server sharing the cache, not as a read of the whole category.

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

/// Ratings that wait for the test's go, to hold an index rebuild open.
struct Gate(tokio::sync::Semaphore);

#[async_trait::async_trait]
impl shop::catalog::cached::RatingSource for Gate {
    async fn ratings(&self) -> ports::PortResult<std::collections::HashMap<String, domain::review::Summary>> {
        let _pass = self.0.acquire().await.expect("gate open");
        Ok(Default::default())
    }
}

#[tokio::test]
async fn while_one_request_rebuilds_a_listing_the_others_get_the_previous_version_at_once() {
    let gate = Arc::new(Gate(tokio::sync::Semaphore::new(1000)));
    let (table, cache) = (embedded().await, Arc::new(MemoryCache::default()));
    let catalog =
        Arc::new(CachedCatalog::new(CatalogStore::new(table.clone()), cache.clone()).with_ratings(gate.clone()));
    // Another server sharing the table and the cache.
    let other = CachedCatalog::new(CatalogStore::new(table), cache);
    let mut first = seed::product(12);
    first.slug = domain::Slug::parse(&unique("first")).unwrap();
    let first = catalog.save(&first, None).await.unwrap();
    let cat = first.category.to_string();
    assert_eq!(catalog.category(&cat).await.unwrap().len(), 1);

    // The gate closes; a merchant adds a second product on the other server; one request here starts the rebuild.
    let held = gate.0.acquire_many(1000).await.unwrap();
    let mut second = seed::product(13);
    second.slug = domain::Slug::parse(&unique("second")).unwrap();
    second.category = first.category.clone();
    other.save(&second, None).await.unwrap();
    let rebuilding = {
        let (catalog, cat) = (catalog.clone(), cat.clone());
        tokio::spawn(async move { catalog.category(&cat).await.unwrap().len() })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let meanwhile = tokio::time::timeout(Duration::from_secs(2), catalog.category(&cat)).await;
    assert_eq!(meanwhile.expect("answered without waiting for the rebuild").unwrap().len(), 1, "the previous version");

    drop(held);
    assert_eq!(rebuilding.await.unwrap(), 2, "the rebuild has the new product");
    assert_eq!(catalog.category(&cat).await.unwrap().len(), 2, "and every request gets it afterwards");
}

/// Ratings that count how often a listing is built from the store.
#[derive(Default)]
struct Builds(std::sync::atomic::AtomicUsize);

#[async_trait::async_trait]
impl shop::catalog::cached::RatingSource for Builds {
    async fn ratings(&self) -> ports::PortResult<std::collections::HashMap<String, domain::review::Summary>> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Default::default())
    }
}

async fn a_sale_patches_the_listings_without_reading_them_again(cache: Arc<dyn Cache>) {
    let table = embedded().await;
    let (here, there) = (Arc::new(Builds::default()), Arc::new(Builds::default()));
    let catalog = CachedCatalog::new(CatalogStore::new(table.clone()), cache.clone())
        .with_stock_lag(LAG)
        .with_ratings(here.clone());
    let other = CachedCatalog::new(CatalogStore::new(table), cache).with_stock_lag(LAG).with_ratings(there.clone());
    let builds =
        || (here.0.load(std::sync::atomic::Ordering::SeqCst), there.0.load(std::sync::atomic::Ordering::SeqCst));
    let mut p = seed::product(14);
    p.slug = domain::Slug::parse(&unique("patch")).unwrap();
    p.title = format!("Patchable {}", p.slug);
    // A category of its own: tests sharing a Redis share its sales list.
    p.category = domain::CategoryPath::parse(&format!("patch/{}", unique("c"))).unwrap();
    p.variants.truncate(1);
    p.variants[0].stock = 1;
    let p = catalog.save(&p, None).await.unwrap();
    // A product beside it that does not sell.
    let mut q = seed::product(15);
    q.slug = domain::Slug::parse(&unique("unsold")).unwrap();
    q.title = format!("Beside {}", q.slug);
    q.category = p.category.clone();
    let q = catalog.save(&q, None).await.unwrap();
    let search = domain::catalog::Listing { q: "patchable".into(), page: 1, page_size: 24, ..Default::default() };
    assert!(in_stock_on_its_listing(&catalog, &p).await);
    assert!(in_stock_on_its_listing(&other, &p).await);
    assert_eq!(catalog.list(p.category.as_str(), &search).await.unwrap().items.len(), 1);
    assert_eq!(builds(), (1, 0), "one server built the listing, the other read its copy in the shared cache");
    let card_of = |cards: &shop::catalog::cached::Cards, id: &domain::ProductId| {
        cards.iter().find(|c| c.id == id.as_str()).cloned().expect("listed")
    };
    let unsold_before = card_of(&catalog.category(p.category.as_str()).await.unwrap(), &q.id);

    let sold = [StockLine { product_id: p.id.clone(), sku: p.variants[0].sku.clone(), quantity: 1 }];
    catalog.store().reserve(&sold).await.unwrap();
    catalog.stock_changed(p.id.as_str()).await.unwrap();
    tokio::time::sleep(LAG + Duration::from_millis(300)).await;
    assert!(!in_stock_on_its_listing(&catalog, &p).await, "this server shows the sale");
    assert!(!in_stock_on_its_listing(&other, &p).await, "and so does the other");
    let found = catalog.list(p.category.as_str(), &search).await.unwrap();
    assert_eq!(found.items.len(), 1, "the search still finds it");
    assert!(!found.items[0].in_stock);
    assert_eq!(builds(), (1, 0), "patched on both, not read from the store again");
    let patched = catalog.category(p.category.as_str()).await.unwrap();
    assert!(!card_of(&patched, &p.id).in_stock);
    assert!(
        Arc::ptr_eq(&unsold_before, &card_of(&patched, &q.id)),
        "the patch copied a pointer to the card that did not sell, not the card"
    );

    // A merchant's save is not a sale: the listing is read again.
    let mut edit = catalog.product_by_slug(p.slug.as_str()).await.unwrap().unwrap();
    let before = edit.clone();
    edit.variants[0].stock = 3;
    catalog.save(&edit, Some(&before)).await.unwrap();
    assert!(in_stock_on_its_listing(&catalog, &p).await);
    assert_eq!(builds().0, 2);
}

#[tokio::test]
async fn a_sale_patches_the_listings_without_reading_them_again_on_the_memory_cache() {
    a_sale_patches_the_listings_without_reading_them_again(Arc::new(MemoryCache::default())).await;
}

#[tokio::test]
async fn a_sale_patches_the_listings_without_reading_them_again_on_redis() {
    let Some(url) = service("STOREFRONT_TEST_REDIS") else { return };
    a_sale_patches_the_listings_without_reading_them_again(Arc::new(RedisCache::connect(&url, None).await.unwrap()))
        .await;
}
