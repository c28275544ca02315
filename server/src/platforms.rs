//! The platform clients, from configuration.

use std::time::Duration;

use crate::config::Settings;

/// The clients of the platforms that have credentials configured, and how syncs pace calls.
pub fn build(settings: &Settings) -> anyhow::Result<worker::Platforms> {
    let mut platforms = worker::Platforms::default();
    platforms.pause = Duration::from_millis(settings.sync_pause_ms);
    Ok(platforms)
}
