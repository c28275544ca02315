//! `GET /api/v1/openapi.json`: the OpenAPI document of the JSON API. Every handler under
//! `/api/v1` (and the operations endpoints) is listed here; a test checks that the document
//! and the router agree.

use actix_web::{HttpResponse, get};
use utoipa::OpenApi;

use crate::routes::{diagnostics, health, jobs};

/// The API's OpenAPI description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mixpilot API",
        description = "Budget allocation for marketing teams and agencies. Errors are \
            `{\"code\": \"snake_case\", \"message\": \"...\"}` with the matching status."
    ),
    paths(health::healthz, health::readyz, diagnostics::start, jobs::get),
    tags(
        (name = "operations", description = "Liveness and readiness"),
        (name = "jobs", description = "Background jobs and their progress")
    )
)]
pub struct ApiDoc;

#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
