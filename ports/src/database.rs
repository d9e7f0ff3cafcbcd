//! The relational database: SQLite (embedded) or PostgreSQL, chosen by
//! `database.url`, used through sqlx's `Any` driver so that one query serves
//! both. Rules that keep one SQL text valid on both: `$1, $2, …` placeholders
//! in order of first appearance, BIGINT/TEXT columns only, times as Unix
//! seconds, and `ON CONFLICT … DO NOTHING/UPDATE` for idempotent writes.
//! One migration folder serves both backends.

use crate::config::DatabaseConfig;
use crate::{PortError, PortResult};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Database {
    pool: AnyPool,
    backend: Backend,
}

/// A database error as a port error: a stored value that does not decode
/// into its type (an id, a SKU) is `Invalid`, naming the column, since
/// retrying cannot fix it; anything else is the database being unavailable.
pub fn db_err(backend: Backend) -> impl Fn(sqlx::Error) -> PortError {
    move |e| match e {
        sqlx::Error::ColumnDecode { index, source } => {
            PortError::Invalid(format!("stored column {index} is not valid: {source}"))
        }
        e => PortError::unavailable(if backend == Backend::Sqlite { "sqlite" } else { "postgres" }, e),
    }
}

/// Whether connecting failed on TLS itself (a certificate not trusted, a
/// handshake refused) rather than on the network: sqlx reports rustls'
/// verdict inside an I/O error.
fn tls_refused(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Tls(_) => true,
        sqlx::Error::Io(io) => io.get_ref().is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()),
        _ => false,
    }
}

/// `url` with the CA bundle as `sslrootcert` (and `sslmode=verify-full`
/// unless the URL names a mode). The bundle must hold a PEM certificate.
fn with_ca(url: &str, ca_file: Option<&std::path::Path>) -> PortResult<String> {
    let Some(ca) = ca_file else { return Ok(url.to_string()) };
    let pem = std::fs::read_to_string(ca)
        .map_err(|e| PortError::Invalid(format!("database.ca_file: cannot read {}: {e}", ca.display())))?;
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(PortError::Invalid(format!("database.ca_file: {} holds no PEM certificate", ca.display())));
    }
    let encoded: String = ca
        .display()
        .to_string()
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect();
    let sep = if url.contains('?') { '&' } else { '?' };
    let mode = if url.contains("sslmode=") { String::new() } else { "&sslmode=verify-full".to_string() };
    Ok(format!("{url}{sep}sslrootcert={encoded}{mode}"))
}

impl Database {
    pub async fn connect(cfg: &DatabaseConfig) -> PortResult<Self> {
        sqlx::any::install_default_drivers();
        let (url, backend, max) = match cfg {
            DatabaseConfig::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| PortError::unavailable("sqlite", e))?;
                }
                (format!("sqlite://{}?mode=rwc", path.display()), Backend::Sqlite, 4)
            }
            DatabaseConfig::Postgres { url, ca_file } => (with_ca(url, ca_file.as_deref())?, Backend::Postgres, 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| match cfg {
                // A refused certificate is a setting to fix, not an outage to wait out.
                DatabaseConfig::Postgres { ca_file, .. } if tls_refused(&e) => {
                    let key = if ca_file.is_some() { "database.ca_file" } else { "database.url (sslmode)" };
                    PortError::Invalid(format!("{key}: the PostgreSQL server's TLS certificate was refused: {e}"))
                }
                _ => db_err(backend)(e),
            })?;
        Ok(Self { pool, backend })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn err(&self) -> impl Fn(sqlx::Error) -> PortError {
        db_err(self.backend)
    }

    /// Apply the pending migrations; returns how many there were.
    pub async fn migrate(&self) -> PortResult<usize> {
        let pending = self.pending().await?.len();
        // One folder for both backends: the migrations use only SQL both speak.
        sqlx::migrate!("./migrations").run(&self.pool).await.map_err(|e| PortError::unavailable(self.backend(), e))?;
        Ok(pending)
    }

    /// The migrations this build has that the database has not applied
    /// (their descriptions, oldest first).
    pub async fn pending(&self) -> PortResult<Vec<String>> {
        // Before the first migration there is no bookkeeping table: all are pending.
        let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(&self.pool)
            .await
            .unwrap_or_default();
        Ok(sqlx::migrate!("./migrations")
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect())
    }

    pub async fn ping(&self) -> PortResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ()).map_err(self.err())
    }

    pub fn backend(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    pub fn kind(&self) -> Backend {
        self.backend
    }

    pub async fn meta(&self, key: &str) -> PortResult<Option<String>> {
        let row: Option<AnyRow> = sqlx::query("SELECT value FROM app_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(row.map(|r| sqlx::Row::get::<String, _>(&r, 0)))
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> PortResult<()> {
        sqlx::query(
            "INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await
        .map_err(self.err())?;
        Ok(())
    }

    /// Insert `value` unless the key exists; return the stored value either way.
    pub async fn meta_or_insert(&self, key: &str, value: &str) -> PortResult<String> {
        sqlx::query("INSERT INTO app_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await
            .map_err(self.err())?;
        Ok(self.meta(key).await?.unwrap_or_else(|| value.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_bundle_becomes_sslrootcert_with_verify_full_unless_the_url_names_a_mode() {
        let dir = std::env::temp_dir().join(format!("ca test {}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n").unwrap();
        let shown = ca.display().to_string().replace(' ', "%20");
        assert_eq!(with_ca("postgres://h/db", None).unwrap(), "postgres://h/db");
        assert_eq!(
            with_ca("postgres://h/db", Some(&ca)).unwrap(),
            format!("postgres://h/db?sslrootcert={shown}&sslmode=verify-full")
        );
        assert_eq!(
            with_ca("postgres://h/db?sslmode=verify-ca", Some(&ca)).unwrap(),
            format!("postgres://h/db?sslmode=verify-ca&sslrootcert={shown}")
        );
        std::fs::write(&ca, "not a certificate").unwrap();
        assert!(with_ca("postgres://h/db", Some(&ca)).unwrap_err().to_string().contains("database.ca_file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
