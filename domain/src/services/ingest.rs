//! The data side of a sync, for the worker: reading and storing a connection's grant, upserting
//! its ad accounts and campaigns, and writing daily metrics chunk by chunk, each chunk in one
//! transaction with the job's progress. A job that dies between chunks resumes after the last
//! chunk it wrote; a chunk written twice changes nothing (upserts keyed by campaign and date).
//!
//! These functions act for a job that a scoped request created (see
//! [`TenantScope::trusted_for_job`](crate::scope::TenantScope::trusted_for_job)): they take the
//! tenant from the job and filter by it.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait as _,
};

use crate::crypto::SecretBox;
use crate::db::Db;
use crate::dto::ad_data::Channel;
use crate::entities::{
    ad_accounts, campaigns, connection_secrets, connections, job_runs, metrics_daily,
    sandbox_budgets,
};
use crate::error::AppError;
use crate::ids::{JobId, TenantId};
use crate::services::{DbContext as _, now};

/// A connection as a sync job needs it.
pub struct LoadedConnection {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub platform: String,
    /// The grant's tokens as JSON, opened.
    pub grant: Vec<u8>,
}

impl std::fmt::Debug for LoadedConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedConnection")
            .field("id", &self.id)
            .field("platform", &self.platform)
            .finish_non_exhaustive()
    }
}

/// An ad account as a platform listed it.
#[derive(Clone, Debug)]
pub struct AccountRecord {
    pub external_id: String,
    pub name: String,
    pub currency: String,
    pub time_zone: String,
}

/// A campaign as a platform listed it.
#[derive(Clone, Debug)]
pub struct CampaignRecord {
    pub external_id: String,
    pub name: String,
    pub status: String,
    pub channel: Channel,
    /// `campaign`, `shared_budget`, `ad_set` or `none`.
    pub budget_owner: String,
    pub budget_external_id: Option<String>,
    pub daily_budget_minor: Option<i64>,
}

/// One campaign's day from a platform report.
#[derive(Clone, Debug)]
pub struct MetricRecord {
    pub campaign_external_id: String,
    pub date: NaiveDate,
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub revenue_minor: i64,
}

/// The connection of a job, with its grant opened. `None` if it was deleted meanwhile.
pub async fn load(
    db: &Db,
    secrets: &SecretBox,
    tenant: TenantId,
    id: uuid::Uuid,
) -> Result<Option<LoadedConnection>, AppError> {
    let Some(c) = connections::Entity::find_by_id(id)
        .filter(connections::Column::TenantId.eq(tenant.as_uuid()))
        .one(db.conn())
        .await
        .ctx("reading a connection")?
    else {
        return Ok(None);
    };
    let Some(secret) = connection_secrets::Entity::find_by_id(id)
        .one(db.conn())
        .await
        .ctx("reading a connection's grant")?
    else {
        return Ok(None);
    };
    Ok(Some(LoadedConnection {
        id,
        tenant_id: tenant,
        platform: c.platform,
        grant: secrets.open(&secret.ciphertext, id.as_bytes())?,
    }))
}

/// Stores a connection's (refreshed or renewed) grant, sealed.
pub async fn store_grant(
    db: &Db,
    secrets: &SecretBox,
    id: uuid::Uuid,
    grant: &[u8],
    expires_at: Option<chrono::DateTime<Utc>>,
) -> Result<(), AppError> {
    let sealed = secrets.seal(grant, id.as_bytes())?;
    connection_secrets::Entity::update_many()
        .col_expr(connection_secrets::Column::Ciphertext, Expr::value(sealed))
        .col_expr(
            connection_secrets::Column::ExpiresAt,
            Expr::value(expires_at.map(|t| t.fixed_offset())),
        )
        .col_expr(connection_secrets::Column::UpdatedAt, Expr::value(now()))
        .filter(connection_secrets::Column::ConnectionId.eq(id))
        .exec(db.conn())
        .await
        .ctx("storing a connection's grant")?;
    Ok(())
}

/// Sets a connection's status (`active`, `syncing`, `needs_reauth`, `error`) and message.
pub async fn set_status(
    db: &Db,
    id: uuid::Uuid,
    status: &str,
    message: Option<&str>,
) -> Result<(), AppError> {
    set_status_on(db.conn(), id, status, message).await
}

/// [`set_status`] on `conn` (a transaction that records more with it).
async fn set_status_on<C: ConnectionTrait>(
    conn: &C,
    id: uuid::Uuid,
    status: &str,
    message: Option<&str>,
) -> Result<(), AppError> {
    let mut update = connections::Entity::update_many()
        .col_expr(connections::Column::Status, Expr::value(status))
        .col_expr(
            connections::Column::StatusMessage,
            Expr::value(message.map(|m| m.chars().take(500).collect::<String>())),
        );
    if status == "active" {
        update = update.col_expr(connections::Column::LastSyncAt, Expr::value(now()));
    }
    update
        .filter(connections::Column::Id.eq(id))
        .exec(conn)
        .await
        .ctx("setting a connection's status")?;
    Ok(())
}

/// Marks a connection as syncing for `job`, unless that job run has finished meanwhile: a
/// copy of the job delivered twice (a worker presumed dead that was only slow) must not put
/// back a status its twin already moved on from.
/// Returns whether it did.
pub async fn mark_syncing(db: &Db, id: uuid::Uuid, job: JobId) -> Result<bool, AppError> {
    let running = sea_orm::sea_query::Query::select()
        .expr(Expr::val(1))
        .from(job_runs::Entity)
        .and_where(job_runs::Column::Id.eq(job.as_uuid()))
        .and_where(job_runs::Column::Status.eq(crate::dto::jobs::JobStatus::Running.as_str()))
        .to_owned();
    let updated = connections::Entity::update_many()
        .col_expr(connections::Column::Status, Expr::value("syncing"))
        .col_expr(
            connections::Column::StatusMessage,
            Expr::value(None::<String>),
        )
        .filter(connections::Column::Id.eq(id))
        .filter(Expr::exists(running))
        .exec(db.conn())
        .await
        .ctx("setting a connection's status")?;
    Ok(updated.rows_affected == 1)
}

/// Ends a successful sync: the connection is active, synced now, and the job run succeeded,
/// in one transaction, so nobody sees the job finished with the connection still syncing.
pub async fn finish_sync(
    db: &Db,
    id: uuid::Uuid,
    job: JobId,
    summary: serde_json::Value,
) -> Result<(), AppError> {
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    set_status_on(&txn, id, "active", None).await?;
    crate::services::jobs::finish_on(
        &txn,
        job,
        crate::dto::jobs::JobStatus::Succeeded,
        Some(summary),
        None,
    )
    .await?;
    txn.commit().await.ctx("finishing a sync")?;
    Ok(())
}

/// Upserts an ad account of a connection; returns its ID.
pub async fn upsert_account(
    db: &Db,
    tenant: TenantId,
    connection: uuid::Uuid,
    account: &AccountRecord,
) -> Result<uuid::Uuid, AppError> {
    if let Some(a) = ad_accounts::Entity::find()
        .filter(ad_accounts::Column::ConnectionId.eq(connection))
        .filter(ad_accounts::Column::ExternalId.eq(&account.external_id))
        .one(db.conn())
        .await
        .ctx("reading an ad account")?
    {
        if a.name != account.name
            || a.currency != account.currency
            || a.time_zone != account.time_zone
        {
            let mut m: ad_accounts::ActiveModel = a.clone().into();
            m.name = Set(account.name.clone());
            m.currency = Set(account.currency.clone());
            m.time_zone = Set(account.time_zone.clone());
            m.update(db.conn()).await.ctx("updating an ad account")?;
        }
        return Ok(a.id);
    }
    let a = ad_accounts::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        connection_id: Set(connection),
        external_id: Set(account.external_id.clone()),
        name: Set(account.name.clone()),
        currency: Set(account.currency.clone()),
        time_zone: Set(account.time_zone.clone()),
        created_at: Set(now()),
    }
    .insert(db.conn())
    .await
    .ctx("creating an ad account")?;
    Ok(a.id)
}

/// Upserts an account's campaigns in one statement per thousand; returns their IDs by the
/// platform's ID.
pub async fn upsert_campaigns(
    db: &Db,
    tenant: TenantId,
    account: uuid::Uuid,
    records: &[CampaignRecord],
) -> Result<HashMap<String, uuid::Uuid>, AppError> {
    let at = now();
    let models: Vec<campaigns::ActiveModel> = records
        .iter()
        .map(|r| campaigns::ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            tenant_id: Set(tenant.as_uuid()),
            ad_account_id: Set(account),
            external_id: Set(r.external_id.clone()),
            name: Set(r.name.clone()),
            channel: Set(r.channel.as_str().to_owned()),
            budget_owner: Set(r.budget_owner.clone()),
            daily_budget_minor: Set(r.daily_budget_minor),
            created_at: Set(at),
            budget_external_id: Set(r.budget_external_id.clone()),
            status: Set(Some(r.status.clone())),
        })
        .collect();
    for chunk in models.chunks(1000) {
        campaigns::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([
                    campaigns::Column::AdAccountId,
                    campaigns::Column::ExternalId,
                ])
                .update_columns([
                    campaigns::Column::Name,
                    campaigns::Column::Channel,
                    campaigns::Column::BudgetOwner,
                    campaigns::Column::DailyBudgetMinor,
                    campaigns::Column::BudgetExternalId,
                    campaigns::Column::Status,
                ])
                .to_owned(),
            )
            .exec_without_returning(db.conn())
            .await
            .ctx("writing campaigns")?;
    }
    Ok(campaigns::Entity::find()
        .filter(campaigns::Column::TenantId.eq(tenant.as_uuid()))
        .filter(campaigns::Column::AdAccountId.eq(account))
        .all(db.conn())
        .await
        .ctx("reading campaigns")?
        .into_iter()
        .map(|c| (c.external_id, c.id))
        .collect())
}

/// How far a sync job got: chunks written and rows in them. Kept in the job's result while it
/// runs, so a redelivered job resumes after the last chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncCursor {
    pub chunks_done: u32,
    pub chunks_total: u32,
    pub rows: u64,
}

/// The cursor of a job run.
pub async fn cursor(db: &Db, job: JobId) -> Result<SyncCursor, AppError> {
    let run = job_runs::Entity::find_by_id(job.as_uuid())
        .one(db.conn())
        .await
        .ctx("reading a job run")?;
    Ok(run
        .and_then(|r| r.result)
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default())
}

/// Writes one chunk of daily metrics (upserts keyed by campaign and date) and advances the
/// job's cursor, in one transaction. Rows for campaigns not in `campaigns` are refused.
pub async fn write_chunk(
    db: &Db,
    tenant: TenantId,
    job: JobId,
    campaigns: &HashMap<String, uuid::Uuid>,
    currency: &str,
    rows: &[MetricRecord],
    cursor: SyncCursor,
) -> Result<(), AppError> {
    let mut keyed = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(campaign) = campaigns.get(&r.campaign_external_id) else {
            return Err(AppError::internal(anyhow::anyhow!(
                "the report has campaign {} that the campaign list did not",
                r.campaign_external_id
            )));
        };
        keyed.push((*campaign, r));
    }
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    upsert_metrics(&txn, tenant, currency, &keyed).await?;
    let percent = if cursor.chunks_total == 0 {
        100
    } else {
        (u64::from(cursor.chunks_done) * 100 / u64::from(cursor.chunks_total)).min(99)
    };
    job_runs::Entity::update_many()
        .col_expr(
            job_runs::Column::Result,
            Expr::value(serde_json::to_value(cursor).map_err(AppError::internal)?),
        )
        .col_expr(job_runs::Column::Progress, Expr::value(percent as i16))
        .filter(job_runs::Column::Id.eq(job.as_uuid()))
        // A twin of a job that already finished does not rewind its progress.
        .filter(job_runs::Column::Status.eq(crate::dto::jobs::JobStatus::Running.as_str()))
        .exec(&txn)
        .await
        .ctx("recording sync progress")?;
    txn.commit().await.ctx("committing a chunk of metrics")?;
    Ok(())
}

/// Rows per upsert statement.
const UPSERT_ROWS: usize = 10_000;

/// One row as it travels to PostgreSQL inside the statement's JSON parameter.
#[derive(serde::Serialize)]
struct PgMetric {
    c: uuid::Uuid,
    d: NaiveDate,
    s: i64,
    i: i64,
    k: i64,
    v: f64,
    r: i64,
}

/// PostgreSQL's upsert: the rows arrive as one JSON parameter unpacked by `json_to_recordset`
/// (a handful of binds instead of ten per row), and a row whose figures did not change is not
/// rewritten, so the hourly re-pull of a 28-day window leaves no dead rows behind.
const PG_UPSERT: &str = "INSERT INTO metrics_daily (campaign_id, date, tenant_id, spend_minor, \
     currency, impressions, clicks, conversions, conversion_value_minor, updated_at) \
     SELECT r.c, r.d, $2, r.s, $3, r.i, r.k, r.v, r.r, $4 \
     FROM json_to_recordset($1::json) AS r(c uuid, d date, s bigint, i bigint, k bigint, \
     v double precision, r bigint) \
     ON CONFLICT (campaign_id, date) DO UPDATE SET spend_minor = EXCLUDED.spend_minor, \
     currency = EXCLUDED.currency, impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, \
     conversions = EXCLUDED.conversions, \
     conversion_value_minor = EXCLUDED.conversion_value_minor, updated_at = EXCLUDED.updated_at \
     WHERE (metrics_daily.spend_minor, metrics_daily.currency, metrics_daily.impressions, \
     metrics_daily.clicks, metrics_daily.conversions, metrics_daily.conversion_value_minor) \
     IS DISTINCT FROM (EXCLUDED.spend_minor, EXCLUDED.currency, EXCLUDED.impressions, \
     EXCLUDED.clicks, EXCLUDED.conversions, EXCLUDED.conversion_value_minor)";

/// Upserts daily metrics keyed by (campaign, date). A key that comes twice keeps its last row
/// (one statement cannot update a row twice).
pub(crate) async fn upsert_metrics<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    currency: &str,
    rows: &[(uuid::Uuid, &MetricRecord)],
) -> Result<(), AppError> {
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    let mut unique: Vec<(uuid::Uuid, &MetricRecord)> = rows
        .iter()
        .rev()
        .filter(|(c, r)| seen.insert((*c, r.date)))
        .copied()
        .collect();
    unique.reverse();
    let at = now();
    for chunk in unique.chunks(UPSERT_ROWS) {
        match conn.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                let payload: Vec<PgMetric> = chunk
                    .iter()
                    .map(|(c, r)| PgMetric {
                        c: *c,
                        d: r.date,
                        s: r.spend_minor,
                        i: r.impressions,
                        k: r.clicks,
                        v: r.conversions,
                        r: r.revenue_minor,
                    })
                    .collect();
                let json = serde_json::to_string(&payload).map_err(AppError::internal)?;
                conn.execute_raw(sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    PG_UPSERT,
                    [
                        json.into(),
                        tenant.as_uuid().into(),
                        currency.to_owned().into(),
                        at.into(),
                    ],
                ))
                .await
                .ctx("writing daily metrics")?;
            }
            _ => {
                let models = chunk.iter().map(|(c, r)| metrics_daily::ActiveModel {
                    campaign_id: Set(*c),
                    date: Set(r.date),
                    tenant_id: Set(tenant.as_uuid()),
                    spend_minor: Set(r.spend_minor),
                    currency: Set(currency.to_owned()),
                    impressions: Set(r.impressions),
                    clicks: Set(r.clicks),
                    conversions: Set(r.conversions),
                    conversion_value_minor: Set(r.revenue_minor),
                    updated_at: Set(at),
                });
                // SQLite takes at most 32,766 binds per statement: 10 columns a row.
                let models: Vec<_> = models.collect();
                for part in models.chunks(1_000) {
                    metrics_daily::Entity::insert_many(part.to_vec())
                        .on_conflict(
                            OnConflict::columns([
                                metrics_daily::Column::CampaignId,
                                metrics_daily::Column::Date,
                            ])
                            .update_columns([
                                metrics_daily::Column::SpendMinor,
                                metrics_daily::Column::Currency,
                                metrics_daily::Column::Impressions,
                                metrics_daily::Column::Clicks,
                                metrics_daily::Column::Conversions,
                                metrics_daily::Column::ConversionValueMinor,
                                metrics_daily::Column::UpdatedAt,
                            ])
                            .to_owned(),
                        )
                        .exec_without_returning(conn)
                        .await
                        .ctx("writing daily metrics")?;
                }
            }
        }
    }
    Ok(())
}

/// Deletes a connection and everything under it, children first.
pub(crate) async fn delete_connection_data<C: ConnectionTrait>(
    conn: &C,
    id: uuid::Uuid,
) -> Result<(), AppError> {
    let accounts: Vec<uuid::Uuid> = ad_accounts::Entity::find()
        .filter(ad_accounts::Column::ConnectionId.eq(id))
        .all(conn)
        .await
        .ctx("reading ad accounts")?
        .into_iter()
        .map(|a| a.id)
        .collect();
    let campaign_ids: Vec<uuid::Uuid> = campaigns::Entity::find()
        .filter(campaigns::Column::AdAccountId.is_in(accounts.clone()))
        .all(conn)
        .await
        .ctx("reading campaigns")?
        .into_iter()
        .map(|c| c.id)
        .collect();
    for chunk in campaign_ids.chunks(500) {
        metrics_daily::Entity::delete_many()
            .filter(metrics_daily::Column::CampaignId.is_in(chunk.to_vec()))
            .exec(conn)
            .await
            .ctx("deleting daily metrics")?;
    }
    campaigns::Entity::delete_many()
        .filter(campaigns::Column::AdAccountId.is_in(accounts.clone()))
        .exec(conn)
        .await
        .ctx("deleting campaigns")?;
    ad_accounts::Entity::delete_many()
        .filter(ad_accounts::Column::ConnectionId.eq(id))
        .exec(conn)
        .await
        .ctx("deleting ad accounts")?;
    sandbox_budgets::Entity::delete_many()
        .filter(sandbox_budgets::Column::ConnectionId.eq(id))
        .exec(conn)
        .await
        .ctx("deleting sandbox budgets")?;
    connection_secrets::Entity::delete_by_id(id)
        .exec(conn)
        .await
        .ctx("deleting a connection's grant")?;
    connections::Entity::delete_by_id(id)
        .exec(conn)
        .await
        .ctx("deleting a connection")?;
    Ok(())
}

/// Connections whose last sync is older than `interval` (or that never finished one), with no
/// sync queued or running: what the scheduler syncs next.
pub async fn due_for_sync(
    db: &Db,
    interval: std::time::Duration,
) -> Result<Vec<(TenantId, uuid::Uuid)>, AppError> {
    let cutoff = now() - chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::hours(1));
    let rows = connections::Entity::find()
        .filter(connections::Column::Platform.ne("csv"))
        .filter(connections::Column::Status.is_in(["active", "error"]))
        .filter(
            sea_orm::Condition::any()
                .add(connections::Column::LastSyncAt.is_null())
                .add(connections::Column::LastSyncAt.lt(cutoff)),
        )
        .order_by_asc(connections::Column::LastSyncAt)
        .all(db.conn())
        .await
        .ctx("reading connections due for a sync")?;
    let mut due = Vec::new();
    for c in rows {
        let busy = match c.sync_job_id {
            Some(job) => job_runs::Entity::find_by_id(job)
                .one(db.conn())
                .await
                .ctx("reading a job run")?
                .is_some_and(|j| j.status == "queued" || j.status == "running"),
            None => false,
        };
        if !busy {
            due.push((TenantId::from_uuid(c.tenant_id), c.id));
        }
    }
    Ok(due)
}

/// The budgets written to a sandbox connection, oldest first.
pub async fn sandbox_budgets(
    db: &Db,
    connection: uuid::Uuid,
) -> Result<Vec<(String, NaiveDate, i64)>, AppError> {
    Ok(sandbox_budgets::Entity::find()
        .filter(sandbox_budgets::Column::ConnectionId.eq(connection))
        .order_by_asc(sandbox_budgets::Column::CreatedAt)
        .order_by_asc(sandbox_budgets::Column::Id)
        .all(db.conn())
        .await
        .ctx("reading sandbox budgets")?
        .into_iter()
        .map(|b| (b.campaign_external_id, b.effective, b.amount_minor))
        .collect())
}

/// Keeps a budget written to a sandbox connection.
pub async fn record_sandbox_budget(
    db: &Db,
    tenant: TenantId,
    connection: uuid::Uuid,
    campaign: &str,
    effective: NaiveDate,
    amount_minor: i64,
) -> Result<(), AppError> {
    sandbox_budgets::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        tenant_id: Set(tenant.as_uuid()),
        connection_id: Set(connection),
        campaign_external_id: Set(campaign.to_owned()),
        effective: Set(effective),
        amount_minor: Set(amount_minor),
        created_at: Set(now()),
    }
    .insert(db.conn())
    .await
    .ctx("recording a sandbox budget")?;
    Ok(())
}
