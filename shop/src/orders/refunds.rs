//! A merchant's refund of some lines of a confirmed order (and optionally
//! its shipping), with chosen units going back into stock: a saga with
//! persisted state, like the whole-order reversal (`reversal.rs`).
//!
//! 1. The plan is checked (`domain::refund::plan`) against what was paid
//!    and refunded before, and written as an intent (`order_refunds`, step
//!    `refund`) in the transaction that bumps `orders.refund_seq` from the
//!    value the plan was made with: two refunds of one order never both
//!    count on the same "refunded so far".
//! 2. The money goes back (idempotent at the provider under the refund's
//!    id; the provider refuses a total above what was captured) → `restock`.
//! 3. The chosen units go back into stock once (a marker in the catalog
//!    table) → `record`.
//! 4. The audit entry, the shopper's mail, the return request it settles
//!    (if any) marked `refunded`, and (when everything is refunded) the
//!    order's move to `refunded` commit with step `done`.
//!
//! A crash between steps leaves a row the reconciler resumes. A refund the
//! provider declines ends at once and moved nothing. An order with line
//! refunds cannot be reversed whole (its stock would come back twice):
//! the rest is refunded by lines.

use super::admin::ManageError;
use super::repo::{now, OrderRepo, StoredOrder};
use crate::accounts::audit::AuditLog;
use crate::catalog::{CachedCatalog, StockLine};
use crate::mail::{outbox::enqueue_mail, MailKind};
use domain::order::{FieldErrors, OrderStatus};
use domain::refund::{discount_shares, plan, PaidLine, RefundAsk, RefundPlan, Refunded};
use domain::{Money, OrderId};
use ports::payments::{PaymentError, Payments};
use ports::{PortError, PortResult};
use std::sync::Arc;

mod same_form;
use same_form::{keyed_id, same_form};

#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    #[error("please correct the highlighted fields")]
    Invalid(FieldErrors),
    #[error("another refund of this order was made meanwhile; look at the order again")]
    Conflict,
    #[error(transparent)]
    Manage(#[from] ManageError),
}

impl From<PortError> for RefundError {
    fn from(e: PortError) -> Self {
        Self::Manage(ManageError::Port(e))
    }
}

/// A refund as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRecord {
    pub id: String,
    pub plan: RefundPlan,
    pub step: String,
    pub actor: String,
    pub created_at: i64,
}

const STEPS: [&str; 4] = ["refund", "restock", "record", "done"];

/// The order's lines as paid: their discount shares taken off and, when
/// tax was added at checkout, their tax added (included tax is in the
/// price already).
pub fn paid_lines(order: &StoredOrder) -> Vec<PaidLine> {
    let amounts: Vec<Money> = order
        .lines
        .iter()
        .map(|l| l.unit_price.times(l.quantity).unwrap_or_else(|_| Money::zero(l.unit_price.currency())))
        .collect();
    let shares = discount_shares(&amounts, order.discount);
    order
        .lines
        .iter()
        .zip(amounts.iter().zip(shares))
        .enumerate()
        .map(|(i, (l, (a, share)))| {
            let tax = if order.tax.included { 0 } else { order.tax.line(i) };
            PaidLine {
                sku: l.sku.to_string(),
                quantity: l.quantity,
                paid: Money::new(a.minor() - share + tax, a.currency()).unwrap_or(*a),
            }
        })
        .collect()
}

/// A refund's lines as the shopper reads them: "2 × Linen Shirt".
pub fn describe(order: &StoredOrder, plan: &RefundPlan) -> Vec<String> {
    plan.lines
        .iter()
        .map(|l| {
            let title = order.lines.iter().find(|o| o.sku.as_str() == l.sku).map_or(l.sku.as_str(), |o| &o.title);
            format!("{} × {title}", l.quantity)
        })
        .collect()
}

/// Every refund of an order, oldest first.
pub async fn refunds_of(repo: &OrderRepo, id: &OrderId) -> PortResult<Vec<RefundRecord>> {
    let db = repo.db();
    let rows: Vec<RefundRow> = sqlx::query_as(
        "SELECT id, plan, step, actor, created_at FROM order_refunds WHERE order_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(db.pool())
    .await
    .map_err(db.err())?;
    rows.into_iter().map(record_of).collect()
}

/// A row of `order_refunds`: id, plan, step, actor, created_at.
type RefundRow = (String, String, String, String, i64);

/// A stored refund, read back: its plan and step must be ones the shop wrote.
fn record_of((rid, plan, step, actor, created_at): RefundRow) -> PortResult<RefundRecord> {
    let plan: RefundPlan = serde_json::from_str(&plan)
        .map_err(|_| PortError::unknown_stored("order_refunds", &rid, "plan", "unreadable JSON"))?;
    if !STEPS.contains(&step.as_str()) {
        return Err(PortError::unknown_stored("order_refunds", &rid, "step", &step));
    }
    Ok(RefundRecord { id: rid, plan, step, actor, created_at })
}

/// What was refunded so far (every refund started counts: a started one
/// finishes, or is removed when the provider declined it).
fn refunded(records: &[RefundRecord]) -> Refunded {
    let mut r = Refunded::default();
    for rec in records {
        r.add(&rec.plan);
    }
    r
}

/// Refund `ask` of order `id` on behalf of `actor`.
pub async fn refund_lines(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    id: &OrderId,
    ask: &RefundAsk,
    actor: &str,
) -> Result<RefundRecord, RefundError> {
    let order = repo.get(id).await?.ok_or(ManageError::NotFound)?;
    let keyed = ask.key.as_deref().map(keyed_id).transpose()?;
    let db = repo.db();
    let (seq, shipping_minor): (i64, i64) =
        sqlx::query_as("SELECT refund_seq, shipping_minor FROM orders WHERE id = $1")
            .bind(id)
            .fetch_one(db.pool())
            .await
            .map_err(db.err())?;
    // A form sent again is the refund it made (finished here if it stopped
    // between steps), whatever the order's state now. Read after `seq`: a
    // twin committing after this read makes the claim below fail.
    if let Some(done) = same_form(repo, catalog, payments, &order, keyed.as_deref()).await? {
        return Ok(done);
    }
    if order.status != OrderStatus::Confirmed {
        return Err(ManageError::WrongState { action: "refunded by lines", status: order.status.name() }.into());
    }
    if let Some(rid) = &ask.return_id {
        let approved = super::returns::returns_of(repo, id)
            .await?
            .iter()
            .any(|r| &r.id == rid && r.status == domain::returns::ReturnStatus::Approved);
        if !approved {
            let why = "that return request is not an approved one of this order".to_string();
            return Err(RefundError::Invalid(FieldErrors::from([("refund".to_string(), why)])));
        }
    }
    let records = refunds_of(repo, id).await?;
    // Shipping as paid: its tax too when tax was added at checkout.
    let shipping_tax = if order.tax.included { 0 } else { order.tax.shipping };
    let shipping = Money::new(shipping_minor + shipping_tax, order.total.currency())
        .map_err(|e| PortError::Invalid(e.to_string()))?;
    let plan = plan(&paid_lines(&order), shipping, &refunded(&records), ask).map_err(RefundError::Invalid)?;
    let refund_id = keyed.clone().unwrap_or_else(|| format!("rf{}", uuid::Uuid::new_v4().simple()));
    let body = serde_json::to_string(&plan).map_err(|e| PortError::Invalid(e.to_string()))?;
    let mut tx = db.pool().begin().await.map_err(db.err())?;
    let claimed = sqlx::query(
        "UPDATE orders SET refund_seq = refund_seq + 1 WHERE id = $1 AND refund_seq = $2 AND status = 'confirmed' \
         AND NOT EXISTS (SELECT 1 FROM order_reversals WHERE order_id = $1)",
    )
    .bind(id)
    .bind(seq)
    .execute(&mut *tx)
    .await
    .map_err(db.err())?
    .rows_affected();
    if claimed != 1 {
        drop(tx);
        // Its twin (the same form, sent twice at once) won the claim: that refund is this one.
        if let Some(done) = same_form(repo, catalog, payments, &order, keyed.as_deref()).await? {
            return Ok(done);
        }
        return Err(RefundError::Conflict);
    }
    sqlx::query(
        "INSERT INTO order_refunds (id, order_id, step, plan, amount_minor, currency, actor, created_at, updated_at)
         VALUES ($1, $2, 'refund', $3, $4, $5, $6, $7, $7)",
    )
    .bind(&refund_id)
    .bind(id)
    .bind(&body)
    .bind(plan.amount.minor())
    .bind(plan.amount.currency().code())
    .bind(actor)
    .bind(now())
    .execute(&mut *tx)
    .await
    .map_err(db.err())?;
    tx.commit().await.map_err(db.err())?;
    let record = RefundRecord { id: refund_id, plan, step: "refund".into(), actor: actor.into(), created_at: now() };
    run(repo, catalog, payments, &order, record).await
}

async fn set_step(repo: &OrderRepo, refund_id: &str, step: &str) -> PortResult<()> {
    let db = repo.db();
    sqlx::query("UPDATE order_refunds SET step = $1, updated_at = $2 WHERE id = $3")
        .bind(step)
        .bind(now())
        .bind(refund_id)
        .execute(db.pool())
        .await
        .map_err(db.err())?;
    Ok(())
}

async fn run(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    order: &StoredOrder,
    mut r: RefundRecord,
) -> Result<RefundRecord, RefundError> {
    let id = &order.id;
    let db = repo.db();
    if r.step == "refund" {
        if r.plan.amount.minor() > 0 {
            match payments.refund_part(&order.payment_auth, &r.id, r.plan.amount).await {
                Ok(()) => {}
                Err(PaymentError::Declined(why)) => {
                    // Nothing moved: the refund is forgotten.
                    sqlx::query("DELETE FROM order_refunds WHERE id = $1 AND step = 'refund'")
                        .bind(&r.id)
                        .execute(db.pool())
                        .await
                        .map_err(db.err())?;
                    return Err(ManageError::Payment(why).into());
                }
                Err(PaymentError::Transient(e)) => return Err(PortError::unavailable("payments", e).into()),
            }
        }
        set_step(repo, &r.id, "restock").await?;
        r.step = "restock".into();
    }
    let restocked: Vec<StockLine> = r
        .plan
        .lines
        .iter()
        .filter(|l| l.restock > 0)
        .filter_map(|l| {
            let line = order.lines.iter().find(|o| o.sku.as_str() == l.sku)?;
            Some(StockLine {
                product_id: line.product_id.clone(),
                sku: line.sku.clone(),
                quantity: i64::from(l.restock),
            })
        })
        .collect();
    if r.step == "restock" {
        catalog.store().restock_once(&r.id, &restocked).await?;
        set_step(repo, &r.id, "record").await?;
        r.step = "record".into();
    }
    if r.step == "record" {
        let all = refunds_of(repo, id).await?;
        let total_refunded: i64 = all.iter().map(|x| x.plan.amount.minor()).sum();
        let mut tx = db.pool().begin().await.map_err(db.err())?;
        let after = serde_json::to_string(&r.plan).unwrap_or_default();
        AuditLog::record_in(&mut tx, &r.actor, "order.refund_lines", id.as_str(), None, Some(after))
            .await
            .map_err(db.err())?;
        let lines = describe(order, &r.plan);
        let payload = serde_json::json!({
            "amount": r.plan.amount.to_string(),
            "lines": lines,
            "shipping": r.plan.shipping.minor() > 0,
            "reason": r.plan.reason,
        });
        enqueue_mail(&mut tx, MailKind::RefundIssued, &r.id, order.email.as_str(), id.as_str(), &payload)
            .await
            .map_err(db.err())?;
        if let Some(rid) = &r.plan.return_id {
            sqlx::query(
                "UPDATE return_requests SET status = 'refunded', refund_id = $1 WHERE id = $2 AND order_id = $3 AND status = 'approved'",
            )
            .bind(&r.id)
            .bind(rid)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db.err())?;
        }
        if total_refunded >= order.total.minor() {
            // Everything is back: the order says so (the line refunds' mails told the shopper).
            sqlx::query(
                "UPDATE orders SET status = 'refunded', updated_at = $1 WHERE id = $2 AND status = 'confirmed'",
            )
            .bind(now())
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db.err())?;
        }
        sqlx::query("UPDATE order_refunds SET step = 'done', updated_at = $1 WHERE id = $2")
            .bind(now())
            .bind(&r.id)
            .execute(&mut *tx)
            .await
            .map_err(db.err())?;
        tx.commit().await.map_err(db.err())?;
        r.step = "done".into();
        for l in &restocked {
            let _ = catalog.stock_changed(l.product_id.as_str()).await;
        }
        tracing::info!(order.id = %id, refund.id = %r.id, amount = %r.plan.amount, "lines refunded");
    }
    Ok(r)
}

/// Resume every line refund left unfinished before `before` (Unix
/// seconds): the reconciler's part. Returns how many were completed.
pub async fn resume_refunds(
    repo: &OrderRepo,
    catalog: &CachedCatalog,
    payments: &Arc<dyn Payments>,
    before: i64,
) -> PortResult<usize> {
    let db = repo.db();
    let ids: Vec<(String, OrderId)> = sqlx::query_as(
        "SELECT id, order_id FROM order_refunds WHERE step <> 'done' AND updated_at < $1 ORDER BY updated_at LIMIT 200",
    )
    .bind(before)
    .fetch_all(db.pool())
    .await
    .map_err(db.err())?;
    let mut done = 0;
    for (rid, order_id) in ids {
        let Some(order) = repo.get(&order_id).await? else { continue };
        let Some(record) = refunds_of(repo, &order_id).await?.into_iter().find(|r| r.id == rid) else { continue };
        match run(repo, catalog, payments, &order, record).await {
            Ok(_) => done += 1,
            Err(RefundError::Manage(ManageError::Port(e))) => return Err(e),
            Err(e) => tracing::warn!(order.id = %order_id, refund.id = %rid, error = %e, "could not resume a refund"),
        }
    }
    Ok(done)
}
