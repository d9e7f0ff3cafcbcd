//! Payment port: authorize at checkout, capture when the order is confirmed,
//! void or refund on failure. Every call is idempotent per authorization.
//!
//! `TestPayments` follows a real provider's semantics with a ledger in the
//! shop's database. Test cards (any future expiry, any CVC):
//!
//! | card | behaviour |
//! |---|---|
//! | 4242 4242 4242 4242 | authorizes and captures |
//! | 4000 0000 0000 0002 | declined at authorization |
//! | 4000 0000 0000 9995 | authorizes, capture declined (insufficient funds) |
//! | 4000 0000 0000 0119 | capture fails transiently twice, then succeeds |
//! | other valid (Luhn) numbers | declined at authorization ("unknown test card") |

use crate::database::Database;
use crate::PortError;
use async_trait::async_trait;
use domain::Money;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    #[error("payment declined: {0}")]
    Declined(String),
    #[error("payment provider unavailable: {0}")]
    Transient(String),
}

impl From<PortError> for PaymentError {
    fn from(e: PortError) -> Self {
        Self::Transient(e.to_string())
    }
}

#[async_trait]
pub trait Payments: Send + Sync {
    /// Hold `amount` on the card for `order_id`; returns the authorization id.
    async fn authorize(&self, order_id: &str, amount: Money, card_number: &str) -> Result<String, PaymentError>;
    async fn capture(&self, auth_id: &str) -> Result<(), PaymentError>;
    /// Release an uncaptured hold. Voiding twice is fine.
    async fn void(&self, auth_id: &str) -> Result<(), PaymentError>;
    /// Return a captured payment.
    async fn refund(&self, auth_id: &str) -> Result<(), PaymentError>;
}

pub struct TestPayments {
    db: Database,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl TestPayments {
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    async fn status(&self, auth_id: &str) -> Result<Option<(String, String, i64)>, PaymentError> {
        let row = sqlx::query("SELECT status, behaviour, capture_attempts FROM payments WHERE auth_id = $1")
            .bind(auth_id)
            .fetch_optional(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(row.map(|r| (r.get::<String, _>(0), r.get::<String, _>(1), r.get::<i64, _>(2))))
    }

    async fn set(&self, auth_id: &str, status: &str, attempts_delta: i64) -> Result<(), PaymentError> {
        sqlx::query("UPDATE payments SET status = $1, capture_attempts = capture_attempts + $2, updated_at = $3 WHERE auth_id = $4")
            .bind(status)
            .bind(attempts_delta)
            .bind(now())
            .bind(auth_id)
            .execute(self.db.pool())
            .await
            .map_err(self.db.err())?;
        Ok(())
    }
}

#[async_trait]
impl Payments for TestPayments {
    async fn authorize(&self, order_id: &str, amount: Money, card_number: &str) -> Result<String, PaymentError> {
        let digits: String = card_number.chars().filter(char::is_ascii_digit).collect();
        if !domain::order::card_number_ok(&digits) {
            return Err(PaymentError::Declined("the card number is not valid".into()));
        }
        let behaviour = match digits.as_str() {
            "4242424242424242" => "ok",
            "4000000000009995" => "decline_capture",
            "4000000000000119" => "flaky_capture",
            "4000000000000002" => return Err(PaymentError::Declined("your card was declined".into())),
            _ => return Err(PaymentError::Declined("unknown test card; see the README for test cards".into())),
        };
        let auth_id = format!("auth_{order_id}");
        sqlx::query(
            "INSERT INTO payments (auth_id, order_id, amount_minor, currency, card_last4, behaviour, status, capture_attempts, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'authorized', 0, $7, $7) ON CONFLICT (auth_id) DO NOTHING",
        )
        .bind(&auth_id)
        .bind(order_id)
        .bind(amount.minor())
        .bind(amount.currency().code())
        .bind(&digits[digits.len() - 4..])
        .bind(behaviour)
        .bind(now())
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(auth_id)
    }

    async fn capture(&self, auth_id: &str) -> Result<(), PaymentError> {
        let Some((status, behaviour, attempts)) = self.status(auth_id).await? else {
            return Err(PaymentError::Declined("no such authorization".into()));
        };
        match (status.as_str(), behaviour.as_str()) {
            ("captured", _) => Ok(()),
            ("authorized", "decline_capture") => {
                self.set(auth_id, "capture_declined", 1).await?;
                Err(PaymentError::Declined("insufficient funds".into()))
            }
            ("authorized", "flaky_capture") if attempts < 2 => {
                self.set(auth_id, "authorized", 1).await?;
                Err(PaymentError::Transient("processor timeout".into()))
            }
            ("authorized", _) => self.set(auth_id, "captured", 1).await,
            (other, _) => Err(PaymentError::Declined(format!("authorization is {other}"))),
        }
    }

    async fn void(&self, auth_id: &str) -> Result<(), PaymentError> {
        match self.status(auth_id).await?.map(|s| s.0) {
            Some(s) if s == "authorized" || s == "capture_declined" => self.set(auth_id, "voided", 0).await,
            Some(s) if s == "voided" => Ok(()),
            Some(s) => Err(PaymentError::Declined(format!("cannot void a payment that is {s}"))),
            None => Ok(()),
        }
    }

    async fn refund(&self, auth_id: &str) -> Result<(), PaymentError> {
        match self.status(auth_id).await?.map(|s| s.0) {
            Some(s) if s == "captured" => self.set(auth_id, "refunded", 0).await,
            Some(s) if s == "refunded" => Ok(()),
            Some(s) => Err(PaymentError::Declined(format!("cannot refund a payment that is {s}"))),
            None => Err(PaymentError::Declined("no such authorization".into())),
        }
    }
}
