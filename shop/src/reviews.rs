//! Product reviews: written by accounts that bought the product (a
//! confirmed order of theirs holds it), one per product per account (a
//! second submit edits the first and sends it back to moderation), shown
//! once a merchant approves them. Approving or hiding one refreshes the
//! product's cached pages, so anonymous shoppers see the change at once.

use crate::catalog::cached::VERSION_MEMO_MAX_AGE;
use crate::catalog::CachedCatalog;
use domain::order::FieldErrors;
use domain::review::{author_of, Rating, ReviewDraft, Summary};
use domain::{ProductId, UserId};
use ports::database::Database;
use ports::{PortError, PortResult};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    Pending,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
    fn parse(s: &str) -> PortResult<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            other => Err(PortError::unknown_stored("reviews", "?", "status", other)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub product_id: ProductId,
    pub user_id: UserId,
    pub author: String,
    pub rating: Rating,
    pub body: String,
    pub status: ReviewStatus,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    product_id: ProductId,
    user_id: UserId,
    author: String,
    rating: i64,
    body: String,
    status: String,
    updated_at: i64,
}

impl Row {
    fn review(self) -> PortResult<Review> {
        let rating = Rating::parse(self.rating).map_err(|_| {
            PortError::unknown_stored("reviews", self.product_id.as_str(), "rating", &self.rating.to_string())
        })?;
        Ok(Review {
            status: ReviewStatus::parse(&self.status)?,
            product_id: self.product_id,
            user_id: self.user_id,
            author: self.author,
            rating,
            body: self.body,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "product_id, user_id, author, rating, body, status, updated_at";

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("please correct the highlighted fields")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Port(#[from] PortError),
}

/// A product's shown reviews: the summary and the newest `limit` of them.
type Shown = (Summary, Vec<Review>);

/// The pages version the memo was read under, since when (renewed after
/// `VERSION_MEMO_MAX_AGE` even without a bump), and per (product, limit)
/// what it showed.
type ShownMemo = (String, Instant, HashMap<(ProductId, i64), Arc<Shown>>);

/// At most this many products' shown reviews are memoised per server.
const SHOWN_MEMO_MAX: usize = 4096;

#[derive(Clone)]
pub struct Reviews {
    db: Database,
    catalog: Arc<CachedCatalog>,
    /// Shown reviews per (product, limit), read under one pages version:
    /// moderation bumps it, so a product page render costs no query until
    /// a review is approved, hidden or sent back to moderation.
    shown_memo: Arc<std::sync::Mutex<ShownMemo>>,
}

impl Reviews {
    pub fn new(db: Database, catalog: Arc<CachedCatalog>) -> Self {
        Self {
            db,
            catalog,
            shown_memo: Arc::new(std::sync::Mutex::new((String::new(), Instant::now(), HashMap::new()))),
        }
    }

    fn memo_get(&self, version: &str, key: &(ProductId, i64)) -> Option<Arc<Shown>> {
        let memo = self.shown_memo.lock().unwrap_or_else(|p| p.into_inner());
        let fresh = memo.0 == version && memo.1.elapsed() < VERSION_MEMO_MAX_AGE;
        fresh.then(|| memo.2.get(key).cloned()).flatten()
    }

    fn memo_put(&self, version: String, key: (ProductId, i64), shown: Arc<Shown>) {
        let mut memo = self.shown_memo.lock().unwrap_or_else(|p| p.into_inner());
        if memo.0 != version || memo.1.elapsed() >= VERSION_MEMO_MAX_AGE || memo.2.len() >= SHOWN_MEMO_MAX {
            *memo = (version, Instant::now(), HashMap::new());
        }
        memo.2.insert(key, shown);
    }

    /// Whether this account has a confirmed order holding the product.
    pub async fn bought(&self, user: &UserId, product: &ProductId) -> PortResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id \
             WHERE o.user_id = $1 AND l.product_id = $2 AND o.status = 'confirmed'",
        )
        .bind(user)
        .bind(product)
        .fetch_one(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(n > 0)
    }

    /// Write (or rewrite) this account's review of a product it bought; it
    /// waits for moderation.
    pub async fn submit(
        &self,
        user: &UserId,
        email: &str,
        product: &ProductId,
        rating: &str,
        body: &str,
    ) -> Result<(), ReviewError> {
        let draft = ReviewDraft::parse(rating, body);
        if !self.bought(user, product).await? {
            let mut errors = draft.err().unwrap_or_default();
            errors.insert("review".into(), "only shoppers who bought this product can review it".into());
            return Err(ReviewError::Invalid(errors));
        }
        let draft = draft.map_err(ReviewError::Invalid)?;
        // Rewriting an approved review takes it off the product's pages
        // until it is approved again: those pages must render anew.
        let was_shown = self.mine(user, product).await?.is_some_and(|r| r.status == ReviewStatus::Approved);
        let now = ports::clock::now();
        sqlx::query(
            "INSERT INTO reviews (product_id, user_id, author, rating, body, status, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) \
             ON CONFLICT (product_id, user_id) DO UPDATE SET rating = $4, body = $5, status = 'pending', updated_at = $6",
        )
        .bind(product)
        .bind(user)
        .bind(author_of(email))
        .bind(i64::from(draft.rating))
        .bind(&draft.body)
        .bind(now)
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        if was_shown {
            self.refresh_pages(product).await;
        }
        Ok(())
    }

    async fn refresh_pages(&self, product: &ProductId) {
        if let Err(e) = self.catalog.product_changed(product.as_str()).await {
            tracing::warn!(product.id = %product, error = %e, "could not refresh the product's cached pages");
        }
    }

    /// A product's approved reviews, newest first (at most `limit`), and
    /// the summary of all of them.
    /// Memoised per pages version (read before the query, so a change
    /// landing in between is stored under the version its bump retires).
    pub async fn shown(&self, product: &ProductId, limit: i64) -> PortResult<Shown> {
        let version = self.catalog.pages_version().await;
        let key = (product.clone(), limit);
        if let Some(shown) = version.as_deref().and_then(|v| self.memo_get(v, &key)) {
            return Ok((*shown).clone());
        }
        let shown = self.shown_from_db(product, limit).await?;
        if let Some(v) = version {
            self.memo_put(v, key, Arc::new(shown.clone()));
        }
        Ok(shown)
    }

    async fn shown_from_db(&self, product: &ProductId, limit: i64) -> PortResult<Shown> {
        let (count, total): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), CAST(SUM(rating) AS BIGINT) FROM reviews WHERE product_id = $1 AND status = 'approved'",
        )
        .bind(product)
        .fetch_one(self.db.pool())
        .await
        .map_err(self.db.err())?;
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM reviews WHERE product_id = $1 AND status = 'approved' \
             ORDER BY updated_at DESC, user_id LIMIT $2"
        ))
        .bind(product)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())?;
        let reviews = rows.into_iter().map(Row::review).collect::<PortResult<_>>()?;
        Ok((Summary { count, total: total.unwrap_or(0) }, reviews))
    }

    /// This account's review of the product, in any state.
    pub async fn mine(&self, user: &UserId, product: &ProductId) -> PortResult<Option<Review>> {
        let row: Option<Row> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM reviews WHERE product_id = $1 AND user_id = $2"))
                .bind(product)
                .bind(user)
                .fetch_optional(self.db.pool())
                .await
                .map_err(self.db.err())?;
        row.map(Row::review).transpose()
    }

    /// Reviews waiting for a merchant, oldest first.
    pub async fn pending(&self, limit: i64) -> PortResult<Vec<Review>> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM reviews WHERE status = 'pending' ORDER BY updated_at, product_id, user_id LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())?;
        rows.into_iter().map(Row::review).collect()
    }

    /// Approve or hide a review; false when there is no such review. The
    /// product's cached pages are refreshed (best effort).
    pub async fn moderate(&self, product: &ProductId, user: &UserId, status: ReviewStatus) -> PortResult<bool> {
        let n = sqlx::query("UPDATE reviews SET status = $1 WHERE product_id = $2 AND user_id = $3")
            .bind(status.as_str())
            .bind(product)
            .bind(user)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?
            .rows_affected();
        if n > 0 {
            self.refresh_pages(product).await;
        }
        Ok(n > 0)
    }
}

/// Every product's approved reviews summed up, for the catalog's cards
/// (`CachedCatalog::with_ratings`): one grouped query per index build.
pub struct ReviewRatings(pub Database);

#[async_trait::async_trait]
impl crate::catalog::cached::RatingSource for ReviewRatings {
    async fn ratings(&self) -> PortResult<HashMap<String, Summary>> {
        let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(
            "SELECT product_id, COUNT(*), CAST(SUM(rating) AS BIGINT) FROM reviews \
             WHERE status = 'approved' GROUP BY product_id",
        )
        .fetch_all(self.0.pool())
        .await
        .map_err(self.0.err())?;
        Ok(rows.into_iter().map(|(id, count, total)| (id, Summary { count, total: total.unwrap_or(0) })).collect())
    }
}
