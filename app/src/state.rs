//! Server-side state shared by routes and server functions.

use axum::extract::FromRef;
use infra::catalog::CachedCatalog;
use infra::orders::pipeline::Pipeline;
use infra::Services;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub catalog: Arc<CachedCatalog>,
    pub orders: Pipeline,
    pub accounts: infra::accounts::Accounts,
    pub audit: infra::accounts::audit::AuditLog,
    pub edge: infra::config::EdgeConfig,
    /// Recommendations: readers for the widgets, runs for the CLI, status API and admin.
    pub recommendations: Arc<infra::recommend::Recommendations>,
    /// The shop's public origin, without a trailing slash.
    pub public_url: String,
}
