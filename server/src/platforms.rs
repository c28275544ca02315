//! The platform clients, from configuration: a platform with app credentials gets a client,
//! pointed at the real platform, or at `base_url` (a local fake, or a proxy) when it is set,
//! speaking the API version in `MIXPILOT_{PLATFORM}__API_VERSION` when there is one (set with
//! the platform's credentials). A client whose API version is past the platform's published
//! sunset is refused here, so the server does not start with it; one within
//! [`SUNSET_WARNING_DAYS`] of its sunset is logged.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use connectors::{google_ads, linkedin, meta, microsoft_ads, tiktok, versions};
use secrecy::ExposeSecret as _;

use crate::config::{PlatformCredentials, Settings};

/// How long before a version's published sunset the server starts warning.
pub const SUNSET_WARNING_DAYS: i64 = 90;

/// The clients of the platforms that have credentials configured, and how syncs pace calls.
pub fn build(settings: &Settings) -> anyhow::Result<worker::Platforms> {
    build_on(settings, chrono::Utc::now().date_naive())
}

/// [`build`], judging API versions as of `today`.
pub fn build_on(
    settings: &Settings,
    today: chrono::NaiveDate,
) -> anyhow::Result<worker::Platforms> {
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
        if let Some(version) = api_version("google_ads")? {
            config.api_version = version;
        }
        platforms = platforms.with(checked(Arc::new(google_ads::Client::new(config)), today)?);
    }
    if let Some(c) = &settings.meta {
        let mut config = match base_url(c, "meta")? {
            Some(base) => meta::Config::at(&base, &c.client_id, secret(c)),
            None => meta::Config::production(&c.client_id, secret(c)),
        };
        if let Some(version) = api_version("meta")? {
            config.api_version = version;
        }
        platforms = platforms.with(checked(Arc::new(meta::Client::new(config)), today)?);
    }
    if let Some(c) = &settings.linkedin {
        let mut config = match base_url(c, "linkedin")? {
            Some(base) => linkedin::Config::at(&base, &c.client_id, secret(c)),
            None => linkedin::Config::production(&c.client_id, secret(c)),
        };
        if let Some(version) = api_version("linkedin")? {
            config.api_version = version;
        }
        platforms = platforms.with(checked(Arc::new(linkedin::Client::new(config)), today)?);
    }
    if let Some(c) = &settings.tiktok {
        let mut config = match base_url(c, "tiktok")? {
            Some(base) => tiktok::Config::at(&base, &c.client_id, secret(c)),
            None => tiktok::Config::production(&c.client_id, secret(c)),
        };
        if let Some(version) = api_version("tiktok")? {
            config.api_version = version;
        }
        platforms = platforms.with(checked(Arc::new(tiktok::Client::new(config)), today)?);
    }
    if let Some(c) = &settings.microsoft_ads {
        let token = c
            .developer_token
            .as_ref()
            .map(|t| t.expose_secret().to_owned())
            .context(
                "MIXPILOT_MICROSOFT_ADS__DEVELOPER_TOKEN is required with Microsoft Advertising's app credentials",
            )?;
        let mut config = match base_url(c, "microsoft_ads")? {
            Some(base) => microsoft_ads::Config::at(&base, &c.client_id, secret(c), token),
            None => microsoft_ads::Config::production(&c.client_id, secret(c), token),
        };
        if let Some(version) = api_version("microsoft_ads")? {
            config.api_version = version;
        }
        platforms = platforms.with(checked(
            Arc::new(microsoft_ads::Client::new(config)),
            today,
        )?);
    }
    Ok(platforms)
}

/// The client, unless its API version is past the platform's published sunset on `today`;
/// logs a version that retires within [`SUNSET_WARNING_DAYS`].
fn checked(
    client: Arc<dyn connectors::AdPlatform>,
    today: chrono::NaiveDate,
) -> anyhow::Result<Arc<dyn connectors::AdPlatform>> {
    let platform = client.platform();
    let version = client.api_version().to_owned();
    let setting = format!("MIXPILOT_{}__API_VERSION", platform.as_str().to_uppercase());
    match versions::check(platform, &version, today) {
        versions::Support::Retired { sunset } => anyhow::bail!(
            "{} API version {version} was retired on {sunset}: set {setting} to a current version",
            platform.label()
        ),
        versions::Support::Retiring { sunset, days_left } if days_left <= SUNSET_WARNING_DAYS => {
            tracing::warn!(
                platform = platform.as_str(),
                %version,
                %sunset,
                days_left,
                "this API version retires soon: move {setting} to a current version"
            );
        }
        _ => {}
    }
    Ok(client)
}

/// The API version set for `name` in `MIXPILOT_{NAME}__API_VERSION` (`MIXPILOT_META__API_VERSION
/// =v27.0`), if any: the client's default otherwise.
///
/// Read from the environment here rather than from [`PlatformCredentials`], whose struct the
/// tests build field by field (see `docs/connections.md`).
fn api_version(name: &str) -> anyhow::Result<Option<String>> {
    let key = format!("MIXPILOT_{}__API_VERSION", name.to_uppercase());
    match std::env::var(&key) {
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => {
            let v = v.trim().to_owned();
            anyhow::ensure!(
                v.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
                "{key}: {v:?} is not an API version (letters, digits and dots, e.g. v27.0)"
            );
            Ok(Some(v))
        }
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(e) => anyhow::bail!("{key}: {e}"),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap_or(chrono::NaiveDate::MIN)
    }

    fn meta_speaking(version: &str) -> Arc<dyn connectors::AdPlatform> {
        let mut config = meta::Config::production("app", "secret");
        config.api_version = version.to_owned();
        Arc::new(meta::Client::new(config))
    }

    #[test]
    fn a_version_past_its_sunset_stops_the_start_and_names_the_setting() {
        let refused = checked(meta_speaking("v25.0"), day("2027-02-23"));
        let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("v25.0 was retired on 2027-02-23")
                && message.contains("MIXPILOT_META__API_VERSION"),
            "{message}"
        );
        // The day before, it still starts (with a warning).
        assert!(checked(meta_speaking("v25.0"), day("2027-02-22")).is_ok());
        // The default version has no published sunset.
        assert!(checked(meta_speaking(meta::API_VERSION), day("2027-03-01")).is_ok());
    }
}
