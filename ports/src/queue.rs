//! Queue port with SQS semantics: at-least-once delivery, a visibility
//! timeout, a receive count, and redrive to a dead-letter queue after
//! `max_receives` receives. FIFO queues keep order within a message group and
//! drop a repeated deduplication id. Adapters: a durable local queue on SQLite
//! (`local`) and SQS (`sqs`).

use crate::PortResult;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outgoing {
    pub body: String,
    pub attributes: BTreeMap<String, String>,
    /// FIFO queues: messages of one group are delivered in order, one at a time.
    pub group_id: Option<String>,
    /// FIFO queues: a second send with the same id within five minutes is dropped.
    pub dedup_id: Option<String>,
}

impl Outgoing {
    pub fn new(body: impl Into<String>) -> Self {
        Self { body: body.into(), ..Default::default() }
    }
    pub fn attribute(mut self, k: &str, v: impl Into<String>) -> Self {
        self.attributes.insert(k.to_string(), v.into());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub message_id: String,
    /// Handle for delete and visibility changes; changes on every receive.
    pub receipt: String,
    pub body: String,
    pub attributes: BTreeMap<String, String>,
    /// 1 on first delivery.
    pub receive_count: u32,
    /// FIFO queues: the message group (the worker keeps a group in order).
    pub group_id: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Depth {
    pub visible: u64,
    pub in_flight: u64,
}

#[async_trait]
pub trait Queue: Send + Sync {
    async fn send(&self, msg: Outgoing) -> PortResult<String>;
    /// Up to `max` messages (1..=10), waiting up to `wait` for the first one.
    /// Each is hidden for the queue's visibility timeout.
    async fn receive(&self, max: u32, wait: Duration) -> PortResult<Vec<Received>>;
    /// Delete a received message. A stale receipt (visibility expired and the
    /// message received again) is ignored, as SQS does.
    async fn delete(&self, receipt: &str) -> PortResult<()>;
    /// Delete several received messages, stale receipts ignored. Not atomic:
    /// after an error some may be gone, which redelivery tolerates.
    async fn delete_many(&self, receipts: &[String]) -> PortResult<()> {
        for r in receipts {
            self.delete(r).await?;
        }
        Ok(())
    }
    /// Make a received message visible again after `delay` (0: now).
    async fn release(&self, receipt: &str, delay: Duration) -> PortResult<()>;
    async fn depth(&self) -> PortResult<Depth>;
    fn name(&self) -> &str;
    fn backend(&self) -> &'static str;
}

/// The order queue and its dead-letter queue.
#[derive(Clone)]
pub struct QueuePair {
    pub main: std::sync::Arc<dyn Queue>,
    pub dead_letter: std::sync::Arc<dyn Queue>,
}

impl QueuePair {
    /// Move up to `limit` messages from the dead-letter queue back to the main
    /// queue, keeping body and attributes. Returns how many moved.
    pub async fn redrive(&self, limit: usize) -> PortResult<usize> {
        let mut moved = 0;
        while moved < limit {
            let batch = self.dead_letter.receive(10.min((limit - moved) as u32), Duration::ZERO).await?;
            if batch.is_empty() {
                break;
            }
            for m in batch {
                let mut out = Outgoing::new(m.body);
                out.attributes = m.attributes;
                self.main.send(out).await?;
                self.dead_letter.delete(&m.receipt).await?;
                moved += 1;
            }
        }
        Ok(moved)
    }

    /// Look at up to `max` dead letters without removing them: receive, then
    /// make each visible again at once (SQS has no peek).
    pub async fn peek_dead_letters(&self, max: usize) -> PortResult<Vec<Received>> {
        let seen = self.take_dead_letters(max).await?;
        for m in &seen {
            self.dead_letter.release(&m.receipt, Duration::ZERO).await?;
        }
        Ok(seen)
    }

    /// Receive up to `max` distinct dead letters. A letter seen twice (its
    /// visibility ran out while the scan went on, as on a slow queue) is
    /// kept once, with its newest receipt; a batch of nothing new ends it.
    async fn take_dead_letters(&self, max: usize) -> PortResult<Vec<Received>> {
        let mut seen: Vec<Received> = Vec::new();
        while seen.len() < max {
            let batch = self.dead_letter.receive(10.min(max - seen.len()) as u32, Duration::ZERO).await?;
            let mut new = 0;
            for m in batch {
                match seen.iter_mut().find(|s| s.message_id == m.message_id) {
                    Some(earlier) => *earlier = m,
                    None => {
                        seen.push(m);
                        new += 1;
                    }
                }
            }
            if new == 0 {
                break;
            }
        }
        Ok(seen)
    }

    /// Move one dead letter (by message id) back to the main queue. Returns
    /// false when it is not (or no longer) in the dead-letter queue.
    pub async fn redrive_one(&self, message_id: &str, scan: usize) -> PortResult<bool> {
        let seen = self.take_dead_letters(scan).await?;
        let mut moved = false;
        for m in seen {
            if !moved && m.message_id == message_id {
                let mut out = Outgoing::new(m.body);
                out.attributes = m.attributes;
                self.main.send(out).await?;
                self.dead_letter.delete(&m.receipt).await?;
                moved = true;
            } else {
                self.dead_letter.release(&m.receipt, Duration::ZERO).await?;
            }
        }
        Ok(moved)
    }
}
