//! The order pipeline's promises, on the embedded stack and on PostgreSQL +
//! SQS + DynamoDB (moto): no oversell, no lost or duplicated order across
//! crashes and redeliveries, poison messages dead-lettered, server prices.

use adapters::testing::{service, temp_dir, unique};
use domain::order::{Address, OrderMessage, OrderStatus};
use ports::config::Settings;
use ports::queue::Outgoing;
use ports::Services;
use shop::catalog::{seed, CachedCatalog, CatalogStore};
use shop::jobs::order_worker::{Drained, Step};
use shop::orders::cart::Cart;
use shop::orders::checkout::CheckoutForm;
use shop::pipeline::Pipeline;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub(crate) struct Stack {
    pub(crate) services: Services,
    pub(crate) catalog: Arc<CachedCatalog>,
    pub(crate) pipeline: Pipeline,
    /// Cloud tests hold this while they run: the one-request-at-a-time moto
    /// they share serves one test at a time, so no test's 1 s visibility
    /// timeouts run out while another test's traffic queues ahead of it.
    _serial: Option<tokio::sync::OwnedMutexGuard<()>>,
}

static SERIAL_MOTO: std::sync::LazyLock<Arc<tokio::sync::Mutex<()>>> =
    std::sync::LazyLock::new(|| Arc::new(tokio::sync::Mutex::new(())));

pub(crate) async fn stack(cloud: bool) -> Option<Stack> {
    let dir = temp_dir();
    let serial = if cloud && service("STOREFRONT_TEST_AWS_SERIAL").is_some() {
        Some(SERIAL_MOTO.clone().lock_owned().await)
    } else {
        None
    };
    let mut env = adapters::testing::embedded_env(&dir);
    env.extend([
        ("STOREFRONT_QUEUE__VISIBILITY_TIMEOUT_SECS".to_string(), "1".to_string()),
        // The queue's own redrive is only a backstop (a message that keeps killing its worker).
        ("STOREFRONT_QUEUE__MAX_RECEIVES".to_string(), "50".to_string()),
    ]);
    if cloud {
        // Workers run concurrently here: moto must answer one request at a
        // time, or its DynamoDB transactions race (scripts/moto-serial.py).
        let (pg, aws) = (service("STOREFRONT_TEST_POSTGRES")?, service("STOREFRONT_TEST_AWS_SERIAL")?);
        let db = fresh_postgres(&pg).await;
        let id = unique("t");
        env.extend([
            ("STOREFRONT_DATABASE__URL".to_string(), db),
            ("STOREFRONT_QUEUE__KIND".to_string(), "sqs".to_string()),
            ("STOREFRONT_QUEUE__ORDERS_URL".to_string(), format!("{aws}/000000000000/orders-{id}")),
            ("STOREFRONT_QUEUE__DEAD_LETTER_URL".to_string(), format!("{aws}/000000000000/dlq-{id}")),
            ("STOREFRONT_QUEUE__SALE_URL".to_string(), format!("{aws}/000000000000/sale-{id}.fifo")),
            ("STOREFRONT_CATALOG__KIND".to_string(), "dynamodb".to_string()),
            ("STOREFRONT_CATALOG__TABLE".to_string(), format!("catalog-{id}")),
            ("STOREFRONT_AWS__ENDPOINT_URL".to_string(), aws),
            ("STOREFRONT_AWS__CREATE_RESOURCES".to_string(), "true".to_string()),
        ]);
    }
    let settings = Settings::from_sources(None, env).unwrap();
    let services = adapters::connect(&settings).await.unwrap();
    let catalog = Arc::new(CachedCatalog::new(CatalogStore::new(services.catalog.clone()), services.cache.clone()));
    let mut tuning = shop::jobs::order_worker::Tuning::from_settings(&settings.queue);
    tuning.backoff_max = Duration::from_secs(1);
    let pipeline = Pipeline::new(&services, catalog.clone(), tuning).await.unwrap();
    Some(Stack { services, catalog, pipeline, _serial: serial })
}

pub(crate) use adapters::testing::fresh_postgres;

pub(crate) fn form(key: &str) -> CheckoutForm {
    CheckoutForm {
        email: "shopper@example.com".into(),
        address: Address {
            name: "Ann Lee".into(),
            line1: "1 Main St".into(),
            line2: String::new(),
            city: "Porto".into(),
            postal_code: "4000-001".into(),
            country: "PT".into(),
            region: String::new(),
        },
        shipping: "standard".into(),
        card_number: "4242424242424242".into(),
        idempotency_key: key.into(),
        discount_seen: None,
        user_id: None,
    }
}

/// One product with a single variant holding `stock` units.
pub(crate) async fn product_with_stock(s: &Stack, stock: i64) -> domain::Product {
    let mut p = seed::product(5);
    p.id = domain::ProductId::parse(&unique("p")).unwrap();
    p.slug = domain::Slug::parse(&unique("slug")).unwrap();
    p.variants.truncate(1);
    p.variants[0].stock = stock;
    // Its own SKU too, so a test may make several.
    p.variants[0].sku = domain::Sku::parse(&unique("SKU").to_uppercase()).unwrap();
    s.catalog.save(&p, None).await.unwrap();
    p
}

/// Place an order of `units` of `p` and run a worker until it is confirmed.
pub(crate) async fn confirmed_order(s: &Stack, p: &domain::Product, units: i64, key: &str) -> domain::OrderId {
    let price = p.variants[0].price.minor();
    let id =
        s.pipeline.checkout.place(&format!("cart-{key}"), &cart_of(p, units, price), &form(key), "t").await.unwrap();
    drain(s, 1).await;
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(domain::order::OrderStatus::Confirmed));
    id
}

pub(crate) fn cart_of(p: &domain::Product, quantity: i64, price_seen: i64) -> Cart {
    let mut c = Cart::default();
    c.add(p.id.as_str(), p.variants[0].sku.as_str(), quantity, price_seen, shop::orders::cart::new_generation).unwrap();
    c
}

/// Run `workers` workers until the queue is empty and nothing is in flight
/// (a message backing off after a transient failure comes back first).
pub(crate) async fn drain(s: &Stack, workers: usize) {
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (w, q) = (s.pipeline.worker.clone(), s.services.queues.main.clone());
            tokio::spawn(async move {
                let (mut empty_rounds, mut rounds) = (0, 0);
                while rounds < 400 {
                    rounds += 1;
                    match w.run_once(&*q, Duration::from_millis(300)).await.unwrap() {
                        Drained::Empty => empty_rounds += 1,
                        Drained::Processed(_) => empty_rounds = 0,
                    }
                    if empty_rounds >= 3 && q.depth().await.unwrap() == Default::default() {
                        break;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
}

pub(crate) async fn stock_of(s: &Stack, p: &domain::Product) -> i64 {
    s.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap().variants[0].stock
}

pub(crate) async fn count(s: &Stack, status: &str) -> i64 {
    s.pipeline.repo.counts().await.unwrap().into_iter().find(|(k, _)| k == status).map(|(_, n)| n).unwrap_or(0)
}

async fn two_hundred_buyers_for_twenty_units(s: Stack) {
    let p = product_with_stock(&s, 20).await;
    let price = p.variants[0].price.minor();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (checkout, cart) = (s.pipeline.checkout.clone(), cart_of(&p, 1, price));
            tokio::spawn(async move {
                checkout.place(&format!("cart{i}"), &cart, &form(&format!("key-{i:08}")), "test").await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("checkout accepted");
    }
    drain(&s, 4).await;
    assert_eq!(count(&s, "confirmed").await, 20, "exactly the stock was sold");
    assert_eq!(count(&s, "rejected").await, 180, "everyone else was told");
    assert_eq!(stock_of(&s, &p).await, 0, "stock never below zero");
}

async fn a_crash_at_any_step_ends_in_one_final_state(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let price = p.variants[0].price.minor();
    for (n, step) in
        [Step::AfterReserve, Step::AfterCommit, Step::AfterCapture, Step::BeforeDelete].into_iter().enumerate()
    {
        let id = s
            .pipeline
            .checkout
            .place(&format!("crash{n}"), &cart_of(&p, 1, price), &form("crash-key-1"), "t")
            .await
            .unwrap();
        // First worker dies at `step`.
        let crashes = Arc::new(AtomicUsize::new(0));
        let mut dying = s.pipeline.worker.clone();
        let c = crashes.clone();
        dying.crash = Some(Arc::new(move |at, _| at == step && c.fetch_add(1, Ordering::SeqCst) == 0));
        dying.run_once(&*s.services.queues.main, Duration::from_secs(1)).await.unwrap();
        assert_eq!(crashes.load(Ordering::SeqCst), 1, "crashed at {step:?}");
        // A restarted worker gets the message back after the visibility timeout.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        drain(&s, 1).await;
        assert_eq!(
            s.pipeline.repo.status(&id).await.unwrap(),
            Some(OrderStatus::Confirmed),
            "after a crash at {step:?}"
        );
        assert_eq!(stock_of(&s, &p).await, 10 - (n as i64 + 1), "stock adds up after a crash at {step:?}");
    }
    assert_eq!(count(&s, "confirmed").await, 4, "one order per checkout");
    let d = s.services.queues.main.depth().await.unwrap();
    assert_eq!((d.visible, d.in_flight), (0, 0), "no message left behind");
}

async fn a_message_delivered_twice_makes_one_order(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let price = p.variants[0].price.minor();
    let id = s.pipeline.checkout.place("dup", &cart_of(&p, 2, price), &form("dup-key-1"), "t").await.unwrap();
    // Same submit again (double click): same order id.
    assert_eq!(s.pipeline.checkout.place("dup", &cart_of(&p, 2, price), &form("dup-key-1"), "t").await.unwrap(), id);
    // And the queue redelivers the same body once more.
    let body = s.services.queues.main.receive(1, Duration::from_secs(1)).await.unwrap().remove(0);
    s.services.queues.main.release(&body.receipt, Duration::ZERO).await.unwrap();
    s.services.queues.main.send(Outgoing::new(body.body.clone())).await.unwrap();
    drain(&s, 2).await;
    assert_eq!(count(&s, "confirmed").await, 1);
    assert_eq!(stock_of(&s, &p).await, 3, "stock taken once");
}

async fn a_poison_message_is_dead_lettered_with_its_reason(s: Stack) {
    s.services.queues.main.send(Outgoing::new("{ not an order")).await.unwrap();
    s.pipeline.worker.run_once(&*s.services.queues.main, Duration::from_secs(2)).await.unwrap();
    let dead = s.services.queues.dead_letter.receive(1, Duration::from_secs(2)).await.unwrap();
    assert_eq!(dead.len(), 1, "a malformed message is dead-lettered at once");
    assert_eq!(dead[0].body, "{ not an order");
    assert!(
        dead[0].attributes.get("failure_reason").is_some_and(|r| r.contains("malformed")),
        "{:?}",
        dead[0].attributes
    );
    assert!(s.services.queues.main.receive(1, Duration::ZERO).await.unwrap().is_empty());
}

async fn the_server_price_is_charged_whatever_the_client_saw(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let real = p.variants[0].price;
    // A tampered cart line claims the item costs one cent.
    let id = s.pipeline.checkout.place("tamper", &cart_of(&p, 2, 1), &form("tamper-key"), "t").await.unwrap();
    let msg = s.services.queues.main.receive(1, Duration::from_secs(1)).await.unwrap().remove(0);
    let order: OrderMessage = serde_json::from_str(&msg.body).unwrap();
    assert_eq!(order.order_id, id);
    assert_eq!(order.lines[0].unit_price, real);
    assert_eq!(order.subtotal.minor(), real.minor() * 2);
    s.services.queues.main.release(&msg.receipt, Duration::ZERO).await.unwrap();
    drain(&s, 1).await;
    let stored = s.pipeline.repo.get(&id).await.unwrap().unwrap();
    assert_eq!(stored.total, order.total);
}

async fn a_declined_capture_gives_the_stock_back(s: Stack) {
    let p = product_with_stock(&s, 3).await;
    let mut f = form("decline-key");
    f.card_number = "4000000000009995".into();
    let id = s.pipeline.checkout.place("decl", &cart_of(&p, 2, 0), &f, "t").await.unwrap();
    drain(&s, 1).await;
    assert!(matches!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Rejected { .. })));
    assert_eq!(stock_of(&s, &p).await, 3, "compensated");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    two_hundred_buyers_for_twenty_units,
    a_crash_at_any_step_ends_in_one_final_state,
    a_message_delivered_twice_makes_one_order,
    a_poison_message_is_dead_lettered_with_its_reason,
    the_server_price_is_charged_whatever_the_client_saw,
    a_declined_capture_gives_the_stock_back,
);

/// A one-variant product tagged as a flash sale, with `stock` units.
pub(crate) async fn flash_sale_product(s: &Stack, stock: i64) -> domain::Product {
    let mut p = seed::product(6);
    p.id = domain::ProductId::parse(&unique("sale")).unwrap();
    p.slug = domain::Slug::parse(&unique("sale")).unwrap();
    p.variants.truncate(1);
    p.variants[0].stock = stock;
    p.tags.push(shop::orders::checkout::FLASH_SALE_TAG.into());
    s.catalog.save(&p, None).await.unwrap();
    p
}

async fn flash_sale_first_in_queue_wins(s: Stack) {
    let mut p = flash_sale_product(&s, 8).await;
    let price = p.variants[0].price.minor();
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            s.pipeline
                .checkout
                .place(&format!("buyer{i}"), &cart_of(&p, 1, price), &form("sale-key-1"), "t")
                .await
                .unwrap(),
        );
    }
    // Checkout admitted eight against eight; the merchant then cuts the
    // stock to three before the worker runs: the queue's order decides.
    let before = s.catalog.store().by_id(p.id.as_str()).await.unwrap().unwrap();
    p.variants[0].stock = 3;
    s.catalog.save(&p, Some(&before)).await.unwrap();
    assert_eq!(s.services.queues.main.depth().await.unwrap().visible, 0, "sale orders go to the FIFO queue");
    let sale = s.services.sale_queue.clone();
    while s.pipeline.worker.run_once(&*sale, Duration::from_millis(500)).await.unwrap() != Drained::Empty {}
    let mut states = Vec::new();
    for id in &ids {
        states.push(s.pipeline.repo.status(id).await.unwrap().map(|s| s.name()).unwrap_or("missing"));
    }
    assert_eq!(
        states,
        ["confirmed", "confirmed", "confirmed", "rejected", "rejected", "rejected", "rejected", "rejected"],
        "the first three in the queue win"
    );
}

on_both_stacks!(postgres_sqs_dynamodb: flash_sale_first_in_queue_wins);

async fn a_merchant_lists_reports_and_refunds_once(s: Stack) {
    use shop::orders::admin::{reverse, ManageError, OrderFilter, Reversal};
    let p = product_with_stock(&s, 10).await;
    let price = p.variants[0].price.minor();
    let mut f = form("admin-key-1");
    f.user_id = Some(domain::UserId::parse("u-123").unwrap());
    let id = s.pipeline.checkout.place("admin-cart", &cart_of(&p, 3, price), &f, "t").await.unwrap();
    drain(&s, 1).await;
    assert_eq!(stock_of(&s, &p).await, 7);

    let all = OrderFilter { limit: 10, ..Default::default() };
    let (rows, total) = s.pipeline.repo.list(&all).await.unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    assert_eq!((rows[0].id.as_str(), rows[0].items, rows[0].status.as_str()), (id.as_str(), 3, "confirmed"));
    let mine = OrderFilter {
        user_id: Some("u-123".into()),
        status: Some(domain::order::StatusKind::Confirmed),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(s.pipeline.repo.list(&mine).await.unwrap().1, 1);
    let theirs = OrderFilter { user_id: Some("u-999".into()), limit: 10, ..Default::default() };
    assert_eq!(s.pipeline.repo.list(&theirs).await.unwrap().1, 0);
    // Another account's order under the same e-mail is not a guest order.
    let same_address = OrderFilter { guest_email: Some("shopper@example.com".into()), ..theirs.clone() };
    assert_eq!(s.pipeline.repo.list(&same_address).await.unwrap().1, 0, "only guest orders join by e-mail");
    let future = OrderFilter { from: Some(shop::orders::repo::now() + 86_400), limit: 10, ..Default::default() };
    assert_eq!(s.pipeline.repo.list(&future).await.unwrap().1, 0);
    let sales = s.pipeline.repo.sales_per_day(0).await.unwrap();
    assert_eq!(sales.iter().map(|d| d.orders).sum::<i64>(), 1);
    assert!(sales[0].revenue_minor >= price * 3);
    let top = s.pipeline.repo.top_products(0, 5).await.unwrap();
    assert_eq!((top[0].product_id.as_str(), top[0].units), (p.id.as_str(), 3));

    let (before, _) =
        reverse(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, &id, Reversal::Refund, "asked", "m@x.co")
            .await
            .unwrap();
    assert_eq!(before.status, OrderStatus::Confirmed);
    assert_eq!(stock_of(&s, &p).await, 10, "stock back");
    let again =
        reverse(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, &id, Reversal::Cancel, "again", "m@x.co").await;
    assert!(matches!(again, Err(ManageError::WrongState { .. })), "{again:?}");
    assert_eq!(stock_of(&s, &p).await, 10, "not twice");
    assert_eq!(s.pipeline.repo.status(&id).await.unwrap(), Some(OrderStatus::Refunded));
    assert!(s.pipeline.repo.sales_per_day(0).await.unwrap().is_empty(), "a refunded order is no longer a sale");

    let guest =
        s.pipeline.checkout.place("guest-cart", &cart_of(&p, 1, price), &form("admin-key-2"), "t").await.unwrap();
    drain(&s, 1).await;
    let (rows, total) = s.pipeline.repo.list(&same_address).await.unwrap();
    assert_eq!((total, rows[0].id.as_str()), (1, guest.as_str()), "a guest order under the address");
    assert_eq!(s.pipeline.repo.list(&theirs).await.unwrap().1, 0, "without guest_email, no guest orders");
}

on_both_stacks!(postgres_sqs_dynamodb: a_merchant_lists_reports_and_refunds_once);
