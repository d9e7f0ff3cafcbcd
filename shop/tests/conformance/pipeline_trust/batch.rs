//! The worker settles a received batch of new orders together (shared
//! writes). Each order must still end exactly as it would alone: the mixed
//! batch below holds every path at once, and a crash in the middle of a
//! batch loses and duplicates nothing.

use super::*;
use crate::pipeline::{cart_of, count, drain, form, product_with_stock, stack, stock_of, Stack};
use std::sync::atomic::AtomicUsize;

/// Place one order of `quantity` of `p` paid with `card`.
async fn order(s: &Stack, name: &str, p: &domain::Product, quantity: i64, card: &str) -> domain::OrderId {
    let mut f = form(&format!("{name}-key-0001"));
    f.card_number = card.into();
    s.pipeline.checkout.place(name, &cart_of(p, quantity, 0), &f, "t").await.unwrap()
}

const GOOD: &str = "4242424242424242";
const DECLINED_AT_CAPTURE: &str = "4000000000009995";
const FLAKY_CAPTURE: &str = "4000000000000119";

async fn captured_minor(s: &Stack, auth: &str) -> Option<i64> {
    sqlx::query("SELECT captured_minor FROM payments WHERE auth_id = $1")
        .bind(auth)
        .fetch_one(s.services.db.pool())
        .await
        .unwrap()
        .get::<Option<i64>, _>(0)
}

async fn a_mixed_batch_settles_each_order_as_it_would_alone(s: Stack) {
    let scarce = product_with_stock(&s, 3).await;
    let plenty = {
        // Another seed product: SKUs are unique across the catalog.
        let mut p = shop::catalog::seed::product(7);
        p.id = domain::ProductId::parse(&adapters::testing::unique("p")).unwrap();
        p.slug = domain::Slug::parse(&adapters::testing::unique("slug")).unwrap();
        p.variants.truncate(1);
        p.variants[0].stock = 10;
        s.catalog.save(&p, None).await.unwrap();
        p
    };
    let mut served = Vec::new();
    for n in 0..3 {
        served.push(order(&s, &format!("served{n}"), &scarce, 1, GOOD).await);
    }
    let late = order(&s, "late", &scarce, 1, GOOD).await;
    let declined = order(&s, "declined", &plenty, 2, DECLINED_AT_CAPTURE).await;
    let flaky = order(&s, "flaky", &plenty, 1, FLAKY_CAPTURE).await;
    let fine = order(&s, "fine", &plenty, 1, GOOD).await;
    // The same order twice in one batch, and a poison message among them.
    let again = s.services.queues.main.receive(1, Duration::from_secs(1)).await.unwrap().remove(0);
    s.services.queues.main.release(&again.receipt, Duration::ZERO).await.unwrap();
    s.services.queues.main.send(Outgoing::new(again.body.clone())).await.unwrap();
    s.services.queues.main.send(Outgoing::new("{ not an order")).await.unwrap();

    let first = s.pipeline.worker.run_once(&*s.services.queues.main, Duration::from_secs(1)).await.unwrap();
    assert!(matches!(first, Drained::Processed(n) if n >= 5), "one receive takes a batch: {first:?}");
    // The flaky capture fails twice, each time hidden for a back-off.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        drain(&s, 1).await;
        if s.pipeline.repo.status(&flaky).await.unwrap() == Some(OrderStatus::Confirmed) {
            break;
        }
    }

    let status = |id: domain::OrderId| {
        let repo = s.pipeline.repo.clone();
        async move { repo.status(&id).await.unwrap().unwrap() }
    };
    for id in &served {
        assert_eq!(status(id.clone()).await, OrderStatus::Confirmed);
        let o = s.pipeline.repo.get(id).await.unwrap().unwrap();
        assert_eq!(captured_minor(&s, &o.payment_auth).await, Some(o.total.minor()), "captured exactly the total");
    }
    assert!(
        matches!(status(late.clone()).await, OrderStatus::Rejected { reason } if reason.contains("sold out")),
        "the fourth order of three items is rejected"
    );
    assert_eq!(payment_status(&s, &auth_of(&s, &late).await).await, "voided");
    assert!(matches!(status(declined.clone()).await, OrderStatus::Rejected { reason } if reason.contains("payment")));
    assert_eq!(payment_status(&s, &auth_of(&s, &declined).await).await, "voided");
    assert_eq!(status(flaky).await, OrderStatus::Confirmed, "a transient capture failure is retried");
    assert_eq!(status(fine).await, OrderStatus::Confirmed);
    assert_eq!((count(&s, "confirmed").await, count(&s, "rejected").await), (5, 2), "one row per order");
    assert_eq!(stock_of(&s, &scarce).await, 0, "never oversold");
    assert_eq!(stock_of(&s, &plenty).await, 8, "the declined order's two came back");
    let dead = s.services.queues.dead_letter.receive(10, Duration::from_secs(1)).await.unwrap();
    assert_eq!(dead.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["{ not an order"], "only the poison");
    // The queue ran empty, so every listing caught up with its stock.
    let shown = s.catalog.product_by_slug(scarce.slug.as_str()).await.unwrap().unwrap();
    assert_eq!(shown.variants[0].stock, 0, "the cached product shows the stock left");
}

async fn a_crash_in_the_middle_of_a_batch_loses_and_duplicates_nothing(s: Stack) {
    let p = product_with_stock(&s, 20).await;
    for step in [Step::AfterReserve, Step::AfterCommit, Step::AfterCapture, Step::BeforeDelete] {
        let mut ids = Vec::new();
        for n in 0..4 {
            ids.push(order(&s, &format!("{step:?}{n}"), &p, 1, GOOD).await);
        }
        // The worker "dies" at `step` for the second order of the batch only.
        let victim = ids[1].clone();
        let crashes = Arc::new(AtomicUsize::new(0));
        let c = crashes.clone();
        let mut dying = s.pipeline.worker.clone();
        dying.crash = Some(Arc::new(move |at, id| at == step && id == victim && c.fetch_add(1, Ordering::SeqCst) == 0));
        dying.run_once(&*s.services.queues.main, Duration::from_secs(1)).await.unwrap();
        assert_eq!(crashes.load(Ordering::SeqCst), 1, "crashed at {step:?}");
        tokio::time::sleep(Duration::from_millis(1200)).await;
        drain(&s, 1).await;
        for id in &ids {
            assert_eq!(s.pipeline.repo.status(id).await.unwrap(), Some(OrderStatus::Confirmed), "after {step:?}");
        }
    }
    assert_eq!(count(&s, "confirmed").await, 16, "one order per checkout");
    assert_eq!(stock_of(&s, &p).await, 4, "each order's stock taken once");
    let d = s.services.queues.main.depth().await.unwrap();
    assert_eq!((d.visible, d.in_flight), (0, 0), "no message left behind");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    a_mixed_batch_settles_each_order_as_it_would_alone,
    a_crash_in_the_middle_of_a_batch_loses_and_duplicates_nothing,
);
