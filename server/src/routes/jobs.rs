//! `GET /api/v1/workspaces/{workspace_id}/jobs/{id}`: a job's state and result.

use actix_web::{HttpResponse, get, web};
use domain::dto::jobs::JobView;
use domain::ids::JobId;
use domain::services::{Services, jobs};
use domain::{ApiErrorBody, AppError};

use crate::error::ApiError;
use crate::extractors::Scoped;

/// A job's state, progress and result.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/jobs/{id}", tag = "jobs",
    params(("workspace_id" = String, Path), ("id" = String, Path, description = "The job's ID (a UUID)")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 404, description = "No such job in this workspace", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/jobs/{id}")]
pub async fn get(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id: JobId = path.1.parse().map_err(|_| AppError::not_found("job"))?;
    Ok(HttpResponse::Ok().json(jobs::get(&services.db, &scope.0, id).await?))
}
