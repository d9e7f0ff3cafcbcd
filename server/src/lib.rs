#![recursion_limit = "256"]
//! The storefront HTTP server: the Leptos app, health endpoints, static
//! assets and the middleware around them. `build_router` is used by the
//! binary and by the integration tests (which serve it on port 0).

pub mod account;
pub mod admin;
pub mod edge;
pub mod failover;
pub mod forms;
pub mod health;
pub mod http;
pub mod loadgen;
pub mod media;
pub mod metrics;
pub mod progress;
pub mod recommend;
pub mod returns;
pub mod reviews;
pub mod seo;
pub mod startup;
pub mod telemetry;

pub use http::build_router;
