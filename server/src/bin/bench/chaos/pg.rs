//! PostgreSQL for the chaos suite. Preferably a private cluster (initdb and
//! pg_ctl as the `postgres` OS user, its own port and socket folder), so the
//! fault loop can restart it without disturbing the machine's shared server
//! that other tests use. When that cannot be made, a fresh database on the
//! shared server instead, and the restart fault is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub enum Kind {
    Private { bin: PathBuf, data: PathBuf, root: PathBuf },
    Shared { admin_url: String, database: String },
}

pub struct Postgres {
    pub kind: Kind,
    pub url: String,
    pub port: u16,
    stopped: AtomicBool,
    /// Where the cluster's log is copied when it stops.
    logs: PathBuf,
}

/// The newest `/usr/lib/postgresql/<version>/bin` with initdb.
fn pg_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, p): &(u32, PathBuf)| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, p)| p)
}

/// Run a PostgreSQL tool as the `postgres` OS user (initdb and pg_ctl refuse root).
fn as_postgres(bin: &Path, tool: &str, args: &[&str], cwd: &Path) -> Result<(), String> {
    let out = Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(tool))
        .args(args)
        .current_dir(cwd)
        .output()
        .map_err(|e| format!("runuser {tool}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{tool} {}: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

async fn create_database(admin_url: &str, name: &str) -> Result<(), String> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(admin_url).await.map_err(|e| format!("{admin_url}: {e}"))?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut c)
        .await
        .map_err(|e| format!("create database: {e}"))?;
    Ok(())
}

impl Postgres {
    pub async fn start(dir: &Path, logs: &Path, shared: Option<&str>) -> Result<Self, String> {
        if shared.is_none() {
            match Self::private(dir, logs).await {
                Ok(pg) => return Ok(pg),
                Err(e) => println!(
                    "note: no private PostgreSQL cluster ({e}); using a fresh database on the shared server, without the restart fault"
                ),
            }
        }
        let admin_url = shared
            .map(String::from)
            .or_else(|| std::env::var("STOREFRONT_TEST_POSTGRES").ok())
            .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let database = format!("chaos_{}", std::process::id());
        create_database(&admin_url, &database).await?;
        let base = admin_url.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin_url.clone());
        let port = base.rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or(5432);
        Ok(Self {
            kind: Kind::Shared { admin_url, database: database.clone() },
            url: format!("{base}/{database}"),
            port,
            stopped: AtomicBool::new(false),
            logs: logs.to_path_buf(),
        })
    }

    async fn private(dir: &Path, logs: &Path) -> Result<Self, String> {
        let bin = pg_bin().ok_or("no /usr/lib/postgresql/*/bin/initdb")?;
        let root = dir.join("pg");
        std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
        let chown = Command::new("chown").args(["-R", "postgres:postgres"]).arg(&root).status();
        if !chown.is_ok_and(|s| s.success()) {
            return Err("cannot hand the cluster folder to the postgres user".into());
        }
        let data = root.join("data");
        let d = data.display().to_string();
        let r = root.display().to_string();
        let init = ["-D", &d, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C"];
        as_postgres(&bin, "initdb", &init, &root)?;
        let port = super::procs::port(5491)?;
        let opts = format!(
            "-p {port} -k {r} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=300"
        );
        let log = format!("{r}/postgres.log");
        as_postgres(&bin, "pg_ctl", &["-D", &d, "-l", &log, "-o", &opts, "-w", "-t", "60", "start"], &root)?;
        let pg = Self {
            kind: Kind::Private { bin, data, root: root.clone() },
            url: format!("postgres://postgres@127.0.0.1:{port}/storefront"),
            port,
            stopped: AtomicBool::new(false),
            logs: logs.to_path_buf(),
        };
        create_database(&format!("postgres://postgres@127.0.0.1:{port}/postgres"), "storefront").await?;
        Ok(pg)
    }

    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Private { .. } => format!("private PostgreSQL :{}", self.port),
            Kind::Shared { database, .. } => format!("database {database} on the shared PostgreSQL :{}", self.port),
        }
    }

    pub fn can_restart(&self) -> bool {
        matches!(self.kind, Kind::Private { .. })
    }

    /// Restart the private cluster: `fast` (clean) or `immediate` (as a crash, recovery on start).
    pub async fn restart(&self, immediate: bool) -> Result<(), String> {
        let Kind::Private { bin, data, root } = &self.kind else {
            return Err("shared server: not restarted".into());
        };
        let (bin, data, root) = (bin.clone(), data.display().to_string(), root.clone());
        let log = format!("{}/postgres.log", root.display());
        let mode = if immediate { "immediate" } else { "fast" };
        tokio::task::spawn_blocking(move || {
            as_postgres(&bin, "pg_ctl", &["-D", &data, "-l", &log, "-m", mode, "-w", "-t", "60", "restart"], &root)
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// Stop the cluster, or drop the database made on the shared server.
    pub async fn stop(&self) {
        if let Kind::Shared { admin_url, database } = &self.kind {
            if !self.stopped.swap(true, Ordering::SeqCst) {
                use sqlx::Connection;
                if let Ok(mut c) = sqlx::PgConnection::connect(admin_url).await {
                    let drop = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
                    let _ = tokio::time::timeout(Duration::from_secs(20), sqlx::query(&drop).execute(&mut c)).await;
                }
            }
            return;
        }
        self.stop_blocking();
    }

    /// Stop the private cluster (the shared database is dropped by `stop` only).
    pub fn stop_blocking(&self) {
        if let Kind::Private { bin, data, root } = &self.kind {
            if !self.stopped.swap(true, Ordering::SeqCst) {
                let d = data.display().to_string();
                let _ = as_postgres(bin, "pg_ctl", &["-D", &d, "-m", "immediate", "-w", "-t", "30", "stop"], root);
                let _ = std::fs::copy(root.join("postgres.log"), self.logs.join("postgres.log"));
            }
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop_blocking();
    }
}
