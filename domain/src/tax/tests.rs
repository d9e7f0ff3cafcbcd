//! Rates are found by region, then country, per class; tax rounds half up.

use super::*;
use crate::shipping::Area;
use proptest::prelude::*;

fn rate(area: &str, class: &str, label: &str, rate: u32) -> TaxRate {
    TaxRate { area: Area::parse(area).unwrap(), class: TaxClass::parse(class).unwrap(), label: label.into(), rate }
}

#[test]
fn a_regions_rate_comes_before_its_countrys_and_each_class_has_its_own() {
    let t = TaxSettings {
        prices_include_tax: false,
        rates: vec![
            rate("US", "standard", "Sales tax", 5_000),
            rate("US-CA", "standard", "CA sales tax", 7_250),
            rate("DE", "standard", "VAT", 19_000),
            rate("DE", "reduced", "VAT", 7_000),
            rate("GB", "standard", "VAT", 0),
        ],
    };
    let std = TaxClass::standard();
    let reduced = TaxClass::parse("reduced").unwrap();
    assert_eq!(t.rate_for("US", "CA", &std).map(|a| a.rate), Some(7_250));
    assert_eq!(t.rate_for("US", "NY", &std).map(|a| a.rate), Some(5_000));
    assert_eq!(t.rate_for("de", "", &reduced).map(|a| a.rate), Some(7_000));
    assert_eq!(t.rate_for("US", "", &reduced), None, "no rate for the class: none");
    assert_eq!(t.rate_for("GB", "", &std), None, "a zero rate is no tax line");
    assert_eq!(t.rate_for("JP", "", &std), None);
}

#[test]
fn tax_rounds_half_up_whether_added_or_included() {
    // 20% of 10.01 = 2.002 → 2.00; of 10.03 = 2.006 → 2.01.
    assert_eq!(tax_on(1_001, 20_000, false), 200);
    assert_eq!(tax_on(1_003, 20_000, false), 201);
    // 8.875% of 1.00 = 0.08875 → 0.09.
    assert_eq!(tax_on(100, 8_875, false), 9);
    // 12.00 including 20%: 12 × 20/120 = 2.00.
    assert_eq!(tax_on(1_200, 20_000, true), 200);
    // 0.05 including 25%: 0.01.
    assert_eq!(tax_on(5, 25_000, true), 1);
    assert_eq!(tax_on(0, 20_000, false), 0);
    assert_eq!(tax_on(-5, 20_000, false), 0);
}

#[test]
fn a_price_says_incl_vat_or_plus_tax_by_the_shops_setting() {
    let mut t = TaxSettings { prices_include_tax: true, rates: vec![rate("DE", "standard", "VAT", 19_000)] };
    assert_eq!(price_note(&t), "incl. VAT");
    t.prices_include_tax = false;
    assert_eq!(price_note(&t), "plus tax");
    assert_eq!(price_note(&TaxSettings::default()), "", "a shop without rates says nothing");
}

#[test]
fn rates_print_as_percentages() {
    assert_eq!(percent_text(20_000), "20%");
    assert_eq!(percent_text(8_875), "8.875%");
    assert_eq!(percent_text(7_500), "7.5%");
    assert_eq!(percent_text(0), "0%");
}

#[test]
fn tax_classes_are_short_plain_words() {
    assert_eq!(TaxClass::parse(" Reduced ").unwrap().as_str(), "reduced");
    assert!(TaxClass::default().is_standard());
    for bad in ["", "a b", &"x".repeat(25)] {
        assert!(TaxClass::parse(bad).is_err(), "{bad:?}");
    }
}

proptest! {
    #[test]
    fn tax_is_within_half_a_minor_unit_of_exact_and_included_tax_never_exceeds_the_price(
        paid in 0i64..10_000_000_000, rate in 0u32..=100_000,
    ) {
        let added = tax_on(paid, rate, false) as f64;
        let exact = paid as f64 * f64::from(rate) / 100_000.0;
        prop_assert!((added - exact).abs() <= 0.5 + 1e-6 * exact.max(1.0), "{added} vs {exact}");
        let inside = tax_on(paid, rate, true);
        prop_assert!(inside >= 0 && inside <= paid);
        let exact = paid as f64 * f64::from(rate) / (100_000.0 + f64::from(rate));
        prop_assert!((inside as f64 - exact).abs() <= 0.5 + 1e-6 * exact.max(1.0));
    }
}
