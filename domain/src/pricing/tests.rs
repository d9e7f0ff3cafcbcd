//! The engine's arithmetic on examples, and its invariants on any input.

use super::*;
use crate::text::CategoryPath;
use proptest::prelude::*;

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::Usd).unwrap()
}

fn line(category: &str, minor: i64) -> PriceLine {
    PriceLine { category: category.into(), amount: usd(minor), quantity: 1 }
}

fn code(benefit: Benefit) -> Promotion {
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

fn quote(lines: &[PriceLine], method: Shipping, p: &Promotion) -> Result<Quote, PriceError> {
    Totals::quote(lines, Currency::Usd, method, Some(p), &[], 1_000)
}

#[test]
fn without_a_code_the_totals_are_the_plain_ones() {
    let q = Totals::quote(&[line("a", 5_000)], Currency::Usd, Shipping::Standard, None, &[], 0).unwrap();
    assert_eq!(q.totals, Totals::new(usd(5_000), Shipping::Standard).unwrap());
    assert_eq!((q.totals.discount, q.totals.total, q.code), (usd(0), usd(5_595), None));
}

#[test]
fn a_percentage_is_of_the_eligible_lines_rounded_half_up() {
    let mut p = code(Benefit::Percent { percent: 15 });
    p.categories = vec![CategoryPath::parse("apparel").unwrap()];
    let lines = [line("apparel/shirts", 1_001), line("home", 2_000), line("apparel", 2_300)];
    // 15% of 33.01 = 4.9515 → 4.95; the home line does not count.
    let q = quote(&lines, Shipping::Express, &p).unwrap();
    assert_eq!(q.totals.discount, usd(495));
    assert_eq!(q.totals.total, usd(5_301 - 495 + 1_500));
    assert_eq!(q.code.unwrap().label, "SAVE: 15% off");
    // Half a cent rounds up: 10% of 0.05 = 0.005 → 0.01.
    assert_eq!(percent_of(usd(5), 10), usd(1));
    assert_eq!(percent_of(usd(4), 10), usd(0));
}

#[test]
fn a_fixed_amount_never_exceeds_what_the_eligible_lines_cost() {
    let q = quote(&[line("a", 700)], Shipping::Express, &code(Benefit::Fixed { minor: 2_000 })).unwrap();
    assert_eq!((q.totals.discount, q.totals.total), (usd(700), usd(1_500)), "only shipping is left");
}

#[test]
fn free_shipping_takes_the_method_price_and_nothing_else() {
    let q = quote(&[line("a", 3_000)], Shipping::Express, &code(Benefit::FreeShipping)).unwrap();
    assert_eq!((q.totals.discount, q.totals.shipping, q.totals.total), (usd(0), usd(0), usd(3_000)));
    assert!(q.code.unwrap().free_shipping);
}

#[test]
fn free_standard_shipping_counts_the_subtotal_after_the_discount() {
    // $105 with 10% off is $94.50: under the $100 threshold, so shipping is due.
    let q = quote(&[line("a", 10_500)], Shipping::Standard, &code(Benefit::Percent { percent: 10 })).unwrap();
    assert_eq!((q.totals.discount, q.totals.shipping), (usd(1_050), usd(595)));
}

#[test]
fn each_condition_refuses_with_its_reason() {
    let lines = [line("home", 5_000)];
    let refused = |p: Promotion| match quote(&lines, Shipping::Standard, &p) {
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
    assert!(quote(&lines, Shipping::Standard, &Promotion { min_subtotal: 5_000, ..base }).is_ok(), "at the minimum");
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
    let q = Totals::quote(&lines, Currency::Usd, Shipping::Express, None, &autos, 0).unwrap();
    // $20 off the three home items saves more than 10% of $130 ($13).
    assert_eq!(q.totals.discount, usd(2_000));
    let applied = q.code.unwrap();
    assert!(applied.automatic && applied.label == "THREE-HOME: $20.00 off (automatic)", "{applied:?}");
    // A typed code that saves more wins; one that saves less is named as not applied.
    let big = code(Benefit::Percent { percent: 50 });
    let q = Totals::quote(&lines, Currency::Usd, Shipping::Express, Some(&big), &autos, 0).unwrap();
    assert_eq!((q.totals.discount, q.code.unwrap().automatic, q.passed_over), (usd(6_500), false, None));
    let small = code(Benefit::Fixed { minor: 100 });
    let q = Totals::quote(&lines, Currency::Usd, Shipping::Express, Some(&small), &autos, 0).unwrap();
    assert_eq!(q.totals.discount, usd(2_000));
    assert_eq!(
        q.passed_over.as_deref(),
        Some("the code SAVE was not applied: THREE-HOME: $20.00 off (automatic) saves you more")
    );
    // Under its conditions an automatic promotion simply does not apply.
    let q = Totals::quote(&[line("apparel", 9_999)], Currency::Usd, Shipping::Express, None, &[spend], 0).unwrap();
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
    for method in [Shipping::Standard, Shipping::Express] {
        let q = Totals::quote(&lines, Currency::Usd, method, Some(&free), &[spend.clone()], 0).unwrap();
        assert_eq!(q.code.as_ref().map(|c| c.code.as_str()), Some("SPEND100"), "{method:?}");
        assert_eq!(q.totals.discount, usd(1_500));
        assert!(q.passed_over.is_some());
    }
}

#[test]
fn a_code_limited_to_categories_needs_one_of_their_items_whatever_it_gives() {
    let mut p = code(Benefit::FreeShipping);
    p.categories = vec![CategoryPath::parse("apparel").unwrap()];
    let refused = quote(&[line("home", 5_000)], Shipping::Express, &p);
    assert!(matches!(refused, Err(PriceError::Code(Refusal::NothingEligible(_)))), "{refused:?}");
    assert!(quote(&[line("apparel/shirts", 5_000)], Shipping::Express, &p).is_ok());
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
        express in any::<bool>(),
        limit_to_first_category in any::<bool>(),
    ) {
        let names = ["apparel", "apparel/shirts", "home"];
        let lines: Vec<PriceLine> = amounts.iter().map(|(c, m)| line(names[*c], *m)).collect();
        let mut p = code(benefit);
        if limit_to_first_category {
            p.categories = vec![CategoryPath::parse("apparel").unwrap()];
        }
        let method = if express { Shipping::Express } else { Shipping::Standard };
        match quote(&lines, method, &p) {
            Ok(q) if q.code.is_none() => prop_assert!(false, "the code was dropped"),
            Ok(q) => {
                let t = q.totals;
                prop_assert!(t.discount.minor() <= t.subtotal.minor());
                prop_assert!(t.total.minor() >= 0);
                prop_assert_eq!(t.total.minor(), t.subtotal.minor() - t.discount.minor() + t.shipping.minor());
                prop_assert!(t.shipping.minor() <= method.price(t.subtotal).minor().max(method.price(Money::zero(Currency::Usd)).minor()));
                let plain = Totals::new(t.subtotal, method).unwrap();
                prop_assert!(t.total.minor() <= plain.total.minor() + method.price(Money::zero(Currency::Usd)).minor());
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
