//! Sign-in through an outside OpenID Connect issuer, against a real local
//! one (scripts/oidc-issuer: oidc-provider, started by the test command):
//! each test registers a client for its own shop, starts at the shop's
//! button, signs in at the issuer's page and comes back to the callback.

use crate::helpers::{env_or_skip, location, notice_cookie, notice_of, session_cookie, settings, spawn_on, TestApp};
use ports::identity::IdentityProvider;
use std::collections::BTreeMap;

/// A client registered with the issuer for `redirect_uri`: (id, secret).
async fn register(issuer: &str, redirect_uri: &str) -> (String, String) {
    let reg: serde_json::Value = reqwest::Client::new()
        .post(format!("{issuer}/reg"))
        .json(&serde_json::json!({
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }))
        .send()
        .await
        .expect("issuer reachable")
        .json()
        .await
        .expect("registration answer");
    (reg["client_id"].as_str().unwrap().to_string(), reg["client_secret"].as_str().unwrap().to_string())
}

/// A shop whose "Sign in with Local ID" goes to the local issuer.
async fn shop_with_issuer() -> Option<TestApp> {
    let issuer = env_or_skip("STOREFRONT_TEST_OIDC_ISSUER")?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (id, secret) = register(&issuer, &format!("{url}/account/oidc/callback")).await;
    let dir = std::env::temp_dir().join(format!("storefront-api-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let settings = settings(
        &dir,
        &[
            ("STOREFRONT_SERVER__PUBLIC_URL", url),
            ("STOREFRONT_OIDC__ISSUER", issuer),
            ("STOREFRONT_OIDC__CLIENT_ID", id),
            ("STOREFRONT_OIDC__CLIENT_SECRET", secret),
            ("STOREFRONT_OIDC__NAME", "Local ID".into()),
        ],
    );
    Some(spawn_on(listener, settings, dir).await)
}

/// The issuer's side, as a browser: follow its redirects (keeping its
/// cookies), type `login` into its sign-in page, and stop at the first URL
/// off the issuer (the shop's callback), which is returned.
async fn at_issuer(auth_url: &str, login: &str) -> String {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let origin = auth_url.split('/').take(3).collect::<Vec<_>>().join("/");
    let mut jar: BTreeMap<String, String> = BTreeMap::new();
    let mut url = auth_url.to_string();
    let mut form: Option<String> = None;
    for _ in 0..12 {
        if !url.starts_with(&origin) {
            return url;
        }
        let cookies = jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
        let request = match form.take() {
            Some(body) => client.post(&url).header("content-type", "application/x-www-form-urlencoded").body(body),
            None => client.get(&url),
        };
        let r = request.header("cookie", cookies).send().await.expect("issuer answers");
        for c in r.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()) {
            let (k, v) = c.split(';').next().unwrap_or_default().split_once('=').unwrap_or_default();
            if v.is_empty() {
                jar.remove(k);
            } else {
                jar.insert(k.to_string(), v.to_string());
            }
        }
        let next = location(&r);
        if !next.is_empty() {
            url = if next.starts_with('/') { format!("{origin}{next}") } else { next };
            continue;
        }
        let status = r.status();
        let page = r.text().await.unwrap_or_default();
        let action = page.split("action=\"").nth(1).and_then(|s| s.split('"').next());
        match action {
            Some(a) if status == 200 => {
                url = format!("{origin}{a}");
                form = Some(format!("login={}", app::components::encode(login)));
            }
            _ => panic!("the issuer answered {status} with no redirect or form: {page}"),
        }
    }
    panic!("the issuer never sent the browser back to the shop")
}

/// The `name=value` pair a response sets for `name`, if it sets one.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The button's start, the issuer as `login`: the pending-sign-in cookie and
/// the callback URL the issuer sent the browser to.
async fn through_issuer(app: &TestApp, login: &str) -> (String, String) {
    let start = app.get("/account/oidc/start?next=/account").await;
    assert_eq!(start.status(), 303, "the button redirects to the issuer");
    let pending = set_cookie(&start, "sf_sign_in").expect("a pending sign-in cookie");
    let callback = at_issuer(&location(&start), login).await;
    assert!(callback.starts_with(&format!("{}/account/oidc/callback?", app.url)), "{callback}");
    (pending, callback)
}

async fn sign_in_as(app: &TestApp, login: &str) -> reqwest::Response {
    let (pending, callback) = through_issuer(app, login).await;
    app.client.get(callback).header("cookie", pending).send().await.unwrap()
}

/// The account a session cookie (`sf_session=…`) belongs to.
async fn account_of(app: &TestApp, cookie: &str) -> (String, String) {
    let id = cookie.trim_start_matches("sf_session=");
    let user = app.state.accounts.sessions.get(id).await.unwrap().expect("a live session");
    (user.user_id.to_string(), user.email)
}

fn unique(tag: &str) -> String {
    format!("{tag}-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}

#[tokio::test]
async fn a_new_person_signs_in_through_the_issuer_and_gets_a_verified_shopper_account() {
    let Some(app) = shop_with_issuer().await else { return };
    let (status, page) = app.text("/account/sign-in").await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign in with Local ID") && page.contains("/account/oidc/start"), "the button is shown");

    let email = format!("{}@example.com", unique("new"));
    let r = sign_in_as(&app, &format!("{}/{email}/yes", unique("sub"))).await;
    assert_eq!((r.status().as_u16(), location(&r).as_str()), (303, "/account"), "back where the shopper started");
    assert_eq!(set_cookie(&r, "sf_sign_in").as_deref(), Some("sf_sign_in="), "the pending sign-in is cleared");
    let (user_id, signed_in_as) = account_of(&app, &session_cookie(&r).expect("signed in")).await;
    assert_eq!(signed_in_as, email);
    let user_id = domain::UserId::parse(&user_id).unwrap();
    assert!(app.state.accounts.email_verified(&user_id).await.unwrap(), "the issuer vouched for the address");
    assert!(app.state.accounts.sign_in(&email, "").await.is_err(), "no password was set, so none opens it");
}

#[tokio::test]
async fn the_issuers_subject_not_the_email_keeps_opening_the_same_account() {
    let Some(app) = shop_with_issuer().await else { return };
    let subject = unique("sub");
    let first = sign_in_as(&app, &format!("{subject}/{}@example.com/yes", unique("old"))).await;
    let (first_id, _) = account_of(&app, &session_cookie(&first).unwrap()).await;
    let again = sign_in_as(&app, &format!("{subject}/{}@example.com/yes", unique("changed"))).await;
    let (again_id, _) = account_of(&app, &session_cookie(&again).unwrap()).await;
    assert_eq!(first_id, again_id, "the person changed their e-mail at the issuer, not their account here");
}

#[tokio::test]
async fn an_email_the_issuer_has_not_verified_opens_nothing() {
    let Some(app) = shop_with_issuer().await else { return };
    let email = format!("{}@example.com", unique("unverified"));
    app.shopper(&email).await;
    let r = sign_in_as(&app, &format!("{}/{email}/no", unique("sub"))).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/account/sign-in");
    assert!(notice_of(&app, &r).await.contains("not confirmed"), "the shopper is told why");
    assert_eq!(session_cookie(&r), None, "an unverified e-mail must not open the account that has it");
}

#[tokio::test]
async fn a_shoppers_password_account_is_linked_but_a_merchants_is_not() {
    let Some(app) = shop_with_issuer().await else { return };
    let email = format!("{}@example.com", unique("shopper"));
    let (shopper_id, _) = account_of(&app, &app.shopper(&email).await).await;
    // Until the shopper confirms the address here, whoever registered it
    // (with their own password) must not share the issuer's person's account.
    let early = sign_in_as(&app, &format!("{}/{email}/yes", unique("sub"))).await;
    assert_eq!(session_cookie(&early), None, "an unconfirmed account is not linked");
    assert!(notice_of(&app, &early).await.contains("not confirmed"), "the shopper is told why");
    crate::helpers::confirm_address(&app, &email).await;
    let r = sign_in_as(&app, &format!("{}/{email}/yes", unique("sub"))).await;
    let (linked_id, _) = account_of(&app, &session_cookie(&r).expect("signed in")).await;
    assert_eq!(linked_id, shopper_id, "the verified e-mail opens the shopper's existing account");
    assert!(app.state.accounts.sign_in(&email, "a long enough password").await.is_ok(), "the password still works");

    let merchant = format!("{}@example.com", unique("merchant"));
    app.state.accounts.ensure_merchant(&merchant, "merchant password 1").await.unwrap();
    let r = sign_in_as(&app, &format!("{}/{merchant}/yes", unique("sub"))).await;
    assert_eq!(session_cookie(&r), None, "an issuer account must not open the shop's admin");
    assert!(notice_of(&app, &r).await.contains("merchant"), "the shopper is told why");
}

#[tokio::test]
async fn an_answer_this_browser_did_not_ask_for_is_refused_and_a_code_works_once() {
    let Some(app) = shop_with_issuer().await else { return };
    let (pending, callback) = through_issuer(&app, &unique("sub")).await;
    let refused = |r: &reqwest::Response| {
        r.status() == 303
            && session_cookie(r).is_none()
            && location(r) == "/account/sign-in"
            && notice_cookie(r).is_some()
    };

    // Another browser handed the callback link (login CSRF): no cookie.
    let r = app.client.get(&callback).send().await.unwrap();
    assert!(refused(&r), "no pending sign-in, no account: {}", location(&r));
    // The state in the link is not the one this browser's sign-in sent.
    let tampered = callback.replace("state=", "state=x");
    let r = app.client.get(&tampered).header("cookie", &pending).send().await.unwrap();
    assert!(refused(&r), "a state that does not match is refused: {}", location(&r));
    // That attempt spent the pending sign-in: the real link now fails too.
    let r = app.client.get(&callback).header("cookie", &pending).send().await.unwrap();
    assert!(refused(&r), "a pending sign-in is used once: {}", location(&r));

    // The issuer says the shopper cancelled.
    let r = app.get("/account/oidc/callback?error=access_denied&state=x").await;
    assert!(refused(&r) && notice_of(&app, &r).await.contains("cancelled"), "{}", location(&r));
}

#[tokio::test]
async fn the_adapter_refuses_an_id_token_minted_for_another_nonce() {
    let Some(issuer) = env_or_skip("STOREFRONT_TEST_OIDC_ISSUER") else { return };
    // Nothing listens at this shop: the test stops at the redirect to it.
    let shop = "http://127.0.0.1:9";
    let (client_id, secret) = register(&issuer, &format!("{shop}/account/oidc/callback")).await;
    let config = ports::config::OidcConfig { issuer, client_id, client_secret: Some(secret), name: "Local ID".into() };
    let oidc = adapters::identity::Oidc::new(config, shop).unwrap();
    let code_from =
        |callback: &str| callback.split(['?', '&']).find_map(|p| p.strip_prefix("code=")).expect("a code").to_string();

    let (url, pending) = oidc.begin().await.unwrap();
    assert!(url.contains("code_challenge_method=S256") && url.contains("nonce="), "PKCE and a nonce: {url}");
    let email = format!("{}@example.com", unique("adapter"));
    let code = code_from(&at_issuer(&url, &format!("{}/{email}/yes", unique("sub"))).await);
    let forged = ports::identity::PendingSignIn { nonce: "another-nonce".into(), ..pending };
    match oidc.finish(&forged, &code).await {
        Err(ports::PortError::Invalid(why)) => assert!(why.to_lowercase().contains("nonce"), "{why}"),
        other => panic!("a token for another nonce must be refused, got {other:?}"),
    }

    let (url, pending) = oidc.begin().await.unwrap();
    let subject = unique("sub");
    let code = code_from(&at_issuer(&url, &format!("{subject}/{email}/yes")).await);
    let identity = oidc.finish(&pending, &code).await.expect("a verified identity");
    assert_eq!((identity.subject.as_str(), identity.email.as_deref()), (subject.as_str(), Some(email.as_str())));
    assert!(identity.email_verified);
    assert!(oidc.finish(&pending, &code).await.is_err(), "a code is traded once");
}
