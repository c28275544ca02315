//! `GET /api/v1/openapi.json`: the OpenAPI document of the JSON API. Every handler under
//! `/api/v1` (and the operations endpoints) is listed here; a test checks that the document
//! and the router agree.

use actix_web::{HttpResponse, get};
use utoipa::OpenApi;

use crate::routes::{
    accounts, connections, diagnostics, health, imports, jobs, planning, workspaces,
};

/// The API's OpenAPI description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mixpilot API",
        description = "Budget allocation for marketing teams and agencies. Errors are \
            `{\"code\": \"snake_case\", \"message\": \"...\"}` with the matching status."
    ),
    paths(
        health::healthz, health::readyz,
        accounts::sign_up, accounts::sign_in, accounts::refresh, accounts::sign_out, accounts::me,
        accounts::change_password, accounts::preview_invitation, accounts::accept_invitation,
        workspaces::list, workspaces::get, workspaces::rename, workspaces::list_clients,
        workspaces::create_client, workspaces::list_members, workspaces::change_member,
        workspaces::remove_member, workspaces::list_invitations, workspaces::invite,
        workspaces::revoke_invitation, workspaces::list_api_keys, workspaces::create_api_key,
        workspaces::revoke_api_key, workspaces::audit_log,
        imports::import_metrics, imports::template, imports::kpis, imports::connections,
        connections::authorize, connections::connect_sandbox, connections::sync_now,
        connections::disconnect, connections::channel_days,
        diagnostics::start, jobs::get,
        planning::get_goal, planning::save_goal, planning::goal_versions, planning::list_models,
        planning::active_model, planning::compare_models, planning::fit, planning::get_model,
        planning::get_settings, planning::put_settings, planning::start_plan,
        planning::list_plans, planning::latest_plan, planning::get_plan, planning::health,
        planning::health_history, planning::budget_scenario, planning::constraints,
        planning::constraint_scenario, planning::objectives_scenario, planning::portfolio
    ),
    modifiers(&Security),
    tags(
        (name = "accounts", description = "Sign-up, sessions and invitation links"),
        (name = "workspaces", description = "Workspaces and an agency's clients"),
        (name = "members", description = "Members, roles and invitations"),
        (name = "api keys", description = "A workspace's API keys"),
        (name = "audit", description = "Who changed what"),
        (name = "data", description = "Ad data: imports and metrics"),
        (name = "operations", description = "Liveness and readiness"),
        (name = "jobs", description = "Background jobs and their progress"),
        (name = "planning", description = "Goals, models, plans, the Budget Health Index, scenarios and the agency portfolio")
    )
)]
pub struct ApiDoc;

/// Bearer authentication: a session's access token or an API key.
struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An access token from `POST /api/v1/sessions`, or an API key (`mpk_...`)",
                    ))
                    .build(),
            ),
        );
    }
}

#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
