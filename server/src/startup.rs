//! Building and running the application. [`Application::build`] is what `mixpilot serve` runs
//! and what the integration tests run on port 0.

use std::future::Future;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Instant;

use actix_files::Files;
use actix_web::dev::{Server, Service as _};
use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use domain::db::Db;
use domain::services::Services;
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_actix::{LeptosRoutes as _, generate_route_list, render_app_to_stream_with_context};
use worker::{JobContext, Queue, Workers};

use crate::config::{Settings, redact_url};
use crate::error::{ApiError, api_not_found};
use crate::extractors::{ClientAddressPolicy, authenticate};
use crate::guards::{self, SiteOrigin};
use crate::mail::SmtpMailer;
use crate::ratelimit::{LocalLimiter, RedisLimiter};
use crate::routes;
use domain::AppError;
use domain::mail::Mailer;
use domain::ratelimit::RateLimiter;
use domain::services::auth::AuthConfig;
use secrecy::ExposeSecret as _;

/// The database and the queue, opened, migrated and checked.
pub struct Backends {
    pub db: Db,
    pub queue: Queue,
    pub auth: Arc<AuthConfig>,
    pub limiter: Arc<dyn RateLimiter>,
    pub mailer: Option<Arc<dyn Mailer>>,
    pub secrets: Arc<domain::crypto::SecretBox>,
    pub platforms: Arc<worker::Platforms>,
    pub sync: domain::services::connections::SyncSettings,
}

impl Backends {
    /// Opens the database (creating the data directory for SQLite), applies pending migrations
    /// when configured to, and opens the queue. Fails within the connect timeout, with a message
    /// that names the setting to fix.
    pub async fn connect(settings: &Settings) -> anyhow::Result<Self> {
        let db = open_database(settings, settings.db_max_connections).await?;
        if settings.migrate_on_start {
            migration::apply_pending(db.connection())
                .await
                .context("applying database migrations")?;
        }
        let queue = Queue::connect(&settings.queue(), settings.connect_timeout())
            .await
            .with_context(|| match settings.queue() {
                worker::QueueConfig::Redis { url, .. } => {
                    format!("MIXPILOT_REDIS_URL: cannot use {}", redact_url(&url))
                }
                worker::QueueConfig::Sqlite { url } => {
                    format!("MIXPILOT_DATA_DIR: cannot open the queue at {url}")
                }
            })?;
        let auth = Arc::new(settings.auth_config()?);
        let secrets = Arc::new(settings.secrets(&settings.auth_secret_bytes()?)?);
        let platforms = Arc::new(crate::platforms::build(settings)?);
        let limiter: Arc<dyn RateLimiter> = match &settings.redis_url {
            Some(url) => Arc::new(
                RedisLimiter::connect(
                    url.expose_secret(),
                    &settings.queue_namespace,
                    settings.connect_timeout(),
                )
                .await
                .with_context(|| {
                    format!(
                        "MIXPILOT_REDIS_URL: cannot use {} for rate limits",
                        redact_url(url.expose_secret())
                    )
                })?,
            ),
            None => Arc::new(LocalLimiter::default()),
        };
        let mailer: Option<Arc<dyn Mailer>> = match &settings.smtp_url {
            Some(url) => {
                let public_url = settings
                    .public_url
                    .clone()
                    .unwrap_or_else(|| format!("http://{}:{}", settings.host, settings.port));
                let mailer = SmtpMailer::new(url.expose_secret(), &settings.mail_from, public_url)
                    .with_context(|| {
                        format!(
                            "MIXPILOT_SMTP_URL: cannot use {}",
                            redact_url(url.expose_secret())
                        )
                    })?;
                Some(Arc::new(mailer))
            }
            None => None,
        };
        Ok(Self {
            db,
            queue,
            auth,
            limiter,
            mailer,
            secrets,
            platforms,
            sync: settings.sync_settings(),
        })
    }

    pub fn services(&self) -> Services {
        Services {
            db: self.db.clone(),
            queue: Arc::new(self.queue.clone()),
            auth: self.auth.clone(),
            limiter: self.limiter.clone(),
            mailer: self.mailer.clone(),
            secrets: self.secrets.clone(),
            sync: self.sync,
            connectable: self
                .platforms
                .configured()
                .into_iter()
                .filter(|p| *p != connectors::Platform::Sandbox)
                .map(|p| p.as_str().to_owned())
                .collect(),
        }
    }

    /// What the job handlers need.
    pub fn job_context(&self) -> JobContext {
        JobContext::new(
            self.db.clone(),
            self.secrets.clone(),
            self.platforms.clone(),
        )
    }

    pub async fn close(self) {
        self.queue.close().await;
        self.db.close().await;
    }
}

/// Opens the application database with a pool of `max_connections`, creating the data
/// directory first when SQLite lives there. Fails within the connect timeout, naming the setting
/// to fix and never showing a password.
pub async fn open_database(settings: &Settings, max_connections: u32) -> anyhow::Result<Db> {
    if settings.uses_data_dir() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "MIXPILOT_DATA_DIR: cannot create {}",
                settings.data_dir.display()
            )
        })?;
    }
    let url = settings.database_url();
    Db::connect(&url, max_connections, settings.connect_timeout())
        .await
        .with_context(|| format!("MIXPILOT_DATABASE_URL: cannot use {}", redact_url(&url)))
}

/// The running HTTP server, and the in-process workers when configured.
pub struct Application {
    port: u16,
    host: std::net::IpAddr,
    server: Server,
    workers: Option<Workers>,
    backends: Backends,
}

impl Application {
    /// Connects, migrates, binds the listener and builds the server. Nothing runs until
    /// [`Application::run_until_stopped`].
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let backends = Backends::connect(settings).await?;
        let services = backends.services();
        let listener = TcpListener::bind((settings.host, settings.port)).with_context(|| {
            format!(
                "MIXPILOT_PORT: cannot listen on {}:{}",
                settings.host, settings.port
            )
        })?;
        let address = listener.local_addr().context("reading the bound address")?;
        let workers = if settings.runs_workers_in_process() {
            Some(Workers::new(
                &backends.queue,
                backends.job_context(),
                settings.worker_concurrency,
                settings.shutdown_timeout(),
            )?)
        } else {
            None
        };

        let leptos_options = LeptosOptions::builder()
            .output_name("web")
            .site_root(settings.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(address)
            .build();
        // Also initializes Leptos's executor for server rendering.
        let routes = generate_route_list(::web::App);
        let pkg_dir = settings.site_root.join("pkg");
        let bundle_present = pkg_dir.join("web.js").is_file();
        if !bundle_present {
            tracing::warn!(
                site_root = %settings.site_root.display(),
                "the browser bundle is missing (build it with scripts/demo): pages render but do not hydrate"
            );
        }
        // Install the recorder before the first request is counted.
        crate::telemetry::prometheus();

        let public_url = routes::connections::PublicUrl(
            settings
                .public_url
                .clone()
                .unwrap_or_else(|| format!("http://{address}")),
        );
        let platforms = web::Data::from(backends.platforms.clone());
        let address_policy = client_address_policy(settings);
        let site_origin = SiteOrigin::from_public_url(settings.public_url.as_deref());
        let server = HttpServer::new(move || {
            let context_services = services.clone();
            let fallback_services = services.clone();
            let shell_options = leptos_options.clone();
            let fallback_options = leptos_options.clone();
            App::new()
                .app_data(web::Data::new(services.clone()))
                .app_data(web::Data::new(leptos_options.clone()))
                .app_data(web::Data::new(address_policy))
                .app_data(web::Data::new(site_origin.clone()))
                .app_data(platforms.clone())
                .app_data(web::Data::new(public_url.clone()))
                // The most an extractor reads whole; each endpoint's own limit (smaller for all
                // but the CSV import) is enforced before, by `guards::limit_body`.
                .app_data(web::PayloadConfig::new(
                    routes::imports::MAX_CSV_BYTES + routes::imports::MAX_CSV_BYTES / 4,
                ))
                .app_data(web::JsonConfig::default().error_handler(|err, _| {
                    ApiError::from(AppError::validation("body", err)).into()
                }))
                .app_data(web::QueryConfig::default().error_handler(|err, _| {
                    ApiError::from(AppError::validation("query", err)).into()
                }))
                .wrap(actix_web::middleware::from_fn(authenticate))
                // Outermost last: headers on every answer, then cross-site refusal, then the
                // body limit, all before authentication (which may renew a session).
                .wrap(actix_web::middleware::from_fn(guards::limit_body))
                .wrap(actix_web::middleware::from_fn(guards::refuse_cross_site))
                .wrap(actix_web::middleware::from_fn(guards::security_headers))
                .wrap_fn(|req, srv| {
                    let started = Instant::now();
                    let method = req.method().to_string();
                    let fut = srv.call(req);
                    async move {
                        let res = fut.await?;
                        let route = res
                            .request()
                            .match_pattern()
                            .unwrap_or_else(|| "unmatched".to_owned());
                        let status = res.status().as_u16().to_string();
                        let labels = [("method", method), ("route", route), ("status", status)];
                        metrics::counter!("mixpilot_http_requests_total", &labels).increment(1);
                        metrics::histogram!("mixpilot_http_request_duration_seconds", &labels)
                            .record(started.elapsed().as_secs_f64());
                        Ok(res)
                    }
                })
                .service(routes::health::healthz)
                .service(routes::health::readyz)
                .service(routes::metrics::metrics)
                .service(
                    web::scope("/api/v1")
                        .service(routes::accounts::sign_up)
                        .service(routes::accounts::refresh)
                        .service(routes::accounts::sign_in)
                        .service(routes::accounts::sign_out)
                        .service(routes::accounts::change_password)
                        .service(routes::accounts::me)
                        .service(routes::accounts::accept_invitation)
                        .service(routes::accounts::preview_invitation)
                        .service(routes::workspaces::list)
                        .service(routes::workspaces::get)
                        .service(routes::workspaces::rename)
                        .service(routes::workspaces::list_clients)
                        .service(routes::workspaces::create_client)
                        .service(routes::workspaces::list_members)
                        .service(routes::workspaces::change_member)
                        .service(routes::workspaces::remove_member)
                        .service(routes::workspaces::list_invitations)
                        .service(routes::workspaces::invite)
                        .service(routes::workspaces::revoke_invitation)
                        .service(routes::workspaces::list_api_keys)
                        .service(routes::workspaces::create_api_key)
                        .service(routes::workspaces::revoke_api_key)
                        .service(routes::workspaces::audit_log)
                        .service(routes::imports::template)
                        .service(routes::imports::kpis)
                        .service(routes::imports::connections)
                        .service(
                            web::resource("/workspaces/{workspace_id}/imports/metrics")
                                .app_data(web::PayloadConfig::new(routes::imports::MAX_CSV_BYTES))
                                .route(web::post().to(routes::imports::import_metrics)),
                        )
                        .service(routes::connections::authorize)
                        .service(routes::connections::connect_sandbox)
                        .service(routes::connections::sync_now)
                        .service(routes::connections::disconnect)
                        .service(routes::connections::channel_days)
                        .service(routes::diagnostics::start)
                        .service(routes::jobs::get)
                        .service(routes::openapi::openapi_json)
                        .configure(routes::planning::configure)
                        .default_service(web::to(api_not_found)),
                )
                .configure(|cfg| {
                    if bundle_present {
                        cfg.service(Files::new("/pkg", pkg_dir.clone()));
                    }
                })
                .service(routes::connections::start)
                .service(routes::connections::callback)
                .route("/assets/mixpilot.css", web::get().to(stylesheet))
                .leptos_routes_with_context(
                    routes.clone(),
                    move || {
                        provide_context(context_services.clone());
                        guards::provide_page_csp();
                    },
                    move || ::web::shell(shell_options.clone()),
                )
                // Any other path: the app renders its "not found" page, with status 404.
                .default_service(render_app_to_stream_with_context(
                    move || {
                        provide_context(fallback_services.clone());
                        guards::provide_page_csp();
                    },
                    move || ::web::shell(fallback_options.clone()),
                    leptos_router::Method::Get,
                ))
        })
        .listen(listener)
        .context("starting the HTTP server")?
        .disable_signals()
        .shutdown_timeout(settings.shutdown_timeout_secs)
        .run();

        Ok(Self {
            port: address.port(),
            host: address.ip(),
            server,
            workers,
            backends,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The base URL, for example `http://127.0.0.1:8080`.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    pub fn services(&self) -> Services {
        self.backends.services()
    }

    /// What job handlers get, for tests that drive them directly.
    pub fn job_context(&self) -> JobContext {
        self.backends.job_context()
    }

    /// Serves until `stop` resolves, then shuts down gracefully: the listener closes, in-flight
    /// requests finish, workers take no new jobs and running jobs finish (within the shutdown
    /// timeout), and the pools close.
    pub async fn run_until_stopped(self, stop: impl Future<Output = ()>) -> anyhow::Result<()> {
        let handle = self.server.handle();
        let mut server = tokio::spawn(self.server);
        let (stop_workers, workers_stopped) = tokio::sync::oneshot::channel::<()>();
        // With in-process workers, the sync scheduler runs here too.
        let scheduler = self.workers.as_ref().map(|_| {
            tokio::spawn(worker::schedule::run(
                self.backends.services(),
                crate::commands::SCHEDULER_TICK,
                std::future::pending(),
            ))
        });
        let workers = self.workers.map(|w| {
            tokio::spawn(w.run_until(async move {
                let _ = workers_stopped.await;
            }))
        });
        let ended_early = tokio::select! {
            () = stop => None,
            res = &mut server => Some(res),
        };
        if ended_early.is_none() {
            tracing::info!("shutting down: finishing in-flight requests and running jobs");
            handle.stop(true).await;
        }
        if let Some(scheduler) = scheduler {
            scheduler.abort();
        }
        let _ = stop_workers.send(());
        if let Some(workers) = workers {
            workers.await.context("joining the workers")??;
        }
        match ended_early {
            Some(res) => res
                .context("joining the HTTP server")?
                .context("the HTTP server stopped")?,
            None => server
                .await
                .context("joining the HTTP server")?
                .context("the HTTP server stopped")?,
        }
        self.backends.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// How client addresses and the scheme are read: how many proxies are trusted, and whether the
/// public URL is https.
fn client_address_policy(settings: &Settings) -> ClientAddressPolicy {
    ClientAddressPolicy {
        trusted_proxy_hops: settings.trust_forwarded_for,
        public_https: settings
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://")),
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .body(::web::STYLESHEET)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
