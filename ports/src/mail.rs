//! Mail port: how the shop's mails (order confirmations, rejections,
//! refunds, password resets, address checks) leave it. The adapters are in
//! `adapters::mail`; what is sent and when is `shop::mail` (an outbox the
//! relay drains, never a send inside a request).
//!
//! An adapter answers `PortError::Invalid` when the mail itself is refused
//! (a malformed address, an unverified sender): sending it again would fail
//! again. Anything else (the server is down, a timeout) is `Unavailable`
//! and the relay tries again later.

use crate::PortResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    /// The plain-text body (every client can show it).
    pub text: String,
    /// The HTML body: the same content, escaped, for clients that render it.
    pub html: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: Mail) -> PortResult<()>;
    fn backend(&self) -> &'static str;
}
