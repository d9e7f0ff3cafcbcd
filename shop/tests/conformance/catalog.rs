use adapters::cache::{Cache, MemoryCache, RedisCache};
use adapters::testing::{dynamo, embedded};
use adapters::testing::{service, unique};
use ports::kv::{Item, Table, Value};
use ports::PortError;
use shop::catalog::store::{SaveError, StaleStock};
use shop::catalog::{seed, CachedCatalog, CatalogStore, StockLine};
use std::sync::Arc;

fn line(p: &domain::Product, variant: usize, quantity: i64) -> StockLine {
    StockLine { product_id: p.id.clone(), sku: p.variants[variant].sku.clone(), quantity }
}

async fn store_suite(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let mut p = seed::product(1);
    p.variants[0].stock = 3;
    store.save(&p, None).await.unwrap();
    let read = store.by_slug(p.slug.as_str()).await.unwrap().expect("saved product is found by slug");
    assert_eq!(read, p);
    assert_eq!(store.by_id(p.id.as_str()).await.unwrap(), Some(p.clone()));
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
    let moved = store.save(&moved, Some(&p)).await.unwrap();
    assert!(store.by_slug(p.slug.as_str()).await.unwrap().is_none(), "old slug freed");
    assert!(store.category_cards(&leaf).await.unwrap().is_empty(), "old category entry removed");
    assert_eq!(store.category_cards("home/kitchen").await.unwrap().len(), 1);

    // Archiving hides it from listings but keeps it by id.
    let mut archived = moved.clone();
    archived.status = domain::ProductStatus::Archived;
    store.save(&archived, Some(&moved)).await.unwrap();
    assert!(store.category_cards("*").await.unwrap().is_empty());
    assert!(store.by_id(p.id.as_str()).await.unwrap().is_some());

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
            store.by_id(q.id.as_str()).await.unwrap().unwrap().variants[0].stock,
            2,
            "nothing taken when one line is short"
        );
    }
    store.reserve(&[line(&q, 0, 2)]).await.unwrap();
    assert!(store.reserve(&[line(&q, 0, 1)]).await.is_err(), "sold out");
    store.release(&[line(&q, 0, 2)]).await.unwrap();
    assert_eq!(store.by_id(q.id.as_str()).await.unwrap().unwrap().variants[0].stock, 2, "released stock is back");
    let unknown = StockLine { product_id: q.id.clone(), sku: domain::Sku::parse("NOPE").unwrap(), quantity: 1 };
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

// Merchant edits: the editor's form names the version and stock it showed
// (`previous`); sales made meanwhile must stand.

/// A product with two variants (5 and 4 in stock), as stored.
async fn two_variants(store: &CatalogStore) -> domain::Product {
    let mut p = (0..).map(seed::product).find(|p| p.variants.len() >= 2).unwrap();
    p.variants.truncate(2);
    p.variants[0].stock = 5;
    p.variants[1].stock = 4;
    store.save(&p, None).await.unwrap()
}

async fn live(store: &CatalogStore, p: &domain::Product) -> domain::Product {
    store.by_id(p.id.as_str()).await.unwrap().expect("the product is stored")
}

fn stocks(p: &domain::Product) -> Vec<i64> {
    p.variants.iter().map(|v| v.stock).collect()
}

async fn a_title_only_save_keeps_the_stock_sold_meanwhile(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let opened = two_variants(&store).await;
    let sold_out = [line(&opened, 0, 5), line(&opened, 1, 4)];
    store.reserve(&sold_out).await.unwrap();
    let mut edit = opened.clone();
    edit.title = "Renamed while it sold out".into();
    let saved = store.save(&edit, Some(&opened)).await.unwrap();
    let now = live(&store, &opened).await;
    assert_eq!(now.title, "Renamed while it sold out");
    assert_eq!(stocks(&now), [0, 0], "the sales made while the form was open stand");
    assert_eq!(saved, now, "the save returns the product as stored");
    let row = store.admin_rows().await.unwrap().into_iter().find(|r| r.id == opened.id).unwrap();
    assert_eq!(row.stock, 0, "the admin list counts the live stock");
    let card = store.category_cards("*").await.unwrap().into_iter().find(|c| c.id == opened.id).unwrap();
    assert!(!card.in_stock, "the listing knows it sold out");
    store.release(&sold_out).await.unwrap();
    assert_eq!(stocks(&live(&store, &opened).await), [5, 4], "a release gives back what was taken, no more");
}

async fn a_stock_edit_applies_the_difference_to_the_live_stock(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let opened = two_variants(&store).await;
    let mut edit = opened.clone();
    edit.variants[0].stock = 9;
    let saved = store.save(&edit, Some(&opened)).await.unwrap();
    assert_eq!(stocks(&live(&store, &opened).await), [9, 4], "+4 on the first variant, the other untouched");
    assert_eq!(saved.version, opened.version + 1);
    let mut edit = saved.clone();
    edit.variants[1].stock = 1;
    store.save(&edit, Some(&saved)).await.unwrap();
    assert_eq!(stocks(&live(&store, &opened).await), [9, 1], "and down by 3 on the second");
}

async fn a_stock_edit_from_a_stale_form_is_refused_and_changes_nothing(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let opened = two_variants(&store).await;
    store.reserve(&[line(&opened, 0, 2)]).await.unwrap();
    let mut edit = opened.clone();
    edit.title = "Not saved".into();
    edit.variants[0].stock = 10;
    edit.variants[1].stock = 6;
    let refused = store.save(&edit, Some(&opened)).await;
    let expected = vec![StaleStock { sku: opened.variants[0].sku.to_string(), now: 3 }];
    assert!(matches!(&refused, Err(SaveError::StockChanged(s)) if *s == expected), "{refused:?}");
    assert_eq!(
        refused.unwrap_err().to_string(),
        "stock changed since you opened this form",
        "each stale variant carries its own message"
    );
    assert_eq!(expected[0].to_string(), "stock changed since you opened this form (now 3)");
    let now = live(&store, &opened).await;
    assert_eq!(now.title, opened.title, "nothing written");
    assert_eq!(stocks(&now), [3, 4], "neither variant's stock changed");
    assert_eq!(now.version, opened.version);
}

async fn a_second_save_from_the_same_version_is_refused(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let opened = two_variants(&store).await;
    let mut first = opened.clone();
    first.title = "First editor".into();
    store.save(&first, Some(&opened)).await.unwrap();
    let mut second = opened.clone();
    second.title = "Second editor".into();
    second.variants[1].stock = 7;
    let refused = store.save(&second, Some(&opened)).await;
    assert!(matches!(refused, Err(SaveError::Conflict)), "{refused:?}");
    assert_eq!(
        SaveError::Conflict.to_string(),
        "someone else changed this product since you opened it; reload to see their changes"
    );
    let now = live(&store, &opened).await;
    assert_eq!((now.title.as_str(), now.version), ("First editor", opened.version + 1), "the first save stands");
    assert_eq!(stocks(&now), [5, 4], "the refused save wrote no stock");
    // After a reload (the new version) the second editor's save goes through.
    store.save(&second, Some(&now)).await.unwrap();
    let now = live(&store, &opened).await;
    assert_eq!((now.title.as_str(), now.version, stocks(&now)), ("Second editor", opened.version + 2, vec![5, 7]));
}

async fn a_product_stored_before_versions_existed_is_edited_from_version_0(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table.clone());
    let opened = two_variants(&store).await;
    let mut doc = serde_json::to_value(&opened).unwrap();
    doc.as_object_mut().unwrap().remove("version");
    let old_item = Item::new(format!("P#{}", opened.id), "A")
        .with("doc", Value::S(doc.to_string()))
        .with("slug", Value::S(opened.slug.to_string()));
    table.put_many(vec![old_item]).await.unwrap();
    let legacy = live(&store, &opened).await;
    assert_eq!(legacy.version, 0);
    let mut edit = legacy.clone();
    edit.title = "Edited once".into();
    store.save(&edit, Some(&legacy)).await.unwrap();
    assert!(matches!(store.save(&edit, Some(&legacy)).await, Err(SaveError::Conflict)), "versioned from then on");
    assert_eq!(live(&store, &opened).await.version, 1);
}

async fn archiving_leaves_the_stock_as_it_was(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    let opened = two_variants(&store).await;
    // A sale between reading the product and archiving it.
    store.reserve(&[line(&opened, 1, 3)]).await.unwrap();
    let mut archived = opened.clone();
    archived.status = domain::ProductStatus::Archived;
    store.save(&archived, Some(&opened)).await.unwrap();
    let now = live(&store, &opened).await;
    assert_eq!(now.status, domain::ProductStatus::Archived);
    assert_eq!(stocks(&now), [5, 1], "archive wrote no stock");
    store.release(&[line(&opened, 1, 3)]).await.unwrap();
    assert_eq!(stocks(&live(&store, &opened).await), [5, 4], "no phantom stock after the release");
}

macro_rules! on_both_tables {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn on_the_embedded_table() {
                super::$name(adapters::testing::embedded().await).await;
            }
            #[tokio::test]
            async fn on_dynamodb() {
                let Some(t) = adapters::testing::dynamo().await else { return };
                super::$name(t).await;
            }
        }
    )*};
}

on_both_tables!(
    a_title_only_save_keeps_the_stock_sold_meanwhile,
    a_stock_edit_applies_the_difference_to_the_live_stock,
    a_stock_edit_from_a_stale_form_is_refused_and_changes_nothing,
    a_second_save_from_the_same_version_is_refused,
    a_product_stored_before_versions_existed_is_edited_from_version_0,
    archiving_leaves_the_stock_as_it_was,
);

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

    // A product that does not exist is read from the store once, then
    // remembered as absent, until a product is saved under that slug.
    let mut later = seed::product(8);
    later.slug = domain::Slug::parse(&unique("later")).unwrap();
    later.id = domain::ProductId::parse(&unique("later")).unwrap();
    let before = catalog.stats().misses;
    for _ in 0..3 {
        assert_eq!(catalog.product_by_slug(later.slug.as_str()).await.unwrap(), None);
        assert_eq!(catalog.product_by_id(later.id.as_str()).await.unwrap(), None);
    }
    assert_eq!(catalog.stats().misses, before + 2, "one store read for the slug and one for the id");
    catalog.save(&later, None).await.unwrap();
    assert_eq!(catalog.product_by_slug(later.slug.as_str()).await.unwrap(), Some(later.clone()));
    assert_eq!(catalog.product_by_id(later.id.as_str()).await.unwrap(), Some(later));
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
    cached_suite(Arc::new(RedisCache::connect(&url, None).await.unwrap())).await;
}

#[tokio::test]
async fn pages_still_read_from_the_store_when_the_cache_is_down() {
    let dead: Arc<dyn Cache> = Arc::new(RedisCache::connect("redis://127.0.0.1:1", None).await.unwrap());
    let catalog = CachedCatalog::new(CatalogStore::new(embedded().await), dead);
    let p = seed::product(9);
    catalog.save(&p, None).await.unwrap();
    assert_eq!(catalog.product_by_slug(p.slug.as_str()).await.unwrap(), Some(p.clone()));
    assert_eq!(catalog.category("*").await.unwrap().len(), 1);
    assert!(catalog.stats().fallbacks >= 2, "fallbacks are counted: {:?}", catalog.stats());
}
