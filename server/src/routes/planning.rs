//! The engine inside the product, under `/api/v1/workspaces/{workspace_id}/...`: the goal, the
//! model registry, plans, the Budget Health Index, scenarios and the agency portfolio. Each
//! handler extracts the scope, parses, calls one service and maps the result; fits and plans
//! are jobs (202 with where to follow them, as for syncs).

use actix_web::{HttpResponse, get, post, put, web};
use domain::dto::goals::{GoalRequest, GoalView};
use domain::dto::jobs::{JobAccepted, JobView};
use domain::dto::models::{ModelComparison, ModelDetailView, ModelVersionView, PlanningSettings};
use domain::dto::plans::{
    BudgetScenarioRequest, ConstraintScenarioRequest, ConstraintScenarioView, ConstraintView,
    FrontierView, HealthView, ObjectiveScenarioView, ObjectivesScenarioRequest, PlanView,
    PortfolioRow,
};
use domain::ids::PlanId;
use domain::jobs::Trigger;
use domain::services::{Services, goals, models, plans};
use domain::{ApiErrorBody, AppError};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extractors::Scoped;

/// Registers every handler of this module (called once, inside the `/api/v1` scope).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(get_goal)
        .service(save_goal)
        .service(goal_versions)
        .service(list_models)
        .service(active_model)
        .service(compare_models)
        .service(fit)
        .service(get_model)
        .service(get_settings)
        .service(put_settings)
        .service(start_plan)
        .service(list_plans)
        .service(latest_plan)
        .service(get_plan)
        .service(health)
        .service(health_history)
        .service(budget_scenario)
        .service(constraints)
        .service(constraint_scenario)
        .service(objectives_scenario)
        .service(portfolio);
}

fn accepted(scope: &Scoped, job: JobView) -> HttpResponse {
    let href = format!("/api/v1/workspaces/{}/jobs/{}", scope.0.tenant_id(), job.id);
    HttpResponse::Accepted()
        .insert_header(("Location", href.clone()))
        .json(JobAccepted {
            job_id: job.id,
            status: job.status,
            href,
        })
}

/// The goal in force.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/goal", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The newest version of the goal", body = GoalView),
        (status = 404, description = "No goal saved yet", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/goal")]
pub async fn get_goal(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    let goal = goals::current(&services.db, &scope.0)
        .await?
        .ok_or_else(|| AppError::not_found("goal"))?;
    Ok(HttpResponse::Ok().json(goal))
}

/// Saves a new version of the goal (owner, admin, strategist), checked against today's spend:
/// an infeasible goal is refused with the conflicting constraints in words
/// (`details.conflicting`), and nothing is saved. With an active model, a plan follows.
#[utoipa::path(put, path = "/api/v1/workspaces/{workspace_id}/goal", tag = "planning",
    params(("workspace_id" = String, Path)), request_body = GoalRequest,
    responses((status = 200, description = "The saved version", body = GoalView),
        (status = 422, description = "A field out of range, or constraints that cannot all hold", body = ApiErrorBody)))]
#[put("/workspaces/{workspace_id}/goal")]
pub async fn save_goal(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<GoalRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(goals::save(&services, &scope.0, body.into_inner()).await?))
}

/// Every version of the goal, newest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/goal/versions", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The versions", body = Vec<GoalView>)))]
#[get("/workspaces/{workspace_id}/goal/versions")]
pub async fn goal_versions(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(goals::versions(&services.db, &scope.0).await?))
}

/// Every model version, newest first, with status, accuracy and per-channel figures.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/models", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The versions", body = Vec<ModelVersionView>)))]
#[get("/workspaces/{workspace_id}/models")]
pub async fn list_models(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(models::list(&services.db, &scope.0).await?))
}

/// The active model with its curves (today's spend marked) and decomposition.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/models/active", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The active model", body = ModelDetailView),
        (status = 404, description = "No active model yet", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/models/active")]
pub async fn active_model(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(models::get_active(&services.db, &scope.0).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct CompareQuery {
    /// The older version.
    from: u32,
    /// The newer version.
    to: u32,
}

/// What changed between two versions: each channel's ROAS, marginal ROAS and curve.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/models/compare", tag = "planning",
    params(("workspace_id" = String, Path), CompareQuery),
    responses((status = 200, description = "The changes", body = ModelComparison)))]
#[get("/workspaces/{workspace_id}/models/compare")]
pub async fn compare_models(
    services: web::Data<Services>,
    scope: Scoped,
    query: web::Query<CompareQuery>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(models::compare(&services.db, &scope.0, query.from, query.to).await?))
}

/// Starts a fit now (owner, admin, strategist): 202 with the job to follow.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/models/fit", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 202, description = "The fit job", body = JobAccepted)))]
#[post("/workspaces/{workspace_id}/models/fit")]
pub async fn fit(services: web::Data<Services>, scope: Scoped) -> Result<HttpResponse, ApiError> {
    let job = models::start_fit(&services, &scope.0, Trigger::OnDemand).await?;
    Ok(accepted(&scope, job))
}

/// One model version with its curves and decomposition.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/models/{version}", tag = "planning",
    params(("workspace_id" = String, Path), ("version" = u32, Path)),
    responses((status = 200, description = "The version", body = ModelDetailView),
        (status = 404, description = "No such version", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/models/{version}")]
pub async fn get_model(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let version: u32 = path
        .1
        .parse()
        .map_err(|_| AppError::not_found("model version"))?;
    Ok(HttpResponse::Ok().json(models::get(&services.db, &scope.0, version).await?))
}

/// The planning settings: health bands, retrain interval, the model gate.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/planning-settings", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The settings", body = PlanningSettings)))]
#[get("/workspaces/{workspace_id}/planning-settings")]
pub async fn get_settings(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(models::settings(&services.db, &scope.0).await?))
}

/// Changes the planning settings (owner, admin, strategist).
#[utoipa::path(put, path = "/api/v1/workspaces/{workspace_id}/planning-settings", tag = "planning",
    params(("workspace_id" = String, Path)), request_body = PlanningSettings,
    responses((status = 200, description = "The settings", body = PlanningSettings),
        (status = 422, description = "A setting out of range", body = ApiErrorBody)))]
#[put("/workspaces/{workspace_id}/planning-settings")]
pub async fn put_settings(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<PlanningSettings>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(models::update_settings(&services.db, &scope.0, body.into_inner()).await?))
}

/// Makes a plan now (owner, admin, strategist): 202 with the job to follow; 409 without an
/// active model.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/plans", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 202, description = "The plan job", body = JobAccepted),
        (status = 409, description = "No active model yet", body = ApiErrorBody)))]
#[post("/workspaces/{workspace_id}/plans")]
pub async fn start_plan(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    let job = plans::start(&services, &scope.0, Trigger::OnDemand).await?;
    Ok(accepted(&scope, job))
}

/// The newest plans, newest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/plans", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The plans", body = Vec<PlanView>)))]
#[get("/workspaces/{workspace_id}/plans")]
pub async fn list_plans(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(plans::list(&services.db, &scope.0).await?))
}

/// The newest plan.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/plans/latest", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The plan", body = PlanView),
        (status = 404, description = "No plan yet", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/plans/latest")]
pub async fn latest_plan(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(plans::latest(&services.db, &scope.0).await?))
}

/// One plan, with its inputs.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/plans/{id}", tag = "planning",
    params(("workspace_id" = String, Path), ("id" = String, Path)),
    responses((status = 200, description = "The plan", body = PlanView),
        (status = 404, description = "No such plan", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/plans/{id}")]
pub async fn get_plan(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id: PlanId = path.1.parse().map_err(|_| AppError::not_found("plan"))?;
    Ok(HttpResponse::Ok().json(plans::get(&services.db, &scope.0, id).await?))
}

/// The Budget Health Index's latest reading, with its band and top actions.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/health-index", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The reading", body = HealthView),
        (status = 404, description = "No reading yet", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}/health-index")]
pub async fn health(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(plans::health(&services.db, &scope.0).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct HistoryQuery {
    /// Days back (90 by default).
    days: Option<u32>,
}

/// The index's readings over the last days, oldest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/health-index/history", tag = "planning",
    params(("workspace_id" = String, Path), HistoryQuery),
    responses((status = 200, description = "The readings", body = Vec<HealthView>)))]
#[get("/workspaces/{workspace_id}/health-index/history")]
pub async fn health_history(
    services: web::Data<Services>,
    scope: Scoped,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let days = query.days.unwrap_or(90);
    Ok(HttpResponse::Ok().json(plans::health_history(&services.db, &scope.0, days).await?))
}

/// The efficient frontier from −50% to +100% of the goal's budget (by default), with the
/// marginal return at each budget (owner, admin, strategist).
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/scenarios/budget", tag = "planning",
    params(("workspace_id" = String, Path)), request_body = BudgetScenarioRequest,
    responses((status = 200, description = "The frontier", body = FrontierView),
        (status = 404, description = "No active model yet", body = ApiErrorBody)))]
#[post("/workspaces/{workspace_id}/scenarios/budget")]
pub async fn budget_scenario(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<BudgetScenarioRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(plans::budget_scenario(&services.db, &scope.0, body.into_inner()).await?))
}

/// The constraints of today's plan question, named, for constraint scenarios.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/scenarios/constraints", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The constraints", body = Vec<ConstraintView>)))]
#[get("/workspaces/{workspace_id}/scenarios/constraints")]
pub async fn constraints(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(plans::constraints(&services.db, &scope.0).await?))
}

/// What dropping (or scaling) one constraint does: "what the brand minimum costs".
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/scenarios/constraint", tag = "planning",
    params(("workspace_id" = String, Path)), request_body = ConstraintScenarioRequest,
    responses((status = 200, description = "The comparison", body = ConstraintScenarioView)))]
#[post("/workspaces/{workspace_id}/scenarios/constraint")]
pub async fn constraint_scenario(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<ConstraintScenarioRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(plans::constraint_scenario(&services.db, &scope.0, body.into_inner()).await?))
}

/// The same question under several objectives.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/scenarios/objectives", tag = "planning",
    params(("workspace_id" = String, Path)), request_body = ObjectivesScenarioRequest,
    responses((status = 200, description = "One answer per objective", body = Vec<ObjectiveScenarioView>)))]
#[post("/workspaces/{workspace_id}/scenarios/objectives")]
pub async fn objectives_scenario(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<ObjectivesScenarioRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(plans::objectives_scenario(&services.db, &scope.0, body.into_inner()).await?))
}

/// An agency's clients at a glance: index and band, model status, last sync, the plan's
/// expected gain.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/portfolio", tag = "planning",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "One row per client", body = Vec<PortfolioRow>)))]
#[get("/workspaces/{workspace_id}/portfolio")]
pub async fn portfolio(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(plans::portfolio(&services.db, &scope.0).await?))
}
