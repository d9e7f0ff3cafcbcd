//! A merchant's cancel or refund, as a saga with persisted state. The
//! intent is written first (`order_reversals`, step `refund`); then the
//! payment is refunded (idempotent at the provider), step → `release`; the
//! stock goes back once through the order's reservation marker, step →
//! `status`; finally the status moves from `confirmed` and the audit entry is
//! written in one transaction, step → `done`. A crash between any two steps
//! leaves a row the reconciler resumes, so money is never refunded while the
//! order still says `confirmed`, and nothing is returned twice. An order
//! with line refunds (`refunds.rs`) is not reversed whole.

use super::admin::ManageError;
use super::repo::{now, OrderRepo, StoredOrder};
use crate::accounts::audit::AuditLog;
use crate::catalog::CachedCatalog;
use crate::catalog::{stock_lines_of, OrderStock};
use domain::order::OrderStatus;
use domain::OrderId;
use ports::payments::{PaymentError, Payments};
use ports::{PortError, PortResult};
use std::sync::Arc;

/// Cancel or refund: the merchant gives the money back and the stock returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reversal {
    Cancel,
    Refund,
}

impl Reversal {
    fn code(self) -> &'static str {
        match self {
            Self::Cancel => "cancel",
            Self::Refund => "refund",
        }
    }
    fn parse(s: &str) -> Option<Self> {
        match s {
            "cancel" => Some(Self::Cancel),
            "refund" => Some(Self::Refund),
            _ => None,
        }
    }
    fn done_word(self) -> &'static str {
        match self {
            Self::Cancel => "cancelled",
            Self::Refund => "refunded",
        }
    }
}

struct Pending {
    kind: Reversal,
    reason: String,
    actor: String,
    step: String,
}

#[derive(sqlx::FromRow)]
struct PendingRow {
    kind: String,
    reason: String,
    actor: String,
    step: String,
}

const STEPS: [&str; 4] = ["refund", "release", "status", "done"];

async fn load(repo: &OrderRepo, id: &OrderId) -> PortResult<Option<Pending>> {
    let db = repo.db();
    let row: Option<PendingRow> =
        sqlx::query_as("SELECT kind, reason, actor, step FROM order_reversals WHERE order_id = $1")
            .bind(id)
            .fetch_optional(db.pool())
            .await
            .map_err(db.err())?;
    let Some(r) = row else { return Ok(None) };
    let kind = Reversal::parse(&r.kind)
        .ok_or_else(|| PortError::unknown_stored("order_reversals", id.as_str(), "kind", &r.kind))?;
    if !STEPS.contains(&r.step.as_str()) {
        return Err(PortError::unknown_stored("order_reversals", id.as_str(), "step", &r.step));
    }
    Ok(Some(Pending { kind, reason: r.reason, actor: r.actor, step: r.step }))
}

async fn set_step(repo: &OrderRepo, id: &OrderId, step: &str) -> PortResult<()> {
    let db = repo.db();
    sqlx::query("UPDATE order_reversals SET step = $1, updated_at = $2 WHERE order_id = $3")
        .bind(step)
        .bind(now())
        .bind(id)
        .execute(db.pool())
        .await
        .map_err(db.err())?;
    Ok(())
}

/// Reverse a confirmed order on behalf of `actor`. Returns the order as it
/// was and its new status. A second call (a double click, two merchants, a
/// retry after a crash) resumes the saga already started, never a new one.
pub async fn reverse(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    id: &OrderId,
    how: Reversal,
    reason: &str,
    actor: &str,
) -> Result<(StoredOrder, OrderStatus), ManageError> {
    let order = repo.get(id).await?.ok_or(ManageError::NotFound)?;
    let started = load(repo, id).await?;
    let unfinished = started.as_ref().is_some_and(|p| p.step != "done");
    if order.status != OrderStatus::Confirmed && !unfinished {
        return Err(ManageError::WrongState { action: how.done_word(), status: order.status.name() });
    }
    if started.is_none() {
        // The order's row is claimed first: a line refund started before
        // (or at the same moment) leaves `refund_seq` above 0, and the
        // whole order can no longer be reversed (its stock would come back twice).
        let db = repo.db();
        let mut tx = db.pool().begin().await.map_err(db.err())?;
        let claimed = sqlx::query("UPDATE orders SET refund_seq = refund_seq + 1 WHERE id = $1 AND refund_seq = 0")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db.err())?
            .rows_affected();
        if claimed == 1 {
            sqlx::query(
                "INSERT INTO order_reversals (order_id, kind, reason, actor, step, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, 'refund', $5, $5) ON CONFLICT (order_id) DO NOTHING",
            )
            .bind(id)
            .bind(how.code())
            .bind(reason)
            .bind(actor)
            .bind(now())
            .execute(&mut *tx)
            .await
            .map_err(db.err())?;
        }
        tx.commit().await.map_err(db.err())?;
        if claimed == 0 && load(repo, id).await?.is_none() {
            return Err(ManageError::HasLineRefunds);
        }
    }
    let pending = load(repo, id).await?.ok_or(ManageError::NotFound)?;
    let to = run(repo, catalog, payments, &order, pending).await?;
    Ok((order, to))
}

fn target(p: &Pending) -> OrderStatus {
    match p.kind {
        Reversal::Cancel => OrderStatus::Cancelled { reason: format!("cancelled by the shop: {}", p.reason) },
        Reversal::Refund => OrderStatus::Refunded,
    }
}

async fn run(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    order: &StoredOrder,
    p: Pending,
) -> Result<OrderStatus, ManageError> {
    let id = &order.id;
    let to = target(&p);
    let mut step = p.step.clone();
    if step == "refund" {
        match payments.refund(&order.payment_auth).await {
            Ok(()) => {}
            Err(PaymentError::Declined(r)) => {
                // Nothing was returned: the saga ends here and the order stays as it is.
                let db = repo.db();
                sqlx::query("DELETE FROM order_reversals WHERE order_id = $1 AND step = 'refund'")
                    .bind(id)
                    .execute(db.pool())
                    .await
                    .map_err(db.err())?;
                return Err(ManageError::Payment(r));
            }
            Err(PaymentError::Transient(e)) => return Err(ManageError::Port(PortError::unavailable("payments", e))),
        }
        set_step(repo, id, "release").await?;
        step = "release".into();
    }
    if step == "release" {
        let stock = OrderStock { lines: stock_lines_of(&order.lines), code: order.code.clone() };
        catalog.store().release_for_order(id, &stock).await?;
        set_step(repo, id, "status").await?;
        step = "status".into();
    }
    if step == "status" {
        let db = repo.db();
        let mut tx = db.pool().begin().await.map_err(db.err())?;
        let moved = sqlx::query(
            "UPDATE orders SET status = $1, reason = $2, updated_at = $3 WHERE id = $4 AND status = 'confirmed'",
        )
        .bind(to.name())
        .bind(match &to {
            OrderStatus::Cancelled { reason } => Some(reason.clone()),
            _ => None,
        })
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db.err())?
        .rows_affected()
            == 1;
        if moved {
            // Requests still open would wait forever for a decision the
            // shop can no longer make; the order's mail tells the shopper why.
            sqlx::query(
                "UPDATE return_requests SET status = 'closed', note = $1, decided_at = $2
                 WHERE order_id = $3 AND status IN ('requested', 'approved')",
            )
            .bind(format!("the whole order was {}", p.kind.done_word()))
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db.err())?;
            crate::mail::outbox::enqueue_order_mail(&mut tx, id, &to).await.map_err(db.err())?;
            let action = if p.kind == Reversal::Cancel { "order.cancel" } else { "order.refund" };
            let before = serde_json::json!({ "status": "confirmed", "total": order.total.to_string() }).to_string();
            let after = serde_json::to_string(&to).unwrap_or_default();
            AuditLog::record_in(&mut tx, &p.actor, action, id.as_str(), Some(before), Some(after))
                .await
                .map_err(db.err())?;
        }
        sqlx::query("UPDATE order_reversals SET step = 'done', updated_at = $1 WHERE order_id = $2")
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db.err())?;
        tx.commit().await.map_err(db.err())?;
        for l in &order.lines {
            let _ = catalog.stock_changed(l.product_id.as_str()).await;
        }
        tracing::info!(order.id = %id, action = p.kind.done_word(), "order reversed");
        return Ok(to);
    }
    // Already done: the order's status is what it became.
    Ok(repo.status(id).await?.unwrap_or(to))
}

/// Resume every reversal left unfinished before `before` (Unix seconds):
/// the reconciler's part. Returns how many were completed.
pub async fn resume_reversals(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    before: i64,
) -> PortResult<usize> {
    let db = repo.db();
    let ids: Vec<OrderId> = sqlx::query_scalar(
        "SELECT order_id FROM order_reversals WHERE step <> 'done' AND updated_at < $1 ORDER BY updated_at LIMIT 200",
    )
    .bind(before)
    .fetch_all(db.pool())
    .await
    .map_err(db.err())?;
    let mut done = 0;
    for id in ids {
        let (Some(order), Some(p)) = (repo.get(&id).await?, load(repo, &id).await?) else { continue };
        match run(repo, catalog, payments, &order, p).await {
            Ok(_) => done += 1,
            Err(ManageError::Port(e)) => return Err(e),
            Err(e) => tracing::warn!(order.id = %id, error = %e, "could not resume a reversal"),
        }
    }
    Ok(done)
}
