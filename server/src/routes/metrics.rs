//! `/metrics`: Prometheus text. Request counts and latencies by route come from the middleware in
//! `startup`; jobs by state are read from the database at each scrape, so they count the jobs
//! of every worker process, not only this one's.

use actix_web::{HttpResponse, get, web};
use domain::services::{Services, jobs};

#[get("/metrics")]
pub async fn metrics(services: web::Data<Services>) -> HttpResponse {
    let Some(handle) = crate::telemetry::prometheus() else {
        return HttpResponse::ServiceUnavailable().body("metrics recorder unavailable");
    };
    match jobs::count_by_status(&services.db).await {
        Ok(counts) => {
            for (status, n) in counts {
                ::metrics::gauge!("mixpilot_jobs", "status" => status.as_str()).set(n as f64);
            }
        }
        Err(e) => tracing::warn!(error = %e, "counting jobs for /metrics"),
    }
    handle.run_upkeep();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(handle.render())
}
