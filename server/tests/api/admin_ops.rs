//! The merchant's operations pages: dead letters with their reasons and
//! redrive, the dashboard's charts and last failover run, and running the
//! recommendations job by hand.

use crate::helpers::{location, notice_of, spawn_app};
use app::admin::api::*;
use leptos::server_fn::ServerFn;

#[tokio::test]
async fn dead_letters_show_their_reason_and_can_be_redriven() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let q = &app.state.services.queues;
    for i in 0..3 {
        let msg = ports::queue::Outgoing::new(format!("{{\"order_id\":\"o{i}\"}}"))
            .attribute("failure_reason", format!("poison {i}"));
        q.dead_letter.send(msg).await.unwrap();
    }
    let (_, body) = app.call(AdminQueues::PATH, &merchant, serde_json::json!({})).await;
    let health: QueueHealth = serde_json::from_str(&body).unwrap();
    assert_eq!(health.dead.len(), 3);
    assert!(health.dead.iter().any(|d| d.reason == "poison 1" && d.order_id == "o1"));
    assert_eq!(q.dead_letter.depth().await.unwrap().visible, 3, "looking does not remove");

    let one = health.dead.iter().find(|d| d.order_id == "o1").unwrap();
    let r = app.form(&format!("/admin/queues/redrive/{}", one.message_id), &merchant, &[]).await;
    assert!(notice_of(&app, &r).await.contains("Moved the message"), "{}", location(&r));
    assert_eq!(q.main.depth().await.unwrap().visible, 1);
    let r = app.form("/admin/queues/redrive", &merchant, &[]).await;
    assert!(notice_of(&app, &r).await.contains("Moved 2"), "{}", location(&r));
    assert_eq!(q.dead_letter.depth().await.unwrap().visible, 0);
    assert_eq!(q.main.depth().await.unwrap().visible, 3);
    let page = app.text_as("/admin/queues", &merchant).await.1;
    assert!(page.contains("No dead letters."));
}

#[tokio::test]
async fn the_dashboard_shows_sales_charts_and_the_last_failover_run() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let (_, page) = app.text_as("/admin", &merchant).await;
    assert!(page.contains("Not published yet."));
    let cfg = ports::config::FailoverConfig {
        interval: std::time::Duration::ZERO,
        debounce: std::time::Duration::from_secs(1),
        prefix: "failover/".into(),
    };
    let out = app._dir.join("copy");
    let json =
        server::failover::schedule::run_once(&app.state, &cfg, &out, "2026-11-22 12:00 UTC", false).await.unwrap();
    let summary: serde_json::Value = serde_json::from_str(&json).unwrap();
    let (status, page) = app.text_as("/admin", &merchant).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"failover-last-run\""), "the last failover run is shown");
    assert!(page.contains(&summary["finished_at"].as_str().unwrap().to_string()));
    assert!(page.contains("<svg") && page.contains("Revenue per day"), "charts are inline SVG");
    assert!(!page.contains("<script src=\"http"), "no external scripts");
}

#[tokio::test]
async fn a_merchant_runs_the_recommendations_job_and_sees_the_run() {
    let app = spawn_app(&[]).await;
    let merchant = app.merchant().await;
    let r = app.form("/admin/recommendations/run", &merchant, &[]).await;
    assert!(notice_of(&app, &r).await.contains("succeeded"), "{}", location(&r));
    let (status, page) = app.text_as("/admin/recommendations", &merchant).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"reco-runs\"") && page.contains("admin") && page.contains("succeeded"));
    assert_eq!(app.state.audit.list(5, 0).await.unwrap()[0].action, "recommendations.run");
}
