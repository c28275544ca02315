//! The staging table of CSV imports. A file's valid rows are written here in small batches while
//! it is read; the checks across rows (one row per campaign and day, one currency per campaign,
//! a campaign's channel) run here; and only a file with no problem at all is then copied into
//! `metrics_daily`, in bounded transactions. A file with a problem leaves nothing behind.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ImportRows::Table)
                    .if_not_exists()
                    .col(uuid(ImportRows::ImportId))
                    // The row's line in the file (the header is line 1).
                    .col(big_integer(ImportRows::Line))
                    .col(uuid(ImportRows::TenantId))
                    .col(date(ImportRows::Date))
                    .col(string(ImportRows::Channel))
                    .col(string(ImportRows::Campaign))
                    .col(string_len(ImportRows::Currency, 3))
                    .col(big_integer(ImportRows::SpendMinor))
                    .col(big_integer(ImportRows::Impressions))
                    .col(big_integer(ImportRows::Clicks))
                    .col(double(ImportRows::Conversions))
                    .col(big_integer(ImportRows::RevenueMinor))
                    .col(timestamp_with_time_zone(ImportRows::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ImportRows::ImportId)
                            .col(ImportRows::Line),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_import_rows_tenant")
                            .from(ImportRows::Table, ImportRows::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_import_rows_campaign_date")
                    .table(ImportRows::Table)
                    .col(ImportRows::ImportId)
                    .col(ImportRows::Campaign)
                    .col(ImportRows::Date)
                    .col(ImportRows::Line)
                    .to_owned(),
            )
            .await?;
        // A campaign's first row, found by a seek rather than a scan.
        manager
            .create_index(
                Index::create()
                    .name("ix_import_rows_campaign_line")
                    .table(ImportRows::Table)
                    .col(ImportRows::ImportId)
                    .col(ImportRows::Campaign)
                    .col(ImportRows::Line)
                    .to_owned(),
            )
            .await?;
        // Rows left by an import that was cut short, found by age.
        manager
            .create_index(
                Index::create()
                    .name("ix_import_rows_tenant_created")
                    .table(ImportRows::Table)
                    .col(ImportRows::TenantId)
                    .col(ImportRows::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportRows::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ImportRows {
    Table,
    ImportId,
    Line,
    TenantId,
    Date,
    Channel,
    Campaign,
    Currency,
    SpendMinor,
    Impressions,
    Clicks,
    Conversions,
    RevenueMinor,
    CreatedAt,
}
