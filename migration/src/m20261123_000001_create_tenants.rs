//! Tenants: a brand's or an agency's workspace. An agency owns client workspaces through
//! `parent_id`. Accounts, memberships and roles arrive in their own migrations.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .if_not_exists()
                    .col(pk_uuid(Tenants::Id))
                    .col(string(Tenants::Name))
                    .col(string(Tenants::Slug).unique_key())
                    .col(string(Tenants::Kind))
                    .col(uuid_null(Tenants::ParentId))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_tenants_parent")
                            .from(Tenants::Table, Tenants::ParentId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Tenants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub(crate) enum Tenants {
    Table,
    Id,
    Name,
    Slug,
    Kind,
    ParentId,
    CreatedAt,
}
