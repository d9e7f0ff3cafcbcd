//! Orders in the relational database (SQLite or PostgreSQL, one SQL text).

use super::rows::{LineRow, OrderRow, StatusRow, LINE_COLUMNS, ORDER_COLUMNS};
use domain::order::{Email, OrderLine, OrderMessage, OrderStatus};
use domain::{Money, OrderId};
use ports::database::Database;
use ports::PortResult;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Clone)]
pub struct OrderRepo {
    db: Database,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOrder {
    pub id: OrderId,
    pub status: OrderStatus,
    pub email: Email,
    pub total: Money,
    pub lines: Vec<OrderLine>,
    pub payment_auth: String,
    pub created_at: i64,
    /// The discount code's use this order holds (given back on cancellation;
    /// none for an automatic promotion).
    pub code: Option<crate::catalog::CodeClaim>,
    /// What the code or automatic promotion took off the lines.
    pub discount: Money,
    /// The promotion's name, code or automatic.
    pub promotion: Option<String>,
    /// The taxes charged (empty for an order without tax).
    pub tax: domain::tax::OrderTax,
}

pub use ports::clock::now;

fn reason_of(s: &OrderStatus) -> Option<&str> {
    match s {
        OrderStatus::Rejected { reason } | OrderStatus::Cancelled { reason } => Some(reason),
        _ => None,
    }
}

/// Insert one order and (when it is new) its lines inside `tx`.
async fn insert_one(tx: &mut sqlx::AnyConnection, m: &OrderMessage, status: &OrderStatus) -> Result<bool, sqlx::Error> {
    let address = serde_json::to_string(&m.address).unwrap_or_default();
    let shipping = serde_json::to_string(&m.shipping).unwrap_or_default();
    let inserted = sqlx::query(
        "INSERT INTO orders (id, status, reason, email, address, shipping, currency, subtotal_minor, shipping_minor, total_minor, payment_auth, request_id, created_at, updated_at, user_id, discount_minor, promo_code, promo_once, promo_auto, shipping_label, tax_minor, tax)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&m.order_id)
    .bind(status.name())
    .bind(reason_of(status))
    .bind(&m.email)
    .bind(address)
    .bind(shipping)
    .bind(m.currency.code())
    .bind(m.subtotal.minor())
    .bind(m.shipping_price.minor())
    .bind(m.total.minor())
    .bind(&m.payment_auth)
    .bind(&m.request_id)
    .bind(m.created_at)
    .bind(now())
    .bind(m.user_id.clone())
    .bind(m.discount().minor())
    .bind(m.code.as_ref().map(|c| c.code.to_string()))
    .bind(i64::from(m.code.as_ref().is_some_and(|c| c.once_per_customer)))
    .bind(i64::from(m.code.as_ref().is_some_and(|c| c.automatic)))
    .bind(&m.shipping_label)
    .bind(m.tax.total_minor())
    .bind(serde_json::to_string(&m.tax).unwrap_or_else(|_| "{}".into()))
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        for (i, l) in m.lines.iter().enumerate() {
            sqlx::query("INSERT INTO order_lines (order_id, line_no, product_id, sku, title, unit_price_minor, quantity) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(&m.order_id)
                .bind(i as i64)
                .bind(&l.product_id)
                .bind(&l.sku)
                .bind(&l.title)
                .bind(l.unit_price.minor())
                .bind(i64::from(l.quantity))
                .execute(&mut *tx)
                .await?;
        }
        crate::mail::outbox::enqueue_order_mail(tx, &m.order_id, status).await?;
    }
    Ok(inserted)
}

impl OrderRepo {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &Database {
        &self.db
    }

    /// Store an order and its lines in one transaction. Returns false when
    /// an order with this id already exists (nothing is changed then).
    pub async fn insert(&self, m: &OrderMessage, status: &OrderStatus) -> PortResult<bool> {
        Ok(self.insert_many(&[m], status).await?.first().copied().unwrap_or(false))
    }

    /// Store several orders, each with its lines, in one transaction; one
    /// flag per order: false when it already existed (and was left alone).
    pub async fn insert_many(&self, orders: &[&OrderMessage], status: &OrderStatus) -> PortResult<Vec<bool>> {
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let mut inserted = Vec::with_capacity(orders.len());
        for m in orders {
            inserted.push(insert_one(&mut tx, m, status).await.map_err(&err)?);
        }
        tx.commit().await.map_err(&err)?;
        Ok(inserted)
    }

    pub async fn status(&self, id: &OrderId) -> PortResult<Option<OrderStatus>> {
        let row: Option<StatusRow> = sqlx::query_as("SELECT id, status, reason FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        row.map(|r| r.status().map(|(_, s)| s)).transpose()
    }

    /// The stored status of each of `ids` that exists (one query).
    pub async fn statuses(&self, ids: &[&OrderId]) -> PortResult<HashMap<OrderId, OrderStatus>> {
        let mut found = HashMap::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id, status, reason FROM orders WHERE id IN ({})", marks.join(", "));
            let mut q = sqlx::query_as::<_, StatusRow>(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.db.pool()).await.map_err(self.db.err())? {
                let (id, status) = r.status()?;
                found.insert(id, status);
            }
        }
        Ok(found)
    }

    /// Move an order from `from` to `to`; false when it was not in `from`.
    pub async fn transition(&self, id: &OrderId, from: &str, to: &OrderStatus) -> PortResult<bool> {
        Ok(self.transition_many(from, &[(id, to)]).await?.first().copied().unwrap_or(false))
    }

    /// Move several orders out of `from`, each to its own status, in one
    /// transaction; one flag per order: false when it was not in `from`.
    pub async fn transition_many(&self, from: &str, moves: &[(&OrderId, &OrderStatus)]) -> PortResult<Vec<bool>> {
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let mut moved = Vec::with_capacity(moves.len());
        for (id, to) in moves {
            let n = sqlx::query(
                "UPDATE orders SET status = $1, reason = $2, updated_at = $3 WHERE id = $4 AND status = $5",
            )
            .bind(to.name())
            .bind(reason_of(to))
            .bind(now())
            .bind(*id)
            .bind(from)
            .execute(&mut *tx)
            .await
            .map_err(&err)?
            .rows_affected();
            if n == 1 {
                // The shopper hears of the decision exactly when it is stored.
                crate::mail::outbox::enqueue_order_mail(&mut tx, id, to).await.map_err(&err)?;
            }
            moved.push(n == 1);
        }
        tx.commit().await.map_err(&err)?;
        Ok(moved)
    }

    pub async fn get(&self, id: &OrderId) -> PortResult<Option<StoredOrder>> {
        let row: Option<OrderRow> = sqlx::query_as(&format!("SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        let Some(row) = row else { return Ok(None) };
        let lines: Vec<LineRow> =
            sqlx::query_as(&format!("SELECT {LINE_COLUMNS} FROM order_lines WHERE order_id = $1 ORDER BY line_no"))
                .bind(id)
                .fetch_all(self.db.pool())
                .await
                .map_err(self.db.err())?;
        row.into_order(lines).map(Some)
    }

    /// The account an order was placed under (`None`: a guest order, or no such order).
    pub async fn owner(&self, id: &OrderId) -> PortResult<Option<String>> {
        let row: Option<(Option<String>,)> = sqlx::query_as("SELECT user_id FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(row.and_then(|(u,)| u))
    }

    /// Count orders per status.
    pub async fn counts(&self) -> PortResult<Vec<(String, i64)>> {
        sqlx::query_as("SELECT status, COUNT(*) FROM orders GROUP BY status ORDER BY status")
            .fetch_all(self.db.pool())
            .await
            .map_err(self.db.err())
    }

    pub async fn record_failure(
        &self,
        message_id: &str,
        order_id: Option<&OrderId>,
        receive_count: u32,
        reason: &str,
    ) -> PortResult<()> {
        sqlx::query(
            "INSERT INTO message_failures (message_id, order_id, receive_count, reason, updated_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (message_id) DO UPDATE SET receive_count = excluded.receive_count, reason = excluded.reason, updated_at = excluded.updated_at",
        )
        .bind(message_id)
        .bind(order_id)
        .bind(i64::from(receive_count))
        .bind(reason)
        .bind(now())
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(())
    }
}
