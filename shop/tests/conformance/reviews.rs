//! Reviews on both stacks (SQLite and PostgreSQL): only a buyer reviews,
//! once per product (a rewrite goes back to moderation), only approved
//! reviews are shown and counted, and bad input changes nothing.

use crate::pipeline::{cart_of, drain, form, product_with_stock, stack, Stack};
use domain::UserId;
use shop::catalog::{CachedCatalog, CatalogStore};
use shop::reviews::{ReviewError, ReviewRatings, ReviewStatus, Reviews};
use std::sync::Arc;

async fn buyer(s: &Stack, product: &domain::Product, user: &UserId, key: &str) {
    let mut f = form(key);
    f.user_id = Some(user.clone());
    let price = product.variants[0].price.minor();
    s.pipeline.checkout.place(&format!("cart-{key}"), &cart_of(product, 1, price), &f, "t").await.unwrap();
    drain(s, 1).await;
}

async fn only_buyers_review_once_per_product_and_only_approved_reviews_are_shown(s: Stack) {
    let product = product_with_stock(&s, 10).await;
    let reviews = Reviews::new(s.services.db.clone(), s.catalog.clone());
    let (ann, bob) = (UserId::parse("u-ann").unwrap(), UserId::parse("u-bob").unwrap());
    // Not bought: refused, with the field errors of the draft too.
    let Err(ReviewError::Invalid(errors)) = reviews.submit(&ann, "ann@example.com", &product.id, "9", "Lovely").await
    else {
        panic!("a review without a purchase was accepted")
    };
    assert!(errors.contains_key("review") && errors.contains_key("rating"), "{errors:?}");
    assert_eq!(reviews.mine(&ann, &product.id).await.unwrap(), None, "nothing stored");

    buyer(&s, &product, &ann, "review-ann-1").await;
    buyer(&s, &product, &bob, "review-bob-1").await;
    assert!(reviews.bought(&ann, &product.id).await.unwrap());
    let Err(ReviewError::Invalid(errors)) = reviews.submit(&ann, "ann@example.com", &product.id, "5", "ok").await
    else {
        panic!("a two-letter review was accepted")
    };
    assert_eq!(errors.keys().collect::<Vec<_>>(), ["body"]);
    reviews.submit(&ann, "ann@example.com", &product.id, "5", "Warm and <b>well</b> made.").await.unwrap();
    reviews.submit(&bob, "bob@example.com", &product.id, "2", "Runs small for me.").await.unwrap();
    assert_eq!(reviews.shown(&product.id, 10).await.unwrap().0.count, 0, "nothing shown before moderation");
    assert_eq!(reviews.pending(10).await.unwrap().len(), 2);

    assert!(reviews.moderate(&product.id, &ann, ReviewStatus::Approved).await.unwrap());
    assert!(reviews.moderate(&product.id, &bob, ReviewStatus::Rejected).await.unwrap());
    let (summary, shown) = reviews.shown(&product.id, 10).await.unwrap();
    assert_eq!((summary.count, summary.average().as_deref()), (1, Some("5.0")));
    assert_eq!(shown[0].author, "ann");
    assert_eq!(shown[0].body, "Warm and <b>well</b> made.", "stored as typed; escaped when shown");

    // A rewrite replaces the first review and waits for moderation again.
    reviews.submit(&ann, "ann@example.com", &product.id, "4", "Still warm, a seam came loose.").await.unwrap();
    let mine = reviews.mine(&ann, &product.id).await.unwrap().unwrap();
    assert_eq!((mine.rating.get(), mine.status), (4, ReviewStatus::Pending));
    assert_eq!(reviews.shown(&product.id, 10).await.unwrap().0.count, 0, "one review per account, hidden again");
    assert!(!reviews.moderate(&product.id, &UserId::parse("u-nobody").unwrap(), ReviewStatus::Approved).await.unwrap());
}

/// The rating a product's card carries in its category's listing.
async fn card_rating(catalog: &CachedCatalog, p: &domain::Product) -> Option<(i64, i64)> {
    let cards = catalog.category(p.category.as_str()).await.unwrap();
    let card = cards.iter().find(|c| c.id == p.id.as_str()).expect("the product is listed");
    card.rating.map(|r| (r.count, r.total))
}

async fn an_approved_review_reaches_the_listing_cards_and_their_sort(s: Stack) {
    let product = product_with_stock(&s, 10).await;
    let reviews = Reviews::new(s.services.db.clone(), s.catalog.clone());
    let catalog = CachedCatalog::new(CatalogStore::new(s.services.catalog.clone()), s.services.cache.clone())
        .with_ratings(Arc::new(ReviewRatings(s.services.db.clone())));
    let ann = UserId::parse("u-ann").unwrap();
    buyer(&s, &product, &ann, "rated-ann-1").await;
    reviews.submit(&ann, "ann@example.com", &product.id, "4", "Does what it says.").await.unwrap();
    assert_eq!(card_rating(&catalog, &product).await, None, "a review waiting for moderation is not counted");

    assert!(reviews.moderate(&product.id, &ann, ReviewStatus::Approved).await.unwrap());
    assert_eq!(card_rating(&catalog, &product).await, Some((1, 4)), "moderation refreshes the cached index");
    let listing = domain::catalog::Listing::parse(&[("sort".into(), "rating".into())]).unwrap();
    let page = catalog.list(product.category.as_str(), &listing).await.unwrap();
    assert!(page.items.first().is_some_and(|c| c.rating.is_some()), "rated products come first");
}

on_both_stacks!(
    postgres_sqs_dynamodb:
    only_buyers_review_once_per_product_and_only_approved_reviews_are_shown,
    an_approved_review_reaches_the_listing_cards_and_their_sort,
);
