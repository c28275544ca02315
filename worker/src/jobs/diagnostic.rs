//! `RunDiagnostic`: a worker checks that it reaches the database and reports how long the job
//! waited in the queue.

use apalis::prelude::{BoxDynError, Data};
use domain::jobs::RunDiagnostic;
use domain::services::{diagnostics, jobs};

use super::classify;
use crate::JobContext;

/// Runs one diagnostic job. A redelivered job that already finished is skipped, so the work is
/// never recorded twice.
#[tracing::instrument(skip_all, fields(job_id = %job.job_id))]
pub async fn run_diagnostic(job: RunDiagnostic, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    if !jobs::start(&ctx.db, job.job_id).await.map_err(classify)? {
        tracing::info!("job already finished; skipping the redelivery");
        return Ok(());
    }
    match diagnostics::run(&ctx.db, &job, &ctx.worker_name).await {
        Ok(report) => {
            let value = serde_json::to_value(&report)
                .map_err(|e| classify(domain::AppError::internal(e)))?;
            jobs::succeed(&ctx.db, job.job_id, value)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "diagnostic", "status" => "succeeded")
                .increment(1);
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "diagnostic failed");
            jobs::fail(&ctx.db, job.job_id, &e.message)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "diagnostic", "status" => "failed")
                .increment(1);
            Err(classify(e))
        }
    }
}
