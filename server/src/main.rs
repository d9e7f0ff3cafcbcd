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
        Some("config-doc") => {
            println!("| setting | environment variable | default | meaning |\n|---|---|---|---|");
            for (k, d, m) in SETTINGS {
                let env = format!("APP_{}", k.to_uppercase().replacen('.', "__", 1));
                println!("| `{k}` | `{env}` | `{d}` | {m} |");
            }
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command {other:?}; use serve, worker or config-doc");
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
    let worker = settings.run_worker.then(|| server::startup::spawn_worker(&state, stop_rx));
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
    served
}

/// Only the order worker (several may run at once, against SQS or the local queue).
async fn worker(settings: Settings) -> Result<(), String> {
    let conf = leptos::prelude::get_configuration(None).map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let handle = server::startup::spawn_worker(&state, stop_rx);
    tracing::info!("order worker running");
    shutdown_signal().await;
    let _ = stop_tx.send(true);
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
