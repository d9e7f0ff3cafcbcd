//! Checkout with shipping zones and taxes, as a shopper without Wasm makes
//! it: the page offers the methods and taxes of the address's zone once the
//! address is posted ("Update shipping and taxes"), a method of another
//! zone is refused beside its field, and the order charges the zone's
//! method and the address's tax.

use crate::helpers::{cookie_pair, location, spawn_app};
use domain::rules::{zone_from_form, Fields, ShopRules};
use domain::shipping::Area;
use domain::tax::{TaxClass, TaxRate};
use leptos::server_fn::ServerFn;
use shop::catalog::seed;

fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Whether the checkout page offers the shipping method `code` (a radio;
/// the page also carries every zone's methods as the pricing island's data).
fn offers(page: &str, code: &str) -> bool {
    page.contains(&format!(r#"name="shipping" value="{code}""#))
}

/// Europe at a flat 4.00 with 20% VAT added in France; elsewhere as ever.
async fn european_rules(app: &crate::helpers::TestApp) {
    let europe = zone_from_form(
        &fields(&[
            ("name", "Europe"),
            ("areas", "FR DE"),
            ("m0.label", "EU post"),
            ("m0.code", "eu-post"),
            ("m0.kind", "flat"),
            ("m0.price", "4"),
        ]),
        domain::Currency::Usd,
    )
    .unwrap();
    let mut rules = ShopRules::default().with_zone(1, europe).unwrap();
    rules.tax.rates = vec![TaxRate {
        area: Area::parse("FR").unwrap(),
        class: TaxClass::standard(),
        label: "TVA".into(),
        rate: 20_000,
    }];
    app.state.catalog.save_rules(&rules, 0).await.unwrap();
}

#[tokio::test]
async fn a_shopper_without_wasm_gets_the_methods_and_tax_of_their_address_and_is_charged_them() {
    let app = spawn_app(&[]).await;
    european_rules(&app).await;
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 3)).unwrap();
    let v = p.variants.iter().find(|v| v.stock > 3).unwrap();
    let back = format!("/p/{}", p.slug);
    let add = [("product_id", p.id.as_str()), ("sku", v.sku.as_str()), ("back", &back)];
    let r = app.form(app::cart_api::AddToCartForm::PATH, "", &add).await;
    let cart = cookie_pair(&r, "sf_cart").expect("a cart cookie");

    let (_, checkout) = app.text_as("/checkout", &cart).await;
    assert!(checkout.contains("Shipping method to United States"), "the first country until one is posted");
    assert!(offers(&checkout, "express") && !offers(&checkout, "eu-post"));
    let address = vec![
        ("email", "zoe@example.com"),
        ("name", "Zoé"),
        ("line1", "1 rue de la Paix"),
        ("line2", ""),
        ("city", "Paris"),
        ("region", ""),
        ("postal_code", "75002"),
        ("country", "FR"),
        ("shipping", "express"),
    ];
    let r = app.form(app::cart_api::CheckoutAddressForm::PATH, &cart, &address).await;
    let page = location(&r);
    assert!(page.starts_with("/checkout?form="), "{page}");
    let (_, checkout) = app.text_as(&page, &cart).await;
    assert!(checkout.contains("Shipping method to France"), "the posted country");
    assert!(offers(&checkout, "eu-post") && !offers(&checkout, "express"), "only Europe's methods");
    let tax = (v.price.minor() * 20 + 50) / 100 + 80; // 20% of the line and of the $4.00 shipping
    let tax_shown = domain::Money::new(tax, domain::Currency::Usd).unwrap();
    assert!(checkout.contains("TVA 20%") && checkout.contains(&tax_shown.to_string()), "the tax line");
    assert!(checkout.contains("value=\"Paris\""), "what was typed is kept");

    let mut order = address.clone();
    order.extend([("card_number", "4242 4242 4242 4242"), ("idempotency_key", "zone-key-0001")]);
    let r = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &order).await;
    let back = location(&r);
    let kept = back.split("form=").nth(1).unwrap_or_else(|| panic!("no kept form in {back}"));
    let errors = app::forms::kept(&app.state, kept).await.errors;
    assert_eq!(errors.get("shipping").map(String::as_str), Some("to France we ship by EU post: choose one of them"));

    order[8] = ("shipping", "eu-post");
    let r = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &order).await;
    assert!(location(&r).starts_with("/orders/"), "{}", location(&r));
    let id = domain::OrderId::parse(location(&r).split(['/', '?']).nth(2).unwrap()).unwrap();
    let accepted = app.state.orders.outbox.get(&id).await.unwrap().unwrap();
    assert_eq!(accepted.total_minor, v.price.minor() + 400 + tax, "the line, the zone's method and the tax");
    let m: domain::order::OrderMessage = serde_json::from_str(&accepted.body).unwrap();
    assert_eq!((m.shipping.as_str(), m.shipping_label.as_str()), ("eu-post", "EU post"));
    assert_eq!(m.tax.total_minor(), tax);
    assert!(m.totals_add_up());
    for _ in 0..20 {
        let queue = &*app.state.services.queues.main;
        app.state.orders.worker.run_once(queue, std::time::Duration::from_millis(200)).await.unwrap();
        if app.state.orders.repo.get(&id).await.unwrap().is_some() {
            break;
        }
    }
    let (_, page) = app.text_as(&location(&r), &cart).await;
    assert!(page.contains(&format!("TVA 20%: {tax_shown}")), "the order page shows the tax charged");
}

#[tokio::test]
async fn bad_address_fields_on_the_update_button_are_kept_and_change_nothing() {
    let app = spawn_app(&[]).await;
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 3)).unwrap();
    let v = p.variants.iter().find(|v| v.stock > 3).unwrap();
    let add = [("product_id", p.id.as_str()), ("sku", v.sku.as_str()), ("back", "/")];
    let r = app.form(app::cart_api::AddToCartForm::PATH, "", &add).await;
    let cart = cookie_pair(&r, "sf_cart").expect("a cart cookie");
    // An unknown country and a region with markup: the page falls back to
    // the first country, shows no error yet (nothing was ordered), and the
    // cart is as it was.
    let r = app.form(app::cart_api::CheckoutAddressForm::PATH, &cart, &[("country", "ZZ"), ("region", "<b>")]).await;
    let (status, checkout) = app.text_as(&location(&r), &cart).await;
    assert_eq!(status, 200);
    assert!(checkout.contains("Shipping method to United States"));
    assert!(!checkout.contains("<b>"), "escaped");
    let id = cart.split_once('=').unwrap().1.split('.').next().unwrap();
    let kept = app.state.orders.carts.load(id).await.unwrap();
    assert_eq!((kept.lines.len(), kept.lines[0].quantity), (1, 1), "the cart is untouched");
}
