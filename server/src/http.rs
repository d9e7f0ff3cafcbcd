//! Router assembly and middleware: request ids, tracing, compression,
//! cache headers for static assets. The operator's endpoints (`/metrics`,
//! `/readyz` with every check, `/api/recommendations/runs`,
//! `/failover/status`) are a router of their own: merged into the public one
//! in development, served on `server.ops_addr` (never the public port) when
//! that is set.

use crate::edge::csrf::{self, SameOrigin};
use crate::edge::headers;
use crate::edge::page_cache::{self, PageCache};
use crate::edge::rate::{self, RateRule};
use crate::health;
use app::state::AppState;
use app::{shell, App};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Request};
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

const REQUEST_ID: &str = "x-request-id";

/// The public router with the operator's endpoints on it (development, tests).
pub fn build_router(state: AppState) -> Router {
    build_routers(state, false).0
}

/// The public router and the operator's router. With `separate_ops`, the
/// public router keeps only `/healthz` and a brief `/readyz` (for the load
/// balancer) and the operator's router has the rest.
pub fn build_routers(state: AppState, separate_ops: bool) -> (Router, Router) {
    let options = state.leptos_options.clone();
    let routes = generate_route_list(App);

    // Hashed bundle files never change under one name: cache them for a year.
    let pkg_dir = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let pkg = Router::new().fallback_service(ServeDir::new(pkg_dir).precompressed_br().precompressed_gzip()).layer(
        SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ),
    );

    let metrics = crate::metrics::Metrics::default();
    let edge = state.edge.clone();
    let rate = RateRule {
        cache: state.services.cache.clone(),
        limit: edge.rate_limit,
        strict_limit: edge.strict_limit,
        window: edge.rate_window,
        client_ip: crate::edge::ClientIp::new(edge.client_ip_header.clone(), edge.trusted_proxies.clone()),
        limited: metrics.rate_limited.clone(),
    };
    let pages = PageCache {
        cache: state.services.cache.clone(),
        ttl: edge.page_cache,
        hits: metrics.page_hits.clone(),
        misses: metrics.page_misses.clone(),
        flights: metrics.page_flights.clone(),
    };
    let origin = SameOrigin { public_origin: state.public_url.clone() };
    let metrics_route = {
        let m = metrics.clone();
        get(move |State(st): State<AppState>| crate::metrics::render(st, m.clone()))
    };
    let readiness = health::Readiness::default();
    let ops = Router::new()
        .route("/metrics", metrics_route)
        .route("/failover/status", get(health::failover_status))
        .route("/api/recommendations/runs", get(crate::recommend::runs))
        .route("/readyz", {
            let r = readiness.clone();
            get(move |State(st): State<AppState>| async move { r.full(&st).await.into_response() })
        });
    let public_ops = if separate_ops {
        let r = readiness.clone();
        Router::new()
            .route("/readyz", get(move |State(st): State<AppState>| async move { r.brief(&st).await.into_response() }))
    } else {
        ops.clone()
    };

    let leptos_state = state.clone();
    // Account and admin forms post here; the pages at the same paths are Leptos routes (GET).
    let forms = Router::new()
        .route("/account/sign-in", post(crate::account::sign_in))
        .route("/account/sign-up", post(crate::account::sign_up))
        .route("/account/sign-out", post(crate::account::sign_out))
        .route("/account/forgot", post(crate::account::forgot))
        .route("/account/reset", post(crate::account::reset))
        .route("/account/verify", get(crate::account::verify))
        .route("/account/oidc/start", get(crate::account::oidc_start))
        .route("/account/oidc/callback", get(crate::account::oidc_callback))
        .route("/reviews", post(crate::reviews::submit))
        .route("/orders/{id}/returns", post(crate::returns::ask))
        .layer(RequestBodyLimitLayer::new(edge.max_body_bytes))
        .merge(crate::admin::routes().layer(RequestBodyLimitLayer::new(crate::admin::MAX_ADMIN_BODY)));
    let app_routes = Router::new()
        .route("/media/{*key}", get(crate::media::media))
        .route("/healthz", get(health::healthz))
        .merge(public_ops)
        .route("/robots.txt", get(crate::seo::robots))
        .route("/sitemap.xml", get(crate::seo::sitemap))
        .route("/sitemaps/{file}", get(crate::seo::sitemap_part))
        .nest(&format!("/{}", options.site_pkg_dir), pkg)
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(leptos_state.clone());
                headers::provide_leptos_nonce();
            },
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(headers::provide_leptos_nonce, shell))
        .layer(RequestBodyLimitLayer::new(edge.max_body_bytes))
        .merge(forms)
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .layer(middleware::from_fn(crate::edge::bad_input::server_fn_bad_input))
        .layer(middleware::from_fn_with_state(pages, page_cache::page_cache))
        .layer(middleware::from_fn_with_state(state.clone(), crate::account::session_layer))
        .layer(middleware::from_fn_with_state(state.clone(), crate::forms::flash_layer))
        .layer(middleware::from_fn(body_limit))
        .layer(middleware::from_fn_with_state(origin, csrf::same_origin))
        // Inside the rate rule: a refused flood is one counter, not series.
        .layer(middleware::from_fn(crate::metrics::track))
        .layer(middleware::from_fn_with_state(rate, rate::rate_rule))
        .layer(middleware::from_fn(headers::security_headers))
        .with_state(state.clone());

    let trace = TraceLayer::new_for_http()
        .make_span_with(|req: &Request<Body>| {
            let id = req.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(tower_http::LatencyUnit::Millis));

    let public = app_routes.layer(
        ServiceBuilder::new()
            // First: an outsized head is refused before spans, logs or any layer read it.
            .layer(middleware::from_fn(crate::edge::head_limits::head_limits))
            .layer(middleware::from_fn(sane_request_id))
            .layer(SetRequestIdLayer::new(header::HeaderName::from_static(REQUEST_ID), MakeRequestUuid))
            .layer(trace)
            .layer(PropagateRequestIdLayer::new(header::HeaderName::from_static(REQUEST_ID)))
            // Pages the page cache keeps arrive compressed already (brotli
            // made once). The rest are compressed per response, with gzip at
            // level 1: brotli's per-stream tables were a fifth of a rendered
            // product page's samples, and gzip level 4 still 15% (perf;
            // README, Performance).
            .layer(CompressionLayer::new().no_br().quality(CompressionLevel::Fastest)),
    );
    let ops = ops.route("/healthz", get(health::healthz)).with_state(state).layer(CompressionLayer::new());
    (public, ops)
}

/// Keep a caller's `x-request-id` only when it looks like an id (at most 64
/// letters, digits, `-`, `_` or `.`); otherwise drop it, and a fresh one is
/// made. It is logged and echoed, so it must not carry 100 KB or markup.
async fn sane_request_id(mut req: Request<Body>, next: middleware::Next) -> axum::response::Response {
    let ok = |v: &HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= 64 && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
    };
    if req.headers().get(REQUEST_ID).is_some_and(|v| !ok(v)) {
        req.headers_mut().remove(REQUEST_ID);
    }
    next.run(req).await
}

/// Refuse bodies declared larger than the admin limit before any handler
/// runs; each route group then caps the body it reads (64 KiB by default,
/// 8 MiB for admin forms that carry an image).
async fn body_limit(req: Request<Body>, next: middleware::Next) -> axum::response::Response {
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if declared.is_some_and(|n| n > crate::admin::MAX_ADMIN_BODY) {
        return (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    }
    next.run(req).await
}

/// Serve until `signal` resolves, then stop accepting connections and let
/// in-flight requests finish for at most `grace`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    grace: Duration,
    signal: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let (tx, mut rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            let _ = rx.wait_for(|stop| *stop).await;
        });
    let deadline = async move {
        signal.await;
        let _ = tx.send(true);
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        r = server => r.map_err(|e| format!("server: {e}")),
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "grace period over; closing remaining connections");
            Ok(())
        }
    }
}
