//! A workspace's connections: where its ad data comes from.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait as _, QueryFilter, QueryOrder};

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::ad_data::ConnectionView;
use crate::entities::{ad_accounts, campaigns, connections};
use crate::error::AppError;
use crate::scope::TenantScope;
use crate::services::{DbContext as _, utc};

/// The workspace's connections, oldest first, with how many accounts and campaigns each has.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(db: &Db, scope: &TenantScope) -> Result<Vec<ConnectionView>, AppError> {
    scope.require(Permission::View)?;
    let rows = connections::Entity::find()
        .filter(connections::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_asc(connections::Column::CreatedAt)
        .all(db.conn())
        .await
        .ctx("reading connections")?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let accounts: Vec<uuid::Uuid> = ad_accounts::Entity::find()
            .filter(ad_accounts::Column::TenantId.eq(scope.tenant_id().as_uuid()))
            .filter(ad_accounts::Column::ConnectionId.eq(c.id))
            .all(db.conn())
            .await
            .ctx("reading ad accounts")?
            .into_iter()
            .map(|a| a.id)
            .collect();
        let campaigns = campaigns::Entity::find()
            .filter(campaigns::Column::TenantId.eq(scope.tenant_id().as_uuid()))
            .filter(campaigns::Column::AdAccountId.is_in(accounts.clone()))
            .count(db.conn())
            .await
            .ctx("counting campaigns")?;
        out.push(ConnectionView {
            id: c.id,
            platform: c.platform,
            display_name: c.display_name,
            status: c.status,
            status_message: c.status_message,
            last_sync_at: c.last_sync_at.map(utc),
            created_at: utc(c.created_at),
            ad_accounts: accounts.len() as u64,
            campaigns,
        });
    }
    Ok(out)
}
