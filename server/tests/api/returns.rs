//! Return requests over HTTP, as plain form posts: the order's link opens
//! the return form, a stranger learns nothing, bad input comes back beside
//! its fields, and the merchant approves and settles it with one refund.

use crate::helpers::{confirmed_order, kept_errors, location, notice_of, spawn_app};
use shop::catalog::seed;

#[tokio::test]
async fn a_shopper_asks_for_a_return_by_the_order_link_and_the_merchant_approves_and_refunds_it() {
    let app = spawn_app(&[]).await;
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock >= 2)).unwrap();
    let v = p.variants.iter().find(|v| v.stock >= 2).unwrap();
    let id = confirmed_order(&app, &p, 2, None, "return-http-1").await;
    let link = app.state.orders.signer.order_path(id.as_str());
    let key = link.split("key=").nth(1).unwrap().to_string();
    let action = format!("/orders/{id}/returns");
    let qty = format!("qty.{}", v.sku);
    let (_, page) = app.text(&link).await;
    assert!(page.contains(&format!("action=\"{action}\"")), "the order page offers a return");

    let ask = [("key", "0123456789abcdef0123456789abcdef"), (qty.as_str(), "1"), ("reason", "too small")];
    let r = app.form(&action, "", &ask).await;
    assert_eq!((location(&r).as_str(), notice_of(&app, &r).await.as_str()), ("/", "We do not know this order."));
    let bad = [("key", key.as_str()), (qty.as_str(), "5"), ("reason", "")];
    let errors = kept_errors(&app, &app.form(&action, "", &bad).await).await;
    assert!(errors.contains_key(&qty) && errors.contains_key("reason"), "{errors:?}");
    let repo = &app.state.orders.repo;
    assert!(shop::orders::returns::returns_of(repo, &id).await.unwrap().is_empty(), "nothing stored");

    let good = [("key", key.as_str()), (qty.as_str(), "1"), ("reason", "too small")];
    let r = app.form(&action, "", &good).await;
    assert_eq!(location(&r), link);
    assert!(notice_of(&app, &r).await.starts_with("We received your return request"));
    let (_, page) = app.text(&link).await;
    assert!(page.contains("Waiting for the shop"));

    let merchant = app.merchant().await;
    let (_, orders) = app.text_as("/admin/orders", &merchant).await;
    assert!(orders.contains("Return requests waiting for you: 1"), "the merchant's order list says so");
    let rid = shop::orders::returns::returns_of(repo, &id).await.unwrap()[0].id.clone();
    let decide = [("order_id", id.as_str()), ("action", "approve"), ("note", "send it back")];
    let r = app.form(&format!("/admin/returns/{rid}/decide"), &merchant, &decide).await;
    assert_eq!(notice_of(&app, &r).await, "Return request approved: the shopper gets an e-mail.");
    let (_, admin) = app.text_as(&format!("/admin/orders/{id}"), &merchant).await;
    assert!(admin.contains("Received: refund and restock"), "one click settles it");
    let (_, orders) = app.text_as("/admin/orders", &merchant).await;
    assert!(!orders.contains("Return requests waiting for you"), "decided: no longer waiting");
    let settle = [
        ("return_id", rid.as_str()),
        (qty.as_str(), "1"),
        (&format!("restock.{}", v.sku), "1"),
        ("reason", "return received: too small"),
    ];
    let r = app.form(&format!("/admin/orders/{id}/refund-lines"), &merchant, &settle).await;
    assert!(notice_of(&app, &r).await.starts_with("Refunded "));
    let (_, page) = app.text(&link).await;
    assert!(page.contains("Refunded") && page.contains("send it back"), "the shopper sees the outcome and the note");
}
