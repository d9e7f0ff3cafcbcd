//! The admin forms for zones and taxes: good input builds the rules, bad
//! input names each bad field and builds nothing.

use super::*;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn eu() -> Fields {
    fields(&[
        ("name", "Europe"),
        ("areas", "DE, FR pt"),
        ("m0.label", "Post (3–6 days)"),
        ("m0.code", "eu-post"),
        ("m0.kind", "weight"),
        ("m0.price", "4"),
        ("m0.per_kg", "1.50"),
        ("m1.label", "Courier"),
        ("m1.code", "eu-courier"),
        ("m1.kind", "bands"),
        ("m1.bands", "50:4.95, 0:9.95"),
        ("m1.free_from", "150"),
    ])
}

#[test]
fn a_zone_form_builds_its_areas_and_methods() {
    let z = zone_from_form(&eu(), Currency::Usd).unwrap();
    let areas: Vec<&str> = z.areas.iter().map(|a| a.as_str()).collect();
    assert_eq!(areas, ["DE", "FR", "PT"]);
    assert_eq!(z.methods.len(), 2);
    assert_eq!(z.methods[0].rate, Rate::Weight { base_minor: 400, per_kg_minor: 150 });
    let Rate::Bands { bands } = &z.methods[1].rate else { panic!("{:?}", z.methods[1].rate) };
    assert_eq!(bands[0], Band { from_minor: 0, minor: 995 }, "sorted");
    assert_eq!(z.methods[1].free_from_minor, Some(15_000));
}

#[test]
fn every_bad_zone_field_gets_its_own_message() {
    let mut f = eu();
    f.insert("areas".into(), "DE, XX".into());
    f.insert("m0.price".into(), "-4".into());
    f.insert("m1.bands".into(), "10:4.95".into());
    f.insert("m1.code".into(), "eu post".into());
    let errors = zone_from_form(&f, Currency::Usd).unwrap_err();
    let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(keys, ["areas", "m0.price", "m1.bands", "m1.code"]);
    assert_eq!(errors["m0.price"], "must not be negative");
    assert_eq!(errors["m1.bands"], "the first band starts at 0");
    let none = zone_from_form(&fields(&[("name", "Nowhere"), ("areas", "DE")]), Currency::Usd).unwrap_err();
    assert!(none.contains_key("m0.label"), "a zone needs a method: {none:?}");
}

#[test]
fn zones_never_overlap_and_only_one_is_the_rest_of_the_world() {
    let rules = ShopRules::default(); // "Everywhere", the rest of the world
    let europe = zone_from_form(&eu(), Currency::Usd).unwrap();
    let rules = rules.with_zone(1, europe.clone()).unwrap();
    assert_eq!(rules.zone("FR", "").map(|z| z.name.as_str()), Some("Europe"));
    assert_eq!(rules.zone("US", "").map(|z| z.name.as_str()), Some("Everywhere"));
    let mut germany = europe.clone();
    germany.name = "Germany".into();
    germany.areas = vec![Area::parse("DE").unwrap()];
    let errors = rules.with_zone(2, germany.clone()).unwrap_err();
    assert_eq!(errors["areas"], "DE is already in the zone Europe");
    germany.areas = vec![Area::parse("DE-BY").unwrap()];
    assert!(rules.with_zone(2, germany.clone()).is_ok(), "a region of a country in another zone is its own area");
    let world = Zone { name: "World".into(), areas: vec![], rest_of_world: true, ..europe.clone() };
    assert!(rules.with_zone(2, world).unwrap_err().contains_key("rest_of_world"));
    assert!(rules.with_zone(2, europe).unwrap_err().contains_key("name"), "names are unique");
    assert_eq!(rules.method("PT", "", "eu-courier").map(|m| m.label.as_str()), Some("Courier"));
    assert_eq!(rules.method("US", "", "eu-courier"), None, "a method of another zone");
}

#[test]
fn a_tax_form_builds_rates_and_refuses_negative_too_high_and_repeated_ones() {
    let f = fields(&[
        ("prices_include_tax", "included"),
        ("r0.area", "de"),
        ("r0.label", "VAT"),
        ("r0.rate", "19"),
        ("r1.area", "DE"),
        ("r1.class", "Reduced"),
        ("r1.label", "VAT"),
        ("r1.rate", "7%"),
        ("r3.area", "US-NY"),
        ("r3.label", "Sales tax"),
        ("r3.rate", "8.875"),
    ]);
    let t = tax_from_form(&f, 4).unwrap();
    assert!(t.prices_include_tax);
    let rates: Vec<(String, String, u32)> =
        t.rates.iter().map(|r| (r.area.to_string(), r.class.to_string(), r.rate)).collect();
    assert_eq!(
        rates,
        [
            ("DE".into(), "standard".into(), 19_000),
            ("DE".into(), "reduced".into(), 7_000),
            ("US-NY".into(), "standard".into(), 8_875)
        ]
    );
    let bad = fields(&[
        ("r0.area", "DE"),
        ("r0.label", "VAT"),
        ("r0.rate", "-19"),
        ("r1.area", "FR"),
        ("r1.label", "TVA"),
        ("r1.rate", "120"),
        ("r2.area", "FR"),
        ("r2.label", "TVA"),
        ("r2.rate", "20"),
        ("r3.area", "ES"),
        ("r3.label", ""),
        ("r3.rate", "5.5"),
    ]);
    let errors = tax_from_form(&bad, 4).unwrap_err();
    let keys: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(keys, ["r0.rate", "r1.rate", "r3.label"]);
    assert_eq!(errors["r0.rate"], "a rate cannot be negative");
    let twice = fields(&[
        ("r0.area", "FR"),
        ("r0.label", "TVA"),
        ("r0.rate", "20"),
        ("r1.area", "fr"),
        ("r1.label", "TVA"),
        ("r1.rate", "5"),
    ]);
    assert_eq!(tax_from_form(&twice, 2).unwrap_err()["r1.area"], "FR already has a standard rate");
}

#[test]
fn percentages_parse_to_thousandths() {
    assert_eq!(parse_percent("20"), Ok(20_000));
    assert_eq!(parse_percent("8.875"), Ok(8_875));
    assert_eq!(parse_percent("0.5 %"), Ok(500));
    assert_eq!(parse_percent("100"), Ok(100_000));
    for bad in ["", "abc", "100.001", "1.2345", "-1", "1e3"] {
        assert!(parse_percent(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn rules_read_back_from_their_json_as_they_were() {
    let rules = ShopRules::default().with_zone(1, zone_from_form(&eu(), Currency::Usd).unwrap()).unwrap();
    let json = serde_json::to_string(&rules).unwrap();
    assert_eq!(serde_json::from_str::<ShopRules>(&json).unwrap(), rules);
}
