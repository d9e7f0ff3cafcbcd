//! Checkout charges exactly its cart, once, and an accepted order always
//! reaches the queue.

use super::*;
use crate::pipeline::{cart_of, count, drain, form, product_with_stock, stack, stock_of, Stack};

async fn a_reused_key_with_another_cart_is_refused_and_never_underpays(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let price = p.variants[0].price.minor();
    let id = s.pipeline.checkout.place("reuse", &cart_of(&p, 1, price), &form("reuse-key-1"), "t").await.unwrap();
    let bigger = cart_of(&p, 3, price);
    let again = s.pipeline.checkout.place("reuse", &bigger, &form("reuse-key-1"), "t").await;
    assert_eq!(again, Err(CheckoutError::KeyReused), "the same key with a larger cart is refused");
    drain(&s, 1).await;
    let order = s.pipeline.repo.get(&id).await.unwrap().unwrap();
    assert_eq!(order.status, OrderStatus::Confirmed);
    assert_eq!(order.lines[0].quantity, 1, "the first cart's order, not the second's");
    assert_eq!(stock_of(&s, &p).await, 9);
}

async fn a_capture_for_another_amount_than_authorized_is_rejected_and_voided(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let price = p.variants[0].price;
    let id =
        s.pipeline.checkout.place("under", &cart_of(&p, 1, price.minor()), &form("under-key-1"), "t").await.unwrap();
    // The message on the queue is replaced by one claiming three items under the same hold.
    let got = s.services.queues.main.receive(1, Duration::from_secs(2)).await.unwrap().remove(0);
    s.services.queues.main.delete(&got.receipt).await.unwrap();
    let mut m: OrderMessage = serde_json::from_str(&got.body).unwrap();
    m.lines[0].quantity = 3;
    m.subtotal = price.times(3).unwrap();
    m.shipping_price = Money::zero(m.currency);
    m.total = m.subtotal;
    assert!(m.totals_add_up());
    assert!(matches!(
        s.pipeline.worker.handle(&serde_json::to_string(&m).unwrap()).await,
        Handled::Final(OrderStatus::Rejected { .. })
    ));
    assert!(
        matches!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Rejected { .. })),
        "never confirmed"
    );
    assert_eq!(payment_status(&s, &m.payment_auth).await, "voided");
    assert_eq!(stock_of(&s, &p).await, 10, "stock given back");
}

async fn an_oversized_request_id_is_replaced_and_the_order_goes_through(s: Stack) {
    let p = product_with_stock(&s, 3).await;
    let huge = "x".repeat(100_000);
    let id = s.pipeline.checkout.place("rid", &cart_of(&p, 1, 0), &form("rid-key-01"), &huge).await.unwrap();
    let a = s.pipeline.outbox.get(&id).await.unwrap().unwrap();
    assert!(a.request_id.len() <= 64 && a.sent_at.is_some(), "{} chars", a.request_id.len());
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Confirmed));
}

async fn two_tabs_ordering_one_cart_make_one_order_and_the_second_hold_is_voided(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let cart = cart_of(&p, 2, 0);
    let (one, two) = (form("tab-one-key"), form("tab-two-key"));
    let (a, b) = tokio::join!(
        s.pipeline.checkout.place("tabs", &cart, &one, "t"),
        s.pipeline.checkout.place("tabs", &cart, &two, "t"),
    );
    let (won, lost) = match (a, b) {
        (Ok(id), Err(e)) | (Err(e), Ok(id)) => (id, e),
        other => panic!("expected one order and one refusal, got {other:?}"),
    };
    assert_eq!(lost, CheckoutError::AlreadyOrdered { order_id: won.clone() });
    drain(&s, 1).await;
    assert_eq!(count(&s, "confirmed").await, 1);
    assert_eq!(stock_of(&s, &p).await, 8);
    let open: i64 = sqlx::query("SELECT COUNT(*) FROM payments WHERE status = 'authorized'")
        .fetch_one(s.services.db.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(open, 0, "the losing tab's hold was voided");
}

async fn a_failed_send_still_accepts_the_order_and_the_relay_delivers_it(mut s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let down = flaky_checkout(&mut s, false);
    let id = s.pipeline.checkout.place("outbox", &cart_of(&p, 1, 0), &form("outbox-key-1"), "t").await.unwrap();
    assert!(s.pipeline.outbox.get(&id).await.unwrap().unwrap().sent_at.is_none(), "accepted, not yet sent");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), None);
    down.down.store(false, Ordering::SeqCst);
    assert_eq!(s.pipeline.outbox.relay(0).await.unwrap(), 1, "the relay sends it");
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Confirmed));
    assert_eq!(payment_status(&s, &auth_of(&s, &id).await).await, "captured");
}

async fn an_ambiguous_send_that_reached_the_queue_makes_one_order(mut s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let _flaky = flaky_checkout(&mut s, true);
    let id = s.pipeline.checkout.place("ambig", &cart_of(&p, 2, 0), &form("ambig-key-1"), "t").await.unwrap();
    // The relay sends it again: two copies on the queue, one order.
    assert_eq!(s.pipeline.outbox.relay(0).await.unwrap(), 1);
    drain(&s, 2).await;
    assert_eq!(count(&s, "confirmed").await, 1);
    assert_eq!(stock_of(&s, &p).await, 3, "stock taken once");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Confirmed));
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    a_reused_key_with_another_cart_is_refused_and_never_underpays,
    a_capture_for_another_amount_than_authorized_is_rejected_and_voided,
    an_oversized_request_id_is_replaced_and_the_order_goes_through,
    two_tabs_ordering_one_cart_make_one_order_and_the_second_hold_is_voided,
    a_failed_send_still_accepts_the_order_and_the_relay_delivers_it,
    an_ambiguous_send_that_reached_the_queue_makes_one_order,
);
