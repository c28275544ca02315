//! `POST /api/v1/diagnostics`: start a diagnostic job.

use actix_web::{HttpResponse, post, web};
use domain::dto::jobs::{JobAccepted, JobStatus};
use domain::services::{Services, diagnostics};

use crate::error::ApiError;

/// Enqueues a diagnostic job; answers 202 with the job's ID and where to follow it.
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
