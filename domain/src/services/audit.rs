//! The audit log: who changed what in a workspace, when, with the values before and after.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::authz::Permission;
use crate::db::Db;
use crate::dto::workspaces::{AuditEntryView, AuditPage};
use crate::entities::audit_log;
use crate::error::AppError;
use crate::ids::{AuditEntryId, TenantId};
use crate::scope::{Actor, TenantScope};
use crate::services::{DbContext as _, now, utc};

/// The most entries one page holds.
pub const MAX_PAGE: u64 = 200;

/// One change, to be recorded.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, target_type: &'a str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_type,
            target_id: target_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, value: impl Serialize) -> Self {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: impl Serialize) -> Self {
        self.after = serde_json::to_value(value).ok();
        self
    }
}

/// Records a change made under `scope`, on the caller's connection or transaction.
pub(crate) async fn record<C: ConnectionTrait>(
    conn: &C,
    scope: &TenantScope,
    change: Change<'_>,
) -> Result<(), AppError> {
    record_as(conn, scope.tenant_id(), scope.actor(), change).await
}

/// Records a change in `tenant` by `actor`, for changes made before a scope exists (sign-up,
/// accepting an invitation).
pub(crate) async fn record_as<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    actor: &Actor,
    change: Change<'_>,
) -> Result<(), AppError> {
    let (user, key) = match actor {
        Actor::User { id, .. } => (Some(id.as_uuid()), None),
        Actor::ApiKey { id, .. } => (None, Some(id.as_uuid())),
        Actor::System { .. } => (None, None),
    };
    audit_log::ActiveModel {
        id: Set(AuditEntryId::new().as_uuid()),
        tenant_id: Set(tenant.as_uuid()),
        actor_user_id: Set(user),
        actor_api_key_id: Set(key),
        actor_label: Set(actor.label()),
        action: Set(change.action.to_owned()),
        target_type: Set(change.target_type.to_owned()),
        target_id: Set(change.target_id),
        before: Set(change.before),
        after: Set(change.after),
        created_at: Set(now()),
    }
    .insert(conn)
    .await
    .ctx("recording an audit entry")?;
    Ok(())
}

/// A page of the workspace's audit log, newest first, older than `before` when given.
#[tracing::instrument(skip_all, fields(tenant_id = %scope.tenant_id()))]
pub async fn list(
    db: &Db,
    scope: &TenantScope,
    before: Option<AuditEntryId>,
    limit: Option<u64>,
) -> Result<AuditPage, AppError> {
    scope.require(Permission::ReadAudit)?;
    let limit = limit.unwrap_or(50).clamp(1, MAX_PAGE);
    let mut query = audit_log::Entity::find()
        .filter(audit_log::Column::TenantId.eq(scope.tenant_id().as_uuid()))
        .order_by_desc(audit_log::Column::Id)
        .limit(limit + 1);
    if let Some(before) = before {
        query = query.filter(audit_log::Column::Id.lt(before.as_uuid()));
    }
    let mut rows = query.all(db.conn()).await.ctx("reading the audit log")?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next_before = if more {
        rows.last().map(|r| AuditEntryId::from_uuid(r.id))
    } else {
        None
    };
    Ok(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntryView {
                id: AuditEntryId::from_uuid(r.id),
                at: utc(r.created_at),
                actor: r.actor_label,
                action: r.action,
                target_type: r.target_type,
                target_id: r.target_id,
                before: r.before,
                after: r.after,
            })
            .collect(),
        next_before,
    })
}
