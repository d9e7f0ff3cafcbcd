//! The order pipeline's money and stock promises on the paths around a
//! crash, an outage or a retry (issue 12), on the embedded stack and on
//! PostgreSQL + SQS + DynamoDB (moto). Each test failed before its fix.

use crate::pipeline::{cart_of, count, drain, form, product_with_stock, stack, stock_of, Stack};
use async_trait::async_trait;
use domain::order::{OrderMessage, OrderStatus};
use domain::Money;
use infra::orders::checkout::CheckoutError;
use infra::orders::outbox::Outbox;
use infra::orders::reconcile::Reconciler;
use infra::orders::worker::{Drained, Handled, Step};
use infra::payments::{PaymentError, Payments};
use infra::queue::{Depth, Outgoing, Queue, Received};
use infra::{PortError, PortResult};
use sqlx::Row;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn payment_status(s: &Stack, auth: &str) -> String {
    let db = &s.services.db;
    sqlx::query("SELECT status FROM payments WHERE auth_id = $1")
        .bind(auth)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<String, _>(0)
}

async fn auth_of(s: &Stack, order_id: &str) -> String {
    s.pipeline.outbox.get(order_id).await.unwrap().unwrap().payment_auth
}

/// A queue whose sends fail, after (`delivers`) or without reaching the real queue.
struct FlakyQueue {
    inner: Arc<dyn Queue>,
    delivers: bool,
    down: AtomicBool,
}

#[async_trait]
impl Queue for FlakyQueue {
    async fn send(&self, msg: Outgoing) -> PortResult<String> {
        if !self.down.load(Ordering::SeqCst) {
            return self.inner.send(msg).await;
        }
        if self.delivers {
            self.inner.send(msg).await?;
        }
        Err(PortError::unavailable("sqs", "connection reset (test)"))
    }
    async fn receive(&self, max: u32, wait: Duration) -> PortResult<Vec<Received>> {
        self.inner.receive(max, wait).await
    }
    async fn delete(&self, receipt: &str) -> PortResult<()> {
        self.inner.delete(receipt).await
    }
    async fn release(&self, receipt: &str, delay: Duration) -> PortResult<()> {
        self.inner.release(receipt, delay).await
    }
    async fn depth(&self) -> PortResult<Depth> {
        self.inner.depth().await
    }
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// Point checkout at a queue whose sends fail; returns the switch.
fn flaky_checkout(s: &mut Stack, delivers: bool) -> Arc<FlakyQueue> {
    let q = Arc::new(FlakyQueue { inner: s.services.queues.main.clone(), delivers, down: AtomicBool::new(true) });
    s.pipeline.checkout.outbox = Outbox::new(s.services.db.clone(), q.clone(), s.services.sale_queue.clone());
    q
}

fn reconciler(s: &Stack) -> Reconciler {
    Reconciler {
        repo: s.pipeline.repo.clone(),
        outbox: s.pipeline.outbox.clone(),
        worker: s.pipeline.worker.clone(),
        payments: s.pipeline.payments.clone(),
        audit: infra::accounts::audit::AuditLog::new(s.services.db.clone()),
        after: Duration::ZERO,
    }
}

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

async fn a_sold_out_delivery_never_voids_or_deletes_an_order_another_delivery_holds(s: Stack) {
    let p = product_with_stock(&s, 1).await;
    let id = s.pipeline.checkout.place("short", &cart_of(&p, 1, 0), &form("short-key-1"), "t").await.unwrap();
    let got = s.services.queues.main.receive(1, Duration::from_secs(2)).await.unwrap().remove(0);
    let m: OrderMessage = serde_json::from_str(&got.body).unwrap();
    // This delivery found the stock short, but meanwhile another delivery
    // stored the order as reserved (it holds the stock and will capture).
    assert!(s.pipeline.repo.insert(&m, &OrderStatus::Reserved).await.unwrap());
    let handled = s.pipeline.worker.reject_sold_out(&m, 0).await;
    assert!(matches!(handled, Handled::Retry(_)), "{handled:?}");
    assert_eq!(payment_status(&s, &m.payment_auth).await, "authorized", "not voided under the other delivery");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Reserved));
    // Alone, the same delivery stores the rejection and voids.
    let other = s.pipeline.checkout.place("short2", &cart_of(&p, 1, 0), &form("short-key-2"), "t").await.unwrap();
    let got = s.services.queues.main.receive(1, Duration::from_secs(2)).await.unwrap().remove(0);
    let m2: OrderMessage = serde_json::from_str(&got.body).unwrap();
    assert_eq!(m2.order_id, other);
    assert!(matches!(s.pipeline.worker.reject_sold_out(&m2, 0).await, Handled::Final(OrderStatus::Rejected { .. })));
    assert_eq!(payment_status(&s, &m2.payment_auth).await, "voided");
}

async fn a_provider_outage_backs_off_and_never_dead_letters(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let id = s.pipeline.checkout.place("outage", &cart_of(&p, 1, 0), &form("outage-key1"), "t").await.unwrap();
    let until = infra::orders::repo::now() + 3600;
    s.services.db.set_meta(infra::payments::OUTAGE_KEY, &until.to_string()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the provider reads its switch once a second
    for _ in 0..6 {
        s.pipeline.worker.run_once(&*s.services.queues.main, Duration::from_millis(1500)).await.unwrap();
    }
    assert!(s.services.queues.dead_letter.receive(1, Duration::ZERO).await.unwrap().is_empty(), "not poison");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Reserved), "waiting, stock held");
    s.services.db.set_meta(infra::payments::OUTAGE_KEY, "0").await.unwrap();
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
    async fn authorize(&self, o: &str, f: &str, a: Money, c: &str) -> Result<String, PaymentError> {
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
        .authorize("o-orphan", "fp", Money::new(500, domain::Currency::Usd).unwrap(), "4242424242424242")
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
    use infra::orders::admin::resume_reversals;
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
    let now = infra::orders::repo::now();
    assert_eq!(resume_reversals(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, now).await.unwrap(), 1);
    assert_eq!(resume_reversals(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, now).await.unwrap(), 0);
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Refunded));
    assert_eq!(stock_of(&s, &p).await, 10, "stock back once");
    let audited = infra::accounts::audit::AuditLog::new(s.services.db.clone()).list(10, 0).await.unwrap();
    assert!(audited.iter().any(|e| e.action == "order.refund" && e.target == id && e.actor == "m@x.co"));
}

async fn a_refund_after_the_variant_was_removed_completes(s: Stack) {
    use infra::orders::admin::{reverse, Reversal};
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

macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn embedded() {
                super::$name(super::stack(false).await.unwrap()).await;
            }
            #[tokio::test]
            async fn postgres_sqs_dynamodb() {
                let Some(s) = super::stack(true).await else { return };
                super::$name(s).await;
            }
        }
    };
}

both!(a_reused_key_with_another_cart_is_refused_and_never_underpays);
both!(a_capture_for_another_amount_than_authorized_is_rejected_and_voided);
both!(an_oversized_request_id_is_replaced_and_the_order_goes_through);
both!(two_tabs_ordering_one_cart_make_one_order_and_the_second_hold_is_voided);
both!(a_failed_send_still_accepts_the_order_and_the_relay_delivers_it);
both!(an_ambiguous_send_that_reached_the_queue_makes_one_order);
both!(a_sold_out_delivery_never_voids_or_deletes_an_order_another_delivery_holds);
both!(a_provider_outage_backs_off_and_never_dead_letters);
both!(a_long_capture_keeps_its_message_hidden_from_other_workers);
both!(a_panic_on_one_message_dead_letters_it_and_the_worker_goes_on);
both!(the_reconciler_settles_lost_messages_and_voids_orphan_holds);
both!(a_refund_interrupted_after_the_money_went_back_is_resumed_once);
both!(a_refund_after_the_variant_was_removed_completes);
