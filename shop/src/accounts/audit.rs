//! Audit log of merchant actions: who, what, when, before and after.

use ports::clock::now;
use ports::database::Database;
use ports::PortResult;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    #[sqlx(rename = "before_json")]
    pub before: Option<String>,
    #[sqlx(rename = "after_json")]
    pub after: Option<String>,
}

/// Ids sort in the order entries were written: nanoseconds, then randomness.
fn entry_id() -> String {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default();
    format!("{nanos:024}-{}", &uuid::Uuid::new_v4().simple().to_string()[..8])
}

#[derive(Clone)]
pub struct AuditLog {
    db: Database,
}

impl AuditLog {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    pub async fn record(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> PortResult<()> {
        let mut conn = self.db.pool().acquire().await.map_err(self.db.err())?;
        Self::record_in(&mut conn, actor, action, target, before, after).await.map_err(self.db.err())
    }

    /// Write an entry inside the caller's transaction, so the entry and the
    /// change it describes commit together.
    pub async fn record_in(
        conn: &mut sqlx::AnyConnection,
        actor: &str,
        action: &str,
        target: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> Result<(), sqlx::Error> {
        sqlx::query("INSERT INTO audit_log (id, at, actor, action, target, before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(entry_id())
            .bind(now())
            .bind(actor)
            .bind(action)
            .bind(target)
            .bind(before)
            .bind(after)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Newest first.
    pub async fn list(&self, limit: i64, offset: i64) -> PortResult<Vec<AuditEntry>> {
        sqlx::query_as::<_, AuditEntry>(
            "SELECT at, actor, action, target, before_json, after_json FROM audit_log ORDER BY id DESC LIMIT $1 OFFSET $2",
        )
        .bind(limit)
        .bind(offset)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())
    }
}
