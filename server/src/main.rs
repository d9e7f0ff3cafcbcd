//! `server [serve]` runs the storefront; `server config-doc` prints the
//! configuration table for the README.

use infra::config::{Settings, SETTINGS};
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => run(serve).await,
        Some("config-doc") => {
            println!("| setting | environment variable | default | meaning |\n|---|---|---|---|");
            for (k, d, m) in SETTINGS {
                let env = format!("APP_{}", k.to_uppercase().replacen('.', "__", 1));
                println!("| `{k}` | `{env}` | `{d}` | {m} |");
            }
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command {other:?}; use serve or config-doc");
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
    let conf = leptos::prelude::get_configuration(None)
        .map_err(|e| format!("leptos configuration: {e}"))?;
    let state = server::startup::build_state(&settings, conf.leptos_options).await?;
    let router = server::build_router(state);
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("server.addr: cannot listen on {}: {e}", settings.addr))?;
    tracing::info!(addr = %settings.addr, "listening");
    server::http::serve(listener, router, settings.shutdown_grace, shutdown_signal()).await
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
