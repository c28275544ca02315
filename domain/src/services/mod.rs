//! Services: the one code path that REST handlers, server functions and jobs all call.
//!
//! Each function that touches a workspace's data takes `&TenantScope` first (after the
//! [`Services`] or database handle), checks the permission it needs, does one thing, and returns
//! a view or an [`AppError`](crate::AppError). Every mutation writes its audit entry in the same
//! transaction.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod connections;
pub mod diagnostics;
pub mod goals;
pub mod imports;
pub mod ingest;
pub mod invitations;
pub mod jobs;
pub mod kpis;
pub mod members;
pub mod models;
pub(crate) mod planning;
pub mod plans;
pub mod sessions;
pub mod system;
pub mod tenants;
pub mod workspaces;

use std::sync::Arc;

use crate::db::Db;
use crate::error::AppError;
use crate::mail::Mailer;
use crate::queue::JobQueue;
use crate::ratelimit::RateLimiter;
use crate::services::auth::AuthConfig;

/// What every entry point (REST handler, server function, job) needs to call a service: the
/// database, the queue, the session keys and the rate limiter. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub queue: Arc<dyn JobQueue>,
    pub auth: Arc<AuthConfig>,
    pub limiter: Arc<dyn RateLimiter>,
    /// Outgoing email, when SMTP is configured.
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Seals platform tokens and PKCE verifiers at rest.
    pub secrets: Arc<crate::crypto::SecretBox>,
    /// How far back syncs reach, and how often they run.
    pub sync: connections::SyncSettings,
    /// The ad platforms this server has credentials for (`google_ads`, `meta`, ...): the ones a
    /// person can connect. The sandbox is always there and not listed.
    pub connectable: Arc<[String]>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("db", &self.db.kind())
            .field("queue", &self.queue.kind())
            .finish_non_exhaustive()
    }
}

/// Context for database errors: `.ctx("reading members")?` turns a `DbErr` into an internal
/// error whose cause names what was being done.
pub(crate) trait DbContext<T> {
    fn ctx(self, what: &'static str) -> Result<T, AppError>;
}

impl<T> DbContext<T> for Result<T, sea_orm::DbErr> {
    fn ctx(self, what: &'static str) -> Result<T, AppError> {
        self.map_err(|e| AppError::internal(anyhow::Error::new(e).context(what)))
    }
}

pub(crate) fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

pub(crate) fn utc(t: chrono::DateTime<chrono::FixedOffset>) -> chrono::DateTime<chrono::Utc> {
    t.with_timezone(&chrono::Utc)
}
