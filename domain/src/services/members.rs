//! Members of a workspace and their roles.
//!
//! Invariant: a workspace keeps at least one owner. Every change of a role or removal takes the
//! workspace's row lock first (an update of its row, which PostgreSQL and SQLite both serialize),
//! so two owners demoting each other at the same moment are checked one after the other, and
//! the second sees that only one owner is left.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};

use crate::authz::{Permission, Role};
use crate::db::Db;
use crate::dto::accounts::parse_role;
use crate::dto::workspaces::{MemberUpdateRequest, MemberView};
use crate::entities::{memberships, tenants, users};
use crate::error::{AppError, ErrorCode};
use crate::ids::UserId;
use crate::scope::TenantScope;
use crate::services::audit::{self, Change};
use crate::services::{DbContext as _, utc, workspaces};

/// The workspace's own members, by name. (An agency's members reach its clients through the
/// agency; they are listed on the agency.)
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<MemberView>, AppError> {
    scope.require(Permission::View)?;
    let rows = memberships::Entity::find()
        .filter(memberships::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .find_also_related(users::Entity)
        .all(db.conn())
        .await
        .ctx("reading members")?;
    let mut members = rows
        .into_iter()
        .filter_map(|(m, u)| u.map(|u| (m, u)))
        .map(|(m, u)| {
            Ok(MemberView {
                user_id: UserId::from_uuid(u.id),
                email: u.email,
                name: u.name,
                role: workspaces::parse_role(&m.role)?,
                joined_at: utc(m.created_at),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    members.sort_by(|a, b| {
        a.role
            .cmp(&b.role)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(members)
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    scope: &TenantScope,
    user: UserId,
) -> Result<(memberships::Model, users::Model), AppError> {
    let (m, u) = memberships::Entity::find_by_id((scope.tenant_id().as_uuid(), user.as_uuid()))
        .find_also_related(users::Entity)
        .one(conn)
        .await
        .ctx("reading a member")?
        .ok_or_else(|| AppError::not_found("member"))?;
    let u = u.ok_or_else(|| AppError::not_found("member"))?;
    Ok((m, u))
}

/// Serializes membership changes of the scope's workspace until the transaction ends.
async fn lock_workspace<C: ConnectionTrait>(conn: &C, scope: &TenantScope) -> Result<(), AppError> {
    tenants::Entity::update_many()
        .col_expr(tenants::Column::Name, Expr::col(tenants::Column::Name))
        .filter(tenants::Column::Id.eq(scope.tenant_id().as_uuid()))
        .exec(conn)
        .await
        .ctx("locking a workspace's members")?;
    Ok(())
}

async fn owners<C: ConnectionTrait>(conn: &C, scope: &TenantScope) -> Result<u64, AppError> {
    use sea_orm::PaginatorTrait as _;
    memberships::Entity::find()
        .filter(memberships::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await
        .ctx("counting owners")
}

/// Changes a member's role. Only an owner may make someone an owner or change an owner's role,
/// and the last owner stays an owner.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn change_role(
    db: &Db,
    scope: &TenantScope,
    user: UserId,
    request: MemberUpdateRequest,
) -> Result<MemberView, AppError> {
    scope.require(Permission::ManageMembers)?;
    let role = parse_role(&request.role).map_err(|e| AppError::validation("role", e))?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    lock_workspace(&txn, scope).await?;
    let (m, u) = find(&txn, scope, user).await?;
    let before = workspaces::parse_role(&m.role)?;
    if before == Role::Owner || role == Role::Owner {
        scope.require(Permission::ManageOwners)?;
    }
    if before == Role::Owner && role != Role::Owner && owners(&txn, scope).await? <= 1 {
        return Err(AppError::new(
            ErrorCode::Conflict,
            "role: a workspace keeps at least one owner; make someone else an owner first",
        ));
    }
    if before != role {
        let mut active: memberships::ActiveModel = m.clone().into();
        active.role = Set(role.as_str().to_owned());
        active.update(&txn).await.ctx("changing a role")?;
        audit::record(
            &txn,
            scope,
            Change::new("member.role_changed", "user", user)
                .before(serde_json::json!({ "email": u.email, "role": before.as_str() }))
                .after(serde_json::json!({ "email": u.email, "role": role.as_str() })),
        )
        .await?;
    }
    txn.commit().await.ctx("committing a role change")?;
    Ok(MemberView {
        user_id: user,
        email: u.email,
        name: u.name,
        role,
        joined_at: utc(m.created_at),
    })
}

/// Removes a member from the workspace. Removing an owner takes an owner, and the last owner
/// cannot be removed.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn remove(db: &Db, scope: &TenantScope, user: UserId) -> Result<(), AppError> {
    scope.require(Permission::ManageMembers)?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    lock_workspace(&txn, scope).await?;
    let (m, u) = find(&txn, scope, user).await?;
    let role = workspaces::parse_role(&m.role)?;
    if role == Role::Owner {
        scope.require(Permission::ManageOwners)?;
        if owners(&txn, scope).await? <= 1 {
            return Err(AppError::new(
                ErrorCode::Conflict,
                "a workspace keeps at least one owner; make someone else an owner first",
            ));
        }
    }
    memberships::Entity::delete_by_id((m.tenant_id, m.user_id))
        .exec(&txn)
        .await
        .ctx("removing a member")?;
    audit::record(
        &txn,
        scope,
        Change::new("member.removed", "user", user)
            .before(serde_json::json!({ "email": u.email, "role": role.as_str() })),
    )
    .await?;
    txn.commit().await.ctx("committing a removal")?;
    Ok(())
}
