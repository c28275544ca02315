//! The platform clients, from configuration.

use std::time::Duration;

use crate::config::Settings;

/// The clients of the platforms that have credentials configured, and how syncs pace calls.
pub fn build(settings: &Settings) -> anyhow::Result<worker::Platforms> {
    let mut platforms = worker::Platforms::default();
    platforms.pause = Duration::from_millis(settings.sync_pause_ms);
    // The real platforms' clients are not in this build yet (issue #6): say so rather than
    // ignore credentials silently.
    for (name, credentials) in [
        ("google_ads", &settings.google_ads),
        ("meta", &settings.meta),
        ("linkedin", &settings.linkedin),
        ("microsoft_ads", &settings.microsoft_ads),
        ("tiktok", &settings.tiktok),
    ] {
        if credentials.is_some() {
            tracing::warn!(
                platform = name,
                "credentials are configured, but this build has no client for the platform yet; it is not offered"
            );
        }
    }
    Ok(platforms)
}
