//! Builds every adapter once from `Settings` and reports their health.

use crate::aws::sdk_config;
use crate::cache::{Cache, MemoryCache, RedisCache};
use crate::config::{CacheConfig, CatalogConfig, ObjectsConfig, QueueBackend, Settings};
use crate::database::Database;
use crate::kv::{DynamoTable, EmbeddedTable, Table};
use crate::objects::{FolderStore, ObjectStore, S3Store};
use crate::queue::{local, LocalQueue, QueuePair, SqsQueue};
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
    pub async fn connect(s: &Settings) -> PortResult<Self> {
        let sdk = if s.uses_aws() { Some(sdk_config(&s.aws).await) } else { None };
        let create = s.aws.create_resources;

        let db = Database::connect(&s.database).await?;
        db.migrate().await?;

        let cache: Arc<dyn Cache> = match &s.cache {
            CacheConfig::Memory => Arc::new(MemoryCache::default()),
            CacheConfig::Redis { url } => Arc::new(RedisCache::connect(url).await?),
        };

        let vis = s.queue.visibility_timeout;
        // The worker dead-letters malformed messages itself (with the
        // reason) and backs off on transient failures without counting them;
        // the queues' own redrive after `queue.max_receives` receives is only
        // the backstop for a message that keeps killing its worker.
        let backstop = s.queue.max_receives;
        let (queues, sale_queue): (QueuePair, Arc<dyn crate::queue::Queue>) = match (&s.queue.backend, &sdk) {
            (QueueBackend::Local { path }, _) => {
                let pool = local::open_pool(path).await?;
                let dlq_name = "orders-dlq".to_string();
                let pair = QueuePair {
                    main: Arc::new(LocalQueue::new(pool.clone(), "orders", vis, Some((dlq_name.clone(), backstop)))),
                    dead_letter: Arc::new(LocalQueue::new(pool.clone(), &dlq_name, vis, None)),
                };
                (pair, Arc::new(LocalQueue::new(pool, "sale.fifo", vis, Some((dlq_name, backstop)))))
            }
            (QueueBackend::Sqs { orders_url, dead_letter_url, sale_url }, Some(sdk)) => {
                let client = aws_sdk_sqs::Client::new(sdk);
                if create {
                    let dlq = SqsQueue::create(client.clone(), dead_letter_url, vis, None).await?;
                    let main = SqsQueue::create(client.clone(), orders_url, vis, Some((&dlq, backstop))).await?;
                    let sale = SqsQueue::create(client, sale_url, vis, None).await?;
                    (QueuePair { main: Arc::new(main), dead_letter: Arc::new(dlq) }, Arc::new(sale))
                } else {
                    let pair = QueuePair {
                        main: Arc::new(SqsQueue::new(client.clone(), orders_url, vis)),
                        dead_letter: Arc::new(SqsQueue::new(client.clone(), dead_letter_url, vis)),
                    };
                    (pair, Arc::new(SqsQueue::new(client, sale_url, vis)))
                }
            }
            (QueueBackend::Sqs { .. }, None) => return Err(PortError::Invalid("SQS without AWS config".into())),
        };

        let catalog: Arc<dyn Table> = match (&s.catalog, &sdk) {
            (CatalogConfig::Embedded { path }, _) => Arc::new(EmbeddedTable::open(path).await?),
            (CatalogConfig::DynamoDb { table }, Some(sdk)) => {
                let t = DynamoTable::new(aws_sdk_dynamodb::Client::new(sdk), table);
                if create {
                    t.create_if_missing().await?;
                }
                Arc::new(t)
            }
            (CatalogConfig::DynamoDb { .. }, None) => {
                return Err(PortError::Invalid("DynamoDB without AWS config".into()))
            }
        };

        let objects: Arc<dyn ObjectStore> = match (&s.objects, &sdk) {
            (ObjectsConfig::Folder { path }, _) => Arc::new(FolderStore::new(path)?),
            (ObjectsConfig::S3 { bucket }, Some(sdk)) => {
                let store = S3Store::new(sdk, bucket);
                if create {
                    store.create_if_missing().await?;
                }
                Arc::new(store)
            }
            (ObjectsConfig::S3 { .. }, None) => return Err(PortError::Invalid("S3 without AWS config".into())),
        };

        let mailer: Arc<dyn crate::mail::Mailer> = match &s.accounts.mail {
            crate::config::MailConfig::Folder { path } => Arc::new(crate::mail::FolderMailer::new(path)?),
            crate::config::MailConfig::Log => Arc::new(crate::mail::LogMailer),
        };

        Ok(Self { db, cache, queues, sale_queue, catalog, objects, mailer })
    }

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
