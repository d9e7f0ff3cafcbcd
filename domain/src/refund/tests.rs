//! Refund rules: shares add up to the discount, the last units refund the
//! rest exactly, and no sequence of refunds returns more than was paid.

use super::*;
use crate::Currency;
use proptest::prelude::*;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::Usd).unwrap()
}

fn ask(lines: &[(&str, &str, &str)], shipping: bool) -> RefundAsk {
    RefundAsk {
        key: None,
        return_id: None,
        lines: lines.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect(),
        shipping,
        reason: "damaged in transit".into(),
    }
}

fn paid() -> Vec<PaidLine> {
    // Lines of $30.00 (3 × $10) and $10.00 with a $4.00 discount: shares $3.00 and $1.00.
    let shares = discount_shares(&[usd(3000), usd(1000)], usd(400));
    assert_eq!(shares, [300, 100]);
    vec![
        PaidLine { sku: "A".into(), quantity: 3, paid: usd(3000 - shares[0]) },
        PaidLine { sku: "B".into(), quantity: 1, paid: usd(1000 - shares[1]) },
    ]
}

#[test]
fn one_unit_then_the_rest_refunds_exactly_what_the_line_cost() {
    let mut before = Refunded::default();
    let first = plan(&paid(), usd(595), &before, &ask(&[("A", "1", "1")], false)).unwrap();
    assert_eq!(first.amount, usd(900), "a third of $27.00");
    assert_eq!(first.lines[0].restock, 1);
    before.add(&first);
    let rest = plan(&paid(), usd(595), &before, &ask(&[("A", "2", "0")], true)).unwrap();
    assert_eq!(rest.amount, usd(1800 + 595), "the rest of the line and the shipping");
    before.add(&rest);
    let errors = plan(&paid(), usd(595), &before, &ask(&[("A", "1", "0")], true)).unwrap_err();
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["qty.A", "shipping"]);
}

#[test]
fn bad_input_is_a_field_error_and_refunds_nothing() {
    let none = Refunded::default();
    type Case<'a> = (&'a [(&'a str, &'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (&[("A", "4", "0")], "qty.A"),
        (&[("A", "-1", "0")], "qty.A"),
        (&[("A", "2", "3")], "restock.A"),
        (&[("Z", "1", "0")], "qty.Z"),
        (&[("A", "x", "0")], "qty.A"),
    ];
    for (lines, field) in cases {
        let errors = plan(&paid(), usd(595), &none, &ask(lines, false)).unwrap_err();
        assert!(errors.contains_key(field), "{lines:?}: {errors:?}");
    }
    let errors = plan(&paid(), usd(595), &none, &ask(&[("A", "0", "")], false)).unwrap_err();
    assert!(errors.contains_key("refund"), "nothing chosen");
    let mut no_reason = ask(&[("A", "1", "0")], false);
    no_reason.reason = "  ".into();
    assert!(plan(&paid(), usd(595), &none, &no_reason).unwrap_err().contains_key("reason"));
}

proptest! {
    #[test]
    fn shares_add_up_to_the_discount_and_never_exceed_a_line(
        amounts in proptest::collection::vec(0i64..100_000, 1..8),
        discount in 0i64..200_000,
    ) {
        let money: Vec<Money> = amounts.iter().map(|a| usd(*a)).collect();
        let shares = discount_shares(&money, usd(discount));
        let total: i64 = amounts.iter().sum();
        prop_assert_eq!(shares.iter().sum::<i64>(), discount.min(total));
        for (s, a) in shares.iter().zip(&amounts) {
            prop_assert!(*s >= 0 && s <= a);
        }
    }

    #[test]
    fn any_sequence_of_refunds_returns_at_most_what_was_paid_and_all_of_it_returns_exactly_that(
        units in proptest::collection::vec(1u32..6, 1..4),
        prices in proptest::collection::vec(1i64..5_000, 4),
        discount in 0i64..5_000,
        steps in proptest::collection::vec((0usize..4, 1u32..4), 0..12),
    ) {
        let amounts: Vec<Money> = units.iter().zip(&prices).map(|(q, p)| usd(p * i64::from(*q))).collect();
        let shares = discount_shares(&amounts, usd(discount));
        let paid: Vec<PaidLine> = units.iter().enumerate().map(|(i, q)| PaidLine {
            sku: format!("S{i}"), quantity: *q, paid: usd(amounts[i].minor() - shares[i]),
        }).collect();
        let shipping = usd(595);
        let captured: i64 = paid.iter().map(|l| l.paid.minor()).sum::<i64>() + shipping.minor();
        let mut before = Refunded::default();
        let mut refunded = 0;
        for (line, q) in steps {
            let Some(l) = paid.get(line) else { continue };
            if let Ok(p) = plan(&paid, shipping, &before, &ask(&[(&l.sku, &q.to_string(), "0")], false)) {
                refunded += p.amount.minor();
                before.add(&p);
            }
            prop_assert!(refunded <= captured);
        }
        // Then everything left, and shipping.
        let rest: Vec<(String, String, String)> = paid.iter().map(|l| {
            let done: u32 = before.lines.iter().filter(|(s, _, _)| *s == l.sku).map(|(_, q, _)| q).sum();
            (l.sku.clone(), (l.quantity - done).to_string(), String::new())
        }).collect();
        let last = RefundAsk { key: None, return_id: None, lines: rest, shipping: true, reason: "all of it".into() };
        let p = plan(&paid, shipping, &before, &last).unwrap();
        prop_assert_eq!(refunded + p.amount.minor(), captured);
    }
}
