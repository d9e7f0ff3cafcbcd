//! Every port's handle, built once at start-up (`adapters::connect`), and
//! their health.

use crate::cache::Cache;
use crate::database::Database;
use crate::kv::Table;
use crate::objects::ObjectStore;
use crate::payments::Payments;
use crate::queue::QueuePair;
use crate::{PortError, PortResult};
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone)]
pub struct Services {
    pub db: Database,
    pub cache: Arc<dyn Cache>,
    pub queues: QueuePair,
    /// FIFO queue for flash-sale orders (message group per sale item).
    pub sale_queue: Arc<dyn crate::queue::Queue>,
    pub catalog: Arc<dyn Table>,
    pub objects: Arc<dyn ObjectStore>,
    pub mailer: Arc<dyn crate::mail::Mailer>,
    pub payments: Arc<dyn Payments>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DependencyStatus {
    /// Port name: database, cache, queue, dead_letter_queue, catalog, objects.
    pub name: &'static str,
    /// Adapter: sqlite, postgres, memory, redis, local, sqs, embedded, dynamodb, folder, s3.
    pub backend: &'static str,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Services {
    /// Check every dependency concurrently, each bounded by a timeout.
    pub async fn readiness(&self) -> Vec<DependencyStatus> {
        async fn check(
            name: &'static str,
            backend: &'static str,
            f: impl std::future::Future<Output = PortResult<()>>,
        ) -> DependencyStatus {
            let r = match tokio::time::timeout(Duration::from_secs(3), f).await {
                Ok(r) => r,
                Err(_) => Err(PortError::unavailable(backend, "timed out after 3 s")),
            };
            DependencyStatus { name, backend, ok: r.is_ok(), error: r.err().map(|e| e.to_string()) }
        }
        let (a, b, c, d, e, f) = tokio::join!(
            check("database", self.db.backend(), self.db.ping()),
            check("cache", self.cache.backend(), self.cache.ping()),
            check("queue", self.queues.main.backend(), async { self.queues.main.depth().await.map(|_| ()) }),
            check("dead_letter_queue", self.queues.dead_letter.backend(), async {
                self.queues.dead_letter.depth().await.map(|_| ())
            }),
            check("catalog", self.catalog.backend(), self.catalog.ping()),
            check("objects", self.objects.backend(), self.objects.ping()),
        );
        vec![a, b, c, d, e, f]
    }
}
