//! Unit tests of `crate::order`.

use super::*;

#[test]
fn totals_add_the_chosen_methods_shipping_and_standard_is_free_from_one_hundred() {
    let usd = |m| Money::new(m, Currency::Usd).unwrap();
    let t = Totals::new(usd(9_999), Shipping::Standard).unwrap();
    assert_eq!((t.shipping, t.total), (usd(595), usd(10_594)));
    let t = Totals::new(usd(10_000), Shipping::Standard).unwrap();
    assert_eq!((t.shipping, t.total), (usd(0), usd(10_000)));
    let t = Totals::new(usd(10_000), Shipping::Express).unwrap();
    assert_eq!((t.subtotal, t.shipping, t.total), (usd(10_000), usd(1_500), usd(11_500)));
}

#[test]
fn every_status_kind_reads_back_from_its_name_and_nothing_else_does() {
    for k in StatusKind::ALL {
        assert_eq!(StatusKind::parse(k.as_str()), Some(k));
    }
    for other in ["", "Pending", "shipped", "pending "] {
        assert_eq!(StatusKind::parse(other), None, "{other:?}");
    }
    assert_eq!(OrderStatus::Rejected { reason: "sold out".into() }.kind(), StatusKind::Rejected);
}

#[test]
fn emails_need_a_local_part_and_a_dotted_domain() {
    assert!(Email::parse("a@b.co").is_ok());
    for bad in ["", "a", "a@b", "@b.co", "a@.co", "a@b..co", "a b@c.co", "a@b.co@d.ee"] {
        assert!(Email::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn an_address_reports_every_bad_field() {
    let mut errors = FieldErrors::new();
    let raw = Address {
        name: "".into(),
        line1: "1 Main St".into(),
        line2: "".into(),
        city: "x".repeat(81),
        postal_code: "<b>".into(),
        country: "ZZ".into(),
    };
    Address::parse(&raw, &mut errors);
    let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(fields, ["city", "country", "name", "postal_code"]);
}

#[test]
fn quantities_are_bounded() {
    assert!(parse_quantity(0).is_err());
    assert!(parse_quantity(1_000_000_000).is_err());
    assert_eq!(parse_quantity(3), Ok(3));
}

#[test]
fn standard_shipping_is_free_from_one_hundred() {
    let m = |n| Money::new(n, Currency::Usd).unwrap();
    assert_eq!(Shipping::Standard.price(m(9_999)).minor(), 595);
    assert_eq!(Shipping::Standard.price(m(10_000)).minor(), 0);
    assert_eq!(Shipping::Express.price(m(50_000)).minor(), 1500);
}

#[test]
fn luhn_accepts_test_cards_and_rejects_typos() {
    assert!(card_number_ok("4242 4242 4242 4242"));
    assert!(card_number_ok("4000000000000002"));
    assert!(!card_number_ok("4242424242424241"));
    assert!(!card_number_ok("abcd"));
}
