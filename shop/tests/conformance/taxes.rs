//! Shipping zones and taxes through the pipeline, on both stacks: checkout
//! offers only the methods of the address's zone and refuses the others,
//! the order stores the method and its taxes, and refunding everything
//! gives back exactly what was captured, tax included.

use crate::pipeline::{cart_of, drain, form, product_with_stock, stack, Stack};
use domain::order::OrderStatus;
use domain::refund::RefundAsk;
use domain::rules::{zone_from_form, Fields, ShopRules};
use domain::shipping::Area;
use domain::tax::{TaxClass, TaxRate, TaxSettings};
use domain::Currency;
use shop::orders::checkout::CheckoutError;
use shop::orders::refunds::refund_lines;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Iberia by weight (3.00 + 1.00 per started kg), the rest of the world
/// as ever, and 23% added in Portugal.
async fn iberian_rules(s: &Stack) {
    let iberia = zone_from_form(
        &fields(&[
            ("name", "Iberia"),
            ("areas", "PT ES"),
            ("m0.label", "Iberian post"),
            ("m0.code", "iberia-post"),
            ("m0.kind", "weight"),
            ("m0.price", "3"),
            ("m0.per_kg", "1"),
        ]),
        Currency::Usd,
    )
    .unwrap();
    let mut rules = ShopRules::default().with_zone(1, iberia).unwrap();
    rules.tax = TaxSettings {
        prices_include_tax: false,
        rates: vec![TaxRate {
            area: Area::parse("PT").unwrap(),
            class: TaxClass::standard(),
            label: "IVA".into(),
            rate: 23_000,
        }],
    };
    let (_, version) = s.catalog.store().rules().await.unwrap();
    s.catalog.save_rules(&rules, version).await.unwrap();
}

async fn an_order_keeps_its_zones_method_and_taxes_and_refunding_all_returns_the_capture(s: Stack) {
    iberian_rules(&s).await;
    let mut p = product_with_stock(&s, 10).await;
    let before = p.clone();
    p.weight_grams = 1_500;
    p = s.catalog.save(&p, Some(&before)).await.unwrap();
    let price = p.variants[0].price.minor();

    let mut f = form("zone-method-1");
    let refused = s.pipeline.checkout.place("cart-zone-1", &cart_of(&p, 3, price), &f, "t").await;
    let Err(CheckoutError::Invalid(errors)) = refused else { panic!("standard shipping to Portugal: {refused:?}") };
    assert_eq!(errors["shipping"], "to Portugal we ship by Iberian post: choose one of them");
    f.shipping = "iberia-post".into();
    let id = s.pipeline.checkout.place("cart-zone-1", &cart_of(&p, 3, price), &f, "t").await.unwrap();
    drain(&s, 1).await;
    let repo = &s.pipeline.repo;
    assert_eq!(repo.status(&id).await.unwrap(), Some(OrderStatus::Confirmed));
    let order = repo.get(&id).await.unwrap().unwrap();
    // 4.5 kg: five started kilograms, so 3.00 + 5 × 1.00 of shipping.
    let shipping = 800;
    let tax = (price * 3 * 23 + 50) / 100 + (shipping * 23 + 50) / 100;
    assert_eq!(order.tax.total_minor(), tax, "{:?}", order.tax);
    assert_eq!(order.tax.groups[0].describe(), "IVA 23%");
    assert_eq!(order.total.minor(), price * 3 + shipping + tax, "tax is added to the charge");

    let sku = p.variants[0].sku.to_string();
    let all = RefundAsk {
        key: None,
        return_id: None,
        lines: vec![(sku, "3".into(), "3".into())],
        shipping: true,
        reason: "never arrived".into(),
    };
    let pay = &s.pipeline.payments;
    let r = refund_lines(repo, &s.catalog, pay, &id, &all, "m@x.co").await.unwrap();
    assert_eq!(r.plan.amount, order.total, "everything, tax included, and not a cent more");
    assert_eq!(repo.status(&id).await.unwrap(), Some(OrderStatus::Refunded));
}

async fn checkout_refuses_an_address_outside_every_zone(s: Stack) {
    let mut rules = ShopRules::default();
    rules.zones[0].rest_of_world = false;
    rules.zones[0].areas = vec![Area::parse("PT").unwrap()];
    let (_, version) = s.catalog.store().rules().await.unwrap();
    s.catalog.save_rules(&rules, version).await.unwrap();
    let p = product_with_stock(&s, 5).await;
    let mut f = form("nowhere-1");
    f.address.country = "JP".into();
    let refused =
        s.pipeline.checkout.place("cart-nowhere", &cart_of(&p, 1, p.variants[0].price.minor()), &f, "t").await;
    let Err(CheckoutError::Invalid(errors)) = refused else { panic!("{refused:?}") };
    assert_eq!(errors["country"], "sorry, we do not ship to Japan yet");
    assert!(s
        .pipeline
        .outbox
        .get(&shop::orders::checkout::order_id("cart-nowhere", "nowhere-1"))
        .await
        .unwrap()
        .is_none());
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    an_order_keeps_its_zones_method_and_taxes_and_refunding_all_returns_the_capture,
    checkout_refuses_an_address_outside_every_zone,
);
