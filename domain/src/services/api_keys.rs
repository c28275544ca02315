//! API keys: a workspace's credentials for scripts and integrations. Each key has a role, is
//! shown once, is stored as a SHA-256 hash, and can be revoked.
//!
//! A key is bound to its creator: it works only while the person who created it could still
//! create it, that is while they hold, in the key's workspace (directly or through its agency),
//! a role that manages API keys, and an owner's role for an owner key. A creator who leaves the
//! workspace or becomes a strategist, approver or viewer stops their keys at once; should they
//! get the role back, the keys work again (revoke a key to end it for good).

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::authz::{Permission, Role};
use crate::db::Db;
use crate::dto::accounts::parse_role;
use crate::dto::workspaces::{ApiKeyCreated, ApiKeyRequest, ApiKeyView};
use crate::entities::{api_keys, tenants, users};
use crate::error::{AppError, ErrorCode};
use crate::ids::{ApiKeyId, TenantId, UserId};
use crate::scope::{Actor, Principal, PrincipalKind, TenantScope};
use crate::services::audit::{self, Change};
use crate::services::auth::{random_token, token_hash};
use crate::services::{DbContext as _, now, utc, workspaces};

/// Every key starts with this, so secret scanners can recognize leaked keys.
pub const KEY_PREFIX: &str = "mpk_";

/// How often `last_used_at` is written, at most: a busy key does not write on every request.
const LAST_USED_RESOLUTION: Duration = Duration::minutes(1);

fn view(m: &api_keys::Model, creator: String) -> Result<ApiKeyView, AppError> {
    Ok(ApiKeyView {
        id: ApiKeyId::from_uuid(m.id),
        name: m.name.clone(),
        role: workspaces::parse_role(&m.role)?,
        prefix: m.prefix.clone(),
        created_by: creator,
        created_at: utc(m.created_at),
        last_used_at: m.last_used_at.map(utc),
        revoked_at: m.revoked_at.map(utc),
    })
}

/// Creates a key with `role`. Only an owner may create an owner key. The secret is in the
/// answer, once.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn create(
    db: &Db,
    scope: &TenantScope,
    request: ApiKeyRequest,
) -> Result<ApiKeyCreated, AppError> {
    scope.require(Permission::ManageApiKeys)?;
    let name = request.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::validation(
            "name",
            "must be between 1 and 80 characters",
        ));
    }
    let role = parse_role(&request.role).map_err(|e| AppError::validation("role", e))?;
    if role == Role::Owner {
        scope.require(Permission::ManageOwners)?;
    }
    let Actor::User { id: creator, email } = scope.actor() else {
        return Err(AppError::new(
            ErrorCode::Forbidden,
            "API keys are created by a person; sign in to create one",
        ));
    };
    let secret = random_token(KEY_PREFIX);
    let prefix: String = secret.chars().take(KEY_PREFIX.len() + 6).collect();
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let model = api_keys::ActiveModel {
        id: Set(ApiKeyId::new().as_uuid()),
        tenant_id: Set(scope.tenant_id().as_uuid()),
        name: Set(name.clone()),
        role: Set(role.as_str().to_owned()),
        prefix: Set(prefix.clone()),
        key_hash: Set(token_hash(&secret)),
        created_by: Set(creator.as_uuid()),
        created_at: Set(now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await
    .ctx("storing an API key")?;
    audit::record(
        &txn,
        scope,
        Change::new("api_key.created", "api_key", model.id)
            .after(serde_json::json!({ "name": name, "role": role.as_str(), "prefix": prefix })),
    )
    .await?;
    txn.commit().await.ctx("committing an API key")?;
    Ok(ApiKeyCreated {
        key: view(&model, email.clone())?,
        secret,
    })
}

/// The workspace's keys, newest first, revoked ones included.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<ApiKeyView>, AppError> {
    scope.require(Permission::ManageApiKeys)?;
    let rows = api_keys::Entity::find()
        .filter(api_keys::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(api_keys::Column::CreatedAt)
        .all(db.conn())
        .await
        .ctx("reading API keys")?;
    let creators: std::collections::HashMap<uuid::Uuid, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|r| r.created_by).collect::<Vec<_>>()))
        .all(db.conn())
        .await
        .ctx("reading key creators")?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    rows.iter()
        .map(|r| view(r, creators.get(&r.created_by).cloned().unwrap_or_default()))
        .collect()
}

/// Revokes a key: it stops working at once.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn revoke(db: &Db, scope: &TenantScope, id: ApiKeyId) -> Result<(), AppError> {
    scope.require(Permission::ManageApiKeys)?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let row = api_keys::Entity::find_by_id(id.as_uuid())
        .filter(api_keys::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .one(&txn)
        .await
        .ctx("reading an API key")?
        .ok_or_else(|| AppError::not_found("API key"))?;
    if row.revoked_at.is_some() {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "the API key is already revoked",
        ));
    }
    let at = now();
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(at))
        .filter(api_keys::Column::Id.eq(row.id))
        .exec(&txn)
        .await
        .ctx("revoking an API key")?;
    audit::record(
        &txn,
        scope,
        Change::new("api_key.revoked", "api_key", row.id)
            .before(serde_json::json!({ "name": row.name, "role": row.role, "revoked_at": null }))
            .after(serde_json::json!({ "revoked_at": utc(at) })),
    )
    .await?;
    txn.commit().await.ctx("committing a revocation")?;
    Ok(())
}

/// Turns a key's secret into a principal for its workspace, and notes when it was last used.
#[tracing::instrument(skip_all)]
pub async fn authenticate(db: &Db, secret: &str) -> Result<Principal, AppError> {
    let refused = || {
        AppError::new(
            ErrorCode::Unauthenticated,
            "the API key is not valid or was revoked",
        )
    };
    if !secret.starts_with(KEY_PREFIX) {
        return Err(refused());
    }
    let row = api_keys::Entity::find()
        .filter(api_keys::Column::KeyHash.eq(token_hash(secret)))
        .filter(api_keys::Column::RevokedAt.is_null())
        .one(db.conn())
        .await
        .ctx("looking up an API key")?
        .ok_or_else(refused)?;
    let tenant = TenantId::from_uuid(row.tenant_id);
    let role = workspaces::parse_role(&row.role)?;
    let creator = creator_role(db, tenant, UserId::from_uuid(row.created_by)).await?;
    let may_hold = creator.is_some_and(|r| {
        r.can(Permission::ManageApiKeys) && (role != Role::Owner || r.can(Permission::ManageOwners))
    });
    if !may_hold {
        return Err(AppError::new(
            ErrorCode::Unauthenticated,
            "the API key's creator no longer has a role that may hold it (they left the workspace or lost the role); create a new key",
        ));
    }
    let at = now();
    if row
        .last_used_at
        .is_none_or(|t| at - t > LAST_USED_RESOLUTION)
    {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(at))
            .filter(api_keys::Column::Id.eq(row.id))
            .exec(db.conn())
            .await
            .ctx("noting an API key's use")?;
    }
    Ok(Principal::new(PrincipalKind::ApiKey {
        id: ApiKeyId::from_uuid(row.id),
        name: row.name,
        tenant,
        role,
    }))
}

/// The role `user` holds in `tenant`: their membership, or their membership of its agency.
async fn creator_role(db: &Db, tenant: TenantId, user: UserId) -> Result<Option<Role>, AppError> {
    if let Some(role) = workspaces::membership_role(db.conn(), tenant, user).await? {
        return Ok(Some(role));
    }
    let parent = tenants::Entity::find_by_id(tenant.as_uuid())
        .one(db.conn())
        .await
        .ctx("reading a workspace")?
        .and_then(|t| t.parent_id);
    match parent {
        Some(agency) => {
            workspaces::membership_role(db.conn(), TenantId::from_uuid(agency), user).await
        }
        None => Ok(None),
    }
}
