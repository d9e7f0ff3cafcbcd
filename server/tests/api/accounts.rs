//! Accounts: sign-up, sign-in (session rotation, guest cart merge), sign-out,
//! password reset through the mail folder, field errors, order history.

use crate::helpers::{location, notice_cookie, notice_of, session_cookie, spawn_app, TestApp};
use adapters::mail::FolderMailer;
use leptos::server_fn::ServerFn;

fn email() -> String {
    format!("s{}@example.com", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

/// Follow a `?form=ID` redirect and return the page it shows.
async fn follow(app: &TestApp, r: reqwest::Response, cookie: &str) -> String {
    assert_eq!(r.status(), 303, "a form post answers with a redirect");
    app.text_as(&location(&r), cookie).await.1
}

async fn cart_count(app: &TestApp, cookie: &str) -> u32 {
    let (status, body) = app.call(app::cart_api::CartCount::PATH, cookie, serde_json::json!({})).await;
    assert_eq!(status, 200, "{body}");
    body.trim().parse().unwrap()
}

#[tokio::test]
async fn sign_in_rotates_the_session_and_merges_the_guest_cart() {
    let app = spawn_app(&[]).await;
    let mail = email();
    let first = app.shopper(&mail).await;
    assert!(app.text_as("/account", &first).await.1.contains(&mail));
    // Sign out: the session is gone server-side, not only in the browser.
    let out = app.form("/account/sign-out", &first, &[]).await;
    assert_eq!(out.status(), 303);
    assert!(out
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("sf_session=") && v.to_str().unwrap().contains("Max-Age=0")));
    assert_eq!(app.text_as("/account", &first).await.0, 401);

    // A guest fills a cart, then signs in while still sending the old session id.
    let p = shop::catalog::seed::product(5);
    let add = serde_json::json!({ "product_id": p.id, "sku": p.variants[0].sku.to_string(), "quantity": 2 });
    let r = app
        .client
        .post(format!("{}{}", app.url, app::cart_api::AddToCart::PATH))
        .header("content-type", "application/json")
        .body(add.to_string())
        .send()
        .await
        .unwrap();
    let guest = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let both = format!("{guest}; {first}");
    let r = app.form("/account/sign-in", &both, &[("email", &mail), ("password", "a long enough password")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account");
    let cookie_line = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Lax"), "{cookie_line}");
    let second = session_cookie(&r).unwrap();
    assert_ne!(second, first, "a new session id at sign-in");
    assert_eq!(cart_count(&app, &second).await, 2, "the guest cart moved into the account");
    assert_eq!(cart_count(&app, &guest).await, 0, "and the guest cart is emptied");
    assert!(app.state.accounts.sessions.get(first.trim_start_matches("sf_session=")).await.unwrap().is_none());
}

#[tokio::test]
async fn bad_sign_up_and_sign_in_get_field_errors_and_create_nothing() {
    let app = spawn_app(&[]).await;
    let r = app.form("/account/sign-up", "", &[("email", "not-an-email"), ("password", "short")]).await;
    assert!(session_cookie(&r).is_none());
    let page = follow(&app, r, "").await;
    assert!(page.contains("enter an email address like name@example.com"), "email error shown");
    assert!(page.contains("use at least 10 characters"), "password error shown");
    assert!(page.contains("value=\"not-an-email\""), "what was typed is kept");
    assert!(!page.contains("short"), "the password is never echoed");

    let mail = email();
    app.shopper(&mail).await;
    let r =
        app.form("/account/sign-up", "", &[("email", &mail.to_uppercase()), ("password", "another password")]).await;
    assert!(session_cookie(&r).is_none(), "the same email (any case) cannot sign up twice");
    assert!(follow(&app, r, "").await.contains("an account with this email exists"));

    let r = app.form("/account/sign-in", "", &[("email", &mail), ("password", "wrong password!")]).await;
    assert!(session_cookie(&r).is_none());
    assert!(follow(&app, r, "").await.contains("do not match an account"));
    let r = app.form("/account/sign-in", "", &[("email", "nobody@example.com"), ("password", "whatever12345")]).await;
    assert!(session_cookie(&r).is_none());
    // Junk and missing fields: a clear answer, never a 5xx.
    for body in ["", "email=%ZZ", "password=&email=", "a=1&a=2"] {
        let r = app
            .client
            .post(format!("{}/account/sign-in", app.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{body:?} -> {}", r.status());
    }
}

#[tokio::test]
async fn a_mailed_reset_link_sets_a_new_password_once() {
    let app = spawn_app(&[]).await;
    let dir = app._dir.join("mail");
    let mail = email();
    let old_session = app.shopper(&mail).await;

    let resets = || async {
        server::startup::mail_relay(&app.state).step().await.unwrap();
        FolderMailer::read_all(&dir).into_iter().filter(|m| m.subject.contains("Reset")).collect::<Vec<_>>()
    };
    let r = app.form("/account/forgot", "", &[("email", "unknown@example.com")]).await;
    let same_answer = location(&r);
    assert!(resets().await.is_empty(), "no mail for an unknown address");
    let r = app.form("/account/forgot", "", &[("email", &mail)]).await;
    assert_eq!(location(&r), same_answer, "the answer does not reveal whether the account exists");
    let mails = resets().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, mail);
    let link = mails[0].text.lines().find(|l| l.contains("/account/reset?token=")).unwrap();
    let token = link.split("token=").nth(1).unwrap().trim();

    let r = app.form("/account/reset", "", &[("token", token), ("password", "short")]).await;
    assert!(follow(&app, r, "").await.contains("use at least 10 characters"));
    let r = app.form("/account/reset", "", &[("token", token), ("password", "my new password")]).await;
    assert_eq!(location(&r), "/account/sign-in");
    assert!(notice_of(&app, &r).await.contains("password is changed"));
    let r = app.form("/account/reset", "", &[("token", token), ("password", "a third password")]).await;
    assert!(follow(&app, r, "").await.contains("invalid, used or expired"), "a token works once");

    let old = app.form("/account/sign-in", "", &[("email", &mail), ("password", "a long enough password")]).await;
    assert!(session_cookie(&old).is_none(), "the old password no longer works");
    let new = app.form("/account/sign-in", "", &[("email", &mail), ("password", "my new password")]).await;
    let new = session_cookie(&new).unwrap();
    assert_eq!(app.text_as("/account", &old_session).await.0, 401, "the session from before the reset ended");
    assert_eq!(app.text_as("/account", &new).await.0, 200);
}

#[tokio::test]
async fn a_signed_in_shopper_sees_their_orders_and_nobody_elses() {
    let app = spawn_app(&[]).await;
    let me = app.shopper(&email()).await;
    let other = app.shopper(&email()).await;
    let p = shop::catalog::seed::product(7);
    let add = serde_json::json!({ "product_id": p.id, "sku": p.variants[0].sku.to_string(), "quantity": 1 });
    assert_eq!(app.call(app::cart_api::AddToCart::PATH, &me, add).await.0, 200);
    let order = serde_json::json!({ "input": {
        "email": "me@example.com",
        "address": { "name": "Ann Lee", "line1": "1 Main St", "line2": "", "city": "Springfield", "postal_code": "12345", "country": "US" },
        "shipping": "standard", "card_number": "4242 4242 4242 4242", "idempotency_key": "history-key-1" } });
    let (status, body) = app.call(app::cart_api::PlaceOrder::PATH, &me, order).await;
    assert_eq!(status, 200, "{body}");
    let id =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Accepted"]["order_id"].as_str().unwrap().to_string();
    let w = &app.state.orders.worker;
    w.run_once(&*app.state.services.queues.main, std::time::Duration::from_secs(1)).await.unwrap();

    let (status, mine) = app.text_as("/account", &me).await;
    assert_eq!(status, 200);
    assert!(mine.contains(&id), "my order is listed");
    assert!(mine.contains("confirmed"));
    let (_, theirs) = app.text_as("/account", &other).await;
    assert!(!theirs.contains(&id), "another shopper does not see it");
    assert!(theirs.contains("No orders yet"));
}

#[tokio::test]
async fn the_address_check_mailed_at_sign_up_confirms_the_address_once() {
    let app = spawn_app(&[]).await;
    let dir = app._dir.join("mail");
    let mail = email();
    app.shopper(&mail).await;
    let user = app.state.accounts.sign_in(&mail, "a long enough password").await.unwrap();
    assert!(!app.state.accounts.email_verified(&user.id).await.unwrap());
    server::startup::mail_relay(&app.state).step().await.unwrap();
    let mails: Vec<_> = FolderMailer::read_all(&dir).into_iter().filter(|m| m.to == mail).collect();
    assert_eq!(mails.len(), 1, "one mail at sign-up: {mails:?}");
    let link = mails[0].text.lines().find(|l| l.contains("/account/verify?token=")).unwrap().trim();
    let path = &link[link.find("/account/verify").unwrap()..];
    let r = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(notice_of(&app, &r).await.contains("confirmed"), "{}", location(&r));
    assert!(app.state.accounts.email_verified(&user.id).await.unwrap());
    let again = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
    assert!(notice_of(&app, &again).await.contains("invalid"), "a used link says so");
    let junk = app.client.get(format!("{}/account/verify?token=%ZZ", app.url)).send().await.unwrap();
    assert_eq!(junk.status(), 303, "junk is not an error page");
}

#[tokio::test]
async fn sign_in_never_redirects_off_the_shop() {
    let app = crate::helpers::spawn_app(&[]).await;
    let email = format!("r{}@example.com", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    app.shopper(&email).await;
    for next in ["/\\evil.example", "//evil.example", "https://evil.example/", "/\t/evil.example"] {
        let r = app
            .form("/account/sign-in", "", &[("email", &email), ("password", "a long enough password"), ("next", next)])
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(crate::helpers::location(&r), "/account", "next={next:?} must not leave the shop");
    }
    let r = app
        .form("/account/sign-in", "", &[("email", &email), ("password", "a long enough password"), ("next", "/cart")])
        .await;
    assert_eq!(crate::helpers::location(&r), "/cart", "a path on the shop is kept");
}

#[tokio::test]
async fn a_notice_is_shown_once_to_the_browser_it_was_meant_for_and_never_taken_from_the_url() {
    let app = spawn_app(&[]).await;
    let cookie = app.shopper(&email()).await;
    let r = app.form("/account/sign-out", &cookie, &[]).await;
    assert_eq!(location(&r), "/account/sign-in", "no words in the URL");
    let notice = notice_cookie(&r).expect("the notice travels in a cookie");
    let r = app.client.get(format!("{}/account/sign-in", app.url)).header("cookie", &notice).send().await.unwrap();
    let cleared = r.headers().get_all("set-cookie").iter().any(|v| v.to_str().unwrap_or("").starts_with("sf_notice=;"));
    assert!(cleared, "the page that shows the notice removes its cookie");
    assert!(r.text().await.unwrap().contains("You are signed out."), "the next page shows it");
    let (_, again) = app.text_as("/account/sign-in", &notice).await;
    assert!(!again.contains("You are signed out."), "shown once");
    let (_, forged) = app.text("/account/sign-in?notice=Your+account+is+locked.+Call+0800+SCAM").await;
    assert!(!forged.contains("Call 0800"), "a link cannot put words on the shop's pages");
}

/// A guest order under `mail`, persisted by the worker; its id.
async fn guest_order(app: &TestApp, mail: &str) -> String {
    let p = (0..60).map(shop::catalog::seed::product).find(|p| p.variants.iter().any(|v| v.stock > 3)).unwrap();
    let v = p.variants.iter().find(|v| v.stock > 3).unwrap();
    let fields = [("product_id", p.id.as_str()), ("sku", v.sku.as_str()), ("back", "/")];
    let r = app.form(app::cart_api::AddToCartForm::PATH, "", &fields).await;
    let cart = crate::helpers::cookie_pair(&r, "sf_cart").expect("a cart cookie");
    let order = serde_json::json!({ "input": {
        "email": mail.to_uppercase(),
        "address": { "name": "Bo Chen", "line1": "2 Side St", "line2": "", "city": "Portland", "postal_code": "97201", "country": "US" },
        "shipping": "standard", "card_number": "4242424242424242", "idempotency_key": "guest-history-1" } });
    let (_, body) = app.call(app::cart_api::PlaceOrder::PATH, &cart, order).await;
    let id =
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["Accepted"]["order_id"].as_str().unwrap().to_string();
    let queue = &*app.state.services.queues.main;
    app.state.orders.worker.run_once(queue, std::time::Duration::from_secs(1)).await.unwrap();
    id
}

#[tokio::test]
async fn guest_orders_under_an_address_join_its_history_only_once_the_address_is_confirmed() {
    let app = spawn_app(&[]).await;
    let mail = email();
    let id = guest_order(&app, &mail).await;
    let cookie = app.shopper(&mail).await;
    let (_, page) = app.text_as("/account", &cookie).await;
    assert!(!page.contains(&id), "registering an address shows nothing bought under it");
    crate::helpers::confirm_address(&app, &mail).await;
    let (_, page) = app.text_as("/account", &cookie).await;
    assert!(page.contains(&id), "confirmed: the guest order is in the history");
    let link = page.split(&format!("/orders/{id}?key=")).nth(1).map(|k| &k[..32]).expect("linked with its key");
    let (status, order) = app.text_as(&format!("/orders/{id}?key={link}"), &cookie).await;
    assert_eq!(status, 200);
    assert!(order.contains("data-testid=\"order-state\""));
}

#[tokio::test]
async fn a_notice_set_by_a_get_handler_is_not_undone_by_the_removal_of_the_old_one() {
    let app = spawn_app(&[]).await;
    let cookie = app.shopper(&email()).await;
    let old = notice_cookie(&app.form("/account/sign-out", &cookie, &[]).await).expect("a notice");
    // A GET that carries the old notice and itself redirects with a new one.
    let r =
        app.client.get(format!("{}/account/verify?token=nope", app.url)).header("cookie", &old).send().await.unwrap();
    assert!(notice_of(&app, &r).await.contains("invalid"), "the new notice is set");
    let removed = r.headers().get_all("set-cookie").iter().any(|v| v.to_str().unwrap().starts_with("sf_notice=;"));
    assert!(!removed, "and not removed in the same answer");
}
