//! OpenTelemetry export, in a test binary of its own (it installs the
//! process's one tracing subscriber). A local collector (an axum route
//! taking OTLP/HTTP JSON, as a real collector's `/v1/traces` does) receives
//! the spans. The worker's span for an order continues the trace of the
//! checkout that accepted it: the queue message carried the `traceparent`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use axum::routing::post;
use ports::config::Settings;
use shop::catalog::{seed, CachedCatalog, CatalogStore};
use shop::orders::cart::Cart;
use shop::orders::checkout::CheckoutForm;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::Instrument;

/// Start a collector on port 0; every body it receives is kept.
async fn collector() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let got: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let keep = got.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let keep = keep.clone();
            async move {
                if let Ok(v) = serde_json::from_slice(&body) {
                    keep.lock().unwrap().push(v);
                }
                "{}"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

/// (name, trace id, parent span id) of every span received.
fn spans(bodies: &[serde_json::Value]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for b in bodies {
        for rs in b["resourceSpans"].as_array().into_iter().flatten() {
            for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
                for s in ss["spans"].as_array().into_iter().flatten() {
                    let text = |k: &str| s[k].as_str().unwrap_or("").to_string();
                    out.push((text("name"), text("traceId"), text("parentSpanId")));
                }
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_workers_span_continues_the_checkouts_trace_through_the_queue() {
    let (endpoint, received) = collector().await;
    let dir = std::env::temp_dir().join(format!("storefront-traces-{}", uuid::Uuid::new_v4().simple()));
    let d = dir.display();
    let env = [
        ("STOREFRONT_DATABASE__URL", format!("sqlite://{d}/db.sqlite")),
        ("STOREFRONT_QUEUE__PATH", format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH", format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH", format!("{d}/objects")),
        ("STOREFRONT_MAIL__PATH", format!("{d}/mail")),
        ("STOREFRONT_TELEMETRY__OTLP_ENDPOINT", endpoint),
        ("STOREFRONT_TELEMETRY__SERVICE_NAME", "storefront-test".into()),
    ];
    let settings = Settings::from_sources(None, env.iter().map(|(k, v)| (k.to_string(), v.clone()))).unwrap();
    let traces = server::telemetry::init(false, &settings.telemetry);
    let services = adapters::connect(&settings).await.unwrap();
    let catalog = Arc::new(CachedCatalog::new(CatalogStore::new(services.catalog.clone()), services.cache.clone()));
    let tuning = shop::jobs::order_worker::Tuning::from_settings(&settings.queue);
    let pipeline = shop::pipeline::Pipeline::new(&services, catalog.clone(), tuning).await.unwrap();
    let mut p = seed::product(3);
    p.variants.truncate(1);
    p.variants[0].stock = 5;
    catalog.save(&p, None).await.unwrap();
    let mut cart = Cart::default();
    let price = p.variants[0].price.minor();
    cart.add(p.id.as_str(), p.variants[0].sku.as_str(), 1, price, shop::orders::cart::new_generation).unwrap();
    let form = CheckoutForm {
        email: "ann@example.com".into(),
        address: domain::order::Address {
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
        idempotency_key: "trace-key-0001".into(),
        discount_seen: None,
        user_id: None,
    };

    let request = tracing::info_span!("request", path = "/api/place_order");
    let id = pipeline.checkout.place("trace-cart", &cart, &form, "req-1").instrument(request).await.unwrap();
    let queue = services.queues.main.clone();
    pipeline.worker.run_once(&*queue, Duration::from_secs(1)).await.unwrap();
    assert!(matches!(pipeline.repo.status(&id).await.unwrap(), Some(domain::order::OrderStatus::Confirmed)));

    tokio::task::spawn_blocking(move || traces.flush()).await.unwrap();
    let got = spans(&received.lock().unwrap());
    let request = got.iter().find(|s| s.0 == "request").unwrap_or_else(|| panic!("the request span: {got:?}"));
    let order = got.iter().find(|s| s.0 == "order").unwrap_or_else(|| panic!("the order span: {got:?}"));
    assert!(!request.1.is_empty());
    assert_eq!(order.1, request.1, "one trace from the checkout to the worker: {got:?}");
    assert!(!order.2.is_empty(), "the order span has a parent in the checkout's trace");
}
