//! Ad data: CSV imports of daily metrics (and the format's template), and KPIs.

use actix_web::{HttpResponse, get, web};
use domain::ApiErrorBody;
use domain::dto::ad_data::{CSV_TEMPLATE, ConnectionView, ImportReport, KpiGrouping, KpiReport};
use domain::services::{Services, imports};

use crate::error::ApiError;
use crate::extractors::Scoped;

/// The largest file accepted.
pub const MAX_CSV_BYTES: usize = 64 * 1024 * 1024;

/// Imports a CSV of daily spend and outcomes (owner, admin, strategist). The whole file is
/// checked first: one bad cell and nothing is written, and the answer lists every problem by row
/// and column. Importing the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/imports/metrics", tag = "data",
    params(("workspace_id" = String, Path)),
    request_body(content = String, content_type = "text/csv", description = "See GET /api/v1/imports/metrics/template.csv"),
    responses(
        (status = 200, description = "What was inserted, updated and left unchanged", body = ImportReport),
        (status = 422, description = "The file's problems, by row and column, in `details.problems`", body = ApiErrorBody)))]
pub async fn import_metrics(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(imports::import_csv(&services.db, &scope.0, &body).await?))
}

/// The import format: its header and two example rows.
#[utoipa::path(get, path = "/api/v1/imports/metrics/template.csv", tag = "data",
    responses((status = 200, description = "A CSV template", content_type = "text/csv", body = String)))]
#[get("/imports/metrics/template.csv")]
pub async fn template() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"mixpilot-metrics-template.csv\"",
        ))
        .body(CSV_TEMPLATE)
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct KpiQuery {
    /// The first day, `YYYY-MM-DD`.
    from: chrono::NaiveDate,
    /// The last day, included.
    to: chrono::NaiveDate,
    /// `campaign`, `channel` (the default) or `workspace`.
    by: Option<KpiGrouping>,
}

/// CPA, ROAS, conversion rate, CTR and CPC over a date range, per campaign, channel or
/// workspace, each next to the period of the same length before it.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/kpis", tag = "data",
    params(("workspace_id" = String, Path), KpiQuery),
    responses(
        (status = 200, description = "The KPIs", body = KpiReport),
        (status = 422, description = "A bad range", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/kpis")]
pub async fn kpis(
    services: web::Data<Services>,
    scope: Scoped,
    query: web::Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    let by = query.by.unwrap_or(KpiGrouping::Channel);
    Ok(HttpResponse::Ok().json(
        domain::services::kpis::report(&services.db, &scope.0, query.from, query.to, by).await?,
    ))
}

/// The workspace's connections: platforms, the sandbox and CSV imports, with status and last sync.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/connections", tag = "data",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The connections", body = Vec<ConnectionView>)))]
#[get("/workspaces/{workspace_id}/connections")]
pub async fn connections(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(domain::services::connections::list(&services.db, &scope.0).await?))
}
