//! What merchants (and a signed-in shopper's history) read from the orders,
//! and the merchant's cancel/refund with their compensations.

use super::repo::OrderRepo;
use domain::order::StatusKind;
use ports::{PortError, PortResult};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    pub status: Option<StatusKind>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
    pub user_id: Option<String>,
    /// With `user_id`: also the guest orders placed under this (lowercase)
    /// e-mail — set only once the account has confirmed it owns the address.
    pub guest_email: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub status: StatusKind,
    pub email: String,
    pub total_minor: i64,
    pub currency: String,
    pub created_at: i64,
    pub items: i64,
}

/// An `OrderSummary` as stored: its status still a name.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: String,
    status: String,
    email: String,
    total_minor: i64,
    currency: String,
    created_at: i64,
    items: i64,
}

impl TryFrom<SummaryRow> for OrderSummary {
    type Error = PortError;

    fn try_from(r: SummaryRow) -> PortResult<Self> {
        let status = StatusKind::parse(&r.status)
            .ok_or_else(|| PortError::unknown_stored("orders", &r.id, "status", &r.status))?;
        Ok(OrderSummary {
            id: r.id,
            status,
            email: r.email,
            total_minor: r.total_minor,
            currency: r.currency,
            created_at: r.created_at,
            items: r.items,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct DaySales {
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    pub orders: i64,
    pub revenue_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct TopProduct {
    pub product_id: String,
    pub title: String,
    pub units: i64,
    pub revenue_minor: i64,
}

impl OrderRepo {
    /// Orders matching the filter, newest first, and how many match in all.
    pub async fn list(&self, f: &OrderFilter) -> PortResult<(Vec<OrderSummary>, i64)> {
        let db = self.db();
        // One SQL text: a NULL parameter disables its condition.
        let cond = "($1 IS NULL OR o.status = $1) AND ($2 IS NULL OR o.created_at >= $2) AND ($3 IS NULL OR o.created_at < $3) AND ($4 IS NULL OR o.user_id = $4 OR (o.user_id IS NULL AND LOWER(o.email) = $5))";
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM orders o WHERE {cond}"))
            .bind(f.status.map(StatusKind::as_str))
            .bind(f.from)
            .bind(f.to)
            .bind(f.user_id.clone())
            .bind(f.guest_email.clone())
            .fetch_one(db.pool())
            .await
            .map_err(db.err())?;
        let rows = sqlx::query_as::<_, SummaryRow>(&format!(
            "SELECT o.id, o.status, o.email, o.total_minor, o.currency, o.created_at,
                    (SELECT CAST(COALESCE(SUM(l.quantity), 0) AS BIGINT) FROM order_lines l WHERE l.order_id = o.id) AS items
             FROM orders o WHERE {cond} ORDER BY o.created_at DESC, o.id LIMIT $6 OFFSET $7"
        ))
        .bind(f.status.map(StatusKind::as_str))
        .bind(f.from)
        .bind(f.to)
        .bind(f.user_id.clone())
        .bind(f.guest_email.clone())
        .bind(f.limit.clamp(1, 200))
        .bind(f.offset.max(0))
        .fetch_all(db.pool())
        .await
        .map_err(db.err())?;
        let list = rows.into_iter().map(OrderSummary::try_from).collect::<PortResult<Vec<_>>>()?;
        Ok((list, total))
    }

    /// Confirmed (and later refunded/cancelled: they were sales) revenue per UTC day since `since`.
    pub async fn sales_per_day(&self, since: i64) -> PortResult<Vec<DaySales>> {
        let db = self.db();
        sqlx::query_as::<_, DaySales>(
            "SELECT created_at / 86400 AS day, COUNT(*) AS orders, CAST(COALESCE(SUM(total_minor), 0) AS BIGINT) AS revenue_minor FROM orders
             WHERE status = 'confirmed' AND created_at >= $1 GROUP BY created_at / 86400 ORDER BY day",
        )
        .bind(since)
        .fetch_all(db.pool())
        .await
        .map_err(db.err())
    }

    pub async fn top_products(&self, since: i64, limit: i64) -> PortResult<Vec<TopProduct>> {
        let db = self.db();
        sqlx::query_as::<_, TopProduct>(
            "SELECT l.product_id, MAX(l.title) AS title, CAST(SUM(l.quantity) AS BIGINT) AS units, CAST(SUM(l.quantity * l.unit_price_minor) AS BIGINT) AS revenue_minor FROM order_lines l
             JOIN orders o ON o.id = l.order_id WHERE o.status = 'confirmed' AND o.created_at >= $1
             GROUP BY l.product_id ORDER BY SUM(l.quantity) DESC, l.product_id LIMIT $2",
        )
        .bind(since)
        .bind(limit)
        .fetch_all(db.pool())
        .await
        .map_err(db.err())
    }

    pub async fn user_of(&self, id: &str) -> PortResult<Option<String>> {
        let user: Option<Option<String>> = sqlx::query_scalar("SELECT user_id FROM orders WHERE id = $1")
            .bind(id)
            .fetch_optional(self.db().pool())
            .await
            .map_err(self.db().err())?;
        Ok(user.flatten())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ManageError {
    #[error("no such order")]
    NotFound,
    #[error("only a confirmed order can be {action}; this one is {status}")]
    WrongState { action: &'static str, status: &'static str },
    #[error("this order has line refunds: refund the remaining lines instead")]
    HasLineRefunds,
    #[error("the payment provider refused: {0}")]
    Payment(String),
    #[error(transparent)]
    Port(#[from] PortError),
}

pub use super::reversal::{resume_reversals, reverse, Reversal};
