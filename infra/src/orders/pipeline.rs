//! Wiring of the order pipeline from `Services`: the checkout, the worker,
//! carts and the cookie signer share these.

use super::cart::{CartStore, CookieSigner};
use super::checkout::Checkout;
use super::repo::OrderRepo;
use super::worker::Worker;
use crate::catalog::CachedCatalog;
use crate::payments::TestPayments;
use crate::{PortResult, Services};
use std::sync::Arc;

#[derive(Clone)]
pub struct Pipeline {
    pub repo: OrderRepo,
    pub carts: CartStore,
    pub signer: CookieSigner,
    pub checkout: Checkout,
    pub worker: Worker,
    pub payments: Arc<dyn crate::payments::Payments>,
}

impl Pipeline {
    pub async fn new(services: &Services, catalog: Arc<CachedCatalog>, max_receives: u32) -> PortResult<Self> {
        let repo = OrderRepo::new(services.db.clone());
        let payments: Arc<dyn crate::payments::Payments> = Arc::new(TestPayments::new(services.db.clone()));
        // One secret per shop, shared by every server through the database.
        let fresh = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
        let secret = services.db.meta_or_insert("cookie_secret", &fresh).await?;
        Ok(Self {
            repo: repo.clone(),
            carts: CartStore::new(services.cache.clone()),
            signer: CookieSigner::new(secret.as_bytes()),
            checkout: Checkout {
                catalog: catalog.clone(),
                payments: payments.clone(),
                orders: services.queues.main.clone(),
                sale: services.sale_queue.clone(),
                cache: services.cache.clone(),
            },
            worker: Worker {
                repo,
                catalog,
                payments: payments.clone(),
                queues: services.queues.clone(),
                max_receives,
                crash: None,
                lag_ms: Default::default(),
            },
            payments,
        })
    }
}
