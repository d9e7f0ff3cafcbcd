//! W3C trace context across the order queue. Checkout stores the current
//! span's `traceparent` with the accepted order; the relay sends it as a
//! message attribute beside the request id; the worker's span for that
//! message continues the trace, so one trace shows the request, the wait on
//! the queue and the worker's steps. When no OpenTelemetry layer is
//! installed (`telemetry.otlp_endpoint` empty), spans have no trace context,
//! nothing is stored and nothing is continued.

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use std::collections::HashMap;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// The message attribute (and W3C header) name.
pub const TRACEPARENT: &str = "traceparent";

/// The current span's `traceparent`, if it belongs to an exported trace.
pub fn current_traceparent() -> Option<String> {
    let cx = tracing::Span::current().context();
    let mut carrier = HashMap::new();
    TraceContextPropagator::new().inject_context(&cx, &mut carrier);
    carrier.remove(TRACEPARENT)
}

/// Make `span` a child of the trace named by `traceparent` (ignored when
/// absent or malformed: the span starts a trace of its own).
pub fn continue_from(span: &tracing::Span, traceparent: Option<&str>) {
    let Some(tp) = traceparent.filter(|t| t.len() <= 128) else { return };
    let carrier = HashMap::from([(TRACEPARENT.to_string(), tp.to_string())]);
    let cx = TraceContextPropagator::new().extract(&carrier);
    let _ = span.set_parent(cx);
}
