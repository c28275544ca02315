//! Job runs: the durable, user-visible record of background work.

use anyhow::Context as _;
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Set,
    sea_query::{Expr, ExprTrait as _},
};

use crate::db::Db;
use crate::dto::jobs::{JobKind, JobStatus, JobView};
use crate::entities::job_runs;
use crate::error::AppError;
use crate::ids::JobId;
use crate::scope::TenantScope;

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// Records a new job run of the workspace in the `queued` state.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id(), kind = kind.as_str()))]
pub async fn create(db: &Db, scope: &TenantScope, kind: JobKind) -> Result<JobView, AppError> {
    let id = JobId::new();
    let model = job_runs::ActiveModel {
        id: Set(id.as_uuid()),
        tenant_id: Set(Some(scope.tenant_id().as_uuid())),
        kind: Set(kind.as_str().to_owned()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        progress: Set(0),
        attempts: Set(0),
        result: Set(None),
        error: Set(None),
        created_at: Set(now()),
        started_at: Set(None),
        finished_at: Set(None),
    }
    .insert(db.conn())
    .await
    .context("inserting a job run")
    .map_err(AppError::internal)?;
    view(model)
}

/// Reads one of the workspace's job runs.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id(), job_id = %id))]
pub async fn get(db: &Db, scope: &TenantScope, id: JobId) -> Result<JobView, AppError> {
    get_on(db.conn(), scope, id).await
}

/// [`get`] on `conn` (a read that must agree with others in the same transaction).
pub(crate) async fn get_on<C: sea_orm::ConnectionTrait>(
    conn: &C,
    scope: &TenantScope,
    id: JobId,
) -> Result<JobView, AppError> {
    scope.require(crate::authz::Permission::View)?;
    let model = job_runs::Entity::find_by_id(id.as_uuid())
        .filter(job_runs::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .one(conn)
        .await
        .context("reading a job run")
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::not_found("job"))?;
    view(model)
}

/// Marks a job as started by a worker, counting the attempt. Returns `false` when the job has
/// already finished (a redelivered message), in which case the worker must not run it again.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn start(db: &Db, id: JobId) -> Result<bool, AppError> {
    let updated = job_runs::Entity::update_many()
        .col_expr(
            job_runs::Column::Status,
            Expr::value(JobStatus::Running.as_str()),
        )
        .col_expr(job_runs::Column::StartedAt, Expr::value(now()))
        .col_expr(
            job_runs::Column::Attempts,
            Expr::col(job_runs::Column::Attempts).add(1),
        )
        .filter(job_runs::Column::Id.eq(id.as_uuid()))
        .filter(
            job_runs::Column::Status
                .is_in([JobStatus::Queued.as_str(), JobStatus::Running.as_str()]),
        )
        .exec(db.conn())
        .await
        .context("marking a job run as running")
        .map_err(AppError::internal)?;
    Ok(updated.rows_affected == 1)
}

/// Records progress (0 to 100) of a running job.
pub async fn progress(db: &Db, id: JobId, percent: u8) -> Result<(), AppError> {
    job_runs::Entity::update_many()
        .col_expr(
            job_runs::Column::Progress,
            Expr::value(i16::from(Ord::min(percent, 100))),
        )
        .filter(job_runs::Column::Id.eq(id.as_uuid()))
        .exec(db.conn())
        .await
        .context("recording job progress")
        .map_err(AppError::internal)?;
    Ok(())
}

/// Marks a job as succeeded with its result.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn succeed(db: &Db, id: JobId, result: serde_json::Value) -> Result<(), AppError> {
    finish(db, id, JobStatus::Succeeded, Some(result), None).await
}

/// Marks a job as failed, with a reason a person can read.
#[tracing::instrument(skip_all, fields(job_id = %id))]
pub async fn fail(db: &Db, id: JobId, reason: &str) -> Result<(), AppError> {
    finish(db, id, JobStatus::Failed, None, Some(reason.to_owned())).await
}

async fn finish(
    db: &Db,
    id: JobId,
    status: JobStatus,
    result: Option<serde_json::Value>,
    error: Option<String>,
) -> Result<(), AppError> {
    finish_on(db.conn(), id, status, result, error).await
}

/// Finishes a job run on `conn` (a transaction that records more with it).
pub(crate) async fn finish_on<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: JobId,
    status: JobStatus,
    result: Option<serde_json::Value>,
    error: Option<String>,
) -> Result<(), AppError> {
    let mut update = job_runs::Entity::update_many()
        .col_expr(job_runs::Column::Status, Expr::value(status.as_str()))
        .col_expr(job_runs::Column::Result, Expr::value(result))
        .col_expr(job_runs::Column::Error, Expr::value(error))
        .col_expr(job_runs::Column::FinishedAt, Expr::value(now()));
    if status == JobStatus::Succeeded {
        update = update.col_expr(job_runs::Column::Progress, Expr::value(100i16));
    }
    update
        .filter(job_runs::Column::Id.eq(id.as_uuid()))
        .exec(conn)
        .await
        .context("finishing a job run")
        .map_err(AppError::internal)?;
    Ok(())
}

/// How many job runs are in each state, for `/metrics`.
pub async fn count_by_status(db: &Db) -> Result<Vec<(JobStatus, u64)>, AppError> {
    #[derive(FromQueryResult)]
    struct Row {
        status: String,
        count: i64,
    }
    let rows = job_runs::Entity::find()
        .select_only()
        .column(job_runs::Column::Status)
        .column_as(job_runs::Column::Id.count(), "count")
        .group_by(job_runs::Column::Status)
        .into_model::<Row>()
        .all(db.conn())
        .await
        .context("counting job runs by status")
        .map_err(AppError::internal)?;
    Ok(JobStatus::ALL
        .into_iter()
        .map(|status| {
            let n = rows
                .iter()
                .find(|r| r.status == status.as_str())
                .map_or(0, |r| r.count);
            (status, u64::try_from(n).unwrap_or(0))
        })
        .collect())
}

fn view(m: job_runs::Model) -> Result<JobView, AppError> {
    let corrupt =
        |what: &str| AppError::internal(anyhow::anyhow!("job run {}: unknown {what}", m.id));
    Ok(JobView {
        id: JobId::from_uuid(m.id),
        kind: JobKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        status: JobStatus::parse(&m.status).ok_or_else(|| corrupt("status"))?,
        progress: u8::try_from(m.progress.clamp(0, 100)).unwrap_or(0),
        attempts: u32::try_from(Ord::max(m.attempts, 0)).unwrap_or(0),
        result: m.result,
        error: m.error,
        created_at: m.created_at.with_timezone(&Utc),
        started_at: m.started_at.map(|t| t.with_timezone(&Utc)),
        finished_at: m.finished_at.map(|t| t.with_timezone(&Utc)),
    })
}
