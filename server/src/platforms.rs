//! The platform clients, from configuration: a platform with app credentials gets a client,
//! pointed at the real platform, or at `base_url` (a local fake, or a proxy) when it is set.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use connectors::{google_ads, linkedin, meta, microsoft_ads, tiktok};
use secrecy::ExposeSecret as _;

use crate::config::{PlatformCredentials, Settings};

/// The clients of the platforms that have credentials configured, and how syncs pace calls.
pub fn build(settings: &Settings) -> anyhow::Result<worker::Platforms> {
    let mut platforms = worker::Platforms::default();
    platforms.pause = Duration::from_millis(settings.sync_pause_ms);

    if let Some(c) = &settings.google_ads {
        let mut config = match base_url(c, "google_ads")? {
            Some(base) => google_ads::Config::at(&base, &c.client_id, secret(c)),
            None => google_ads::Config::production(&c.client_id, secret(c)),
        };
        if let Some(token) = &c.developer_token {
            config = config.with_developer_token(token.expose_secret());
        }
        platforms = platforms.with(Arc::new(google_ads::Client::new(config)));
    }
    if let Some(c) = &settings.meta {
        let config = match base_url(c, "meta")? {
            Some(base) => meta::Config::at(&base, &c.client_id, secret(c)),
            None => meta::Config::production(&c.client_id, secret(c)),
        };
        platforms = platforms.with(Arc::new(meta::Client::new(config)));
    }
    if let Some(c) = &settings.linkedin {
        let config = match base_url(c, "linkedin")? {
            Some(base) => linkedin::Config::at(&base, &c.client_id, secret(c)),
            None => linkedin::Config::production(&c.client_id, secret(c)),
        };
        platforms = platforms.with(Arc::new(linkedin::Client::new(config)));
    }
    if let Some(c) = &settings.tiktok {
        let config = match base_url(c, "tiktok")? {
            Some(base) => tiktok::Config::at(&base, &c.client_id, secret(c)),
            None => tiktok::Config::production(&c.client_id, secret(c)),
        };
        platforms = platforms.with(Arc::new(tiktok::Client::new(config)));
    }
    if let Some(c) = &settings.microsoft_ads {
        let token = c
            .developer_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned())
            .context(
                "MIXPILOT_MICROSOFT_ADS__DEVELOPER_TOKEN is required with Microsoft Advertising's app credentials",
            )?;
        let config = match base_url(c, "microsoft_ads")? {
            Some(base) => microsoft_ads::Config::at(&base, &c.client_id, secret(c), token),
            None => microsoft_ads::Config::production(&c.client_id, secret(c), token),
        };
        platforms = platforms.with(Arc::new(microsoft_ads::Client::new(config)));
    }
    Ok(platforms)
}

fn secret(c: &PlatformCredentials) -> &str {
    c.client_secret.expose_secret()
}

/// The configured base URL, checked.
fn base_url(c: &PlatformCredentials, name: &str) -> anyhow::Result<Option<url::Url>> {
    c.base_url
        .as_deref()
        .map(|raw| {
            let url = url::Url::parse(raw).with_context(|| {
                format!(
                    "MIXPILOT_{}__BASE_URL: {raw:?} is not a URL",
                    name.to_uppercase()
                )
            })?;
            anyhow::ensure!(
                matches!(url.scheme(), "http" | "https"),
                "MIXPILOT_{}__BASE_URL: {raw:?} is not an http(s) URL",
                name.to_uppercase()
            );
            Ok(url)
        })
        .transpose()
}
