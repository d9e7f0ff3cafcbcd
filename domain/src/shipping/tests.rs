//! Zones find an address's methods; methods price by rate, weight or band.

use super::*;
use crate::money::Currency;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::Usd).unwrap()
}

fn zone(name: &str, areas: &[&str], rest_of_world: bool) -> Zone {
    let flat = Method {
        code: MethodCode::parse(&format!("{}-post", name.to_lowercase())).unwrap(),
        label: format!("{name} post"),
        rate: Rate::Flat { minor: 500 },
        free_from_minor: None,
    };
    Zone {
        name: name.into(),
        areas: areas.iter().map(|a| Area::parse(a).unwrap()).collect(),
        rest_of_world,
        methods: vec![flat],
    }
}

#[test]
fn an_address_ships_in_its_regions_zone_else_its_countrys_else_the_rest_of_the_world() {
    let zones = [zone("Alaska", &["US-AK"], false), zone("US", &["US"], false), zone("World", &[], true)];
    let name = |c: &str, r: &str| zone_for(&zones, c, r).map(|z| z.name.as_str());
    assert_eq!(name("US", "ak"), Some("Alaska"));
    assert_eq!(name("us", "CA"), Some("US"));
    assert_eq!(name("US", ""), Some("US"));
    assert_eq!(name("DE", "BY"), Some("World"));
    assert_eq!(zone_for(&zones[..2], "DE", ""), None, "no rest of the world: the shop does not ship there");
}

#[test]
fn a_flat_rate_is_free_from_its_threshold_after_the_discount() {
    let standard = &default_zones()[0].methods[0];
    assert_eq!(standard.price(usd(9_999), 0), usd(595));
    assert_eq!(standard.price(usd(10_000), 0), usd(0));
    let express = &default_zones()[0].methods[1];
    assert_eq!(express.price(usd(50_000), 80_000), usd(1_500), "weight does not change a flat rate");
}

#[test]
fn a_weight_rate_counts_every_started_kilogram() {
    let m = Method {
        code: MethodCode::parse("freight").unwrap(),
        label: "Freight".into(),
        rate: Rate::Weight { base_minor: 400, per_kg_minor: 150 },
        free_from_minor: None,
    };
    assert_eq!(m.price(usd(1_000), 0), usd(400));
    assert_eq!(m.price(usd(1_000), 1), usd(550));
    assert_eq!(m.price(usd(1_000), 1_000), usd(550));
    assert_eq!(m.price(usd(1_000), 2_001), usd(850));
    assert_eq!(m.describe(Currency::Usd), "$4.00 + $1.50/kg");
}

#[test]
fn a_band_rate_charges_the_highest_band_reached() {
    let m = Method {
        code: MethodCode::parse("banded").unwrap(),
        label: "Banded".into(),
        rate: Rate::Bands { bands: vec![Band { from_minor: 0, minor: 995 }, Band { from_minor: 5_000, minor: 495 }] },
        free_from_minor: Some(15_000),
    };
    assert_eq!(m.price(usd(4_999), 0), usd(995));
    assert_eq!(m.price(usd(5_000), 0), usd(495));
    assert_eq!(m.price(usd(15_000), 0), usd(0));
    assert_eq!(m.describe(Currency::Usd), "$9.95 from $0.00, $4.95 from $50.00, free from $150.00");
}

#[test]
fn areas_and_method_codes_are_checked_and_normalised() {
    assert_eq!(Area::parse(" us-ca ").unwrap().as_str(), "US-CA");
    for bad in ["", "XX", "US-", "US-TOO-LONG-REGION", "US-C A"] {
        assert!(Area::parse(bad).is_err(), "{bad:?}");
    }
    assert_eq!(MethodCode::parse("Express-EU").unwrap().as_str(), "express-eu");
    for bad in ["", "a b", "é", &"x".repeat(33)] {
        assert!(MethodCode::parse(bad).is_err(), "{bad:?}");
    }
}
