//! Configuration: one settings struct, layered. Defaults, then an optional TOML file (`--config`
//! or `MIXPILOT_CONFIG`), then `MIXPILOT_*` environment variables, then command-line flags.
//! Secrets (database and Redis URLs, which may hold passwords) are redacted in `Debug`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Every setting of the `mixpilot` binary. Each field is set by the environment variable
/// `MIXPILOT_<FIELD>` (for example `MIXPILOT_DATABASE_URL`) or the same key in the config file.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    /// Address to listen on. Default `127.0.0.1`.
    pub host: IpAddr,
    /// Port to listen on; `0` picks a free one. Default `8080`.
    pub port: u16,
    /// Where the embedded default keeps its SQLite files. Default `./mixpilot-data`.
    pub data_dir: PathBuf,
    /// `postgres://…` for production, or `sqlite://…`. Default: `mixpilot.sqlite` in `data_dir`.
    pub database_url: Option<SecretString>,
    /// `redis://…` for the production queue. Default: a SQLite queue in `data_dir`.
    pub redis_url: Option<SecretString>,
    /// Prefix of every Redis key, so deployments can share a server. Default `mixpilot`.
    pub queue_namespace: String,
    /// Whether `serve` also runs the workers. Default: yes on the SQLite queue (the embedded
    /// default), no on Redis, where `mixpilot worker` processes run them.
    pub in_process_workers: Option<bool>,
    /// Jobs of each type one process runs at once. Default `4`.
    pub worker_concurrency: usize,
    /// Where the site assets are: the wasm bundle in `<site_root>/pkg`. Default `./site`.
    pub site_root: PathBuf,
    /// `pretty` (readable, the default) or `json` (for log collectors).
    pub log_format: LogFormat,
    /// A tracing filter, for example `info` or `server=debug,info`. `RUST_LOG` wins if set.
    pub log_level: String,
    /// Database connections per process. Default `10`.
    pub db_max_connections: u32,
    /// How long to wait for the database or Redis at start-up, in seconds. Default `5`.
    pub connect_timeout_secs: u64,
    /// How long in-flight requests and running jobs may take to finish on shutdown, in seconds.
    /// Default `30`.
    pub shutdown_timeout_secs: u64,
    /// Whether `serve` and `worker` apply pending migrations at start. Default `true`. With
    /// several replicas, set it to `false` and run `mixpilot migrate` as a release step.
    pub migrate_on_start: bool,
    /// The key that signs session tokens: at least 32 bytes, the same on every replica. Required
    /// with an external database; the embedded default generates one into `data_dir/auth.key`.
    pub auth_secret: Option<SecretString>,
    /// The SMTP server for invitation emails: `smtp://host:25`, `smtp://user:pass@host:587?tls=required`
    /// or `smtps://user:pass@host:465`. Default: none; admins copy invitation links instead.
    pub smtp_url: Option<SecretString>,
    /// The sender of emails. Default `Mixpilot <mixpilot@localhost>`.
    pub mail_from: String,
    /// The address people reach Mixpilot at, for links in emails, for example
    /// `https://mixpilot.example.com`. Default: the listening address.
    pub public_url: Option<String>,
    /// How long after its first use a refresh token may be presented again without ending its
    /// session (two tabs refreshing at once), in seconds. Default `10`.
    pub refresh_reuse_grace_secs: u64,
    /// How many proxies (load balancers, CDNs) stand in front of the server, each appending
    /// the address it received a request from to `X-Forwarded-For`. With `n`, the client
    /// address (for rate limits) is the `n`th entry from the right, and `X-Forwarded-Proto`
    /// from the proxy decides whether cookies are `Secure`; entries further left are the
    /// client's own and are ignored. Default `0`: no proxy is trusted, the client is the peer
    /// address and both headers are ignored. `true` means `1`, `false` means `0`.
    #[serde(deserialize_with = "proxy_hops")]
    pub trust_forwarded_for: u8,
    /// The key that seals platform tokens at rest (AES-256-GCM): 32 bytes, base64. Default: a
    /// key derived (HKDF-SHA256) from the session key. Set it to rotate the two separately.
    pub encryption_key: Option<SecretString>,
    /// Days pulled when a connection is made. Default `180`.
    pub sync_backfill_days: u32,
    /// Days re-pulled by every scheduled sync (platforms restate conversions). Default `28`.
    pub sync_window_days: u32,
    /// Seconds between scheduled syncs of a connection. Default `3600`.
    pub sync_interval_secs: u64,
    /// Milliseconds to pause between report calls of a sync, to spread load. Default `0`.
    pub sync_pause_ms: u64,
    /// Google Ads OAuth client (`MIXPILOT_GOOGLE_ADS__CLIENT_ID`, `__CLIENT_SECRET`, and
    /// `__BASE_URL` to point every endpoint at one local server). Unset: not offered.
    pub google_ads: Option<PlatformCredentials>,
    /// Meta app (`MIXPILOT_META__CLIENT_ID`, ...).
    pub meta: Option<PlatformCredentials>,
    /// LinkedIn app (`MIXPILOT_LINKEDIN__CLIENT_ID`, ...).
    pub linkedin: Option<PlatformCredentials>,
    /// Microsoft Advertising app and developer token (`MIXPILOT_MICROSOFT_ADS__CLIENT_ID`,
    /// `__DEVELOPER_TOKEN`, ...).
    pub microsoft_ads: Option<PlatformCredentials>,
    /// TikTok app (`MIXPILOT_TIKTOK__CLIENT_ID` is the app ID, `__CLIENT_SECRET` its secret).
    pub tiktok: Option<PlatformCredentials>,
}

/// `MIXPILOT_TRUST_FORWARDED_FOR`: a number of proxies, or `true` (one) and `false` (none).
fn proxy_hops<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Hops {
        Flag(bool),
        Count(u8),
    }
    Ok(match Hops::deserialize(deserializer) {
        Ok(Hops::Flag(trust)) => u8::from(trust),
        Ok(Hops::Count(n)) => n,
        Err(_) => {
            return Err(serde::de::Error::custom(
                "expected a number of trusted proxies (0 to 255), or true (1) or false (0)",
            ));
        }
    })
}

/// One platform's application credentials.
#[derive(Clone, Deserialize)]
pub struct PlatformCredentials {
    pub client_id: String,
    pub client_secret: SecretString,
    /// Where the platform is reached; unset means the real platform. A local fake serves
    /// every endpoint under one base URL.
    pub base_url: Option<String>,
    /// Microsoft's developer token.
    pub developer_token: Option<SecretString>,
}

impl std::fmt::Debug for PlatformCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCredentials")
            .field("client_id", &self.client_id)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// The defaults, as a serializable layer under the file and the environment.
#[derive(Serialize)]
struct Defaults {
    host: IpAddr,
    port: u16,
    data_dir: PathBuf,
    queue_namespace: &'static str,
    worker_concurrency: usize,
    site_root: PathBuf,
    log_format: LogFormat,
    log_level: &'static str,
    db_max_connections: u32,
    connect_timeout_secs: u64,
    shutdown_timeout_secs: u64,
    migrate_on_start: bool,
    trust_forwarded_for: u8,
    refresh_reuse_grace_secs: u64,
    mail_from: &'static str,
    sync_backfill_days: u32,
    sync_window_days: u32,
    sync_interval_secs: u64,
    sync_pause_ms: u64,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8080,
            data_dir: PathBuf::from("mixpilot-data"),
            queue_namespace: "mixpilot",
            worker_concurrency: 4,
            site_root: PathBuf::from("site"),
            log_format: LogFormat::Pretty,
            log_level: "info",
            db_max_connections: 10,
            connect_timeout_secs: 5,
            shutdown_timeout_secs: 30,
            migrate_on_start: true,
            trust_forwarded_for: 0,
            refresh_reuse_grace_secs: 10,
            mail_from: "Mixpilot <mixpilot@localhost>",
            sync_backfill_days: 180,
            sync_window_days: 28,
            sync_interval_secs: 3600,
            sync_pause_ms: 0,
        }
    }
}

/// Command-line flags that override the other layers.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

/// A configuration that cannot be used. The message names the variable (or key) and says what
/// would be accepted.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}", describe(.0))]
    Load(Box<figment::Error>),
    #[error("{variable}: {reason}")]
    Invalid {
        variable: &'static str,
        reason: String,
    },
}

/// Names each bad value the way a person set it: `MIXPILOT_PORT` for the environment, the key
/// and the file for the config file.
fn describe(error: &figment::Error) -> String {
    error
        .clone()
        .into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let from_env = e
                .metadata
                .as_ref()
                .is_none_or(|m| m.name.contains("environment"));
            let source = match (&e.metadata, from_env) {
                (_, true) => format!("MIXPILOT_{}", key.to_uppercase()),
                (Some(m), false) => match &m.source {
                    Some(src) => format!("`{key}` in {src}"),
                    None => format!("`{key}` in {}", m.name),
                },
                (None, false) => format!("`{key}`"),
            };
            format!("{source}: {}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The database a [`Settings`] points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// SQLite and the SQLite queue, in the data directory.
    Embedded,
    /// An external database and/or Redis.
    External,
}

impl Settings {
    /// Loads the layers: defaults, `config_file` (if any), `MIXPILOT_*`, then `overrides`.
    pub fn load(config_file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Defaults::default()));
        if let Some(path) = config_file {
            if !path.exists() {
                return Err(ConfigError::Invalid {
                    variable: "MIXPILOT_CONFIG",
                    reason: format!("no config file at {}", path.display()),
                });
            }
            figment = figment.merge(Toml::file(path));
        }
        let settings: Settings = figment
            .merge(Env::prefixed("MIXPILOT_").ignore(&["config"]).split("__"))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(|e| ConfigError::Load(Box::new(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database_url {
            let url = url.expose_secret();
            if domain::db::DatabaseKind::from_url(url).is_none() {
                return Err(ConfigError::Invalid {
                    variable: "MIXPILOT_DATABASE_URL",
                    reason: format!(
                        "`{}` is not a database URL Mixpilot supports (expected postgres://user@host/db or sqlite://path)",
                        redact_url(url)
                    ),
                });
            }
        }
        if let Some(url) = &self.redis_url {
            let url = url.expose_secret();
            if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
                return Err(ConfigError::Invalid {
                    variable: "MIXPILOT_REDIS_URL",
                    reason: format!(
                        "`{}` is not a Redis URL (expected redis://host:port)",
                        redact_url(url)
                    ),
                });
            }
        }
        if let Some(secret) = &self.auth_secret {
            if let Err(reason) =
                domain::services::auth::AuthConfig::new(secret.expose_secret().as_bytes())
            {
                return Err(ConfigError::Invalid {
                    variable: "MIXPILOT_AUTH_SECRET",
                    reason,
                });
            }
        } else if self
            .database_url
            .as_ref()
            .is_some_and(|u| !u.expose_secret().starts_with("sqlite:"))
        {
            return Err(ConfigError::Invalid {
                variable: "MIXPILOT_AUTH_SECRET",
                reason: "required with an external database, and the same on every replica: at least 32 random bytes, for example from `openssl rand -base64 48`".into(),
            });
        }
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::Invalid {
                variable: "MIXPILOT_PUBLIC_URL",
                reason: format!("`{url}` is not an http:// or https:// URL"),
            });
        }
        if let Some(url) = &self.smtp_url {
            let url = url.expose_secret();
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                return Err(ConfigError::Invalid {
                    variable: "MIXPILOT_SMTP_URL",
                    reason: format!(
                        "`{}` is not an SMTP URL (expected smtp://host:port or smtps://user:pass@host)",
                        redact_url(url)
                    ),
                });
            }
        }
        if self.worker_concurrency == 0 {
            return Err(ConfigError::Invalid {
                variable: "MIXPILOT_WORKER_CONCURRENCY",
                reason: "must be at least 1".into(),
            });
        }
        if self.db_max_connections == 0 {
            return Err(ConfigError::Invalid {
                variable: "MIXPILOT_DB_MAX_CONNECTIONS",
                reason: "must be at least 1".into(),
            });
        }
        if self.queue_namespace.is_empty() || self.queue_namespace.contains(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                variable: "MIXPILOT_QUEUE_NAMESPACE",
                reason: "must be a non-empty word without spaces".into(),
            });
        }
        Ok(())
    }

    /// The application database's URL: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.expose_secret().to_owned(),
            None => format!(
                "sqlite://{}",
                self.data_dir.join("mixpilot.sqlite").display()
            ),
        }
    }

    /// Where the queue lives: Redis when configured, else SQLite in the data directory.
    pub fn queue(&self) -> worker::QueueConfig {
        match &self.redis_url {
            Some(url) => worker::QueueConfig::Redis {
                url: url.expose_secret().to_owned(),
                namespace: self.queue_namespace.clone(),
            },
            None => worker::QueueConfig::Sqlite {
                url: format!("sqlite://{}", self.data_dir.join("queue.sqlite").display()),
            },
        }
    }

    pub fn mode(&self) -> Mode {
        if self.database_url.is_none() && self.redis_url.is_none() {
            Mode::Embedded
        } else {
            Mode::External
        }
    }

    /// Whether the data directory is needed (for SQLite files).
    pub fn uses_data_dir(&self) -> bool {
        self.redis_url.is_none()
            || self
                .database_url
                .as_ref()
                .is_none_or(|u| u.expose_secret().starts_with("sqlite:"))
    }

    pub fn runs_workers_in_process(&self) -> bool {
        self.in_process_workers.unwrap_or(self.redis_url.is_none())
    }

    /// The session keys: from `MIXPILOT_AUTH_SECRET`, or (embedded default) from
    /// `data_dir/auth.key`, generated on first start and readable by this user only.
    pub fn auth_config(&self) -> anyhow::Result<domain::services::auth::AuthConfig> {
        let secret = self.auth_secret_bytes()?;
        let mut config = domain::services::auth::AuthConfig::new(&secret)
            .map_err(|reason| anyhow::anyhow!("MIXPILOT_AUTH_SECRET: {reason}"))?;
        config.refresh_reuse_grace = Duration::from_secs(self.refresh_reuse_grace_secs);
        Ok(config)
    }

    /// The session key's bytes (generated into the data folder on first start when unset).
    pub fn auth_secret_bytes(&self) -> anyhow::Result<Vec<u8>> {
        use anyhow::Context as _;
        let secret: Vec<u8> = match &self.auth_secret {
            Some(secret) => secret.expose_secret().as_bytes().to_vec(),
            None => {
                let path = self.data_dir.join("auth.key");
                if !path.exists() {
                    let key = domain::services::auth::generate_secret();
                    write_private(&path, key.as_bytes()).with_context(|| {
                        format!("MIXPILOT_DATA_DIR: cannot write {}", path.display())
                    })?;
                }
                std::fs::read(&path)
                    .with_context(|| format!("MIXPILOT_DATA_DIR: cannot read {}", path.display()))?
            }
        };
        Ok(secret)
    }

    /// The key that seals platform tokens: `MIXPILOT_ENCRYPTION_KEY`, else derived from the
    /// session key.
    pub fn secrets(&self, auth_secret: &[u8]) -> anyhow::Result<domain::crypto::SecretBox> {
        use base64::Engine as _;
        match &self.encryption_key {
            Some(key) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(key.expose_secret().trim())
                    .map_err(|e| anyhow::anyhow!("MIXPILOT_ENCRYPTION_KEY: not base64 ({e})"))?;
                let key: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
                    anyhow::anyhow!(
                        "MIXPILOT_ENCRYPTION_KEY: must be 32 bytes, base64; it is {} bytes",
                        b.len()
                    )
                })?;
                Ok(domain::crypto::SecretBox::new(&key))
            }
            None => domain::crypto::SecretBox::derived_from(auth_secret)
                .map_err(|e| anyhow::anyhow!("deriving the encryption key: {}", e.message)),
        }
    }

    /// How far back syncs reach, and how often they run.
    pub fn sync_settings(&self) -> domain::services::connections::SyncSettings {
        domain::services::connections::SyncSettings {
            backfill_days: self.sync_backfill_days.max(1),
            window_days: self.sync_window_days.max(1),
            interval: Duration::from_secs(self.sync_interval_secs.max(60)),
        }
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs(self.connect_timeout_secs)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

/// Writes a new file that only its owner can read.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    options.open(path)?.write_all(contents)
}

/// A URL with its password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
// `figment::Jail` closures return figment's own (large) error type; that is its API.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/mix"),
            "postgres://app:***@db:5432/mix"
        );
        assert_eq!(redact_url("postgres://app@db/mix"), "postgres://app@db/mix");
        assert_eq!(
            redact_url("sqlite://data/x.sqlite"),
            "sqlite://data/x.sqlite"
        );
    }

    #[test]
    fn postgres_needs_a_session_key_of_at_least_32_bytes() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MIXPILOT_DATABASE_URL", "postgres://app@db/mix");
            let missing = Settings::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                missing.starts_with("MIXPILOT_AUTH_SECRET: required"),
                "{missing}"
            );
            jail.set_env("MIXPILOT_AUTH_SECRET", "short");
            let short = Settings::load(None, &Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(short.contains("at least 32 bytes (got 5)"), "{short}");
            Ok(())
        });
    }

    #[test]
    fn secrets_do_not_appear_in_debug_output() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MIXPILOT_DATABASE_URL", "postgres://app:s3cret@db/mix");
            jail.set_env(
                "MIXPILOT_AUTH_SECRET",
                "signing-key-that-is-long-enough-0123456789",
            );
            jail.set_env(
                "MIXPILOT_SMTP_URL",
                "smtps://mail:m41lpass@smtp.example.com",
            );
            let settings = Settings::load(None, &Overrides::default()).expect("valid settings");
            let debug = format!("{settings:?}");
            for secret in ["s3cret", "signing-key", "m41lpass"] {
                assert!(!debug.contains(secret), "{secret} leaked: {debug}");
            }
            assert_eq!(settings.database_url(), "postgres://app:s3cret@db/mix");
            Ok(())
        });
    }

    #[test]
    fn layers_apply_in_order_defaults_file_env_flags() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "mixpilot.toml",
                "port = 9000\nworker_concurrency = 7\nlog_level = \"debug\"",
            )?;
            jail.set_env("MIXPILOT_PORT", "9100");
            let file = Settings::load(Some(Path::new("mixpilot.toml")), &Overrides::default())
                .expect("valid");
            assert_eq!(file.port, 9100, "env beats file");
            assert_eq!(file.worker_concurrency, 7, "file beats defaults");
            assert_eq!(file.log_level, "debug");
            assert_eq!(file.shutdown_timeout_secs, 30, "defaults fill the rest");
            let flags = Overrides {
                port: Some(9200),
                ..Overrides::default()
            };
            let flagged = Settings::load(Some(Path::new("mixpilot.toml")), &flags).expect("valid");
            assert_eq!(flagged.port, 9200, "flags beat env");
            Ok(())
        });
    }

    #[test]
    fn an_invalid_value_names_its_variable() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("MIXPILOT_PORT", "eighty");
            let err = Settings::load(None, &Overrides::default())
                .expect_err("invalid port")
                .to_string();
            assert!(err.contains("MIXPILOT_PORT"), "{err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MIXPILOT_DATABASE_URL", "mysql://root:pw@localhost/db");
            let err = Settings::load(None, &Overrides::default())
                .expect_err("bad scheme")
                .to_string();
            assert!(err.starts_with("MIXPILOT_DATABASE_URL:"), "{err}");
            assert!(!err.contains("pw@"), "password leaked: {err}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MIXPILOT_REDIS_URL", "localhost:6379");
            let err = Settings::load(None, &Overrides::default())
                .expect_err("bad redis")
                .to_string();
            assert!(err.starts_with("MIXPILOT_REDIS_URL:"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn trust_forwarded_for_is_a_number_of_proxies_and_true_means_one() {
        for (value, hops) in [("true", 1), ("false", 0), ("2", 2), ("0", 0)] {
            figment::Jail::expect_with(|jail| {
                jail.set_env("MIXPILOT_TRUST_FORWARDED_FOR", value);
                let s = Settings::load(None, &Overrides::default()).expect("valid");
                assert_eq!(s.trust_forwarded_for, hops, "{value}");
                Ok(())
            });
        }
        figment::Jail::expect_with(|jail| {
            jail.set_env("MIXPILOT_TRUST_FORWARDED_FOR", "yes please");
            let err = Settings::load(None, &Overrides::default())
                .expect_err("not a number")
                .to_string();
            assert!(err.contains("MIXPILOT_TRUST_FORWARDED_FOR"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn the_embedded_default_needs_no_configuration() {
        figment::Jail::expect_with(|_jail| {
            let s = Settings::load(None, &Overrides::default()).expect("defaults are valid");
            assert_eq!(s.mode(), Mode::Embedded);
            assert!(s.database_url().starts_with("sqlite://"));
            assert!(matches!(s.queue(), worker::QueueConfig::Sqlite { .. }));
            assert!(s.runs_workers_in_process());
            assert_eq!(s.port, 8080);
            Ok(())
        });
    }
}
