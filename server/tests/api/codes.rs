//! Discount codes over HTTP, as a merchant and a shopper without Wasm make
//! them: the admin form refuses bad input beside its field and changes
//! nothing, a shopper applies a code to the cart, the checkout shows the
//! discount per method, and the order charges exactly that.

use crate::helpers::{cookie_pair, kept_errors, location, notice_of, spawn_app};
use leptos::server_fn::ServerFn;
use shop::catalog::seed;

fn code_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("code", "save10"),
        ("kind", "percent"),
        ("value", "10"),
        ("starts_on", ""),
        ("ends_on", ""),
        ("min_subtotal", ""),
        ("categories", ""),
        ("usage_limit", "20"),
        ("active", "on"),
    ];
    for (k, v) in changes {
        match fields.iter_mut().find(|(fk, _)| fk == k) {
            Some(f) => f.1 = v,
            None => fields.push((k, v)),
        }
    }
    fields
}

#[tokio::test]
async fn bad_discount_code_forms_get_field_errors_and_change_nothing() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("value", "150")], "value"),
        (vec![("value", "-5"), ("kind", "fixed")], "value"),
        (vec![("starts_on", "2026-12-10"), ("ends_on", "2026-12-01")], "ends_on"),
        (vec![("min_subtotal", "-1")], "min_subtotal"),
        (vec![("code", "a b")], "code"),
        (vec![("usage_limit", "0")], "usage_limit"),
        (vec![("categories", "Not A Path!")], "categories"),
        (vec![("kind", "teleport")], "kind"),
    ];
    for (changes, field) in cases {
        let r = app.form("/admin/promotions/save", &merchant, &code_form(&changes)).await;
        let errors = kept_errors(&app, &r).await;
        assert!(errors.contains_key(field), "{changes:?}: {errors:?}");
        assert!(location(&r).starts_with("/admin/promotions/new?form="), "{}", location(&r));
    }
    assert!(app.state.catalog.store().promotions().await.unwrap().is_empty(), "nothing was saved");
    let shopper = app.shopper("nosy@example.com").await;
    assert_eq!(app.form("/admin/promotions/save", &shopper, &code_form(&[])).await.status(), 403);
    assert!(app.state.catalog.store().promotions().await.unwrap().is_empty());
    // A good one is saved once; the same code again is refused beside its field.
    let r = app.form("/admin/promotions/save", &merchant, &code_form(&[])).await;
    assert_eq!(location(&r), "/admin/promotions");
    assert_eq!(notice_of(&app, &r).await, "Code SAVE10 saved.");
    let r = app.form("/admin/promotions/save", &merchant, &code_form(&[])).await;
    assert_eq!(kept_errors(&app, &r).await["code"], "the code SAVE10 already exists");
    let (status, list) = app.text_as("/admin/promotions", &merchant).await;
    assert_eq!(status, 200);
    assert!(list.contains("SAVE10") && list.contains("10% off") && list.contains("0 of 20"), "{list}");
    let (status, edit) = app.text_as("/admin/promotions/SAVE10", &merchant).await;
    assert_eq!(status, 200);
    assert!(edit.contains("name=\"version\" value=\"1\""), "the edit form names its version");
}

#[tokio::test]
async fn a_shopper_without_wasm_applies_a_code_and_is_charged_the_discounted_total() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let r = app.form("/admin/promotions/save", &merchant, &code_form(&[("value", "15")])).await;
    assert_eq!(location(&r), "/admin/promotions");
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 3)).unwrap();
    let v = p.variants.iter().find(|v| v.stock > 3).unwrap();
    let back = format!("/p/{}", p.slug);
    let fields = [("product_id", p.id.as_str()), ("sku", v.sku.as_str()), ("back", &back)];
    let r = app.form(app::cart_api::AddToCartForm::PATH, "", &fields).await;
    let cart = cookie_pair(&r, "sf_cart").expect("a cart cookie");

    let r = app.form(app::cart_api::ApplyCodeForm::PATH, &cart, &[("code", "nope123")]).await;
    assert_eq!(location(&r), "/cart");
    assert_eq!(notice_of(&app, &r).await, "Sorry, the code NOPE123 is not valid.");
    let r = app.form(app::cart_api::ApplyCodeForm::PATH, &cart, &[("code", " save10 ")]).await;
    assert_eq!(notice_of(&app, &r).await, "Code applied: SAVE10: 15% off.");
    let (_, cart_page) = app.text_as("/cart", &cart).await;
    assert!(cart_page.contains("data-testid=\"code-applied\""), "the cart shows the code");

    let discount = (v.price.minor() * 15 + 50) / 100;
    let after = domain::Money::new(v.price.minor() - discount, domain::Currency::Usd).unwrap();
    let express_total = after.minor() + 1_500;
    let (_, checkout) = app.text_as("/checkout", &cart).await;
    let shown = domain::Money::new(discount, domain::Currency::Usd).unwrap();
    assert!(checkout.contains(&format!("−{shown}")), "the discount is on the checkout");
    let total = domain::Money::new(express_total, domain::Currency::Usd).unwrap();
    assert!(checkout.contains(&format!("Express (1–2 days): $15.00 · total {total}")), "per method, with the discount");

    let order = [
        ("email", "coder@example.com"),
        ("name", "Ada"),
        ("line1", "1 Main St"),
        ("line2", ""),
        ("city", "Springfield"),
        ("postal_code", "12345"),
        ("country", "US"),
        ("shipping", "express"),
        ("card_number", "4242 4242 4242 4242"),
        ("idempotency_key", "code-key-0001"),
    ];
    let token = format!("d:SAVE10:{discount}");
    assert!(
        checkout.contains(&format!("name=\"discount_seen\" value=\"{token}\"")),
        "the page posts back what it showed"
    );
    // A discount that changed since the page was shown is refused, not charged unseen.
    let mut stale = order.to_vec();
    stale.push(("discount_seen", "d:SAVE10:1"));
    let r = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &stale).await;
    assert!(location(&r).starts_with("/checkout?form="), "{}", location(&r));
    let (_, again) = app.text_as(&location(&r), &cart).await;
    assert!(again.contains("changed since the page was shown"), "the shopper is told");
    let mut order = order.to_vec();
    order.push(("discount_seen", token.as_str()));
    let r = app.form(app::cart_api::PlaceOrderForm::PATH, &cart, &order).await;
    assert!(location(&r).starts_with("/orders/"), "{}", location(&r));
    let accepted = app
        .state
        .orders
        .outbox
        .get(&domain::OrderId::parse(location(&r).split(['/', '?']).nth(2).unwrap()).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(accepted.total_minor, express_total, "authorized for the discounted total");
    let m: domain::order::OrderMessage = serde_json::from_str(&accepted.body).unwrap();
    assert_eq!(m.code.as_ref().map(|c| c.code.as_str()), Some("SAVE10"));
    assert!(m.totals_add_up());
}

#[tokio::test]
async fn an_automatic_promotion_shows_in_the_cart_and_a_code_saving_less_is_named_as_not_applied() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let auto = code_form(&[
        ("code", "dollar-off"),
        ("kind", "fixed"),
        ("value", "1"),
        ("usage_limit", ""),
        ("automatic", "on"),
    ]);
    assert_eq!(location(&app.form("/admin/promotions/save", &merchant, &auto).await), "/admin/promotions");
    let tiny = code_form(&[("code", "tiny"), ("kind", "fixed"), ("value", "0.50")]);
    assert_eq!(location(&app.form("/admin/promotions/save", &merchant, &tiny).await), "/admin/promotions");
    let limited = code_form(&[("code", "auto-limited"), ("automatic", "on")]);
    let r = app.form("/admin/promotions/save", &merchant, &limited).await;
    assert!(kept_errors(&app, &r).await.contains_key("usage_limit"), "an automatic promotion takes no limit");

    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 3)).unwrap();
    let v = p.variants.iter().find(|v| v.stock > 3).unwrap();
    let back = format!("/p/{}", p.slug);
    let r = app
        .form(
            app::cart_api::AddToCartForm::PATH,
            "",
            &[("product_id", p.id.as_str()), ("sku", v.sku.as_str()), ("back", &back)],
        )
        .await;
    let cart = cookie_pair(&r, "sf_cart").expect("a cart cookie");
    let (_, cart_page) = app.text_as("/cart", &cart).await;
    assert!(cart_page.contains("DOLLAR-OFF: $1.00 off (automatic)"), "no code needed");
    let (_, checkout) = app.text_as("/checkout", &cart).await;
    assert!(checkout.contains("−$1.00"), "the checkout takes it off");
    let r = app.form(app::cart_api::ApplyCodeForm::PATH, &cart, &[("code", "tiny")]).await;
    assert_eq!(
        notice_of(&app, &r).await,
        "Sorry, the code TINY was not applied: DOLLAR-OFF: $1.00 off (automatic) saves you more."
    );
    let r = app.form(app::cart_api::ApplyCodeForm::PATH, &cart, &[("code", "dollar-off")]).await;
    assert_eq!(notice_of(&app, &r).await, "Sorry, the code DOLLAR-OFF is not valid.", "not a code to type");
}
