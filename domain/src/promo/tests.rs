//! Codes and the admin form: every bad field named, good ones read back.

use super::*;

fn fields(pairs: &[(&str, &str)]) -> PromotionFields {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn good() -> PromotionFields {
    fields(&[
        ("code", " summer-10 "),
        ("kind", "percent"),
        ("value", "10"),
        ("starts_on", "2026-12-01"),
        ("ends_on", "2026-12-31"),
        ("min_subtotal", "25.5"),
        ("categories", "apparel, home/kitchen"),
        ("usage_limit", "20"),
        ("once_per_customer", "on"),
        ("active", "on"),
    ])
}

#[test]
fn codes_are_capitals_letters_digits_and_dashes() {
    assert_eq!(PromoCode::parse(" summer_10 ").unwrap().as_str(), "SUMMER_10");
    for bad in ["ab", "a b c", "x".repeat(33).as_str(), "10%OFF", "<b>"] {
        assert!(PromoCode::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_good_form_reads_into_a_promotion_and_back() {
    let p = Promotion::from_form(&good(), Currency::Usd).unwrap();
    assert_eq!(p.code.as_str(), "SUMMER-10");
    assert_eq!(p.benefit, Benefit::Percent { percent: 10 });
    assert_eq!(p.starts_at, Some(1_796_083_200), "2026-12-01 00:00 UTC");
    assert_eq!(p.ends_at, Some(1_798_761_600), "the end day is included: 2027-01-01 00:00 UTC");
    assert_eq!((p.min_subtotal, p.usage_limit, p.once_per_customer, p.active), (2_550, Some(20), true, true));
    assert_eq!(p.categories.len(), 2);
    let back = p.to_form(Currency::Usd);
    assert_eq!(Promotion::from_form(&back, Currency::Usd).unwrap(), p, "{back:?}");
}

#[test]
fn every_bad_field_gets_its_own_message() {
    let mut f = good();
    f.insert("code".into(), "x".into());
    f.insert("value".into(), "150".into());
    f.insert("starts_on".into(), "2026-12-10".into());
    f.insert("ends_on".into(), "2026-12-01".into());
    f.insert("min_subtotal".into(), "-5".into());
    f.insert("categories".into(), "Not A Path!".into());
    f.insert("usage_limit".into(), "0".into());
    let errors = Promotion::from_form(&f, Currency::Usd).unwrap_err();
    let named: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(named, ["categories", "code", "ends_on", "min_subtotal", "usage_limit", "value"]);
    assert_eq!(errors["value"], "a percentage is a whole number from 1 to 100");
    assert_eq!(errors["ends_on"], "the end comes before the start");
    assert_eq!(errors["min_subtotal"], "must not be negative");
}

#[test]
fn an_automatic_promotion_takes_no_usage_limit_or_per_customer_rule() {
    let mut f = good();
    f.insert("automatic".into(), "on".into());
    f.insert("min_quantity".into(), "many".into());
    let errors = Promotion::from_form(&f, Currency::Usd).unwrap_err();
    let named: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(named, ["min_quantity", "once_per_customer", "usage_limit"]);
    f.remove("once_per_customer");
    f.insert("usage_limit".into(), "".into());
    f.insert("min_quantity".into(), "3".into());
    let p = Promotion::from_form(&f, Currency::Usd).unwrap();
    assert!(p.automatic && p.min_quantity == 3);
    assert_eq!(Promotion::from_form(&p.to_form(Currency::Usd), Currency::Usd).unwrap(), p);
}

#[test]
fn fixed_amounts_are_positive_and_at_most_the_currency_allows() {
    let with = |kind: &str, value: &str| {
        let mut f = good();
        f.insert("kind".into(), kind.into());
        f.insert("value".into(), value.into());
        Promotion::from_form(&f, Currency::Usd).map(|p| p.benefit)
    };
    assert_eq!(with("fixed", "5.5").unwrap(), Benefit::Fixed { minor: 550 });
    assert!(with("fixed", "0").is_err());
    assert!(with("fixed", "5.555").is_err());
    assert!(with("fixed", "abc").is_err());
    assert_eq!(with("free_shipping", "").unwrap(), Benefit::FreeShipping);
    assert!(with("bogus", "1").unwrap_err().contains_key("kind"));
}

#[test]
fn days_round_trip_and_impossible_days_are_refused() {
    assert_eq!(parse_day("1970-01-01"), Some(0));
    assert_eq!(format_day(1_796_083_200), "2026-12-01");
    assert_eq!(parse_day("2028-02-29").map(format_day).as_deref(), Some("2028-02-29"));
    for bad in ["2027-02-29", "2026-13-01", "2026-1-1", "soon", ""] {
        assert_eq!(parse_day(bad), None, "{bad}");
    }
}
