//! A flash sale refuses at checkout, before any payment hold, the shoppers
//! whose units are all held by orders accepted a moment ago; the worker
//! still decides who gets the stock.

use super::*;
use crate::pipeline::{cart_of, flash_sale_product, form, stack, stock_of, Stack};
use shop::orders::checkout::order_id;

async fn holds(s: &Stack, id: &domain::OrderId) -> i64 {
    sqlx::query("SELECT COUNT(*) FROM payments WHERE order_id = $1")
        .bind(id.as_str())
        .fetch_one(s.services.db.pool())
        .await
        .unwrap()
        .get(0)
}

async fn a_flash_sale_checkout_is_refused_before_its_hold_when_pending_orders_hold_the_stock_left(s: Stack) {
    let p = flash_sale_product(&s, 2).await;
    let price = p.variants[0].price.minor();
    let place = |cart: &'static str, key: &'static str| {
        let (s, p) = (&s, &p);
        async move { s.pipeline.checkout.place(cart, &cart_of(p, 1, price), &form(key), "t").await }
    };
    let first = place("rush-1", "rush-key-1").await.unwrap();
    let second = place("rush-2", "rush-key-2").await.unwrap();
    // A checkout racing its own twin (a double submit) does not count it.
    let sku = p.variants[0].sku.as_str();
    assert_eq!(s.pipeline.outbox.pending_in_group(sku, 0, &order_id("rush-3", "rush-key-3")).await.unwrap(), 2);
    assert_eq!(s.pipeline.outbox.pending_in_group(sku, 0, &first).await.unwrap(), 1);
    // Nothing reserved yet: the catalog still shows 2, both held by those orders.
    let third = place("rush-3", "rush-key-3").await;
    assert!(matches!(&third, Err(CheckoutError::Cart(why)) if why.contains("sold out")), "{third:?}");
    assert_eq!(holds(&s, &order_id("rush-3", "rush-key-3")).await, 0, "refused before any payment hold");

    let sale = s.services.sale_queue.clone();
    while s.pipeline.worker.run_once(&*sale, Duration::from_millis(500)).await.unwrap() != Drained::Empty {}
    for id in [&first, &second] {
        assert_eq!(s.pipeline.repo.status(id).await.unwrap(), Some(OrderStatus::Confirmed));
    }
    assert_eq!(stock_of(&s, &p).await, 0, "the two admitted orders took the stock");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    a_flash_sale_checkout_is_refused_before_its_hold_when_pending_orders_hold_the_stock_left,
);
