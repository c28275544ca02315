//! `/healthz` (the process is alive) and `/readyz` (it can reach the database and the queue).

use actix_web::{HttpResponse, get, web};
use domain::dto::system::Readiness;
use domain::services::{Services, system};

/// Alive: answers as long as the process serves requests.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready: 200 when the database and the queue answer, else 503 naming what failed.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "The database and the queue answer", body = Readiness),
    (status = 503, description = "A dependency is unreachable; `checks` names it", body = Readiness)))]
#[get("/readyz")]
pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    let readiness = system::readiness(&services).await;
    if readiness.ready {
        HttpResponse::Ok().json(readiness)
    } else {
        let failing: Vec<&str> = readiness
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.name.as_str())
            .collect();
        tracing::warn!(failing = ?failing, "not ready");
        HttpResponse::ServiceUnavailable().json(readiness)
    }
}
