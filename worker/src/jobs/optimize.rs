//! `RunOptimization`: makes a plan and a reading of the Budget Health Index from the active
//! model, the goal in force and today's spend. The optimizer runs on tokio's blocking pool
//! inside the service.

use apalis::prelude::{BoxDynError, Data};
use domain::jobs::RunOptimization;
use domain::services::{jobs, plans};

use super::classify;
use crate::JobContext;

/// Runs one plan job. A redelivered job that already finished is skipped.
#[tracing::instrument(skip_all, fields(job_id = %job.job_id, tenant_id = %job.tenant_id))]
pub async fn run_optimization(
    job: RunOptimization,
    ctx: Data<JobContext>,
) -> Result<(), BoxDynError> {
    if !jobs::start(&ctx.db, job.job_id).await.map_err(classify)? {
        tracing::info!("job already finished; skipping the redelivery");
        return Ok(());
    }
    match plans::run(&ctx.db, &job).await {
        Ok(summary) => {
            let value = serde_json::to_value(&summary)
                .map_err(|e| classify(domain::AppError::internal(e)))?;
            jobs::succeed(&ctx.db, job.job_id, value)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "run_optimization", "status" => "succeeded")
                .increment(1);
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "plan failed");
            jobs::fail(&ctx.db, job.job_id, &e.message)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "run_optimization", "status" => "failed")
                .increment(1);
            Err(classify(e))
        }
    }
}
