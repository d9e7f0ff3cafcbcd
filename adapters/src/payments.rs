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
use domain::{Money, OrderId};
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

fn hold_of(r: &sqlx::any::AnyRow) -> Hold {
    Hold {
        status: r.get("status"),
        behaviour: r.get("behaviour"),
        attempts: r.get("capture_attempts"),
        amount_minor: r.get("amount_minor"),
        currency: r.get("currency"),
        last4: r.get("card_last4"),
    }
}

/// What a capture changes in the ledger: the new status, capture attempts
/// to add, and the captured amount when money moved.
#[derive(Debug, Clone, Copy)]
struct CaptureChange {
    status: &'static str,
    attempts: i64,
    captured_minor: Option<i64>,
}

/// The provider's answer to capturing `amount` from `hold`, and what that
/// changes in the ledger (pure, so one capture and a batch agree).
fn decide_capture(hold: Option<&Hold>, amount: Money) -> (Result<(), PaymentError>, Option<CaptureChange>) {
    let Some(hold) = hold else {
        return (Err(PaymentError::Declined("no such authorization".into())), None);
    };
    if hold.amount_minor != amount.minor() || hold.currency != amount.currency().code() {
        let refused = format!(
            "capture of {} {} refused: {} {} was authorized",
            amount.minor(),
            amount.currency().code(),
            hold.amount_minor,
            hold.currency
        );
        return (Err(PaymentError::Declined(refused)), None);
    }
    let change = |status, captured_minor| Some(CaptureChange { status, attempts: 1, captured_minor });
    match (hold.status.as_str(), hold.behaviour.as_str()) {
        ("captured", _) => (Ok(()), None),
        ("authorized", "decline_capture") => {
            (Err(PaymentError::Declined("insufficient funds".into())), change("capture_declined", None))
        }
        ("authorized", "flaky_capture") if hold.attempts < 2 => {
            (Err(PaymentError::Transient("processor timeout".into())), change("authorized", None))
        }
        ("authorized", _) => (Ok(()), change("captured", Some(amount.minor()))),
        (other, _) => (Err(PaymentError::Declined(format!("authorization is {other}"))), None),
    }
}

/// Store a capture's change, only from `authorized` (a concurrent capture
/// that got there first wins, and this one changes nothing).
async fn apply_capture(conn: &mut sqlx::AnyConnection, auth_id: &str, c: CaptureChange) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE payments SET status = $1, capture_attempts = capture_attempts + $2, captured_minor = COALESCE($3, captured_minor), updated_at = $4
         WHERE auth_id = $5 AND status = 'authorized'",
    )
    .bind(c.status)
    .bind(c.attempts)
    .bind(c.captured_minor)
    .bind(now())
    .bind(auth_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
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
        Ok(row.as_ref().map(hold_of))
    }

    /// The ledger rows of several authorizations, by id.
    async fn statuses(&self, auth_ids: &[&str]) -> Result<std::collections::HashMap<String, Hold>, PaymentError> {
        let marks: Vec<String> = (1..=auth_ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT auth_id, status, behaviour, capture_attempts, amount_minor, currency, card_last4 FROM payments WHERE auth_id IN ({})",
            marks.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for id in auth_ids {
            q = q.bind(*id);
        }
        let rows = q.fetch_all(self.db.pool()).await.map_err(self.db.err())?;
        Ok(rows.iter().map(|r| (r.get::<String, _>("auth_id"), hold_of(r))).collect())
    }

    /// `capture_many`; an error here means no capture was stored.
    async fn capture_together(
        &self,
        captures: &[(&str, Money)],
    ) -> Result<Vec<Result<(), PaymentError>>, PaymentError> {
        if captures.is_empty() {
            return Ok(Vec::new());
        }
        self.up().await?;
        let mut holds = std::collections::HashMap::new();
        for chunk in captures.chunks(200) {
            let ids: Vec<&str> = chunk.iter().map(|(id, _)| *id).collect();
            holds.extend(self.statuses(&ids).await?);
        }
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        let mut answers = Vec::with_capacity(captures.len());
        for (auth_id, amount) in captures {
            let (answer, change) = decide_capture(holds.get(*auth_id), *amount);
            if let Some(change) = change {
                apply_capture(&mut tx, auth_id, change).await.map_err(&err)?;
            }
            answers.push(answer);
        }
        tx.commit().await.map_err(&err)?;
        Ok(answers)
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
        order_id: &OrderId,
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
        .bind(order_id.as_str())
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
        let hold = self.status(auth_id).await?;
        let (answer, change) = decide_capture(hold.as_ref(), amount);
        if let Some(change) = change {
            let mut conn = self.db.pool().acquire().await.map_err(self.db.err())?;
            apply_capture(&mut conn, auth_id, change).await.map_err(self.db.err())?;
        }
        answer
    }

    /// One read for all the holds and one transaction for every change.
    async fn capture_many(&self, captures: &[(&str, Money)]) -> Vec<Result<(), PaymentError>> {
        match self.capture_together(captures).await {
            Ok(answers) => answers,
            Err(e) => captures.iter().map(|_| Err(e.clone())).collect(),
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

    async fn refund_part(&self, auth_id: &str, refund_id: &str, amount: Money) -> Result<(), PaymentError> {
        self.up().await?;
        if amount.minor() <= 0 {
            return Err(PaymentError::Declined("a refund is more than zero".into()));
        }
        let err = self.db.err();
        let mut tx = self.db.pool().begin().await.map_err(&err)?;
        // The write first: it locks the payment's row, so two refunds of one
        // payment are checked one after the other.
        let touched = sqlx::query("UPDATE payments SET updated_at = $1 WHERE auth_id = $2")
            .bind(now())
            .bind(auth_id)
            .execute(&mut *tx)
            .await
            .map_err(&err)?
            .rows_affected();
        if touched == 0 {
            return Err(PaymentError::Declined("no such authorization".into()));
        }
        let earlier: Option<(String, i64)> =
            sqlx::query_as("SELECT auth_id, amount_minor FROM payment_refunds WHERE refund_id = $1")
                .bind(refund_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(&err)?;
        if let Some((auth, minor)) = earlier {
            return if auth == auth_id && minor == amount.minor() {
                Ok(())
            } else {
                Err(PaymentError::Declined(format!("refund {refund_id} was made with another amount")))
            };
        }
        let (status, captured, currency): (String, Option<i64>, String) =
            sqlx::query_as("SELECT status, captured_minor, currency FROM payments WHERE auth_id = $1")
                .bind(auth_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(&err)?;
        if status != "captured" {
            return Err(PaymentError::Declined(format!("cannot refund a payment that is {status}")));
        }
        if currency != amount.currency().code() {
            return Err(PaymentError::Declined("a refund is in the payment's currency".into()));
        }
        let refunded: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payment_refunds WHERE auth_id = $1",
        )
        .bind(auth_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(&err)?;
        let captured = captured.unwrap_or(0);
        if refunded + amount.minor() > captured {
            return Err(PaymentError::Declined(format!(
                "refunds would add up to more than the {captured} captured ({refunded} refunded before)"
            )));
        }
        sqlx::query(
            "INSERT INTO payment_refunds (refund_id, auth_id, amount_minor, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(refund_id)
        .bind(auth_id)
        .bind(amount.minor())
        .bind(now())
        .execute(&mut *tx)
        .await
        .map_err(&err)?;
        if refunded + amount.minor() == captured {
            sqlx::query("UPDATE payments SET status = 'refunded' WHERE auth_id = $1")
                .bind(auth_id)
                .execute(&mut *tx)
                .await
                .map_err(&err)?;
        }
        tx.commit().await.map_err(&err)?;
        Ok(())
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
