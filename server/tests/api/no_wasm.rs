//! The purchase as a browser without Wasm makes it: plain form posts to the
//! `*_form` server functions, each answered by a redirect (post, redirect,
//! get), the cart cookie carried between them, and the card number only
//! ever in a POST body.

use crate::helpers::{cookie_pair, location, spawn_app, TestApp};
use leptos::server_fn::ServerFn;
use shop::catalog::seed;

fn cart_cookie(r: &reqwest::Response) -> Option<String> {
    cookie_pair(r, "sf_cart")
}

/// A product with more than 3 in stock, its variant's index, and the buy
/// box's form posted for that variant without Wasm.
async fn add_one(app: &TestApp) -> (domain::Product, usize, reqwest::Response) {
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 3)).unwrap();
    let ix = p.variants.iter().position(|v| v.stock > 3).unwrap();
    let back = format!("/p/{}", p.slug);
    let fields = [("product_id", p.id.as_str()), ("sku", p.variants[ix].sku.as_str()), ("back", &back)];
    let r = app.form(app::cart_api::AddToCartForm::PATH, "", &fields).await;
    (p, ix, r)
}

#[tokio::test]
async fn a_shopper_without_wasm_adds_to_cart_changes_quantities_and_checks_out() {
    let app = spawn_app(&[]).await;
    let (p, ix, r) = add_one(&app).await;
    let v = &p.variants[ix];
    let (_, page) = app.text(&format!("/p/{}", p.slug)).await;
    assert!(page.contains(&format!("action=\"{}\"", app::cart_api::AddToCartForm::PATH)), "the buy box is a form");
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(location(&r), "/cart");
    let cart = cart_cookie(&r).expect("a cart cookie");

    let r =
        app.form(app::cart_api::UpdateCartLineForm::PATH, &cart, &[("sku", v.sku.as_str()), ("quantity", "3")]).await;
    assert_eq!(location(&r), "/cart");
    let (_, cart_page) = app.text_as("/cart", &cart).await;
    assert!(cart_page.contains("<option value=\"3\" selected"), "the quantity is 3 now");

    let (_, checkout) = app.text_as("/checkout", &cart).await;
    assert!(checkout.contains("method=\"post\""), "the checkout never sends the card in a URL");
    let priced = app.state.orders.carts.load(cart.split_once('=').unwrap().1.split('.').next().unwrap()).await.unwrap();
    let subtotal = shop::orders::cart::price_cart(&app.state.catalog, &priced).await.unwrap().subtotal;
    let [standard, express]: [domain::shipping::Method; 2] =
        domain::shipping::default_zones().remove(0).methods.try_into().unwrap();
    let express = subtotal.checked_add(express.price(subtotal, 0)).unwrap();
    assert!(
        checkout.contains(&format!("Express (1–2 days): $15.00 · total {express}")),
        "each method shows what the order would cost with it, before any Wasm"
    );
    let standard = subtotal.checked_add(standard.price(subtotal, 0)).unwrap();
    assert!(checkout.contains(&standard.to_string()), "the total for the chosen method is on the page");
    let mut fields = vec![
        ("email", "nowasm@example.com"),
        ("name", "Ada"),
        ("line1", "1 Main St"),
        ("line2", ""),
        ("city", "Springfield"),
        ("postal_code", ""),
        ("country", "US"),
        ("shipping", "express"),
        ("card_number", "4242 4242 4242 4242"),
        ("idempotency_key", "no-wasm-key-1"),
    ];
    let r = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &fields).await;
    let back = location(&r);
    assert!(back.starts_with("/checkout?form="), "a missing field goes back to the form: {back}");
    let (_, again) = app.text_as(&back, &cart).await;
    assert!(again.contains("value=\"Springfield\""), "what was typed is kept");
    assert!(!again.contains("value=\"4242"), "the card number is never kept");
    assert!(again.contains("field-error"), "the field's error is shown");

    fields[5] = ("postal_code", "12345");
    let r = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &fields).await;
    let order = location(&r);
    assert!(order.starts_with("/orders/"), "accepted: to the order's page, got {order}");
    let (status, order_page) = app.text_as(&order, &cart).await;
    assert_eq!(status, 200);
    assert!(order_page.contains("data-testid=\"order-state\""), "the order page shows its state");
    let again = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &fields).await;
    assert!(location(&again).starts_with("/orders/"), "a resubmitted form lands on an order page, not a second charge");
}

#[tokio::test]
async fn a_guest_orders_page_opens_with_its_links_key_and_to_nobody_who_only_knows_the_id() {
    let app = spawn_app(&[]).await;
    let (_, _, r) = add_one(&app).await;
    let cart = cart_cookie(&r).expect("a cart cookie");
    let fields = [
        ("email", "guest@example.com"),
        ("name", "Ada"),
        ("line1", "1 Main St"),
        ("city", "Springfield"),
        ("postal_code", "12345"),
        ("country", "US"),
        ("shipping", "standard"),
        ("card_number", "4242 4242 4242 4242"),
        ("idempotency_key", "order-link-key-1"),
    ];
    let link = location(&app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &fields).await);
    let (path, key) = link.split_once("?key=").expect("the order's link carries its key");
    assert_eq!(key.len(), 32, "{link}");

    let (status, page) = app.text(&link).await;
    assert_eq!(status, 200, "the link opens the order, in any browser (the mail's link too)");
    assert!(page.contains("data-testid=\"order-state\""));
    for (what, url) in [
        ("no key", path.to_string()),
        ("a wrong key", format!("{path}?key={}", "0".repeat(32))),
        (
            "another order's key",
            format!("{path}?key={}", app.state.orders.signer.order_key("o000000000000000000000000")),
        ),
    ] {
        let (status, page) = app.text(&url).await;
        assert_eq!(status, 404, "{what}: as if there were no such order");
        assert!(!page.contains("data-testid=\"order-state\""), "{what}");
    }
    let stranger = app.shopper("stranger@example.com").await;
    let (status, _) = app.text_as(path, &stranger).await;
    assert_eq!(status, 404, "another shopper's session opens nothing");
    let merchant = app.merchant().await;
    let (status, _) = app.text_as(path, &merchant).await;
    assert_eq!(status, 200, "a merchant sees every order");
}
