//! Logs and metrics.
//!
//! Logs go through `tracing`: readable lines locally, JSON in production. Metrics go through the
//! `metrics` facade to one Prometheus recorder per process, rendered by `/metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

use crate::config::LogFormat;

/// Installs the global tracing subscriber. `RUST_LOG`, when set, wins over `level`. Calling it
/// twice is harmless (the second call does nothing), so tests can call it freely.
pub fn init_tracing(format: LogFormat, level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Pretty => builder.with_target(false).try_init(),
        LogFormat::Json => builder
            .json()
            .with_span_events(FmtSpan::NONE)
            .with_current_span(true)
            .try_init(),
    };
    // An error means a subscriber is already installed: keep it.
    drop(result);
}

/// Request latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus handle, installing the recorder on first use. `None` only if
/// another metrics recorder was installed first.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    PROMETHEUS
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full("mixpilot_http_request_duration_seconds".into()),
                    LATENCY_BUCKETS,
                )
                .ok()?
                .install_recorder()
                .ok()
        })
        .as_ref()
}
