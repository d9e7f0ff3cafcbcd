//! The mail relay: drains the mail outbox through the mail port. Runs in
//! every `serve` and `worker` process; leases keep two relays off one mail.
//! A send that fails for a while (the provider is down) is retried with
//! backoff; one the provider refuses for good is given up and logged. The
//! order it tells about is never touched.

use crate::jobs::runner::{run, Outcome, Pace};
use crate::mail::outbox::{MailOutbox, KEEP_SENT_SECS};
use crate::orders::cart::CookieSigner;
use ports::mail::Mailer;
use ports::{PortError, PortResult};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Mails one step sends at most.
const BATCH: i64 = 20;
/// Longest one send may take before it counts as failed (and is retried).
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct MailRelay {
    pub outbox: MailOutbox,
    pub mailer: Arc<dyn Mailer>,
    pub public_url: String,
    /// Makes the key in an order mail's link.
    pub links: CookieSigner,
    /// When this relay last deleted old sent mails (Unix seconds).
    purged_at: Arc<AtomicI64>,
}

/// How often a relay deletes sent mails older than `KEEP_SENT_SECS`.
const PURGE_EVERY_SECS: i64 = 3600;

/// What one step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub retrying: usize,
    pub given_up: usize,
}

impl MailRelay {
    pub fn new(outbox: MailOutbox, mailer: Arc<dyn Mailer>, public_url: &str, links: CookieSigner) -> Self {
        let public_url = public_url.trim_end_matches('/').to_string();
        Self { outbox, mailer, public_url, links, purged_at: Arc::default() }
    }

    /// Send what is due (one batch); once an hour, forget old sent mails.
    pub async fn step(&self) -> PortResult<Sent> {
        let now = ports::clock::now();
        if now - self.purged_at.load(Ordering::Relaxed) >= PURGE_EVERY_SECS {
            self.purged_at.store(now, Ordering::Relaxed);
            let n = self.outbox.purge_sent(now - KEEP_SENT_SECS).await?;
            if n > 0 {
                tracing::info!(deleted = n, "old sent mails deleted");
            }
        }
        let mut done = Sent::default();
        for p in self.outbox.claim(BATCH).await? {
            let sent = match self.outbox.compose(&p, &self.public_url, &self.links).await {
                Ok(doc) => {
                    match tokio::time::timeout(SEND_TIMEOUT, self.mailer.send(doc.to_mail(&p.recipient))).await {
                        Ok(r) => r,
                        Err(_) => Err(PortError::unavailable("mail", "the send timed out")),
                    }
                }
                Err(e) => Err(e),
            };
            match sent {
                Ok(()) => {
                    self.outbox.sent(&p.id).await?;
                    tracing::info!(mail = %p.id, backend = self.mailer.backend(), "mail sent");
                    done.sent += 1;
                }
                Err(e) => {
                    let permanent = matches!(e, PortError::Invalid(_));
                    if self.outbox.failed(&p, &e.to_string(), permanent).await? {
                        tracing::error!(mail = %p.id, attempts = p.attempts + 1, error = %e, "mail given up");
                        done.given_up += 1;
                    } else {
                        tracing::warn!(mail = %p.id, attempts = p.attempts + 1, error = %e, "mail not sent; will retry");
                        done.retrying += 1;
                    }
                }
            }
        }
        Ok(done)
    }

    /// Run until `stop` flips: at once while there is mail, every `idle` otherwise.
    pub async fn run(self, idle: Duration, stop: tokio::sync::watch::Receiver<bool>) {
        let me = &self;
        run("mail relay", Pace::Busy { idle, retry: idle }, stop, || async move {
            let s = me.step().await?;
            Ok::<_, PortError>(match s {
                Sent { sent: 0, retrying: 0, given_up: 0 } => Outcome::Idle,
                s if s.sent == 0 => Outcome::Worked(format!("{} to retry, {} given up", s.retrying, s.given_up)),
                s => {
                    Outcome::Worked(format!("{} mails sent, {} to retry, {} given up", s.sent, s.retrying, s.given_up))
                }
            })
        })
        .await
    }
}
