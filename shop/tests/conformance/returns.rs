//! Return requests on both stacks: a shopper asks for units still
//! returnable (bad input refused, nothing stored), two requests at once
//! never both count the same units, the merchant approves or refuses once
//! (a mail each time), and the line refund that settles an approved
//! request marks it refunded. Cancelling the whole order closes its open
//! requests, and none can be asked for after.

use crate::pipeline::{confirmed_order as confirmed, product_with_stock, stack, stock_of, Stack};
use domain::refund::RefundAsk;
use domain::returns::ReturnStatus;
use shop::orders::refunds::{refund_lines, RefundError};
use shop::orders::returns::{decide, request, returns_of, ReturnError};
use shop::orders::reversal::{reverse, Reversal};

fn asked(sku: &str, n: &str) -> Vec<(String, String)> {
    vec![(sku.to_string(), n.to_string())]
}

async fn mails(s: &Stack, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE kind = $1")
        .bind(kind)
        .fetch_one(s.services.db.pool())
        .await
        .unwrap()
}

async fn a_return_is_asked_approved_and_settled_by_a_line_refund(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let sku = p.variants[0].sku.as_str();
    let id = confirmed(&s, &p, 3, "return-1").await;
    let repo = &s.pipeline.repo;

    let Err(ReturnError::Invalid(errors)) = request(repo, &id, &asked(sku, "4"), "").await else {
        panic!("more units than bought were accepted")
    };
    assert_eq!(errors.keys().collect::<Vec<_>>(), [format!("qty.{sku}").as_str(), "reason"]);
    assert!(returns_of(repo, &id).await.unwrap().is_empty(), "nothing stored");

    let first = request(repo, &id, &asked(sku, "2"), "too small").await.unwrap();
    let Err(ReturnError::Invalid(errors)) = request(repo, &id, &asked(sku, "2"), "also small").await else {
        panic!("units already asked for were asked for again")
    };
    assert_eq!(errors[&format!("qty.{sku}")], "at most 1 can be returned");
    let second = request(repo, &id, &asked(sku, "1"), "wrong colour").await.unwrap();
    assert_eq!(mails(&s, "return_requested").await, 2);

    decide(repo, &second.id, false, "worn", "m@x.co").await.unwrap();
    assert!(matches!(decide(repo, &second.id, true, "", "m").await, Err(ReturnError::Decided("refused"))));
    decide(repo, &first.id, true, "send them back", "m@x.co").await.unwrap();
    assert_eq!((mails(&s, "return_approved").await, mails(&s, "return_refused").await), (1, 1));

    // A refund naming a request that is not approved is refused.
    let settle = |rid: &str| RefundAsk {
        key: None,
        return_id: Some(rid.to_string()),
        lines: vec![(sku.to_string(), "2".into(), "2".into())],
        shipping: false,
        reason: "return received".into(),
    };
    let wrong = refund_lines(repo, &s.catalog, &s.pipeline.payments, &id, &settle(&second.id), "m").await;
    assert!(matches!(wrong, Err(RefundError::Invalid(_))), "{wrong:?}");
    refund_lines(repo, &s.catalog, &s.pipeline.payments, &id, &settle(&first.id), "m").await.unwrap();
    let stored = returns_of(repo, &id).await.unwrap();
    let status_of = |rid: &str| stored.iter().find(|r| r.id == rid).map(|r| r.status);
    assert_eq!(
        (status_of(&first.id), status_of(&second.id)),
        (Some(ReturnStatus::Refunded), Some(ReturnStatus::Refused))
    );
    assert_eq!(stock_of(&s, &p).await, 9, "the returned units are back in stock");
    // The refunded units are no longer returnable; the third one still is.
    assert!(request(repo, &id, &asked(sku, "2"), "again").await.is_err());
    request(repo, &id, &asked(sku, "1"), "the last one too").await.unwrap();
}

async fn two_requests_at_once_never_ask_for_the_same_unit(s: Stack) {
    let p = product_with_stock(&s, 5).await;
    let sku = p.variants[0].sku.as_str();
    let id = confirmed(&s, &p, 1, "return-race-1").await;
    let repo = &s.pipeline.repo;
    let one = asked(sku, "1");
    let (a, b) = tokio::join!(request(repo, &id, &one, "first tab"), request(repo, &id, &one, "second tab"));
    assert_eq!([&a, &b].iter().filter(|r| r.is_ok()).count(), 1, "{a:?} {b:?}");
    assert_eq!(returns_of(repo, &id).await.unwrap().len(), 1);
}

async fn cancelling_the_whole_order_closes_its_open_returns(s: Stack) {
    let p = product_with_stock(&s, 10).await;
    let sku = p.variants[0].sku.as_str();
    let id = confirmed(&s, &p, 3, "return-cancel-1").await;
    let repo = &s.pipeline.repo;
    let waiting = request(repo, &id, &asked(sku, "1"), "too big").await.unwrap();
    let approved = request(repo, &id, &asked(sku, "1"), "wrong colour").await.unwrap();
    decide(repo, &approved.id, true, "send it back", "m@x.co").await.unwrap();
    let refused = request(repo, &id, &asked(sku, "1"), "changed my mind").await.unwrap();
    decide(repo, &refused.id, false, "no", "m@x.co").await.unwrap();

    reverse(repo, &s.catalog, &s.pipeline.payments, &id, Reversal::Cancel, "out of stock", "m@x.co").await.unwrap();
    let stored = returns_of(repo, &id).await.unwrap();
    let state = |rid: &str| stored.iter().find(|r| r.id == rid).map(|r| (r.status, r.note.clone()));
    let closed = Some((ReturnStatus::Closed, Some("the whole order was cancelled".to_string())));
    assert_eq!(state(&waiting.id), closed, "a waiting request is closed");
    assert_eq!(state(&approved.id), closed, "an approved one too: its refund can never come");
    assert_eq!(state(&refused.id).map(|s| s.0), Some(ReturnStatus::Refused), "a decided one keeps its decision");
    assert!(matches!(decide(repo, &waiting.id, true, "", "m").await, Err(ReturnError::Decided(_))));
    assert!(matches!(request(repo, &id, &asked(sku, "1"), "again").await, Err(ReturnError::Invalid(_))));
    assert_eq!(stock_of(&s, &p).await, 10, "the order's units are back once, not again for the returns");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    a_return_is_asked_approved_and_settled_by_a_line_refund,
    two_requests_at_once_never_ask_for_the_same_unit,
    cancelling_the_whole_order_closes_its_open_returns,
);
