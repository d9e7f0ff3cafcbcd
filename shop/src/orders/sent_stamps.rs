//! Why: each checkout stamps its outbox record "sent" once the queue has
//! the message, and on the embedded stack each stamp is a commit of its own,
//! fsync'd, on the one SQLite writer every checkout and worker waits for.
//! Under a flash crowd, hundreds of checkouts stamp within the same second.
//! Stamps that are waiting when a commit ends share the next one (group
//! commit): one `UPDATE … WHERE order_id IN (…)` for all of them, and each
//! checkout still answers only once its own stamp is durable, as before.

use domain::OrderId;
use ports::database::Database;
use ports::{PortError, PortResult};
use tokio::sync::{mpsc, oneshot};

/// At most this many stamps share one commit.
const MAX_BATCH: usize = 200;

type Waiter = (OrderId, oneshot::Sender<PortResult<()>>);

/// The handle checkouts stamp through; its flusher task ends when the last
/// handle is dropped.
#[derive(Clone)]
pub struct SentStamps {
    tx: mpsc::UnboundedSender<Waiter>,
}

impl SentStamps {
    /// Start the flusher on the current Tokio runtime.
    pub fn start(db: Database) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(flush(db, rx));
        Self { tx }
    }

    /// Stamp `order_id` sent (and count the attempt); returns once it is
    /// committed, together with whatever other stamps were waiting.
    pub async fn stamp(&self, order_id: &OrderId) -> PortResult<()> {
        let (done, answer) = oneshot::channel();
        let gone = || PortError::unavailable("outbox", "the sent-stamp writer stopped");
        self.tx.send((order_id.clone(), done)).map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

async fn flush(db: Database, mut rx: mpsc::UnboundedReceiver<Waiter>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let result = stamp_all(&db, &batch).await;
        if let Err(e) = &result {
            tracing::warn!(stamps = batch.len(), error = %e, "could not stamp accepted orders sent; the relay sends them again");
        }
        for (_, done) in batch.drain(..) {
            let _ = done.send(result.clone()); // a checkout that gave up is not waiting
        }
    }
}

async fn stamp_all(db: &Database, batch: &[Waiter]) -> PortResult<()> {
    let marks: Vec<String> = (2..batch.len() + 2).map(|i| format!("${i}")).collect();
    let sql = format!(
        "UPDATE checkouts SET sent_at = $1, send_attempts = send_attempts + 1 WHERE order_id IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(super::repo::now());
    for (id, _) in batch {
        q = q.bind(id.as_str());
    }
    q.execute(db.pool()).await.map_err(db.err())?;
    Ok(())
}
