//! The embedded adapters keep their data in SQLite files; this opens one the
//! same way for each (WAL mode, a busy timeout, its folder created).

use ports::{PortError, PortResult};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use std::path::Path;
use std::time::Duration;

/// Open (creating when missing) a SQLite file in WAL mode for an embedded adapter.
pub async fn open_file(path: &Path, what: &'static str) -> PortResult<SqlitePool> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| PortError::unavailable(what, e))?;
    }
    let opts = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqlitePoolOptions::new().max_connections(4).connect_with(opts).await?)
}
