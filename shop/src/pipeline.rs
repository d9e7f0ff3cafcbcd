//! Wiring of the order pipeline from `Services`: the checkout, the outbox,
//! the worker, carts and the cookie signer share these.

use crate::catalog::CachedCatalog;
use crate::jobs::order_worker::{Tuning, Worker};
use crate::orders::cart::{CartStore, CookieSigner};
use crate::orders::checkout::Checkout;
use crate::orders::outbox::Outbox;
use crate::orders::repo::OrderRepo;
use ports::{PortResult, Services};
use std::sync::Arc;

#[derive(Clone)]
pub struct Pipeline {
    pub repo: OrderRepo,
    pub carts: CartStore,
    pub signer: CookieSigner,
    pub checkout: Checkout,
    pub outbox: Outbox,
    pub worker: Worker,
    pub payments: Arc<dyn ports::payments::Payments>,
}

impl Tuning {
    /// The worker's pacing from the `queue.*` settings.
    pub fn from_settings(q: &ports::config::QueueConfig) -> Self {
        Self {
            visibility: q.visibility_timeout,
            backoff_max: q.backoff_max,
            concurrency: q.worker_concurrency,
            step_timeout: q.step_timeout,
            wait: q.receive_wait,
            stall: q.worker_stall,
        }
    }
}

impl Pipeline {
    pub async fn new(services: &Services, catalog: Arc<CachedCatalog>, tuning: Tuning) -> PortResult<Self> {
        let repo = OrderRepo::new(services.db.clone());
        let payments = services.payments.clone();
        // One secret per shop, shared by every server through the database.
        let fresh = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let secret = services.db.meta_or_insert("cookie_secret", &fresh).await?;
        let outbox = Outbox::new(services.db.clone(), services.queues.main.clone(), services.sale_queue.clone());
        Ok(Self {
            repo: repo.clone(),
            carts: CartStore::new(services.db.clone(), services.cache.clone()),
            signer: CookieSigner::new(secret.as_bytes()),
            checkout: Checkout { catalog: catalog.clone(), payments: payments.clone(), outbox: outbox.clone() },
            outbox,
            worker: Worker {
                repo,
                catalog,
                payments: payments.clone(),
                queues: services.queues.clone(),
                tuning,
                crash: None,
                stats: Default::default(),
                refresh: Default::default(),
            },
            payments,
        })
    }
}
