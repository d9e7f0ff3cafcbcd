//! Server-side state shared by routes and server functions.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use ports::Services;
use shop::catalog::CachedCatalog;
use shop::pipeline::Pipeline;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub catalog: Arc<CachedCatalog>,
    pub orders: Pipeline,
    pub accounts: shop::accounts::Accounts,
    pub audit: shop::accounts::audit::AuditLog,
    pub edge: ports::config::EdgeConfig,
    /// Recommendations: readers for the widgets, runs for the CLI, status API and admin.
    pub recommendations: Arc<shop::recommend::Recommendations>,
    /// The shop's public origin, without a trailing slash.
    pub public_url: String,
}
