//! Payment port: authorize at checkout, capture when the order is confirmed,
//! void or refund on failure. Every call is idempotent per authorization.
//! The test provider is `adapters::payments::TestPayments`.

use crate::PortError;
use async_trait::async_trait;
use domain::{Money, OrderId};

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
    /// Hold `amount` on the card for `order_id`; `fingerprint` names the
    /// priced cart. Idempotent: the same (order, fingerprint) returns the same
    /// authorization, and a repeat with another amount, currency or card is
    /// refused. Returns the authorization id.
    async fn authorize(
        &self,
        order_id: &OrderId,
        fingerprint: &str,
        amount: Money,
        card_number: &str,
    ) -> Result<String, PaymentError>;
    /// Capture exactly `amount`; refused unless it equals the authorized amount.
    async fn capture(&self, auth_id: &str, amount: Money) -> Result<(), PaymentError>;
    /// `capture` for several holds, one result each in the order given. The
    /// default captures them side by side; a provider that can share one
    /// request or one transaction among them does so.
    async fn capture_many(&self, captures: &[(&str, Money)]) -> Vec<Result<(), PaymentError>> {
        futures::future::join_all(captures.iter().map(|(auth_id, amount)| self.capture(auth_id, *amount))).await
    }
    /// Release an uncaptured hold. Voiding twice is fine.
    async fn void(&self, auth_id: &str) -> Result<(), PaymentError>;
    /// Return a captured payment.
    async fn refund(&self, auth_id: &str) -> Result<(), PaymentError>;
    /// Return `amount` of a captured payment. Idempotent per `refund_id`
    /// (a repeat with the same amount succeeds without moving money again;
    /// with another amount it is refused); refused when the refunds of the
    /// payment would add up to more than was captured.
    async fn refund_part(&self, auth_id: &str, refund_id: &str, amount: Money) -> Result<(), PaymentError>;
    /// Holds still open (authorized or capture declined, never voided)
    /// created before `before` (Unix seconds), oldest first: the
    /// reconciler voids those that no order owns.
    async fn open_authorizations(&self, before: i64, limit: i64) -> Result<Vec<String>, PaymentError>;
}
