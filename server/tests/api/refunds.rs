//! Line refunds over HTTP: only a merchant refunds; bad input goes back to
//! the order page beside its fields and refunds nothing; a refund shows on
//! the merchant's and the shopper's order pages.

use crate::helpers::{confirmed_order, kept_errors, location, notice_of, spawn_app};
use shop::catalog::seed;

#[tokio::test]
async fn a_merchant_refunds_one_unit_and_the_shopper_sees_it_on_the_order_page() {
    let app = spawn_app(&[]).await;
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock >= 2)).unwrap();
    let v = p.variants.iter().find(|v| v.stock >= 2).unwrap();
    let id = confirmed_order(&app, &p, 2, None, "refund-http-1").await;
    let (page, action) = (format!("/admin/orders/{id}"), format!("/admin/orders/{id}/refund-lines"));
    let (qty, restock) = (format!("qty.{}", v.sku), format!("restock.{}", v.sku));

    let shopper = app.shopper("nosy@example.com").await;
    let fields = [(qty.as_str(), "1"), (restock.as_str(), "1"), ("reason", "a seam came loose")];
    assert_eq!(app.form(&action, &shopper, &fields).await.status(), 403, "merchants only");

    let merchant = app.merchant().await;
    let (_, admin) = app.text_as(&page, &merchant).await;
    assert!(admin.contains(&format!("action=\"{action}\"")), "the form is on the order page");
    let bad = [(qty.as_str(), "3"), (restock.as_str(), "0"), ("reason", "")];
    let r = app.form(&action, &merchant, &bad).await;
    let errors = kept_errors(&app, &r).await;
    assert!(errors.contains_key(&qty) && errors.contains_key("reason"), "{errors:?}");
    assert!(location(&r).starts_with(&page));
    assert!(
        shop::orders::refunds::refunds_of(&app.state.orders.repo, &id).await.unwrap().is_empty(),
        "nothing refunded"
    );

    let r = app.form(&action, &merchant, &fields).await;
    assert_eq!(notice_of(&app, &r).await, format!("Refunded {}: the shopper gets an e-mail.", v.price));
    let (_, admin) = app.text_as(&page, &merchant).await;
    assert!(
        admin.contains("a seam came loose") && admin.contains(&format!("1 × {}", p.title)),
        "listed for the merchant"
    );
    let link = app.state.orders.signer.order_path(id.as_str());
    let (_, mine) = app.text(&link).await;
    assert!(
        mine.contains("data-testid=\"order-refunds\"") && mine.contains("a seam came loose"),
        "and for the shopper"
    );
}
