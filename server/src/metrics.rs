//! `/metrics` in Prometheus text format through the `metrics` facade and its
//! Prometheus exporter: requests and latency per route (recorded as they
//! happen), and at each scrape the catalog and page cache hit ratios, queue
//! and dead-letter depths, orders by state, the rate rule's refusals, the
//! worker's lag and counters, and the last reconciler run.

use app::state::AppState;
use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

/// The process's Prometheus recorder (the `metrics` facade's global one):
/// installed on first use; every app in the process reports through it.
fn prometheus() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), &BUCKETS)
            .unwrap_or_else(|_| PrometheusBuilder::new());
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics shows only the scrape-time figures");
        }
        handle
    })
}

/// What the edge layers count between scrapes (shared with them as atomics).
#[derive(Default, Clone)]
pub struct Metrics {
    pub rate_limited: Arc<AtomicU64>,
    pub page_hits: Arc<AtomicU64>,
    pub page_misses: Arc<AtomicU64>,
    /// Concurrent page-cache misses, one render each (`shared()` counts
    /// the requests that waited for another's render).
    pub page_flights: Arc<ports::flight::SingleFlight<Option<Arc<crate::edge::page_entry::Entry>>>>,
}

/// The route a request matched (low cardinality), or a coarse bucket.
fn route_of(req: &Request) -> String {
    if let Some(m) = req.extensions().get::<MatchedPath>() {
        return m.as_str().to_string();
    }
    let p = req.uri().path();
    match p {
        _ if p.starts_with("/pkg/") => "/pkg/*".into(),
        _ if p.starts_with("/img/") => "/img/*".into(),
        _ if p.starts_with("/api/") => "/api/*".into(),
        _ => "other".into(),
    }
}

/// The method as a label from a fixed set: a made-up method is `other`, so
/// junk requests cannot mint metric series (each lives until restart).
fn method_label(m: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

pub async fn track(req: Request, next: Next) -> Response {
    prometheus();
    let route = route_of(&req);
    let method = method_label(req.method());
    let started = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    histogram!("http_request_duration_seconds", "route" => route.clone()).record(started.elapsed().as_secs_f64());
    counter!("http_requests_total", "route" => route, "method" => method, "status" => status).increment(1);
    resp
}

/// Every order state's count, 0 for a state no order is in. The database
/// names only the states it has rows in; a gauge left unset keeps its last
/// figure, so the last 3 orders that went from `reserved` to `confirmed`
/// read as 3 orders stuck in `reserved` forever.
fn orders_by_state(counts: &[(String, i64)]) -> Vec<(&'static str, f64)> {
    domain::order::StatusKind::ALL
        .into_iter()
        .map(|k| (k.as_str(), counts.iter().find(|(s, _)| s == k.as_str()).map_or(0.0, |(_, n)| *n as f64)))
        .collect()
}

/// Set the scrape-time figures, then render everything the recorder holds.
pub async fn render(st: AppState, m: Metrics) -> impl IntoResponse {
    let handle = prometheus();
    let c = st.catalog.stats();
    let ratio = |h: u64, miss: u64| if h + miss == 0 { 0.0 } else { h as f64 / (h + miss) as f64 };
    counter!("catalog_cache_hits_total").absolute(c.hits);
    counter!("catalog_cache_misses_total").absolute(c.misses);
    counter!("catalog_cache_fallbacks_total").absolute(c.fallbacks);
    gauge!("catalog_cache_hit_ratio").set(ratio(c.hits, c.misses));
    let (ph, pm) = (m.page_hits.load(Ordering::Relaxed), m.page_misses.load(Ordering::Relaxed));
    gauge!("page_cache_hit_ratio").set(ratio(ph, pm));
    counter!("page_cache_renders_total").absolute(pm);
    counter!("page_cache_shared_renders_total").absolute(m.page_flights.shared());
    counter!("rate_limited_total").absolute(m.rate_limited.load(Ordering::Relaxed));
    if let Ok(d) = st.ops.depths().await {
        for (queue, state, n) in [
            ("orders", "visible", d.orders_visible),
            ("orders", "in_flight", d.orders_in_flight),
            ("dead_letter", "visible", d.dead_letters),
            ("sale", "visible", d.sale_visible),
        ] {
            gauge!("queue_messages", "queue" => queue, "state" => state).set(n as f64);
        }
    }
    if let Ok(counts) = st.orders.repo.counts().await {
        for (state, n) in orders_by_state(&counts) {
            gauge!("orders", "state" => state).set(n);
        }
    }
    gauge!("worker_lag_seconds").set(st.orders.worker.lag_seconds());
    // Mails waiting to be sent, and given up (refused for good or tried too often).
    if let Ok(mail) = shop::mail::outbox::MailOutbox::new(st.services.db.clone()).counts().await {
        for (state, n) in [("waiting", mail.waiting), ("failed", mail.failed)] {
            gauge!("mails", "state" => state).set(n as f64);
        }
    }
    let ws = &st.orders.worker.stats;
    counter!("worker_retries_total").absolute(ws.retries.load(Ordering::Relaxed));
    counter!("worker_dead_lettered_total").absolute(ws.dead_lettered.load(Ordering::Relaxed));
    counter!("worker_panics_total").absolute(ws.panics.load(Ordering::Relaxed));
    counter!("worker_restarts_total").absolute(ws.restarts.load(Ordering::Relaxed));
    if let Ok(Some(run)) = st.ops.last_reconcile().await {
        gauge!("reconcile_last_run_timestamp_seconds").set(run.started_at as f64);
        for (action, n) in
            [("resent", run.resent), ("settled", run.settled), ("voided", run.voided), ("reversals", run.reversals)]
        {
            gauge!("reconcile_last_run_actions", "action" => action).set(n as f64);
        }
        gauge!("reconcile_last_run_ok").set(f64::from(u8::from(run.status == "ok")));
    }
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render())
}

#[cfg(test)]
mod tests {
    use super::orders_by_state;

    #[test]
    fn every_order_state_has_a_figure_so_a_state_that_emptied_reads_0() {
        let counts = vec![("confirmed".to_string(), 302), ("rejected".to_string(), 18)];
        let figures = orders_by_state(&counts);
        assert_eq!(figures.len(), 6, "one figure per state: {figures:?}");
        assert!(figures.contains(&("confirmed", 302.0)) && figures.contains(&("rejected", 18.0)));
        for empty in ["pending", "reserved", "cancelled", "refunded"] {
            assert!(figures.contains(&(empty, 0.0)), "{empty} reads 0: {figures:?}");
        }
    }
}
