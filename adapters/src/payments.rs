//! The test payment provider (the port is `ports::payments`).
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
//!
//! Money safety: an authorization is keyed by the order and the fingerprint
//! of the priced cart, so a repeated request with the same details returns
//! the same hold and a request with other details is refused; a capture names
//! its amount and is refused unless it equals the authorized amount.
//!
//! Chaos testing: while the `app_meta` row `test_payments.outage_until` holds
//! a Unix time in the future, every call fails transiently (a provider outage).

use async_trait::async_trait;
use domain::Money;
use ports::database::Database;
pub use ports::payments::{PaymentError, Payments};
use sqlx::Row;

/// `app_meta` key: Unix seconds until which the test provider is "down".
pub const OUTAGE_KEY: &str = "test_payments.outage_until";

pub struct TestPayments {
    db: Database,
    /// (checked at, outage until): the outage switch, read at most once a second.
    outage: std::sync::Mutex<(Option<std::time::Instant>, i64)>,
}

/// One row of the provider's ledger.
struct Hold {
    status: String,
    behaviour: String,
    attempts: i64,
    amount_minor: i64,
    currency: String,
    last4: String,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

impl TestPayments {
    pub fn new(db: Database) -> Self {
        Self { db, outage: std::sync::Mutex::new((None, 0)) }
    }

    /// Fail transiently while the outage switch is on.
    async fn up(&self) -> Result<(), PaymentError> {
        let cached = self.outage.lock().ok().and_then(|g| match g.0 {
            Some(at) if at.elapsed() < std::time::Duration::from_secs(1) => Some(g.1),
            _ => None,
        });
        let until = match cached {
            Some(u) => u,
            None => {
                let u = self.db.meta(OUTAGE_KEY).await?.and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(0);
                if let Ok(mut g) = self.outage.lock() {
                    *g = (Some(std::time::Instant::now()), u);
                }
                u
            }
        };
        if now() < until {
            return Err(PaymentError::Transient("payment provider outage (test switch)".into()));
        }
        Ok(())
    }

    async fn status(&self, auth_id: &str) -> Result<Option<Hold>, PaymentError> {
        let row = sqlx::query(
            "SELECT status, behaviour, capture_attempts, amount_minor, currency, card_last4 FROM payments WHERE auth_id = $1",
        )
        .bind(auth_id)
        .fetch_optional(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(row.map(|r| Hold {
            status: r.get("status"),
            behaviour: r.get("behaviour"),
            attempts: r.get("capture_attempts"),
            amount_minor: r.get("amount_minor"),
            currency: r.get("currency"),
            last4: r.get("card_last4"),
        }))
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
    async fn authorize(
        &self,
        order_id: &str,
        fingerprint: &str,
        amount: Money,
        card_number: &str,
    ) -> Result<String, PaymentError> {
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
        self.up().await?;
        let fp: String = fingerprint.chars().filter(char::is_ascii_alphanumeric).take(12).collect();
        let auth_id = format!("auth_{order_id}_{fp}");
        let last4 = &digits[digits.len() - 4..];
        let inserted = sqlx::query(
            "INSERT INTO payments (auth_id, order_id, amount_minor, currency, card_last4, behaviour, status, capture_attempts, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'authorized', 0, $7, $7) ON CONFLICT (auth_id) DO NOTHING",
        )
        .bind(&auth_id)
        .bind(order_id)
        .bind(amount.minor())
        .bind(amount.currency().code())
        .bind(last4)
        .bind(behaviour)
        .bind(now())
        .execute(self.db.pool())
        .await
        .map_err(self.db.err())?
        .rows_affected()
            == 1;
        if inserted {
            return Ok(auth_id);
        }
        // A repeat: the same details get the same hold; other details are refused.
        let Some(hold) = self.status(&auth_id).await? else {
            return Err(PaymentError::Transient("authorization vanished".into()));
        };
        if hold.amount_minor != amount.minor() || hold.currency != amount.currency().code() || hold.last4 != last4 {
            return Err(PaymentError::Declined(
                "this checkout was already authorized with other details; reload the page and try again".into(),
            ));
        }
        if hold.status == "voided" {
            // The earlier attempt failed after authorizing and was voided: hold again.
            self.set(&auth_id, "authorized", 0).await?;
        }
        Ok(auth_id)
    }

    async fn capture(&self, auth_id: &str, amount: Money) -> Result<(), PaymentError> {
        self.up().await?;
        let Some(hold) = self.status(auth_id).await? else {
            return Err(PaymentError::Declined("no such authorization".into()));
        };
        if hold.amount_minor != amount.minor() || hold.currency != amount.currency().code() {
            return Err(PaymentError::Declined(format!(
                "capture of {} {} refused: {} {} was authorized",
                amount.minor(),
                amount.currency().code(),
                hold.amount_minor,
                hold.currency
            )));
        }
        match (hold.status.as_str(), hold.behaviour.as_str()) {
            ("captured", _) => Ok(()),
            ("authorized", "decline_capture") => {
                self.set(auth_id, "capture_declined", 1).await?;
                Err(PaymentError::Declined("insufficient funds".into()))
            }
            ("authorized", "flaky_capture") if hold.attempts < 2 => {
                self.set(auth_id, "authorized", 1).await?;
                Err(PaymentError::Transient("processor timeout".into()))
            }
            ("authorized", _) => {
                sqlx::query(
                    "UPDATE payments SET status = 'captured', captured_minor = $1, capture_attempts = capture_attempts + 1, updated_at = $2
                     WHERE auth_id = $3 AND status = 'authorized'",
                )
                .bind(amount.minor())
                .bind(now())
                .bind(auth_id)
                .execute(self.db.pool())
                .await
                .map_err(self.db.err())?;
                Ok(())
            }
            (other, _) => Err(PaymentError::Declined(format!("authorization is {other}"))),
        }
    }

    async fn void(&self, auth_id: &str) -> Result<(), PaymentError> {
        self.up().await?;
        match self.status(auth_id).await?.map(|s| s.status) {
            Some(s) if s == "authorized" || s == "capture_declined" => self.set(auth_id, "voided", 0).await,
            Some(s) if s == "voided" => Ok(()),
            Some(s) => Err(PaymentError::Declined(format!("cannot void a payment that is {s}"))),
            None => Ok(()),
        }
    }

    async fn refund(&self, auth_id: &str) -> Result<(), PaymentError> {
        self.up().await?;
        match self.status(auth_id).await?.map(|s| s.status) {
            Some(s) if s == "captured" => self.set(auth_id, "refunded", 0).await,
            Some(s) if s == "refunded" => Ok(()),
            Some(s) => Err(PaymentError::Declined(format!("cannot refund a payment that is {s}"))),
            None => Err(PaymentError::Declined("no such authorization".into())),
        }
    }

    async fn open_authorizations(&self, before: i64, limit: i64) -> Result<Vec<String>, PaymentError> {
        let rows = sqlx::query(
            "SELECT auth_id FROM payments WHERE status IN ('authorized', 'capture_declined') AND created_at < $1
             ORDER BY created_at LIMIT $2",
        )
        .bind(before)
        .bind(limit)
        .fetch_all(self.db.pool())
        .await
        .map_err(self.db.err())?;
        Ok(rows.iter().map(|r| r.get::<String, _>("auth_id")).collect())
    }
}
