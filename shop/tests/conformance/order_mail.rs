//! Order mails on both stacks: every decided order (confirmed, rejected,
//! refunded) mails its shopper exactly once, from the outbox row written with
//! the decision. A send that fails is retried later and never touches the
//! order; a send the provider refuses for good is given up, not retried.

use crate::pipeline::{cart_of, drain, form, product_with_stock, stack, Stack};
use async_trait::async_trait;
use domain::order::OrderStatus;
use ports::mail::{Mail, Mailer};
use ports::{PortError, PortResult};
use shop::jobs::mail_relay::{MailRelay, Sent};
use shop::mail::outbox::{MailCounts, MailOutbox};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A mail service that is down for its first `outage` sends, refuses every
/// mail while `refusing`, and otherwise keeps what it was given.
#[derive(Default)]
pub(crate) struct TestMailer {
    pub(crate) outage: AtomicUsize,
    pub(crate) refusing: AtomicBool,
    pub(crate) sent: Mutex<Vec<Mail>>,
}

#[async_trait]
impl Mailer for TestMailer {
    async fn send(&self, mail: Mail) -> PortResult<()> {
        if self.outage.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
            return Err(PortError::unavailable("mail", "connection refused"));
        }
        if self.refusing.load(Ordering::SeqCst) {
            return Err(PortError::Invalid("recipient refused".into()));
        }
        self.sent.lock().unwrap().push(mail);
        Ok(())
    }
    fn backend(&self) -> &'static str {
        "test"
    }
}

/// Make every waiting mail due now (the test does not wait out the backoff).
async fn due_now(s: &Stack) {
    sqlx::query("UPDATE mail_outbox SET next_at = 0").execute(s.services.db.pool()).await.unwrap();
}

async fn every_decided_order_mails_its_shopper_once_and_a_failed_send_is_retried(s: Stack) {
    use shop::orders::admin::{reverse, Reversal};
    let p = product_with_stock(&s, 10).await;
    let price = p.variants[0].price.minor();
    let ok = s.pipeline.checkout.place("mail-ok", &cart_of(&p, 2, price), &form("mail-ok-key-1"), "t").await.unwrap();
    let mut declined = form("mail-declined-key");
    declined.card_number = "4000000000009995".into();
    let no = s.pipeline.checkout.place("mail-no", &cart_of(&p, 1, price), &declined, "t").await.unwrap();
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&ok).await.unwrap(), Some(OrderStatus::Confirmed));

    let outbox = MailOutbox::new(s.services.db.clone());
    let mailer = Arc::new(TestMailer { outage: AtomicUsize::new(2), ..Default::default() });
    let relay = MailRelay::new(outbox.clone(), mailer.clone(), "https://shop.test/", s.pipeline.signer.clone());
    assert_eq!(relay.step().await.unwrap(), Sent { sent: 0, retrying: 2, given_up: 0 }, "the mail service is down");
    assert_eq!(relay.step().await.unwrap(), Sent::default(), "not again before the backoff");
    assert_eq!(s.pipeline.repo.status(&ok).await.unwrap(), Some(OrderStatus::Confirmed), "the order stands");
    due_now(&s).await;
    assert_eq!(relay.step().await.unwrap().sent, 2);
    assert_eq!(outbox.counts().await.unwrap(), MailCounts { waiting: 0, failed: 0 });
    assert_eq!(mailer.sent.lock().unwrap().len(), 2);

    let mails = mailer.sent.lock().unwrap().clone();
    let confirmed = mails.iter().find(|m| m.subject.contains(ok.as_str())).expect("a confirmation");
    assert!(confirmed.subject.contains("confirmed") && confirmed.to == "shopper@example.com");
    let total = s.pipeline.repo.get(&ok).await.unwrap().unwrap().total.to_string();
    assert!(confirmed.text.contains(&total) && confirmed.html.contains(&total), "the total: {total}");
    assert!(confirmed.text.contains("Porto") && confirmed.text.contains(p.variants[0].sku.as_str()));
    let link = format!("https://shop.test{}", s.pipeline.signer.order_path(ok.as_str()));
    assert!(confirmed.text.contains(&link), "the link carries the order's key: {}", confirmed.text);
    let rejected = mails.iter().find(|m| m.subject.contains(no.as_str())).expect("a rejection");
    assert!(rejected.text.contains("Nothing was charged"), "{}", rejected.text);

    // The decision stored again (a redelivery) writes no second mail.
    assert!(!s.pipeline.repo.transition(&ok, "reserved", &OrderStatus::Confirmed).await.unwrap());
    assert_eq!(relay.step().await.unwrap(), Sent::default());

    // A refund mails once; a refusal for good is given up at once.
    mailer.refusing.store(true, Ordering::SeqCst);
    reverse(&s.pipeline.repo, &s.catalog, &s.pipeline.payments, &ok, Reversal::Refund, "asked", "m@x.co")
        .await
        .unwrap();
    assert_eq!(relay.step().await.unwrap(), Sent { sent: 0, retrying: 0, given_up: 1 });
    due_now(&s).await;
    assert_eq!(relay.step().await.unwrap(), Sent::default(), "never retried");
    assert_eq!(outbox.counts().await.unwrap(), MailCounts { waiting: 0, failed: 1 });
    assert_eq!(s.pipeline.repo.status(&ok).await.unwrap(), Some(OrderStatus::Refunded));

    // Sent mails are forgotten after a while; waiting and given-up ones are kept.
    assert_eq!(outbox.purge_sent(ports::clock::now() + 1).await.unwrap(), 2);
    assert_eq!(outbox.counts().await.unwrap(), MailCounts { waiting: 0, failed: 1 });
}

on_both_stacks!(
    postgres_sqs_dynamodb: every_decided_order_mails_its_shopper_once_and_a_failed_send_is_retried
);
