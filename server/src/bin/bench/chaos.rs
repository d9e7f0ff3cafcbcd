//! `bench chaos`: the order pipeline under faults, checked from the stores.
//!
//! Why: "never lose, duplicate or oversell an order, never charge the wrong
//! amount" is a claim about the whole system (server, several workers,
//! Redis, SQS, DynamoDB, PostgreSQL, the payment provider) while parts of it
//! crash. Unit tests cannot show it; this suite starts that system on its
//! own loopback ports, drives shoppers over HTTP while a fault loop kills
//! workers, restarts Redis and PostgreSQL, freezes moto, fails the payment
//! provider and poisons the queue, lets the pipeline drain, then audits
//! PostgreSQL, DynamoDB and SQS directly (never the server's answers) and
//! prints one markdown table. Any defect makes the exit status non-zero.
//!
//! `bench chaos [--orders N] [--workers W] [--seconds-per-fault S]
//! [--faults-per-class K] [--concurrency C] [--traffic-secs T]
//! [--drain-secs D] [--products P] [--scarce K] [--seed X] [--no-faults]
//! [--no-flash-sale] [--inject-defects] [--logs DIR] [--keep] [--server-bin PATH]
//! [--python PATH] [--shared-postgres URL]`; `scripts/chaos.sh` sets the
//! paths and runs it.

mod audit;
mod aws;
mod config;
mod faults;
mod inject;
mod pg;
pub(crate) mod procs;
mod refunds;
mod shoppers;
mod stack;
mod supervise;
mod table;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Command-line options (see the module doc).
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Shoppers, one checkout attempt each.
    #[arg(long, default_value_t = 100)]
    pub orders: usize,
    /// Supervised `server worker` processes.
    #[arg(long, default_value_t = 2)]
    pub workers: usize,
    /// How long each fault lasts.
    #[arg(long = "seconds-per-fault", default_value_t = 4)]
    pub fault_secs: u64,
    #[arg(long, default_value_t = 2)]
    pub faults_per_class: usize,
    /// Shoppers at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Spread the traffic over at least this long (0: the fault schedule).
    #[arg(long, default_value_t = 0)]
    pub traffic_secs: u64,
    /// How long to wait for the queues to empty after the traffic.
    #[arg(long, default_value_t = 240)]
    pub drain_secs: u64,
    #[arg(long, default_value_t = 40)]
    pub products: usize,
    /// SKUs with less stock than demand.
    #[arg(long, default_value_t = 3)]
    pub scarce: usize,
    /// Seed for the shoppers' choices (default: the time).
    #[arg(long, default_value_t = unix_secs())]
    pub seed: u64,
    /// No faults: the control run.
    #[arg(long = "no-faults", action = clap::ArgAction::SetFalse)]
    pub faults: bool,
    #[arg(long = "no-flash-sale", action = clap::ArgAction::SetFalse)]
    pub flash_sale: bool,
    /// Tamper with the stores before the audit (the auditor's self-check).
    #[arg(long = "inject-defects")]
    pub inject: bool,
    /// Folder for every process's log.
    #[arg(long)]
    pub logs: Option<PathBuf>,
    /// Keep the stack's folder afterwards.
    #[arg(long)]
    pub keep: bool,
    /// The `server` binary (default: beside this one).
    #[arg(long, default_value_os_t = beside_me("server"))]
    pub server_bin: PathBuf,
    /// A Python with moto installed.
    #[arg(long, default_value_os_t = default_python())]
    pub python: PathBuf,
    /// Use this PostgreSQL server instead of a private cluster (no restarts then).
    #[arg(long)]
    pub shared_postgres: Option<String>,
}

fn unix_secs() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1)
}

/// `bench` and `server` are built into the same folder.
pub(crate) fn beside_me(name: &str) -> PathBuf {
    std::env::current_exe().map(|p| p.with_file_name(name)).unwrap_or_else(|_| PathBuf::from(name))
}

fn default_python() -> PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let cache = std::env::var("STOREFRONT_CACHE").unwrap_or_else(|_| format!("{home}/.cache/storefront"));
    PathBuf::from(format!("{cache}/tools/venv/bin/python"))
}

impl Options {
    /// What clap cannot say about the values.
    pub fn check(&self) -> Result<(), String> {
        if self.workers < 1 || self.orders < 1 || self.concurrency < 1 {
            return Err("--orders, --workers and --concurrency must be at least 1".into());
        }
        if self.products < self.scarce + 4 || self.scarce < 1 {
            return Err("--products must exceed --scarce by 4 or more, and --scarce be at least 1".into());
        }
        if !self.server_bin.exists() {
            return Err(format!(
                "{} not found: build it with `cargo build --release -p server --bins` or pass --server-bin",
                self.server_bin.display()
            ));
        }
        Ok(())
    }

    /// How long the fault loop plans to run: traffic is spread over it.
    pub fn fault_schedule(&self) -> Duration {
        if !self.faults {
            return Duration::ZERO;
        }
        let per_fault = self.fault_secs.max(1) * 2 + 1;
        Duration::from_secs(faults::CLASSES as u64 * self.faults_per_class as u64 * per_fault)
    }
}

pub async fn run(opts: Options) -> Result<(), String> {
    opts.check()?;
    let started = Instant::now();
    let faults = match opts.faults {
        true => format!("on ({} per class, {} s each)", opts.faults_per_class, opts.fault_secs),
        false => "off".into(),
    };
    println!("chaos: {} shoppers, {} workers, faults {faults}, seed {}", opts.orders, opts.workers, opts.seed);
    let stack = Arc::new(stack::Stack::start(&opts).await?);
    // The body runs as a task so that a panic in it still reaches the cleanup below.
    let mut body = tokio::spawn(body(opts.clone(), stack.clone(), started));
    let outcome = tokio::select! {
        r = &mut body => r.map_err(|e| format!("the suite panicked: {e}")).and_then(|r| r),
        _ = interrupted() => {
            body.abort();
            Err("interrupted".to_string())
        }
    };
    stack.shutdown().await;
    outcome
}

async fn interrupted() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}

async fn body(opts: Options, stack: Arc<stack::Stack>, started: Instant) -> Result<(), String> {
    let skus = stack.prepare_catalog(&opts).await?;
    stack.start_workers(&opts).await?;
    let (done_tx, done_rx) = tokio::sync::watch::channel(false);
    let merchant_stop = done_rx.clone();
    let fault_loop =
        if opts.faults { Some(tokio::spawn(faults::run(stack.clone(), opts.clone(), done_rx))) } else { None };
    let spread = match opts.traffic_secs {
        0 => opts.fault_schedule(),
        s => Duration::from_secs(s),
    };
    println!("traffic: {} shoppers over about {} s, {} at a time", opts.orders, spread.as_secs(), opts.concurrency);
    let merchant = {
        let (stack, stop, seed) = (stack.clone(), merchant_stop, opts.seed);
        tokio::spawn(async move {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(2)
                .acquire_timeout(Duration::from_secs(5))
                .connect_lazy(&stack.pg.url)
                .map_err(|e| e.to_string())?;
            Ok::<_, String>(refunds::run(&stack, &pool, seed, Duration::from_millis(700), stop).await)
        })
    };
    let traffic = shoppers::run(&stack.base_url(), &skus, &opts, spread).await;
    let _ = done_tx.send(true);
    let merchant = merchant.await.map_err(|e| format!("merchant panicked: {e}"))??;
    let fault_counts = match fault_loop {
        Some(h) => h.await.map_err(|e| format!("fault loop panicked: {e}"))?,
        None => faults::Counts::default(),
    };
    println!(
        "traffic done in {:.0} s: {} accepted; draining (up to {} s)",
        started.elapsed().as_secs_f64(),
        traffic.accepted.len(),
        opts.drain_secs
    );
    let report = audit::run(&stack, &skus, &traffic, &merchant, &fault_counts, &opts).await?;
    let defects = report.print(&traffic, &merchant, &fault_counts, &stack.exit_summary(), started.elapsed());
    if defects > 0 {
        return Err(format!("{defects} defect(s) found (process logs: {})", stack.logs_dir().display()));
    }
    Ok(())
}
