//! `/healthz` (the process is alive) and `/readyz` (it can reach the database and the queue).

use actix_web::{HttpResponse, get, web};
use domain::services::{Services, system};

/// Alive: answers as long as the process serves requests.
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// Ready: 200 when the database and the queue answer, else 503 naming what failed.
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
