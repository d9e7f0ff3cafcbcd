//! `/metrics` in Prometheus text format: requests and latency per route,
//! catalog and page cache hit ratios, queue and dead-letter depths, orders
//! by state, the rate rule's refusals and the worker's lag.

use app::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// (route, method, status) → count.
type RequestCounts = BTreeMap<(String, String, u16), u64>;

#[derive(Default, Clone)]
pub struct Metrics {
    requests: Arc<Mutex<RequestCounts>>,
    latency: Arc<Mutex<BTreeMap<String, Series>>>,
    pub rate_limited: Arc<AtomicU64>,
    pub page_hits: Arc<AtomicU64>,
    pub page_misses: Arc<AtomicU64>,
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

pub async fn track(State(m): State<Metrics>, req: Request, next: Next) -> Response {
    let route = route_of(&req);
    let method = req.method().to_string();
    let started = Instant::now();
    let resp = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    if let Ok(mut r) = m.requests.lock() {
        *r.entry((route.clone(), method, resp.status().as_u16())).or_default() += 1;
    }
    if let Ok(mut l) = m.latency.lock() {
        let s = l.entry(route).or_default();
        s.count += 1;
        s.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }
    resp
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

impl Metrics {
    fn render_http(&self, out: &mut String) {
        let _ = writeln!(out, "# TYPE http_requests_total counter");
        if let Ok(r) = self.requests.lock() {
            for ((route, method, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    esc(route)
                );
            }
        }
        let _ = writeln!(out, "# TYPE http_request_duration_seconds histogram");
        if let Ok(l) = self.latency.lock() {
            for (route, s) in l.iter() {
                let route = esc(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                        s.buckets[i]
                    );
                }
                let _ =
                    writeln!(out, "http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", s.count);
                let _ = writeln!(out, "http_request_duration_seconds_sum{{route=\"{route}\"}} {}", s.sum);
                let _ = writeln!(out, "http_request_duration_seconds_count{{route=\"{route}\"}} {}", s.count);
            }
        }
    }
}

pub async fn render(st: AppState, m: Metrics) -> impl IntoResponse {
    let mut out = String::new();
    m.render_http(&mut out);
    let c = st.catalog.stats();
    let ratio = |h: u64, miss: u64| if h + miss == 0 { 0.0 } else { h as f64 / (h + miss) as f64 };
    let _ = writeln!(out, "# TYPE catalog_cache_hits_total counter\ncatalog_cache_hits_total {}", c.hits);
    let _ = writeln!(out, "# TYPE catalog_cache_misses_total counter\ncatalog_cache_misses_total {}", c.misses);
    let _ =
        writeln!(out, "# TYPE catalog_cache_fallbacks_total counter\ncatalog_cache_fallbacks_total {}", c.fallbacks);
    let _ =
        writeln!(out, "# TYPE catalog_cache_hit_ratio gauge\ncatalog_cache_hit_ratio {:.4}", ratio(c.hits, c.misses));
    let (ph, pm) = (m.page_hits.load(Ordering::Relaxed), m.page_misses.load(Ordering::Relaxed));
    let _ = writeln!(out, "# TYPE page_cache_hit_ratio gauge\npage_cache_hit_ratio {:.4}", ratio(ph, pm));
    let _ = writeln!(
        out,
        "# TYPE rate_limited_total counter\nrate_limited_total {}",
        m.rate_limited.load(Ordering::Relaxed)
    );
    let _ = writeln!(out, "# TYPE queue_messages gauge");
    for (name, q) in [
        ("orders", &st.services.queues.main),
        ("dead_letter", &st.services.queues.dead_letter),
        ("sale", &st.services.sale_queue),
    ] {
        if let Ok(d) = q.depth().await {
            let _ = writeln!(out, "queue_messages{{queue=\"{name}\",state=\"visible\"}} {}", d.visible);
            let _ = writeln!(out, "queue_messages{{queue=\"{name}\",state=\"in_flight\"}} {}", d.in_flight);
        }
    }
    let _ = writeln!(out, "# TYPE orders gauge");
    if let Ok(counts) = st.orders.repo.counts().await {
        for (state, n) in counts {
            let _ = writeln!(out, "orders{{state=\"{}\"}} {n}", esc(&state));
        }
    }
    let _ = writeln!(out, "# TYPE worker_lag_seconds gauge\nworker_lag_seconds {}", st.orders.worker.lag_seconds());
    let ws = &st.orders.worker.stats;
    for (name, v) in [
        ("worker_retries_total", ws.retries.load(Ordering::Relaxed)),
        ("worker_dead_lettered_total", ws.dead_lettered.load(Ordering::Relaxed)),
        ("worker_panics_total", ws.panics.load(Ordering::Relaxed)),
        ("worker_restarts_total", ws.restarts.load(Ordering::Relaxed)),
    ] {
        let _ = writeln!(out, "# TYPE {name} counter\n{name} {v}");
    }
    if let Ok(Some(run)) = last_reconcile(&st).await {
        let _ = writeln!(out, "# TYPE reconcile_last_run_timestamp_seconds gauge");
        let _ = writeln!(out, "reconcile_last_run_timestamp_seconds {}", run.started_at);
        let _ = writeln!(out, "# TYPE reconcile_last_run_actions gauge");
        for (action, n) in
            [("resent", run.resent), ("settled", run.settled), ("voided", run.voided), ("reversals", run.reversals)]
        {
            let _ = writeln!(out, "reconcile_last_run_actions{{action=\"{action}\"}} {n}");
        }
        let _ =
            writeln!(out, "# TYPE reconcile_last_run_ok gauge\nreconcile_last_run_ok {}", u8::from(run.status == "ok"));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// The newest reconciler run, read from the database.
pub async fn last_reconcile(st: &AppState) -> ports::PortResult<Option<shop::jobs::reconcile::ReconcileRun>> {
    st.ops.last_reconcile().await
}
