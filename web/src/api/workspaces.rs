//! A workspace and what is in it: clients, members, invitations, API keys, the audit log. Every
//! function admits the caller to the workspace first (404 for anyone else); the services check
//! the role.

use domain::dto::workspaces::{
    ApiKeyCreated, ApiKeyView, AuditPage, InvitationView, MemberView, WorkspaceView,
};
#[cfg(feature = "ssr")]
use domain::dto::workspaces::{
    ApiKeyRequest, InvitationRequest, MemberUpdateRequest, WorkspaceRequest,
};
use domain::ids::{ApiKeyId, AuditEntryId, InvitationId, TenantId, UserId};
use leptos::prelude::*;

use super::ApiError;
use super::client::Rpc;

#[server(prefix = "/rpc", endpoint = "get_workspace", client = Rpc)]
pub async fn get_workspace(workspace: TenantId) -> Result<WorkspaceView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::workspaces::get(&services.db, &scope).await?)
}

#[server(prefix = "/rpc", endpoint = "rename_workspace", client = Rpc)]
pub async fn rename_workspace(
    workspace: TenantId,
    name: String,
) -> Result<WorkspaceView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(
        domain::services::workspaces::rename(&services.db, &scope, WorkspaceRequest { name })
            .await?,
    )
}

#[server(prefix = "/rpc", endpoint = "list_clients", client = Rpc)]
pub async fn list_clients(workspace: TenantId) -> Result<Vec<WorkspaceView>, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::workspaces::list_clients(&services.db, &scope).await?)
}

#[server(prefix = "/rpc", endpoint = "create_client", client = Rpc)]
pub async fn create_client(workspace: TenantId, name: String) -> Result<WorkspaceView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(
        domain::services::workspaces::create_client(
            &services.db,
            &scope,
            WorkspaceRequest { name },
        )
        .await?,
    )
}

#[server(prefix = "/rpc", endpoint = "list_members", client = Rpc)]
pub async fn list_members(workspace: TenantId) -> Result<Vec<MemberView>, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::members::list(&services.db, &scope).await?)
}

#[server(prefix = "/rpc", endpoint = "change_member_role", client = Rpc)]
pub async fn change_member_role(
    workspace: TenantId,
    user: UserId,
    role: String,
) -> Result<MemberView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::members::change_role(
        &services.db,
        &scope,
        user,
        MemberUpdateRequest { role },
    )
    .await?)
}

#[server(prefix = "/rpc", endpoint = "remove_member", client = Rpc)]
pub async fn remove_member(workspace: TenantId, user: UserId) -> Result<(), ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::members::remove(&services.db, &scope, user).await?)
}

#[server(prefix = "/rpc", endpoint = "list_invitations", client = Rpc)]
pub async fn list_invitations(workspace: TenantId) -> Result<Vec<InvitationView>, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::invitations::list(&services.db, &scope).await?)
}

#[server(prefix = "/rpc", endpoint = "invite", client = Rpc)]
pub async fn invite(
    workspace: TenantId,
    email: String,
    role: String,
) -> Result<InvitationView, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(
        domain::services::invitations::create(&services, &scope, InvitationRequest { email, role })
            .await?,
    )
}

#[server(prefix = "/rpc", endpoint = "revoke_invitation", client = Rpc)]
pub async fn revoke_invitation(workspace: TenantId, id: InvitationId) -> Result<(), ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::invitations::revoke(&services.db, &scope, id).await?)
}

#[server(prefix = "/rpc", endpoint = "list_api_keys", client = Rpc)]
pub async fn list_api_keys(workspace: TenantId) -> Result<Vec<ApiKeyView>, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::api_keys::list(&services.db, &scope).await?)
}

#[server(prefix = "/rpc", endpoint = "create_api_key", client = Rpc)]
pub async fn create_api_key(
    workspace: TenantId,
    name: String,
    role: String,
) -> Result<ApiKeyCreated, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(
        domain::services::api_keys::create(&services.db, &scope, ApiKeyRequest { name, role })
            .await?,
    )
}

#[server(prefix = "/rpc", endpoint = "revoke_api_key", client = Rpc)]
pub async fn revoke_api_key(workspace: TenantId, id: ApiKeyId) -> Result<(), ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::api_keys::revoke(&services.db, &scope, id).await?)
}

#[server(prefix = "/rpc", endpoint = "audit_log", client = Rpc)]
pub async fn audit_log(
    workspace: TenantId,
    before: Option<AuditEntryId>,
) -> Result<AuditPage, ApiError> {
    let services = super::services()?;
    let scope = super::scope(workspace).await?;
    Ok(domain::services::audit::list(&services.db, &scope, before, None).await?)
}
