//! Wishlists and back-in-stock alerts over HTTP, as plain form posts (no
//! Wasm): a guest saves and removes products, its list joins its account's
//! when it signs in, and a sold-out variant's alert form refuses a bad
//! address (storing nothing) and accepts a good one.

use crate::helpers::{cookie_pair, location, notice_of, spawn_app};
use app::wishlist::{AskStockAlertForm, RemoveFromWishlistForm, SaveToWishlistForm};
use leptos::server_fn::ServerFn;
use shop::catalog::{seed, StockLine};
use shop::wishlist::Owner;

#[tokio::test]
async fn a_guest_saves_and_removes_products_and_its_list_joins_its_account_at_sign_in() {
    let app = spawn_app(&[]).await;
    let (a, b) = (seed::product(3), seed::product(4));
    let page = format!("/p/{}", a.slug);
    let (_, product_page) = app.text(&page).await;
    assert!(product_page.contains(&format!("action=\"{}\"", SaveToWishlistForm::PATH)), "a plain form");

    let r = app.form(SaveToWishlistForm::PATH, "", &[("product_id", a.id.as_str())]).await;
    assert_eq!(location(&r), page);
    assert_eq!(notice_of(&app, &r).await, "Saved to your wishlist.");
    let guest = cookie_pair(&r, "sf_cart").expect("a guest gets a cart cookie for its list");
    let r = app.form(SaveToWishlistForm::PATH, &guest, &[("product_id", b.id.as_str())]).await;
    assert_eq!(notice_of(&app, &r).await, "Saved to your wishlist.");
    let r = app.form(SaveToWishlistForm::PATH, &guest, &[("product_id", a.id.as_str())]).await;
    assert_eq!(notice_of(&app, &r).await, "It is already in your wishlist.");
    let r = app.form(SaveToWishlistForm::PATH, &guest, &[("product_id", "no-such-product")]).await;
    assert_eq!(notice_of(&app, &r).await, "That product is not sold here.");

    let (status, list) = app.text_as("/wishlist", &guest).await;
    assert_eq!(status, 200);
    let (at_b, at_a) = (list.find(&b.title).expect("b listed"), list.find(&a.title).expect("a listed"));
    assert!(at_b < at_a, "newest first");
    let r = app.form(RemoveFromWishlistForm::PATH, &guest, &[("product_id", b.id.as_str())]).await;
    assert_eq!(
        (location(&r).as_str(), notice_of(&app, &r).await.as_str()),
        ("/wishlist", "Removed from your wishlist.")
    );
    let (_, list) = app.text_as("/wishlist", &guest).await;
    assert!(!list.contains(&b.title) && list.contains(&a.title));
    let (_, empty) = app.text("/wishlist").await;
    assert!(empty.contains("Nothing saved yet."), "a new visitor's list is empty");

    // Signing in with the guest cookie moves the list to the account.
    app.shopper("saver@example.com").await;
    let fields = [("email", "saver@example.com"), ("password", "a long enough password")];
    assert_eq!(app.form("/account/sign-in", &guest, &fields).await.status(), 303);
    let user = app.state.accounts.sign_in("saver@example.com", "a long enough password").await.unwrap().id;
    assert_eq!(app.state.wishlists.ids(Owner::Account(&user)).await.unwrap(), [a.id.as_str()]);
}

#[tokio::test]
async fn a_sold_out_variant_takes_an_address_for_one_mail_and_refuses_a_bad_one() {
    let app = spawn_app(&[]).await;
    let p = (0..60).map(seed::product).find(|p| p.variants.iter().any(|v| v.stock > 0)).unwrap();
    let v = p.variants.iter().find(|v| v.stock > 0).unwrap();
    let all = StockLine { product_id: p.id.clone(), sku: v.sku.clone(), quantity: v.stock };
    app.state.catalog.store().reserve(&[all]).await.unwrap();
    app.state.catalog.stock_changed(p.id.as_str()).await.unwrap();
    let page = format!("/p/{}?variant={}", p.slug, v.sku);
    let (_, html) = app.text(&page).await;
    assert!(html.contains(&format!("action=\"{}\"", AskStockAlertForm::PATH)), "the alert form is on the page");

    let ask = |email: &'static str| [("product_id", p.id.as_str()), ("sku", v.sku.as_str()), ("email", email)];
    let r = app.form(AskStockAlertForm::PATH, "", &ask("not an address")).await;
    assert_eq!(location(&r), page, "back to the variant");
    assert_eq!(notice_of(&app, &r).await, "Enter an email address like name@example.com", "the reason");
    assert_eq!(app.state.stock_alerts.waiting().await.unwrap(), 0, "nothing stored");
    let r = app.form(AskStockAlertForm::PATH, "", &ask("ann@example.com")).await;
    assert_eq!(notice_of(&app, &r).await, "Thank you: we will send you one e-mail when it is back in stock.");
    assert_eq!(app.state.stock_alerts.waiting().await.unwrap(), 1);
}

#[tokio::test]
async fn the_listing_sorts_by_rating_and_says_so() {
    let app = spawn_app(&[]).await;
    let (status, html) = app.text("/search?q=shirt&sort=rating").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"<option value="rating" selected"#), "Top rated is the chosen sort");
}
