//! Discount codes through the whole pipeline, on both stacks: a usage limit
//! holds under concurrency exactly as stock does, a rejected or cancelled
//! order gives its use back, a once-per-customer code takes one order per
//! address, and the order charges the discounted total the checkout showed.

use crate::pipeline::{cart_of, count, drain, form, product_with_stock, stack, stock_of, Stack};
use domain::order::OrderStatus;
use domain::promo::{Benefit, PromoCode, Promotion};
use shop::orders::checkout::CheckoutError;
use shop::orders::reversal::{reverse, Reversal};

fn promotion(code: &str, benefit: Benefit, limit: Option<u32>, once: bool) -> Promotion {
    Promotion {
        code: PromoCode::parse(&adapters::testing::unique(code).replace('-', "")[..20]).unwrap(),
        benefit,
        starts_at: None,
        ends_at: None,
        min_subtotal: 0,
        categories: vec![],
        once_per_customer: once,
        usage_limit: limit,
        active: true,
        automatic: false,
        min_quantity: 0,
    }
}

/// A total after the discount: standard shipping is priced on it.
fn with_shipping(after_discount: i64) -> i64 {
    let after = domain::Money::new(after_discount, domain::Currency::Usd).unwrap();
    let standard = &domain::shipping::default_zones()[0].methods[0];
    after_discount + standard.price(after, 0).minor()
}

async fn used(s: &Stack, p: &Promotion) -> i64 {
    s.catalog.store().promotion(&p.code).await.unwrap().unwrap().used
}

fn with_code(mut cart: shop::orders::cart::Cart, p: &Promotion) -> shop::orders::cart::Cart {
    cart.code = Some(p.code.to_string().to_lowercase());
    cart
}

async fn two_hundred_checkouts_for_a_code_limited_to_twenty_make_exactly_twenty_orders_with_it(s: Stack) {
    let product = product_with_stock(&s, 500).await;
    let price = product.variants[0].price.minor();
    let code = promotion("TWENTY", Benefit::Percent { percent: 10 }, Some(20), false);
    s.catalog.store().create_promotion(&code).await.unwrap();
    let tasks: Vec<_> = (0..200)
        .map(|i| {
            let (checkout, cart) = (s.pipeline.checkout.clone(), with_code(cart_of(&product, 1, price), &code));
            tokio::spawn(async move {
                checkout.place(&format!("code{i}"), &cart, &form(&format!("code-key-{i:04}")), "test").await
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap().expect("checkout accepted"));
    }
    drain(&s, 4).await;
    assert_eq!(count(&s, "confirmed").await, 20, "exactly the code's limit");
    assert_eq!(count(&s, "rejected").await, 180);
    assert_eq!(used(&s, &code).await, 20);
    assert_eq!(stock_of(&s, &product).await, 480, "the rejected orders' stock is back");
    let discounted = price - (price * 10 + 50) / 100;
    for id in &ids {
        let o = s.pipeline.repo.get(id).await.unwrap().unwrap();
        match &o.status {
            OrderStatus::Confirmed => {
                assert_eq!(o.total.minor(), with_shipping(discounted), "discounted price plus shipping")
            }
            OrderStatus::Rejected { reason } => assert!(reason.contains("used up"), "{reason}"),
            other => panic!("{other:?}"),
        }
    }
}

async fn a_rejected_or_cancelled_order_gives_its_code_use_back(s: Stack) {
    let product = product_with_stock(&s, 10).await;
    let price = product.variants[0].price.minor();
    let code = promotion("ONCE", Benefit::Fixed { minor: 100 }, Some(1), false);
    s.catalog.store().create_promotion(&code).await.unwrap();
    let place = |cart: &str, key: &str, card: &str| {
        let mut f = form(key);
        f.card_number = card.into();
        let (checkout, c) = (s.pipeline.checkout.clone(), with_code(cart_of(&product, 1, price), &code));
        let cart = cart.to_string();
        async move { checkout.place(&cart, &c, &f, "t").await.unwrap() }
    };
    // Declined at capture: rejected, and the use is given back.
    let declined = place("c1", "code-key-a", "4000000000009995").await;
    drain(&s, 1).await;
    assert!(matches!(s.pipeline.repo.status(&declined).await.unwrap(), Some(OrderStatus::Rejected { .. })));
    assert_eq!(used(&s, &code).await, 0, "a declined order holds no use");
    let kept = place("c2", "code-key-b", "4242424242424242").await;
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&kept).await.unwrap(), Some(OrderStatus::Confirmed));
    assert_eq!(used(&s, &code).await, 1);
    let stored = s.pipeline.repo.get(&kept).await.unwrap().unwrap();
    assert_eq!(stored.total.minor(), with_shipping(price - 100));
    assert_eq!(
        (stored.discount.minor(), stored.code.map(|c| c.code)),
        (100, Some(code.code.clone())),
        "stored with the order"
    );
    // The same submit again (its answer lost) names the same order, though the code is used up now.
    let same =
        s.pipeline.checkout.place("c2", &with_code(cart_of(&product, 1, price), &code), &form("code-key-b"), "t").await;
    assert_eq!(same.unwrap(), kept, "a retry is never told the code is used up by its own order");
    // Used up: the checkout says so before anything is charged.
    let refused =
        s.pipeline.checkout.place("c3", &with_code(cart_of(&product, 1, price), &code), &form("code-key-c"), "t").await;
    assert!(matches!(&refused, Err(CheckoutError::Cart(why)) if why.contains("used up")), "{refused:?}");
    // A cancellation gives the use back, once, and the code works again.
    let p = &s.pipeline;
    reverse(&p.repo, &s.catalog, &p.payments, &kept, Reversal::Cancel, "asked", "m@example.com").await.unwrap();
    assert_eq!(used(&s, &code).await, 0);
    let again = place("c4", "code-key-d", "4242424242424242").await;
    drain(&s, 1).await;
    assert_eq!(s.pipeline.repo.status(&again).await.unwrap(), Some(OrderStatus::Confirmed));
    assert_eq!(used(&s, &code).await, 1);
}

async fn a_once_per_customer_code_takes_one_order_per_address(s: Stack) {
    let product = product_with_stock(&s, 10).await;
    let price = product.variants[0].price.minor();
    let code = promotion("WELCOME", Benefit::FreeShipping, None, true);
    s.catalog.store().create_promotion(&code).await.unwrap();
    // Two carts of one shopper checked out at once: the worker lets one have it.
    let mut ids = Vec::new();
    for i in 0..2 {
        let cart = with_code(cart_of(&product, 1, price), &code);
        ids.push(
            s.pipeline.checkout.place(&format!("w{i}"), &cart, &form(&format!("welcome-{i:04}")), "t").await.unwrap(),
        );
    }
    let mut other = form("welcome-other");
    other.email = "Someone.Else@example.com".into();
    let theirs =
        s.pipeline.checkout.place("w9", &with_code(cart_of(&product, 1, price), &code), &other, "t").await.unwrap();
    drain(&s, 2).await;
    let statuses: Vec<OrderStatus> = futures::future::join_all(ids.iter().map(|id| s.pipeline.repo.status(id)))
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == OrderStatus::Confirmed).count(), 1, "{statuses:?}");
    assert!(statuses.iter().any(|s| matches!(s, OrderStatus::Rejected { reason } if reason.contains("already used"))));
    assert_eq!(s.pipeline.repo.status(&theirs).await.unwrap(), Some(OrderStatus::Confirmed), "another address");
    let confirmed = s.pipeline.repo.get(&theirs).await.unwrap().unwrap();
    assert_eq!(confirmed.total.minor(), price, "free shipping: the lines alone");
    // The same address again (any case) is told at checkout.
    let mut again = form("welcome-again");
    again.email = "SHOPPER@example.com".into();
    let refused = s.pipeline.checkout.place("w3", &with_code(cart_of(&product, 1, price), &code), &again, "t").await;
    assert!(matches!(&refused, Err(CheckoutError::Cart(why)) if why.contains("already used")), "{refused:?}");
    assert_eq!(stock_of(&s, &product).await, 8);
}

async fn editing_a_code_keeps_its_uses_and_refuses_a_stale_form(s: Stack) {
    let store = s.catalog.store();
    let mut code = promotion("EDIT", Benefit::Percent { percent: 5 }, Some(1), false);
    store.create_promotion(&code).await.unwrap();
    assert!(store.create_promotion(&code).await.is_err(), "a code exists once");
    let product = product_with_stock(&s, 5).await;
    let price = product.variants[0].price.minor();
    s.pipeline
        .checkout
        .place("e1", &with_code(cart_of(&product, 1, price), &code), &form("edit-key-1"), "t")
        .await
        .unwrap();
    drain(&s, 1).await;
    let row = store.promotion(&code.code).await.unwrap().unwrap();
    assert_eq!((row.used, row.version), (1, 1));
    code.usage_limit = Some(3);
    store.update_promotion(&code, row.version).await.unwrap();
    assert!(store.update_promotion(&code, row.version).await.is_err(), "a form of the old version is refused");
    let row = store.promotion(&code.code).await.unwrap().unwrap();
    assert_eq!((row.used, row.version, row.promotion.usage_limit), (1, 2, Some(3)), "the use stays counted");
    code.usage_limit = None;
    store.update_promotion(&code, 2).await.unwrap();
    assert_eq!(store.promotion(&code.code).await.unwrap().unwrap().used, 1, "and without a limit too");
    assert!(store.promotions().await.unwrap().iter().any(|r| r.promotion.code == code.code));
    assert_eq!(count(&s, "confirmed").await, 1);
}

async fn an_automatic_promotion_applies_without_a_code_and_a_better_code_replaces_it(s: Stack) {
    let product = product_with_stock(&s, 10).await;
    let price = product.variants[0].price.minor();
    let mut auto = promotion("BUYTWO", Benefit::Fixed { minor: 500 }, None, false);
    (auto.automatic, auto.min_quantity) = (true, 2);
    s.catalog.store().create_promotion(&auto).await.unwrap();
    // One item: under its condition. Two: it applies by itself.
    let one = s.pipeline.checkout.place("a1", &cart_of(&product, 1, price), &form("auto-key-1"), "t").await.unwrap();
    let two = s.pipeline.checkout.place("a2", &cart_of(&product, 2, price), &form("auto-key-2"), "t").await.unwrap();
    // A shopper cannot type an automatic promotion's name as a code.
    let typed =
        s.pipeline.checkout.place("a3", &with_code(cart_of(&product, 2, price), &auto), &form("auto-key-3"), "t").await;
    assert!(matches!(&typed, Err(CheckoutError::Cart(why)) if why.contains("is not valid")), "{typed:?}");
    // A code saving more than the automatic promotion replaces it.
    let half = promotion("HALF", Benefit::Percent { percent: 50 }, Some(5), false);
    s.catalog.store().create_promotion(&half).await.unwrap();
    let coded = s
        .pipeline
        .checkout
        .place("a4", &with_code(cart_of(&product, 2, price), &half), &form("auto-key-4"), "t")
        .await
        .unwrap();
    drain(&s, 1).await;
    let repo = &s.pipeline.repo;
    let get = |id| async move { repo.get(&id).await.unwrap().unwrap() };
    let (one, two, coded) = (get(one).await, get(two).await, get(coded).await);
    assert_eq!((one.discount.minor(), one.promotion), (0, None));
    assert_eq!(two.discount.minor(), 500);
    assert_eq!((two.promotion.as_deref(), two.code), (Some(auto.code.as_str()), None), "automatic: no use to claim");
    assert_eq!(two.total.minor(), with_shipping(2 * price - 500));
    assert_eq!(coded.discount.minor(), price, "half of two items");
    assert_eq!(used(&s, &half).await, 1);
    // Cancelling the automatic order gives back stock and nothing else.
    let p = &s.pipeline;
    reverse(&p.repo, &s.catalog, &p.payments, &two.id, Reversal::Cancel, "asked", "m@example.com").await.unwrap();
    assert_eq!(stock_of(&s, &product).await, 10 - 1 - 2);
    assert_eq!(used(&s, &half).await, 1);
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    two_hundred_checkouts_for_a_code_limited_to_twenty_make_exactly_twenty_orders_with_it,
    a_rejected_or_cancelled_order_gives_its_code_use_back,
    a_once_per_customer_code_takes_one_order_per_address,
    editing_a_code_keeps_its_uses_and_refuses_a_stale_form,
    an_automatic_promotion_applies_without_a_code_and_a_better_code_replaces_it,
);
