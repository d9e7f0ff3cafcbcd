//! Start-up: connect every port, seed the demo catalog on first start, and
//! assemble the state the routes share.

use app::state::AppState;
use infra::catalog::{seed, CachedCatalog, CatalogStore};
use infra::config::Settings;
use infra::Services;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

pub async fn build_state(settings: &Settings, leptos_options: LeptosOptions) -> Result<AppState, String> {
    let services = Services::connect(settings).await.map_err(|e| format!("start-up: {e}"))?;
    let store = CatalogStore::new(services.catalog.clone());
    let catalog = Arc::new(CachedCatalog::new(store, services.cache.clone()));
    if settings.seed_products > 0 {
        seed_if_empty(&catalog, settings.seed_products as usize).await?;
    }
    let orders = infra::orders::pipeline::Pipeline::new(&services, catalog.clone(), settings.queue.max_receives)
        .await
        .map_err(|e| format!("start-up: {e}"))?;
    let sessions = infra::accounts::Sessions::new(services.cache.clone(), settings.accounts.session_ttl);
    let accounts =
        infra::accounts::Accounts::new(services.db.clone(), sessions, services.mailer.clone(), &settings.public_url);
    let audit = infra::accounts::audit::AuditLog::new(services.db.clone());
    let recommendations = Arc::new(infra::recommend::Recommendations::new(
        &services,
        infra::recommend::JobConfig::from(&settings.recommend),
    ));
    Ok(AppState {
        leptos_options,
        accounts,
        audit,
        services,
        catalog,
        orders,
        edge: settings.edge.clone(),
        recommendations,
        public_url: settings.public_url.trim_end_matches('/').to_string(),
    })
}

/// Run the order worker until `stop` flips: the order queue and the sale queue.
pub fn spawn_worker(state: &AppState, stop: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let worker = state.orders.worker.clone();
    let queues = vec![state.services.queues.main.clone(), state.services.sale_queue.clone()];
    tokio::spawn(worker.run(queues, stop))
}

/// Seed `n` demo products when the catalog has no category yet.
pub async fn seed_if_empty(catalog: &CachedCatalog, n: usize) -> Result<(), String> {
    let store = catalog.store();
    if !store.is_empty().await.map_err(|e| format!("catalog: {e}"))? {
        return Ok(());
    }
    let started = std::time::Instant::now();
    seed_products(store, n).await?;
    tracing::info!(products = n, millis = started.elapsed().as_millis() as u64, "seeded the demo catalog");
    Ok(())
}

pub async fn seed_products(store: &CatalogStore, n: usize) -> Result<(), String> {
    for start in (0..n).step_by(2000) {
        let batch: Vec<_> = (start..(start + 2000).min(n)).map(seed::product).collect();
        store.load(&batch).await.map_err(|e| format!("seeding: {e}"))?;
    }
    Ok(())
}
