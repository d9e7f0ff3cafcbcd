//! The reconciler: a scheduled job (one run at a time, through a lease in
//! the database, like the recommendations job) that puts right what a crash,
//! an outage or a lost message left half done. Each run:
//!
//! 1. **re-sends** accepted checkouts the outbox never sent;
//! 2. **settles** accepted orders older than `after` with no final state
//!    (no order row yet, or still `reserved`) by running the worker's own
//!    idempotent steps on the accepted message: stock is reserved or found
//!    reserved, the order stored, the payment captured or compensated. A
//!    reservation marker with no order row is therefore completed or given
//!    back, never stranded;
//! 3. **voids** authorizations older than `after` that no order owns, or
//!    whose order was rejected;
//! 4. **resumes** merchants' cancel/refund sagas left between steps.
//!
//! Every action is logged and written to the audit log (actor
//! `reconciler`); every run is a row of `reconcile_runs`, shown in the admin
//! and counted in `/metrics`.

use super::runner::{self, Outcome, Pace};
use crate::accounts::audit::AuditLog;
use crate::jobs::order_worker::{Handled, Worker};
use crate::orders::outbox::Outbox;
use crate::orders::repo::{now, OrderRepo};
use crate::orders::reversal::resume_reversals;
use crate::recommend::runs::Lease;
use domain::order::{OrderMessage, OrderStatus};
use ports::payments::{PaymentError, Payments};
use ports::{PortError, PortResult};
use serde::Serialize;
use sqlx::Row;
use std::sync::Arc;
use std::time::Duration;

const LOCK: &str = "reconcile";

#[derive(Clone)]
pub struct Reconciler {
    pub repo: OrderRepo,
    pub outbox: Outbox,
    pub worker: Worker,
    pub payments: Arc<dyn Payments>,
    pub audit: AuditLog,
    /// Age after which an unsettled order or an open authorization is acted on.
    pub after: Duration,
}

/// One run's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileRun {
    pub id: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: String,
    pub resent: i64,
    pub settled: i64,
    pub voided: i64,
    pub reversals: i64,
    pub error: Option<String>,
}

impl Reconciler {
    fn db(&self) -> &ports::database::Database {
        self.repo.db()
    }

    async fn note(&self, action: &str, target: &str, after: String) {
        tracing::info!(action, target, detail = %after, "reconciler acted");
        if let Err(e) = self.audit.record("reconciler", action, target, None, Some(after)).await {
            tracing::warn!(error = %e, "could not audit a reconciler action");
        }
    }

    /// Run once unless another run holds the lease (then `Ok(None)`).
    pub async fn run_once(&self) -> PortResult<Option<ReconcileRun>> {
        let ttl = Duration::from_secs(300);
        let Ok(lease) = Lease::acquire_named(self.db(), LOCK, ttl).await? else {
            return Ok(None);
        };
        let db = self.db();
        let started = now();
        let id: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) + 1 AS next FROM reconcile_runs")
            .fetch_one(db.pool())
            .await
            .map_err(db.err())?
            .get("next");
        sqlx::query("INSERT INTO reconcile_runs (id, started_at, status) VALUES ($1, $2, 'running')")
            .bind(id)
            .bind(started)
            .execute(db.pool())
            .await
            .map_err(db.err())?;
        let mut run = ReconcileRun { id, started_at: started, status: "running".into(), ..Default::default() };
        let outcome = self.steps(&mut run).await;
        run.finished_at = Some(now());
        match &outcome {
            Ok(()) => run.status = "ok".into(),
            Err(e) => {
                run.status = "failed".into();
                run.error = Some(e.to_string());
            }
        }
        sqlx::query(
            "UPDATE reconcile_runs SET finished_at = $1, status = $2, resent = $3, settled = $4, voided = $5, reversals = $6, error = $7 WHERE id = $8",
        )
        .bind(run.finished_at)
        .bind(&run.status)
        .bind(run.resent)
        .bind(run.settled)
        .bind(run.voided)
        .bind(run.reversals)
        .bind(run.error.clone())
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(db.err())?;
        lease.release().await?;
        Ok(Some(run))
    }

    async fn steps(&self, run: &mut ReconcileRun) -> PortResult<()> {
        let cutoff = now() - self.after.as_secs() as i64;
        // 1. Accepted but never sent (the checkout's own send failed and the relay has not run).
        for a in self.outbox.unsent(now() - 30, 500).await? {
            self.outbox.send(&a).await?;
            run.resent += 1;
            self.note("reconcile.resend", a.order_id.as_str(), "sent the accepted order to its queue".into()).await;
        }
        // 2. Accepted long ago and still not final: settle it with the worker's own steps.
        for a in self.outbox.unsettled(cutoff, 500).await? {
            let Ok(message) = serde_json::from_str::<OrderMessage>(&a.body) else {
                tracing::error!(order.id = %a.order_id, "accepted order has an unreadable message");
                continue;
            };
            match self.worker.handle(&a.body).await {
                Handled::Final(status) => {
                    run.settled += 1;
                    self.note(
                        "reconcile.settle",
                        message.order_id.as_str(),
                        format!("{{\"status\":\"{}\"}}", status.name()),
                    )
                    .await;
                }
                Handled::Retry(why) => tracing::warn!(order.id = %a.order_id, reason = %why, "not settled yet"),
                Handled::Poison(why) => tracing::error!(order.id = %a.order_id, reason = %why, "cannot settle"),
                Handled::Crashed => {}
            }
        }
        // 3. Holds that no live order needs.
        let open = self.payments.open_authorizations(cutoff, 500).await.map_err(payment_err)?;
        for auth in open {
            let owner = self.outbox.by_auth(&auth).await?;
            let status = match &owner {
                Some(a) => self.repo.status(&a.order_id).await?,
                None => None,
            };
            let orphan = owner.is_none();
            let rejected = matches!(status, Some(OrderStatus::Rejected { .. } | OrderStatus::Cancelled { .. }));
            if orphan || rejected {
                match self.payments.void(&auth).await {
                    Ok(()) => {
                        run.voided += 1;
                        let why = if orphan { "no order owns it" } else { "its order was rejected" };
                        self.note("reconcile.void", &auth, format!("{{\"why\":\"{why}\"}}")).await;
                    }
                    Err(PaymentError::Declined(r)) => tracing::warn!(auth, reason = %r, "could not void"),
                    Err(e) => return Err(payment_err(e)),
                }
            }
        }
        // 4. Merchants' cancel/refund sagas (whole orders and lines) left between steps.
        let mut resumed = resume_reversals(&self.repo, &self.worker.catalog, &self.payments, now() - 60).await?;
        resumed += crate::orders::refunds::resume_refunds(&self.repo, &self.worker.catalog, &self.payments, now() - 60)
            .await?;
        if resumed > 0 {
            run.reversals += resumed as i64;
            self.note("reconcile.reversals", "orders", format!("{{\"resumed\":{resumed}}}")).await;
        }
        Ok(())
    }

    /// The last runs, newest first.
    pub async fn runs(&self, limit: i64) -> PortResult<Vec<ReconcileRun>> {
        runs(self.db(), limit).await
    }

    /// Run every `interval` until `stop` flips.
    pub async fn schedule(self, interval: Duration, stop: tokio::sync::watch::Receiver<bool>) {
        let me = &self;
        runner::run("reconciler", Pace::Every(interval), stop, || async move {
            Ok::<_, PortError>(match me.run_once().await? {
                Some(r) => Outcome::Worked(format!(
                    "run {}: {} resent, {} settled, {} voided, {} reversals, {}",
                    r.id, r.resent, r.settled, r.voided, r.reversals, r.status
                )),
                None => Outcome::Idle,
            })
        })
        .await
    }
}

fn payment_err(e: PaymentError) -> PortError {
    PortError::unavailable("payments", e)
}

/// The last reconciler runs, newest first.
pub async fn runs(db: &ports::database::Database, limit: i64) -> PortResult<Vec<ReconcileRun>> {
    let rows = sqlx::query(
        "SELECT id, started_at, finished_at, status, resent, settled, voided, reversals, error FROM reconcile_runs ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .map_err(db.err())?;
    Ok(rows
        .iter()
        .map(|r| ReconcileRun {
            id: r.get("id"),
            started_at: r.get("started_at"),
            finished_at: r.get("finished_at"),
            status: r.get("status"),
            resent: r.get("resent"),
            settled: r.get("settled"),
            voided: r.get("voided"),
            reversals: r.get("reversals"),
            error: r.get("error"),
        })
        .collect())
}

/// The newest reconciler run, if any.
pub async fn latest_run(db: &ports::database::Database) -> PortResult<Option<ReconcileRun>> {
    Ok(runs(db, 1).await?.into_iter().next())
}
