//! The diagnostic job: proof that the API, the queue and a worker are wired together.

use std::time::Instant;

use chrono::Utc;

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::jobs::{DiagnosticReport, JobKind, JobView};
use crate::error::AppError;
use crate::jobs::{Job, RunDiagnostic};
use crate::queue::JobQueue;
use crate::scope::TenantScope;
use crate::services::audit::{self, Change};
use crate::services::jobs;

/// Records a diagnostic job run of the workspace and puts it on the queue. If the queue refuses
/// it, the run is marked failed (so nothing is left half-written) and the caller gets
/// `unavailable`.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn start(
    db: &Db,
    queue: &dyn JobQueue,
    scope: &TenantScope,
) -> Result<JobView, AppError> {
    scope.require(Permission::RunJobs)?;
    let job = jobs::create(db, scope, JobKind::Diagnostic).await?;
    let change = Change::new("job.started", "job", job.id)
        .after(serde_json::json!({ "kind": JobKind::Diagnostic.as_str() }));
    if let Err(e) = audit::record(db.conn(), scope, change).await {
        jobs::fail(db, job.id, "the audit entry could not be recorded").await?;
        return Err(e);
    }
    let payload = Job::RunDiagnostic(RunDiagnostic {
        job_id: job.id,
        enqueued_at: Utc::now(),
    });
    if let Err(e) = queue.enqueue(payload).await {
        jobs::fail(db, job.id, "the queue refused the job").await?;
        return Err(AppError::unavailable("the job queue", e));
    }
    Ok(job)
}

/// The work of a diagnostic job, run by a worker: one database round trip, timed, and the time
/// the job spent in the queue.
pub async fn run(db: &Db, job: &RunDiagnostic, worker: &str) -> Result<DiagnosticReport, AppError> {
    let queue_latency_ms = (Utc::now() - job.enqueued_at)
        .num_microseconds()
        .unwrap_or(i64::MAX) as f64
        / 1000.0;
    let started = Instant::now();
    db.ping()
        .await
        .map_err(|e| AppError::unavailable("the database", e))?;
    let database_round_trip_ms = started.elapsed().as_secs_f64() * 1000.0;
    Ok(DiagnosticReport {
        worker: worker.to_owned(),
        queue_latency_ms,
        database_round_trip_ms,
        database: db.kind().as_str().to_owned(),
    })
}
