//! `spawn_app`: the real application on a random port, with its own database and queue, and a
//! client with one method per endpoint. Everything a test creates is removed when it ends.

use std::time::Duration;

use domain::dto::accounts::SessionView;
use domain::dto::jobs::{JobAccepted, JobView};
use domain::dto::workspaces::{InvitationView, WorkspaceKind, WorkspaceView};
use domain::ids::TenantId;
use domain::services::Services;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use secrecy::SecretString;
use server::config::{LogFormat, Settings};
use server::startup::Application;
use uuid::Uuid;

/// Which runtime mode a test runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// SQLite files in a temporary data directory, the SQLite queue.
    Embedded,
    /// A fresh PostgreSQL database, and Redis with a fresh key prefix.
    Production,
}

/// Runs a test body against both modes, as `<name>::embedded` and `<name>::production`.
#[macro_export]
macro_rules! both_modes {
    ($(async fn $name:ident($mode:ident: Mode) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            async fn run($mode: $crate::helpers::Mode) $body
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn embedded() { run($crate::helpers::Mode::Embedded).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn production() { run($crate::helpers::Mode::Production).await }
        }
    )*};
}

/// The admin URL of the test PostgreSQL server; `scripts/test` sets it.
pub fn postgres_admin_url() -> String {
    std::env::var("MIXPILOT_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub fn redis_url() -> String {
    std::env::var("MIXPILOT_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "redis://127.0.0.1:6379".to_owned())
}

/// A PostgreSQL database of one test's own; dropped when the test ends.
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub async fn create() -> Self {
        let admin = postgres_admin_url();
        let name = format!("mixpilot_test_{}", Uuid::new_v4().simple());
        let conn = Database::connect(&admin)
            .await
            .expect("the test PostgreSQL server answers");
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        conn.close().await.expect("close the admin connection");
        let base = admin
            .rsplit_once('/')
            .map_or(admin.as_str(), |(base, _)| base)
            .to_owned();
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// Drops the database now, cutting off every connection to it.
    pub async fn drop_now(name: &str) {
        let conn = Database::connect(&postgres_admin_url())
            .await
            .expect("the test PostgreSQL server answers");
        conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .expect("drop the test database");
        conn.close().await.expect("close the admin connection");
    }
}

/// Removes what a test created, even when it fails: the database, the Redis keys, the files.
struct Cleanup {
    database: Option<String>,
    redis_namespace: Option<String>,
    /// Stops the app; it answers on `stopped` once its workers and pools are closed.
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: Option<std::sync::mpsc::Receiver<()>>,
    _data_dir: tempfile::TempDir,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        // Stop the app first, so no worker writes after its keys and database are gone. The
        // test's runtime has worker threads of its own, which run the shutdown meanwhile.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(stopped) = self.stopped.take() {
            let _ = stopped.recv_timeout(Duration::from_secs(20));
        }
        let database = self.database.take();
        let namespace = self.redis_namespace.take();
        if database.is_none() && namespace.is_none() {
            return;
        }
        // Drop runs inside the test's runtime; clean up on a thread with a runtime of its own.
        let handle = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                if let Some(name) = database {
                    TestDatabase::drop_now(&name).await;
                }
                if let Some(ns) = namespace {
                    delete_redis_keys(&ns).await;
                }
            });
        });
        let _ = handle.join();
    }
}

/// A Redis connection and the keys under `namespace`.
async fn redis_keys(namespace: &str) -> (redis::aio::MultiplexedConnection, Vec<String>) {
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis answers");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{namespace}*"))
        .query_async(&mut conn)
        .await
        .expect("KEYS");
    (conn, keys)
}

/// Deletes every Redis key under `namespace`.
pub async fn delete_redis_keys(namespace: &str) {
    let (mut conn, keys) = redis_keys(namespace).await;
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .expect("DEL");
    }
}

/// Counts the Redis keys under `namespace`.
pub async fn count_redis_keys(namespace: &str) -> usize {
    redis_keys(namespace).await.1.len()
}

/// Settings for a test app: port 0, in-process workers, and the mode's database and queue.
pub fn test_settings(data_dir: &std::path::Path) -> Settings {
    Settings {
        host: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        data_dir: data_dir.to_owned(),
        database_url: None,
        redis_url: None,
        queue_namespace: "mixpilot".into(),
        in_process_workers: Some(true),
        worker_concurrency: 2,
        site_root: data_dir.join("site"),
        log_format: LogFormat::Pretty,
        log_level: "warn".into(),
        db_max_connections: 5,
        connect_timeout_secs: 5,
        shutdown_timeout_secs: 5,
        migrate_on_start: true,
        auth_secret: None,
        trust_forwarded_for: 0,
        refresh_reuse_grace_secs: 0,
        smtp_url: None,
        mail_from: "Mixpilot <mixpilot@localhost>".into(),
        public_url: None,
        encryption_key: None,
        sync_backfill_days: 180,
        sync_window_days: 28,
        sync_interval_secs: 3600,
        sync_pause_ms: 0,
        google_ads: None,
        meta: None,
        linkedin: None,
        microsoft_ads: None,
        tiktok: None,
    }
}

/// The session-signing secret of production-mode test apps; tests use it to forge tokens.
pub const TEST_AUTH_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long!!";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub services: Services,
    /// What job handlers get, to drive them directly.
    pub job_context: worker::JobContext,
    /// The PostgreSQL database's name (production mode).
    pub database: Option<String>,
    /// The Redis key prefix (production mode).
    pub redis_namespace: Option<String>,
    _cleanup: Cleanup,
}

/// Builds and starts the application for `mode`.
pub async fn spawn_app(mode: Mode) -> TestApp {
    spawn_app_with(mode, |_| {}).await
}

/// Builds and starts the application for `mode`, with settings changed by `configure`.
pub async fn spawn_app_with(mode: Mode, configure: impl FnOnce(&mut Settings)) -> TestApp {
    server::telemetry::init_tracing(LogFormat::Pretty, "warn");
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let mut settings = test_settings(data_dir.path());
    let (database, redis_namespace) = match mode {
        Mode::Embedded => (None, None),
        Mode::Production => {
            let db = TestDatabase::create().await;
            let ns = format!("mixpilot-test-{}", Uuid::new_v4().simple());
            settings.database_url = Some(SecretString::from(db.url.clone()));
            settings.redis_url = Some(SecretString::from(redis_url()));
            settings.queue_namespace = ns.clone();
            settings.auth_secret = Some(SecretString::from(TEST_AUTH_SECRET));
            (Some(db.name), Some(ns))
        }
    };
    configure(&mut settings);
    let app = Application::build(&settings)
        .await
        .expect("the application builds");
    let address = app.url();
    let services = app.services();
    let job_context = app.job_context();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (stopped_tx, stopped) = std::sync::mpsc::channel();
    tokio::spawn(async move {
        let result = app
            .run_until_stopped(async move {
                let _ = stop_rx.await;
            })
            .await;
        if let Err(e) = result {
            eprintln!("the test app stopped with an error: {e:#}");
        }
        let _ = stopped_tx.send(());
    });
    let cleanup = Cleanup {
        database: database.clone(),
        redis_namespace: redis_namespace.clone(),
        stop: Some(stop),
        stopped: Some(stopped),
        _data_dir: data_dir,
    };
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        services,
        job_context,
        database,
        redis_namespace,
        _cleanup: cleanup,
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }

    /// A request to `path` as `session` (bearer token), or anonymous with `None`.
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        session: Option<&Session>,
    ) -> reqwest::RequestBuilder {
        let req = self
            .client
            .request(method, format!("{}{path}", self.address));
        match session {
            Some(s) => req.bearer_auth(&s.access_token),
            None => req,
        }
    }

    /// Signs up `email` with a first workspace of `kind` named `workspace`.
    pub async fn sign_up(&self, email: &str, workspace: &str, kind: WorkspaceKind) -> Session {
        let res = self
            .request(reqwest::Method::POST, "/api/v1/users", None)
            .json(&serde_json::json!({
                "email": email, "name": email.split('@').next().unwrap(), "password": PASSWORD,
                "workspace_name": workspace, "workspace_kind": kind,
            }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), StatusCode::CREATED, "sign-up of {email}");
        res.json().await.expect("a SessionView")
    }

    /// Signs up a new person through an invitation link.
    pub async fn sign_up_invited(&self, email: &str, link: &str) -> Session {
        let token = link.rsplit('/').next().unwrap();
        let res = self
            .request(reqwest::Method::POST, "/api/v1/users", None)
            .json(&serde_json::json!({
                "email": email, "name": "Invitee", "password": PASSWORD, "invitation": token,
            }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "invited sign-up of {email}"
        );
        res.json().await.expect("a SessionView")
    }

    /// `inviter` invites `email` to `workspace` with `role`; the invitee signs up through the link.
    pub async fn add_member(
        &self,
        inviter: &Session,
        workspace: TenantId,
        email: &str,
        role: &str,
    ) -> Session {
        let invitation = self.invite(inviter, workspace, email, role).await;
        self.sign_up_invited(email, invitation.link.as_deref().unwrap())
            .await
    }

    pub async fn invite(
        &self,
        inviter: &Session,
        workspace: TenantId,
        email: &str,
        role: &str,
    ) -> InvitationView {
        let res = self
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/workspaces/{workspace}/invitations"),
                Some(inviter),
            )
            .json(&serde_json::json!({ "email": email, "role": role }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), StatusCode::CREATED, "invitation of {email}");
        res.json().await.expect("an InvitationView")
    }

    /// Creates a client workspace of `agency`.
    pub async fn create_client(
        &self,
        session: &Session,
        agency: TenantId,
        name: &str,
    ) -> WorkspaceView {
        let res = self
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/workspaces/{agency}/clients"),
                Some(session),
            )
            .json(&serde_json::json!({ "name": name }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(res.status(), StatusCode::CREATED, "client {name}");
        res.json().await.expect("a WorkspaceView")
    }

    /// A signed-up owner and their brand workspace, with a unique email.
    pub async fn owner(&self, label: &str) -> (Session, TenantId) {
        let email = format!("{label}-{}@example.com", Uuid::new_v4().simple());
        let session = self
            .sign_up(&email, &format!("{label} workspace"), WorkspaceKind::Brand)
            .await;
        let ws = session.workspace.as_ref().unwrap().id;
        (session, ws)
    }

    pub async fn start_diagnostic(
        &self,
        session: &Session,
        workspace: TenantId,
    ) -> reqwest::Response {
        self.request(
            reqwest::Method::POST,
            &format!("/api/v1/workspaces/{workspace}/diagnostics"),
            Some(session),
        )
        .send()
        .await
        .expect("request sent")
    }

    pub async fn get_job(
        &self,
        session: &Session,
        workspace: TenantId,
        id: &str,
    ) -> reqwest::Response {
        self.request(
            reqwest::Method::GET,
            &format!("/api/v1/workspaces/{workspace}/jobs/{id}"),
            Some(session),
        )
        .send()
        .await
        .expect("request sent")
    }

    /// Starts a diagnostic job and returns the 202 body.
    pub async fn accepted_diagnostic(&self, session: &Session, workspace: TenantId) -> JobAccepted {
        let res = self.start_diagnostic(session, workspace).await;
        assert_eq!(res.status(), StatusCode::ACCEPTED);
        res.json().await.expect("a JobAccepted body")
    }

    /// Polls a job until it finishes, failing the test after `within`.
    /// The workspace's sandbox connection, connected first if it is not.
    pub async fn sandbox(
        &self,
        session: &Session,
        workspace: TenantId,
    ) -> domain::dto::ad_data::ConnectionView {
        let list: Vec<domain::dto::ad_data::ConnectionView> = self
            .client
            .get(format!(
                "{}/api/v1/workspaces/{workspace}/connections",
                self.address
            ))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .expect("GET connections")
            .json()
            .await
            .expect("connections");
        if let Some(c) = list.into_iter().find(|c| c.platform == "sandbox") {
            return c;
        }
        let res = self
            .client
            .post(format!(
                "{}/api/v1/workspaces/{workspace}/connections/sandbox",
                self.address
            ))
            .bearer_auth(&session.access_token)
            .send()
            .await
            .expect("POST sandbox");
        assert_eq!(res.status(), StatusCode::CREATED);
        res.json().await.expect("a ConnectionView")
    }

    pub async fn wait_for_job(
        &self,
        session: &Session,
        workspace: TenantId,
        id: &str,
        within: Duration,
    ) -> JobView {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let res = self.get_job(session, workspace, id).await;
            assert_eq!(res.status(), StatusCode::OK);
            let job: JobView = res.json().await.expect("a JobView body");
            if job.status.is_finished() {
                return job;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {id} still {:?} after {within:?}",
                job.status
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The password every test account uses.
pub const PASSWORD: &str = "correct horse battery staple";

/// A session as `POST /api/v1/users` and `POST /api/v1/sessions` return it.
pub type Session = SessionView;
