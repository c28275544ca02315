//! `GET /api/v1/jobs/{id}`: a job's state and result.

use actix_web::{HttpResponse, get, web};
use domain::dto::jobs::JobView;
use domain::ids::JobId;
use domain::services::{Services, jobs};
use domain::{ApiErrorBody, AppError};

use crate::error::ApiError;

/// A job's state, progress and result.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "The job's ID (a UUID)")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, description = "No such job", body = ApiErrorBody)))]
#[get("/jobs/{id}")]
pub async fn get(
    services: web::Data<Services>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: JobId = id.parse().map_err(|_| AppError::not_found("job"))?;
    Ok(HttpResponse::Ok().json(jobs::get(&services.db, id).await?))
}
