//! "Tell me when it's back": a shopper leaves an address on a sold-out
//! variant; when the variant has stock again, one mail goes through the
//! outbox and the alert stops. Asking again after that re-arms it.
//!
//! The alert job walks the products with waiting alerts (a cursor, so a
//! long list is covered in turns rather than its first page forever), reads
//! each from the store (not the cache: the cache may be a save behind), and
//! for every variant in stock marks its alerts sent and writes their mails
//! in one transaction: a crash leaves both or neither, and two jobs racing
//! mark (and mail) each alert once.

use crate::catalog::CachedCatalog;
use crate::jobs::runner::{run, Outcome, Pace};
use crate::mail::{outbox::enqueue_mail, MailKind};
use domain::account::normalize_email;
use domain::order::FieldErrors;
use domain::{Product, ProductId, Variant};
use ports::database::Database;
use ports::{PortError, PortResult};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Waiting alerts one address may hold (a bound against a script).
pub const MAX_WAITING_PER_ADDRESS: i64 = 50;
/// Products looked at per pass.
const PRODUCTS_PER_PASS: i64 = 200;

#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error("please correct the highlighted fields")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Port(#[from] PortError),
}

fn invalid(field: &str, message: &str) -> AlertError {
    AlertError::Invalid(FieldErrors::from([(field.to_string(), message.to_string())]))
}

#[derive(Clone)]
pub struct StockAlerts {
    db: Database,
    catalog: Arc<CachedCatalog>,
    public_url: String,
    /// The last product id the job looked at (empty: from the start).
    cursor: Arc<Mutex<String>>,
}

impl StockAlerts {
    pub fn new(db: Database, catalog: Arc<CachedCatalog>, public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_string();
        Self { db, catalog, public_url, cursor: Arc::default() }
    }

    /// Ask for one mail when `sku` of `product` is back. Refused (a field
    /// error, nothing stored) for a bad address, an unknown item, an item
    /// in stock now, or an address with too many alerts waiting.
    pub async fn ask(&self, product: &str, sku: &str, email: &str) -> Result<(), AlertError> {
        let email = normalize_email(email).map_err(|e| invalid("email", &e))?;
        let found = match ProductId::parse(product) {
            Ok(id) => self.catalog.product_by_id(id.as_str()).await?,
            Err(_) => None,
        };
        let Some((p, v)) = found.as_ref().filter(|p| p.is_visible()).and_then(|p| p.variant(sku).map(|v| (p, v)))
        else {
            return Err(invalid("sku", "That item is not sold here."));
        };
        if v.stock > 0 {
            return Err(invalid("sku", "It is in stock now: add it to your cart."));
        }
        let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stock_alerts WHERE email = $1 AND sent_at IS NULL")
            .bind(&email)
            .fetch_one(self.db.pool())
            .await
            .map_err(self.db.err())?;
        if waiting >= MAX_WAITING_PER_ADDRESS {
            return Err(invalid(
                "email",
                "This address already waits for many items; we will write when they are back.",
            ));
        }
        sqlx::query(
            "INSERT INTO stock_alerts (sku, email, product_id, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sku, email) DO UPDATE SET sent_at = NULL, created_at = excluded.created_at, product_id = excluded.product_id",
        )
        .bind(v.sku.as_str())
        .bind(&email)
        .bind(p.id.as_str())
        .bind(ports::clock::now_millis())
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        tracing::info!(product.id = %p.id, sku = %v.sku, "back-in-stock alert set");
        Ok(())
    }

    /// Alerts not sent yet (all of them, for the operator's view).
    pub async fn waiting(&self) -> PortResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM stock_alerts WHERE sent_at IS NULL")
            .fetch_one(self.db.pool())
            .await
            .map_err(self.db.err())
    }

    /// One pass: mails written for variants back in stock.
    pub async fn step(&self) -> PortResult<usize> {
        let after = self.cursor.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let products: Vec<(String,)> = sqlx::query_as(
            "SELECT DISTINCT product_id FROM stock_alerts WHERE sent_at IS NULL AND product_id > $1 \
             ORDER BY product_id LIMIT $2",
        )
        .bind(&after)
        .bind(PRODUCTS_PER_PASS)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())?;
        let next = match products.last() {
            Some((last,)) if products.len() as i64 == PRODUCTS_PER_PASS => last.clone(),
            _ => String::new(),
        };
        let mut mailed = 0;
        for (id,) in &products {
            // A product deleted or hidden since keeps its alerts waiting, unsent.
            let Some(p) = self.catalog.store().by_id(id).await?.filter(|p| p.is_visible()) else { continue };
            for v in p.variants.iter().filter(|v| v.stock > 0) {
                mailed += self.notify(&p, v).await?;
            }
        }
        *self.cursor.lock().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(mailed)
    }

    /// Mark `v`'s waiting alerts sent and write their mails, together.
    async fn notify(&self, p: &Product, v: &Variant) -> PortResult<usize> {
        let err = self.db.err();
        let options = v.options.iter().map(|o| o.value.as_str()).collect::<Vec<_>>().join(", ");
        let payload = serde_json::json!({
            "link": format!("{}/p/{}?variant={}", self.public_url, p.slug, v.sku),
            "title": p.title,
            "options": options,
        });
        // The write comes first (SQLite takes the write lock at once rather
        // than upgrading a read lock, which can fail), and only the
        // transaction whose update marks an alert sent writes its mail.
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let marked: Vec<(String, i64)> = sqlx::query_as(
            "UPDATE stock_alerts SET sent_at = $1 WHERE sku = $2 AND sent_at IS NULL RETURNING email, created_at",
        )
        .bind(ports::clock::now_millis())
        .bind(v.sku.as_str())
        .fetch_all(&mut *tx)
        .await
        .map_err(&err)?;
        for (email, asked_at) in &marked {
            let key = format!("{}:{email}:{asked_at}", v.sku);
            enqueue_mail(&mut tx, MailKind::BackInStock, &key, email, p.id.as_str(), &payload).await.map_err(&err)?;
        }
        let mailed = marked.len();
        tx.commit().await.map_err(&err)?;
        if mailed > 0 {
            tracing::info!(product.id = %p.id, sku = %v.sku, mailed, "back-in-stock mails written");
        }
        Ok(mailed)
    }

    /// Run passes every `every` until `stop` flips.
    pub async fn run(self, every: Duration, stop: tokio::sync::watch::Receiver<bool>) {
        let me = &self;
        run("stock alerts", Pace::Every(every), stop, || async move {
            Ok::<_, PortError>(match me.step().await? {
                0 => Outcome::Idle,
                n => Outcome::Worked(format!("{n} back-in-stock mails written")),
            })
        })
        .await
    }
}
