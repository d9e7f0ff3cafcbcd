//! The order worker. One message at a time:
//!
//! 1. already final in the database → delete the message (redelivery);
//! 2. not stored yet → reserve stock exactly once (marker + conditional
//!    decrements in one transaction); short → store as rejected, void the
//!    payment; else store as `reserved` with its lines in one transaction;
//! 3. capture the payment → `confirmed`; declined → give the stock back
//!    (exactly once), void, `rejected`;
//! 4. refresh cached stock, then delete the message.
//!
//! A transient failure leaves the message for redelivery after the
//! visibility timeout; on its last allowed receive a failing message is
//! moved to the dead-letter queue with its reason. Every step is idempotent,
//! so a crash anywhere followed by a redelivery ends in one final state.

use super::repo::OrderRepo;
use crate::catalog::{CachedCatalog, Reservation, StockLine};
use crate::payments::{PaymentError, Payments};
use crate::queue::{Outgoing, Queue, QueuePair, Received};
use crate::PortResult;
use domain::order::{OrderMessage, OrderStatus};
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

#[derive(Clone)]
pub struct Worker {
    pub repo: OrderRepo,
    pub catalog: Arc<CachedCatalog>,
    pub payments: Arc<dyn Payments>,
    pub queues: QueuePair,
    pub max_receives: u32,
    /// Test hook: return true to stop at a step as if the process died.
    pub crash: Option<CrashHook>,
    /// Milliseconds from checkout to the worker picking up the last order.
    pub lag_ms: Arc<std::sync::atomic::AtomicI64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Final(OrderStatus),
    /// Transient: try again after the visibility timeout.
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

fn stock_lines(m: &OrderMessage) -> Vec<StockLine> {
    m.lines
        .iter()
        .map(|l| StockLine { product_id: l.product_id.clone(), sku: l.sku.clone(), quantity: i64::from(l.quantity) })
        .collect()
}

impl Worker {
    pub fn lag_seconds(&self) -> f64 {
        self.lag_ms.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1000.0
    }

    fn crashed(&self, step: Step, order_id: &str) -> bool {
        self.crash.as_ref().is_some_and(|f| f(step, order_id))
    }

    /// Receive up to 10 messages from `queue` and handle each.
    pub async fn run_once(&self, queue: &dyn Queue, wait: Duration) -> PortResult<Drained> {
        let batch = queue.receive(10, wait).await?;
        if batch.is_empty() {
            return Ok(Drained::Empty);
        }
        let n = batch.len();
        for m in batch {
            self.settle(queue, m).await?;
        }
        Ok(Drained::Processed(n))
    }

    async fn settle(&self, queue: &dyn Queue, m: Received) -> PortResult<()> {
        let order_id = serde_json::from_str::<serde_json::Value>(&m.body)
            .ok()
            .and_then(|v| v.get("order_id").and_then(|o| o.as_str()).map(String::from));
        let span = tracing::info_span!("order", order.id = order_id.as_deref().unwrap_or("-"), message.id = %m.message_id, receive_count = m.receive_count, request_id = m.attributes.get("request_id").map(String::as_str).unwrap_or("-"));
        let _g = span.enter();
        match self.handle(&m.body).await {
            Handled::Final(status) => {
                tracing::info!(status = status.name(), "order settled");
                if order_id.as_deref().is_some_and(|id| self.crashed(Step::BeforeDelete, id)) {
                    return Ok(());
                }
                queue.delete(&m.receipt).await
            }
            Handled::Crashed => Ok(()),
            Handled::Retry(reason) | Handled::Poison(reason) => {
                tracing::warn!(reason = %reason, "order message failed");
                self.repo.record_failure(&m.message_id, order_id.as_deref(), m.receive_count, &reason).await?;
                if m.receive_count >= self.max_receives {
                    let dead = Outgoing {
                        body: m.body.clone(),
                        attributes: m.attributes.clone(),
                        group_id: None,
                        dedup_id: None,
                    }
                    .attribute("failure_reason", reason.chars().take(500).collect::<String>())
                    .attribute("original_message_id", m.message_id.clone())
                    .attribute("receive_count", m.receive_count.to_string());
                    self.queues.dead_letter.send(dead).await?;
                    queue.delete(&m.receipt).await?;
                    tracing::error!("order message moved to the dead-letter queue");
                }
                Ok(())
            }
        }
    }

    pub async fn handle(&self, body: &str) -> Handled {
        let m: OrderMessage = match serde_json::from_str(body) {
            Ok(m) => m,
            Err(e) => return Handled::Poison(format!("malformed order message: {e}")),
        };
        if m.lines.is_empty() {
            return Handled::Poison("order message has no lines".into());
        }
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        self.lag_ms.store((now_ms - m.created_at * 1000).max(0), std::sync::atomic::Ordering::Relaxed);
        match self.repo.status(&m.order_id).await {
            Ok(Some(s)) if s.is_final() => Handled::Final(s),
            Ok(Some(_)) => self.capture(&m).await,
            Ok(None) => self.reserve_and_store(&m).await,
            Err(e) => Handled::Retry(e.to_string()),
        }
    }

    async fn reserve_and_store(&self, m: &OrderMessage) -> Handled {
        let lines = stock_lines(m);
        match self.catalog.store().reserve_for_order(&m.order_id, &lines).await {
            Err(e) => Handled::Retry(e.to_string()),
            Ok(Reservation::Short { line }) => {
                let title = m.lines.get(line).map(|l| l.title.as_str()).unwrap_or("an item");
                let status = OrderStatus::Rejected {
                    reason: format!("{title} sold out before your order reached the front of the queue"),
                };
                if let Err(e) = self.payments.void(&m.payment_auth).await {
                    return Handled::Retry(e.to_string());
                }
                match self.repo.insert(m, &status).await {
                    Ok(_) => Handled::Final(self.repo.status(&m.order_id).await.ok().flatten().unwrap_or(status)),
                    Err(e) => Handled::Retry(e.to_string()),
                }
            }
            Ok(Reservation::Reserved | Reservation::AlreadyReserved) => {
                if self.crashed(Step::AfterReserve, &m.order_id) {
                    return Handled::Crashed;
                }
                if let Err(e) = self.repo.insert(m, &OrderStatus::Reserved).await {
                    return Handled::Retry(e.to_string());
                }
                if self.crashed(Step::AfterCommit, &m.order_id) {
                    return Handled::Crashed;
                }
                self.capture(m).await
            }
        }
    }

    async fn capture(&self, m: &OrderMessage) -> Handled {
        let outcome = match self.payments.capture(&m.payment_auth).await {
            Ok(()) => OrderStatus::Confirmed,
            Err(PaymentError::Transient(e)) => return Handled::Retry(e),
            Err(PaymentError::Declined(reason)) => {
                match self.catalog.store().release_for_order(&m.order_id, &stock_lines(m)).await {
                    Ok(_) => {}
                    Err(e) => return Handled::Retry(e.to_string()),
                }
                if let Err(PaymentError::Transient(e)) = self.payments.void(&m.payment_auth).await {
                    return Handled::Retry(e);
                }
                OrderStatus::Rejected { reason: format!("payment {reason}") }
            }
        };
        if self.crashed(Step::AfterCapture, &m.order_id) {
            return Handled::Crashed;
        }
        match self.repo.transition(&m.order_id, "reserved", &outcome).await {
            Ok(_) => {}
            Err(e) => return Handled::Retry(e.to_string()),
        }
        for pid in m.lines.iter().map(|l| l.product_id.as_str()).collect::<std::collections::BTreeSet<_>>() {
            if let Err(e) = self.catalog.stock_changed(pid).await {
                tracing::warn!(product.id = pid, error = %e, "could not refresh cached stock");
            }
        }
        match self.repo.status(&m.order_id).await {
            Ok(Some(s)) => Handled::Final(s),
            Ok(None) => Handled::Retry("order vanished".into()),
            Err(e) => Handled::Retry(e.to_string()),
        }
    }

    /// Run until `stop` resolves: drain the order queue and the sale queue.
    pub async fn run(self, queues: Vec<Arc<dyn Queue>>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut backoff = Duration::from_millis(100);
        loop {
            if *stop.borrow() {
                return;
            }
            let mut idle = true;
            for q in &queues {
                match self.run_once(&**q, Duration::from_millis(200)).await {
                    Ok(Drained::Processed(_)) => {
                        idle = false;
                        backoff = Duration::from_millis(100);
                    }
                    Ok(Drained::Empty) => {}
                    Err(e) => {
                        tracing::warn!(queue = q.name(), error = %e, "worker could not reach the queue");
                        backoff = (backoff * 2).min(Duration::from_secs(5));
                    }
                }
            }
            if idle {
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}
