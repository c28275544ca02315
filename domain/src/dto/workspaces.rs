//! Workspaces, members, invitations, API keys and the audit log.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::authz::Role;
use crate::ids::{ApiKeyId, AuditEntryId, InvitationId, TenantId, UserId};

/// A brand runs its own marketing; an agency also manages client workspaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceKind {
    Brand,
    Agency,
}

impl WorkspaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Brand => "brand",
            Self::Agency => "agency",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "brand" => Some(Self::Brand),
            "agency" => Some(Self::Agency),
            _ => None,
        }
    }
}

/// How the person reaches a workspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// A membership of the workspace itself.
    Member,
    /// A membership of the agency that manages it.
    Agency,
    /// An API key of the workspace.
    ApiKey,
}

/// A workspace as the person asking sees it, with their role in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceView {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub kind: WorkspaceKind,
    /// The managing agency of a client workspace.
    pub agency: Option<WorkspaceRef>,
    pub role: Role,
    pub access: Access,
    pub created_at: DateTime<Utc>,
}

/// A workspace named in another's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceRef {
    pub id: TenantId,
    pub name: String,
}

/// `POST /api/v1/workspaces/{id}/clients` creates a client workspace; `PATCH
/// /api/v1/workspaces/{id}` renames one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WorkspaceRequest {
    pub name: String,
}

/// A member of a workspace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    pub user_id: UserId,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
}

/// `PATCH /api/v1/workspaces/{id}/members/{user_id}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberUpdateRequest {
    pub role: String,
}

/// `POST /api/v1/workspaces/{id}/invitations`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationRequest {
    pub email: String,
    pub role: String,
}

/// Where an invitation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

/// An invitation, as its workspace's admins see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationView {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    pub status: InvitationStatus,
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The link to send, relative to the site (`/invitations/<token>`). Only in the answer to
    /// the request that created it: the token is stored hashed.
    pub link: Option<String>,
    /// Whether the link was also sent by email.
    pub emailed: bool,
}

/// `GET /api/v1/invitations/{token}`: what an invitation link offers, before accepting it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InvitationPreview {
    pub workspace: String,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// `POST /api/v1/workspaces/{id}/api-keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyRequest {
    pub name: String,
    pub role: String,
}

/// An API key, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    pub id: ApiKeyId,
    pub name: String,
    pub role: Role,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A new API key. The secret is shown this once; only its hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyCreated {
    pub key: ApiKeyView,
    pub secret: String,
}

/// One audited change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    pub id: AuditEntryId,
    pub at: DateTime<Utc>,
    /// Who: a person's email, or `API key "<name>"`.
    pub actor: String,
    /// What, as `resource.verb`: `member.role_changed`, `api_key.created`, ...
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// A page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before` to read the next page; absent on the last page.
    pub next_before: Option<AuditEntryId>,
}

/// Checks a workspace name; the error says what would be accepted.
pub fn parse_workspace_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    let chars = name.chars().count();
    if chars == 0 {
        return Err("must not be empty".to_owned());
    }
    if chars > 80 {
        return Err(format!("must be at most 80 characters (got {chars})"));
    }
    Ok(name.to_owned())
}
