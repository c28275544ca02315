//! `POST /api/v1/diagnostics`: start a diagnostic job.

use actix_web::{HttpResponse, post, web};
use domain::ApiErrorBody;
use domain::dto::jobs::{JobAccepted, JobStatus};
use domain::services::{Services, diagnostics};

use crate::error::ApiError;

/// Enqueues a diagnostic job; answers 202 with the job's ID and where to follow it.
#[utoipa::path(post, path = "/api/v1/diagnostics", tag = "jobs", responses(
    (status = 202, description = "The job is queued; `href` (and `Location`) say where to follow it", body = JobAccepted),
    (status = 503, description = "The queue is unavailable", body = ApiErrorBody)))]
#[post("/diagnostics")]
pub async fn start(services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let job = diagnostics::start(&services.db, services.queue.as_ref()).await?;
    let href = format!("/api/v1/jobs/{}", job.id);
    Ok(HttpResponse::Accepted()
        .insert_header(("Location", href.clone()))
        .json(JobAccepted {
            job_id: job.id,
            status: JobStatus::Queued,
            href,
        }))
}
