//! Server-side state shared by routes and server functions.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use ports::Services;
use shop::catalog::CachedCatalog;
use shop::pipeline::Pipeline;
use std::sync::Arc;

/// Cloned for every request and by every server function and component
/// that reads it (Leptos context), so it is one `Arc`: a clone is one
/// count, not a copy of every handle and setting (it showed in profiles of
/// the product page). Fields read through `Deref`.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// This state with some settings changed (a copy if it is shared).
    pub fn with(mut self, change: impl FnOnce(&mut Shared)) -> Self {
        change(Arc::make_mut(&mut self.0));
        self
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

#[derive(Clone)]
pub struct Shared {
    pub leptos_options: LeptosOptions,
    /// The ports themselves, for the server's composition root only: the
    /// app's pages and server functions go through the use cases below.
    pub services: Services,
    /// Queue health, dead letters, the last failover and reconciler runs.
    pub ops: shop::ops::Operations,
    /// Rejected plain-form input, kept for the page that shows it again.
    pub forms: shop::forms::FormStash,
    pub catalog: Arc<CachedCatalog>,
    pub orders: Pipeline,
    pub accounts: shop::accounts::Accounts,
    pub audit: shop::accounts::audit::AuditLog,
    /// Product reviews: written by buyers, shown once approved.
    pub reviews: shop::reviews::Reviews,
    /// Saved products: an account's list, or a guest's kept with its cart.
    pub wishlists: shop::wishlist::Wishlists,
    /// "Tell me when it's back" on sold-out variants.
    pub stock_alerts: shop::stock_alerts::StockAlerts,
    pub edge: ports::config::EdgeConfig,
    /// Recommendations: readers for the widgets, runs for the CLI, status API and admin.
    pub recommendations: Arc<shop::recommend::Recommendations>,
    /// The shop's public origin, without a trailing slash.
    pub public_url: String,
}
