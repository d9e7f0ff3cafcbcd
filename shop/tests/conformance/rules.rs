//! The shop's shipping zones and tax setting in the catalog table, on every
//! table adapter: a shop that never saved any reads the defaults at version
//! 0, a save reads back as written, and a save naming a version that is not
//! the live one (another merchant saved meanwhile) is refused and changes
//! nothing. Read through the cached catalog (memoised per pages version),
//! a save on one server is what every server reads next, and a dead cache
//! only means the store answers.

use adapters::cache::{MemoryCache, RedisCache};
use adapters::testing::service;
use domain::rules::ShopRules;
use domain::shipping::{Area, Band, Method, MethodCode, Rate, Zone};
use domain::tax::{TaxClass, TaxRate, TaxSettings};
use ports::cache::Cache;
use ports::kv::Table;
use shop::catalog::store::rules::RulesSaveError;
use shop::catalog::{CachedCatalog, CatalogStore};
use std::sync::Arc;

/// Rules using every kind of rate, regions, free-from and tax classes.
fn edited() -> ShopRules {
    let method = |code: &str, rate: Rate, free_from_minor: Option<i64>| Method {
        code: MethodCode::parse(code).unwrap(),
        label: format!("{code} (tracked)"),
        rate,
        free_from_minor,
    };
    let europe = Zone {
        name: "Europe".into(),
        areas: vec![Area::parse("DE").unwrap(), Area::parse("FR").unwrap()],
        rest_of_world: false,
        methods: vec![
            method("standard", Rate::Weight { base_minor: 400, per_kg_minor: 150 }, Some(10_000)),
            method(
                "banded",
                Rate::Bands { bands: vec![Band { from_minor: 0, minor: 995 }, Band { from_minor: 5_000, minor: 495 }] },
                None,
            ),
        ],
    };
    let alaska = Zone {
        name: "Alaska".into(),
        areas: vec![Area::parse("US-AK").unwrap()],
        rest_of_world: true,
        methods: vec![method("express", Rate::Flat { minor: 2_500 }, None)],
    };
    let rate = |area: &str, class: &str, rate: u32| TaxRate {
        area: Area::parse(area).unwrap(),
        class: TaxClass::parse(class).unwrap(),
        label: "VAT".into(),
        rate,
    };
    ShopRules {
        zones: vec![europe, alaska],
        tax: TaxSettings {
            prices_include_tax: true,
            rates: vec![rate("DE", "standard", 19_000), rate("DE", "reduced", 7_000), rate("US-NY", "standard", 8_875)],
        },
    }
}

async fn rules_read_back_as_saved_and_a_stale_save_changes_nothing(table: Arc<dyn Table>) {
    let store = CatalogStore::new(table);
    assert_eq!(store.rules().await.unwrap(), (ShopRules::default(), 0), "never saved: the defaults");

    let first = edited();
    assert_eq!(store.save_rules(&first, 0).await.unwrap(), 1);
    assert_eq!(store.rules().await.unwrap(), (first.clone(), 1), "read back as saved");

    // A page opened before that save (version 0), or naming a version that never was.
    let mut other = ShopRules::default();
    other.tax.prices_include_tax = true;
    for stale in [0, 2, 7] {
        let refused = store.save_rules(&other, stale).await;
        assert!(matches!(refused, Err(RulesSaveError::Changed)), "version {stale}: {refused:?}");
    }
    assert_eq!(store.rules().await.unwrap(), (first, 1), "the refused saves changed nothing");

    // From the live version it goes through, and every rule can be emptied.
    assert_eq!(store.save_rules(&other, 1).await.unwrap(), 2);
    let nowhere = ShopRules { zones: vec![], tax: TaxSettings::default() };
    assert_eq!(store.save_rules(&nowhere, 2).await.unwrap(), 3);
    assert_eq!(store.rules().await.unwrap(), (nowhere, 3), "a shop may ship nowhere");
}

#[tokio::test]
async fn shop_rules_conform_on_the_embedded_table() {
    rules_read_back_as_saved_and_a_stale_save_changes_nothing(adapters::testing::embedded().await).await;
}

#[tokio::test]
async fn shop_rules_conform_on_dynamodb() {
    let Some(t) = adapters::testing::dynamo().await else { return };
    rules_read_back_as_saved_and_a_stale_save_changes_nothing(t).await;
}

/// Two servers share one table and one cache; each memoises the rules.
async fn a_save_on_one_server_is_what_the_other_reads_next(table: Arc<dyn Table>, cache: Arc<dyn Cache>) {
    let a = CachedCatalog::new(CatalogStore::new(table.clone()), cache.clone());
    let b = CachedCatalog::new(CatalogStore::new(table), cache);
    assert_eq!(*a.rules().await.unwrap(), ShopRules::default());
    assert_eq!(*a.rules().await.unwrap(), ShopRules::default(), "memoised: the same answer");
    assert_eq!(b.save_rules(&edited(), 0).await.unwrap(), 1);
    assert_eq!(*a.rules().await.unwrap(), edited(), "the other server reads the save at once");
    assert_eq!(*b.rules().await.unwrap(), edited());
}

#[tokio::test]
async fn cached_rules_follow_a_save_across_servers_on_the_embedded_stack() {
    a_save_on_one_server_is_what_the_other_reads_next(
        adapters::testing::embedded().await,
        Arc::new(MemoryCache::default()),
    )
    .await;
}

#[tokio::test]
async fn cached_rules_follow_a_save_across_servers_on_dynamodb_and_redis() {
    let (Some(t), Some(url)) = (adapters::testing::dynamo().await, service("STOREFRONT_TEST_REDIS")) else { return };
    let redis: Arc<dyn Cache> = Arc::new(RedisCache::connect(&url, None).await.unwrap());
    a_save_on_one_server_is_what_the_other_reads_next(t, redis).await;
}

#[tokio::test]
async fn with_the_cache_down_the_rules_come_from_the_store() {
    let dead: Arc<dyn Cache> = Arc::new(RedisCache::connect("redis://127.0.0.1:1", None).await.unwrap());
    let catalog = CachedCatalog::new(CatalogStore::new(adapters::testing::embedded().await), dead);
    assert_eq!(catalog.save_rules(&edited(), 0).await.unwrap(), 1);
    assert_eq!(*catalog.rules().await.unwrap(), edited());
    assert!(catalog.stats().fallbacks >= 1, "counted as a fallback: {:?}", catalog.stats());
}
