//! After an outage, a lost message, a panic or a crash mid-refund, the
//! worker, the reconciler and the saga put money and stock right.

use super::*;
use crate::pipeline::{cart_of, drain, form, product_with_stock, stack, stock_of, Stack};
use shop::catalog::Reservation;

async fn a_sold_out_delivery_never_voids_or_deletes_an_order_another_delivery_holds(s: Stack) {
    let p = product_with_stock(&s, 1).await;
    let id = s.pipeline.checkout.place("short", &cart_of(&p, 1, 0), &form("short-key-1"), "t").await.unwrap();
    let got = s.services.queues.main.receive(1, Duration::from_secs(2)).await.unwrap().remove(0);
    let m: OrderMessage = serde_json::from_str(&got.body).unwrap();
    // This delivery found the stock short, but meanwhile another delivery
    // stored the order as reserved (it holds the stock and will capture).
    assert!(s.pipeline.repo.insert(&m, &OrderStatus::Reserved).await.unwrap());
    let handled = s.pipeline.worker.reject_unreserved(&m, Reservation::Short { line: 0 }).await;
    assert!(matches!(handled, Handled::Retry(_)), "{handled:?}");
    assert_eq!(payment_status(&s, &m.payment_auth).await, "authorized", "not voided under the other delivery");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Reserved));
    // Alone, the same delivery stores the rejection and voids.
    let other = s.pipeline.checkout.place("short2", &cart_of(&p, 1, 0), &form("short-key-2"), "t").await.unwrap();
    let got = s.services.queues.main.receive(1, Duration::from_secs(2)).await.unwrap().remove(0);
    let m2: OrderMessage = serde_json::from_str(&got.body).unwrap();
    assert_eq!(m2.order_id, other);
    assert!(matches!(
        s.pipeline.worker.reject_unreserved(&m2, Reservation::Short { line: 0 }).await,
        Handled::Final(OrderStatus::Rejected { .. })
    ));
    assert_eq!(payment_status(&s, &m2.payment_auth).await, "voided");
}

async fn a_provider_outage_backs_off_and_never_dead_letters(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let id = s.pipeline.checkout.place("outage", &cart_of(&p, 1, 0), &form("outage-key1"), "t").await.unwrap();
    let until = shop::orders::repo::now() + 3600;
    s.services.db.set_meta(adapters::payments::OUTAGE_KEY, &until.to_string()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the provider reads its switch once a second
    for _ in 0..6 {
        s.pipeline.worker.run_once(&*s.services.queues.main, Duration::from_millis(1500)).await.unwrap();
    }
    assert!(s.services.queues.dead_letter.receive(1, Duration::ZERO).await.unwrap().is_empty(), "not poison");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Reserved), "waiting, stock held");
    s.services.db.set_meta(adapters::payments::OUTAGE_KEY, "0").await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Confirmed), "recovered by itself");
}

/// Payments that take their time capturing (or panic doing it).
struct SlowPayments {
    inner: Arc<dyn Payments>,
    delay: Duration,
    panic: bool,
}

#[async_trait]
impl Payments for SlowPayments {
    async fn authorize(&self, o: &domain::OrderId, f: &str, a: Money, c: &str) -> Result<String, PaymentError> {
        self.inner.authorize(o, f, a, c).await
    }
    async fn capture(&self, auth: &str, amount: Money) -> Result<(), PaymentError> {
        assert!(!self.panic, "capture exploded (test)");
        tokio::time::sleep(self.delay).await;
        self.inner.capture(auth, amount).await
    }
    async fn void(&self, auth: &str) -> Result<(), PaymentError> {
        self.inner.void(auth).await
    }
    async fn refund(&self, auth: &str) -> Result<(), PaymentError> {
        self.inner.refund(auth).await
    }
    async fn refund_part(&self, auth: &str, refund_id: &str, amount: Money) -> Result<(), PaymentError> {
        self.inner.refund_part(auth, refund_id, amount).await
    }
    async fn open_authorizations(&self, before: i64, limit: i64) -> Result<Vec<String>, PaymentError> {
        self.inner.open_authorizations(before, limit).await
    }
}

async fn a_long_capture_keeps_its_message_hidden_from_other_workers(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let id = s.pipeline.checkout.place("slow", &cart_of(&p, 1, 0), &form("slow-key-01"), "t").await.unwrap();
    let mut slow = s.pipeline.worker.clone();
    slow.payments =
        Arc::new(SlowPayments { inner: s.pipeline.payments.clone(), delay: Duration::from_secs(3), panic: false });
    let queue = s.services.queues.main.clone();
    let busy = tokio::spawn(async move { slow.run_once(&*queue, Duration::from_secs(2)).await.unwrap() });
    // Visibility is 1 s; without the heartbeat a second worker would get the message now.
    tokio::time::sleep(Duration::from_millis(1800)).await;
    let stolen = s.services.queues.main.receive(10, Duration::from_millis(800)).await.unwrap();
    assert!(stolen.is_empty(), "the message stayed hidden while it was worked on");
    assert_eq!(busy.await.unwrap(), Drained::Processed(1));
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Confirmed));
}

async fn a_panic_on_one_message_dead_letters_it_and_the_worker_goes_on(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    s.pipeline.checkout.place("boom", &cart_of(&p, 1, 0), &form("boom-key-01"), "t").await.unwrap();
    let mut boom = s.pipeline.worker.clone();
    boom.payments = Arc::new(SlowPayments { inner: s.pipeline.payments.clone(), delay: Duration::ZERO, panic: true });
    assert_eq!(boom.run_once(&*s.services.queues.main, Duration::from_secs(2)).await.unwrap(), Drained::Processed(1));
    let dead = s.services.queues.dead_letter.receive(1, Duration::from_secs(2)).await.unwrap();
    assert!(
        dead[0].attributes.get("failure_reason").is_some_and(|r| r.contains("panicked")),
        "{:?}",
        dead[0].attributes
    );
    let next = s.pipeline.checkout.place("fine", &cart_of(&p, 1, 0), &form("fine-key-01"), "t").await.unwrap();
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&next).await.unwrap(), Some(OrderStatus::Confirmed));
}

async fn the_reconciler_settles_lost_messages_and_voids_orphan_holds(mut s: Stack) {
    let p = product_with_stock(&s, 10).await;
    // a) reserved, then the process died and the message was lost.
    let a = s.pipeline.checkout.place("rec-a", &cart_of(&p, 1, 0), &form("rec-key-aa"), "t").await.unwrap();
    let mut dying = s.pipeline.worker.clone();
    dying.crash = Some(Arc::new(|at, _| at == Step::AfterReserve));
    dying.run_once(&*s.services.queues.main, Duration::from_secs(2)).await.unwrap();
    // b) stored as reserved, then lost too.
    let b = s.pipeline.checkout.place("rec-b", &cart_of(&p, 2, 0), &form("rec-key-bb"), "t").await.unwrap();
    dying.crash = Some(Arc::new(|at, _| at == Step::AfterCommit));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    while dying.run_once(&*s.services.queues.main, Duration::from_millis(500)).await.unwrap() != Drained::Empty {}
    purge(&s).await;
    // c) accepted but never sent.
    let down = flaky_checkout(&mut s, false);
    let c = s.pipeline.checkout.place("rec-c", &cart_of(&p, 1, 0), &form("rec-key-cc"), "t").await.unwrap();
    down.down.store(false, Ordering::SeqCst);
    // d) a hold that no order owns (checkout died right after authorizing).
    let orphan = s
        .pipeline
        .payments
        .authorize(
            &domain::OrderId::parse("o-orphan").unwrap(),
            "fp",
            Money::new(500, domain::Currency::Usd).unwrap(),
            "4242424242424242",
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let run = reconciler(&s).run_once().await.unwrap().expect("the lease was free");
    assert_eq!((run.status.as_str(), run.voided), ("ok", 1), "{run:?}");
    assert!(run.resent >= 1 || run.settled >= 3, "{run:?}");
    drain(&s, 1).await;
    reconciler(&s).run_once().await.unwrap();
    for id in [&a, &b, &c] {
        assert_eq!(s.pipeline.repo.status(id).await.unwrap(), Some(OrderStatus::Confirmed), "{id}");
    }
    assert_eq!(stock_of(&s, &p).await, 6, "each order's stock taken once");
    assert_eq!(payment_status(&s, &orphan).await, "voided");
    let runs = reconciler(&s).runs(5).await.unwrap();
    assert!(runs.len() >= 2 && runs.iter().all(|r| r.status == "ok"));
}

/// Drop every message on the order queue (as if lost).
async fn purge(s: &Stack) {
    loop {
        let got = s.services.queues.main.receive(10, Duration::from_millis(1500)).await.unwrap();
        if got.is_empty() {
            return;
        }
        for m in got {
            s.services.queues.main.delete(&m.receipt).await.unwrap();
        }
    }
}

async fn a_refund_interrupted_after_the_money_went_back_is_resumed_once(s: Stack) {
    use shop::orders::admin::resume_reversals;
    let p = product_with_stock(&s, 10).await;
    let id = s.pipeline.checkout.place("saga", &cart_of(&p, 3, 0), &form("saga-key-01"), "t").await.unwrap();
    drain(&s, 1).await;
    assert_eq!(stock_of(&s, &p).await, 7);
    // The process died right after refunding: the saga row says "release".
    let auth = auth_of(&s, &id).await;
    s.pipeline.payments.refund(&auth).await.unwrap();
    sqlx::query("INSERT INTO order_reversals (order_id, kind, reason, actor, step, created_at, updated_at) VALUES ($1, 'refund', 'asked', 'm@x.co', 'release', 0, 0)")
        .bind(&id)
        .execute(s.services.db.pool())
        .await
        .unwrap();
    let now = shop::orders::repo::now();
    assert_eq!(resume_reversals(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, now).await.unwrap(), 1);
    assert_eq!(resume_reversals(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, now).await.unwrap(), 0);
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Refunded));
    assert_eq!(stock_of(&s, &p).await, 10, "stock back once");
    let audited = shop::accounts::audit::AuditLog::new(s.services.db.clone()).list(10, 0).await.unwrap();
    assert!(audited.iter().any(|e| e.action == "order.refund" && e.target == id && e.actor == "m@x.co"));
}

async fn a_refund_after_the_variant_was_removed_completes(s: Stack) {
    use shop::orders::admin::{reverse, Reversal};
    let mut p = product_with_stock(&s, 10).await;
    let id = s.pipeline.checkout.place("gone", &cart_of(&p, 2, 0), &form("gone-key-01"), "t").await.unwrap();
    drain(&s, 1).await;
    // The merchant replaces the variant with a new one.
    let old = p.clone();
    let mut v = p.variants[0].clone();
    v.sku = domain::Sku::parse(&format!("{}-NEW", old.variants[0].sku)).unwrap();
    p.variants = vec![v];
    s.catalog.save(&p, Some(&old)).await.unwrap();
    let r = reverse(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, &id, Reversal::Refund, "asked", "m@x.co").await;
    assert!(r.is_ok(), "{r:?}");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Refunded), "not stuck at confirmed");
    assert_eq!(payment_status(&s, &auth_of(&s, &id).await).await, "refunded");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    a_sold_out_delivery_never_voids_or_deletes_an_order_another_delivery_holds,
    a_provider_outage_backs_off_and_never_dead_letters,
    a_long_capture_keeps_its_message_hidden_from_other_workers,
    a_panic_on_one_message_dead_letters_it_and_the_worker_goes_on,
    the_reconciler_settles_lost_messages_and_voids_orphan_holds,
    a_refund_interrupted_after_the_money_went_back_is_resumed_once,
    a_refund_after_the_variant_was_removed_completes,
);
