//! The order worker. For each message:
//!
//! 1. malformed, empty, or totals that do not add up → dead-letter at once;
//! 2. already final in the database → delete the message (redelivery; a
//!    rejected order's hold is voided again first, idempotently);
//! 3. not stored yet → reserve stock (and a use of its discount code)
//!    exactly once (marker + conditional decrements in one transaction).
//!    Short, or the code used up → store the rejection first and
//!    void the hold only when this delivery's insert won; else store as
//!    `reserved` with its lines in one transaction;
//! 4. capture exactly the order total → `confirmed`; declined (or an amount
//!    the provider refuses) → give the stock back (exactly once), void,
//!    `rejected`;
//! 5. refresh cached stock (coalesced: `refresh.rs`), then delete the message.
//!
//! A message is deleted only when its order is final. A transient failure
//! (database, table, payment provider down, or a step past its timeout)
//! hides the message again with an exponential, capped back-off and never
//! dead-letters it; only malformed messages (and a panic while handling one)
//! go to the dead-letter queue, with the reason. While a message is worked
//! on, its visibility is extended (heartbeat). New orders of a batch share
//! their writes (`batch.rs`); FIFO message groups run in order, side by side.

mod batch;
mod refresh;
mod run;

pub use refresh::PendingRefresh;

use crate::catalog::{stock_lines, CachedCatalog, Reservation};
use crate::orders::repo::OrderRepo;
use domain::order::{OrderMessage, OrderStatus};
use domain::OrderId;
use ports::payments::{PaymentError, Payments};
use ports::queue::QueuePair;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Points where a test can make the worker stop as if killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    AfterReserve,
    AfterCommit,
    AfterCapture,
    /// The final state is stored; the message is not yet deleted.
    BeforeDelete,
}

pub type CrashHook = Arc<dyn Fn(Step, &str) -> bool + Send + Sync>;

/// How the worker paces itself (from `queue.*` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    pub visibility: Duration,
    pub backoff_max: Duration,
    pub concurrency: usize,
    pub step_timeout: Duration,
    /// How long one receive waits for a message (long polling).
    pub wait: Duration,
    /// A supervised worker that has not polled for this long is unhealthy.
    pub stall: Duration,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            visibility: Duration::from_secs(30),
            backoff_max: Duration::from_secs(300),
            concurrency: 8,
            step_timeout: Duration::from_secs(20),
            wait: Duration::from_secs(20),
            stall: Duration::from_secs(60),
        }
    }
}

/// Counters for `/metrics` and the readiness check.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Unix seconds of the last receive call (0: never).
    pub last_poll: AtomicI64,
    /// Milliseconds from checkout to the worker picking up the last order.
    pub lag_ms: AtomicI64,
    pub retries: AtomicU64,
    pub dead_lettered: AtomicU64,
    pub panics: AtomicU64,
    /// Times the supervisor restarted the worker loop.
    pub restarts: AtomicU64,
    /// True while a supervisor runs this worker in this process.
    pub supervised: std::sync::atomic::AtomicBool,
}

impl WorkerStats {
    /// Seconds since the worker last polled, when it runs here and is late.
    pub fn stalled_for(&self, stall: Duration) -> Option<i64> {
        if !self.supervised.load(Ordering::Relaxed) {
            return None;
        }
        let idle = ports::clock::now() - self.last_poll.load(Ordering::Relaxed);
        (idle > stall.as_secs() as i64).then_some(idle)
    }
}

#[derive(Clone)]
pub struct Worker {
    pub repo: OrderRepo,
    pub catalog: Arc<CachedCatalog>,
    pub payments: Arc<dyn Payments>,
    pub queues: QueuePair,
    pub tuning: Tuning,
    /// Test hook: return true to stop at a step as if the process died.
    pub crash: Option<CrashHook>,
    pub stats: Arc<WorkerStats>,
    /// Listings waiting for a refresh (at most one per product per window).
    pub refresh: Arc<PendingRefresh>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Final(OrderStatus),
    /// Transient: try again after a back-off.
    Retry(String),
    /// The message can never succeed (malformed).
    Poison(String),
    /// Stopped by the crash hook: nothing after that step happened.
    Crashed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    Empty,
    Processed(usize),
}

/// Back-off before the `receive_count`th retry: 1 s, 2 s, 4 s … capped.
pub fn backoff(receive_count: u32, max: Duration) -> Duration {
    let secs = 1u64.checked_shl(receive_count.saturating_sub(1).min(30)).unwrap_or(u64::MAX);
    Duration::from_secs(secs).min(max)
}

/// An order message the worker can act on, or why it never can (poison).
fn parse(body: &str) -> Result<OrderMessage, Handled> {
    let m: OrderMessage =
        serde_json::from_str(body).map_err(|e| Handled::Poison(format!("malformed order message: {e}")))?;
    if m.lines.is_empty() {
        return Err(Handled::Poison("order message has no lines".into()));
    }
    if !m.totals_add_up() {
        return Err(Handled::Poison("order message totals do not add up; never confirmed".into()));
    }
    Ok(m)
}

impl Worker {
    pub fn lag_seconds(&self) -> f64 {
        self.stats.lag_ms.load(Ordering::Relaxed) as f64 / 1000.0
    }

    fn crashed(&self, step: Step, order_id: &OrderId) -> bool {
        self.crash.as_ref().is_some_and(|f| f(step, order_id.as_str()))
    }

    /// Run one step of the pipeline, bounded by the step timeout.
    async fn bounded<T>(&self, what: &str, f: impl std::future::Future<Output = T>) -> Result<T, String> {
        tokio::time::timeout(self.tuning.step_timeout, f)
            .await
            .map_err(|_| format!("{what} timed out after {} s", self.tuning.step_timeout.as_secs()))
    }

    /// A bounded step whose own error is transient too: either way, a reason to retry.
    async fn step<T, E: std::fmt::Display>(
        &self,
        what: &str,
        f: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, String> {
        self.bounded(what, f).await?.map_err(|e| e.to_string())
    }

    /// Read the order's stored status after a write, and go on from there.
    async fn after_write(&self, m: &OrderMessage, not_final: &str) -> Handled {
        match self.step("read order", self.repo.status(&m.order_id)).await {
            Ok(Some(s)) if s.is_final() => self.finished(m, s).await,
            Ok(_) => Handled::Retry(not_final.into()),
            Err(e) => Handled::Retry(e),
        }
    }

    /// How long ago the order was placed, as the worker picks it up.
    fn note_lag(&self, m: &OrderMessage) {
        let lag = ports::clock::now_millis() - m.created_at * 1000;
        self.stats.lag_ms.store(lag.max(0), Ordering::Relaxed);
    }

    pub async fn handle(&self, body: &str) -> Handled {
        let m = match parse(body) {
            Ok(m) => m,
            Err(poison) => return poison,
        };
        self.note_lag(&m);
        match self.step("read order", self.repo.status(&m.order_id)).await {
            Ok(Some(s)) if s.is_final() => self.finished(&m, s).await,
            Ok(Some(_)) => self.capture(&m).await,
            Ok(None) => self.reserve_and_store(&m).await,
            Err(e) => Handled::Retry(e),
        }
    }

    /// An order already final: a rejected order's hold is voided (again;
    /// voiding is idempotent) before its message may go.
    async fn finished(&self, m: &OrderMessage, status: OrderStatus) -> Handled {
        if matches!(status, OrderStatus::Rejected { .. }) {
            match self.bounded("void", self.payments.void(&m.payment_auth)).await {
                Ok(Ok(())) | Ok(Err(PaymentError::Declined(_))) => {}
                Ok(Err(PaymentError::Transient(e))) | Err(e) => return Handled::Retry(e),
            }
        }
        Handled::Final(status)
    }

    async fn reserve_and_store(&self, m: &OrderMessage) -> Handled {
        let lines = stock_lines(m);
        match self.step("reserve stock", self.catalog.store().reserve_for_order(&m.order_id, &lines)).await {
            Err(e) => Handled::Retry(e),
            Ok(refused @ (Reservation::Short { .. } | Reservation::CodeUsedUp | Reservation::CodeUsedBefore)) => {
                self.reject_unreserved(m, refused).await
            }
            Ok(Reservation::Reserved | Reservation::AlreadyReserved) => {
                if self.crashed(Step::AfterReserve, &m.order_id) {
                    return Handled::Crashed;
                }
                if let Err(e) = self.step("store order", self.repo.insert(m, &OrderStatus::Reserved)).await {
                    return Handled::Retry(e);
                }
                if self.crashed(Step::AfterCommit, &m.order_id) {
                    return Handled::Crashed;
                }
                match self.step("read order", self.repo.status(&m.order_id)).await {
                    Ok(Some(s)) if s.is_final() => self.finished(m, s).await,
                    Ok(Some(_)) => self.capture(m).await,
                    Ok(None) => Handled::Retry("order row missing after insert".into()),
                    Err(e) => Handled::Retry(e),
                }
            }
        }
    }

    /// Stock was short for a line, or the order's code had no use left for
    /// it: store the rejection first; void the hold only when the order is
    /// then final (this delivery, or another, stored a rejection). If
    /// another delivery holds the order as `reserved`, leave its hold and
    /// its message alone.
    pub async fn reject_unreserved(&self, m: &OrderMessage, refused: Reservation) -> Handled {
        let code = m.code.as_ref().map(|c| c.code.as_str()).unwrap_or("");
        let reason = match refused {
            Reservation::Short { line } => {
                let title = m.lines.get(line).map(|l| l.title.as_str()).unwrap_or("an item");
                format!("{title} sold out before your order reached the front of the queue")
            }
            Reservation::CodeUsedUp => {
                format!("the code {code} was used up before your order reached the front of the queue")
            }
            _ => format!("the code {code} was already used on another of your orders"),
        };
        let status = OrderStatus::Rejected { reason };
        if let Err(e) = self.step("store rejection", self.repo.insert(m, &status)).await {
            return Handled::Retry(e);
        }
        self.after_write(m, "another delivery of this order holds its stock").await
    }

    /// Capture exactly the order total; on a decline give everything back.
    pub async fn capture(&self, m: &OrderMessage) -> Handled {
        let outcome = match self.charge(m).await {
            Ok(outcome) => outcome,
            Err(handled) => return handled,
        };
        if self.crashed(Step::AfterCapture, &m.order_id) {
            return Handled::Crashed;
        }
        if let Err(e) = self.step("store outcome", self.repo.transition(&m.order_id, "reserved", &outcome)).await {
            return Handled::Retry(e);
        }
        self.refresh_stock([m]).await;
        match self.step("read order", self.repo.status(&m.order_id)).await {
            Ok(Some(s)) if s.is_final() => Handled::Final(s),
            Ok(_) => Handled::Retry("order not final after its outcome was stored".into()),
            Err(e) => Handled::Retry(e),
        }
    }

    /// Capture exactly the order total: the outcome to store (`confirmed`,
    /// or `rejected` once a decline gave the stock back and voided the
    /// hold), or what to do with the message instead.
    async fn charge(&self, m: &OrderMessage) -> Result<OrderStatus, Handled> {
        let captured = self.bounded("capture", self.payments.capture(&m.payment_auth, m.total)).await;
        self.after_capture(m, captured).await
    }

    /// What the provider's answer to a capture means for the order.
    async fn after_capture(
        &self,
        m: &OrderMessage,
        captured: Result<Result<(), PaymentError>, String>,
    ) -> Result<OrderStatus, Handled> {
        match captured {
            Ok(Ok(())) => Ok(OrderStatus::Confirmed),
            Ok(Err(PaymentError::Transient(e))) | Err(e) => Err(Handled::Retry(e)),
            Ok(Err(PaymentError::Declined(reason))) => {
                let (store, lines) = (self.catalog.store(), stock_lines(m));
                if let Err(e) = self.step("release stock", store.release_for_order(&m.order_id, &lines)).await {
                    return Err(Handled::Retry(e));
                }
                match self.bounded("void", self.payments.void(&m.payment_auth)).await {
                    Ok(Ok(())) | Ok(Err(PaymentError::Declined(_))) => {}
                    Ok(Err(PaymentError::Transient(e))) | Err(e) => return Err(Handled::Retry(e)),
                }
                Ok(OrderStatus::Rejected { reason: format!("payment {reason}") })
            }
        }
    }

    /// Note the products these orders touch as changed, and refresh their
    /// listings and cached copies when due (best effort: the stock items
    /// themselves are already right).
    async fn refresh_stock<'a>(&self, orders: impl IntoIterator<Item = &'a OrderMessage>) {
        let due = self.refresh.changed(orders.into_iter().flat_map(|m| m.lines.iter().map(|l| l.product_id.as_str())));
        self.refresh_now(due).await;
    }

    /// Refresh what waits, whatever the window (idle queue, tick, stop).
    pub async fn flush_refresh(&self) {
        let due = self.refresh.take_all();
        self.refresh_now(due).await;
    }

    async fn refresh_now(&self, products: Vec<String>) {
        if products.is_empty() {
            return;
        }
        let ids: Vec<&str> = products.iter().map(String::as_str).collect();
        if let Err(e) = self.step("refresh stock", self.catalog.stocks_changed(&ids)).await {
            tracing::warn!(products = ids.len(), error = %e, "could not refresh cached stock");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_from_one_second_and_is_capped() {
        let cap = Duration::from_secs(300);
        let waits: Vec<u64> = (1..=10).map(|n| backoff(n, cap).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]);
        assert_eq!(backoff(0, cap).as_secs(), 1);
        assert_eq!(backoff(u32::MAX, cap), cap);
    }
}
