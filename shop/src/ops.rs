//! The operator's view of the plumbing, for the admin pages, `/metrics` and
//! the health check: queue depths, the dead letters and their redrive, the
//! last static-failover publish and the last reconciler run. The UI reads
//! these through here, never through a port.

use crate::jobs::reconcile::{self, ReconcileRun};
use ports::database::Database;
use ports::queue::{Queue, QueuePair};
use ports::PortResult;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The meta key the failover publish writes its summary under.
pub const FAILOVER_LAST_RUN: &str = "failover_last_run";

#[derive(Clone)]
pub struct Operations {
    pub queues: QueuePair,
    pub sale_queue: Arc<dyn Queue>,
    db: Database,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depths {
    pub orders_visible: u64,
    pub orders_in_flight: u64,
    pub sale_visible: u64,
    pub dead_letters: u64,
}

/// A message in the dead-letter queue, as the admin shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    pub message_id: String,
    /// The order it carries, when the body names one.
    pub order_id: Option<String>,
    pub reason: String,
    pub body_preview: String,
    pub receive_count: u32,
}

impl Operations {
    pub fn new(queues: QueuePair, sale_queue: Arc<dyn Queue>, db: Database) -> Self {
        Self { queues, sale_queue, db }
    }

    pub async fn depths(&self) -> PortResult<Depths> {
        let main = self.queues.main.depth().await?;
        let dead = self.queues.dead_letter.depth().await?;
        let sale = self.sale_queue.depth().await?;
        Ok(Depths {
            orders_visible: main.visible,
            orders_in_flight: main.in_flight,
            sale_visible: sale.visible,
            dead_letters: dead.visible + dead.in_flight,
        })
    }

    /// Up to `max` dead letters, left in place.
    pub async fn dead_letters(&self, max: usize) -> PortResult<Vec<DeadLetter>> {
        let letters = self.queues.peek_dead_letters(max).await?;
        Ok(letters
            .into_iter()
            .map(|m| DeadLetter {
                order_id: serde_json::from_str::<serde_json::Value>(&m.body)
                    .ok()
                    .and_then(|v| v.get("order_id").and_then(|o| o.as_str()).map(String::from)),
                reason: m.attributes.get("failure_reason").cloned().unwrap_or_else(|| "(no reason recorded)".into()),
                body_preview: m.body.chars().take(160).collect(),
                message_id: m.message_id,
                receive_count: m.receive_count,
            })
            .collect())
    }

    /// Move every dead letter back to the order queue (at most `limit`).
    pub async fn redrive_all(&self, limit: usize) -> PortResult<usize> {
        self.queues.redrive(limit).await
    }

    /// Move one dead letter back; false when it is no longer there.
    pub async fn redrive_one(&self, message_id: &str) -> PortResult<bool> {
        self.queues.redrive_one(message_id, 1000).await
    }

    /// The last failover publish's summary, field by field.
    pub async fn failover_last_run(&self) -> PortResult<Option<BTreeMap<String, String>>> {
        let Some(json) = self.db.meta(FAILOVER_LAST_RUN).await? else { return Ok(None) };
        let fields = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json).unwrap_or_default();
        Ok(Some(
            fields
                .into_iter()
                .map(|(k, v)| (k, v.as_str().map(String::from).unwrap_or_else(|| v.to_string())))
                .collect(),
        ))
    }

    /// Record a failover publish's summary (a JSON object).
    pub async fn record_failover_run(&self, summary: &str) -> PortResult<()> {
        self.db.set_meta(FAILOVER_LAST_RUN, summary).await
    }

    pub async fn last_reconcile(&self) -> PortResult<Option<ReconcileRun>> {
        reconcile::latest_run(&self.db).await
    }
}
