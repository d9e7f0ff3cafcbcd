//! The order pipeline's money and stock promises on the paths around a
//! crash, an outage or a retry (issue 12), on the embedded stack and on
//! PostgreSQL + SQS + DynamoDB (moto). Each test failed before its fix.
//! `money`: what checkout charges and sends; `recovery`: what the worker,
//! the reconciler and the refund saga do after something broke.

mod batch;
mod money;
mod recovery;
mod sale;

use crate::pipeline::Stack;
use async_trait::async_trait;
use domain::order::{OrderMessage, OrderStatus};
use domain::Money;
use ports::payments::{PaymentError, Payments};
use ports::queue::{Depth, Outgoing, Queue, Received};
use ports::{PortError, PortResult};
use shop::jobs::order_worker::{Drained, Handled, Step};
use shop::jobs::reconcile::Reconciler;
use shop::orders::checkout::CheckoutError;
use shop::orders::outbox::Outbox;
use sqlx::Row;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

async fn payment_status(s: &Stack, auth: &str) -> String {
    let db = &s.services.db;
    sqlx::query("SELECT status FROM payments WHERE auth_id = $1")
        .bind(auth)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get::<String, _>(0)
}

async fn auth_of(s: &Stack, order_id: &domain::OrderId) -> String {
    s.pipeline.outbox.get(order_id).await.unwrap().unwrap().payment_auth
}

/// A queue whose sends fail, after (`delivers`) or without reaching the real queue.
struct FlakyQueue {
    inner: Arc<dyn Queue>,
    delivers: bool,
    down: AtomicBool,
}

#[async_trait]
impl Queue for FlakyQueue {
    async fn send(&self, msg: Outgoing) -> PortResult<String> {
        if !self.down.load(Ordering::SeqCst) {
            return self.inner.send(msg).await;
        }
        if self.delivers {
            self.inner.send(msg).await?;
        }
        Err(PortError::unavailable("sqs", "connection reset (test)"))
    }
    async fn receive(&self, max: u32, wait: Duration) -> PortResult<Vec<Received>> {
        self.inner.receive(max, wait).await
    }
    async fn delete(&self, receipt: &str) -> PortResult<()> {
        self.inner.delete(receipt).await
    }
    async fn release(&self, receipt: &str, delay: Duration) -> PortResult<()> {
        self.inner.release(receipt, delay).await
    }
    async fn depth(&self) -> PortResult<Depth> {
        self.inner.depth().await
    }
    fn name(&self) -> &str {
        self.inner.name()
    }
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
}

/// Point checkout at a queue whose sends fail; returns the switch.
fn flaky_checkout(s: &mut Stack, delivers: bool) -> Arc<FlakyQueue> {
    let q = Arc::new(FlakyQueue { inner: s.services.queues.main.clone(), delivers, down: AtomicBool::new(true) });
    s.pipeline.checkout.outbox = Outbox::new(s.services.db.clone(), q.clone(), s.services.sale_queue.clone());
    q
}

fn reconciler(s: &Stack) -> Reconciler {
    Reconciler {
        repo: s.pipeline.repo.clone(),
        outbox: s.pipeline.outbox.clone(),
        worker: s.pipeline.worker.clone(),
        payments: s.pipeline.payments.clone(),
        audit: shop::accounts::audit::AuditLog::new(s.services.db.clone()),
        after: Duration::ZERO,
    }
}
