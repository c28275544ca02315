use domain::dto::jobs::{JobAccepted, JobView};
use domain::ids::{JobId, TenantId};
use leptos::prelude::*;

use super::ApiError;
use super::client::Rpc;

/// Starts a diagnostic job in `workspace` and returns where to follow it.
#[server(prefix = "/rpc", endpoint = "start_diagnostic", client = Rpc)]
pub async fn start_diagnostic(workspace: TenantId) -> Result<JobAccepted, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    let job =
        domain::services::diagnostics::start(&services.db, services.queue.as_ref(), &scope).await?;
    Ok(JobAccepted {
        job_id: job.id,
        status: domain::dto::jobs::JobStatus::Queued,
        href: format!("/api/v1/workspaces/{workspace}/jobs/{}", job.id),
    })
}

/// Reads a job's state.
#[server(prefix = "/rpc", endpoint = "get_job", client = Rpc)]
pub async fn get_job(workspace: TenantId, id: JobId) -> Result<JobView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::jobs::get(&services.db, &scope, id).await?)
}
