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
//! [--no-flash-sale] [--logs DIR] [--keep] [--server-bin PATH]
//! [--python PATH] [--shared-postgres URL]`; `scripts/chaos.sh` sets the
//! paths and runs it.

mod audit;
mod aws;
mod faults;
mod pg;
mod shoppers;
mod stack;
mod supervise;
mod table;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Command-line options (see the module doc).
#[derive(Debug, Clone)]
pub struct Options {
    pub orders: usize,
    pub workers: usize,
    pub fault_secs: u64,
    pub faults_per_class: usize,
    pub concurrency: usize,
    pub traffic_secs: u64,
    pub drain_secs: u64,
    pub products: usize,
    pub scarce: usize,
    pub seed: u64,
    pub faults: bool,
    pub flash_sale: bool,
    pub logs: Option<PathBuf>,
    pub keep: bool,
    pub server_bin: PathBuf,
    pub python: PathBuf,
    pub shared_postgres: Option<String>,
}

fn value<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn number(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match value(args, name) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{name}: expected a number, got {v:?}")),
    }
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
        let cache = std::env::var("STOREFRONT_CACHE").unwrap_or_else(|_| format!("{home}/.cache/storefront"));
        let server_bin = match value(args, "--server-bin") {
            Some(p) => PathBuf::from(p),
            // `bench` and `server` are built into the same folder.
            None => std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("server"),
        };
        let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1);
        let o = Self {
            orders: number(args, "--orders", 100)? as usize,
            workers: number(args, "--workers", 2)? as usize,
            fault_secs: number(args, "--seconds-per-fault", 4)?,
            faults_per_class: number(args, "--faults-per-class", 2)? as usize,
            concurrency: number(args, "--concurrency", 16)? as usize,
            traffic_secs: number(args, "--traffic-secs", 0)?,
            drain_secs: number(args, "--drain-secs", 240)?,
            products: number(args, "--products", 40)? as usize,
            scarce: number(args, "--scarce", 3)? as usize,
            seed: number(args, "--seed", seed)?,
            faults: !args.iter().any(|a| a == "--no-faults"),
            flash_sale: !args.iter().any(|a| a == "--no-flash-sale"),
            logs: value(args, "--logs").map(PathBuf::from),
            keep: args.iter().any(|a| a == "--keep"),
            server_bin,
            python: value(args, "--python")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(format!("{cache}/tools/venv/bin/python"))),
            shared_postgres: value(args, "--shared-postgres").map(String::from),
        };
        if o.workers < 1 || o.orders < 1 || o.concurrency < 1 {
            return Err("--orders, --workers and --concurrency must be at least 1".into());
        }
        if o.products < o.scarce + 4 || o.scarce < 1 {
            return Err("--products must exceed --scarce by 4 or more, and --scarce be at least 1".into());
        }
        if !o.server_bin.exists() {
            return Err(format!(
                "{} not found: build it with `cargo build --release -p server --bins` or pass --server-bin",
                o.server_bin.display()
            ));
        }
        Ok(o)
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

pub async fn run(args: &[String]) -> Result<(), String> {
    let opts = Options::parse(args)?;
    let started = Instant::now();
    println!(
        "chaos: {} shoppers, {} workers, faults {} ({} per class, {} s each), seed {}",
        opts.orders,
        opts.workers,
        if opts.faults { "on" } else { "off" },
        opts.faults_per_class,
        opts.fault_secs,
        opts.seed
    );
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
    let fault_loop =
        if opts.faults { Some(tokio::spawn(faults::run(stack.clone(), opts.clone(), done_rx))) } else { None };
    let spread = match opts.traffic_secs {
        0 => opts.fault_schedule(),
        s => Duration::from_secs(s),
    };
    println!("traffic: {} shoppers over about {} s, {} at a time", opts.orders, spread.as_secs(), opts.concurrency);
    let traffic = shoppers::run(&stack.base_url(), &skus, &opts, spread).await;
    let _ = done_tx.send(true);
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
    let report = audit::run(&stack, &skus, &traffic, &fault_counts, &opts).await?;
    let defects = report.print(&traffic, &fault_counts, &stack.exit_summary(), started.elapsed());
    if defects > 0 {
        return Err(format!("{defects} defect(s) found (process logs: {})", stack.logs_dir().display()));
    }
    Ok(())
}
