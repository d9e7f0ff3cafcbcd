//! The relational database: SQLite (embedded) or PostgreSQL, chosen by
//! `database.url`. Each backend has its own migration folder with the same
//! schema written in its dialect; queries that differ live in the modules
//! that use them, behind `match` on this enum.

use crate::config::DatabaseConfig;
use crate::{PortError, PortResult};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::SqlitePool;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

fn pg(e: impl std::fmt::Display) -> PortError {
    PortError::unavailable("postgres", e)
}

impl Database {
    pub async fn connect(cfg: &DatabaseConfig) -> PortResult<Self> {
        match cfg {
            DatabaseConfig::Sqlite { path } => {
                let pool = crate::queue::local::open_file(path, "sqlite").await?;
                Ok(Self::Sqlite(pool))
            }
            DatabaseConfig::Postgres { url } => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(3))
                    .connect(url)
                    .await
                    .map_err(pg)?;
                Ok(Self::Postgres(pool))
            }
        }
    }

    pub async fn migrate(&self) -> PortResult<()> {
        match self {
            Self::Sqlite(p) => sqlx::migrate!("./migrations/sqlite")
                .run(p)
                .await
                .map_err(|e| PortError::unavailable("sqlite", e)),
            Self::Postgres(p) => sqlx::migrate!("./migrations/postgres")
                .run(p)
                .await
                .map_err(pg),
        }
    }

    pub async fn ping(&self) -> PortResult<()> {
        match self {
            Self::Sqlite(p) => sqlx::query("SELECT 1")
                .execute(p)
                .await
                .map(|_| ())
                .map_err(Into::into),
            Self::Postgres(p) => sqlx::query("SELECT 1")
                .execute(p)
                .await
                .map(|_| ())
                .map_err(pg),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }

    pub async fn meta(&self, key: &str) -> PortResult<Option<String>> {
        match self {
            Self::Sqlite(p) => sqlx::query_scalar("SELECT value FROM app_meta WHERE key = ?")
                .bind(key)
                .fetch_optional(p)
                .await
                .map_err(Into::into),
            Self::Postgres(p) => sqlx::query_scalar("SELECT value FROM app_meta WHERE key = $1")
                .bind(key)
                .fetch_optional(p)
                .await
                .map_err(pg),
        }
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> PortResult<()> {
        const UPSERT: &str = "INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        match self {
            Self::Sqlite(p) => sqlx::query(UPSERT)
                .bind(key)
                .bind(value)
                .execute(p)
                .await
                .map(|_| ())
                .map_err(Into::into),
            Self::Postgres(p) => sqlx::query(UPSERT)
                .bind(key)
                .bind(value)
                .execute(p)
                .await
                .map(|_| ())
                .map_err(pg),
        }
    }
}
