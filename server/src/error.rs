//! The API's error responses: `{"code": "...", "message": "..."}` with the matching status.
//! The cause chain of a 5xx is logged here, once, and never sent.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use domain::AppError;

/// An [`AppError`] on its way out of a handler.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        Self(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            match &self.0.source {
                Some(cause) => {
                    tracing::error!(code = ?self.0.code, error = %self.0, cause = ?cause, "request failed")
                }
                None => tracing::error!(code = ?self.0.code, error = %self.0, "request failed"),
            }
        }
        let mut res = HttpResponse::build(status);
        if let Some(after) = self.0.retry_after {
            res.insert_header(("Retry-After", after.as_secs().max(1).to_string()));
        }
        res.json(self.0.body())
    }
}

/// The JSON 404 for unknown API paths.
pub async fn api_not_found() -> HttpResponse {
    HttpResponse::NotFound().json(AppError::not_found("API endpoint").body())
}
