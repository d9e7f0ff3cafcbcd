//! Carts in the database, not the cache: the cache may evict anything under
//! pressure (a crawler walking query strings fills it with pages), and a
//! shopper's cart must not go with it. A cart lives `CART_TTL` after its
//! last change; expired rows are read as empty and purged now and then.

use super::cart::{Cart, CART_TTL};
use ports::cache::Cache;
use ports::database::{Backend, Database};
use ports::{PortError, PortResult};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Every this many saves, one deletes the expired carts.
const PURGE_EVERY: u64 = 500;

#[derive(Clone)]
pub struct CartStore {
    db: Database,
    /// Only where carts were before (read once, then moved).
    cache: Arc<dyn Cache>,
    saves: Arc<AtomicU64>,
}

fn expiry(now_ms: i64) -> i64 {
    now_ms + CART_TTL.as_millis() as i64
}

impl CartStore {
    pub fn new(db: Database, cache: Arc<dyn Cache>) -> Self {
        Self { db, cache, saves: Arc::default() }
    }

    /// The cart under `id` (empty when there is none or it expired).
    pub async fn load(&self, id: &str) -> PortResult<Cart> {
        let row: Option<(String,)> = sqlx::query_as("SELECT body FROM carts WHERE id = $1 AND expires_at > $2")
            .bind(id)
            .bind(ports::clock::now_millis())
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        match row {
            Some((body,)) => Ok(serde_json::from_str(&body).unwrap_or_default()),
            None => self.moved_from_the_cache(id).await,
        }
    }

    /// A cart kept in the cache before this version: moved into the
    /// database once, so a deploy empties no cart.
    async fn moved_from_the_cache(&self, id: &str) -> PortResult<Cart> {
        let Some(cart) = self.cache.take(&format!("cart:{id}")).await?.and_then(|b| serde_json::from_slice(&b).ok())
        else {
            return Ok(Cart::default());
        };
        self.save(id, &cart).await?;
        Ok(cart)
    }

    pub async fn save(&self, id: &str, cart: &Cart) -> PortResult<()> {
        let body = serde_json::to_string(cart).map_err(|e| PortError::Invalid(e.to_string()))?;
        let now = ports::clock::now_millis();
        sqlx::query(
            "INSERT INTO carts (id, body, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, expires_at = excluded.expires_at",
        )
        .bind(id)
        .bind(&body)
        .bind(expiry(now))
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        if self.saves.fetch_add(1, Ordering::Relaxed) % PURGE_EVERY == PURGE_EVERY - 1 {
            self.purge_expired(now).await?;
        }
        Ok(())
    }

    /// Empty the cart once its order is placed: its lines and code go, a
    /// guest's wishlist stays. (Checkout empties the cart it ordered in its
    /// own transaction, `clear_in`; this is for a cart another tab ordered.)
    pub async fn clear(&self, id: &str) -> PortResult<()> {
        let saved = self.load(id).await?.saved;
        if saved.is_empty() {
            return self.delete(id).await;
        }
        self.save(id, &Cart { saved, ..Cart::default() }).await
    }

    /// Forget the cart and everything kept with it.
    pub async fn delete(&self, id: &str) -> PortResult<()> {
        sqlx::query("DELETE FROM carts WHERE id = $1").bind(id).execute(self.db.pool()).await.map_err(self.db.err())?;
        Ok(())
    }

    /// Delete carts that expired before `now_ms`; how many.
    pub async fn purge_expired(&self, now_ms: i64) -> PortResult<u64> {
        let done = sqlx::query("DELETE FROM carts WHERE expires_at <= $1")
            .bind(now_ms)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(done.rows_affected())
    }
}

/// Empty the cart `id` inside the caller's transaction, which has already
/// written (so it holds SQLite's write lock; PostgreSQL locks the row): the
/// accepted order and its emptied cart commit together, one commit instead
/// of two, and a crash between them cannot leave an ordered cart full.
/// Its lines and code go, a guest's wishlist stays.
pub async fn clear_in(tx: &mut sqlx::AnyConnection, backend: Backend, id: &str) -> Result<(), sqlx::Error> {
    let lock = if backend == Backend::Postgres { " FOR UPDATE" } else { "" };
    let row: Option<(String,)> = sqlx::query_as(&format!("SELECT body FROM carts WHERE id = $1{lock}"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let saved = row.and_then(|(b,)| serde_json::from_str::<Cart>(&b).ok()).map(|c| c.saved).unwrap_or_default();
    if saved.is_empty() {
        sqlx::query("DELETE FROM carts WHERE id = $1").bind(id).execute(&mut *tx).await?;
        return Ok(());
    }
    let body = serde_json::to_string(&Cart { saved, ..Cart::default() }).map_err(|e| sqlx::Error::Encode(e.into()))?;
    sqlx::query("UPDATE carts SET body = $1, expires_at = $2 WHERE id = $3")
        .bind(body)
        .bind(expiry(ports::clock::now_millis()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
