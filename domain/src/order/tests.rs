//! Unit tests of `crate::order`.

use super::*;

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
        region: "C A".into(),
    };
    Address::parse(&raw, &mut errors);
    let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
    assert_eq!(fields, ["city", "country", "name", "postal_code", "region"]);
}

#[test]
fn quantities_are_bounded() {
    assert!(parse_quantity(0).is_err());
    assert!(parse_quantity(1_000_000_000).is_err());
    assert_eq!(parse_quantity(3), Ok(3));
}

#[test]
fn luhn_accepts_test_cards_and_rejects_typos() {
    assert!(card_number_ok("4242 4242 4242 4242"));
    assert!(card_number_ok("4000000000000002"));
    assert!(!card_number_ok("4242424242424241"));
    assert!(!card_number_ok("abcd"));
}
