//! The worker's loops: receive a batch, settle each message (delete,
//! back off, or dead-letter), keep its visibility extended while it runs,
//! and restart the whole loop under a supervisor when it panics or ends.
//! The pipeline steps themselves live in `order_worker.rs`, their batched
//! form in `batch.rs`.

use super::{backoff, Drained, Handled, Step, Worker};
use crate::jobs::runner::{self, Outcome, Pace};
use domain::OrderId;
use futures::{FutureExt, StreamExt};
use ports::queue::{Outgoing, Queue, Received};
use ports::PortResult;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// The order id a message names, if it names one (for logs before parsing).
pub(super) fn order_id_of(m: &Received) -> Option<OrderId> {
    serde_json::from_str::<serde_json::Value>(&m.body)
        .ok()
        .and_then(|v| v.get("order_id").and_then(|o| o.as_str()).and_then(|o| OrderId::parse(o).ok()))
}

/// One order message's span; it continues the checkout's trace when the
/// message carries its `traceparent`.
pub(super) fn order_span(m: &Received, order_id: Option<&OrderId>) -> tracing::Span {
    let span = tracing::info_span!("order", order.id = order_id.map_or("-", OrderId::as_str), message.id = %m.message_id, receive_count = m.receive_count, request_id = m.attributes.get("request_id").map(String::as_str).unwrap_or("-"));
    crate::trace::continue_from(&span, m.attributes.get(crate::trace::TRACEPARENT).map(String::as_str));
    span
}

impl Worker {
    /// Receive up to 10 messages from `queue` and handle them: messages
    /// without a group together (they share their writes), each message
    /// group in order, up to `tuning.concurrency` at once.
    pub async fn run_once(&self, queue: &dyn Queue, wait: Duration) -> PortResult<Drained> {
        let batch = self.receive_batch(queue, wait).await?;
        self.work(queue, batch).await
    }

    /// Receive a batch: wait up to `wait` for the first messages, then take
    /// what is already there, up to 10 per unit of concurrency.
    async fn receive_batch(&self, queue: &dyn Queue, wait: Duration) -> PortResult<Vec<Received>> {
        self.stats.last_poll.store(ports::clock::now(), Ordering::Relaxed);
        let mut batch = queue.receive(10, wait).await?;
        // Fill the batch while messages keep coming, up to 10 per unit of
        // concurrency: new orders share their writes, so bigger is cheaper.
        let most = self.tuning.concurrency.max(1) * 10;
        let mut last = batch.len();
        while last > 0 && batch.len() < most {
            match queue.receive(10.min((most - batch.len()) as u32), Duration::ZERO).await {
                Ok(more) => {
                    last = more.len();
                    batch.extend(more);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not fill the batch; working on what came");
                    break;
                }
            }
        }
        Ok(batch)
    }

    /// Handle a received batch (see `run_once`).
    async fn work(&self, queue: &dyn Queue, batch: Vec<Received>) -> PortResult<Drained> {
        if batch.is_empty() {
            self.flush_refresh().await;
            return Ok(Drained::Empty);
        }
        let n = batch.len();
        let (together, grouped): (Vec<Received>, Vec<Received>) = batch.into_iter().partition(|m| m.group_id.is_none());
        let mut groups: Vec<Vec<Received>> = Vec::new();
        for m in grouped {
            match groups.iter_mut().find(|v| v[0].group_id == m.group_id) {
                Some(group) => group.push(m),
                None => groups.push(vec![m]),
            }
        }
        let groups: Vec<_> = groups
            .into_iter()
            .map(|group| {
                async move {
                    for m in group {
                        self.settle(queue, m).await?;
                    }
                    Ok(())
                }
                .boxed()
            })
            .collect();
        let in_groups = futures::stream::iter(groups)
            .buffer_unordered(self.tuning.concurrency.max(1))
            .collect::<Vec<PortResult<()>>>();
        let (together, in_groups) = futures::join!(self.settle_together(queue, together).boxed(), in_groups);
        together?;
        in_groups.into_iter().collect::<PortResult<Vec<()>>>()?;
        Ok(Drained::Processed(n))
    }

    pub(super) async fn settle(&self, queue: &dyn Queue, m: Received) -> PortResult<()> {
        let order_id = order_id_of(&m);
        let span = order_span(&m, order_id.as_ref());
        // Instrument, never `enter()`: batches run concurrently, and an
        // entered guard held across an await nests one order's span in another's.
        async {
            let handled = self.handle_with_heartbeat(queue, &m).await;
            self.conclude(queue, m, order_id, handled).await
        }
        .instrument(span)
        .await
    }

    /// Act on how a message was handled: delete, back off, or dead-letter.
    pub(super) async fn conclude(
        &self,
        queue: &dyn Queue,
        m: Received,
        order_id: Option<OrderId>,
        handled: Handled,
    ) -> PortResult<()> {
        match handled {
            Handled::Final(status) => {
                tracing::info!(status = status.name(), "order settled");
                if order_id.as_ref().is_some_and(|id| self.crashed(Step::BeforeDelete, id)) {
                    return Ok(());
                }
                queue.delete(&m.receipt).await
            }
            Handled::Crashed => Ok(()),
            Handled::Retry(reason) => {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                let wait = backoff(m.receive_count, self.tuning.backoff_max);
                tracing::warn!(reason = %reason, retry_in_secs = wait.as_secs(), "order not settled yet; will retry");
                self.note_failure(&m, order_id.as_ref(), &reason).await;
                queue.release(&m.receipt, wait).await
            }
            Handled::Poison(reason) => {
                self.note_failure(&m, order_id.as_ref(), &reason).await;
                let dead =
                    Outgoing { body: m.body.clone(), attributes: m.attributes.clone(), group_id: None, dedup_id: None }
                        .attribute("failure_reason", reason.chars().take(500).collect::<String>())
                        .attribute("original_message_id", m.message_id.clone())
                        .attribute("receive_count", m.receive_count.to_string());
                self.queues.dead_letter.send(dead).await?;
                queue.delete(&m.receipt).await?;
                self.stats.dead_lettered.fetch_add(1, Ordering::Relaxed);
                tracing::error!(reason = %reason, "order message moved to the dead-letter queue");
                Ok(())
            }
        }
    }

    /// Why a message failed, for the admin's dead-letter view (best effort:
    /// the database may be the thing that is down).
    async fn note_failure(&self, m: &Received, order_id: Option<&OrderId>, reason: &str) {
        let noted = self.repo.record_failure(&m.message_id, order_id, m.receive_count, reason);
        if let Ok(Err(e)) | Err(e) = self.bounded("record failure", noted).await.map_err(ports::PortError::Invalid) {
            tracing::warn!(error = %e, "could not record the failure");
        }
    }

    /// Handle one message, extending its visibility while it runs; a panic
    /// is caught and treated as poison (the loop itself keeps running).
    async fn handle_with_heartbeat(&self, queue: &dyn Queue, m: &Received) -> Handled {
        let work = std::panic::AssertUnwindSafe(self.handle(&m.body)).catch_unwind();
        let done = self.with_heartbeat(queue, std::slice::from_ref(&m.receipt), work).await;
        done.unwrap_or_else(|panic| {
            Handled::Poison(format!("the worker panicked on this message: {}", self.panicked(panic)))
        })
    }

    /// Count a caught panic and say what it was.
    pub(super) fn panicked(&self, panic: Box<dyn std::any::Any + Send>) -> String {
        self.stats.panics.fetch_add(1, Ordering::Relaxed);
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default()
    }

    /// Run `work`, extending the visibility of `receipts` until it is done.
    pub(super) async fn with_heartbeat<T>(
        &self,
        queue: &dyn Queue,
        receipts: &[String],
        work: impl std::future::Future<Output = T>,
    ) -> T {
        tokio::pin!(work);
        let beat = (self.tuning.visibility / 3).max(Duration::from_millis(300));
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + beat, beat);
        loop {
            tokio::select! {
                done = &mut work => return done,
                _ = ticker.tick() => {
                    for receipt in receipts {
                        if let Err(e) = queue.release(receipt, self.tuning.visibility).await {
                            tracing::warn!(error = %e, "could not extend the message's visibility");
                        }
                    }
                }
            }
        }
    }

    /// Run under a supervisor until `stop` flips: a loop that panics or
    /// ends is restarted after a pause, and counted.
    pub async fn supervise(self, queues: Vec<Arc<dyn Queue>>, stop: tokio::sync::watch::Receiver<bool>) {
        self.stats.supervised.store(true, Ordering::Relaxed);
        self.stats.last_poll.store(ports::clock::now(), Ordering::Relaxed);
        loop {
            let run = tokio::spawn(self.clone().run(queues.clone(), stop.clone()));
            let ended = run.await;
            if *stop.borrow() {
                break;
            }
            self.stats.restarts.fetch_add(1, Ordering::Relaxed);
            match ended {
                Err(e) if e.is_panic() => tracing::error!("order worker panicked; restarting it"),
                _ => tracing::error!("order worker stopped on its own; restarting it"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        self.stats.supervised.store(false, Ordering::Relaxed);
    }

    /// Run until `stop` flips: one receive loop per queue (so a long poll on
    /// one never delays another), each the shared job runner's "busy" pace:
    /// the next batch at once after work, a pause on an empty queue (unless
    /// the receive itself long-polls), backing off while the queue is down.
    pub async fn run(self, queues: Vec<Arc<dyn Queue>>, stop: tokio::sync::watch::Receiver<bool>) {
        let idle = if self.tuning.wait < Duration::from_secs(1) { Duration::from_millis(200) } else { Duration::ZERO };
        let pace = || Pace::Busy { idle, retry: Duration::from_millis(100) };
        let loops = queues.into_iter().map(|q| {
            let (me, stop) = (self.clone(), stop.clone());
            async move {
                let (me, q, stopping) = (&me, &q, &stop);
                runner::run("order worker", pace(), stop.clone(), || async move {
                    // A long poll gives way to stop; a received batch is finished.
                    let mut stopping = stopping.clone();
                    let batch = tokio::select! {
                        b = me.receive_batch(&**q, me.tuning.wait) => b,
                        _ = stopping.changed() => Ok(Vec::new()),
                    };
                    match batch {
                        Ok(b) if b.is_empty() && *stopping.borrow() => Ok(Outcome::Idle),
                        Ok(b) => match me.work(&**q, b).await {
                            Ok(Drained::Empty) => Ok(Outcome::Idle),
                            Ok(Drained::Processed(n)) => Ok(Outcome::Worked(format!("{n} messages from {}", q.name()))),
                            Err(e) => Err(format!("could not settle a batch from the {} queue: {e}", q.name())),
                        },
                        Err(e) => Err(format!("could not reach the {} queue: {e}", q.name())),
                    }
                })
                .await
            }
        });
        let mut stop_ticks = stop.clone();
        let me = self.clone();
        let ticks = async move {
            let mut tick = tokio::time::interval(super::refresh::WINDOW);
            while !*stop_ticks.borrow() {
                tokio::select! {
                    _ = tick.tick() => me.flush_refresh().await,
                    _ = stop_ticks.changed() => break,
                }
            }
            me.flush_refresh().await;
        };
        futures::future::join(futures::future::join_all(loops), ticks).await;
    }
}
