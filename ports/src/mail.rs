//! Mail port: how account mails (password reset links) leave the shop.
//! The adapters are in `adapters::mail`.

use crate::PortResult;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: Mail) -> PortResult<()>;
    fn backend(&self) -> &'static str;
}
