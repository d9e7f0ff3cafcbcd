//! Reviews over HTTP: a shopper who has not bought the product is refused
//! beside the form, a buyer's review waits for the merchant, and once
//! approved anonymous shoppers see it (escaped) with its rating in the
//! product's JSON-LD.

use crate::helpers::{confirmed_order, location, notice_of, spawn_app, TestApp};
use shop::catalog::seed;

async fn buy(app: &TestApp, p: &domain::Product, user: &domain::UserId) {
    confirmed_order(app, p, 1, Some(user.clone()), "review-order-1").await;
}

#[tokio::test]
async fn a_buyers_review_is_shown_escaped_with_its_rating_once_a_merchant_approves_it() {
    let app = spawn_app(&[]).await;
    let shopper = app.shopper("reviewer@example.com").await;
    let user = app.state.accounts.sign_in("reviewer@example.com", "a long enough password").await.unwrap().id;
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 0)).unwrap();
    let page = format!("/p/{}", p.slug);
    let review = [("product_id", p.id.as_str()), ("rating", "5"), ("body", "<script>alert(1)</script> Great & warm")];

    // Not bought yet: back to the product page with the reason; nothing stored.
    let r = app.form("/reviews", &shopper, &review).await;
    assert!(location(&r).starts_with(&format!("{page}?form=")), "{}", location(&r));
    let (_, back) = app.text_as(&location(&r), &shopper).await;
    assert!(back.contains("Only shoppers who bought this product can review it."));
    assert_eq!(app.state.reviews.mine(&user, &p.id).await.unwrap(), None);
    // Signed out: to the sign-in page.
    assert!(location(&app.form("/reviews", "", &review).await).starts_with("/account/sign-in?next="));

    buy(&app, &p, &user).await;
    let bad = [("product_id", p.id.as_str()), ("rating", "7"), ("body", "meh")];
    let r = app.form("/reviews", &shopper, &bad).await;
    assert!(location(&r).contains("form="), "bad input goes back to the form");
    let (_, back) = app.text_as(&location(&r), &shopper).await;
    assert!(back.contains("choose 1 to 5 stars") && back.contains("write at least 10 characters"), "beside the fields");
    assert!(back.contains(">meh</textarea>"), "what was typed comes back");
    assert_eq!(app.state.reviews.mine(&user, &p.id).await.unwrap(), None, "and changes nothing");
    let r = app.form("/reviews", &shopper, &review).await;
    assert_eq!(location(&r), page);
    assert!(notice_of(&app, &r).await.contains("once the shop approves it"));
    let (_, anonymous) = app.text(&page).await;
    assert!(anonymous.contains("No reviews yet."), "waiting for moderation");

    let merchant = app.merchant().await;
    let (_, queue) = app.text_as("/admin/reviews", &merchant).await;
    assert!(queue.contains("&lt;script&gt;alert(1)&lt;/script&gt; Great &amp; warm"), "escaped in the admin too");
    let moderate = [("product_id", p.id.as_str()), ("user_id", user.as_str()), ("action", "approve")];
    assert_eq!(app.form("/admin/reviews/moderate", &shopper, &moderate).await.status(), 403);
    let r = app.form("/admin/reviews/moderate", &merchant, &moderate).await;
    assert_eq!(notice_of(&app, &r).await, "Review approved.");

    let (status, shown) = app.text(&page).await;
    assert_eq!(status, 200);
    assert!(shown.contains("5.0 out of 5 · 1 review"), "the summary");
    assert!(shown.contains("&lt;script&gt;alert(1)&lt;/script&gt; Great &amp; warm"), "the text, escaped");
    assert!(!shown.contains("<script>alert(1)"), "never as markup");
    assert!(shown.contains("\"aggregateRating\"") && shown.contains("\"reviewCount\":1"), "JSON-LD AggregateRating");
    assert!(shown.contains("\"@type\":\"Review\""), "JSON-LD Review");
}
