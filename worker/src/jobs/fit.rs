//! `FitModel`: fits the workspace's response-curve model from its daily metrics and records the
//! version (active only when the gate accepts it). The fit itself runs on tokio's blocking pool
//! inside the service.

use apalis::prelude::{BoxDynError, Data};
use domain::jobs::FitModel;
use domain::services::{jobs, models};

use super::classify;
use crate::JobContext;

/// Runs one fit job. A redelivered job that already finished is skipped.
#[tracing::instrument(skip_all, fields(job_id = %job.job_id, tenant_id = %job.tenant_id))]
pub async fn fit_model(job: FitModel, ctx: Data<JobContext>) -> Result<(), BoxDynError> {
    if !jobs::start(&ctx.db, job.job_id).await.map_err(classify)? {
        tracing::info!("job already finished; skipping the redelivery");
        return Ok(());
    }
    match models::run_fit(&ctx.db, ctx.queue.as_deref(), &job).await {
        Ok(summary) => {
            let value = serde_json::to_value(&summary)
                .map_err(|e| classify(domain::AppError::internal(e)))?;
            jobs::succeed(&ctx.db, job.job_id, value)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "fit_model", "status" => "succeeded")
                .increment(1);
            Ok(())
        }
        Err(e) => {
            tracing::warn!(error = %e, "fit failed");
            jobs::fail(&ctx.db, job.job_id, &e.message)
                .await
                .map_err(classify)?;
            metrics::counter!("mixpilot_jobs_finished_total", "kind" => "fit_model", "status" => "failed")
                .increment(1);
            Err(classify(e))
        }
    }
}
