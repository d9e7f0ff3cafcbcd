use leptos::prelude::LeptosOptions;
use ports::config::Settings;
use std::path::PathBuf;

pub struct TestApp {
    pub url: String,
    pub state: app::state::AppState,
    pub client: reqwest::Client,
    /// The app's data folder (embedded stores).
    pub _dir: PathBuf,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.url)).send().await.expect("request sent")
    }
    /// GET with a cookie header.
    pub async fn text_as(&self, path: &str, cookie: &str) -> (u16, String) {
        let r = self.client.get(format!("{}{path}", self.url)).header("cookie", cookie).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }

    /// POST a urlencoded form (as a browser would, from the shop's origin,
    /// asking for a page: a server function then answers with a redirect).
    pub async fn form(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let body = fields.iter().map(|(k, v)| format!("{}={}", app::components::encode(k), app::components::encode(v)));
        self.client
            .post(format!("{}{path}", self.url))
            .header("origin", &self.url)
            .header("accept", "text/html")
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.collect::<Vec<_>>().join("&"))
            .send()
            .await
            .unwrap()
    }

    /// Call a server function with a JSON body.
    pub async fn call(&self, path: &str, cookie: &str, body: serde_json::Value) -> (u16, String) {
        let r = self
            .client
            .post(format!("{}{path}", self.url))
            .header("origin", &self.url)
            .header("cookie", cookie)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }

    /// Sign up a shopper; returns the session cookie (`sf_session=…`).
    pub async fn shopper(&self, email: &str) -> String {
        let r = self.form("/account/sign-up", "", &[("email", email), ("password", "a long enough password")]).await;
        assert_eq!(r.status(), 303);
        session_cookie(&r).expect("signed in after sign-up")
    }

    /// Create a merchant (as the CLI does) and sign in; returns the session cookie.
    pub async fn merchant(&self) -> String {
        let email = format!("m{}@example.com", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        self.state.accounts.ensure_merchant(&email, "merchant password 1").await.unwrap();
        let r = self.form("/account/sign-in", "", &[("email", &email), ("password", "merchant password 1")]).await;
        assert_eq!(r.status(), 303);
        session_cookie(&r).expect("signed in")
    }
}

/// The `name=value` pair a response sets for cookie `name` (not a removal), if any.
pub fn cookie_pair(r: &reqwest::Response, name: &str) -> Option<String> {
    let (set, removed) = (format!("{name}="), format!("{name}=;"));
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&set) && !v.starts_with(&removed))
        .map(|v| v.split(';').next().unwrap_or_default().to_string())
}

/// The `sf_session=…` pair a response sets, if any.
pub fn session_cookie(r: &reqwest::Response) -> Option<String> {
    cookie_pair(r, "sf_session")
}

/// The `sf_notice=…` pair a redirect sets (a flash notice for the next page), if any.
pub fn notice_cookie(r: &reqwest::Response) -> Option<String> {
    cookie_pair(r, "sf_notice")
}

/// The flash notice a redirect left for the next page (read, not taken).
pub async fn notice_of(app: &TestApp, r: &reqwest::Response) -> String {
    let pair = notice_cookie(r).expect("the redirect sets a notice cookie");
    let id = pair.trim_start_matches("sf_notice=");
    let kept = app.state.forms.load(id).await.unwrap().expect("the notice is kept");
    kept.as_str().unwrap_or_default().to_string()
}

/// The `Location` a redirect points to.
pub fn location(r: &reqwest::Response) -> String {
    r.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

impl TestApp {
    pub async fn text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let status = r.status().as_u16();
        (status, r.text().await.unwrap_or_default())
    }
}

pub fn env_or_skip(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("STOREFRONT_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{var} is required")
        }
        _ => {
            eprintln!("skipping: {var} not set");
            None
        }
    }
}

/// Embedded settings in a fresh folder, with `overrides` as `STOREFRONT_*` variables.
pub fn settings(dir: &std::path::Path, overrides: &[(&str, String)]) -> Settings {
    let d = dir.display();
    let mut env: Vec<(String, String)> = vec![
        ("STOREFRONT_DATABASE__URL".into(), format!("sqlite://{d}/db.sqlite")),
        ("STOREFRONT_QUEUE__PATH".into(), format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH".into(), format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH".into(), format!("{d}/objects")),
        ("STOREFRONT_MAIL__PATH".into(), format!("{d}/mail")),
        ("STOREFRONT_SERVER__SEED_PRODUCTS".into(), "60".into()),
        ("STOREFRONT_SERVER__RUN_WORKER".into(), "false".into()),
    ];
    env.extend(overrides.iter().map(|(k, v)| (k.to_string(), v.clone())));
    Settings::from_sources(None, env).expect("valid test settings")
}

pub async fn spawn_app(overrides: &[(&str, String)]) -> TestApp {
    let dir = std::env::temp_dir().join(format!("storefront-api-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    spawn_with(settings(&dir, overrides), dir).await
}

pub async fn spawn_with(settings: Settings, dir: PathBuf) -> TestApp {
    spawn_on(tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(), settings, dir).await
}

/// Serve on a listener bound beforehand (when the settings must name its port).
pub async fn spawn_on(listener: tokio::net::TcpListener, settings: Settings, dir: PathBuf) -> TestApp {
    let options = LeptosOptions::builder().output_name("storefront").site_root("target/site").build();
    let state = server::startup::build_state(&settings, options).await.expect("app starts");
    let router = server::build_router(state.clone());
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::http::serve(listener, router, std::time::Duration::from_secs(1), std::future::pending()));
    TestApp {
        url,
        state,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        _dir: dir,
    }
}

/// Open the address check mailed to `to` (as its owner would).
pub async fn confirm_address(app: &TestApp, to: &str) {
    server::startup::mail_relay(&app.state).step().await.unwrap();
    let mails = adapters::mail::FolderMailer::read_all(&app._dir.join("mail"));
    let mail =
        mails.iter().find(|m| m.to == to && m.text.contains("/account/verify?token=")).expect("an address check");
    let link = mail.text.lines().find(|l| l.contains("/account/verify?token=")).unwrap().trim();
    let r = app.get(&link[link.find("/account/verify").unwrap()..]).await;
    assert!(notice_of(app, &r).await.contains("confirmed"), "{}", location(&r));
}

/// The field errors a refused form kept for the page it redirected to.
pub async fn kept_errors(app: &TestApp, r: &reqwest::Response) -> std::collections::BTreeMap<String, String> {
    assert_eq!(r.status(), 303);
    let loc = location(r);
    let id = loc.split("form=").nth(1).unwrap_or_else(|| panic!("no kept form in {loc}"));
    app::forms::kept(&app.state, id).await.errors
}

/// Place an order of `quantity` of the first in-stock variant of `p` (for
/// `user`, if any) and run the worker until it is confirmed.
pub async fn confirmed_order(
    app: &TestApp,
    p: &domain::Product,
    quantity: i64,
    user: Option<domain::UserId>,
    key: &str,
) -> domain::OrderId {
    use domain::order::{Address, OrderStatus};
    let v = p.variants.iter().find(|v| v.stock >= quantity).expect("a variant with stock");
    let mut cart = shop::orders::cart::Cart::default();
    cart.add(p.id.as_str(), v.sku.as_str(), quantity, v.price.minor(), shop::orders::cart::new_generation).unwrap();
    let form = shop::orders::checkout::CheckoutForm {
        email: "buyer@example.com".into(),
        address: Address {
            name: "Rae".into(),
            line1: "1 Main St".into(),
            line2: String::new(),
            city: "Porto".into(),
            postal_code: "4000".into(),
            country: "PT".into(),
            region: String::new(),
        },
        shipping: "standard".into(),
        card_number: "4242424242424242".into(),
        idempotency_key: key.into(),
        discount_seen: None,
        user_id: user,
    };
    let id = app.state.orders.checkout.place(&format!("cart-{key}"), &cart, &form, "t").await.unwrap();
    for _ in 0..20 {
        let queue = &*app.state.services.queues.main;
        app.state.orders.worker.run_once(queue, std::time::Duration::from_millis(200)).await.unwrap();
        if app.state.orders.repo.status(&id).await.unwrap() == Some(OrderStatus::Confirmed) {
            return id;
        }
    }
    panic!("the order was not confirmed");
}
