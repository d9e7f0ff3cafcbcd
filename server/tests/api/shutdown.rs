//! Graceful shutdown: a request in flight when the signal arrives finishes.

use axum::routing::get;
use axum::Router;
use std::time::Duration;

#[tokio::test]
async fn a_request_in_flight_at_sigterm_still_gets_its_answer() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(600)).await;
            "finished"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server::http::serve(listener, router, Duration::from_secs(5), async move {
        let _ = rx.await;
    }));
    let request = tokio::spawn(async move { reqwest::get(&url).await.unwrap().text().await.unwrap() });
    tokio::time::sleep(Duration::from_millis(150)).await;
    tx.send(()).unwrap(); // the "SIGTERM"
    assert_eq!(request.await.unwrap(), "finished", "the in-flight request completed");
    let stopped = tokio::time::timeout(Duration::from_secs(3), server).await;
    assert!(stopped.is_ok(), "the server stopped once the request was done");
}
