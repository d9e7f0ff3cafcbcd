//! Server-side sessions in the database (issue 15: in the cache, eviction
//! under pressure signed shoppers out and dropped revocations). The cookie
//! holds only a random id; the row's key is its SHA-256, so a database dump
//! does not reveal live cookies. Ending every session of a user deletes its
//! rows: durable, on every server at once.
//!
//! What stays in the cache is short-lived and only costs a retry if evicted:
//! a sign-in parked while the shopper is at an outside issuer, and the
//! per-account count of failed sign-ins.

use crate::ids::hex;
use domain::account::Role;
use domain::UserId;
use ports::cache::Cache;
use ports::database::Database;
use ports::{PortError, PortResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const COOKIE: &str = "sf_session";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    /// Unix milliseconds: sessions started before a password reset end with it.
    pub started_at: i64,
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[derive(Clone)]
pub struct Sessions {
    db: Database,
    cache: Arc<dyn Cache>,
    ttl: Duration,
    starts: Arc<AtomicU64>,
}

/// Every this many sign-ins, one deletes the expired sessions.
const PURGE_EVERY: u64 = 200;

fn key(id: &str) -> String {
    hex(&Sha256::digest(id.as_bytes()))
}

fn failures_key(email: &str) -> String {
    format!("sign-in-failures:{}", hex(&Sha256::digest(email.as_bytes())))
}

/// Failed sign-ins one account may take per window before it is refused
/// for the rest of the window (whatever the IP: a botnet guessing one
/// account's password gets ten tries per window, not ten per address).
pub const FAILED_SIGN_IN_LIMIT: i64 = 10;
pub const FAILED_SIGN_IN_WINDOW: Duration = Duration::from_secs(15 * 60);

fn parked_key(id: &str) -> String {
    format!("sign-in:{}", hex(&Sha256::digest(id.as_bytes())))
}

/// A new random session id (two v4 UUIDs: 244 random bits).
pub fn new_id() -> String {
    format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
}

/// Whether a cookie value looks like one of our ids (cheap reject before the cache).
pub fn well_formed(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Sessions {
    pub fn new(db: Database, cache: Arc<dyn Cache>, ttl: Duration) -> Self {
        Self { db, cache, ttl, starts: Arc::default() }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Start a session under a fresh id (the id is never reused from the
    /// request, so a fixated id cannot be lifted to a signed-in one).
    pub async fn start(&self, user: &SessionUser) -> PortResult<String> {
        let id = new_id();
        let body = serde_json::to_string(user).map_err(|e| PortError::Invalid(e.to_string()))?;
        let now = now_ms();
        sqlx::query("INSERT INTO sessions (key, user_id, body, started_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(key(&id))
            .bind(user.user_id.as_str())
            .bind(&body)
            .bind(user.started_at)
            .bind(now + self.ttl.as_millis() as i64)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        if self.starts.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            self.purge_expired(now).await?;
        }
        Ok(id)
    }

    /// The session's user, unless the session ended, expired, or was
    /// revoked (a password reset ends every session of its user).
    pub async fn get(&self, id: &str) -> PortResult<Option<SessionUser>> {
        if !well_formed(id) {
            return Ok(None);
        }
        let row: Option<(String,)> = sqlx::query_as(
            "SELECT s.body FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.key = $1 AND s.expires_at > $2 AND s.started_at >= u.sessions_valid_after",
        )
        .bind(key(id))
        .bind(now_ms())
        .fetch_optional(self.db.pool())
        .await
        .map_err(self.db.err())?;
        if let Some((body,)) = row {
            return Ok(serde_json::from_str::<SessionUser>(&body).ok());
        }
        self.moved_from_the_cache(id).await
    }

    /// A session started while sessions lived in the cache (before this
    /// version): moved into the database once, so a deploy signs no one out.
    async fn moved_from_the_cache(&self, id: &str) -> PortResult<Option<SessionUser>> {
        let old = format!("session:{}", key(id));
        let Some(user) = self.cache.take(&old).await?.and_then(|b| serde_json::from_slice::<SessionUser>(&b).ok())
        else {
            return Ok(None);
        };
        sqlx::query("INSERT INTO sessions (key, user_id, body, started_at, expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING")
            .bind(key(id))
            .bind(user.user_id.as_str())
            .bind(serde_json::to_string(&user).map_err(|e| PortError::Invalid(e.to_string()))?)
            .bind(user.started_at)
            .bind(user.started_at + self.ttl.as_millis() as i64)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Box::pin(self.get(id)).await
    }

    /// End every session of a user started until now, on every server: the
    /// user is marked (no session started before counts) and the rows go.
    pub async fn revoke_all(&self, user_id: &UserId) -> PortResult<()> {
        let now = now_ms();
        sqlx::query("UPDATE users SET sessions_valid_after = $1 WHERE id = $2")
            .bind(now)
            .bind(user_id.as_str())
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND started_at < $2")
            .bind(user_id.as_str())
            .bind(now)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(())
    }

    /// Delete sessions that expired before `now_ms`; how many.
    pub async fn purge_expired(&self, now_ms: i64) -> PortResult<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(done.rows_affected())
    }

    /// Keep what a sign-in through an outside issuer must find again when
    /// the shopper comes back (`ttl` at most); the id goes in a cookie.
    pub async fn park(&self, value: &[u8], ttl: Duration) -> PortResult<String> {
        let id = new_id();
        self.cache.set(&parked_key(&id), value, Some(ttl)).await?;
        Ok(id)
    }

    /// What was parked under `id`, once: it is gone after this.
    pub async fn unpark(&self, id: &str) -> PortResult<Option<Vec<u8>>> {
        if !well_formed(id) {
            return Ok(None);
        }
        self.cache.take(&parked_key(id)).await
    }

    /// Count one more sign-in attempt for `email` in the current window
    /// (unknown e-mails too, so the count says nothing of who has an
    /// account); the new count. A success clears it.
    pub async fn count_failed_sign_in(&self, email: &str) -> PortResult<i64> {
        self.cache.incr(&failures_key(email), FAILED_SIGN_IN_WINDOW).await
    }

    /// Forget `email`'s failures (it signed in, or its password was reset).
    pub async fn clear_failed_sign_ins(&self, email: &str) -> PortResult<()> {
        self.cache.delete(&[failures_key(email)]).await
    }

    pub async fn end(&self, id: &str) -> PortResult<()> {
        if well_formed(id) {
            sqlx::query("DELETE FROM sessions WHERE key = $1")
                .bind(key(id))
                .execute(self.db.pool())
                .await
                .map_err(self.db.err())?;
        }
        Ok(())
    }
}

/// Who is asking: put in the request's extensions by the session middleware.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewer(pub Option<SessionUser>);

impl Viewer {
    pub fn user(&self) -> Option<&SessionUser> {
        self.0.as_ref()
    }
    pub fn is_merchant(&self) -> bool {
        self.0.as_ref().is_some_and(|u| u.role == Role::Merchant)
    }
}
