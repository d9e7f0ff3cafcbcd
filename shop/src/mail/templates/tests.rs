//! The order mails' content: lines, totals, taxes and the address, escaped.

use super::*;
use domain::{Currency, ProductId, Sku};

fn facts(status: OrderStatus) -> OrderFacts {
    let usd = |m| Money::new(m, Currency::parse("USD").unwrap()).unwrap();
    OrderFacts {
        id: OrderId::parse("o3f9a").unwrap(),
        status,
        email: Email::parse("ann@example.com").unwrap(),
        lines: vec![OrderLine {
            product_id: ProductId::parse("p1").unwrap(),
            sku: Sku::parse("TEE-M").unwrap(),
            title: "Tee <script>".into(),
            unit_price: usd(1_500),
            quantity: 2,
        }],
        subtotal: usd(3_000),
        discount: usd(0),
        code: None,
        shipping: Shipping::parse("standard").unwrap(),
        shipping_label: "Standard (3–5 days)".into(),
        shipping_price: usd(500),
        tax: Default::default(),
        total: usd(3_500),
        address: Address {
            name: "Ann".into(),
            line1: "1 Main St".into(),
            line2: String::new(),
            city: "Springfield".into(),
            postal_code: "12345".into(),
            country: "US".into(),
            region: String::new(),
        },
    }
}

#[test]
fn a_confirmation_lists_the_lines_the_total_and_the_address_in_both_bodies() {
    let m = order(MailKind::OrderConfirmed, &facts(OrderStatus::Confirmed), "https://shop.test/orders/o3f9a?key=k")
        .to_mail("ann@example.com");
    for body in [&m.text, &m.html] {
        assert!(body.contains("$35.00"), "{body}");
        assert!(body.contains("$30.00"));
        assert!(body.contains("Springfield"));
        assert!(body.contains("https://shop.test/orders/o3f9a?key=k"));
    }
    assert!(m.text.contains("2 × Tee <script> (TEE-M)"));
    assert!(!m.text.contains("Discount"), "no discount row without a code");
    let mut with_code = facts(OrderStatus::Confirmed);
    (with_code.discount, with_code.code, with_code.total) =
        (Money::new(300, Currency::Usd).unwrap(), Some("SAVE10".into()), Money::new(3_200, Currency::Usd).unwrap());
    let m = order(MailKind::OrderConfirmed, &with_code, "https://shop.test/o").to_mail("ann@example.com");
    for body in [&m.text, &m.html] {
        assert!(body.contains("Discount (SAVE10)") && body.contains("−$3.00") && body.contains("$32.00"), "{body}");
    }
    assert!(m.html.contains("Tee &lt;script&gt;") && !m.html.contains("<script>"), "escaped in HTML");
}

#[test]
fn a_rejection_gives_the_reason_and_says_nothing_was_charged() {
    let status = OrderStatus::Rejected { reason: "sold out: TEE-M".into() };
    let m = order(MailKind::OrderRejected, &facts(status), "https://shop.test/orders/o3f9a?key=k")
        .to_mail("ann@example.com");
    assert!(m.text.contains("sold out: TEE-M"));
    assert!(m.text.contains("Nothing was charged"));
}

#[test]
fn cancellations_and_refunds_say_what_was_refunded() {
    let c = order(MailKind::OrderCancelled, &facts(OrderStatus::Cancelled { reason: "out of stock".into() }), "")
        .to_mail("a@b.c");
    assert!(c.text.contains("out of stock") && c.text.contains("$35.00 has been refunded"));
    let r = order(MailKind::OrderRefunded, &facts(OrderStatus::Refunded), "").to_mail("a@b.c");
    assert!(r.subject.contains("refunded") && r.text.contains("We refunded $35.00"));
}

#[test]
fn account_mails_carry_their_link_escaped() {
    let m = password_reset("https://shop.test/account/reset?token=a&b").to_mail("a@b.c");
    assert!(m.text.contains("https://shop.test/account/reset?token=a&b\n"));
    assert!(m.html.contains("token=a&amp;b"));
    let v = email_verification("https://shop.test/account/verify?token=x").to_mail("a@b.c");
    assert!(v.text.contains("/account/verify?token=x") && v.subject.contains("Confirm"));
}

#[test]
fn added_tax_is_listed_before_the_total_and_included_tax_after_it() {
    let usd = |m| Money::new(m, Currency::parse("USD").unwrap()).unwrap();
    let mut o = facts(OrderStatus::Confirmed);
    o.tax = domain::tax::OrderTax {
        included: false,
        lines: vec![600],
        shipping: 100,
        groups: vec![domain::tax::TaxLine { label: "Sales tax".into(), rate: 20_000, amount: usd(700) }],
    };
    let rows = order_table(&o);
    let names: Vec<&str> = rows.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[names.len() - 2..], ["Sales tax 20%", "Total"]);
    o.tax.included = true;
    let rows = order_table(&o);
    assert_eq!(rows.last().map(|(n, a)| (n.as_str(), a.as_str())), Some(("Includes Sales tax 20%", "$7.00")));
}
