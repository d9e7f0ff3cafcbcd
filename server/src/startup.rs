//! Start-up: connect every port, seed the demo catalog on first start,
//! assemble the state the routes share, and warm the catalog listing.

use app::state::AppState;
use leptos::prelude::LeptosOptions;
use ports::config::Settings;
use shop::catalog::{seed, CachedCatalog, CatalogStore};
use std::sync::Arc;

pub async fn build_state(settings: &Settings, leptos_options: LeptosOptions) -> Result<AppState, String> {
    let services = adapters::connect(settings).await.map_err(|e| format!("start-up: {e}"))?;
    let store = CatalogStore::new(services.catalog.clone());
    let ratings = Arc::new(shop::reviews::ReviewRatings(services.db.clone()));
    let catalog = Arc::new(CachedCatalog::new(store, services.cache.clone()).with_ratings(ratings));
    if settings.seed_products > 0 {
        seed_if_empty(&catalog, settings.seed_products as usize).await?;
    }
    let orders = shop::pipeline::Pipeline::new(
        &services,
        catalog.clone(),
        shop::jobs::order_worker::Tuning::from_settings(&settings.queue),
    )
    .await
    .map_err(|e| format!("start-up: {e}"))?;
    let sessions =
        shop::accounts::Sessions::new(services.db.clone(), services.cache.clone(), settings.accounts.session_ttl);
    let identity = match &settings.accounts.oidc {
        Some(c) => Some(Arc::new(
            adapters::identity::Oidc::new(c.clone(), &settings.public_url).map_err(|e| format!("start-up: {e}"))?,
        ) as Arc<dyn ports::identity::IdentityProvider>),
        None => None,
    };
    let accounts =
        shop::accounts::Accounts::new(services.db.clone(), sessions, &settings.public_url).with_identity(identity);
    let audit = shop::accounts::audit::AuditLog::new(services.db.clone());
    let recommendations = Arc::new(shop::recommend::Recommendations::new(
        &services,
        shop::recommend::JobConfig::from(&settings.recommend),
    ));
    let ops = shop::ops::Operations::new(services.queues.clone(), services.sale_queue.clone(), services.db.clone());
    let forms = shop::forms::FormStash::new(services.cache.clone());
    let reviews = shop::reviews::Reviews::new(services.db.clone(), catalog.clone());
    let wishlists = shop::wishlist::Wishlists::new(services.db.clone(), orders.carts.clone());
    let stock_alerts = shop::stock_alerts::StockAlerts::new(services.db.clone(), catalog.clone(), &settings.public_url);
    Ok(AppState::new(app::state::Shared {
        leptos_options,
        ops,
        forms,
        accounts,
        audit,
        reviews,
        wishlists,
        stock_alerts,
        services,
        catalog,
        orders,
        edge: settings.edge.clone(),
        recommendations,
        public_url: settings.public_url.trim_end_matches('/').to_string(),
    }))
}

/// Read the whole shop's listing, build its search index and read every
/// category's listing before the server listens (`CachedCatalog::warm`):
/// a failure is logged, and the first requests then build them as before.
pub async fn warm(state: &AppState) {
    let started = std::time::Instant::now();
    match state.catalog.warm().await {
        Ok(cards) => tracing::info!(cards, millis = started.elapsed().as_millis() as u64, "catalog listing warmed"),
        Err(e) => tracing::warn!(error = %e, "could not warm the catalog listing; the first requests build it"),
    }
}

/// Run the order worker, supervised, until `stop` flips: the order queue
/// and the sale queue.
pub fn spawn_worker(state: &AppState, stop: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let worker = state.orders.worker.clone();
    let queues = vec![state.services.queues.main.clone(), state.services.sale_queue.clone()];
    tokio::spawn(worker.supervise(queues, stop))
}

/// The outbox relay (every second), the mail relay, the back-in-stock
/// alerts (every 10 s) and, when enabled, the reconciler on its schedule:
/// all run in every `serve` and `worker` process; leases keep two processes
/// off one message, mail or run, and an alert is mailed by the one process
/// whose update marks it sent.
pub fn spawn_order_jobs(
    state: &AppState,
    settings: &Settings,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut jobs =
        vec![tokio::spawn(state.orders.outbox.clone().run_relay(std::time::Duration::from_secs(1), stop.clone()))];
    jobs.push(tokio::spawn(mail_relay(state).run(std::time::Duration::from_secs(2), stop.clone())));
    jobs.push(tokio::spawn(state.stock_alerts.clone().run(std::time::Duration::from_secs(10), stop.clone())));
    if settings.reconcile.enabled {
        let reconciler = reconciler(state, settings);
        jobs.push(tokio::spawn(reconciler.schedule(settings.reconcile.interval, stop)));
    }
    jobs
}

pub fn mail_relay(state: &AppState) -> shop::jobs::mail_relay::MailRelay {
    let outbox = shop::mail::outbox::MailOutbox::new(state.services.db.clone());
    let links = state.orders.signer.clone();
    shop::jobs::mail_relay::MailRelay::new(outbox, state.services.mailer.clone(), &state.public_url, links)
}

pub fn reconciler(state: &AppState, settings: &Settings) -> shop::jobs::reconcile::Reconciler {
    shop::jobs::reconcile::Reconciler {
        repo: state.orders.repo.clone(),
        outbox: state.orders.outbox.clone(),
        worker: state.orders.worker.clone(),
        payments: state.orders.payments.clone(),
        audit: state.audit.clone(),
        after: settings.reconcile.after,
    }
}

/// Seed `n` demo products when the catalog has no category yet.
pub async fn seed_if_empty(catalog: &CachedCatalog, n: usize) -> Result<(), String> {
    let store = catalog.store();
    if !store.is_empty().await.map_err(|e| format!("catalog: {e}"))? {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let bar = crate::progress::bar(n as u64, "seeding");
    seed_products(store, n, &bar).await?;
    bar.finish_and_clear();
    tracing::info!(products = n, millis = started.elapsed().as_millis() as u64, "seeded the demo catalog");
    Ok(())
}

pub async fn seed_products(store: &CatalogStore, n: usize, bar: &indicatif::ProgressBar) -> Result<(), String> {
    for start in (0..n).step_by(2000) {
        let batch: Vec<_> = (start..(start + 2000).min(n)).map(seed::product).collect();
        store.load(&batch).await.map_err(|e| format!("seeding: {e}"))?;
        bar.inc(batch.len() as u64);
    }
    Ok(())
}
