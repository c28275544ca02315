//! `GET /api/v1/jobs/{id}`: a job's state and result.

use actix_web::{HttpResponse, get, web};
use domain::AppError;
use domain::ids::JobId;
use domain::services::{Services, jobs};

use crate::error::ApiError;

#[get("/jobs/{id}")]
pub async fn get(
    services: web::Data<Services>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: JobId = id.parse().map_err(|_| AppError::not_found("job"))?;
    Ok(HttpResponse::Ok().json(jobs::get(&services.db, id).await?))
}
