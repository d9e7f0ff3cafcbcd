//! Wishlists: an account's is the `wishlist_items` table (every device sees
//! it, it never expires); a guest's is kept with its cart (`Cart::saved`)
//! and moves to the account when the guest signs in. The list's rules (each
//! product once, newest first, at most `MAX_SAVED`) are `domain::wishlist`.
//! Whether a product may be saved (it exists and is sold) is the caller's
//! check, as for the cart.

use crate::orders::cart::CartStore;
use domain::wishlist::{self, MAX_SAVED};
use domain::{ProductId, UserId};
use ports::database::Database;
use ports::PortResult;

/// Whose wishlist.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    Account(&'a UserId),
    /// A guest's cart id.
    Guest(&'a str),
}

#[derive(Clone)]
pub struct Wishlists {
    db: Database,
    carts: CartStore,
}

impl Wishlists {
    pub fn new(db: Database, carts: CartStore) -> Self {
        Self { db, carts }
    }

    /// The saved product ids, newest first.
    pub async fn ids(&self, owner: Owner<'_>) -> PortResult<Vec<String>> {
        match owner {
            Owner::Guest(cart) => Ok(self.carts.load(cart).await?.saved),
            Owner::Account(user) => {
                let rows: Vec<(String,)> = sqlx::query_as(
                    "SELECT product_id FROM wishlist_items WHERE user_id = $1 ORDER BY added_at DESC, product_id LIMIT $2",
                )
                .bind(user)
                .bind(MAX_SAVED as i64)
                .fetch_all(self.db.pool())
                .await
                .map_err(self.db.err())?;
                Ok(rows.into_iter().map(|(id,)| id).collect())
            }
        }
    }

    /// Save a product: `Ok(true)` newly saved, `Ok(false)` already there,
    /// `Err` (the shopper's message) when the list is full.
    pub async fn save(&self, owner: Owner<'_>, product: &ProductId) -> PortResult<Result<bool, String>> {
        match owner {
            Owner::Guest(cart_id) => {
                let mut cart = self.carts.load(cart_id).await?;
                let saved = wishlist::save(&mut cart.saved, product);
                if saved == Ok(true) {
                    self.carts.save(cart_id, &cart).await?;
                }
                Ok(saved)
            }
            Owner::Account(user) => {
                let mut list = self.ids(owner).await?;
                let saved = wishlist::save(&mut list, product);
                if saved == Ok(true) {
                    self.insert(user, product.as_str(), ports::clock::now_millis()).await?;
                }
                Ok(saved)
            }
        }
    }

    async fn insert(&self, user: &UserId, product: &str, at: i64) -> PortResult<()> {
        sqlx::query(
            "INSERT INTO wishlist_items (user_id, product_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id, product_id) DO NOTHING",
        )
        .bind(user)
        .bind(product)
        .bind(at)
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(())
    }

    /// Take a product off the list; whether it was on it.
    pub async fn remove(&self, owner: Owner<'_>, product: &ProductId) -> PortResult<bool> {
        match owner {
            Owner::Guest(cart_id) => {
                let mut cart = self.carts.load(cart_id).await?;
                let removed = wishlist::remove(&mut cart.saved, product);
                if removed {
                    self.carts.save(cart_id, &cart).await?;
                }
                Ok(removed)
            }
            Owner::Account(user) => {
                let done = sqlx::query("DELETE FROM wishlist_items WHERE user_id = $1 AND product_id = $2")
                    .bind(user)
                    .bind(product)
                    .execute(self.db.pool())
                    .await
                    .map_err(self.db.err())?;
                Ok(done.rows_affected() > 0)
            }
        }
    }

    /// A guest who signs in brings its list: what fits is added to the
    /// account's (the guest's newest stay newest); how many were added.
    pub async fn adopt(&self, user: &UserId, guest: &[String]) -> PortResult<usize> {
        let mut list = self.ids(Owner::Account(user)).await?;
        let now = ports::clock::now_millis();
        let mut added = 0;
        // Oldest first, each a millisecond later, so the order is kept.
        for (i, id) in guest.iter().rev().enumerate() {
            let Ok(product) = ProductId::parse(id) else { continue };
            if wishlist::save(&mut list, &product) == Ok(true) {
                self.insert(user, product.as_str(), now + i as i64).await?;
                added += 1;
            }
        }
        Ok(added)
    }
}
