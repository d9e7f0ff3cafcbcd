//! Return requests: a shopper (signed in as the order's owner, or holding
//! the order's link) asks to send back some units of a confirmed order; the
//! merchant approves or refuses; an approved request is settled by a line
//! refund (`refunds.rs`), which marks it `refunded` in its last
//! transaction. Each step writes its row, its audit entry (for the
//! merchant's steps) and the shopper's mail in one transaction. Rules in
//! `domain::returns`.

use super::refunds::refunds_of;
use super::repo::{now, OrderRepo, StoredOrder};
use crate::accounts::audit::AuditLog;
use crate::mail::{outbox::enqueue_mail, MailKind};
use domain::order::{FieldErrors, OrderStatus};
use domain::returns::{check, ReturnRequest, ReturnStatus, Returnable};
use domain::OrderId;
use ports::{PortError, PortResult};

#[derive(Debug, thiserror::Error)]
pub enum ReturnError {
    #[error("please correct the highlighted fields")]
    Invalid(FieldErrors),
    #[error("no such return request")]
    NotFound,
    #[error("this return request is {0} already")]
    Decided(&'static str),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnRecord {
    pub id: String,
    pub order_id: OrderId,
    pub status: ReturnStatus,
    pub request: ReturnRequest,
    /// The shop's note with its decision.
    pub note: Option<String>,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    order_id: OrderId,
    status: String,
    lines: String,
    reason: String,
    note: Option<String>,
    created_at: i64,
}

impl Row {
    fn record(self) -> PortResult<ReturnRecord> {
        let status = ReturnStatus::parse(&self.status)
            .ok_or_else(|| PortError::unknown_stored("return_requests", &self.id, "status", &self.status))?;
        let lines = serde_json::from_str(&self.lines)
            .map_err(|_| PortError::unknown_stored("return_requests", &self.id, "lines", "unreadable JSON"))?;
        Ok(ReturnRecord {
            id: self.id,
            order_id: self.order_id,
            status,
            request: ReturnRequest { lines, reason: self.reason },
            note: self.note,
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str = "id, order_id, status, lines, reason, note, created_at";

/// An order's requests, oldest first.
pub async fn returns_of(repo: &OrderRepo, id: &OrderId) -> PortResult<Vec<ReturnRecord>> {
    let db = repo.db();
    let rows: Vec<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM return_requests WHERE order_id = $1 ORDER BY created_at, id"))
            .bind(id)
            .fetch_all(db.pool())
            .await
            .map_err(db.err())?;
    rows.into_iter().map(Row::record).collect()
}

/// Per line, the units a new request may still ask for.
pub async fn returnable(repo: &OrderRepo, order: &StoredOrder) -> PortResult<Vec<Returnable>> {
    let refunds = refunds_of(repo, &order.id).await?;
    let open = returns_of(repo, &order.id).await?;
    Ok(order
        .lines
        .iter()
        .map(|l| {
            let sku = l.sku.as_str();
            let refunded: u32 =
                refunds.iter().flat_map(|r| r.plan.lines.iter()).filter(|x| x.sku == sku).map(|x| x.quantity).sum();
            let asked: u32 = open
                .iter()
                .filter(|r| r.status.is_open())
                .flat_map(|r| r.request.lines.iter())
                .filter(|(s, _)| s == sku)
                .map(|(_, n)| n)
                .sum();
            Returnable { sku: sku.to_string(), units: l.quantity.saturating_sub(refunded + asked) }
        })
        .collect())
}

/// A request's lines as the shopper reads them: "2 × Linen Shirt".
pub fn describe(order: &StoredOrder, request: &ReturnRequest) -> Vec<String> {
    request
        .lines
        .iter()
        .map(|(sku, n)| {
            let title = order.lines.iter().find(|o| o.sku.as_str() == sku).map_or(sku.as_str(), |o| &o.title);
            format!("{n} × {title}")
        })
        .collect()
}

/// The shopper asks to return `asked` ((sku, typed units) per line).
pub async fn request(
    repo: &OrderRepo,
    id: &OrderId,
    asked: &[(String, String)],
    reason: &str,
) -> Result<ReturnRecord, ReturnError> {
    let order = repo.get(id).await?.ok_or(ReturnError::NotFound)?;
    if order.status != OrderStatus::Confirmed {
        let why = format!("a {} order cannot be returned", order.status.name());
        return Err(ReturnError::Invalid(FieldErrors::from([("return".to_string(), why)])));
    }
    let db = repo.db();
    let seq: i64 = sqlx::query_scalar("SELECT return_seq FROM orders WHERE id = $1")
        .bind(id)
        .fetch_one(db.pool())
        .await
        .map_err(db.err())?;
    let age_days = (now() - order.created_at) / 86_400;
    let checked = check(&returnable(repo, &order).await?, asked, reason, age_days).map_err(ReturnError::Invalid)?;
    let rid = format!("rt{}", uuid::Uuid::new_v4().simple());
    let lines = serde_json::to_string(&checked.lines).map_err(|e| PortError::Invalid(e.to_string()))?;
    let mut tx = db.pool().begin().await.map_err(db.err())?;
    // The order must still be confirmed when the claim takes its row: a
    // whole-order reversal committing first closes the requests it sees
    // and refuses the ones after it.
    let claimed = sqlx::query(
        "UPDATE orders SET return_seq = return_seq + 1 WHERE id = $1 AND return_seq = $2 AND status = 'confirmed'",
    )
    .bind(id)
    .bind(seq)
    .execute(&mut *tx)
    .await
    .map_err(db.err())?
    .rows_affected();
    if claimed != 1 {
        let why = "this order changed at the same moment (another request, or the shop); please look again";
        return Err(ReturnError::Invalid(FieldErrors::from([("return".to_string(), why.to_string())])));
    }
    let at = now();
    sqlx::query(
        "INSERT INTO return_requests (id, order_id, status, lines, reason, created_at) VALUES ($1, $2, 'requested', $3, $4, $5)",
    )
    .bind(&rid)
    .bind(id)
    .bind(&lines)
    .bind(&checked.reason)
    .bind(at)
    .execute(&mut *tx)
    .await
    .map_err(db.err())?;
    let payload = serde_json::json!({ "lines": describe(&order, &checked), "reason": checked.reason });
    enqueue_mail(&mut tx, MailKind::ReturnRequested, &rid, order.email.as_str(), id.as_str(), &payload)
        .await
        .map_err(db.err())?;
    tx.commit().await.map_err(db.err())?;
    tracing::info!(order.id = %id, return.id = %rid, "return requested");
    Ok(ReturnRecord {
        id: rid,
        order_id: id.clone(),
        status: ReturnStatus::Requested,
        request: checked,
        note: None,
        created_at: at,
    })
}

/// The merchant approves or refuses a waiting request, with a note the
/// shopper reads.
pub async fn decide(
    repo: &OrderRepo,
    rid: &str,
    approve: bool,
    note: &str,
    actor: &str,
) -> Result<ReturnRecord, ReturnError> {
    let db = repo.db();
    let row: Option<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM return_requests WHERE id = $1"))
        .bind(rid)
        .fetch_optional(db.pool())
        .await
        .map_err(db.err())?;
    let mut record = row.ok_or(ReturnError::NotFound)?.record()?;
    let order = repo.get(&record.order_id).await?.ok_or(ReturnError::NotFound)?;
    let note: String = note.trim().chars().filter(|c| !c.is_control()).take(500).collect();
    let (to, kind) = if approve {
        (ReturnStatus::Approved, MailKind::ReturnApproved)
    } else {
        (ReturnStatus::Refused, MailKind::ReturnRefused)
    };
    let mut tx = db.pool().begin().await.map_err(db.err())?;
    let moved = sqlx::query(
        "UPDATE return_requests SET status = $1, note = $2, decided_at = $3 WHERE id = $4 AND status = 'requested'",
    )
    .bind(to.as_str())
    .bind(&note)
    .bind(now())
    .bind(rid)
    .execute(&mut *tx)
    .await
    .map_err(db.err())?
    .rows_affected();
    if moved != 1 {
        return Err(ReturnError::Decided(record.status.as_str()));
    }
    let payload = serde_json::json!({ "lines": describe(&order, &record.request), "reason": note });
    enqueue_mail(&mut tx, kind, rid, order.email.as_str(), order.id.as_str(), &payload).await.map_err(db.err())?;
    let after = serde_json::json!({ "status": to.as_str(), "note": note }).to_string();
    AuditLog::record_in(&mut tx, actor, &format!("return.{}", to.as_str()), rid, None, Some(after))
        .await
        .map_err(db.err())?;
    tx.commit().await.map_err(db.err())?;
    record.status = to;
    record.note = Some(note);
    Ok(record)
}

/// Requests waiting for a merchant's decision, oldest first: (order id,
/// asked at).
pub async fn waiting(repo: &OrderRepo, limit: i64) -> PortResult<Vec<(OrderId, i64)>> {
    let db = repo.db();
    sqlx::query_as(
        "SELECT order_id, created_at FROM return_requests WHERE status = 'requested' ORDER BY created_at, id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .map_err(db.err())
}
