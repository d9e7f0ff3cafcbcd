//! `server [serve]` runs the storefront; `server config-doc` prints the
//! configuration table for the README.

use infra::config::{Settings, SETTINGS};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => run(serve).await,
        Some("worker") => run(worker).await,
        Some("prerender") => run(|s| failover_cmd(s, "prerender", args.clone())).await,
        Some("publish") => run(|s| failover_cmd(s, "publish", args.clone())).await,
        Some("failover") => run(|s| failover_cmd(s, "failover", args.clone())).await,
        Some("failover-fetch") => run(|s| failover_cmd(s, "failover-fetch", args.clone())).await,
        Some("create-merchant") => run(|s| create_merchant(s, args.clone())).await,
        Some("recommend") => run(recommend).await,
        Some("reconcile") => run(reconcile).await,
        Some("config-doc") => {
            println!("| setting | environment variable | default | meaning |\n|---|---|---|---|");
            for (k, d, m) in SETTINGS {
                let env = format!("APP_{}", k.to_uppercase().replacen('.', "__", 1));
                println!("| `{k}` | `{env}` | `{d}` | {m} |");
            }
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command {other:?}; use serve, worker, prerender, publish, failover, failover-fetch, create-merchant, recommend, reconcile or config-doc");
            ExitCode::from(2)
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
    server::telemetry::init(settings.json_logs);
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
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = settings.run_worker.then(|| server::startup::spawn_worker(&state, stop_rx.clone()));
    let order_jobs = server::startup::spawn_order_jobs(&state, &settings, stop_rx.clone());
    let reco = if settings.recommend.enabled {
        let cron = infra::recommend::schedule::parse(&settings.recommend.schedule)?;
        Some(tokio::spawn(infra::recommend::schedule::run(state.recommendations.clone(), cron, stop_rx.clone())))
    } else {
        None
    };
    let failover = tokio::spawn(server::failover::schedule::run(state.clone(), settings.failover.clone(), stop_rx));
    let router = server::build_router(state);
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("server.addr: cannot listen on {}: {e}", settings.addr))?;
    tracing::info!(addr = %settings.addr, "listening");
    let served = server::http::serve(listener, router, settings.shutdown_grace, shutdown_signal()).await;
    let _ = stop_tx.send(true);
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

/// Run the recommendations job once and print its run record.
async fn recommend(settings: Settings) -> Result<(), String> {
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    server::recommend::run_once(&state).await
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

/// `prerender [--out DIR]`, `publish [--from DIR]`, `failover [--out DIR]`
/// (both), `failover-fetch --to DIR` (download the published copy).
async fn failover_cmd(settings: Settings, cmd: &'static str, args: Vec<String>) -> Result<(), String> {
    use server::failover::{prerender, publish, schedule};
    let flag = |name: &str, default: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
            .unwrap_or_else(|| default.to_string())
    };
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    let prefix = settings.failover.prefix.clone();
    match cmd {
        "prerender" => {
            let out = std::path::PathBuf::from(flag("--out", "data/failover"));
            let r = prerender::prerender(state, &out, &schedule::utc_stamp(schedule::now_secs())).await?;
            println!(
                "prerendered {} pages and {} assets ({} bytes) into {} in {:.1} s",
                r.pages,
                r.assets,
                r.bytes,
                out.display(),
                r.seconds
            );
        }
        "publish" => {
            let from = std::path::PathBuf::from(flag("--from", "data/failover"));
            let r = publish::publish(&*state.services.objects, &from, &prefix).await?;
            println!(
                "published {} files: {} uploaded ({} bytes), {} unchanged, {} stale deleted, in {:.1} s",
                r.files, r.uploaded, r.bytes_uploaded, r.unchanged, r.deleted, r.seconds
            );
        }
        "failover" => {
            let out = std::path::PathBuf::from(flag("--out", "data/failover"));
            println!(
                "{}",
                schedule::run_once(&state, &settings.failover, &out, &schedule::utc_stamp(schedule::now_secs()))
                    .await?
            );
        }
        _ => {
            let to = std::path::PathBuf::from(flag("--to", "data/failover-copy"));
            let n = publish::fetch(&*state.services.objects, &prefix, &to).await?;
            println!("downloaded {n} files into {}", to.display());
        }
    }
    Ok(())
}

/// `create-merchant --email EMAIL` with the password in
/// `STOREFRONT_MERCHANT_PASSWORD` (not an argument: arguments show in `ps`).
/// Creates the account, or makes an existing one a merchant with that password.
async fn create_merchant(settings: Settings, args: Vec<String>) -> Result<(), String> {
    let email = args
        .iter()
        .position(|a| a == "--email")
        .and_then(|i| args.get(i + 1))
        .cloned()
        .ok_or("usage: server create-merchant --email EMAIL (password in STOREFRONT_MERCHANT_PASSWORD)")?;
    let password = std::env::var("STOREFRONT_MERCHANT_PASSWORD")
        .map_err(|_| "set STOREFRONT_MERCHANT_PASSWORD to the new merchant's password".to_string())?;
    let services = infra::Services::connect(&settings).await.map_err(|e| format!("start-up: {e}"))?;
    let sessions = infra::accounts::Sessions::new(services.cache.clone(), settings.accounts.session_ttl);
    let accounts =
        infra::accounts::Accounts::new(services.db.clone(), sessions, services.mailer.clone(), &settings.public_url);
    let user = accounts.ensure_merchant(&email, &password).await.map_err(|e| match e {
        infra::accounts::AccountError::Invalid(fields) => {
            fields.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    })?;
    infra::accounts::audit::AuditLog::new(services.db.clone())
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
