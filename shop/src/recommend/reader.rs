//! What pages, the CLI, the status API and the admin call.
//!
//! Reads are cache-aside: `<prefix>:v` holds the live version (60 s), each
//! list is cached under `<prefix>:<version>:<sort key>` (an hour; a new
//! version makes new keys, so nothing is invalidated by hand). When the
//! cache fails, reads go to the table and `fallbacks` counts it.

use super::runs::{RunRecord, Runs};
use super::saga::{Job, VERSION_TTL};
use super::store::{bought_together_key, customer_key, for_you_key, popular_key, RecoStore};
use super::{JobConfig, Rec, RunError, Trigger};
use crate::catalog::CatalogStore;
use ports::{PortError, PortResult, Services};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

const LIST_TTL: Duration = Duration::from_secs(3600);

pub struct Recommendations {
    job: Job,
    fallbacks: AtomicU64,
}

impl Recommendations {
    pub fn new(services: &Services, cfg: JobConfig) -> Self {
        let job = Job {
            runs: Runs { db: services.db.clone() },
            store: RecoStore { table: services.catalog.clone() },
            objects: services.objects.clone(),
            cache: services.cache.clone(),
            catalog: CatalogStore::new(services.catalog.clone()),
            cfg,
        };
        Self { job, fallbacks: AtomicU64::new(0) }
    }

    pub fn config(&self) -> &JobConfig {
        &self.job.cfg
    }

    /// Reads that went to the table because the cache failed.
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }

    /// Run the job now (the CLI, the admin, the schedule). A failed run comes
    /// back as `RunError::Failed` with its record; a run while another holds
    /// the lock as `RunError::Busy`.
    #[tracing::instrument(skip(self), fields(trigger = trigger.as_str()))]
    pub async fn run_now(&self, trigger: Trigger) -> Result<RunRecord, RunError> {
        self.job.run(trigger).await
    }

    /// `run_now` on a task of its own (an admin request need not wait).
    pub fn run_in_background(
        self: &Arc<Self>,
        trigger: Trigger,
    ) -> tokio::task::JoinHandle<Result<RunRecord, RunError>> {
        let me = self.clone();
        tokio::spawn(async move { me.run_now(trigger).await })
    }

    /// The latest runs, newest first.
    pub async fn runs(&self, limit: usize) -> PortResult<Vec<RunRecord>> {
        self.job.runs.list(limit.clamp(1, 1000)).await
    }

    /// Products bought with this one, best first.
    pub async fn bought_together(&self, product_id: &str) -> PortResult<Vec<Rec>> {
        self.list(bought_together_key(product_id)).await
    }

    /// For a customer, by email: `because` names the purchase behind each.
    pub async fn for_you(&self, email: &str) -> PortResult<Vec<Rec>> {
        self.list(for_you_key(&customer_key(email))).await
    }

    /// Most bought in a category (and its subcategories) over the window.
    pub async fn popular(&self, category: &str) -> PortResult<Vec<Rec>> {
        self.list(popular_key(category)).await
    }

    /// Most bought in the whole shop over the window.
    pub async fn popular_everywhere(&self) -> PortResult<Vec<Rec>> {
        self.popular("*").await
    }

    /// The live version, `None` before the first successful run.
    pub async fn current_version(&self) -> PortResult<Option<i64>> {
        let key = format!("{}:v", self.job.cfg.cache_prefix);
        match self.job.cache.get(&key).await {
            Ok(Some(bytes)) => {
                if let Some(v) = std::str::from_utf8(&bytes).ok().and_then(|s| s.parse::<i64>().ok()) {
                    return Ok((v > 0).then_some(v));
                }
            }
            Ok(None) => {}
            Err(e) => {
                self.fell_back(&e);
                return Ok(self.job.store.pointer().await?.map(|p| p.version));
            }
        }
        let v = self.job.store.pointer().await?.map_or(0, |p| p.version);
        if let Err(e) = self.job.cache.set(&key, v.to_string().as_bytes(), Some(VERSION_TTL)).await {
            self.fell_back(&e);
        }
        Ok((v > 0).then_some(v))
    }

    /// Items stored for a version (tests and operators: is anything left over?).
    pub async fn items_of_version(&self, version: i64) -> PortResult<usize> {
        self.job.store.count(version).await
    }

    fn fell_back(&self, e: &PortError) {
        self.fallbacks.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(error = %e, "cache unavailable; recommendations read from the table");
    }

    async fn list(&self, sk: String) -> PortResult<Vec<Rec>> {
        let Some(version) = self.current_version().await? else {
            return Ok(Vec::new());
        };
        let key = format!("{}:{version}:{sk}", self.job.cfg.cache_prefix);
        match self.job.cache.get(&key).await {
            Ok(Some(bytes)) => {
                if let Ok(recs) = serde_json::from_slice(&bytes) {
                    return Ok(recs);
                }
            }
            Ok(None) => {}
            Err(e) => {
                self.fell_back(&e);
                return self.job.store.read(version, &sk).await;
            }
        }
        let recs = self.job.store.read(version, &sk).await?;
        if let Ok(bytes) = serde_json::to_vec(&recs) {
            if let Err(e) = self.job.cache.set(&key, &bytes, Some(LIST_TTL)).await {
                self.fell_back(&e);
            }
        }
        Ok(recs)
    }
}
