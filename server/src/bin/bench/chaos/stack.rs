//! The system under test, on this machine's loopback only and on ports of
//! its own, so the chaos suite never touches the shared services other tests
//! use: its own Redis (no persistence), moto served one request at a time
//! (threaded moto races DynamoDB transactions, see TOOLCHAIN.md), a private
//! PostgreSQL cluster it may restart (or, when one cannot be made, a fresh
//! database on the shared server and no restarts), one `server serve` and
//! W supervised `server worker` processes. Everything it starts is stopped
//! by `shutdown`, and by `Drop` as a last resort.

use super::aws::Aws;
use super::config::{app_env, known_settings};
use super::procs::{port, redis_command, signal, spawn_logged, start_redis, tail, wait_port, Owned};
use super::supervise::Supervised;
use super::Options;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

pub use super::pg::Postgres;

pub struct Stack {
    pub dir: PathBuf,
    logs: PathBuf,
    keep_logs: bool,
    pub redis_port: u16,
    pub http_port: u16,
    redis: Mutex<Option<Owned>>,
    moto: Mutex<Option<Owned>>,
    moto_pid: u32,
    pub pg: Postgres,
    pub aws: Aws,
    pub env: Vec<(String, String)>,
    pub serve: Mutex<Option<Supervised>>,
    pub workers: Mutex<Vec<Supervised>>,
    server_bin: PathBuf,
    stopped: AtomicBool,
    keep: bool,
}

impl Stack {
    pub async fn start(opts: &Options) -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("storefront-chaos-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let started = Self::start_in(dir.clone(), opts).await;
        if started.is_err() && !opts.keep {
            // What was started is stopped by now (dropped); its folder goes too.
            let _ = std::fs::remove_dir_all(&dir);
        }
        started
    }

    async fn start_in(dir: PathBuf, opts: &Options) -> Result<Self, String> {
        std::fs::create_dir_all(dir.join("app")).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (logs, keep_logs) = match &opts.logs {
            Some(l) => (l.clone(), true),
            None => (dir.join("logs"), false),
        };
        std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
        for f in ["redis.log", "moto.log", "serve.log"] {
            let _ = std::fs::remove_file(logs.join(f));
        }
        let (redis_port, moto_port, http_port) = (port(6391)?, port(5391)?, port(3391)?);

        let redis = start_redis(&dir, &logs, redis_port).await?;
        if !opts.python.exists() {
            return Err(format!(
                "{} not found: run scripts/setup-test.sh (moto venv) or pass --python",
                opts.python.display()
            ));
        }
        // moto one request at a time, with cheap DynamoDB transaction
        // rollbacks: see the launcher's docstring.
        let moto_src = include_str!("moto_server.py");
        let moto = spawn_logged(
            Command::new(&opts.python).args(["-c", moto_src, &moto_port.to_string()]).current_dir(&dir),
            &logs.join("moto.log"),
        )?;
        let moto_pid = moto.id();
        if !wait_port(moto_port, Duration::from_secs(60)).await {
            return Err(format!("moto did not open port {moto_port}:\n{}", tail(&logs.join("moto.log"), 20)));
        }
        let pg = Postgres::start(&dir, &logs, opts.shared_postgres.as_deref()).await?;
        println!(
            "stack: redis :{redis_port}, moto :{moto_port} (one request at a time), {}, server :{http_port}",
            pg.describe()
        );
        let tag = format!("chaos{}", std::process::id());
        let aws = Aws::new(moto_port, &tag).await;
        let known = known_settings(&opts.server_bin, &dir).await?;
        let env = app_env(&known, &pg.url, redis_port, &aws, http_port, opts);
        let stack = Self {
            dir,
            logs,
            keep_logs,
            redis_port,
            http_port,
            redis: Mutex::new(Some(redis)),
            moto: Mutex::new(Some(moto)),
            moto_pid,
            pg,
            aws,
            env,
            serve: Mutex::new(None),
            workers: Mutex::new(Vec::new()),
            server_bin: opts.server_bin.clone(),
            stopped: AtomicBool::new(false),
            keep: opts.keep,
        };
        if let Err(e) = stack.start_serve().await {
            stack.shutdown().await;
            return Err(e);
        }
        Ok(stack)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    pub fn logs_dir(&self) -> &Path {
        &self.logs
    }

    fn app(&self, extra: &[(&str, &str)], args: &[&str]) -> impl Fn() -> Command + Send + 'static {
        let (bin, cwd) = (self.server_bin.clone(), self.dir.join("app"));
        let mut env = self.env.clone();
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        // Settings come from here only: none inherited from the caller's STOREFRONT_* variables.
        let inherited: Vec<String> =
            std::env::vars().map(|(k, _)| k).filter(|k| k.starts_with("STOREFRONT_")).collect();
        move || {
            let mut c = Command::new(&bin);
            for k in &inherited {
                c.env_remove(k);
            }
            c.args(&args).current_dir(&cwd).envs(env.iter().map(|(k, v)| (k, v)));
            c
        }
    }

    /// A merchant account for the suite's refunds (`server create-merchant`).
    pub async fn create_merchant(&self, email: &str, password: &str) -> Result<(), String> {
        let make = self.app(&[("STOREFRONT_MERCHANT_PASSWORD", password)], &["create-merchant", "--email", email]);
        let out = tokio::task::spawn_blocking(move || make().output())
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("create-merchant: {e}"))?;
        match out.status.success() {
            true => Ok(()),
            false => Err(format!("create-merchant: {}", String::from_utf8_lossy(&out.stderr).trim())),
        }
    }

    async fn start_serve(&self) -> Result<(), String> {
        let log = self.logs.join("serve.log");
        let serve = Supervised::start("serve", self.app(&[], &["serve"]), log.clone(), Duration::from_secs(1));
        let exits = serve.stats.clone();
        *self.serve.lock().await = Some(serve);
        let client = reqwest::Client::new();
        let url = format!("{}/healthz", self.base_url());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
        while tokio::time::Instant::now() < deadline {
            if client.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            if exits.unplanned_exits.load(Ordering::Relaxed) >= 3 {
                return Err(format!("`server serve` keeps exiting:\n{}", tail(&log, 30)));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        Err(format!("`server serve` did not answer /healthz within 180 s:\n{}", tail(&log, 30)))
    }

    /// Seed stock for the chosen SKUs straight into DynamoDB (then empty the cache).
    pub async fn prepare_catalog(&self, opts: &Options) -> Result<Vec<super::aws::Sku>, String> {
        let skus = self.aws.prepare_skus(opts).await?;
        // Cached products still carry the seeded stock: start from the store.
        redis_command(self.redis_port, "FLUSHALL").await?;
        Ok(skus)
    }

    pub async fn start_workers(&self, opts: &Options) -> Result<(), String> {
        let mut workers = self.workers.lock().await;
        for i in 0..opts.workers {
            let name = format!("worker{}", i + 1);
            let make = self.app(&[("STOREFRONT_SERVER__SEED_PRODUCTS", "0")], &["worker"]);
            workers.push(Supervised::start(&name, make, self.logs.join(format!("{name}.log")), Duration::from_secs(1)));
        }
        Ok(())
    }

    /// SIGKILL worker `i` (it is started again after a second).
    pub async fn kill_worker(&self, i: usize) -> bool {
        let workers = self.workers.lock().await;
        workers.get(i % workers.len().max(1)).is_some_and(|w| w.kill())
    }

    pub async fn worker_count(&self) -> usize {
        self.workers.lock().await.len()
    }

    /// Kill Redis (as a crash: SIGKILL), leave it down for `down`, start it again (empty).
    pub async fn restart_redis(&self, down: Duration) -> Result<(), String> {
        let mut guard = self.redis.lock().await;
        if let Some(mut c) = guard.take() {
            c.kill();
        }
        tokio::time::sleep(down).await;
        *guard = Some(start_redis(&self.dir, &self.logs, self.redis_port).await?);
        Ok(())
    }

    pub fn freeze_moto(&self, frozen: bool) -> bool {
        self.moto_pid != 0 && signal(self.moto_pid, if frozen { "STOP" } else { "CONT" })
    }

    /// Summary of supervised processes: (name, spawns, planned kills, unplanned exits).
    pub fn exit_summary(&self) -> Vec<(String, u64, u64, u64)> {
        let mut out = Vec::new();
        let serve = self.serve.try_lock().ok();
        let workers = self.workers.try_lock().ok();
        let all = serve.iter().filter_map(|s| s.as_ref()).chain(workers.iter().flat_map(|w| w.iter()));
        for s in all {
            let st = &s.stats;
            out.push((
                s.name.clone(),
                st.spawns.load(Ordering::Relaxed),
                st.planned_kills.load(Ordering::Relaxed),
                st.unplanned_exits.load(Ordering::Relaxed),
            ));
        }
        out
    }

    /// Stop everything this suite started and remove its temporary folder.
    pub async fn shutdown(&self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        self.freeze_moto(false);
        for w in self.workers.lock().await.iter() {
            w.stop().await;
        }
        if let Some(s) = self.serve.lock().await.as_ref() {
            s.stop().await;
        }
        for mut child in [self.redis.lock().await.take(), self.moto.lock().await.take()].into_iter().flatten() {
            child.kill();
        }
        self.pg.stop().await;
        self.remove_dir();
    }

    fn remove_dir(&self) {
        if self.keep {
            println!("kept {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        if self.keep_logs {
            println!("logs in {}", self.logs.display());
        }
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        // Children are kill-on-drop; what outlives them is the database cluster.
        if self.moto_pid != 0 {
            signal(self.moto_pid, "KILL");
        }
        self.pg.stop_blocking();
        self.remove_dir();
    }
}
