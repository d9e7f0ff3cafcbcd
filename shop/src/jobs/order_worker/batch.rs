//! Why: one order alone costs about seven durable writes, so a worker that
//! settles messages one by one persists a fraction of what the database can
//! take. New orders of one received batch therefore share their writes: one
//! status read, one stock call (each order still its own all-or-nothing
//! transaction, served in arrival order), one insert transaction, captures
//! side by side, one outcome transaction, one listing refresh per product and
//! one delete. Every guarantee is the one-message path's: the same markers,
//! the same crash points, the same order of effects per order. Anything off
//! the happy path (a redelivery, a short line, an insert another delivery
//! won, an outcome already stored) leaves the batch and takes the
//! one-message steps, which start from the stored state.

use super::run::{order_id_of, order_span};
use super::{Handled, Step, Worker};
use crate::catalog::{stock_lines, OrderStock, Reservation};
use domain::order::{OrderMessage, OrderStatus};
use domain::{Money, OrderId};
use futures::{FutureExt, StreamExt};
use ports::payments::PaymentError;
use ports::queue::{Queue, Received};
use ports::PortResult;
use std::collections::HashSet;
use tracing::Instrument;

/// A message's fate after the batched steps: settled here, or to be
/// handled on its own.
type Outcomes = Vec<Option<Handled>>;

impl Worker {
    /// Settle messages that belong to no message group, sharing writes.
    pub(super) async fn settle_together(&self, queue: &dyn Queue, batch: Vec<Received>) -> PortResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let receipts: Vec<String> = batch.iter().map(|m| m.receipt.clone()).collect();
        let work = std::panic::AssertUnwindSafe(self.handle_batch(&batch)).catch_unwind();
        let outcomes = match self.with_heartbeat(queue, &receipts, work).await {
            Ok(outcomes) => outcomes,
            Err(panic) => {
                // Which message caused it is unknown: each goes on its own,
                // where a panic dead-letters just the message behind it.
                let what = self.panicked(panic);
                tracing::error!(panic = %what, "the worker panicked on a batch; handling its messages one by one");
                vec![None; batch.len()]
            }
        };
        let mut alone = Vec::new();
        let mut done = Vec::new();
        for (m, outcome) in batch.into_iter().zip(outcomes) {
            let order_id = order_id_of(&m);
            match outcome {
                None => alone.push(m),
                Some(Handled::Final(status)) => {
                    let _in_order = order_span(&m, order_id.as_ref()).entered();
                    tracing::info!(status = status.name(), "order settled");
                    if !order_id.as_ref().is_some_and(|id| self.crashed(Step::BeforeDelete, id)) {
                        done.push(m.receipt);
                    }
                }
                Some(other) => {
                    let span = order_span(&m, order_id.as_ref());
                    self.conclude(queue, m, order_id, other).instrument(span).await?;
                }
            }
        }
        queue.delete_many(&done).await?;
        let alone: Vec<_> = alone.into_iter().map(|m| self.settle(queue, m).boxed()).collect();
        let settled: Vec<PortResult<()>> =
            futures::stream::iter(alone).buffer_unordered(self.tuning.concurrency.max(1)).collect().await;
        settled.into_iter().collect()
    }

    /// The batched pipeline; `None` for a message the one-message path
    /// must handle.
    async fn handle_batch(&self, batch: &[Received]) -> Outcomes {
        let mut out: Outcomes = vec![None; batch.len()];
        // Malformed messages go alone (and are dead-lettered there); so does
        // a second message for an order already in this batch.
        let mut seen = HashSet::new();
        let parsed: Vec<(usize, OrderMessage)> = batch
            .iter()
            .enumerate()
            .filter_map(|(i, r)| super::parse(&r.body).ok().map(|m| (i, m)))
            .filter(|(_, m)| seen.insert(m.order_id.clone()))
            .collect();
        let ids: Vec<&OrderId> = parsed.iter().map(|(_, m)| &m.order_id).collect();
        let Ok(known) = self.step("read orders", self.repo.statuses(&ids)).await else {
            return out;
        };
        // Orders already stored (redeliveries) continue from their state alone.
        let fresh: Vec<(usize, &OrderMessage)> =
            parsed.iter().filter(|(_, m)| !known.contains_key(&m.order_id)).map(|(i, m)| (*i, m)).collect();
        for (_, m) in &fresh {
            self.note_lag(m);
        }
        let reserved = self.reserve_batch(&fresh, &mut out).await;
        let stored = self.store_batch(&reserved, &mut out).await;
        self.charge_batch(&stored, &mut out).await;
        out
    }

    /// Take stock for each order; short orders are rejected concurrently.
    async fn reserve_batch<'m>(
        &self,
        fresh: &[(usize, &'m OrderMessage)],
        out: &mut Outcomes,
    ) -> Vec<(usize, &'m OrderMessage)> {
        let stock: Vec<OrderStock> = fresh.iter().map(|(_, m)| stock_lines(m)).collect();
        let orders: Vec<(&OrderId, &OrderStock)> =
            fresh.iter().zip(&stock).map(|((_, m), s)| (&m.order_id, s)).collect();
        let results = match self.bounded("reserve stock", self.catalog.store().reserve_for_orders(&orders)).await {
            Ok(results) => results,
            Err(e) => {
                for (i, _) in fresh {
                    out[*i] = Some(Handled::Retry(e.clone()));
                }
                return Vec::new();
            }
        };
        let mut reserved = Vec::new();
        let mut short = Vec::new();
        for (&(i, m), result) in fresh.iter().zip(results) {
            match result {
                Err(e) => out[i] = Some(Handled::Retry(e.to_string())),
                Ok(refused @ (Reservation::Short { .. } | Reservation::CodeUsedUp | Reservation::CodeUsedBefore)) => {
                    short.push((i, m, refused))
                }
                Ok(Reservation::Reserved | Reservation::AlreadyReserved) => {
                    if self.crashed(Step::AfterReserve, &m.order_id) {
                        out[i] = Some(Handled::Crashed);
                    } else {
                        reserved.push((i, m));
                    }
                }
            }
        }
        let short: Vec<_> = short
            .into_iter()
            .map(|(i, m, refused)| async move { (i, self.reject_unreserved(m, refused).await) }.boxed())
            .collect();
        let rejected: Vec<(usize, Handled)> =
            futures::stream::iter(short).buffer_unordered(self.tuning.concurrency.max(1)).collect().await;
        for (i, handled) in rejected {
            out[i] = Some(handled);
        }
        reserved
    }

    /// Store the reserved orders in one transaction; an order another
    /// delivery stored first goes on alone.
    async fn store_batch<'m>(
        &self,
        reserved: &[(usize, &'m OrderMessage)],
        out: &mut Outcomes,
    ) -> Vec<(usize, &'m OrderMessage)> {
        if reserved.is_empty() {
            return Vec::new();
        }
        let messages: Vec<&OrderMessage> = reserved.iter().map(|(_, m)| *m).collect();
        let inserted = match self.step("store orders", self.repo.insert_many(&messages, &OrderStatus::Reserved)).await {
            Ok(inserted) => inserted,
            Err(e) => {
                for (i, _) in reserved {
                    out[*i] = Some(Handled::Retry(e.clone()));
                }
                return Vec::new();
            }
        };
        let mut stored = Vec::new();
        for (&(i, m), new) in reserved.iter().zip(inserted) {
            if !new {
                continue; // stays None: the one-message path reads what is stored
            }
            if self.crashed(Step::AfterCommit, &m.order_id) {
                out[i] = Some(Handled::Crashed);
            } else {
                stored.push((i, m));
            }
        }
        stored
    }

    /// Capture the stored orders in one call (a decline gives its order's
    /// stock back and voids it, side by side), then store every outcome
    /// in one transaction and refresh the listings once per product.
    async fn charge_batch(&self, stored: &[(usize, &OrderMessage)], out: &mut Outcomes) {
        if stored.is_empty() {
            return;
        }
        let captures: Vec<(&str, Money)> = stored.iter().map(|(_, m)| (m.payment_auth.as_str(), m.total)).collect();
        let answers: Vec<Result<Result<(), PaymentError>, String>> =
            match self.bounded("capture", self.payments.capture_many(&captures)).await {
                Ok(answers) => answers.into_iter().map(Ok).collect(),
                Err(e) => stored.iter().map(|_| Err(e.clone())).collect(),
            };
        let charges: Vec<_> = stored
            .iter()
            .zip(answers)
            .map(|(&(i, m), answer)| async move { (i, m, self.after_capture(m, answer).await) }.boxed())
            .collect();
        let charged: Vec<(usize, &OrderMessage, Result<OrderStatus, Handled>)> =
            futures::stream::iter(charges).buffered(self.tuning.concurrency.max(1)).collect().await;
        let mut outcomes: Vec<(usize, &OrderMessage, OrderStatus)> = Vec::new();
        for (i, m, charge) in charged {
            match charge {
                Err(handled) => out[i] = Some(handled),
                Ok(_) if self.crashed(Step::AfterCapture, &m.order_id) => out[i] = Some(Handled::Crashed),
                Ok(status) => outcomes.push((i, m, status)),
            }
        }
        if outcomes.is_empty() {
            return;
        }
        let moves: Vec<(&OrderId, &OrderStatus)> = outcomes.iter().map(|(_, m, s)| (&m.order_id, s)).collect();
        match self.step("store outcomes", self.repo.transition_many("reserved", &moves)).await {
            Err(e) => {
                for (i, _, _) in &outcomes {
                    out[*i] = Some(Handled::Retry(e.clone()));
                }
            }
            Ok(moved) => {
                self.refresh_stock(outcomes.iter().map(|(_, m, _)| *m)).await;
                for ((i, _, status), moved) in outcomes.into_iter().zip(moved) {
                    // Not moved: another delivery stored an outcome first; alone, it reads which.
                    out[i] = moved.then_some(Handled::Final(status));
                }
            }
        }
    }
}
