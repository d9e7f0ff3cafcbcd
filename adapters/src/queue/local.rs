//! Durable local queue on SQLite, with the semantics of SQS (see the port).
//! Several queues share one file; a queue with a redrive target moves a
//! message there instead of delivering it for the (max_receives + 1)th time.

use super::{Depth, Outgoing, Queue, Received};
use crate::sqlite_file::open_file;
use async_trait::async_trait;
use ports::{PortError, PortResult};
use sqlx::sqlite::SqlitePool;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const DEDUP_WINDOW_MS: i64 = 5 * 60 * 1000;

pub struct LocalQueue {
    pool: SqlitePool,
    /// Wakes this process's waiting receivers on a send (other processes poll).
    sent: std::sync::Arc<tokio::sync::Notify>,
    name: String,
    fifo: bool,
    visibility: Duration,
    redrive: Option<(String, u32)>,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// Open the local queue file and create its table.
pub async fn open_pool(path: &Path) -> PortResult<SqlitePool> {
    let pool = open_file(path, "local queue").await?;
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS queue_messages (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            queue TEXT NOT NULL,
            body TEXT NOT NULL,
            attributes TEXT NOT NULL,
            group_id TEXT,
            dedup_id TEXT,
            sent_at INTEGER NOT NULL,
            visible_at INTEGER NOT NULL,
            receive_count INTEGER NOT NULL DEFAULT 0,
            receipt TEXT
        )",
    )
    .execute(&pool)
    .await?;
    sqlx::query("CREATE INDEX IF NOT EXISTS queue_visible ON queue_messages (queue, visible_at, seq)")
        .execute(&pool)
        .await?;
    // Deletes and visibility changes find their message by receipt.
    sqlx::query("CREATE INDEX IF NOT EXISTS queue_receipt ON queue_messages (receipt)").execute(&pool).await?;
    Ok(pool)
}

/// A stored message, read by column name.
#[derive(sqlx::FromRow)]
struct MessageRow {
    id: String,
    body: String,
    attributes: String,
    group_id: Option<String>,
    receive_count: i64,
}

#[derive(sqlx::FromRow)]
struct DepthRow {
    visible: i64,
    in_flight: i64,
}

impl LocalQueue {
    /// `redrive`: (dead-letter queue name, max receives).
    pub fn new(pool: SqlitePool, name: &str, visibility: Duration, redrive: Option<(String, u32)>) -> Self {
        Self {
            pool,
            sent: Default::default(),
            name: name.to_string(),
            fifo: name.ends_with(".fifo"),
            visibility,
            redrive,
        }
    }
}

#[async_trait]
impl Queue for LocalQueue {
    async fn send(&self, msg: Outgoing) -> PortResult<String> {
        if msg.body.len() > 256 * 1024 {
            return Err(PortError::Invalid("message body over 256 KiB".into()));
        }
        if self.fifo && msg.group_id.is_none() {
            return Err(PortError::Invalid("a FIFO queue needs a message group id".into()));
        }
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        if let (true, Some(dedup)) = (self.fifo, &msg.dedup_id) {
            let dup: Option<String> =
                sqlx::query_scalar("SELECT id FROM queue_messages WHERE queue = ? AND dedup_id = ? AND sent_at > ?")
                    .bind(&self.name)
                    .bind(dedup)
                    .bind(now - DEDUP_WINDOW_MS)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(id) = dup {
                return Ok(id);
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let attrs = serde_json::to_string(&msg.attributes).map_err(|e| PortError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO queue_messages (id, queue, body, attributes, group_id, dedup_id, sent_at, visible_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(&self.name)
        .bind(&msg.body)
        .bind(attrs)
        .bind(&msg.group_id)
        .bind(&msg.dedup_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.sent.notify_waiters();
        Ok(id)
    }

    async fn receive(&self, max: u32, wait: Duration) -> PortResult<Vec<Received>> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Listen before looking, so a send in between is not missed.
            let sent = self.sent.notified();
            tokio::pin!(sent);
            sent.as_mut().enable();
            let got = self.receive_once(max.clamp(1, 10)).await?;
            let now = tokio::time::Instant::now();
            if !got.is_empty() || now >= deadline {
                return Ok(got);
            }
            let nap = Duration::from_millis(50).min(deadline - now);
            tokio::select! {
                _ = &mut sent => {}
                _ = tokio::time::sleep(nap) => {}
            }
        }
    }

    async fn delete(&self, receipt: &str) -> PortResult<()> {
        sqlx::query("DELETE FROM queue_messages WHERE queue = ? AND receipt = ?")
            .bind(&self.name)
            .bind(receipt)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delete_many(&self, receipts: &[String]) -> PortResult<()> {
        for chunk in receipts.chunks(100) {
            let marks = vec!["?"; chunk.len()].join(", ");
            // `+queue`: look up by receipt (unique), never scan the queue's index.
            let sql = format!("DELETE FROM queue_messages WHERE +queue = ? AND receipt IN ({marks})");
            let mut q = sqlx::query(&sql).bind(&self.name);
            for r in chunk {
                q = q.bind(r);
            }
            q.execute(&self.pool).await?;
        }
        Ok(())
    }

    async fn release(&self, receipt: &str, delay: Duration) -> PortResult<()> {
        sqlx::query("UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND receipt = ?")
            .bind(now_ms() + delay.as_millis() as i64)
            .bind(&self.name)
            .bind(receipt)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn depth(&self) -> PortResult<Depth> {
        let row: DepthRow = sqlx::query_as(
            "SELECT COALESCE(SUM(visible_at <= ?1), 0) AS visible, COALESCE(SUM(visible_at > ?1), 0) AS in_flight FROM queue_messages WHERE queue = ?2",
        )
        .bind(now_ms())
        .bind(&self.name)
        .fetch_one(&self.pool)
        .await?;
        Ok(Depth { visible: row.visible.max(0) as u64, in_flight: row.in_flight.max(0) as u64 })
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn backend(&self) -> &'static str {
        "local"
    }
}

impl LocalQueue {
    async fn receive_once(&self, max: u32) -> PortResult<Vec<Received>> {
        let now = now_ms();
        let mut conn = self.pool.acquire().await?;
        // IMMEDIATE takes the write lock up front, so two receivers never pick the same message.
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
        let result = self.pick(&mut conn, now, max).await;
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        sqlx::query(end).execute(&mut *conn).await?;
        result
    }

    async fn pick(&self, conn: &mut sqlx::SqliteConnection, now: i64, max: u32) -> PortResult<Vec<Received>> {
        let rows: Vec<MessageRow> = sqlx::query_as(
            "SELECT id, body, attributes, group_id, receive_count FROM queue_messages
             WHERE queue = ? AND visible_at <= ? ORDER BY seq LIMIT ?",
        )
        .bind(&self.name)
        .bind(now)
        .bind(if self.fifo { 1000 } else { i64::from(max) * 4 })
        .fetch_all(&mut *conn)
        .await?;
        let blocked_groups: Vec<String> = if self.fifo {
            sqlx::query_scalar("SELECT DISTINCT group_id FROM queue_messages WHERE queue = ? AND visible_at > ? AND group_id IS NOT NULL")
                .bind(&self.name)
                .bind(now)
                .fetch_all(&mut *conn)
                .await?
        } else {
            Vec::new()
        };
        let mut out = Vec::new();
        let mut seen_groups: Vec<String> = Vec::new();
        for row in rows {
            if out.len() as u32 >= max {
                break;
            }
            let MessageRow { id, body, attributes, group_id: group, receive_count } = row;
            if let Some(g) = &group {
                // FIFO: one group's messages wait behind its first undelivered one.
                if blocked_groups.contains(g) || seen_groups.contains(g) {
                    continue;
                }
                seen_groups.push(g.clone());
            }
            let count = u32::try_from(receive_count).unwrap_or(0);
            if let Some((dlq, max_receives)) = &self.redrive {
                if count >= *max_receives {
                    sqlx::query("UPDATE queue_messages SET queue = ?, receive_count = 0, receipt = NULL, visible_at = ?, group_id = NULL WHERE id = ?")
                        .bind(dlq)
                        .bind(now)
                        .bind(&id)
                        .execute(&mut *conn)
                        .await?;
                    continue;
                }
            }
            let receipt = uuid::Uuid::new_v4().to_string();
            sqlx::query(
                "UPDATE queue_messages SET receive_count = receive_count + 1, receipt = ?, visible_at = ? WHERE id = ?",
            )
            .bind(&receipt)
            .bind(now + self.visibility.as_millis() as i64)
            .bind(&id)
            .execute(&mut *conn)
            .await?;
            let attributes: BTreeMap<String, String> = serde_json::from_str(&attributes).unwrap_or_else(|e| {
                // Delivered all the same (the body is what the worker needs); never silently.
                tracing::warn!(message.id = %id, error = %e, "stored message attributes are not valid JSON; delivered without them");
                BTreeMap::new()
            });
            out.push(Received { message_id: id, receipt, body, attributes, receive_count: count + 1, group_id: group });
        }
        Ok(out)
    }
}
