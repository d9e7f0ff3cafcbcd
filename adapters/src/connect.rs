//! Builds every adapter once from `Settings`: the one place that chooses
//! embedded or cloud for each port.

use crate::aws::sdk_config;
use crate::cache::{MemoryCache, RedisCache};
use crate::kv::{DynamoTable, EmbeddedTable};
use crate::objects::{FolderStore, S3Store};
use crate::payments::TestPayments;
use crate::queue::{local, LocalQueue, SqsQueue};
use ports::cache::Cache;
use ports::config::{CacheConfig, CatalogConfig, MailTransport, ObjectsConfig, QueueBackend, Settings};
use ports::database::Database;
use ports::kv::Table;
use ports::objects::ObjectStore;
use ports::payments::Payments;
use ports::queue::QueuePair;
use ports::{PortError, PortResult, Services};
use std::sync::Arc;

pub async fn connect(s: &Settings) -> PortResult<Services> {
    let sdk = if s.uses_aws() { Some(sdk_config(&s.aws).await) } else { None };
    let create = s.aws.create_resources;

    let db = Database::connect(&s.database).await?;
    if s.migrate_on_start {
        db.migrate().await?;
    } else {
        let pending = db.pending().await?;
        if !pending.is_empty() {
            return Err(PortError::Invalid(format!(
                "database.migrate_on_start is false and the database lacks {} migration(s) ({}): run `server migrate` first",
                pending.len(),
                pending.join(", ")
            )));
        }
    }

    let cache: Arc<dyn Cache> = match &s.cache {
        CacheConfig::Memory => Arc::new(MemoryCache::default()),
        CacheConfig::Redis { url, ca_file } => Arc::new(RedisCache::connect(url, ca_file.as_deref()).await?),
    };

    let vis = s.queue.visibility_timeout;
    // The worker dead-letters malformed messages itself (with the
    // reason) and backs off on transient failures without counting them;
    // the queues' own redrive after `queue.max_receives` receives is only
    // the backstop for a message that keeps killing its worker.
    let backstop = s.queue.max_receives;
    let (queues, sale_queue): (QueuePair, Arc<dyn ports::queue::Queue>) = match (&s.queue.backend, &sdk) {
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
        (CatalogConfig::DynamoDb { .. }, None) => return Err(PortError::Invalid("DynamoDB without AWS config".into())),
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

    let mailer: Arc<dyn crate::mail::Mailer> = match (&s.mail.transport, &sdk) {
        (MailTransport::Folder { path }, _) => Arc::new(crate::mail::FolderMailer::new(path)?),
        (MailTransport::Log, _) => Arc::new(crate::mail::LogMailer),
        (MailTransport::Smtp { host, port, tls, user, ca_file }, _) => {
            Arc::new(crate::mail::SmtpMailer::new(host, *port, *tls, user.clone(), ca_file.as_deref(), &s.mail.from)?)
        }
        (MailTransport::Ses, Some(sdk)) => {
            Arc::new(crate::mail::SesMailer::new(aws_sdk_sesv2::Client::new(sdk), &s.mail.from))
        }
        (MailTransport::Ses, None) => return Err(PortError::Invalid("SES without AWS config".into())),
    };

    let payments: Arc<dyn Payments> = Arc::new(TestPayments::new(db.clone()));
    Ok(Services { db, cache, queues, sale_queue, catalog, objects, mailer, payments })
}
