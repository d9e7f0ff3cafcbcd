//! Accounts on SQLite + in-process sessions and on PostgreSQL + Redis
//! sessions: sign-up rules, sign-in, session rotation and expiry, the mailed
//! reset token (once, then never again), merchant promotion.

use crate::pipeline::fresh_postgres;
use adapters::cache::{Cache, MemoryCache, RedisCache};
use adapters::mail::FolderMailer;
use adapters::testing::{service, temp_dir};
use ports::config::DatabaseConfig;
use ports::database::Database;
use shop::accounts::session::SessionUser;
use shop::accounts::{AccountError, Accounts, Sessions};
use shop::jobs::mail_relay::MailRelay;
use shop::mail::outbox::MailOutbox;
use std::sync::Arc;
use std::time::Duration;

async fn setup(cloud: bool) -> Option<(Accounts, std::path::PathBuf, Database, MailRelay)> {
    let dir = temp_dir();
    let (db, cache): (DatabaseConfig, Arc<dyn Cache>) = if cloud {
        let (pg, redis) = (service("STOREFRONT_TEST_POSTGRES")?, service("STOREFRONT_TEST_REDIS")?);
        (
            DatabaseConfig::Postgres { url: fresh_postgres(&pg).await, ca_file: None },
            Arc::new(RedisCache::connect(&redis, None).await.unwrap()),
        )
    } else {
        (DatabaseConfig::Sqlite { path: dir.join("db.sqlite") }, Arc::new(MemoryCache::default()))
    };
    let db = Database::connect(&db).await.unwrap();
    db.migrate().await.unwrap();
    let mail = dir.join("mail");
    let mailer = Arc::new(FolderMailer::new(&mail).unwrap());
    let accounts =
        Accounts::new(db.clone(), Sessions::new(db.clone(), cache, Duration::from_secs(2)), "https://shop.test/");
    let links = shop::orders::cart::CookieSigner::new(b"test");
    let relay = MailRelay::new(MailOutbox::new(db.clone()), mailer, "https://shop.test/", links);
    Some((accounts, mail, db, relay))
}

/// The link in the one mail to `to` whose subject has `subject`, once the relay has run.
async fn mailed_token(relay: &MailRelay, mail: &std::path::Path, to: &str, subject: &str) -> Option<String> {
    relay.step().await.unwrap();
    let mails: Vec<_> =
        FolderMailer::read_all(mail).into_iter().filter(|m| m.to == to && m.subject.contains(subject)).collect();
    assert!(mails.len() <= 1, "one mail per token: {mails:?}");
    let m = mails.into_iter().next()?;
    assert!(m.html.contains("token="), "the HTML body carries the link too");
    Some(m.text.split("token=").nth(1).unwrap().split_whitespace().next().unwrap().to_string())
}

async fn accounts_keep_their_promises(cloud: bool) {
    let Some((a, mail, _, relay)) = setup(cloud).await else { return };
    let email = format!("Ann.{}@Example.com", uuid::Uuid::new_v4().simple());
    let user = a.sign_up(&email, "correct horse battery").await.unwrap();
    assert_eq!(user.email, email.to_lowercase());

    // The address check: mailed at sign-up, spent once.
    assert!(!a.email_verified(&user.id).await.unwrap());
    let check = mailed_token(&relay, &mail, &user.email, "Confirm").await.expect("an address check is mailed");
    assert_eq!(a.verify_email(&check).await.unwrap(), user.id);
    assert!(a.email_verified(&user.id).await.unwrap());
    assert!(matches!(a.verify_email(&check).await, Err(AccountError::BadToken)), "a link works once");
    assert!(
        matches!(a.sign_up(&email.to_uppercase(), "another password").await, Err(AccountError::Invalid(f)) if f.contains_key("email"))
    );
    assert!(matches!(a.sign_up("x", "short").await, Err(AccountError::Invalid(f)) if f.len() == 2));
    assert_eq!(a.sign_in(&email, "correct horse battery").await.unwrap().id, user.id);
    assert!(matches!(a.sign_in(&email, "wrong horse battery").await, Err(AccountError::BadCredentials)));
    assert!(matches!(
        a.sign_in("nobody@example.com", "correct horse battery").await,
        Err(AccountError::BadCredentials)
    ));

    // Sessions: random ids, readable until ended or expired.
    let s1 = a.sessions.start(&user.session()).await.unwrap();
    let s2 = a.sessions.start(&user.session()).await.unwrap();
    assert_ne!(s1, s2);
    let got: SessionUser = a.sessions.get(&s1).await.unwrap().unwrap();
    assert_eq!(got.user_id, user.id);
    a.sessions.end(&s1).await.unwrap();
    assert!(a.sessions.get(&s1).await.unwrap().is_none());
    assert!(a.sessions.get("../../etc/passwd").await.unwrap().is_none());
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert!(a.sessions.get(&s2).await.unwrap().is_none(), "sessions expire");

    // Password reset: mailed once, spent once, and it ends the sessions started before it.
    let before_reset = a.sessions.start(&user.session()).await.unwrap();
    assert!(a.sessions.get(&before_reset).await.unwrap().is_some());
    a.request_reset("unknown@example.com").await.unwrap();
    assert_eq!(mailed_token(&relay, &mail, "unknown@example.com", "Reset").await, None);
    a.request_reset(&email).await.unwrap();
    let token = mailed_token(&relay, &mail, &user.email, "Reset").await.expect("a reset link is mailed");
    assert!(FolderMailer::read_all(&mail).iter().any(|m| m.text.contains("https://shop.test/account/reset?token=")));
    assert!(matches!(a.reset_password(&token, "short").await, Err(AccountError::Invalid(_))));
    a.reset_password(&token, "a brand new password").await.unwrap();
    assert!(a.sessions.get(&before_reset).await.unwrap().is_none(), "a reset signs the user out everywhere");
    let after_reset = a.sessions.start(&user.session()).await.unwrap();
    assert!(a.sessions.get(&after_reset).await.unwrap().is_some(), "new sessions work");
    assert!(matches!(a.reset_password(&token, "yet another password").await, Err(AccountError::BadToken)));
    assert!(matches!(a.reset_password("f00", "yet another password").await, Err(AccountError::BadToken)));
    assert!(a.sign_in(&email, "a brand new password").await.is_ok());

    // The CLI's create-merchant promotes an existing account.
    let m = a.ensure_merchant(&email, "merchant password!").await.unwrap();
    assert_eq!((m.id, m.role), (user.id, domain::account::Role::Merchant));
    assert!(a.sign_in(&email, "merchant password!").await.is_ok());
}

#[tokio::test]
async fn accounts_embedded() {
    accounts_keep_their_promises(false).await;
}

#[tokio::test]
async fn accounts_postgres_redis() {
    accounts_keep_their_promises(true).await;
}

/// A role this code does not know is an error naming the user, never "shopper".
async fn an_unknown_stored_role_is_an_error_naming_the_user(cloud: bool) {
    let Some((a, _, db, _)) = setup(cloud).await else { return };
    let email = format!("role.{}@example.com", uuid::Uuid::new_v4().simple());
    let user = a.sign_up(&email, "correct horse battery").await.unwrap();
    sqlx::query("UPDATE users SET role = 'owner' WHERE id = $1").bind(&user.id).execute(db.pool()).await.unwrap();
    let e = a.sign_in(&email, "correct horse battery").await.unwrap_err().to_string();
    assert!(e.contains(user.id.as_str()) && e.contains("owner"), "{e}");
}

#[tokio::test]
async fn an_unknown_stored_role_is_an_error_naming_the_user_embedded() {
    an_unknown_stored_role_is_an_error_naming_the_user(false).await;
}

#[tokio::test]
async fn an_unknown_stored_role_is_an_error_naming_the_user_postgres_redis() {
    an_unknown_stored_role_is_an_error_naming_the_user(true).await;
}

fn identity(subject: &str, email: &str, verified: bool) -> ports::identity::Identity {
    ports::identity::Identity {
        issuer: "https://id.example.com".into(),
        subject: subject.into(),
        email: Some(email.into()),
        email_verified: verified,
    }
}

/// The rules of `shop/src/accounts/external.rs` on each database.
async fn an_outside_identity_opens_only_the_account_it_should(cloud: bool) {
    let Some((a, mail, _, relay)) = setup(cloud).await else { return };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (ann, bob) = (format!("ann.{tag}@example.com"), format!("bob.{tag}@example.com"));

    // A new verified e-mail: a new verified shopper with no password.
    let first = a.sign_in_with(&identity(&format!("s1-{tag}"), &ann, true)).await.unwrap();
    assert_eq!(first.email, ann);
    assert!(a.email_verified(&first.id).await.unwrap());
    assert!(matches!(a.sign_in(&ann, "").await, Err(AccountError::BadCredentials)));
    // The same subject with another e-mail: the same account.
    let again = a.sign_in_with(&identity(&format!("s1-{tag}"), &bob, true)).await.unwrap();
    assert_eq!(again.id, first.id);

    // An unverified e-mail opens nothing, not even the account that has it.
    let refused = a.sign_in_with(&identity(&format!("s2-{tag}"), &ann, false)).await;
    assert!(matches!(refused, Err(AccountError::Refused(_))), "{refused:?}");

    // A verified e-mail links the shopper's password account once its holder
    // confirmed the address here too; a merchant's is never linked.
    let carol = a.sign_up(&format!("carol.{tag}@example.com"), "correct horse battery").await.unwrap();
    let early = a.sign_in_with(&identity(&format!("s3-{tag}"), &carol.email, true)).await;
    assert!(matches!(early, Err(AccountError::Refused(_))), "unconfirmed here: not linked: {early:?}");
    let check = mailed_token(&relay, &mail, &carol.email, "Confirm").await.expect("an address check");
    a.verify_email(&check).await.unwrap();
    let linked = a.sign_in_with(&identity(&format!("s3-{tag}"), &carol.email, true)).await.unwrap();
    assert_eq!(linked.id, carol.id);
    // Another person the issuer later gives carol's address opens nothing of hers.
    let reused = a.sign_in_with(&identity(&format!("s5-{tag}"), &carol.email, true)).await;
    assert!(matches!(reused, Err(AccountError::Refused(_))), "{reused:?}");
    let merchant = a.ensure_merchant(&format!("m.{tag}@example.com"), "merchant password 1").await.unwrap();
    let refused = a.sign_in_with(&identity(&format!("s4-{tag}"), &merchant.email, true)).await;
    assert!(matches!(refused, Err(AccountError::Refused(_))), "{refused:?}");
    // A linked shopper later promoted to merchant: the identity no longer opens it.
    a.ensure_merchant(&carol.email, "merchant password 2").await.unwrap();
    let refused = a.sign_in_with(&identity(&format!("s3-{tag}"), &carol.email, true)).await;
    assert!(matches!(refused, Err(AccountError::Refused(_))), "{refused:?}");
}

#[tokio::test]
async fn an_outside_identity_opens_only_the_account_it_should_embedded() {
    an_outside_identity_opens_only_the_account_it_should(false).await;
}

#[tokio::test]
async fn an_outside_identity_opens_only_the_account_it_should_postgres_redis() {
    an_outside_identity_opens_only_the_account_it_should(true).await;
}

/// Ten wrong passwords lock the account (not the IP) for the window;
/// another account is untouched, and the count says nothing of existence.
async fn failed_sign_ins_are_limited_per_account(cloud: bool) {
    let Some((a, _, _, _)) = setup(cloud).await else { return };
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (ann, bob) = (format!("ann.{tag}@example.com"), format!("bob.{tag}@example.com"));
    a.sign_up(&ann, "correct horse battery").await.unwrap();
    a.sign_up(&bob, "correct horse battery").await.unwrap();
    for _ in 0..shop::accounts::session::FAILED_SIGN_IN_LIMIT {
        assert!(matches!(a.sign_in(&ann, "wrong password").await, Err(AccountError::BadCredentials)));
    }
    let locked = a.sign_in(&ann, "correct horse battery").await;
    assert!(matches!(locked, Err(AccountError::TooManyFailures)), "even the right password waits: {locked:?}");
    assert!(a.sign_in(&bob, "correct horse battery").await.is_ok(), "other accounts sign in");
    let nobody = format!("nobody.{tag}@example.com");
    for _ in 0..shop::accounts::session::FAILED_SIGN_IN_LIMIT {
        let _ = a.sign_in(&nobody, "guess").await;
    }
    assert!(matches!(a.sign_in(&nobody, "guess").await, Err(AccountError::TooManyFailures)), "unknown e-mails too");
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_account_embedded() {
    failed_sign_ins_are_limited_per_account(false).await;
}

#[tokio::test]
async fn failed_sign_ins_are_limited_per_account_postgres_redis() {
    failed_sign_ins_are_limited_per_account(true).await;
}

async fn a_full_cache_never_signs_anyone_out_or_empties_a_cart(cloud: bool) {
    let Some((a, _, db, _)) = setup(cloud).await else { return };
    // A cache of 64 KiB, flooded as a crawler walking query strings would
    // flood the page cache: sessions and carts are not in it.
    let tiny: Arc<dyn Cache> = Arc::new(MemoryCache::new(64 * 1024));
    let sessions = Sessions::new(db.clone(), tiny.clone(), Duration::from_secs(600));
    let carts = shop::orders::cart::CartStore::new(db.clone(), tiny.clone());
    let user =
        a.sign_up(&format!("{}@example.com", uuid::Uuid::new_v4().simple()), "correct horse battery").await.unwrap();
    let session = sessions.start(&user.session()).await.unwrap();
    let mut cart = shop::orders::cart::Cart::default();
    cart.add("p1", "SKU-1", 2, 1_000, shop::orders::cart::new_generation).unwrap();
    carts.save("cart-under-pressure", &cart).await.unwrap();

    for i in 0..10_000 {
        tiny.set(&format!("page:junk-{i}"), &[b'x'; 512], Some(Duration::from_secs(600))).await.unwrap();
    }

    assert_eq!(sessions.get(&session).await.unwrap().map(|u| u.user_id), Some(user.id.clone()), "still signed in");
    assert_eq!(carts.load("cart-under-pressure").await.unwrap(), cart, "the cart is whole");
    // A revocation is durable too: no mark in the cache to lose.
    sessions.revoke_all(&user.id).await.unwrap();
    for i in 0..10_000 {
        tiny.set(&format!("page:more-{i}"), &[b'x'; 512], Some(Duration::from_secs(600))).await.unwrap();
    }
    assert!(sessions.get(&session).await.unwrap().is_none(), "a revoked session stays revoked");
}

#[tokio::test]
async fn a_full_cache_never_signs_anyone_out_or_empties_a_cart_embedded() {
    a_full_cache_never_signs_anyone_out_or_empties_a_cart(false).await;
}

#[tokio::test]
async fn a_full_cache_never_signs_anyone_out_or_empties_a_cart_postgres_redis() {
    a_full_cache_never_signs_anyone_out_or_empties_a_cart(true).await;
}

async fn a_session_and_a_cart_from_before_the_move_to_the_database_still_work(cloud: bool) {
    let Some((a, _, db, _)) = setup(cloud).await else { return };
    let cache: Arc<dyn Cache> = Arc::new(MemoryCache::new(1 << 20));
    let sessions = Sessions::new(db.clone(), cache.clone(), Duration::from_secs(600));
    let carts = shop::orders::cart::CartStore::new(db.clone(), cache.clone());
    let user =
        a.sign_up(&format!("{}@example.com", uuid::Uuid::new_v4().simple()), "correct horse battery").await.unwrap();
    // As the previous version kept them: in the cache, keyed by the id's SHA-256 and by the cart id.
    let id = shop::accounts::session::new_id();
    let hashed = shop::ids::hex(&<sha2::Sha256 as sha2::Digest>::digest(id.as_bytes()));
    let body = serde_json::to_vec(&user.session()).unwrap();
    cache.set(&format!("session:{hashed}"), &body, Some(Duration::from_secs(600))).await.unwrap();
    let mut cart = shop::orders::cart::Cart::default();
    cart.add("p1", "SKU-1", 1, 500, shop::orders::cart::new_generation).unwrap();
    cache.set("cart:old-cart", &serde_json::to_vec(&cart).unwrap(), None).await.unwrap();

    assert_eq!(sessions.get(&id).await.unwrap().map(|u| u.user_id), Some(user.id.clone()), "still signed in");
    assert_eq!(carts.load("old-cart").await.unwrap(), cart, "the cart is whole");
    assert_eq!(cache.get(&format!("session:{hashed}")).await.unwrap(), None, "moved, not copied");
    assert_eq!(cache.get("cart:old-cart").await.unwrap(), None);
    assert!(
        sessions.get(&id).await.unwrap().is_some() && carts.load("old-cart").await.unwrap() == cart,
        "from the database now"
    );
}

#[tokio::test]
async fn a_session_and_a_cart_from_before_the_move_to_the_database_still_work_embedded() {
    a_session_and_a_cart_from_before_the_move_to_the_database_still_work(false).await;
}

#[tokio::test]
async fn a_session_and_a_cart_from_before_the_move_to_the_database_still_work_postgres_redis() {
    a_session_and_a_cart_from_before_the_move_to_the_database_still_work(true).await;
}
