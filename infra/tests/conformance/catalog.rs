use crate::kv::{dynamo, embedded};
use crate::support::{service, unique};
use infra::cache::{Cache, MemoryCache, RedisCache};
use infra::catalog::store::SaveError;
use infra::catalog::{seed, CachedCatalog, CatalogStore, StockLine};
use infra::kv::Table;
use infra::PortError;
use std::sync::Arc;

fn line(p: &domain::Product, variant: usize, quantity: i64) -> StockLine {
    StockLine { product_id: p.id.clone(), sku: p.variants[variant].sku.to_string(), quantity }
}

async fn store_suite(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let mut p = seed::product(1);
    p.variants[0].stock = 3;
    store.save(&p, None).await.unwrap();
    let read = store.by_slug(p.slug.as_str()).await.unwrap().expect("saved product is found by slug");
    assert_eq!(read, p);
    assert_eq!(store.by_id(&p.id).await.unwrap(), Some(p.clone()));
    assert!(store.by_slug("no-such-slug").await.unwrap().is_none());

    // Slugs and ids are unique.
    let mut twin = seed::product(2);
    twin.slug = p.slug.clone();
    assert!(matches!(store.save(&twin, None).await, Err(SaveError::SlugTaken(_))));
    assert!(matches!(store.save(&p, None).await, Err(SaveError::IdTaken(_))));

    // Listed in its category, its ancestors and the whole shop.
    let leaf = p.category.to_string();
    let top = p.category.ancestors_and_self()[0].to_string();
    for c in [leaf.as_str(), top.as_str(), "*"] {
        let ids: Vec<String> = store.category_cards(c).await.unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(ids, [p.id.clone()], "listed under {c}");
    }

    // An update that moves category and slug leaves no stale entries.
    let mut moved = p.clone();
    moved.slug = domain::Slug::parse("renamed-product").unwrap();
    moved.category = domain::CategoryPath::parse("home/kitchen").unwrap();
    store.save(&moved, Some(&p)).await.unwrap();
    assert!(store.by_slug(p.slug.as_str()).await.unwrap().is_none(), "old slug freed");
    assert!(store.category_cards(&leaf).await.unwrap().is_empty(), "old category entry removed");
    assert_eq!(store.category_cards("home/kitchen").await.unwrap().len(), 1);

    // Archiving hides it from listings but keeps it by id.
    let mut archived = moved.clone();
    archived.status = domain::ProductStatus::Archived;
    store.save(&archived, Some(&moved)).await.unwrap();
    assert!(store.category_cards("*").await.unwrap().is_empty());
    assert!(store.by_id(&p.id).await.unwrap().is_some());

    // Reservations: all lines or none; never below zero.
    let mut q = seed::product(3);
    q.variants[0].stock = 2;
    let second = 1 % q.variants.len();
    q.variants[second].stock = 1;
    store.save(&q, None).await.unwrap();
    if q.variants.len() > 1 {
        let r = store.reserve(&[line(&q, 0, 1), line(&q, 1, 5)]).await;
        assert!(matches!(r, Err(PortError::ConditionFailed { index: 1 })), "{r:?}");
        assert_eq!(
            store.by_id(&q.id).await.unwrap().unwrap().variants[0].stock,
            2,
            "nothing taken when one line is short"
        );
    }
    store.reserve(&[line(&q, 0, 2)]).await.unwrap();
    assert!(store.reserve(&[line(&q, 0, 1)]).await.is_err(), "sold out");
    store.release(&[line(&q, 0, 2)]).await.unwrap();
    assert_eq!(store.by_id(&q.id).await.unwrap().unwrap().variants[0].stock, 2, "released stock is back");
    let unknown = StockLine { product_id: q.id.clone(), sku: "NOPE".into(), quantity: 1 };
    assert!(store.reserve(&[unknown]).await.is_err(), "an unknown variant cannot be reserved");
}

#[tokio::test]
async fn catalog_store_conforms_on_the_embedded_table() {
    store_suite(embedded().await).await;
}

#[tokio::test]
async fn catalog_store_conforms_on_dynamodb() {
    let Some(t) = dynamo().await else { return };
    store_suite(t).await;
}

async fn cached_suite(cache: Arc<dyn Cache>) {
    let catalog = CachedCatalog::new(CatalogStore::new(embedded().await), cache.clone());
    let mut p = seed::product(7);
    p.slug = domain::Slug::parse(&unique("cached")).unwrap();
    catalog.save(&p, None).await.unwrap();
    // Write-through: the saved product is already in the cache.
    let cached = cache.get(&format!("p:{}", p.slug)).await.unwrap().expect("written through to the cache");
    assert_eq!(serde_json::from_slice::<domain::Product>(&cached).unwrap(), p);
    let before = catalog.stats();
    assert_eq!(catalog.product_by_slug(p.slug.as_str()).await.unwrap(), Some(p.clone()));
    assert_eq!(catalog.stats().hits, before.hits + 1, "served from the cache");

    // A listing read, then a write to that category, then the listing shows the change.
    let cat = p.category.to_string();
    assert!(catalog.category(&cat).await.unwrap().iter().any(|c| c.id == p.id));
    let mut renamed = p.clone();
    renamed.title = "A brand new title".into();
    catalog.save(&renamed, Some(&p)).await.unwrap();
    let listed = catalog.category(&cat).await.unwrap();
    assert_eq!(
        listed.iter().find(|c| c.id == p.id).map(|c| c.title.as_str()),
        Some("A brand new title"),
        "listing invalidated by the write"
    );
    assert_eq!(
        catalog.product_by_slug(p.slug.as_str()).await.unwrap().map(|p| p.title),
        Some("A brand new title".into())
    );
}

#[tokio::test]
async fn cached_catalog_writes_through_the_memory_cache() {
    cached_suite(Arc::new(MemoryCache::default())).await;
}

#[tokio::test]
async fn cached_catalog_writes_through_redis() {
    let Some(url) = service("STOREFRONT_TEST_REDIS") else {
        return;
    };
    cached_suite(Arc::new(RedisCache::connect(&url).await.unwrap())).await;
}

#[tokio::test]
async fn pages_still_read_from_the_store_when_the_cache_is_down() {
    let dead: Arc<dyn Cache> = Arc::new(RedisCache::connect("redis://127.0.0.1:1").await.unwrap());
    let catalog = CachedCatalog::new(CatalogStore::new(embedded().await), dead);
    let p = seed::product(9);
    catalog.save(&p, None).await.unwrap();
    assert_eq!(catalog.product_by_slug(p.slug.as_str()).await.unwrap(), Some(p.clone()));
    assert_eq!(catalog.category("*").await.unwrap().len(), 1);
    assert!(catalog.stats().fallbacks >= 2, "fallbacks are counted: {:?}", catalog.stats());
}
