//! Wishlists and back-in-stock alerts on both stacks: a list keeps each
//! product once, newest first, a guest's survives its cart's checkout (which
//! empties the cart in the order's own transaction) and joins the account's
//! at sign-in; an alert mails once when its variant is back, through the
//! outbox and the relay, and then stops; bad input stores nothing.

use crate::order_mail::TestMailer;
use crate::pipeline::{form, product_with_stock, stack, Stack};
use domain::{ProductId, UserId};
use shop::catalog::StockLine;
use shop::jobs::mail_relay::MailRelay;
use shop::mail::outbox::MailOutbox;
use shop::orders::cart::Cart;
use shop::stock_alerts::{AlertError, StockAlerts};
use shop::wishlist::{Owner, Wishlists};
use std::sync::Arc;

fn id(s: &str) -> ProductId {
    ProductId::parse(s).unwrap()
}

async fn a_wishlist_keeps_each_product_once_newest_first_and_a_guest_list_joins_the_account(s: Stack) {
    let lists = Wishlists::new(s.services.db.clone(), s.pipeline.carts.clone());
    let guest = Owner::Guest("wish-guest-1");
    assert_eq!(lists.save(guest, &id("p1")).await.unwrap(), Ok(true));
    assert_eq!(lists.save(guest, &id("p2")).await.unwrap(), Ok(true));
    assert_eq!(lists.save(guest, &id("p1")).await.unwrap(), Ok(false), "saved once");
    assert_eq!(lists.ids(guest).await.unwrap(), ["p2", "p1"]);

    // Placing the cart's order empties its lines (with the order, in one
    // commit), not the guest's list.
    let p = product_with_stock(&s, 3).await;
    let mut cart = s.pipeline.carts.load("wish-guest-1").await.unwrap();
    cart.add(p.id.as_str(), p.variants[0].sku.as_str(), 1, 100, shop::orders::cart::new_generation).unwrap();
    s.pipeline.carts.save("wish-guest-1", &cart).await.unwrap();
    s.pipeline.checkout.place("wish-guest-1", &cart, &form("wish-key-1"), "t").await.unwrap();
    let after = s.pipeline.carts.load("wish-guest-1").await.unwrap();
    assert_eq!(after, Cart { saved: vec!["p2".into(), "p1".into()], ..Cart::default() });
    // A cart with nothing else kept is gone with its order.
    let mut cart = Cart::default();
    cart.add(p.id.as_str(), p.variants[0].sku.as_str(), 1, 100, shop::orders::cart::new_generation).unwrap();
    s.pipeline.carts.save("wish-guest-2", &cart).await.unwrap();
    s.pipeline.checkout.place("wish-guest-2", &cart, &form("wish-key-2"), "t").await.unwrap();
    assert_eq!(s.pipeline.carts.load("wish-guest-2").await.unwrap(), Cart::default());

    let ann = UserId::parse("u-wish-ann").unwrap();
    let account = Owner::Account(&ann);
    assert_eq!(lists.save(account, &id("p3")).await.unwrap(), Ok(true));
    assert_eq!(lists.save(account, &id("p1")).await.unwrap(), Ok(true));
    assert_eq!(lists.adopt(&ann, &after.saved).await.unwrap(), 1, "p1 was there already");
    assert_eq!(lists.ids(account).await.unwrap(), ["p2", "p1", "p3"]);
    assert!(lists.remove(account, &id("p1")).await.unwrap());
    assert!(!lists.remove(account, &id("p1")).await.unwrap());
    assert_eq!(lists.ids(account).await.unwrap(), ["p2", "p3"]);
    assert!(lists.remove(guest, &id("p2")).await.unwrap());
    assert_eq!(lists.ids(guest).await.unwrap(), ["p1"]);

    // A full list refuses more and keeps what it has.
    for i in 0..domain::wishlist::MAX_SAVED - 2 {
        lists.save(account, &id(&format!("fill-{i}"))).await.unwrap().unwrap();
    }
    assert!(lists.save(account, &id("one-too-many")).await.unwrap().is_err());
    assert_eq!(lists.ids(account).await.unwrap().len(), domain::wishlist::MAX_SAVED);
}

async fn refused(alerts: &StockAlerts, product: &str, sku: &str, email: &str) -> String {
    match alerts.ask(product, sku, email).await {
        Err(AlertError::Invalid(errors)) => errors.into_keys().collect::<Vec<_>>().join(","),
        other => panic!("accepted or failed: {other:?}"),
    }
}

async fn a_stock_alert_mails_once_when_its_variant_is_back_and_then_stops(s: Stack) {
    let sold_out = product_with_stock(&s, 0).await;
    let in_stock = product_with_stock(&s, 4).await;
    let (pid, sku) = (sold_out.id.as_str(), sold_out.variants[0].sku.as_str());
    let alerts = StockAlerts::new(s.services.db.clone(), s.catalog.clone(), "https://shop.test/");
    assert_eq!(refused(&alerts, pid, sku, "not-an-address").await, "email");
    assert_eq!(refused(&alerts, pid, "NO-SUCH-SKU", "ann@example.com").await, "sku");
    assert_eq!(refused(&alerts, "no-such-product", sku, "ann@example.com").await, "sku");
    let other_sku = in_stock.variants[0].sku.as_str();
    assert_eq!(refused(&alerts, in_stock.id.as_str(), other_sku, "ann@example.com").await, "sku", "in stock now");
    assert_eq!(alerts.waiting().await.unwrap(), 0, "nothing stored for bad input");

    alerts.ask(pid, sku, "Ann@Example.com").await.unwrap();
    alerts.ask(pid, sku, "ann@example.com").await.unwrap();
    alerts.ask(pid, sku, "bob@example.com").await.unwrap();
    assert_eq!(alerts.waiting().await.unwrap(), 2, "one alert per address and variant");
    assert_eq!(alerts.step().await.unwrap(), 0, "still sold out: nothing sent");

    let three = StockLine { product_id: sold_out.id.clone(), sku: sold_out.variants[0].sku.clone(), quantity: 3 };
    s.catalog.store().release(std::slice::from_ref(&three)).await.unwrap();
    s.catalog.stock_changed(pid).await.unwrap();
    // Two jobs at once (two processes) write each mail once.
    let other = StockAlerts::new(s.services.db.clone(), s.catalog.clone(), "https://shop.test");
    let (a, b) = tokio::join!(alerts.step(), other.step());
    assert_eq!(a.unwrap() + b.unwrap(), 2);
    assert_eq!(alerts.step().await.unwrap(), 0, "then it stops");
    assert_eq!(alerts.waiting().await.unwrap(), 0);

    let mailer = Arc::new(TestMailer::default());
    let relay = MailRelay::new(
        MailOutbox::new(s.services.db.clone()),
        mailer.clone(),
        "https://shop.test/",
        s.pipeline.signer.clone(),
    );
    assert_eq!(relay.step().await.unwrap().sent, 2);
    let mails = mailer.sent.lock().unwrap().clone();
    let mut to: Vec<&str> = mails.iter().map(|m| m.to.as_str()).collect();
    to.sort();
    assert_eq!(to, ["ann@example.com", "bob@example.com"]);
    let link = format!("https://shop.test/p/{}?variant={sku}", sold_out.slug);
    assert!(mails.iter().all(|m| m.subject.contains(&sold_out.title) && m.text.contains(&link)), "{mails:?}");

    // Sold out and back again: a mail only to who asked again.
    s.catalog.store().reserve(std::slice::from_ref(&three)).await.unwrap();
    s.catalog.stock_changed(pid).await.unwrap();
    alerts.ask(pid, sku, "bob@example.com").await.unwrap();
    s.catalog.store().release(std::slice::from_ref(&three)).await.unwrap();
    assert_eq!(alerts.step().await.unwrap(), 1);
    assert_eq!(relay.step().await.unwrap().sent, 1);
    assert_eq!(mailer.sent.lock().unwrap().last().map(|m| m.to.clone()).as_deref(), Some("bob@example.com"));
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    a_wishlist_keeps_each_product_once_newest_first_and_a_guest_list_joins_the_account,
    a_stock_alert_mails_once_when_its_variant_is_back_and_then_stops,
);
