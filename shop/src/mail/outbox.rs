//! The mail outbox table: writing a mail inside the caller's transaction,
//! and the relay's side (claim due rows under a lease, record the outcome).
//! One SQL text for SQLite and PostgreSQL.

use super::templates::{self, Doc, OrderFacts};
use super::MailKind;
use crate::orders::cart::CookieSigner;
use crate::orders::repo::{OrderRepo, StoredOrder};
use domain::order::{Address, OrderStatus, Shipping};
use domain::{Currency, Money, OrderId};
use ports::clock::now;
use ports::database::Database;
use ports::{PortError, PortResult};
use sqlx::AnyConnection;

/// How long a relay may take to send one claimed mail before another may.
pub const LEASE_SECS: i64 = 120;
/// Sends tried before a mail is given up (spread over about a day).
pub const MAX_ATTEMPTS: i64 = 12;

/// The wait before attempt `attempts + 1`: 30 s, doubling, at most 4 h.
pub fn backoff_secs(attempts: i64) -> i64 {
    (30i64 << attempts.clamp(0, 20)).min(4 * 3600)
}

/// Write order `id`'s mail for its move into `status`, inside `tx` (the
/// transaction that moved it). Once per order and kind, however often the
/// move is retried.
pub async fn enqueue_order_mail(tx: &mut AnyConnection, id: &OrderId, status: &OrderStatus) -> Result<(), sqlx::Error> {
    let Some(kind) = MailKind::for_order(status) else { return Ok(()) };
    let t = now();
    sqlx::query(
        "INSERT INTO mail_outbox (id, kind, recipient, subject_ref, payload, next_at, created_at)
         SELECT $1, $2, email, id, '{}', $3, $3 FROM orders WHERE id = $4
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(format!("{}:{}", kind.as_str(), id.as_str()))
    .bind(kind.as_str())
    .bind(t)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Write an account mail (its link in `payload`) inside `tx`; `key` makes
/// it unique (a token's hash).
pub async fn enqueue_account_mail(
    tx: &mut AnyConnection,
    kind: MailKind,
    key: &str,
    recipient: &str,
    user_id: &str,
    link: &str,
) -> Result<(), sqlx::Error> {
    enqueue_mail(tx, kind, key, recipient, user_id, &serde_json::json!({ "link": link })).await
}

/// Write a mail whose template needs only `payload` (a `link` and what the
/// kind's template reads) inside `tx`, once per (`kind`, `key`).
pub async fn enqueue_mail(
    tx: &mut AnyConnection,
    kind: MailKind,
    key: &str,
    recipient: &str,
    subject_ref: &str,
    payload: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    let t = now();
    sqlx::query(
        "INSERT INTO mail_outbox (id, kind, recipient, subject_ref, payload, next_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO NOTHING",
    )
    .bind(format!("{}:{key}", kind.as_str()))
    .bind(kind.as_str())
    .bind(recipient)
    .bind(subject_ref)
    .bind(payload.to_string())
    .bind(t)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// A claimed row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub subject_ref: String,
    pub payload: String,
    pub attempts: i64,
}

/// What an order's mail needs beyond `StoredOrder`.
#[derive(sqlx::FromRow)]
struct ReceiptRow {
    address: String,
    shipping: String,
    currency: String,
    subtotal_minor: i64,
    shipping_minor: i64,
    discount_minor: i64,
    promo_code: Option<String>,
    shipping_label: String,
}

/// Mails not yet sent, per state, for /metrics and the operator (both
/// counted through the `sent_at` index, so a scrape stays cheap however many
/// mails were sent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailCounts {
    pub waiting: i64,
    pub failed: i64,
}

/// Sent mails are kept this long (for an operator asking "was it sent?"),
/// then deleted by the relay.
pub const KEEP_SENT_SECS: i64 = 30 * 86_400;

/// The order's facts; a stored value that does not parse names the order.
fn facts(o: StoredOrder, row: ReceiptRow) -> PortResult<OrderFacts> {
    let bad =
        |what: &str, e: &dyn std::fmt::Display| PortError::Invalid(format!("order {}: {what}: {e}", o.id.as_str()));
    let currency = Currency::parse(&row.currency).map_err(|e| bad("currency", &e))?;
    let money = |m: i64| Money::new(m, currency).map_err(|e| bad("amount", &e));
    let address: Address = serde_json::from_str(&row.address).map_err(|e| bad("address", &e))?;
    let shipping: Shipping = serde_json::from_str(&row.shipping).map_err(|e| bad("shipping", &e))?;
    Ok(OrderFacts {
        subtotal: money(row.subtotal_minor)?,
        discount: money(row.discount_minor)?,
        code: row.promo_code,
        shipping_price: money(row.shipping_minor)?,
        shipping_label: if row.shipping_label.is_empty() { shipping.to_string() } else { row.shipping_label },
        shipping,
        tax: o.tax.clone(),
        address,
        id: o.id,
        status: o.status,
        email: o.email,
        lines: o.lines,
        total: o.total,
    })
}

#[derive(Clone)]
pub struct MailOutbox {
    db: Database,
}

impl MailOutbox {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Up to `limit` due mails, each now leased to the caller.
    pub async fn claim(&self, limit: i64) -> PortResult<Vec<Pending>> {
        let t = now();
        let due: Vec<Pending> = sqlx::query_as(
            "SELECT id, kind, recipient, subject_ref, payload, attempts FROM mail_outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_at <= $1 AND lease_until <= $1
             ORDER BY next_at LIMIT $2",
        )
        .bind(t)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())?;
        let mut mine = Vec::with_capacity(due.len());
        for p in due {
            let n = sqlx::query(
                "UPDATE mail_outbox SET lease_until = $1 WHERE id = $2 AND sent_at IS NULL AND failed_at IS NULL AND lease_until <= $3",
            )
            .bind(t + LEASE_SECS)
            .bind(&p.id)
            .bind(t)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?
            .rows_affected();
            if n == 1 {
                mine.push(p);
            }
        }
        Ok(mine)
    }

    /// The mail a claimed row stands for. `Invalid` when it can never be
    /// written (an unknown kind, its order gone, a corrupt payload).
    pub async fn compose(&self, p: &Pending, public_url: &str, links: &CookieSigner) -> PortResult<Doc> {
        let kind =
            MailKind::parse(&p.kind).ok_or_else(|| PortError::unknown_stored("mail_outbox", &p.id, "kind", &p.kind))?;
        if kind.is_order_event() {
            let payload: serde_json::Value = serde_json::from_str(&p.payload)
                .map_err(|e| PortError::Invalid(format!("mail_outbox {}: payload: {e}", p.id)))?;
            let lines: Vec<&str> =
                payload["lines"].as_array().map(|a| a.iter().filter_map(|l| l.as_str()).collect()).unwrap_or_default();
            let url = format!("{public_url}{}", links.order_path(&p.subject_ref));
            let text = payload["reason"].as_str().unwrap_or_default();
            return Ok(match kind {
                MailKind::RefundIssued => templates::refund_issued(
                    &p.subject_ref,
                    payload["amount"].as_str().unwrap_or_default(),
                    &lines,
                    payload["shipping"].as_bool().unwrap_or(false),
                    text,
                    &url,
                ),
                _ => templates::return_update(kind, &p.subject_ref, &lines, text, &url),
            });
        }
        if !kind.is_order() {
            let payload: serde_json::Value = serde_json::from_str(&p.payload)
                .map_err(|e| PortError::Invalid(format!("mail_outbox {}: payload: {e}", p.id)))?;
            let link = payload["link"]
                .as_str()
                .ok_or_else(|| PortError::Invalid(format!("mail_outbox {}: no link (was it sent already?)", p.id)))?;
            return Ok(match kind {
                MailKind::PasswordReset => templates::password_reset(link),
                MailKind::BackInStock => templates::back_in_stock(
                    payload["title"].as_str().unwrap_or("An item you asked about"),
                    payload["options"].as_str().unwrap_or(""),
                    link,
                ),
                _ => templates::email_verification(link),
            });
        }
        let id =
            OrderId::parse(&p.subject_ref).map_err(|e| PortError::Invalid(format!("mail_outbox {}: {e}", p.id)))?;
        let order = OrderRepo::new(self.db.clone()).get(&id).await?;
        let row: Option<ReceiptRow> = sqlx::query_as(
            "SELECT address, shipping, currency, subtotal_minor, shipping_minor, discount_minor, promo_code, shipping_label FROM orders WHERE id = $1",
        )
        .bind(&id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(self.db.err())?;
        let (Some(order), Some(row)) = (order, row) else {
            return Err(PortError::Invalid(format!("mail_outbox {}: no order {}", p.id, p.subject_ref)));
        };
        let url = format!("{public_url}{}", links.order_path(id.as_str()));
        Ok(templates::order(kind, &facts(order, row)?, &url))
    }

    /// Sent: the link (a credential) is not kept.
    pub async fn sent(&self, id: &str) -> PortResult<()> {
        sqlx::query("UPDATE mail_outbox SET sent_at = $1, payload = '{}', attempts = attempts + 1, lease_until = 0, last_error = NULL WHERE id = $2")
            .bind(now())
            .bind(id)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(())
    }

    /// A failed send: tried again after a backoff, or given up when the
    /// provider refused it for good or it has been tried too often.
    pub async fn failed(&self, p: &Pending, error: &str, permanent: bool) -> PortResult<bool> {
        let attempts = p.attempts + 1;
        let give_up = permanent || attempts >= MAX_ATTEMPTS;
        let t = now();
        sqlx::query(
            "UPDATE mail_outbox SET attempts = $1, next_at = $2, lease_until = 0, last_error = $3, failed_at = $4,
             payload = CASE WHEN $5 THEN '{}' ELSE payload END WHERE id = $6",
        )
        .bind(attempts)
        .bind(t + backoff_secs(p.attempts))
        .bind(error.chars().take(500).collect::<String>())
        .bind(give_up.then_some(t))
        .bind(give_up)
        .bind(&p.id)
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(give_up)
    }

    pub async fn counts(&self) -> PortResult<MailCounts> {
        let (waiting, failed): (i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN failed_at IS NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM mail_outbox WHERE sent_at IS NULL",
        )
        .fetch_one(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(MailCounts { waiting, failed })
    }

    /// Delete mails sent before `before` (Unix seconds); how many.
    pub async fn purge_sent(&self, before: i64) -> PortResult<u64> {
        Ok(sqlx::query("DELETE FROM mail_outbox WHERE sent_at IS NOT NULL AND sent_at < $1")
            .bind(before)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?
            .rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::backoff_secs;

    #[test]
    fn retries_back_off_from_half_a_minute_to_four_hours() {
        assert_eq!(backoff_secs(0), 30);
        assert_eq!(backoff_secs(1), 60);
        assert_eq!(backoff_secs(20), 4 * 3600);
        assert_eq!(backoff_secs(-3), 30);
    }
}
