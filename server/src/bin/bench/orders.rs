//! Order pipeline benchmark on the embedded stack (or PostgreSQL with
//! `--database`, SQS and DynamoDB on an AWS endpoint with `--aws`):
//! checkouts accepted per second, orders persisted per second by one worker
//! and by two (each handling a batch concurrently), p50/p99 submit →
//! confirmed with the worker running, and a plain sqlx insert loop on the
//! same database as the yardstick.

use ports::queue::Queue;
use server::loadgen::percentile;
use shop::catalog::{seed, CachedCatalog, CatalogStore};
use shop::jobs::order_worker::Drained;
use shop::orders::cart::Cart;
use shop::orders::checkout::CheckoutForm;
use shop::pipeline::Pipeline;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn form(key: String) -> CheckoutForm {
    CheckoutForm {
        email: "bench@example.com".into(),
        address: domain::order::Address {
            name: "Bench".into(),
            line1: "1 Loop St".into(),
            line2: String::new(),
            city: "Porto".into(),
            postal_code: "4000".into(),
            country: "PT".into(),
            region: String::new(),
        },
        shipping: "standard".into(),
        card_number: "4242424242424242".into(),
        idempotency_key: key,
        discount_seen: None,
        user_id: None,
    }
}

pub async fn run(n: usize, database: Option<String>, aws: Option<String>) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("storefront-orderbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let d = dir.display();
    let db_url = database.clone().unwrap_or_else(|| format!("sqlite://{d}/db.sqlite"));
    let mut env = vec![
        ("STOREFRONT_DATABASE__URL".to_string(), db_url.clone()),
        ("STOREFRONT_QUEUE__PATH".to_string(), format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH".to_string(), format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH".to_string(), format!("{d}/objects")),
    ];
    if let Some(aws) = &aws {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let q = |name: &str| format!("{aws}/000000000000/bench-{name}-{id}");
        env.extend([
            ("STOREFRONT_QUEUE__KIND".to_string(), "sqs".to_string()),
            ("STOREFRONT_QUEUE__ORDERS_URL".to_string(), q("orders")),
            ("STOREFRONT_QUEUE__DEAD_LETTER_URL".to_string(), q("dlq")),
            ("STOREFRONT_QUEUE__SALE_URL".to_string(), format!("{}.fifo", q("sale"))),
            ("STOREFRONT_CATALOG__KIND".to_string(), "dynamodb".to_string()),
            ("STOREFRONT_CATALOG__TABLE".to_string(), format!("bench-{id}")),
            ("STOREFRONT_AWS__ENDPOINT_URL".to_string(), aws.clone()),
            ("STOREFRONT_AWS__CREATE_RESOURCES".to_string(), "true".to_string()),
        ]);
    }
    let settings = ports::config::Settings::from_sources(None, env).map_err(|e| e.to_string())?;
    let services = adapters::connect(&settings).await.map_err(|e| e.to_string())?;
    let catalog = Arc::new(CachedCatalog::new(CatalogStore::new(services.catalog.clone()), services.cache.clone()));
    let mut products: Vec<_> = (0..20).map(seed::product).collect();
    for p in &mut products {
        for v in &mut p.variants {
            v.stock = 1_000_000;
        }
        catalog.save(p, None).await.map_err(|e| e.to_string())?;
    }
    let tuning = shop::jobs::order_worker::Tuning::from_settings(&settings.queue);
    let pipeline = Pipeline::new(&services, catalog.clone(), tuning).await.map_err(|e| e.to_string())?;
    let cart = |i: usize| {
        let p = &products[i % products.len()];
        let mut c = Cart::default();
        let _ = c.add(
            p.id.as_str(),
            p.variants[0].sku.as_str(),
            1,
            p.variants[0].price.minor(),
            shop::orders::cart::new_generation,
        );
        c
    };
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    println!(
        "order benchmark: {n} orders, database {}, queue {}, catalog {}",
        services.db.backend(),
        services.queues.main.backend(),
        services.catalog.backend()
    );
    let q = services.queues.main.clone();
    let accept = checkouts(&pipeline, &cart, &run_id, "a", n).await?;
    println!("{:44} {:>10.0} orders/s", "checkout accepted (16 concurrent)", accept);

    // 2. Workers drain the queue: one, then (after another round of checkouts) two.
    let one = drain(&pipeline, &q, 1, n).await?;
    println!("{:44} {:>10.0} orders/s", "persisted by one worker", one);
    checkouts(&pipeline, &cart, &run_id, "b", n).await?;
    let two = drain(&pipeline, &q, 2, n).await?;
    println!("{:44} {:>10.0} orders/s", "persisted by two workers", two);
    let persisted = one;

    // 3. Latency submit -> confirmed with the worker running.
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(pipeline.worker.clone().run(vec![q.clone()], stop_rx));
    let m = (n / 4).clamp(50, 500);
    let mut lat = Vec::new();
    for i in 0..m {
        let t = Instant::now();
        let id = pipeline
            .checkout
            .place(&format!("{run_id}l{i}"), &cart(i), &form(format!("l{i:08}")), "bench")
            .await
            .map_err(|e| e.to_string())?;
        loop {
            match pipeline.repo.status(&id).await.map_err(|e| e.to_string())? {
                Some(s) if s.is_final() => break,
                _ => tokio::time::sleep(Duration::from_millis(2)).await,
            }
        }
        lat.push(t.elapsed());
    }
    let _ = stop_tx.send(true);
    let _ = worker.await;
    lat.sort();
    println!(
        "{:44} {:>10.1} ms p50 {:>8.1} ms p99",
        format!("submit -> confirmed ({m} orders, one at a time)"),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99)
    );
    yardstick(&services, &run_id, n, persisted).await?;
    order_yardstick(&pipeline.repo, &products[0], &run_id, n, persisted).await?;
    println!("{:44} {:>10.3}", "persisted by two workers / one", two / one);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `n` checkouts from 16 concurrent shoppers; returns accepted orders per second.
async fn checkouts(
    pipeline: &Pipeline,
    cart: &impl Fn(usize) -> Cart,
    run_id: &str,
    round: &str,
    n: usize,
) -> Result<f64, String> {
    let started = Instant::now();
    let chunks: Vec<Vec<usize>> =
        (0..n).collect::<Vec<_>>().chunks(n.div_ceil(16).max(1)).map(|c| c.to_vec()).collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let (checkout, carts): (_, Vec<(usize, Cart)>) =
            (pipeline.checkout.clone(), chunk.iter().map(|i| (*i, cart(*i))).collect());
        let (run_id, round) = (run_id.to_string(), round.to_string());
        tasks.push(tokio::spawn(async move {
            for (i, c) in carts {
                checkout
                    .place(&format!("{run_id}{round}{i}"), &c, &form(format!("k{round}{i:08}")), "bench")
                    .await
                    .map_err(|e| e.to_string())?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// `workers` workers drain the order queue; returns orders persisted per second.
async fn drain(pipeline: &Pipeline, q: &Arc<dyn Queue>, workers: usize, n: usize) -> Result<f64, String> {
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|_| {
            let (w, q) = (pipeline.worker.clone(), q.clone());
            tokio::spawn(async move {
                let mut empty = 0;
                while empty < 2 {
                    match w.run_once(&*q, Duration::from_millis(300)).await.map_err(|e| e.to_string())? {
                        Drained::Empty => empty += 1,
                        Drained::Processed(_) => empty = 0,
                    }
                }
                Ok::<(), String>(())
            })
        })
        .collect();
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    // The idle polls that told the workers the queue was empty are not work.
    let secs = (started.elapsed().as_secs_f64() - 0.6).max(0.001);
    Ok(n as f64 / secs)
}

/// Plain inserts on the same database: the rate a worker is compared with.
async fn yardstick(services: &ports::Services, run_id: &str, n: usize, persisted: f64) -> Result<(), String> {
    let pool = services.db.pool();
    let table = format!("bench_{run_id}");
    sqlx::query(&format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, body TEXT NOT NULL)"))
        .execute(pool)
        .await
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    for i in 0..n {
        sqlx::query(&format!("INSERT INTO {table} (id, body) VALUES ($1, $2)"))
            .bind(i as i64)
            .bind("x".repeat(200))
            .execute(pool)
            .await
            .map_err(|e| e.to_string())?;
    }
    let inserts = n as f64 / started.elapsed().as_secs_f64();
    sqlx::query(&format!("DROP TABLE {table}")).execute(pool).await.map_err(|e| e.to_string())?;
    println!("{:44} {:>10.0} rows/s", "yardstick: plain sqlx insert loop", inserts);
    println!("{:44} {:>10.3}", "persisted by one worker / insert loop", persisted / inserts);
    Ok(())
}

/// The orders themselves inserted one by one (each order row and its line in
/// one transaction, as the worker stores them): the persisting work alone,
/// without stock, payment or queue.
async fn order_yardstick(
    repo: &shop::orders::repo::OrderRepo,
    p: &domain::product::Product,
    run_id: &str,
    n: usize,
    persisted: f64,
) -> Result<(), String> {
    use domain::order::{OrderLine, OrderMessage, OrderStatus};
    let v = &p.variants[0];
    let line = OrderLine {
        product_id: p.id.clone(),
        sku: v.sku.clone(),
        title: p.title.clone(),
        unit_price: v.price,
        quantity: 1,
    };
    let standard = domain::shipping::default_zones().remove(0).methods.remove(0);
    let shipping_price = standard.price(v.price, 0);
    let total = v.price.checked_add(shipping_price).map_err(|e| e.to_string())?;
    let email = domain::order::Email::parse("bench@example.com")?;
    let ids = (0..n)
        .map(|i| domain::OrderId::parse(&format!("y{run_id}{i}")))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let message = |i: usize| OrderMessage {
        order_id: ids[i].clone(),
        email: email.clone(),
        address: form(String::new()).address,
        shipping: standard.code.clone(),
        shipping_label: standard.label.clone(),
        tax: Default::default(),
        lines: vec![line.clone()],
        currency: v.price.currency(),
        subtotal: v.price,
        shipping_price,
        total,
        payment_auth: format!("y{run_id}{i}"),
        created_at: 0,
        request_id: "bench".into(),
        user_id: None,
        code: None,
    };
    let started = Instant::now();
    for i in 0..n {
        repo.insert(&message(i), &OrderStatus::Confirmed).await.map_err(|e| e.to_string())?;
    }
    let inserts = n as f64 / started.elapsed().as_secs_f64();
    println!("{:44} {:>10.0} orders/s", "yardstick: order + line insert loop", inserts);
    println!("{:44} {:>10.3}", "persisted by one worker / order insert loop", persisted / inserts);
    Ok(())
}
