//! The transactional outbox: checkout writes the order message and its
//! "accepted" record as one row of `checkouts`, empties the cart in the same
//! transaction, and answers; the relay sends
//! unsent rows to their queue and stamps them. A crash between the write and
//! the send (or an ambiguous send that did reach the queue) only means the
//! message is sent again: the worker is idempotent, FIFO queues drop the
//! repeat by its deduplication id. The order page reads this row, so an
//! accepted order is never "unknown".

use super::cart_store::clear_in;
use super::repo::now;
use super::sent_stamps::SentStamps;
use domain::OrderId;
use ports::database::Database;
use ports::queue::{Outgoing, Queue};
use ports::PortResult;
use std::sync::Arc;

/// One accepted checkout: a `checkouts` row, read by column name (the
/// order id is parsed on the way out).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Accepted {
    pub order_id: OrderId,
    pub cart_id: String,
    pub cart_claim: String,
    pub fingerprint: String,
    /// `orders` or `sale`.
    pub queue: String,
    pub group_id: Option<String>,
    pub body: String,
    pub payment_auth: String,
    pub total_minor: i64,
    pub currency: String,
    pub request_id: String,
    /// The checkout's W3C `traceparent`, when traces are exported.
    pub trace_parent: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
}

/// What an insert found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This row is now the order's accepted record.
    Inserted,
    /// The same order id exists already (a repeated submit): here it is.
    SameOrder(Box<Accepted>),
    /// The cart was already claimed by another order (another tab or device).
    CartTaken { order_id: OrderId },
}

pub const ORDERS: &str = "orders";
pub const SALE: &str = "sale";

const COLUMNS: &str = "order_id, cart_id, cart_claim, fingerprint, queue, group_id, body, payment_auth, total_minor, currency, request_id, trace_parent, sent_at, created_at";

/// A checkout's own send gets this long before the relay sends its record
/// again: shorter, and a slow queue gets most messages twice (harmless, the
/// worker is idempotent, but it doubles the load when the queue is slowest).
pub const RELAY_AFTER_SECS: i64 = 10;

#[derive(Clone)]
pub struct Outbox {
    db: Database,
    orders: Arc<dyn Queue>,
    sale: Arc<dyn Queue>,
    stamps: SentStamps,
}

impl Outbox {
    /// Starts the sent-stamp writer on the current Tokio runtime.
    pub fn new(db: Database, orders: Arc<dyn Queue>, sale: Arc<dyn Queue>) -> Self {
        Self { stamps: SentStamps::start(db.clone()), db, orders, sale }
    }

    pub async fn get(&self, order_id: &OrderId) -> PortResult<Option<Accepted>> {
        self.one("order_id", order_id.as_str()).await
    }

    pub async fn by_claim(&self, claim: &str) -> PortResult<Option<Accepted>> {
        self.one("cart_claim", claim).await
    }

    /// The record whose unique `column` (a name from this file) is `value`.
    async fn one(&self, column: &'static str, value: &str) -> PortResult<Option<Accepted>> {
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM checkouts WHERE {column} = $1"))
            .bind(value)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())
    }

    /// Write the accepted record (which is also the message to send) and
    /// empty its cart, in one transaction: the order id and the cart claim
    /// are both unique, and a record that was not inserted leaves the cart.
    pub async fn insert(&self, a: &Accepted) -> PortResult<Claim> {
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let n = sqlx::query(
            "INSERT INTO checkouts (order_id, cart_id, cart_claim, fingerprint, queue, group_id, body, payment_auth, total_minor, currency, request_id, trace_parent, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
        )
        .bind(a.order_id.as_str())
        .bind(&a.cart_id)
        .bind(&a.cart_claim)
        .bind(&a.fingerprint)
        .bind(&a.queue)
        .bind(a.group_id.clone())
        .bind(&a.body)
        .bind(&a.payment_auth)
        .bind(a.total_minor)
        .bind(&a.currency)
        .bind(&a.request_id)
        .bind(a.trace_parent.clone())
        .bind(a.created_at)
        .execute(&mut *tx)
        .await
        .map_err(&err)?
        .rows_affected();
        if n == 1 {
            clear_in(&mut tx, self.db.kind(), &a.cart_id).await.map_err(&err)?;
            tx.commit().await.map_err(&err)?;
            return Ok(Claim::Inserted);
        }
        drop(tx); // rolled back: it wrote nothing
        if let Some(same) = self.get(&a.order_id).await? {
            return Ok(Claim::SameOrder(Box::new(same)));
        }
        match self.by_claim(&a.cart_claim).await? {
            Some(other) => Ok(Claim::CartTaken { order_id: other.order_id }),
            None => Err(ports::PortError::unavailable(self.db.backend(), "checkout row conflicted, then vanished")),
        }
    }

    /// Send one accepted order to its queue and stamp it sent.
    pub async fn send(&self, a: &Accepted) -> PortResult<()> {
        let mut out = Outgoing::new(a.body.clone())
            .attribute("request_id", a.request_id.clone())
            .attribute("order_id", a.order_id.to_string());
        if let Some(tp) = &a.trace_parent {
            out = out.attribute(crate::trace::TRACEPARENT, tp.clone());
        }
        let queue = if a.queue == SALE {
            out.group_id = a.group_id.clone();
            out.dedup_id = Some(a.order_id.to_string());
            &self.sale
        } else {
            &self.orders
        };
        // One write per attempt, after it: `send_attempts` counts finished
        // attempts (a crash mid-send is not counted), and the stamps of
        // concurrent checkouts share one commit (`SentStamps`).
        if let Err(e) = queue.send(out).await {
            let failed = sqlx::query("UPDATE checkouts SET send_attempts = send_attempts + 1 WHERE order_id = $1");
            let _ = failed.bind(a.order_id.as_str()).execute(self.db.pool()).await;
            return Err(e);
        }
        self.stamps.stamp(&a.order_id).await
    }

    /// Accepted orders not yet sent, created before `before` (Unix seconds), oldest first.
    pub async fn unsent(&self, before: i64, limit: i64) -> PortResult<Vec<Accepted>> {
        sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM checkouts WHERE sent_at IS NULL AND created_at <= $1 ORDER BY created_at LIMIT $2"
        ))
        .bind(before)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())
    }

    /// Send what is unsent and older than `min_age_secs` (the checkout
    /// request sends its own row at once; the relay picks up what it could
    /// not). Returns how many were sent.
    pub async fn relay(&self, min_age_secs: i64) -> PortResult<usize> {
        let mut sent = 0;
        for a in self.unsent(now() - min_age_secs, 200).await? {
            self.send(&a).await?;
            tracing::info!(order.id = %a.order_id, "outbox relay sent an accepted order");
            sent += 1;
        }
        Ok(sent)
    }

    /// Accepted orders created before `before` that have no final order row
    /// (none at all, or still `reserved`), oldest first.
    pub async fn unsettled(&self, before: i64, limit: i64) -> PortResult<Vec<Accepted>> {
        let cols = COLUMNS.split(", ").map(|c| format!("c.{c}")).collect::<Vec<_>>().join(", ");
        sqlx::query_as(&format!(
            "SELECT {cols} FROM checkouts c LEFT JOIN orders o ON o.id = c.order_id
             WHERE c.created_at < $1 AND (o.id IS NULL OR o.status = 'reserved') ORDER BY c.created_at LIMIT $2"
        ))
        .bind(before)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())
    }

    /// Accepted orders of the sale group `group` created since `since`
    /// (Unix seconds), other than `except`, that have no order row yet: the
    /// worker has not reserved their stock.
    pub async fn pending_in_group(&self, group: &str, since: i64, except: &OrderId) -> PortResult<i64> {
        let n: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM checkouts c WHERE c.group_id = $1 AND c.created_at >= $2 AND c.order_id <> $3
             AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.id = c.order_id)",
        )
        .bind(group)
        .bind(since)
        .bind(except.as_str())
        .fetch_one(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(n.0)
    }

    /// The accepted record that owns a payment authorization, if any.
    pub async fn by_auth(&self, auth_id: &str) -> PortResult<Option<Accepted>> {
        self.one("payment_auth", auth_id).await
    }
}

impl Outbox {
    /// The relay loop: every `every`, send what checkout could not. Runs in
    /// every server and worker process (a repeat send is harmless).
    pub async fn run_relay(self, every: std::time::Duration, stop: tokio::sync::watch::Receiver<bool>) {
        use crate::jobs::runner::{run, Outcome, Pace};
        let me = &self;
        run("outbox relay", Pace::Every(every), stop, || async move {
            let sent = me.relay(RELAY_AFTER_SECS).await?;
            Ok::<_, ports::PortError>(match sent {
                0 => Outcome::Idle,
                n => Outcome::Worked(format!("{n} accepted orders sent")),
            })
        })
        .await
    }
}
