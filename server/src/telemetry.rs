//! Tracing setup: human-readable or JSON lines, filtered by `RUST_LOG`, and,
//! when `telemetry.otlp_endpoint` is set, every span exported to an
//! OpenTelemetry collector (OTLP over HTTP, JSON) in batches from a thread
//! of its own. The W3C propagator is installed either way, so the order
//! queue carries trace context (`shop::trace`).

use ports::config::TelemetryConfig;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Flushes and stops the trace export when dropped (at the end of `main`).
pub struct Guard(Option<opentelemetry_sdk::trace::SdkTracerProvider>);

impl Guard {
    /// Send what is buffered now (tests, and before a planned exit).
    pub fn flush(&self) {
        if let Some(p) = &self.0 {
            if let Err(e) = p.force_flush() {
                eprintln!("trace export: {e}");
            }
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            let _ = p.shutdown();
        }
    }
}

/// Install the global subscriber (once per process; later calls are no-ops
/// for the log lines and return a guard with nothing to flush).
pub fn init(json: bool, otel: &TelemetryConfig) -> Guard {
    opentelemetry::global::set_text_map_propagator(opentelemetry_sdk::propagation::TraceContextPropagator::new());
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info"));
    let lines = if json {
        tracing_subscriber::fmt::layer().json().flatten_event(true).with_target(false).boxed()
    } else {
        tracing_subscriber::fmt::layer().with_target(false).boxed()
    };
    let (export, provider) = match exporter(otel) {
        Ok(Some(provider)) => {
            use opentelemetry::trace::TracerProvider;
            let tracer = provider.tracer("storefront");
            (Some(tracing_opentelemetry::layer().with_tracer(tracer).boxed()), Some(provider))
        }
        Ok(None) => (None, None),
        Err(e) => {
            eprintln!("telemetry.otlp_endpoint: traces will not be exported: {e}");
            (None, None)
        }
    };
    let installed = tracing_subscriber::registry().with(filter).with(lines).with(export).try_init().is_ok();
    Guard(if installed { provider } else { None })
}

fn exporter(otel: &TelemetryConfig) -> Result<Option<opentelemetry_sdk::trace::SdkTracerProvider>, String> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let Some(endpoint) = &otel.otlp_endpoint else { return Ok(None) };
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpJson)
        .with_endpoint(endpoint.clone())
        .build()
        .map_err(|e| e.to_string())?;
    let resource = opentelemetry_sdk::Resource::builder().with_service_name(otel.service_name.clone()).build();
    Ok(Some(
        opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_batch_exporter(exporter)
            .with_resource(resource)
            .build(),
    ))
}
