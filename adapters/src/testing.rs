//! Helpers the conformance suites share (feature `testing`): which services
//! are up, unique names, scratch folders, and a table of each kind.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers fail loudly

use crate::kv::{DynamoTable, EmbeddedTable, Table};
use ports::config::AwsConfig;
use std::sync::Arc;

/// The service URL from `var`, or `None` (skip) when unset and not required.
pub fn service(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var("STOREFRONT_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("{var} is required (STOREFRONT_REQUIRE_SERVICES=1) but not set")
        }
        _ => {
            eprintln!("skipping: {var} not set");
            None
        }
    }
}

pub async fn aws() -> Option<aws_config::SdkConfig> {
    let url = service("STOREFRONT_TEST_AWS")?;
    let cfg = AwsConfig { region: "us-east-1".into(), endpoint_url: Some(url), create_resources: true };
    Some(crate::aws::sdk_config(&cfg).await)
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// A new, empty PostgreSQL database on the server at `url` (an admin
/// database URL), so a test never meets another run's rows or migrations:
/// the test servers keep their data between runs.
pub async fn fresh_postgres(url: &str) -> String {
    use sqlx::Connection;
    let name = unique("sf").replace('-', "_");
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    let base = url.rsplit_once('/').map_or(url, |(b, _)| b);
    format!("{base}/{name}")
}

pub fn temp_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(unique("storefront-test"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub async fn embedded() -> Arc<dyn Table> {
    Arc::new(EmbeddedTable::open(&temp_dir().join("kv.db")).await.unwrap())
}

pub async fn dynamo() -> Option<Arc<dyn Table>> {
    let sdk = aws().await?;
    let t = DynamoTable::new(aws_sdk_dynamodb::Client::new(&sdk), &unique("table"));
    t.create_if_missing().await.unwrap();
    Some(Arc::new(t))
}

/// Settings for the embedded stack with its files in `dir`, as `STOREFRONT_*` pairs.
pub fn embedded_env(dir: &std::path::Path) -> Vec<(String, String)> {
    let d = dir.display();
    vec![
        ("STOREFRONT_DATABASE__URL".to_string(), format!("sqlite://{d}/db.sqlite")),
        ("STOREFRONT_QUEUE__PATH".to_string(), format!("{d}/queue.db")),
        ("STOREFRONT_CATALOG__PATH".to_string(), format!("{d}/catalog.db")),
        ("STOREFRONT_OBJECTS__PATH".to_string(), format!("{d}/objects")),
    ]
}
