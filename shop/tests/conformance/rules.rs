//! The shop's shipping zones and tax setting in the catalog table, on every
//! table adapter: a shop that never saved any reads the defaults at version
//! 0, a save reads back as written, and a save naming a version that is not
//! the live one (another merchant saved meanwhile) is refused and changes
//! nothing.

use domain::rules::ShopRules;
use domain::shipping::{Area, Band, Method, MethodCode, Rate, Zone};
use domain::tax::{TaxClass, TaxRate, TaxSettings};
use ports::kv::Table;
use shop::catalog::store::rules::RulesSaveError;
use shop::catalog::CatalogStore;
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
