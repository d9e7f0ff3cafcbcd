//! The `server` command: `server [serve]` runs the storefront; the other
//! subcommands (`server --help` lists them) run one job or print the
//! configuration table for the README.

use clap::{Parser, Subcommand};
use ports::config::{Settings, SETTINGS};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc rather than glibc's malloc: malloc and free were a quarter of a
/// rendered product page's CPU (perf, README Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The storefront: web server, order worker and operator commands. Settings
/// come from `storefront.toml` and `STOREFRONT_*` variables (`server config-doc`).
#[derive(Parser)]
#[command(name = "server", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the storefront (the default).
    Serve,
    /// Run only the order worker; several may run at once.
    Worker,
    /// Render the static failover copy into a folder.
    Prerender {
        #[arg(long, default_value = "data/failover")]
        out: PathBuf,
    },
    /// Upload a rendered copy to the object store.
    Publish {
        #[arg(long, default_value = "data/failover")]
        from: PathBuf,
    },
    /// Render the copy and publish it (what the schedule does).
    Failover {
        #[arg(long, default_value = "data/failover")]
        out: PathBuf,
    },
    /// Download the published copy into a folder.
    FailoverFetch {
        #[arg(long, default_value = "data/failover-copy")]
        to: PathBuf,
    },
    /// Create a merchant account, or make an existing one a merchant; the
    /// password comes from STOREFRONT_MERCHANT_PASSWORD (arguments show in `ps`).
    CreateMerchant {
        #[arg(long)]
        email: String,
    },
    /// Seed demo products into an empty catalog and say how many (production
    /// seeds none on its own; a catalog with products is left alone).
    Seed {
        #[arg(long, default_value_t = 300)]
        products: u32,
    },
    /// Run the recommendations job once and print its run record.
    Recommend,
    /// Run the order reconciler once and print its run record.
    Reconcile,
    /// Apply pending database migrations and say how many (a deploy step
    /// when `database.migrate_on_start` is false).
    Migrate,
    /// Print the configuration table for the README.
    ConfigDoc,
    /// Print storefront.example.toml (every key, its default and meaning).
    ConfigExample,
    /// Load the configuration and print every effective setting, secrets masked.
    ConfigCheck,
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => run(serve).await,
        Command::Worker => run(worker).await,
        Command::Prerender { out } => run(|s| failover_cmd(s, Failover::Prerender(out))).await,
        Command::Publish { from } => run(|s| failover_cmd(s, Failover::Publish(from))).await,
        Command::Failover { out } => run(|s| failover_cmd(s, Failover::Both(out))).await,
        Command::FailoverFetch { to } => run(|s| failover_cmd(s, Failover::Fetch(to))).await,
        Command::CreateMerchant { email } => run(|s| create_merchant(s, email)).await,
        Command::Seed { products } => run(|s| seed(s, products)).await,
        Command::Recommend => run(recommend).await,
        Command::Reconcile => run(reconcile).await,
        Command::Migrate => run(migrate).await,
        Command::ConfigExample => {
            print!("{}", ports::config::example_toml());
            ExitCode::SUCCESS
        }
        Command::ConfigCheck => {
            let shown = ports::config::config_file().and_then(|f| Settings::effective(f.as_deref(), std::env::vars()));
            match shown {
                Ok(all) => {
                    for (k, v) in all {
                        println!("{k} = {v:?}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{e}");
                    ExitCode::from(78)
                }
            }
        }
        Command::ConfigDoc => {
            println!("| setting | environment variable | default | meaning |\n|---|---|---|---|");
            for (k, d, m) in SETTINGS {
                let env = format!("STOREFRONT_{}", k.to_uppercase().replacen('.', "__", 1));
                println!("| `{k}` | `{env}` | `{d}` | {m} |");
            }
            ExitCode::SUCCESS
        }
    }
}

async fn run<F, Fut>(f: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(78);
        }
    };
    let _traces = server::telemetry::init(settings.json_logs, &settings.telemetry);
    match f(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "stopped");
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    server::startup::warm(&state).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stop_rx_ops = stop_rx.clone();
    let worker = settings.run_worker.then(|| server::startup::spawn_worker(&state, stop_rx.clone()));
    let order_jobs = server::startup::spawn_order_jobs(&state, &settings, stop_rx.clone());
    let reco = if settings.recommend.enabled {
        let cron = shop::jobs::recommend_schedule::parse(&settings.recommend.schedule)?;
        Some(tokio::spawn(shop::jobs::recommend_schedule::run(state.recommendations.clone(), cron, stop_rx.clone())))
    } else {
        None
    };
    let failover = tokio::spawn(shop::jobs::static_copy::run(
        state.catalog.clone(),
        server::failover::schedule::publisher(state.clone(), settings.failover.clone()),
        settings.failover.interval,
        settings.failover.debounce,
        stop_rx,
    ));
    let (router, ops_router) = server::http::build_routers(state, settings.ops_addr.is_some());
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("server.addr: cannot listen on {}: {e}", settings.addr))?;
    tracing::info!(addr = %settings.addr, "listening");
    let ops = match settings.ops_addr {
        Some(addr) => {
            let ops_listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("server.ops_addr: cannot listen on {addr}: {e}"))?;
            tracing::info!(addr = %addr, "operator endpoints listening");
            let mut stop = stop_rx_ops;
            let grace = settings.shutdown_grace;
            Some(tokio::spawn(server::http::serve(ops_listener, ops_router, grace, async move {
                let _ = stop.changed().await;
            })))
        }
        None => None,
    };
    let served = server::http::serve(listener, router, settings.shutdown_grace, shutdown_signal()).await;
    let _ = stop_tx.send(true);
    if let Some(o) = ops {
        let _ = tokio::time::timeout(settings.shutdown_grace, o).await;
    }
    if let Some(w) = worker {
        let _ = w.await;
    }
    failover.abort();
    for j in order_jobs {
        let _ = tokio::time::timeout(settings.shutdown_grace, j).await;
    }
    if let Some(r) = reco {
        // A run in progress finishes (or its lock lapses after recommend.lock_secs).
        let _ = tokio::time::timeout(settings.shutdown_grace, r).await;
    }
    served
}

async fn migrate(settings: Settings) -> Result<(), String> {
    let db = ports::database::Database::connect(&settings.database).await.map_err(|e| e.to_string())?;
    let pending = db.pending().await.map_err(|e| e.to_string())?;
    let applied = db.migrate().await.map_err(|e| e.to_string())?;
    for m in &pending {
        println!("applied {m}");
    }
    println!("{applied} migration(s) applied; the {} database is up to date", db.backend());
    Ok(())
}

/// Run the recommendations job once and print its run record.
async fn recommend(settings: Settings) -> Result<(), String> {
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    server::recommend::run_once(&state).await
}

/// Seed `products` demo products when the catalog is empty.
async fn seed(mut settings: Settings, products: u32) -> Result<(), String> {
    settings.seed_products = 0;
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    if !state.catalog.store().is_empty().await.map_err(|e| format!("catalog: {e}"))? {
        println!("the catalog already has products; nothing seeded");
        return Ok(());
    }
    server::startup::seed_if_empty(&state.catalog, products as usize).await?;
    println!("seeded {products} demo products");
    Ok(())
}

/// Run the order reconciler once and print its run record.
async fn reconcile(settings: Settings) -> Result<(), String> {
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    match server::startup::reconciler(&state, &settings).run_once().await.map_err(|e| e.to_string())? {
        Some(run) => println!("{}", serde_json::to_string(&run).map_err(|e| e.to_string())?),
        None => println!("another reconciler run holds the lease; nothing done"),
    }
    Ok(())
}

/// Only the order worker (several may run at once, against SQS or the local queue).
async fn worker(settings: Settings) -> Result<(), String> {
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    server::startup::warm(&state).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handle = server::startup::spawn_worker(&state, stop_rx.clone());
    let jobs = server::startup::spawn_order_jobs(&state, &settings, stop_rx);
    tracing::info!("order worker running");
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    for j in jobs {
        let _ = tokio::time::timeout(settings.shutdown_grace, j).await;
    }
    handle.await.map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

/// What a failover command does with its folder.
enum Failover {
    Prerender(PathBuf),
    Publish(PathBuf),
    Both(PathBuf),
    Fetch(PathBuf),
}

async fn failover_cmd(settings: Settings, cmd: Failover) -> Result<(), String> {
    use server::failover::{prerender, publish, schedule};
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    let prefix = settings.failover.prefix.clone();
    match cmd {
        Failover::Prerender(out) => {
            let bar = server::progress::bar(0, "prerendering");
            let r = prerender::prerender(state, &out, &schedule::utc_stamp(ports::clock::now()), &bar).await?;
            bar.finish_and_clear();
            println!(
                "prerendered {} pages and {} assets ({} bytes) into {} in {:.1} s",
                r.pages,
                r.assets,
                r.bytes,
                out.display(),
                r.seconds
            );
        }
        Failover::Publish(from) => {
            let bar = server::progress::bar(0, "publishing");
            let r = publish::publish(&*state.services.objects, &from, &prefix, &bar).await?;
            bar.finish_and_clear();
            println!(
                "published {} files: {} uploaded ({} bytes), {} unchanged, {} stale deleted, in {:.1} s",
                r.files, r.uploaded, r.bytes_uploaded, r.unchanged, r.deleted, r.seconds
            );
        }
        Failover::Both(out) => {
            println!(
                "{}",
                schedule::run_once(&state, &settings.failover, &out, &schedule::utc_stamp(ports::clock::now()), true)
                    .await?
            );
        }
        Failover::Fetch(to) => {
            let n = publish::fetch(&*state.services.objects, &prefix, &to).await?;
            println!("downloaded {n} files into {}", to.display());
        }
    }
    Ok(())
}

/// Creates the account, or makes an existing one a merchant with the
/// password in `STOREFRONT_MERCHANT_PASSWORD`.
async fn create_merchant(settings: Settings, email: String) -> Result<(), String> {
    let password = std::env::var("STOREFRONT_MERCHANT_PASSWORD")
        .map_err(|_| "set STOREFRONT_MERCHANT_PASSWORD to the new merchant's password".to_string())?;
    let services = adapters::connect(&settings).await.map_err(|e| format!("start-up: {e}"))?;
    let sessions =
        shop::accounts::Sessions::new(services.db.clone(), services.cache.clone(), settings.accounts.session_ttl);
    let accounts = shop::accounts::Accounts::new(services.db.clone(), sessions, &settings.public_url);
    let user = accounts.ensure_merchant(&email, &password).await.map_err(|e| match e {
        shop::accounts::AccountError::Invalid(fields) => {
            fields.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    })?;
    shop::accounts::audit::AuditLog::new(services.db.clone())
        .record(
            "cli",
            "account.create_merchant",
            &user.email,
            None,
            Some(format!("{{\"role\":\"merchant\",\"id\":\"{}\"}}", user.id)),
        )
        .await
        .map_err(|e| e.to_string())?;
    println!("merchant {} ready (id {})", user.email, user.id);
    Ok(())
}
