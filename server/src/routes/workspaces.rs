//! Workspaces and everything in one: `/api/v1/workspaces/{workspace_id}/...`. Each handler takes
//! a [`Scoped`] caller, so it runs only for a member of that workspace (or of its agency, or
//! one of its API keys); anyone else gets 404.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use domain::dto::workspaces::{
    ApiKeyCreated, ApiKeyRequest, ApiKeyView, AuditPage, InvitationRequest, InvitationView,
    MemberUpdateRequest, MemberView, WorkspaceRequest, WorkspaceView,
};
use domain::ids::{ApiKeyId, AuditEntryId, InvitationId, UserId};
use domain::services::{Services, api_keys, audit, invitations, members, workspaces};
use domain::{ApiErrorBody, AppError};
use serde::Deserialize;

use crate::error::ApiError;
use crate::extractors::{Authenticated, Scoped};

fn parse_id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::not_found(what))
}

/// Every workspace the caller can open.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    responses((status = 200, description = "The workspaces", body = Vec<WorkspaceView>), (status = 401, description = "Not signed in", body = ApiErrorBody)))]
#[get("/workspaces")]
pub async fn list(
    services: web::Data<Services>,
    who: Authenticated,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(workspaces::list_for(&services.db, &who.0).await?))
}

/// One workspace, with the caller's role in it.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}", tag = "workspaces",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The workspace", body = WorkspaceView), (status = 404, description = "No such workspace, or not yours", body = ApiErrorBody)))]
#[get("/workspaces/{workspace_id}")]
pub async fn get(services: web::Data<Services>, scope: Scoped) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(workspaces::get(&services.db, &scope.0).await?))
}

/// Renames the workspace (owner, admin).
#[utoipa::path(patch, path = "/api/v1/workspaces/{workspace_id}", tag = "workspaces", request_body = WorkspaceRequest,
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The renamed workspace", body = WorkspaceView), (status = 403, description = "The role does not allow it", body = ApiErrorBody)))]
#[patch("/workspaces/{workspace_id}")]
pub async fn rename(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<WorkspaceRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(workspaces::rename(&services.db, &scope.0, body.into_inner()).await?))
}

/// An agency's client workspaces.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/clients", tag = "workspaces",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The clients", body = Vec<WorkspaceView>)))]
#[get("/workspaces/{workspace_id}/clients")]
pub async fn list_clients(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(workspaces::list_clients(&services.db, &scope.0).await?))
}

/// Creates a client workspace of an agency (owner, admin).
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/clients", tag = "workspaces", request_body = WorkspaceRequest,
    params(("workspace_id" = String, Path)),
    responses(
        (status = 201, description = "The client workspace", body = WorkspaceView),
        (status = 409, description = "The workspace is a brand, not an agency", body = ApiErrorBody)))]
#[post("/workspaces/{workspace_id}/clients")]
pub async fn create_client(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<WorkspaceRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(workspaces::create_client(&services.db, &scope.0, body.into_inner()).await?))
}

/// The workspace's members.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/members", tag = "members",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The members", body = Vec<MemberView>)))]
#[get("/workspaces/{workspace_id}/members")]
pub async fn list_members(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(members::list(&services.db, &scope.0).await?))
}

/// Changes a member's role (owner, admin; owners only for owners).
#[utoipa::path(patch, path = "/api/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members", request_body = MemberUpdateRequest,
    params(("workspace_id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, description = "The member", body = MemberView), (status = 409, description = "It would leave no owner", body = ApiErrorBody)))]
#[patch("/workspaces/{workspace_id}/members/{user_id}")]
pub async fn change_member(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
    body: web::Json<MemberUpdateRequest>,
) -> Result<HttpResponse, ApiError> {
    let user: UserId = parse_id(&path.1, "member")?;
    Ok(HttpResponse::Ok()
        .json(members::change_role(&services.db, &scope.0, user, body.into_inner()).await?))
}

/// Removes a member (owner, admin).
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace_id}/members/{user_id}", tag = "members",
    params(("workspace_id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204, description = "Removed"), (status = 404, description = "No such member", body = ApiErrorBody)))]
#[delete("/workspaces/{workspace_id}/members/{user_id}")]
pub async fn remove_member(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let user: UserId = parse_id(&path.1, "member")?;
    members::remove(&services.db, &scope.0, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The workspace's invitations (owner, admin).
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/invitations", tag = "members",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The invitations", body = Vec<InvitationView>)))]
#[get("/workspaces/{workspace_id}/invitations")]
pub async fn list_invitations(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(invitations::list(&services.db, &scope.0).await?))
}

/// Invites an email address with a role (owner, admin). The answer holds the link, once.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/invitations", tag = "members", request_body = InvitationRequest,
    params(("workspace_id" = String, Path)),
    responses((status = 201, description = "The invitation, with its link", body = InvitationView), (status = 409, description = "Already a member", body = ApiErrorBody)))]
#[post("/workspaces/{workspace_id}/invitations")]
pub async fn invite(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<InvitationRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(invitations::create(&services, &scope.0, body.into_inner()).await?))
}

/// Withdraws a pending invitation (owner, admin).
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace_id}/invitations/{invitation_id}", tag = "members",
    params(("workspace_id" = String, Path), ("invitation_id" = String, Path)),
    responses((status = 204, description = "Withdrawn"), (status = 404, description = "No such invitation", body = ApiErrorBody)))]
#[delete("/workspaces/{workspace_id}/invitations/{invitation_id}")]
pub async fn revoke_invitation(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id: InvitationId = parse_id(&path.1, "invitation")?;
    invitations::revoke(&services.db, &scope.0, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The workspace's API keys, without secrets (owner, admin).
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/api-keys", tag = "api keys",
    params(("workspace_id" = String, Path)),
    responses((status = 200, description = "The keys", body = Vec<ApiKeyView>)))]
#[get("/workspaces/{workspace_id}/api-keys")]
pub async fn list_api_keys(
    services: web::Data<Services>,
    scope: Scoped,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(api_keys::list(&services.db, &scope.0).await?))
}

/// Creates an API key with a role (owner, admin). The secret is in this answer only.
#[utoipa::path(post, path = "/api/v1/workspaces/{workspace_id}/api-keys", tag = "api keys", request_body = ApiKeyRequest,
    params(("workspace_id" = String, Path)),
    responses((status = 201, description = "The key and its secret", body = ApiKeyCreated)))]
#[post("/workspaces/{workspace_id}/api-keys")]
pub async fn create_api_key(
    services: web::Data<Services>,
    scope: Scoped,
    body: web::Json<ApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(api_keys::create(&services.db, &scope.0, body.into_inner()).await?))
}

/// Revokes an API key (owner, admin).
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace_id}/api-keys/{key_id}", tag = "api keys",
    params(("workspace_id" = String, Path), ("key_id" = String, Path)),
    responses((status = 204, description = "Revoked"), (status = 404, description = "No such key", body = ApiErrorBody)))]
#[delete("/workspaces/{workspace_id}/api-keys/{key_id}")]
pub async fn revoke_api_key(
    services: web::Data<Services>,
    scope: Scoped,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let id: ApiKeyId = parse_id(&path.1, "API key")?;
    api_keys::revoke(&services.db, &scope.0, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct AuditQuery {
    /// Entries older than this one (from `next_before`).
    before: Option<String>,
    /// At most this many entries (1 to 200, default 50).
    limit: Option<u64>,
}

/// The audit log, newest first (owner, admin).
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}/audit", tag = "audit",
    params(("workspace_id" = String, Path), AuditQuery),
    responses((status = 200, description = "A page of entries", body = AuditPage)))]
#[get("/workspaces/{workspace_id}/audit")]
pub async fn audit_log(
    services: web::Data<Services>,
    scope: Scoped,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let before: Option<AuditEntryId> = query
        .before
        .as_deref()
        .map(|b| {
            b.parse().map_err(|_| {
                AppError::validation("before", "must be an audit entry ID from `next_before`")
            })
        })
        .transpose()?;
    Ok(HttpResponse::Ok().json(audit::list(&services.db, &scope.0, before, query.limit).await?))
}
