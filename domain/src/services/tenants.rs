//! Workspaces. Accounts, memberships and the workspace switcher arrive with the accounts work;
//! for now this seeds the demo workspace.

use anyhow::Context as _;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::db::Db;
use crate::entities::tenants;
use crate::error::AppError;
use crate::ids::TenantId;

/// The demo workspace's slug.
pub const DEMO_SLUG: &str = "demo";

/// Creates the demo workspace if it does not exist yet, and returns its ID and name.
#[tracing::instrument(skip_all)]
pub async fn ensure_demo(db: &Db) -> Result<(TenantId, String), AppError> {
    if let Some(existing) = tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(DEMO_SLUG))
        .one(db.conn())
        .await
        .context("looking up the demo workspace")
        .map_err(AppError::internal)?
    {
        return Ok((TenantId::from_uuid(existing.id), existing.name));
    }
    let id = TenantId::new();
    let created = tenants::ActiveModel {
        id: Set(id.as_uuid()),
        name: Set("Acme Outdoor (demo)".to_owned()),
        slug: Set(DEMO_SLUG.to_owned()),
        kind: Set("brand".to_owned()),
        parent_id: Set(None),
        created_at: Set(Utc::now().fixed_offset()),
    }
    .insert(db.conn())
    .await
    .context("creating the demo workspace")
    .map_err(AppError::internal)?;
    Ok((id, created.name))
}
