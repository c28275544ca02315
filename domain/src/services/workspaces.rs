//! Workspaces: admitting a caller to one (the [`TenantScope`]), the list behind the workspace
//! switcher, renaming, and an agency's client workspaces.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use crate::authz::{Permission, Role};
use crate::db::Db;
use crate::dto::workspaces::{
    Access, WorkspaceKind, WorkspaceRef, WorkspaceRequest, WorkspaceView, parse_workspace_name,
};
use crate::entities::{memberships, tenants};
use crate::error::{AppError, ErrorCode};
use crate::ids::{TenantId, UserId};
use crate::scope::{Principal, PrincipalKind, TenantScope};
use crate::services::audit::{self, Change};
use crate::services::{DbContext as _, now, utc};

/// Admits `principal` to workspace `tenant`: through a membership of the workspace, a
/// membership of its managing agency, or an API key of the workspace. Anything else, including
/// a workspace that does not exist, is `not_found`: a caller cannot tell another tenant's
/// workspace from no workspace.
#[tracing::instrument(skip_all, fields(tenant_id = %tenant))]
pub async fn scope(
    db: &Db,
    principal: &Principal,
    tenant: TenantId,
) -> Result<TenantScope, AppError> {
    let not_found = || AppError::not_found("workspace");
    match principal.kind() {
        PrincipalKind::ApiKey {
            tenant: own, role, ..
        } => {
            if *own == tenant {
                Ok(TenantScope::admit(principal, tenant, *role, Access::ApiKey))
            } else {
                Err(not_found())
            }
        }
        PrincipalKind::User { id, .. } => {
            let workspace = tenants::Entity::find_by_id(tenant.as_uuid())
                .one(db.conn())
                .await
                .ctx("reading a workspace")?
                .ok_or_else(not_found)?;
            if let Some(role) = membership_role(db.conn(), tenant, *id).await? {
                return Ok(TenantScope::admit(principal, tenant, role, Access::Member));
            }
            if let Some(agency) = workspace.parent_id
                && let Some(role) =
                    membership_role(db.conn(), TenantId::from_uuid(agency), *id).await?
            {
                return Ok(TenantScope::admit(principal, tenant, role, Access::Agency));
            }
            Err(not_found())
        }
    }
}

pub(crate) async fn membership_role<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<Role>, AppError> {
    let row = memberships::Entity::find_by_id((tenant.as_uuid(), user.as_uuid()))
        .one(conn)
        .await
        .ctx("reading a membership")?;
    row.map(|m| parse_role(&m.role)).transpose()
}

pub(crate) fn parse_role(s: &str) -> Result<Role, AppError> {
    Role::parse(s)
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("unknown role {s:?} in the database")))
}

fn parse_kind(s: &str) -> Result<WorkspaceKind, AppError> {
    WorkspaceKind::parse(s).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "unknown workspace kind {s:?} in the database"
        ))
    })
}

fn view(
    t: &tenants::Model,
    agency: Option<WorkspaceRef>,
    role: Role,
    access: Access,
) -> Result<WorkspaceView, AppError> {
    Ok(WorkspaceView {
        id: TenantId::from_uuid(t.id),
        name: t.name.clone(),
        slug: t.slug.clone(),
        kind: parse_kind(&t.kind)?,
        agency,
        role,
        access,
        created_at: utc(t.created_at),
    })
}

async fn agency_ref<C: ConnectionTrait>(
    conn: &C,
    t: &tenants::Model,
) -> Result<Option<WorkspaceRef>, AppError> {
    let Some(parent) = t.parent_id else {
        return Ok(None);
    };
    let agency = tenants::Entity::find_by_id(parent)
        .one(conn)
        .await
        .ctx("reading an agency")?;
    Ok(agency.map(|a| WorkspaceRef {
        id: TenantId::from_uuid(a.id),
        name: a.name,
    }))
}

/// Every workspace a person can open: their memberships, and the clients of every agency they
/// belong to, sorted by name. API keys see their own workspace.
#[tracing::instrument(skip_all)]
pub async fn list_for(db: &Db, principal: &Principal) -> Result<Vec<WorkspaceView>, AppError> {
    let user = match principal.kind() {
        PrincipalKind::User { id, .. } => *id,
        PrincipalKind::ApiKey { tenant, .. } => {
            let scope = scope(db, principal, *tenant).await?;
            return Ok(vec![get(db, &scope).await?]);
        }
    };
    let memberships = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.as_uuid()))
        .all(db.conn())
        .await
        .ctx("reading memberships")?;
    let roles: HashMap<uuid::Uuid, Role> = memberships
        .iter()
        .map(|m| Ok((m.tenant_id, parse_role(&m.role)?)))
        .collect::<Result<_, AppError>>()?;
    let ids: Vec<uuid::Uuid> = roles.keys().copied().collect();
    let direct = tenants::Entity::find()
        .filter(tenants::Column::Id.is_in(ids.clone()))
        .all(db.conn())
        .await
        .ctx("reading workspaces")?;
    let clients = tenants::Entity::find()
        .filter(tenants::Column::ParentId.is_in(ids))
        .all(db.conn())
        .await
        .ctx("reading client workspaces")?;
    let mut names: HashMap<uuid::Uuid, String> =
        direct.iter().map(|t| (t.id, t.name.clone())).collect();
    // The agencies of client workspaces the person belongs to directly, in one query.
    let unnamed: Vec<uuid::Uuid> = direct
        .iter()
        .filter_map(|t| t.parent_id)
        .filter(|p| !names.contains_key(p))
        .collect();
    if !unnamed.is_empty() {
        let agencies = tenants::Entity::find()
            .filter(tenants::Column::Id.is_in(unnamed))
            .all(db.conn())
            .await
            .ctx("reading agencies")?;
        names.extend(agencies.into_iter().map(|a| (a.id, a.name)));
    }
    let agency_of = |t: &tenants::Model| {
        let parent = t.parent_id?;
        Some(WorkspaceRef {
            id: TenantId::from_uuid(parent),
            name: names.get(&parent)?.clone(),
        })
    };
    let mut out = Vec::with_capacity(direct.len() + clients.len());
    for t in &direct {
        out.push(view(t, agency_of(t), roles[&t.id], Access::Member)?);
    }
    for c in &clients {
        if roles.contains_key(&c.id) {
            continue; // also a direct member: listed once, with the direct role
        }
        let Some(parent) = c.parent_id else { continue };
        out.push(view(c, agency_of(c), roles[&parent], Access::Agency)?);
    }
    out.sort_by(|a, b| {
        a.name
            .to_lowercase()
            .cmp(&b.name.to_lowercase())
            .then(a.id.cmp(&b.id))
    });
    Ok(out)
}

/// The workspace of `scope`, with the caller's role in it.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn get(db: &Db, scope: &TenantScope) -> Result<WorkspaceView, AppError> {
    scope.require(Permission::View)?;
    view_of(db.conn(), scope.tenant_id(), scope.role(), scope.access()).await
}

/// Workspace `id` as seen with `role` through `access`, with its agency.
pub(crate) async fn view_of<C: ConnectionTrait>(
    conn: &C,
    id: TenantId,
    role: Role,
    access: Access,
) -> Result<WorkspaceView, AppError> {
    let t = find(conn, id).await?;
    let agency = agency_ref(conn, &t).await?;
    view(&t, agency, role, access)
}

async fn find<C: ConnectionTrait>(conn: &C, id: TenantId) -> Result<tenants::Model, AppError> {
    tenants::Entity::find_by_id(id.as_uuid())
        .one(conn)
        .await
        .ctx("reading a workspace")?
        .ok_or_else(|| AppError::not_found("workspace"))
}

/// Renames the workspace.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn rename(
    db: &Db,
    scope: &TenantScope,
    request: WorkspaceRequest,
) -> Result<WorkspaceView, AppError> {
    scope.require(Permission::ManageWorkspace)?;
    let name = parse_workspace_name(&request.name).map_err(|e| AppError::validation("name", e))?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let t = find(&txn, scope.tenant_id()).await?;
    let before = t.name.clone();
    let mut active: tenants::ActiveModel = t.into();
    active.name = Set(name.clone());
    let t = active.update(&txn).await.ctx("renaming a workspace")?;
    audit::record(
        &txn,
        scope,
        Change::new("workspace.renamed", "workspace", scope.tenant_id())
            .before(serde_json::json!({ "name": before }))
            .after(serde_json::json!({ "name": name })),
    )
    .await?;
    txn.commit().await.ctx("committing a rename")?;
    let agency = agency_ref(db.conn(), &t).await?;
    view(&t, agency, scope.role(), scope.access())
}

/// The client workspaces of an agency, sorted by name; a brand has none.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list_clients(db: &Db, scope: &TenantScope) -> Result<Vec<WorkspaceView>, AppError> {
    scope.require(Permission::View)?;
    let agency = find(db.conn(), scope.tenant_id()).await?;
    let agency_ref = WorkspaceRef {
        id: scope.tenant_id(),
        name: agency.name.clone(),
    };
    let clients = tenants::Entity::find()
        .filter(tenants::Column::ParentId.eq(scope.tenant_id().as_uuid()))
        .order_by_asc(tenants::Column::Name)
        .all(db.conn())
        .await
        .ctx("reading client workspaces")?;
    clients
        .iter()
        .map(|c| view(c, Some(agency_ref.clone()), scope.role(), Access::Agency))
        .collect()
}

/// Creates a client workspace under the agency of `scope`. The agency's members reach it
/// through their agency membership; it starts with no members of its own.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn create_client(
    db: &Db,
    scope: &TenantScope,
    request: WorkspaceRequest,
) -> Result<WorkspaceView, AppError> {
    scope.require(Permission::ManageClients)?;
    let name = parse_workspace_name(&request.name).map_err(|e| AppError::validation("name", e))?;
    let txn = db.conn().begin().await.ctx("starting a transaction")?;
    let agency = find(&txn, scope.tenant_id()).await?;
    if parse_kind(&agency.kind)? != WorkspaceKind::Agency {
        return Err(AppError::new(
            ErrorCode::Conflict,
            format!(
                "{} is a brand workspace; only an agency has client workspaces",
                agency.name
            ),
        ));
    }
    let client = insert(&txn, &name, WorkspaceKind::Brand, Some(scope.tenant_id())).await?;
    let after = serde_json::json!({ "name": client.name, "kind": "brand", "agency": agency.name });
    audit::record(
        &txn,
        scope,
        Change::new("client.created", "workspace", client.id).after(&after),
    )
    .await?;
    audit::record_as(
        &txn,
        TenantId::from_uuid(client.id),
        scope.actor(),
        Change::new("workspace.created", "workspace", client.id).after(&after),
    )
    .await?;
    txn.commit().await.ctx("committing a client workspace")?;
    view(
        &client,
        Some(WorkspaceRef {
            id: scope.tenant_id(),
            name: agency.name,
        }),
        scope.role(),
        Access::Agency,
    )
}

/// Inserts a workspace with a unique slug made from its name.
pub(crate) async fn insert<C: ConnectionTrait>(
    conn: &C,
    name: &str,
    kind: WorkspaceKind,
    parent: Option<TenantId>,
) -> Result<tenants::Model, AppError> {
    let id = TenantId::new();
    let suffix: String = id
        .as_uuid()
        .simple()
        .to_string()
        .chars()
        .rev()
        .take(6)
        .collect();
    tenants::ActiveModel {
        id: Set(id.as_uuid()),
        name: Set(name.to_owned()),
        slug: Set(format!("{}-{suffix}", slugify(name))),
        kind: Set(kind.as_str().to_owned()),
        parent_id: Set(parent.map(|p| p.as_uuid())),
        created_at: Set(now()),
    }
    .insert(conn)
    .await
    .ctx("creating a workspace")
}

/// Adds a membership.
pub(crate) async fn add_member<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    user: UserId,
    role: Role,
) -> Result<(), AppError> {
    memberships::ActiveModel {
        tenant_id: Set(tenant.as_uuid()),
        user_id: Set(user.as_uuid()),
        role: Set(role.as_str().to_owned()),
        created_at: Set(now()),
    }
    .insert(conn)
    .await
    .ctx("adding a membership")?;
    Ok(())
}

/// `Acme Outdoor (demo)` becomes `acme-outdoor-demo`.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "workspace".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_keep_letters_and_digits() {
        assert_eq!(super::slugify("Acme Outdoor (demo)"), "acme-outdoor-demo");
        assert_eq!(super::slugify("  Ünïcode!! 42 "), "n-code-42");
        assert_eq!(super::slugify("???"), "workspace");
    }
}
