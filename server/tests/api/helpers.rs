use infra::config::Settings;
use leptos::prelude::LeptosOptions;
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

/// Embedded settings in a fresh folder, with `overrides` as `APP_*` variables.
pub fn settings(dir: &std::path::Path, overrides: &[(&str, String)]) -> Settings {
    let d = dir.display();
    let mut env: Vec<(String, String)> = vec![
        ("APP_DATABASE__URL".into(), format!("sqlite://{d}/db.sqlite")),
        ("APP_QUEUE__PATH".into(), format!("{d}/queue.db")),
        ("APP_CATALOG__PATH".into(), format!("{d}/catalog.db")),
        ("APP_OBJECTS__PATH".into(), format!("{d}/objects")),
        ("APP_SERVER__SEED_PRODUCTS".into(), "60".into()),
        ("APP_SERVER__RUN_WORKER".into(), "false".into()),
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
    let options = LeptosOptions::builder().output_name("storefront").site_root("target/site").build();
    let state = server::startup::build_state(&settings, options).await.expect("app starts");
    let router = server::build_router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::http::serve(listener, router, std::time::Duration::from_secs(1), std::future::pending()));
    TestApp {
        url,
        state,
        client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
        _dir: dir,
    }
}
