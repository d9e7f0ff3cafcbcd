//! One run of the job: lock, record, the four steps, compensation in
//! reverse order on failure, garbage collection of old versions.

use super::compute::{compute, Computed, SnapOrder, SnapProduct, Snapshot};
use super::runs::{Lease, RunRecord, Runs};
use super::store::{customer_key, snapshot_key, snapshot_prefix, Pointer, RecoStore};
use super::{now_secs, Fault, JobConfig, RunError, Status, Step, Trigger};
use crate::catalog::CatalogStore;
use futures::{StreamExt, TryStreamExt};
use ports::cache::Cache;
use ports::objects::{Object, ObjectStore};
use ports::{PortError, PortResult};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One line of a confirmed order, as the export reads it.
#[derive(sqlx::FromRow)]
struct ExportRow {
    id: String,
    email: String,
    created_at: i64,
    product_id: String,
}

/// Items per `put` call, with a lock renewal between calls.
const WRITE_BATCH: usize = 1000;
/// The readers' cached version lives this long (bounds staleness when the
/// switch could not reach the cache).
pub(super) const VERSION_TTL: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub(super) struct Job {
    pub runs: Runs,
    pub store: RecoStore,
    pub objects: Arc<dyn ObjectStore>,
    pub cache: Arc<dyn Cache>,
    pub catalog: CatalogStore,
    pub cfg: JobConfig,
}

#[derive(Default)]
struct State {
    computed: Computed,
    /// The pointer as read just before the switch (`None`: not read yet).
    before: Option<Option<Pointer>>,
}

impl Job {
    pub async fn run(&self, trigger: Trigger) -> Result<RunRecord, RunError> {
        let mut lease = match Lease::acquire(&self.runs.db, self.cfg.lock_ttl).await? {
            Ok(lease) => lease,
            Err(expires_at) => return Err(RunError::Busy { expires_at }),
        };
        let result = self.run_locked(trigger, &mut lease).await;
        if let Err(e) = lease.release().await {
            tracing::warn!(error = %e, "could not release the recommendations lock; it expires on its own");
        }
        result
    }

    async fn run_locked(&self, trigger: Trigger, lease: &mut Lease) -> Result<RunRecord, RunError> {
        let abandoned = self.runs.abandon_stale().await?;
        if abandoned > 0 {
            tracing::warn!(runs = abandoned, "marked abandoned recommendations runs as failed");
        }
        let floor = self.store.pointer().await?.map_or(0, |p| p.version);
        let mut run = self.runs.start(trigger, floor).await?;
        let mut st = State::default();
        let mut entered = Vec::new();
        let mut failure = None;
        for step in Step::ALL {
            run.step = step;
            entered.push(step);
            let started = Instant::now();
            let r = self.step(step, &mut run, &mut st, lease).await;
            *run.step_ms(step) = Some(started.elapsed().as_millis() as i64);
            if let Err(e) = r {
                failure = Some(format!("{}: {e}", step.as_str()));
                break;
            }
        }
        run.finished_at = Some(now_secs());
        let Some(error) = failure else {
            run.status = Status::Succeeded;
            self.runs.save(&run).await?;
            return Ok(run);
        };
        let mut problems = vec![error];
        run.status = Status::Compensated;
        for step in entered.into_iter().rev() {
            if let Err(e) = self.compensate(step, run.id, &st).await {
                // Stop here: earlier steps' data may still be in use (GC retries later).
                problems.push(format!("compensating {} failed: {e}", step.as_str()));
                run.status = Status::Failed;
                break;
            }
        }
        run.error = Some(problems.join("; "));
        self.runs.save(&run).await?;
        if run.status == Status::Compensated {
            self.runs.mark_purged(run.id).await?;
        }
        Err(RunError::Failed(Box::new(run)))
    }

    async fn step(&self, step: Step, run: &mut RunRecord, st: &mut State, lease: &mut Lease) -> Result<(), String> {
        let lost = || "lost the job lock (it expired)".to_string();
        if !lease.renew().await.map_err(|e| e.to_string())? {
            return Err(lost());
        }
        self.runs.save(run).await.map_err(|e| e.to_string())?;
        match step {
            Step::Export => self.export(run).await.map_err(|e| e.to_string())?,
            Step::Compute => {
                let snap = self.objects.get(&snapshot_key(run.id)).await.map_err(|e| e.to_string())?;
                let snap: Snapshot = serde_json::from_slice(&snap.ok_or("the snapshot is missing")?.body)
                    .map_err(|e| format!("unreadable snapshot: {e}"))?;
                let cfg = self.cfg.clone();
                st.computed =
                    tokio::task::spawn_blocking(move || compute(&snap, &cfg)).await.map_err(|e| e.to_string())?;
                run.customers = st.computed.customers as i64;
                run.pairs = st.computed.pairs as i64;
            }
            Step::Write => {
                for batch in st.computed.entries.chunks(WRITE_BATCH) {
                    if !lease.keep_alive().await.map_err(|e| e.to_string())? {
                        return Err(lost());
                    }
                    self.store.put(run.id, batch).await.map_err(|e| e.to_string())?;
                    run.items += batch.len() as i64;
                }
            }
            Step::Switch => {
                let before = self.store.pointer().await.map_err(|e| e.to_string())?;
                st.before = Some(before.clone());
                if !self.store.switch(before.as_ref(), run.id).await.map_err(|e| e.to_string())? {
                    return Err("the live version changed during the run".into());
                }
                self.publish(run.id).await;
                if let Err(e) = self.gc(run.id, before.map_or(0, |p| p.version)).await {
                    tracing::warn!(error = %e, "recommendations GC failed; retried next run");
                }
            }
        }
        match self.cfg.fault {
            Some(Fault::FailAt(s)) if s == step => Err("injected failure".into()),
            Some(Fault::StallAt(s, d)) if s == step => {
                tokio::time::sleep(d).await;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn compensate(&self, step: Step, run: i64, st: &State) -> PortResult<()> {
        match step {
            Step::Export => self.objects.delete(&snapshot_key(run)).await,
            Step::Compute => Ok(()),
            Step::Write => self.store.delete_version(run).await.map(|_| ()),
            Step::Switch => {
                let Some(before) = &st.before else { return Ok(()) };
                if self.store.restore(run, before.as_ref()).await? {
                    self.publish(before.as_ref().map_or(0, |p| p.version)).await;
                }
                Ok(())
            }
        }
    }

    /// Confirmed orders and their products' categories, as a snapshot.
    async fn export(&self, run: &mut RunRecord) -> PortResult<()> {
        let db = &self.runs.db;
        let mut rows = sqlx::query_as::<_, ExportRow>(
            "SELECT o.id, lower(o.email) AS email, o.created_at, l.product_id FROM orders o
             JOIN order_lines l ON l.order_id = o.id WHERE o.status = 'confirmed' ORDER BY o.id, l.line_no",
        )
        .fetch(db.pool());
        let mut orders: Vec<SnapOrder> = Vec::new();
        let mut last_id = String::new();
        while let Some(r) = rows.try_next().await.map_err(db.err())? {
            if r.id != last_id || orders.is_empty() {
                orders.push(SnapOrder { customer: customer_key(&r.email), at: r.created_at, products: vec![] });
                last_id = r.id;
            }
            if let Some(o) = orders.last_mut() {
                o.products.push(r.product_id);
            }
        }
        drop(rows);
        let ids: HashSet<String> = orders.iter().flat_map(|o| o.products.iter().cloned()).collect();
        let products: BTreeMap<String, SnapProduct> = futures::stream::iter(ids)
            .map(|id| async move {
                let p = self.catalog.by_id(&id).await?;
                Ok::<_, PortError>(
                    p.filter(|p| p.is_visible())
                        .map(|p| (id, SnapProduct { category: p.category.to_string(), title: p.title.clone() })),
                )
            })
            .buffer_unordered(8)
            .try_filter_map(|x| async move { Ok(x) })
            .try_collect()
            .await?;
        // Products no longer sold are never recommended.
        for o in &mut orders {
            o.products.retain(|p| products.contains_key(p));
        }
        orders.retain(|o| !o.products.is_empty());
        run.orders = orders.len() as i64;
        run.products = products.len() as i64;
        run.customers = orders.iter().map(|o| o.customer.as_str()).collect::<HashSet<_>>().len() as i64;
        let snap = Snapshot { run: run.id, exported_at: now_secs(), orders, products };
        let body = serde_json::to_vec(&snap).map_err(|e| PortError::Invalid(e.to_string()))?;
        let object = Object { body, content_type: "application/json".into(), cache_control: None };
        self.objects.put(&snapshot_key(run.id), object).await
    }

    /// Tell readers (and the page cache) the live version.
    pub async fn publish(&self, version: i64) {
        let key = format!("{}:v", self.cfg.cache_prefix);
        if let Err(e) = self.cache.set(&key, version.to_string().as_bytes(), Some(VERSION_TTL)).await {
            tracing::warn!(error = %e, "cache unavailable: readers see the new recommendations within a minute");
            let _ = self.cache.delete(&[key]).await;
        }
    }

    /// Delete the items and snapshot of every finished version but the live
    /// and the previous one; returns how many versions went.
    async fn gc(&self, live: i64, previous: i64) -> PortResult<usize> {
        let old = self.runs.unpurged(&[live, previous]).await?;
        for &v in &old {
            self.store.delete_version(v).await?;
            for o in self.objects.list(&snapshot_prefix(v)).await? {
                self.objects.delete(&o.key).await?;
            }
            self.runs.mark_purged(v).await?;
        }
        Ok(old.len())
    }
}
