//! A workspace's connections: where its ad data comes from. Connecting stores the grant sealed
//! (AES-GCM) and starts a backfill; "sync now" re-pulls the trailing window; disconnecting
//! deletes the connection with its tokens and data, and has a worker revoke the grant at the
//! platform.

use base64::Engine as _;
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, EntityTrait, PaginatorTrait as _, QueryFilter, QueryOrder,
    Set, TransactionTrait as _,
};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::ConnectionView;
use crate::dto::jobs::{JobKind, JobStatus, JobView};
use crate::entities::{ad_accounts, campaigns, connection_secrets, connections, oauth_states};
use crate::error::{AppError, ErrorCode};
use crate::ids::{JobId, TenantId, UserId};
use crate::jobs::{Job, RevokeGrant, SyncConnection, SyncMode};
use crate::scope::{Principal, TenantScope};
use crate::services::audit::{self, Change};
use crate::services::auth::{random_token, token_hash};
use crate::services::{DbContext as _, Services, jobs, now, utc};

/// How long an authorization started on Mixpilot may take at the platform.
const AUTHORIZATION_TTL_MINUTES: i64 = 15;

/// Platforms a connection can be made to (besides `csv`, which the import creates).
pub const PLATFORMS: [&str; 6] = [
    "google_ads",
    "meta",
    "linkedin",
    "microsoft_ads",
    "tiktok",
    "sandbox",
];

/// How far back a sync reaches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// Days pulled when a connection is made.
    pub backfill_days: u32,
    /// Days re-pulled by each scheduled sync, since platforms restate recent conversions.
    pub window_days: u32,
    /// How often a connection is synced.
    pub interval: std::time::Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            backfill_days: 180,
            window_days: 28,
            interval: std::time::Duration::from_secs(3600),
        }
    }
}

/// A new connection's grant, as the platform client serialized it (never shown again).
pub struct NewConnection {
    pub platform: String,
    pub display_name: String,
    /// The grant's tokens as JSON; sealed before it is stored.
    pub grant: serde_json::Value,
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

impl std::fmt::Debug for NewConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewConnection")
            .field("platform", &self.platform)
            .field("display_name", &self.display_name)
            .finish_non_exhaustive()
    }
}

/// An authorization the person started, taken back when the platform redirects.
#[derive(Clone)]
pub struct PendingAuthorization {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub platform: String,
    pub pkce_verifier: String,
    /// Set when the authorization renews an existing connection.
    pub connection_id: Option<uuid::Uuid>,
}

impl std::fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("tenant_id", &self.tenant_id)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

fn known_platform(platform: &str) -> Result<(), AppError> {
    if PLATFORMS.contains(&platform) {
        Ok(())
    } else {
        Err(AppError::validation(
            "platform",
            format!(
                "unknown platform {platform:?}; expected one of {}",
                PLATFORMS.join(", ")
            ),
        ))
    }
}

/// The workspace's connections, oldest first, with how many accounts and campaigns each has
/// and the progress of its sync.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<ConnectionView>, AppError> {
    scope.require(Permission::View)?;
    let read = snapshot(db).await?;
    let rows = connections::Entity::find()
        .filter(connections::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_asc(connections::Column::CreatedAt)
        .all(&read)
        .await
        .ctx("reading connections")?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        out.push(view(&read, scope, c).await?);
    }
    read.commit().await.ctx("ending a read")?;
    Ok(out)
}

/// One connection of the workspace.
pub async fn get(db: &Db, scope: &TenantScope, id: uuid::Uuid) -> Result<ConnectionView, AppError> {
    scope.require(Permission::View)?;
    let read = snapshot(db).await?;
    let c = find(&read, scope, id).await?;
    let out = view(&read, scope, c).await?;
    read.commit().await.ctx("ending a read")?;
    Ok(out)
}

/// A read whose statements see one state of the database: a connection and its sync job must
/// agree (a job read after the connection could have finished in between, showing a finished
/// sync on a connection still syncing). PostgreSQL needs REPEATABLE READ for that; a SQLite
/// transaction reads one snapshot already.
async fn snapshot(db: &Db) -> Result<sea_orm::DatabaseTransaction, AppError> {
    let (isolation, access) = match db.conn().get_database_backend() {
        sea_orm::DbBackend::Postgres => (
            Some(sea_orm::IsolationLevel::RepeatableRead),
            Some(sea_orm::AccessMode::ReadOnly),
        ),
        _ => (None, None),
    };
    db.conn()
        .begin_with_config(isolation, access)
        .await
        .ctx("starting a read")
}

async fn find<C: sea_orm::ConnectionTrait>(
    conn: &C,
    scope: &TenantScope,
    id: uuid::Uuid,
) -> Result<connections::Model, AppError> {
    connections::Entity::find_by_id(id)
        .filter(connections::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .one(conn)
        .await
        .ctx("reading a connection")?
        .ok_or_else(|| AppError::not_found("connection"))
}

async fn view<C: sea_orm::ConnectionTrait>(
    conn: &C,
    scope: &TenantScope,
    c: connections::Model,
) -> Result<ConnectionView, AppError> {
    let accounts: Vec<uuid::Uuid> = ad_accounts::Entity::find()
        .filter(ad_accounts::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(ad_accounts::Column::ConnectionId.eq(c.id))
        .all(conn)
        .await
        .ctx("reading ad accounts")?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let campaigns = campaigns::Entity::find()
        .filter(campaigns::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(campaigns::Column::AdAccountId.is_in(accounts.clone()))
        .count(conn)
        .await
        .ctx("counting campaigns")?;
    let sync = match c.sync_job_id {
        Some(job) => jobs::get_on(conn, scope, JobId::from_uuid(job)).await.ok(),
        None => None,
    };
    Ok(ConnectionView {
        id: c.id,
        platform: c.platform,
        display_name: c.display_name,
        status: c.status,
        status_message: c.status_message,
        last_sync_at: c.last_sync_at.map(utc),
        created_at: utc(c.created_at),
        ad_accounts: accounts.len() as u64,
        campaigns,
        sync,
    })
}

/// Starts an authorization at a platform: returns the `state` to send and the PKCE verifier
/// whose challenge goes with it. The state is stored hashed and the verifier sealed; both are
/// good for one callback, by the same person, within 15 minutes. With `reauthorize`, the
/// callback renews that connection's grant instead of creating a connection.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id(), platform))]
pub async fn begin_authorization(
    services: &Services,
    scope: &TenantScope,
    principal: &Principal,
    platform: &str,
    reauthorize: Option<uuid::Uuid>,
    pkce_verifier: &str,
) -> Result<String, AppError> {
    scope.require(Permission::ManageWorkspace)?;
    known_platform(platform)?;
    if platform == "sandbox" {
        return Err(AppError::validation(
            "platform",
            "the sandbox connects without authorization",
        ));
    }
    // Re-authorizing: the connection must be this workspace's, and to this platform.
    if let Some(id) = reauthorize {
        let c = find(services.db.conn(), scope, id).await?;
        if c.platform != platform {
            return Err(AppError::validation(
                "connection_id",
                format!("this connection is to {}, not {platform}", c.platform),
            ));
        }
    }
    let user = principal.user_id().ok_or_else(|| {
        AppError::new(
            ErrorCode::Forbidden,
            "connecting a platform needs a person signed in, not an API key",
        )
    })?;
    let state = random_token("");
    let hash = token_hash(&state);
    oauth_states::ActiveModel {
        state_hash: Set(hash.clone()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        user_id: Set(user.as_uuid()),
        platform: Set(platform.to_owned()),
        verifier: Set(services
            .secrets
            .seal(pkce_verifier.as_bytes(), hash.as_bytes())?),
        connection_id: Set(reauthorize),
        expires_at: Set(now() + Duration::minutes(AUTHORIZATION_TTL_MINUTES)),
        created_at: Set(now()),
    }
    .insert(services.db.conn())
    .await
    .ctx("storing an authorization")?;
    Ok(state)
}

/// Takes back an authorization when the platform redirects: once only, before it expires, and
/// only for the person who started it. Any failure reads the same, so a guessed state learns
/// nothing.
#[tracing::instrument(skip_all, fields(platform))]
pub async fn take_authorization(
    services: &Services,
    principal: &Principal,
    platform: &str,
    state: &str,
) -> Result<PendingAuthorization, AppError> {
    let refused = || {
        AppError::validation(
            "state",
            "this authorization is unknown, expired or already used; start again from the connections page",
        )
    };
    let hash = token_hash(state);
    let txn = services
        .db
        .conn()
        .begin()
        .await
        .ctx("starting a transaction")?;
    let row = oauth_states::Entity::find_by_id(hash.clone())
        .one(&txn)
        .await
        .ctx("reading an authorization")?
        .ok_or_else(refused)?;
    oauth_states::Entity::delete_by_id(hash.clone())
        .exec(&txn)
        .await
        .ctx("using up an authorization")?;
    txn.commit().await.ctx("committing an authorization")?;
    if row.platform != platform
        || utc(row.expires_at) < Utc::now()
        || principal.user_id().map(|u| u.as_uuid()) != Some(row.user_id)
    {
        return Err(refused());
    }
    let verifier = services.secrets.open(&row.verifier, hash.as_bytes())?;
    Ok(PendingAuthorization {
        tenant_id: TenantId::from_uuid(row.tenant_id),
        user_id: UserId::from_uuid(row.user_id),
        platform: row.platform,
        pkce_verifier: String::from_utf8(verifier)
            .map_err(|e| AppError::internal(anyhow::anyhow!("a PKCE verifier: {e}")))?,
        connection_id: row.connection_id,
    })
}

/// Stores a new connection with its sealed grant, and starts its backfill.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id(), platform = %new.platform))]
pub async fn connect(
    services: &Services,
    scope: &TenantScope,
    new: NewConnection,
) -> Result<ConnectionView, AppError> {
    scope.require(Permission::ManageWorkspace)?;
    known_platform(&new.platform)?;
    let tenant = scope.tenant_id().as_uuid();
    if new.platform == "sandbox"
        && connections::Entity::find()
            .filter(connections::Column::TenantId.eq(tenant))
            .filter(connections::Column::Platform.eq("sandbox"))
            .one(services.db.conn())
            .await
            .ctx("reading connections")?
            .is_some()
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "this workspace already has a sandbox connection",
        ));
    }
    let id = uuid::Uuid::now_v7();
    let grant = serde_json::to_vec(&new.grant).map_err(AppError::internal)?;
    let sealed = services.secrets.seal(&grant, id.as_bytes())?;
    let txn = services
        .db
        .conn()
        .begin()
        .await
        .ctx("starting a transaction")?;
    connections::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant),
        platform: Set(new.platform.clone()),
        status: Set("syncing".to_owned()),
        display_name: Set(new.display_name.clone()),
        status_message: Set(None),
        last_sync_at: Set(None),
        created_at: Set(now()),
        sync_job_id: Set(None),
    }
    .insert(&txn)
    .await
    .ctx("creating a connection")?;
    connection_secrets::ActiveModel {
        connection_id: Set(id),
        tenant_id: Set(tenant),
        ciphertext: Set(sealed),
        expires_at: Set(new.expires_at.map(|t| t.fixed_offset())),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await
    .ctx("storing a connection's grant")?;
    audit::record(
        &txn,
        scope,
        Change::new("connection.created", "connection", id).after(serde_json::json!({
            "platform": new.platform,
            "display_name": new.display_name,
        })),
    )
    .await?;
    txn.commit().await.ctx("committing a connection")?;
    start_sync(services, scope, id, SyncMode::Backfill).await?;
    get(&services.db, scope, id).await
}

/// Replaces the grant of an existing connection (re-authorization) and syncs it.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn reconnect(
    services: &Services,
    scope: &TenantScope,
    id: uuid::Uuid,
    new: NewConnection,
) -> Result<ConnectionView, AppError> {
    scope.require(Permission::ManageWorkspace)?;
    let c = find(services.db.conn(), scope, id).await?;
    if c.platform != new.platform {
        return Err(AppError::validation(
            "platform",
            format!("this connection is to {}, not {}", c.platform, new.platform),
        ));
    }
    let grant = serde_json::to_vec(&new.grant).map_err(AppError::internal)?;
    crate::services::ingest::store_grant(
        &services.db,
        &services.secrets,
        id,
        &grant,
        new.expires_at,
    )
    .await?;
    crate::services::ingest::set_status(&services.db, id, "active", None).await?;
    audit::record(
        services.db.conn(),
        scope,
        Change::new("connection.reauthorized", "connection", id),
    )
    .await?;
    start_sync(services, scope, id, SyncMode::Window).await?;
    get(&services.db, scope, id).await
}

/// Re-pulls the trailing window now. A sync already queued or running is returned instead of
/// starting a second one.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn sync_now(
    services: &Services,
    scope: &TenantScope,
    id: uuid::Uuid,
) -> Result<JobView, AppError> {
    scope.require(Permission::RunJobs)?;
    let c = find(services.db.conn(), scope, id).await?;
    if c.platform == "csv" {
        return Err(AppError::validation(
            "connection",
            "a CSV import is synced by importing a file",
        ));
    }
    if let Some(job) = c.sync_job_id {
        let job = jobs::get(&services.db, scope, JobId::from_uuid(job)).await?;
        if !job.status.is_finished() {
            return Ok(job);
        }
    }
    start_sync(services, scope, id, SyncMode::Window).await
}

/// Creates the job run and enqueues the sync.
pub(crate) async fn start_sync(
    services: &Services,
    scope: &TenantScope,
    connection_id: uuid::Uuid,
    mode: SyncMode,
) -> Result<JobView, AppError> {
    let job = jobs::create(&services.db, scope, JobKind::Sync).await?;
    connections::Entity::update_many()
        .col_expr(
            connections::Column::SyncJobId,
            sea_orm::sea_query::Expr::value(job.id.as_uuid()),
        )
        .filter(connections::Column::Id.eq(connection_id))
        .exec(services.db.conn())
        .await
        .ctx("noting a connection's sync")?;
    let days = match mode {
        SyncMode::Backfill => services.sync.backfill_days,
        SyncMode::Window => services.sync.window_days,
    };
    let payload = Job::SyncConnection(SyncConnection {
        job_id: job.id,
        tenant_id: scope.tenant_id(),
        connection_id,
        mode,
        days,
        enqueued_at: Utc::now(),
    });
    if let Err(e) = services.queue.enqueue(payload).await {
        jobs::fail(&services.db, job.id, "the queue refused the job").await?;
        return Err(AppError::unavailable("the job queue", e));
    }
    Ok(JobView {
        status: JobStatus::Queued,
        ..job
    })
}

/// Deletes a connection with its grant, accounts, campaigns and metrics, and has a worker
/// revoke the grant at the platform.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn disconnect(
    services: &Services,
    scope: &TenantScope,
    id: uuid::Uuid,
) -> Result<(), AppError> {
    scope.require(Permission::ManageWorkspace)?;
    let c = find(services.db.conn(), scope, id).await?;
    let secret = connection_secrets::Entity::find_by_id(id)
        .one(services.db.conn())
        .await
        .ctx("reading a connection's grant")?;
    let txn = services
        .db
        .conn()
        .begin()
        .await
        .ctx("starting a transaction")?;
    // Children first: SQLite enforces foreign keys only when asked to.
    crate::services::ingest::delete_connection_data(&txn, id).await?;
    audit::record(
        &txn,
        scope,
        Change::new("connection.deleted", "connection", id).before(serde_json::json!({
            "platform": c.platform,
            "display_name": c.display_name,
        })),
    )
    .await?;
    txn.commit().await.ctx("committing a disconnection")?;
    if let Some(secret) = secret
        && c.platform != "sandbox"
    {
        let grant = services.secrets.open(&secret.ciphertext, id.as_bytes())?;
        let sealed = services.secrets.seal(&grant, RevokeGrant::AAD)?;
        let job = Job::RevokeGrant(RevokeGrant {
            platform: c.platform.clone(),
            sealed: base64::engine::general_purpose::STANDARD.encode(sealed),
        });
        if let Err(e) = services.queue.enqueue(job).await {
            // The tokens are deleted either way; the platform keeps an unused grant until it
            // expires or the person removes the app there.
            tracing::warn!(error = %e, "could not queue the revocation of a deleted grant");
        }
    }
    Ok(())
}

/// Starts a window sync for every connection that is due (see [`ingest::due_for_sync`]);
/// returns how many were started. Run by the worker's scheduler.
///
/// [`ingest::due_for_sync`]: crate::services::ingest::due_for_sync
pub async fn schedule_due(services: &Services) -> Result<usize, AppError> {
    let due = crate::services::ingest::due_for_sync(&services.db, services.sync.interval).await?;
    for (tenant, connection) in &due {
        let scope = TenantScope::trusted_for_job(*tenant, "scheduled sync");
        start_sync(services, &scope, *connection, SyncMode::Window).await?;
    }
    Ok(due.len())
}

/// The grant of a sandbox connection, in the shape of `connectors::Tokens`: the seed of its
/// simulated world and its first live day. (A test in `worker` checks that the connector reads
/// it.)
pub fn sandbox_grant(seed: u64, anchor: chrono::NaiveDate) -> serde_json::Value {
    serde_json::json!({
        "access_token": format!("sandbox-{seed}"),
        "refresh_token": null,
        "expires_at": null,
        "refresh_expires_at": null,
        "scopes": [],
        "extra": { "seed": seed, "anchor": anchor.to_string() },
    })
}

/// Connects the sandbox platform: simulated history with known response curves, which reacts
/// to the budgets written to it. Its world's seed comes from the workspace; its history ends
/// today. Starts the backfill.
pub async fn connect_sandbox(
    services: &Services,
    scope: &TenantScope,
) -> Result<ConnectionView, AppError> {
    let seed = scope.tenant_id().as_uuid().as_u64_pair().0 % 1_000_000;
    connect(
        services,
        scope,
        NewConnection {
            platform: "sandbox".into(),
            display_name: "Sandbox Store".into(),
            grant: sandbox_grant(seed, Utc::now().date_naive()),
            expires_at: None,
        },
    )
    .await
}

/// Connects the sandbox to the demo workspace, once.
pub async fn ensure_demo_sandbox(services: &Services, tenant: TenantId) -> Result<(), AppError> {
    let scope = TenantScope::trusted_for_job(tenant, "demo");
    if list(&services.db, &scope)
        .await?
        .iter()
        .any(|c| c.platform == "sandbox")
    {
        return Ok(());
    }
    connect_sandbox(services, &scope).await.map(drop)
}
