//! `reco_runs` (one row per run, its id is the version it writes) and
//! `reco_lock` (one row while a run holds the job, with an expiry).

use super::{now_secs, Status, Step, Trigger};
use ports::database::Database;
use ports::{PortError, PortResult};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

const LOCK_NAME: &str = "recommend";

/// A run as recorded: what `/api/recommendations/runs` and `server recommend` show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// Also the version number of the results it writes.
    pub id: i64,
    pub trigger: Trigger,
    pub status: Status,
    /// The last step entered (where it failed, for a failed run).
    pub step: Step,
    pub error: Option<String>,
    /// Unix seconds.
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub export_ms: Option<i64>,
    pub compute_ms: Option<i64>,
    pub write_ms: Option<i64>,
    pub switch_ms: Option<i64>,
    /// Confirmed orders exported.
    pub orders: i64,
    pub customers: i64,
    /// Distinct products in those orders (still in the catalog).
    pub products: i64,
    /// Product → partner entries kept ("bought together").
    pub pairs: i64,
    /// Items written to the table.
    pub items: i64,
}

impl RunRecord {
    pub fn step_ms(&mut self, step: Step) -> &mut Option<i64> {
        match step {
            Step::Export => &mut self.export_ms,
            Step::Compute => &mut self.compute_ms,
            Step::Write => &mut self.write_ms,
            Step::Switch => &mut self.switch_ms,
        }
    }
}

const COLUMNS: &str = "id, triggered_by, status, step, error, started_at, finished_at, export_ms, compute_ms, \
                       write_ms, switch_ms, orders, customers, products, pairs, items";

/// A `reco_runs` row as stored; names are checked on the way to `RunRecord`.
#[derive(sqlx::FromRow)]
struct RunRow {
    id: i64,
    triggered_by: String,
    status: String,
    step: String,
    error: Option<String>,
    started_at: i64,
    finished_at: Option<i64>,
    export_ms: Option<i64>,
    compute_ms: Option<i64>,
    write_ms: Option<i64>,
    switch_ms: Option<i64>,
    orders: i64,
    customers: i64,
    products: i64,
    pairs: i64,
    items: i64,
}

impl TryFrom<RunRow> for RunRecord {
    type Error = PortError;

    /// An unknown stored name is an error naming the run, never a default.
    fn try_from(r: RunRow) -> Result<Self, PortError> {
        let id = r.id.to_string();
        let unknown = |column: &str, v: &str| PortError::unknown_stored("reco_runs", &id, column, v);
        Ok(RunRecord {
            trigger: Trigger::parse(&r.triggered_by).ok_or_else(|| unknown("triggered_by", &r.triggered_by))?,
            status: Status::parse(&r.status).ok_or_else(|| unknown("status", &r.status))?,
            step: Step::parse(&r.step).ok_or_else(|| unknown("step", &r.step))?,
            id: r.id,
            error: r.error,
            started_at: r.started_at,
            finished_at: r.finished_at,
            export_ms: r.export_ms,
            compute_ms: r.compute_ms,
            write_ms: r.write_ms,
            switch_ms: r.switch_ms,
            orders: r.orders,
            customers: r.customers,
            products: r.products,
            pairs: r.pairs,
            items: r.items,
        })
    }
}

#[derive(Clone)]
pub(super) struct Runs {
    pub db: Database,
}

impl Runs {
    /// Newest first.
    pub async fn list(&self, limit: usize) -> PortResult<Vec<RunRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM reco_runs ORDER BY id DESC LIMIT $1");
        let rows: Vec<RunRow> =
            sqlx::query_as(&sql).bind(limit as i64).fetch_all(self.db.pool()).await.map_err(self.db.err())?;
        rows.into_iter().map(RunRecord::try_from).collect()
    }

    /// Record a new run (under the lock) with an id above every earlier run
    /// and above `floor` (the live version), so a version is never reused.
    pub async fn start(&self, trigger: Trigger, floor: i64) -> PortResult<RunRecord> {
        let max: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM reco_runs")
            .fetch_one(self.db.pool())
            .await
            .map_err(self.db.err())?;
        let run = RunRecord {
            id: max.max(floor) + 1,
            trigger,
            status: Status::Running,
            step: Step::Export,
            error: None,
            started_at: now_secs(),
            finished_at: None,
            export_ms: None,
            compute_ms: None,
            write_ms: None,
            switch_ms: None,
            orders: 0,
            customers: 0,
            products: 0,
            pairs: 0,
            items: 0,
        };
        sqlx::query("INSERT INTO reco_runs (id, triggered_by, status, step, started_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(run.id)
            .bind(trigger.as_str())
            .bind(run.status.as_str())
            .bind(run.step.as_str())
            .bind(run.started_at)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(run)
    }

    pub async fn save(&self, r: &RunRecord) -> PortResult<()> {
        sqlx::query(
            "UPDATE reco_runs SET status = $1, step = $2, error = $3, finished_at = $4, export_ms = $5, compute_ms = $6,
             write_ms = $7, switch_ms = $8, orders = $9, customers = $10, products = $11, pairs = $12, items = $13
             WHERE id = $14",
        )
        .bind(r.status.as_str())
        .bind(r.step.as_str())
        .bind(r.error.as_deref())
        .bind(r.finished_at)
        .bind(r.export_ms)
        .bind(r.compute_ms)
        .bind(r.write_ms)
        .bind(r.switch_ms)
        .bind(r.orders)
        .bind(r.customers)
        .bind(r.products)
        .bind(r.pairs)
        .bind(r.items)
        .bind(r.id)
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(())
    }

    /// Runs still `running` while we hold the lock died with their process:
    /// mark them failed (their data is left for GC).
    pub async fn abandon_stale(&self) -> PortResult<u64> {
        let n = sqlx::query(
            "UPDATE reco_runs SET status = 'failed', error = 'abandoned: its process stopped mid-run', finished_at = $1
             WHERE status = 'running'",
        )
        .bind(now_secs())
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?
        .rows_affected();
        Ok(n)
    }

    /// Finished runs whose data may still exist, except `keep`.
    pub async fn unpurged(&self, keep: &[i64]) -> PortResult<Vec<i64>> {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM reco_runs WHERE purged = 0 AND status <> 'running' ORDER BY id")
                .fetch_all(self.db.pool())
                .await
                .map_err(self.db.err())?;
        Ok(ids.into_iter().filter(|id| !keep.contains(id)).collect())
    }

    pub async fn mark_purged(&self, id: i64) -> PortResult<()> {
        sqlx::query("UPDATE reco_runs SET purged = 1 WHERE id = $1")
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(())
    }
}

/// A job lock (a row of `reco_lock` by name), held by one run; it expires
/// unless renewed. The recommendations job and the reconciler each have one.
pub(crate) struct Lease {
    db: Database,
    name: &'static str,
    holder: String,
    ttl: Duration,
    renewed: Instant,
}

impl Lease {
    /// Take the lock when it is free or expired; `Err(expires_at)` when held.
    pub async fn acquire(db: &Database, ttl: Duration) -> PortResult<Result<Lease, i64>> {
        Self::acquire_named(db, LOCK_NAME, ttl).await
    }

    /// The same for the lock called `name`.
    pub async fn acquire_named(db: &Database, name: &'static str, ttl: Duration) -> PortResult<Result<Lease, i64>> {
        let holder = uuid::Uuid::new_v4().simple().to_string();
        let now = now_secs();
        let taken = sqlx::query(
            "INSERT INTO reco_lock (name, holder, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
             WHERE reco_lock.expires_at < $4",
        )
        .bind(name)
        .bind(&holder)
        .bind(now + ttl.as_secs() as i64)
        .bind(now)
        .execute(db.pool())
        .await
        .map_err(db.err())?
        .rows_affected()
            == 1;
        if taken {
            return Ok(Ok(Lease { db: db.clone(), name, holder, ttl, renewed: Instant::now() }));
        }
        let expires: Option<i64> = sqlx::query_scalar("SELECT expires_at FROM reco_lock WHERE name = $1")
            .bind(name)
            .fetch_optional(db.pool())
            .await
            .map_err(db.err())?;
        Ok(Err(expires.unwrap_or(now)))
    }

    /// Push the expiry out; false when the lock was lost (expired and taken).
    pub async fn renew(&mut self) -> PortResult<bool> {
        let n = sqlx::query("UPDATE reco_lock SET expires_at = $1 WHERE name = $2 AND holder = $3")
            .bind(now_secs() + self.ttl.as_secs() as i64)
            .bind(self.name)
            .bind(&self.holder)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?
            .rows_affected();
        self.renewed = Instant::now();
        Ok(n == 1)
    }

    /// Renew when a quarter of the time to live has passed (inside long steps).
    pub async fn keep_alive(&mut self) -> PortResult<bool> {
        if self.renewed.elapsed() < self.ttl / 4 {
            return Ok(true);
        }
        self.renew().await
    }

    pub async fn release(self) -> PortResult<()> {
        sqlx::query("DELETE FROM reco_lock WHERE name = $1 AND holder = $2")
            .bind(self.name)
            .bind(&self.holder)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(())
    }
}
