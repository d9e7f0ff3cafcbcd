//! Mail adapters. `FolderMailer` writes one JSON file per mail (local runs
//! and tests read them); `LogMailer` writes a log line without the body
//! (where no mail service is wired, the link must not end up in logs);
//! `SmtpMailer` (lettre over rustls) and `SesMailer` (SES v2) send for real.

mod ses;
mod smtp;

pub use ses::SesMailer;
pub use smtp::SmtpMailer;

use async_trait::async_trait;
pub use ports::mail::{Mail, Mailer};
use ports::{PortError, PortResult};
use std::path::PathBuf;

pub struct FolderMailer {
    dir: PathBuf,
}

impl FolderMailer {
    pub fn new(dir: impl Into<PathBuf>) -> PortResult<Self> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| PortError::unavailable("mail-folder", e))?;
        Ok(Self { dir })
    }

    /// Every mail in the folder, oldest first.
    pub fn read_all(dir: &std::path::Path) -> Vec<Mail> {
        let mut files: Vec<_> =
            std::fs::read_dir(dir).map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files.iter().filter_map(|p| std::fs::read(p).ok()).filter_map(|b| serde_json::from_slice(&b).ok()).collect()
    }
}

#[async_trait]
impl Mailer for FolderMailer {
    async fn send(&self, mail: Mail) -> PortResult<()> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let name = format!("{nanos:024}-{}.json", uuid::Uuid::new_v4().simple());
        let body = serde_json::to_vec_pretty(&mail).map_err(|e| PortError::Invalid(e.to_string()))?;
        let tmp = self.dir.join(format!(".{name}"));
        tokio::fs::write(&tmp, body).await.map_err(|e| PortError::unavailable("mail-folder", e))?;
        tokio::fs::rename(&tmp, self.dir.join(name)).await.map_err(|e| PortError::unavailable("mail-folder", e))
    }
    fn backend(&self) -> &'static str {
        "folder"
    }
}

pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: Mail) -> PortResult<()> {
        tracing::warn!(to = %mail.to, subject = %mail.subject, "mail not sent: mail.kind = log");
        Ok(())
    }
    fn backend(&self) -> &'static str {
        "log"
    }
}
