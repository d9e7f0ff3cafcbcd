//! The engine's arithmetic on examples, and its invariants on any input.

use super::*;
use crate::tax::TaxRate;
use crate::text::CategoryPath;
use proptest::prelude::*;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::Usd).unwrap()
}

fn line(category: &str, minor: i64) -> PriceLine {
    PriceLine { category: category.into(), amount: usd(minor), quantity: 1, grams: 0, tax_class: TaxClass::standard() }
}

fn standard() -> Method {
    crate::shipping::default_zones().remove(0).methods.remove(0)
}

fn express() -> Method {
    crate::shipping::default_zones().remove(0).methods.remove(1)
}

const NO_TAX: TaxSettings = TaxSettings { prices_include_tax: false, rates: vec![] };

/// Shipping `method` to Portugal, with the standard method as the judge.
fn to<'a>(method: &'a Method, judge: &'a Method, tax: &'a TaxSettings) -> Delivery<'a> {
    Delivery { method, judge, tax, country: "PT", region: "" }
}

/// Totals without a promotion or tax.
fn plain(subtotal: Money, method: &Method) -> Totals {
    let shipping = method.price(subtotal, 0);
    let zero = Money::zero(Currency::Usd);
    Totals { subtotal, discount: zero, shipping, tax: zero, total: subtotal.checked_add(shipping).unwrap() }
}

pub(super) fn code(benefit: Benefit) -> Promotion {
    Promotion {
        code: PromoCode::parse("save").unwrap(),
        benefit,
        starts_at: None,
        ends_at: None,
        min_subtotal: 0,
        categories: vec![],
        once_per_customer: false,
        usage_limit: None,
        active: true,
        automatic: false,
        min_quantity: 0,
    }
}

fn automatic(name: &str, benefit: Benefit) -> Promotion {
    Promotion { code: PromoCode::parse(name).unwrap(), automatic: true, ..code(benefit) }
}

fn quote(lines: &[PriceLine], method: &Method, p: &Promotion) -> Result<Quote, PriceError> {
    Totals::quote(lines, Currency::Usd, to(method, &standard(), &NO_TAX), Some(p), &[], 1_000)
}

#[test]
fn without_a_code_the_totals_are_the_plain_ones() {
    let q =
        Totals::quote(&[line("a", 5_000)], Currency::Usd, to(&standard(), &standard(), &NO_TAX), None, &[], 0).unwrap();
    assert_eq!(q.totals, plain(usd(5_000), &standard()));
    assert_eq!((q.totals.discount, q.totals.total, q.code), (usd(0), usd(5_595), None));
}

#[test]
fn a_percentage_is_of_the_eligible_lines_rounded_half_up() {
    let mut p = code(Benefit::Percent { percent: 15 });
    p.categories = vec![CategoryPath::parse("apparel").unwrap()];
    let lines = [line("apparel/shirts", 1_001), line("home", 2_000), line("apparel", 2_300)];
    // 15% of 33.01 = 4.9515 → 4.95; the home line does not count.
    let q = quote(&lines, &express(), &p).unwrap();
    assert_eq!(q.totals.discount, usd(495));
    assert_eq!(q.totals.total, usd(5_301 - 495 + 1_500));
    assert_eq!(q.code.unwrap().label, "SAVE: 15% off");
    // Half a cent rounds up: 10% of 0.05 = 0.005 → 0.01.
    assert_eq!(percent_of(usd(5), 10), usd(1));
    assert_eq!(percent_of(usd(4), 10), usd(0));
}

#[test]
fn a_fixed_amount_never_exceeds_what_the_eligible_lines_cost() {
    let q = quote(&[line("a", 700)], &express(), &code(Benefit::Fixed { minor: 2_000 })).unwrap();
    assert_eq!((q.totals.discount, q.totals.total), (usd(700), usd(1_500)), "only shipping is left");
}

#[test]
fn free_shipping_takes_the_method_price_and_nothing_else() {
    let q = quote(&[line("a", 3_000)], &express(), &code(Benefit::FreeShipping)).unwrap();
    assert_eq!((q.totals.discount, q.totals.shipping, q.totals.total), (usd(0), usd(0), usd(3_000)));
    assert!(q.code.unwrap().free_shipping);
}

#[test]
fn free_standard_shipping_counts_the_subtotal_after_the_discount() {
    // $105 with 10% off is $94.50: under the $100 threshold, so shipping is due.
    let q = quote(&[line("a", 10_500)], &standard(), &code(Benefit::Percent { percent: 10 })).unwrap();
    assert_eq!((q.totals.discount, q.totals.shipping), (usd(1_050), usd(595)));
}

#[test]
fn each_condition_refuses_with_its_reason() {
    let lines = [line("home", 5_000)];
    let refused = |p: Promotion| match quote(&lines, &standard(), &p) {
        Err(PriceError::Code(r)) => r.to_string(),
        other => panic!("{other:?}"),
    };
    let base = code(Benefit::Percent { percent: 10 });
    assert_eq!(refused(Promotion { active: false, ..base.clone() }), "the code SAVE is no longer active");
    assert_eq!(refused(Promotion { starts_at: Some(1_001), ..base.clone() }), "the code SAVE starts later");
    assert_eq!(refused(Promotion { ends_at: Some(1_000), ..base.clone() }), "the code SAVE has expired");
    assert_eq!(
        refused(Promotion { min_subtotal: 5_001, ..base.clone() }),
        "the code SAVE needs a subtotal of at least $50.01"
    );
    assert_eq!(
        refused(Promotion { categories: vec![CategoryPath::parse("apparel").unwrap()], ..base.clone() }),
        "the code SAVE applies to none of the items in your cart"
    );
    assert!(quote(&lines, &standard(), &Promotion { min_subtotal: 5_000, ..base }).is_ok(), "at the minimum");
}

#[test]
fn the_automatic_promotion_saving_the_most_applies_and_a_better_code_replaces_it() {
    let lines = [line("apparel", 10_000), PriceLine { quantity: 3, ..line("home", 3_000) }];
    let mut spend = automatic("SPEND100", Benefit::Percent { percent: 10 });
    spend.min_subtotal = 10_000;
    let mut three = automatic("THREE-HOME", Benefit::Fixed { minor: 2_000 });
    three.categories = vec![CategoryPath::parse("home").unwrap()];
    three.min_quantity = 3;
    let mut four = three.clone();
    four.code = PromoCode::parse("FOUR-HOME").unwrap();
    four.min_quantity = 4;
    let autos = [spend.clone(), three, four];
    let q = Totals::quote(&lines, Currency::Usd, to(&express(), &standard(), &NO_TAX), None, &autos, 0).unwrap();
    // $20 off the three home items saves more than 10% of $130 ($13).
    assert_eq!(q.totals.discount, usd(2_000));
    let applied = q.code.unwrap();
    assert!(applied.automatic && applied.label == "THREE-HOME: $20.00 off (automatic)", "{applied:?}");
    // A typed code that saves more wins; one that saves less is named as not applied.
    let big = code(Benefit::Percent { percent: 50 });
    let q = Totals::quote(&lines, Currency::Usd, to(&express(), &standard(), &NO_TAX), Some(&big), &autos, 0).unwrap();
    assert_eq!((q.totals.discount, q.code.unwrap().automatic, q.passed_over), (usd(6_500), false, None));
    let small = code(Benefit::Fixed { minor: 100 });
    let q =
        Totals::quote(&lines, Currency::Usd, to(&express(), &standard(), &NO_TAX), Some(&small), &autos, 0).unwrap();
    assert_eq!(q.totals.discount, usd(2_000));
    assert_eq!(
        q.passed_over.as_deref(),
        Some("the code SAVE was not applied: THREE-HOME: $20.00 off (automatic) saves you more")
    );
    // Under its conditions an automatic promotion simply does not apply.
    let q = Totals::quote(
        &[line("apparel", 9_999)],
        Currency::Usd,
        to(&express(), &standard(), &NO_TAX),
        None,
        &[spend],
        0,
    )
    .unwrap();
    assert_eq!((q.totals.discount, q.code), (usd(0), None));
}

#[test]
fn every_shipping_method_gets_the_same_promotion() {
    // Free shipping saves nothing with standard shipping on $150 (free from
    // $100), 10% off saves $15: the automatic promotion wins for every method.
    let lines = [line("apparel", 15_000)];
    let free = code(Benefit::FreeShipping);
    let mut spend = automatic("SPEND100", Benefit::Percent { percent: 10 });
    spend.min_subtotal = 10_000;
    for method in [standard(), express()] {
        let q =
            Totals::quote(&lines, Currency::Usd, to(&method, &standard(), &NO_TAX), Some(&free), &[spend.clone()], 0)
                .unwrap();
        assert_eq!(q.code.as_ref().map(|c| c.code.as_str()), Some("SPEND100"), "{}", method.code);
        assert_eq!(q.totals.discount, usd(1_500));
        assert!(q.passed_over.is_some());
    }
}

#[test]
fn a_code_limited_to_categories_needs_one_of_their_items_whatever_it_gives() {
    let mut p = code(Benefit::FreeShipping);
    p.categories = vec![CategoryPath::parse("apparel").unwrap()];
    let refused = quote(&[line("home", 5_000)], &express(), &p);
    assert!(matches!(refused, Err(PriceError::Code(Refusal::NothingEligible(_)))), "{refused:?}");
    assert!(quote(&[line("apparel/shirts", 5_000)], &express(), &p).is_ok());
}

#[test]
fn a_category_covers_itself_and_what_is_below_it_only() {
    let mut p = code(Benefit::FreeShipping);
    p.categories = vec![CategoryPath::parse("home").unwrap()];
    assert!(p.covers("home") && p.covers("home/kitchen"));
    assert!(!p.covers("homeware") && !p.covers("apparel"));
}

fn any_benefit() -> impl Strategy<Value = Benefit> {
    prop_oneof![
        (1u32..=100).prop_map(|percent| Benefit::Percent { percent }),
        (1i64..=2_000_000).prop_map(|minor| Benefit::Fixed { minor }),
        Just(Benefit::FreeShipping),
    ]
}

proptest! {
    #[test]
    fn the_total_adds_up_never_goes_negative_and_the_discount_never_exceeds_the_subtotal(
        amounts in proptest::collection::vec((0usize..3, 0i64..5_000_000), 1..8),
        benefit in any_benefit(),
        fast in any::<bool>(),
        limit_to_first_category in any::<bool>(),
    ) {
        let names = ["apparel", "apparel/shirts", "home"];
        let lines: Vec<PriceLine> = amounts.iter().map(|(c, m)| line(names[*c], *m)).collect();
        let mut p = code(benefit);
        if limit_to_first_category {
            p.categories = vec![CategoryPath::parse("apparel").unwrap()];
        }
        let method = if fast { express() } else { standard() };
        let method = &method;
        match quote(&lines, method, &p) {
            Ok(q) if q.code.is_none() => prop_assert!(false, "the code was dropped"),
            Ok(q) => {
                let t = q.totals;
                prop_assert!(t.discount.minor() <= t.subtotal.minor());
                prop_assert!(t.total.minor() >= 0);
                prop_assert_eq!(t.total.minor(), t.subtotal.minor() - t.discount.minor() + t.shipping.minor());
                prop_assert!(t.shipping.minor() <= method.price(t.subtotal, 0).minor().max(method.price(Money::zero(Currency::Usd), 0).minor()));
                let plain = plain(t.subtotal, method);
                prop_assert!(t.total.minor() <= plain.total.minor() + method.price(Money::zero(Currency::Usd), 0).minor());
            }
            Err(PriceError::Code(Refusal::NothingEligible(_))) => prop_assert!(limit_to_first_category || lines.iter().all(|l| l.amount.minor() == 0)),
            Err(e) => prop_assert!(false, "refused: {e}"),
        }
    }

    #[test]
    fn a_percentage_rounds_to_the_nearest_minor_unit(minor in 0i64..10_000_000_000, percent in 1u32..=100) {
        let exact = minor as f64 * f64::from(percent) / 100.0;
        let got = percent_of(usd(minor), percent).minor() as f64;
        prop_assert!((got - exact).abs() <= 0.5 + 1e-6, "{got} vs {exact}");
    }
}

fn taxes(included: bool) -> TaxSettings {
    let rate = |area: &str, class: &str, label: &str, rate: u32| TaxRate {
        area: crate::shipping::Area::parse(area).unwrap(),
        class: TaxClass::parse(class).unwrap(),
        label: label.into(),
        rate,
    };
    TaxSettings {
        prices_include_tax: included,
        rates: vec![rate("PT", "standard", "IVA", 23_000), rate("PT", "reduced", "IVA", 6_000)],
    }
}

#[test]
fn added_tax_is_per_line_on_what_the_line_is_paid_and_on_shipping() {
    let tax = taxes(false);
    let books = PriceLine { tax_class: TaxClass::parse("reduced").unwrap(), ..line("books", 2_000) };
    let lines = [line("apparel", 6_000), books];
    let p = code(Benefit::Fixed { minor: 800 });
    let q = Totals::quote(&lines, Currency::Usd, to(&express(), &standard(), &tax), Some(&p), &[], 1_000).unwrap();
    // The $8 discount splits 6:2 → $6 and $2; apparel pays $54, books $18.
    // 23% of 54 = 12.42; 6% of 18 = 1.08; 23% of shipping 15 = 3.45.
    assert_eq!(q.tax.lines, [1_242, 108]);
    assert_eq!(q.tax.shipping, 345);
    let groups: Vec<(String, i64)> = q.tax.groups.iter().map(|g| (g.describe(), g.amount.minor())).collect();
    assert_eq!(groups, [("IVA 23%".to_string(), 1_587), ("IVA 6%".to_string(), 108)]);
    assert_eq!(q.totals.tax, usd(1_695));
    assert_eq!(q.totals.total, usd(8_000 - 800 + 1_500 + 1_695));
}

#[test]
fn included_tax_is_shown_but_never_changes_the_total() {
    let tax = taxes(true);
    let lines = [line("apparel", 12_300)];
    let q = Totals::quote(&lines, Currency::Usd, to(&express(), &standard(), &tax), None, &[], 0).unwrap();
    // $123 including 23% is $23 of tax; $15 shipping includes $2.80 (2.804…).
    assert_eq!((q.tax.lines.as_slice(), q.tax.shipping), ([2_300].as_slice(), 280));
    assert!(q.tax.included);
    assert_eq!(q.totals.total, usd(12_300 + 1_500), "the same total as without tax");
    assert_eq!(q.totals.tax, usd(2_580));
}

#[test]
fn an_address_without_a_rate_pays_no_tax_and_stores_no_tax_lines() {
    let tax = taxes(false);
    let m = standard();
    let d = Delivery { country: "US", ..to(&m, &m, &tax) };
    let q = Totals::quote(&[line("a", 5_000)], Currency::Usd, d, None, &[], 0).unwrap();
    assert!(q.tax.is_empty(), "{:?}", q.tax);
    assert_eq!(q.totals.total, usd(5_595));
}

#[test]
fn a_weight_method_prices_the_whole_orders_weight() {
    let freight = Method {
        code: crate::shipping::MethodCode::parse("freight").unwrap(),
        label: "Freight".into(),
        rate: crate::shipping::Rate::Weight { base_minor: 400, per_kg_minor: 150 },
        free_from_minor: None,
    };
    let lines = [PriceLine { grams: 1_200, ..line("a", 1_000) }, PriceLine { grams: 900, ..line("b", 1_000) }];
    let q = Totals::quote(&lines, Currency::Usd, to(&freight, &freight, &NO_TAX), None, &[], 0).unwrap();
    assert_eq!(q.totals.shipping, usd(400 + 3 * 150), "2.1 kg is three started kilograms");
}

proptest! {
    #[test]
    fn with_any_tax_the_total_adds_up_and_an_order_message_of_it_checks(
        amounts in proptest::collection::vec((0usize..2, 0i64..5_000_000), 1..8),
        benefit in any_benefit(),
        included in any::<bool>(),
        fast in any::<bool>(),
    ) {
        let tax = taxes(included);
        let classes = [TaxClass::standard(), TaxClass::parse("reduced").unwrap()];
        let lines: Vec<PriceLine> = amounts
            .iter()
            .map(|(c, m)| PriceLine { tax_class: classes[*c].clone(), ..line("apparel", *m) })
            .collect();
        let method = if fast { express() } else { standard() };
        let p = code(benefit);
        let q = Totals::quote(&lines, Currency::Usd, to(&method, &standard(), &tax), Some(&p), &[], 1_000).unwrap();
        let t = q.totals;
        prop_assert!(t.tax.minor() >= 0 && t.total.minor() >= 0);
        prop_assert!(t.discount.minor() <= t.subtotal.minor());
        let added = if included { 0 } else { t.tax.minor() };
        prop_assert_eq!(t.total.minor(), t.subtotal.minor() - t.discount.minor() + t.shipping.minor() + added);
        if included {
            prop_assert!(t.tax.minor() <= t.total.minor());
        }
        prop_assert!(q.tax.is_consistent());
        let message = crate::order::OrderMessage {
            order_id: crate::OrderId::parse("o1").unwrap(),
            email: crate::order::Email::parse("a@b.co").unwrap(),
            address: Default::default(),
            shipping: method.code.clone(),
            shipping_label: method.label.clone(),
            lines: lines.iter().enumerate().map(|(i, l)| crate::order::OrderLine {
                product_id: crate::ProductId::parse("p1").unwrap(),
                sku: crate::Sku::parse(&format!("S-{i}")).unwrap(),
                title: "x".into(),
                unit_price: l.amount,
                quantity: 1,
            }).collect(),
            currency: Currency::Usd,
            subtotal: t.subtotal,
            shipping_price: t.shipping,
            total: t.total,
            payment_auth: String::new(),
            created_at: 0,
            request_id: String::new(),
            user_id: None,
            code: q.code.clone(),
            tax: q.tax.clone(),
        };
        prop_assert!(message.totals_add_up());
        let mut wrong = message.clone();
        wrong.tax.shipping += 1;
        prop_assert!(!wrong.totals_add_up() || wrong.tax.groups.is_empty());
        prop_assert_eq!(Quote::of_message(&message).totals, t);
    }
}
