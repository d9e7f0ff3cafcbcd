//! Recommendations over HTTP: the runs API, and the strips on the product
//! and home pages after a run over placed orders.

use crate::helpers::{spawn_app, TestApp};
use domain::Product;
use shop::catalog::seed;
use shop::recommend::Trigger;

/// A confirmed order straight into the database, as the worker stores it.
async fn confirmed_order(app: &TestApp, email: &str, products: &[&Product]) {
    let db = &app.state.services.db;
    let id = uuid::Uuid::new_v4().simple().to_string();
    let now = shop::orders::repo::now();
    sqlx::query(
        "INSERT INTO orders (id, status, email, address, shipping, currency, subtotal_minor, shipping_minor, total_minor, payment_auth, request_id, created_at, updated_at)
         VALUES ($1, 'confirmed', $2, '{}', 'standard', 'USD', 0, 0, 0, 'auth', 'req', $3, $3)",
    )
    .bind(&id)
    .bind(email)
    .bind(now)
    .execute(db.pool())
    .await
    .unwrap();
    for (n, p) in products.iter().enumerate() {
        sqlx::query("INSERT INTO order_lines (order_id, line_no, product_id, sku, title, unit_price_minor, quantity) VALUES ($1, $2, $3, 'SKU', 't', 100, 1)")
            .bind(&id)
            .bind(n as i64)
            .bind(&p.id)
            .execute(db.pool())
            .await
            .unwrap();
    }
}

/// Seeded products with stock (recommendations only show what can be bought).
fn in_stock(n: usize) -> Vec<Product> {
    (0..60).map(seed::product).filter(|p| p.variants.iter().any(|v| v.stock > 0)).take(n).collect()
}

#[tokio::test]
async fn the_runs_api_lists_a_run_started_from_code() {
    let app = spawn_app(&[]).await;
    let empty: serde_json::Value = app.get("/api/recommendations/runs").await.json().await.unwrap();
    assert_eq!(empty["runs"], serde_json::json!([]));

    let run = app.state.recommendations.run_now(Trigger::Admin).await.unwrap();
    let r = app.get("/api/recommendations/runs?limit=5").await;
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let listed = &body["runs"][0];
    assert_eq!(listed["id"], run.id);
    assert_eq!(listed["status"], "succeeded");
    assert_eq!(listed["trigger"], "admin");
    assert_eq!(listed["step"], "switch");
    assert!(listed["switch_ms"].is_i64(), "{listed}");
}

#[tokio::test]
async fn a_product_page_shows_what_was_bought_with_it_after_a_run() {
    let app = spawn_app(&[]).await;
    let p = in_stock(5);
    let page = format!("/p/{}", p[0].slug);
    let (status, before) = app.text(&page).await;
    assert_eq!(status, 200);
    assert!(!before.contains("data-reco=\"bought-together\""), "nothing before any run");

    for c in ["a@example.com", "b@example.com", "c@example.com"] {
        confirmed_order(&app, c, &[&p[0], &p[1]]).await;
    }
    for (c, q) in [("d@example.com", &p[2]), ("e@example.com", &p[3]), ("f@example.com", &p[4])] {
        confirmed_order(&app, c, &[q]).await;
    }
    app.state.recommendations.run_now(Trigger::Cli).await.unwrap();

    // The anonymous page was in the page cache: the new version makes it stale.
    let (status, after) = app.text(&page).await;
    assert_eq!(status, 200);
    assert!(after.contains("data-reco=\"bought-together\""), "strip shown");
    assert!(after.contains(&p[1].title) && after.contains("Often bought together with this"));

    let (_, home) = app.text("/").await;
    assert!(home.contains("data-reco=\"popular\"") && home.contains("Popular right now"), "cold-start strip");
    assert!(home.contains(&p[0].title) && home.contains("Popular in "));
}

#[tokio::test]
async fn a_signed_in_shopper_gets_for_you_with_the_reason_and_others_get_popular() {
    let app = spawn_app(&[]).await;
    let p = in_stock(4);
    for c in ["a@example.com", "b@example.com", "c@example.com"] {
        confirmed_order(&app, c, &[&p[0], &p[1]]).await;
    }
    confirmed_order(&app, "d@example.com", &[&p[2]]).await;
    // The shopper bought p[0] alone, under the email of their account (any case).
    let me = app.shopper("Fan@Example.com").await;
    confirmed_order(&app, "fan@example.com", &[&p[0]]).await;
    app.state.recommendations.run_now(Trigger::Cli).await.unwrap();

    // Until the address is confirmed, anyone could have registered it.
    let (_, unconfirmed) = app.text_as("/", &me).await;
    assert!(!unconfirmed.contains("data-reco=\"for-you\""), "no history shown for an unconfirmed e-mail");
    let user = app.state.accounts.sign_in("fan@example.com", "a long enough password").await.unwrap();
    crate::helpers::confirm_address(&app, &user.email).await;

    let (status, home) = app.text_as("/", &me).await;
    assert_eq!(status, 200);
    assert!(home.contains("data-reco=\"for-you\"") && home.contains("Recommended for you"), "for-you strip");
    assert!(home.contains(&p[1].title), "suggests what others bought with p[0]");
    assert!(home.contains(&format!("Because you bought {}", p[0].title)), "says why");
    let (_, anonymous) = app.text("/").await;
    assert!(!anonymous.contains("data-reco=\"for-you\"") && anonymous.contains("data-reco=\"popular\""));
    let stranger = app.shopper("new@example.com").await;
    let (_, cold) = app.text_as("/", &stranger).await;
    assert!(!cold.contains("data-reco=\"for-you\"") && cold.contains("data-reco=\"popular\""), "cold start: popular");
}
