//! Invitations: an admin invites an email address with a role; the link works once, until it
//! expires or is revoked. The token is stored hashed, so the link is shown only on creation.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use crate::authz::{Permission, Role};
use crate::db::Db;
use crate::dto::accounts::{parse_email, parse_role};
use crate::dto::workspaces::{
    Access, InvitationPreview, InvitationRequest, InvitationStatus, InvitationView, WorkspaceView,
};
use crate::entities::{invitations, tenants, users};
use crate::error::{AppError, ErrorCode};
use crate::ids::{InvitationId, TenantId, UserId};
use crate::scope::{Actor, Principal, TenantScope};
use crate::services::audit::{self, Change};
use crate::services::auth::{random_token, token_hash};
use crate::services::{DbContext as _, Services, now, utc, workspaces};

fn status(m: &invitations::Model, at: chrono::DateTime<chrono::FixedOffset>) -> InvitationStatus {
    if m.accepted_at.is_some() {
        InvitationStatus::Accepted
    } else if m.revoked_at.is_some() {
        InvitationStatus::Revoked
    } else if m.expires_at <= at {
        InvitationStatus::Expired
    } else {
        InvitationStatus::Pending
    }
}

fn view(
    m: &invitations::Model,
    inviter: String,
    link: Option<String>,
) -> Result<InvitationView, AppError> {
    Ok(InvitationView {
        id: InvitationId::from_uuid(m.id),
        email: m.email.clone(),
        role: workspaces::parse_role(&m.role)?,
        status: status(m, now()),
        invited_by: inviter,
        created_at: utc(m.created_at),
        expires_at: utc(m.expires_at),
        link,
        emailed: false,
    })
}

/// Invites `email` to the workspace with `role`. Only an owner may invite an owner. The answer
/// carries the link (`/invitations/<token>`), which is not stored and cannot be shown again.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn create(
    services: &Services,
    scope: &TenantScope,
    request: InvitationRequest,
) -> Result<InvitationView, AppError> {
    scope.require(Permission::ManageMembers)?;
    let email = parse_email(&request.email).map_err(|e| AppError::validation("email", e))?;
    let role = parse_role(&request.role).map_err(|e| AppError::validation("role", e))?;
    if role == Role::Owner {
        scope.require(Permission::ManageOwners)?;
    }
    let Actor::User {
        id: inviter,
        email: inviter_email,
    } = scope.actor()
    else {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "invitations are sent by a person; sign in to invite",
        ));
    };
    let db = services.db.conn();
    let txn = db.begin().await.ctx("starting a transaction")?;
    let existing = users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(&txn)
        .await
        .ctx("checking existing members")?;
    if let Some(user) = existing
        && workspaces::membership_role(&txn, scope.tenant_id(), UserId::from_uuid(user.id))
            .await?
            .is_some()
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("email: {email} is already a member of this workspace"),
        ));
    }
    let token = random_token("");
    let created = now();
    let ttl = chrono::Duration::from_std(services.auth.invitation_ttl)
        .unwrap_or(chrono::Duration::days(7));
    let model = invitations::ActiveModel {
        id: Set(InvitationId::new().as_uuid()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        email: Set(email.clone()),
        role: Set(role.as_str().to_owned()),
        token_hash: Set(token_hash(&token)),
        invited_by: Set(inviter.as_uuid()),
        created_at: Set(created),
        expires_at: Set(created + ttl),
        accepted_at: Set(None),
        accepted_by: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await
    .ctx("storing an invitation")?;
    audit::record(&txn, scope, Change::new("invitation.created", "invitation", model.id)
        .after(serde_json::json!({ "email": email, "role": role.as_str(), "expires_at": utc(model.expires_at) })))
        .await?;
    txn.commit().await.ctx("committing an invitation")?;
    let link = format!("/invitations/{token}");
    let mut invitation = view(&model, inviter_email.clone(), Some(link.clone()))?;
    if let Some(mailer) = &services.mailer {
        let workspace = workspace_name(services, scope).await?;
        invitation.emailed = send(
            mailer.as_ref(),
            &invitation,
            inviter_email,
            &workspace,
            &link,
        )
        .await;
    }
    Ok(invitation)
}

async fn workspace_name(services: &Services, scope: &TenantScope) -> Result<String, AppError> {
    Ok(tenants::Entity::find_by_id(scope.tenant_id().as_uuid())
        .one(services.db.conn())
        .await
        .ctx("reading a workspace")?
        .map(|t| t.name)
        .unwrap_or_default())
}

/// Emails the invitation. A failure does not undo it: the admin still has the link to copy, and
/// the answer says it was not emailed.
async fn send(
    mailer: &dyn crate::mail::Mailer,
    invitation: &InvitationView,
    inviter: &str,
    workspace: &str,
    link: &str,
) -> bool {
    let url = format!("{}{link}", mailer.public_url().trim_end_matches('/'));
    let email = crate::mail::Email {
        to: invitation.email.clone(),
        subject: format!("{inviter} invited you to {workspace} on Mixpilot"),
        text: format!(
            "{inviter} invited you to join {workspace} on Mixpilot as {role}.\n\n\
             Accept the invitation: {url}\n\n\
             The link works once, until {expires} UTC.\n",
            role = invitation.role.label().to_lowercase(),
            expires = invitation.expires_at.format("%Y-%m-%d %H:%M"),
        ),
    };
    match tokio::time::timeout(std::time::Duration::from_secs(15), mailer.send(email)).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(
                error = format!("{e:#}"),
                "the invitation email was not sent"
            );
            false
        }
        Err(_) => {
            tracing::warn!("the invitation email timed out");
            false
        }
    }
}

/// The workspace's invitations, newest first.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<InvitationView>, AppError> {
    scope.require(Permission::ManageMembers)?;
    let rows = invitations::Entity::find()
        .filter(invitations::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(invitations::Column::CreatedAt)
        .all(db.conn())
        .await
        .ctx("reading invitations")?;
    let inviters: Vec<uuid::Uuid> = rows.iter().map(|r| r.invited_by).collect();
    let names: std::collections::HashMap<uuid::Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(inviters))
        .all(db.conn())
        .await
        .ctx("reading inviters")?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    rows.iter()
        .map(|r| {
            view(
                r,
                names.get(&r.invited_by).cloned().unwrap_or_default(),
                None,
            )
        })
        .collect()
}

/// Revokes a pending invitation: its link stops working.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn revoke(db: &Db, scope: &TenantScope, id: InvitationId) -> Result<(), AppError> {
    scope.require(Permission::ManageMembers)?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let row = invitations::Entity::find_by_id(id.as_uuid())
        .filter(invitations::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .one(&txn)
        .await
        .ctx("reading an invitation")?
        .ok_or_else(|| AppError::not_found("invitation"))?;
    let before = status(&row, now());
    if before != InvitationStatus::Pending {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!("the invitation is {before:?}, not pending").to_lowercase(),
        ));
    }
    invitations::Entity::update_many()
        .col_expr(invitations::Column::RevokedAt, Expr::value(now()))
        .filter(invitations::Column::Id.eq(row.id))
        .exec(&txn)
        .await
        .ctx("revoking an invitation")?;
    audit::record(
        &txn,
        scope,
        Change::new("invitation.revoked", "invitation", row.id)
            .before(
                serde_json::json!({ "email": row.email, "role": row.role, "status": "pending" }),
            )
            .after(serde_json::json!({ "status": "revoked" })),
    )
    .await?;
    txn.commit().await.ctx("committing a revocation")?;
    Ok(())
}

async fn find_usable<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<invitations::Model, AppError> {
    let row = invitations::Entity::find()
        .filter(invitations::Column::TokenHash.eq(token_hash(token)))
        .one(conn)
        .await
        .ctx("reading an invitation")?
        .ok_or_else(|| AppError::not_found("invitation"))?;
    match status(&row, now()) {
        InvitationStatus::Pending => Ok(row),
        InvitationStatus::Accepted => Err(AppError::new(
            ErrorCode::Conflict,
            "this invitation has already been used",
        )),
        InvitationStatus::Expired => Err(AppError::new(
            ErrorCode::Conflict,
            "this invitation has expired; ask for a new one",
        )),
        InvitationStatus::Revoked => Err(AppError::new(
            ErrorCode::Conflict,
            "this invitation was withdrawn",
        )),
    }
}

/// What an invitation link offers: for the page the link opens, before anyone signs in.
#[tracing::instrument(skip_all)]
pub async fn preview(db: &Db, token: &str) -> Result<InvitationPreview, AppError> {
    let row = find_usable(db.conn(), token).await?;
    let workspace = tenants::Entity::find_by_id(row.tenant_id)
        .one(db.conn())
        .await
        .ctx("reading a workspace")?
        .ok_or_else(|| AppError::not_found("invitation"))?;
    Ok(InvitationPreview {
        workspace: workspace.name,
        email: row.email,
        role: workspaces::parse_role(&row.role)?,
        expires_at: utc(row.expires_at),
    })
}

/// A signed-in person accepts an invitation addressed to their email address.
#[tracing::instrument(skip_all)]
pub async fn accept(
    db: &Db,
    principal: &Principal,
    token: &str,
) -> Result<WorkspaceView, AppError> {
    let (user, email) = principal.require_user()?;
    let actor = Actor::User {
        id: user,
        email: email.to_owned(),
    };
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let workspace = accept_in(&txn, token, user, email, &actor).await?;
    txn.commit().await.ctx("committing an acceptance")?;
    Ok(workspace)
}

/// Uses up the invitation (once: a concurrent acceptance loses) and adds the membership, inside
/// the caller's transaction.
pub(crate) async fn accept_in<C: ConnectionTrait>(
    conn: &C,
    token: &str,
    user: UserId,
    email: &str,
    actor: &Actor,
) -> Result<WorkspaceView, AppError> {
    let row = find_usable(conn, token).await?;
    if row.email != email {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            format!(
                "this invitation is for {}; sign in with that address to accept it",
                row.email
            ),
        ));
    }
    let tenant = TenantId::from_uuid(row.tenant_id);
    if workspaces::membership_role(conn, tenant, user)
        .await?
        .is_some()
    {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "you are already a member of this workspace",
        ));
    }
    let at = now();
    let used = invitations::Entity::update_many()
        .col_expr(invitations::Column::AcceptedAt, Expr::value(at))
        .col_expr(invitations::Column::AcceptedBy, Expr::value(user.as_uuid()))
        .filter(invitations::Column::Id.eq(row.id))
        .filter(invitations::Column::AcceptedAt.is_null())
        .filter(invitations::Column::RevokedAt.is_null())
        .filter(invitations::Column::ExpiresAt.gt(at))
        .exec(conn)
        .await
        .ctx("using up an invitation")?;
    if used.rows_affected != 1 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "this invitation has already been used",
        ));
    }
    let role = workspaces::parse_role(&row.role)?;
    workspaces::add_member(conn, tenant, user, role).await?;
    audit::record_as(
        conn,
        tenant,
        actor,
        Change::new("invitation.accepted", "invitation", row.id)
            .after(serde_json::json!({ "email": email, "role": role.as_str() })),
    )
    .await?;
    workspaces::view_of(conn, tenant, role, Access::Member).await
}
