//! `POST /api/v1/workspaces/{workspace_id}/diagnostics`: start a diagnostic job.

use actix_web::{HttpResponse, post, web};
use domain::ApiErrorBody;
use domain::dto::jobs::{JobAccepted, JobStatus};
use domain::services::{Services, diagnostics};

use crate::error::ApiError;
use crate::extractors::Scoped;

/// Enqueues a diagnostic job (owner, admin, strategist); answers 202 with the job's ID and
/// where to follow it.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/diagnostics", tag = "jobs",
    params(("workspace_id" = String, Path)),
    responses(
        (status = 202, description = "The job is queued; `href` (and `Location`) say where to follow it", body = JobAccepted),
        (status = 503, description = "The queue is unavailable", body = ApiErrorBody)))]
#[post("/workspaces/{workspace_id}/diagnostics")]
pub async fn start(services: web::Data<Services>, scope: Scoped) -> Result<HttpResponse, ApiError> {
    let job = diagnostics::start(&services.db, services.queue.as_ref(), &scope.0).await?;
    let href = format!("/api/v1/workspaces/{}/jobs/{}", scope.0.tenant_id(), job.id);
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", href.clone()))
        .json(JobAccepted {
            job_id: job.id,
            status: JobStatus::Queued,
            href,
        }))
}
