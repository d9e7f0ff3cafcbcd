//! Line refunds on both stacks: what was paid for the chosen units comes
//! back, the chosen units go back into stock once, refunds never add up to
//! more than was captured, two refunds at once never count the same units,
//! an order with line refunds is not reversed whole, a refund left
//! between steps by a crash is finished once by the reconciler, and one
//! form sent twice (at once or one after the other) refunds once.

use crate::pipeline::{confirmed_order as confirmed, product_with_stock, stack, stock_of, Stack};
use async_trait::async_trait;
use domain::order::OrderStatus;
use domain::refund::RefundAsk;
use domain::{Money, OrderId};
use ports::payments::{PaymentError, Payments};
use shop::orders::admin::{reverse, ManageError, Reversal};
use shop::orders::refunds::{refund_lines, refunds_of, resume_refunds, RefundError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

fn ask(sku: &str, qty: &str, restock: &str, shipping: bool) -> RefundAsk {
    RefundAsk {
        key: None,
        return_id: None,
        lines: vec![(sku.into(), qty.into(), restock.into())],
        shipping,
        reason: "arrived damaged".into(),
    }
}

async fn refund_mails(s: &Stack) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE kind = 'refund_issued'")
        .fetch_one(s.services.db.pool())
        .await
        .unwrap()
}

async fn line_refunds_give_back_what_was_paid_restock_once_and_never_exceed_the_capture(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let (sku, price) = (p.variants[0].sku.as_str(), p.variants[0].price);
    let id = confirmed(&s, &p, 3, "refund-lines-1").await;
    let (repo, pay) = (&s.pipeline.repo, &s.pipeline.payments);
    let order = repo.get(&id).await.unwrap().unwrap();
    let shipping = order.total.minor() - price.minor() * 3;

    let first = refund_lines(repo, &s.catalog, pay, &id, &ask(sku, "1", "1", false), "m@x.co").await.unwrap();
    assert_eq!(first.plan.amount, price, "one unit's price");
    assert_eq!(stock_of(&s, &p).await, 8, "one unit back into stock");

    let Err(RefundError::Invalid(errors)) =
        refund_lines(repo, &s.catalog, pay, &id, &ask(sku, "3", "0", false), "m").await
    else {
        panic!("refunding more units than are left was accepted")
    };
    assert_eq!(errors.keys().collect::<Vec<_>>(), [format!("qty.{sku}").as_str()]);
    assert_eq!(refunds_of(repo, &id).await.unwrap().len(), 1, "nothing changed");
    let whole = reverse(repo, &s.catalog, pay, &id, Reversal::Refund, "all", "m").await;
    assert!(matches!(whole, Err(ManageError::HasLineRefunds)), "{whole:?}");

    let rest = refund_lines(repo, &s.catalog, pay, &id, &ask(sku, "2", "0", true), "m@x.co").await.unwrap();
    assert_eq!(rest.plan.amount.minor(), price.minor() * 2 + shipping);
    assert_eq!(stock_of(&s, &p).await, 8, "restocked only what was chosen");
    assert_eq!(repo.status(&id).await.unwrap(), Some(OrderStatus::Refunded), "everything is back");
    let more = pay.refund_part(&order.payment_auth, "one-cent-more", Money::new(1, price.currency()).unwrap()).await;
    assert!(matches!(more, Err(PaymentError::Declined(_))), "the provider refuses past the capture: {more:?}");
    assert_eq!(refund_mails(&s).await, 2, "one mail per refund");
}

async fn two_refunds_at_once_never_refund_the_same_unit_twice(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let sku = p.variants[0].sku.as_str();
    let id = confirmed(&s, &p, 1, "refund-race-1").await;
    let (repo, pay) = (&s.pipeline.repo, &s.pipeline.payments);
    let one = ask(sku, "1", "1", false);
    let (a, b) = tokio::join!(
        refund_lines(repo, &s.catalog, pay, &id, &one, "ann"),
        refund_lines(repo, &s.catalog, pay, &id, &one, "bob"),
    );
    assert_eq!([&a, &b].iter().filter(|r| r.is_ok()).count(), 1, "{a:?} {b:?}");
    assert!([&a, &b].iter().any(|r| matches!(r, Err(RefundError::Conflict | RefundError::Invalid(_)))));
    assert_eq!(refunds_of(repo, &id).await.unwrap().len(), 1);
    assert_eq!(stock_of(&s, &p).await, 5, "the unit came back once");
}

/// A provider that moves the money and then loses the answer (a crash
/// right after the provider's side) while `lose` is on.
struct LostAnswer {
    inner: Arc<dyn Payments>,
    lose: AtomicBool,
}

#[async_trait]
impl Payments for LostAnswer {
    async fn authorize(&self, o: &OrderId, f: &str, a: Money, c: &str) -> Result<String, PaymentError> {
        self.inner.authorize(o, f, a, c).await
    }
    async fn capture(&self, auth: &str, amount: Money) -> Result<(), PaymentError> {
        self.inner.capture(auth, amount).await
    }
    async fn void(&self, auth: &str) -> Result<(), PaymentError> {
        self.inner.void(auth).await
    }
    async fn refund(&self, auth: &str) -> Result<(), PaymentError> {
        self.inner.refund(auth).await
    }
    async fn refund_part(&self, auth: &str, refund_id: &str, amount: Money) -> Result<(), PaymentError> {
        self.inner.refund_part(auth, refund_id, amount).await?;
        if self.lose.load(Ordering::SeqCst) {
            return Err(PaymentError::Transient("connection reset after the refund".into()));
        }
        Ok(())
    }
    async fn open_authorizations(&self, before: i64, limit: i64) -> Result<Vec<String>, PaymentError> {
        self.inner.open_authorizations(before, limit).await
    }
}

async fn a_refund_left_between_steps_is_finished_once_by_the_reconciler(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let sku = p.variants[0].sku.as_str();
    let id = confirmed(&s, &p, 2, "refund-crash-1").await;
    let repo = &s.pipeline.repo;
    let flaky: Arc<dyn Payments> =
        Arc::new(LostAnswer { inner: s.pipeline.payments.clone(), lose: AtomicBool::new(true) });
    let lost = refund_lines(repo, &s.catalog, &flaky, &id, &ask(sku, "1", "1", false), "m").await;
    assert!(matches!(lost, Err(RefundError::Manage(ManageError::Port(_)))), "{lost:?}");
    let left = refunds_of(repo, &id).await.unwrap();
    assert_eq!((left.len(), left[0].step.as_str()), (1, "refund"), "the intent waits");
    assert_eq!(stock_of(&s, &p).await, 8, "not restocked yet");

    let later = ports::clock::now() + 120;
    assert_eq!(resume_refunds(repo, &s.catalog, &s.pipeline.payments, later).await.unwrap(), 1);
    assert_eq!(resume_refunds(repo, &s.catalog, &s.pipeline.payments, later).await.unwrap(), 0, "once");
    assert_eq!(refunds_of(repo, &id).await.unwrap()[0].step, "done");
    assert_eq!(stock_of(&s, &p).await, 9, "restocked once");
    let order = repo.get(&id).await.unwrap().unwrap();
    let moved: Vec<i64> = sqlx::query_scalar("SELECT amount_minor FROM payment_refunds WHERE auth_id = $1")
        .bind(&order.payment_auth)
        .fetch_all(s.services.db.pool())
        .await
        .unwrap();
    assert_eq!(moved, [p.variants[0].price.minor()], "the money moved once");
    assert_eq!(refund_mails(&s).await, 1);
}

async fn one_form_sent_twice_refunds_once(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let sku = p.variants[0].sku.as_str();
    let id = confirmed(&s, &p, 4, "refund-twice-1").await;
    let (repo, pay) = (&s.pipeline.repo, &s.pipeline.payments);
    let form = |key: &str| RefundAsk { key: Some(key.to_string()), ..ask(sku, "1", "1", false) };

    let twice = form("double-click-1");
    let (a, b) = tokio::join!(
        refund_lines(repo, &s.catalog, pay, &id, &twice, "m"),
        refund_lines(repo, &s.catalog, pay, &id, &twice, "m"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.id, b.id, "both answers are the one refund");
    let again = refund_lines(repo, &s.catalog, pay, &id, &form("double-click-1"), "m").await.unwrap();
    assert_eq!(again.id, a.id, "sent again later, still the same refund");
    assert_eq!(refunds_of(repo, &id).await.unwrap().len(), 1);
    assert_eq!(stock_of(&s, &p).await, 7, "one unit came back, once");
    assert_eq!(refund_mails(&s).await, 1);

    // A new form (a new key) is a new refund; a key from another order's form is refused.
    refund_lines(repo, &s.catalog, pay, &id, &form("second-form-1"), "m").await.unwrap();
    assert_eq!(refunds_of(repo, &id).await.unwrap().len(), 2);
    let other = confirmed(&s, &p, 1, "refund-twice-2").await;
    let stolen = refund_lines(repo, &s.catalog, pay, &other, &form("second-form-1"), "m").await;
    assert!(matches!(stolen, Err(RefundError::Invalid(_))), "{stolen:?}");
    let odd = refund_lines(repo, &s.catalog, pay, &other, &form("<script>"), "m").await;
    assert!(matches!(odd, Err(RefundError::Invalid(_))), "{odd:?}");
    assert!(refunds_of(repo, &other).await.unwrap().is_empty(), "nothing refunded on the other order");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    one_form_sent_twice_refunds_once,
    line_refunds_give_back_what_was_paid_restock_once_and_never_exceed_the_capture,
    two_refunds_at_once_never_refund_the_same_unit_twice,
    a_refund_left_between_steps_is_finished_once_by_the_reconciler,
);
