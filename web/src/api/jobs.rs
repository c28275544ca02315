use domain::dto::jobs::{JobAccepted, JobView};
use domain::ids::JobId;
use leptos::prelude::*;

use super::ApiError;

/// Starts a diagnostic job and returns where to follow it.
#[server(prefix = "/rpc", endpoint = "start_diagnostic")]
pub async fn start_diagnostic() -> Result<JobAccepted, ApiError> {
    let services = super::services()?;
    let job = domain::services::diagnostics::start(&services.db, services.queue.as_ref()).await?;
    Ok(JobAccepted {
        job_id: job.id,
        status: domain::dto::jobs::JobStatus::Queued,
        href: format!("/api/v1/jobs/{}", job.id),
    })
}

/// Reads a job's state.
#[server(prefix = "/rpc", endpoint = "get_job")]
pub async fn get_job(id: JobId) -> Result<JobView, ApiError> {
    let services = super::services()?;
    Ok(domain::services::jobs::get(&services.db, id).await?)
}
