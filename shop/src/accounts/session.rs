//! Server-side sessions in the cache port (Redis in the cloud, in-process
//! memory locally). The cookie holds only a random 256-bit id; the cache key
//! is its SHA-256, so a cache dump does not reveal live cookies.

use crate::ids::hex;
use domain::account::Role;
use domain::UserId;
use ports::cache::Cache;
use ports::{PortError, PortResult};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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

fn epoch_key(user_id: &UserId) -> String {
    format!("session-epoch:{user_id}")
}

#[derive(Clone)]
pub struct Sessions {
    cache: Arc<dyn Cache>,
    ttl: Duration,
}

fn key(id: &str) -> String {
    format!("session:{}", hex(&Sha256::digest(id.as_bytes())))
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
    pub fn new(cache: Arc<dyn Cache>, ttl: Duration) -> Self {
        Self { cache, ttl }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Start a session under a fresh id (the id is never reused from the
    /// request, so a fixated id cannot be lifted to a signed-in one).
    pub async fn start(&self, user: &SessionUser) -> PortResult<String> {
        let id = new_id();
        let body = serde_json::to_vec(user).map_err(|e| PortError::Invalid(e.to_string()))?;
        self.cache.set(&key(&id), &body, Some(self.ttl)).await?;
        Ok(id)
    }

    /// The session's user, unless the session ended, expired, or started
    /// before the user's sessions were revoked (a password reset).
    pub async fn get(&self, id: &str) -> PortResult<Option<SessionUser>> {
        if !well_formed(id) {
            return Ok(None);
        }
        let Some(user) = self.cache.get(&key(id)).await?.and_then(|b| serde_json::from_slice::<SessionUser>(&b).ok())
        else {
            return Ok(None);
        };
        let revoked_at = self.cache.get(&epoch_key(&user.user_id)).await?;
        let revoked_at = revoked_at.and_then(|b| String::from_utf8(b).ok()?.parse::<i64>().ok());
        if revoked_at.is_some_and(|at| user.started_at < at) {
            self.cache.delete(&[key(id)]).await?;
            return Ok(None);
        }
        Ok(Some(user))
    }

    /// End every session of a user started until now (on every server:
    /// the mark lives in the shared cache as long as a session could).
    pub async fn revoke_all(&self, user_id: &UserId) -> PortResult<()> {
        self.cache.set(&epoch_key(user_id), now_ms().to_string().as_bytes(), Some(self.ttl)).await
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
        let value = self.cache.get(&parked_key(id)).await?;
        self.cache.delete(&[parked_key(id)]).await?;
        Ok(value)
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
            self.cache.delete(&[key(id)]).await?;
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
