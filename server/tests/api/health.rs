use crate::helpers::{env_or_skip, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = spawn_app(&[]).await;
    assert_eq!(app.get("/healthz").await.status(), 200);
}

#[tokio::test]
async fn readyz_reports_every_embedded_dependency_up() {
    let app = spawn_app(&[]).await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 200);
    let body: Value = r.json().await.unwrap();
    let names: Vec<&str> = body["checks"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["database", "cache", "queue", "dead_letter_queue", "catalog", "objects"]);
    assert!(body["checks"].as_array().unwrap().iter().all(|c| c["ok"] == true));
}

fn cloud(pg: &str, redis: &str, aws: &str, id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("STOREFRONT_DATABASE__URL", pg.to_string()),
        ("STOREFRONT_CACHE__URL", redis.to_string()),
        ("STOREFRONT_QUEUE__KIND", "sqs".into()),
        ("STOREFRONT_QUEUE__ORDERS_URL", format!("{aws}/000000000000/orders-{id}")),
        ("STOREFRONT_QUEUE__DEAD_LETTER_URL", format!("{aws}/000000000000/dlq-{id}")),
        ("STOREFRONT_CATALOG__KIND", "dynamodb".into()),
        ("STOREFRONT_CATALOG__TABLE", format!("catalog-{id}")),
        ("STOREFRONT_OBJECTS__KIND", "s3".into()),
        ("STOREFRONT_OBJECTS__BUCKET", format!("assets-{id}")),
        ("STOREFRONT_AWS__ENDPOINT_URL", aws.to_string()),
        ("STOREFRONT_AWS__CREATE_RESOURCES", "true".into()),
        ("STOREFRONT_SERVER__SEED_PRODUCTS", "5".into()),
    ]
}

#[tokio::test]
async fn readyz_reports_postgres_redis_sqs_dynamodb_and_s3_up_and_names_the_one_down() {
    let (Some(pg), Some(redis), Some(aws)) = (
        env_or_skip("STOREFRONT_TEST_POSTGRES"),
        env_or_skip("STOREFRONT_TEST_REDIS"),
        env_or_skip("STOREFRONT_TEST_AWS"),
    ) else {
        return;
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let pg = adapters::testing::fresh_postgres(&pg).await;
    let app = spawn_app(&cloud(&pg, &redis, &aws, &id)).await;
    let body: Value = app.get("/readyz").await.json().await.unwrap();
    let backends: Vec<(&str, &str, bool)> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["backend"].as_str().unwrap(), c["ok"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        backends,
        [
            ("database", "postgres", true),
            ("cache", "redis", true),
            ("queue", "sqs", true),
            ("dead_letter_queue", "sqs", true),
            ("catalog", "dynamodb", true),
            ("objects", "s3", true)
        ]
    );

    // The same configuration with Redis unreachable: 503 naming the cache.
    let mut down = cloud(&pg, "redis://127.0.0.1:1", &aws, &id);
    down.retain(|(k, _)| *k != "STOREFRONT_SERVER__SEED_PRODUCTS");
    let app = spawn_app(&down).await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["down"], serde_json::json!(["cache"]));
}

#[tokio::test]
async fn readyz_names_a_missing_dynamodb_table() {
    let Some(aws) = env_or_skip("STOREFRONT_TEST_AWS") else {
        return;
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    let app = spawn_app(&[
        ("STOREFRONT_CATALOG__KIND", "dynamodb".into()),
        ("STOREFRONT_CATALOG__TABLE", format!("never-created-{id}")),
        ("STOREFRONT_AWS__ENDPOINT_URL", aws),
        ("STOREFRONT_SERVER__SEED_PRODUCTS", "0".into()),
    ])
    .await;
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), 503);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["down"], serde_json::json!(["catalog"]));
}

/// Serve `router` on a fresh port; its base URL.
async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::http::serve(listener, router, std::time::Duration::from_secs(1), std::future::pending()));
    url
}

#[tokio::test]
async fn with_an_operator_port_the_public_port_keeps_only_the_probes_and_names_no_backend() {
    let app = spawn_app(&[]).await;
    let (public, ops) = server::http::build_routers(app.state.clone(), true);
    let (public, ops) = (serve(public).await, serve(ops).await);
    let get = |url: String| async move { reqwest::get(url).await.unwrap() };
    for hidden in ["/metrics", "/api/recommendations/runs", "/failover/status"] {
        assert_eq!(get(format!("{public}{hidden}")).await.status(), 404, "{hidden} is not public");
        assert_eq!(get(format!("{ops}{hidden}")).await.status(), 200, "{hidden} is on the operator port");
    }
    let brief: Value = get(format!("{public}/readyz")).await.json().await.unwrap();
    assert_eq!(brief, serde_json::json!({ "status": "ready", "down": [] }), "no backend names in public");
    let full: Value = get(format!("{ops}/readyz")).await.json().await.unwrap();
    assert_eq!(full["checks"].as_array().map(Vec::len), Some(6));
    assert_eq!(get(format!("{public}/healthz")).await.status(), 200);
}
