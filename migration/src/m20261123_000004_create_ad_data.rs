//! Ad data: connections to ad platforms (and the CSV import), their ad accounts, campaigns, and
//! daily metrics. Money is integer minor units next to an ISO 4217 currency.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Connections::Table)
                    .if_not_exists()
                    .col(pk_uuid(Connections::Id))
                    .col(uuid(Connections::TenantId))
                    // google_ads, meta, linkedin, microsoft_ads, tiktok, sandbox or csv.
                    .col(string(Connections::Platform))
                    // active, syncing, needs_reauth or error.
                    .col(string(Connections::Status))
                    .col(string(Connections::DisplayName))
                    .col(text_null(Connections::StatusMessage))
                    .col(timestamp_with_time_zone_null(Connections::LastSyncAt))
                    .col(timestamp_with_time_zone(Connections::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_connections_tenant",
                        (Connections::Table, Connections::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_connections_tenant_platform")
                    .table(Connections::Table)
                    .col(Connections::TenantId)
                    .col(Connections::Platform)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AdAccounts::Table)
                    .if_not_exists()
                    .col(pk_uuid(AdAccounts::Id))
                    .col(uuid(AdAccounts::TenantId))
                    .col(uuid(AdAccounts::ConnectionId))
                    .col(string(AdAccounts::ExternalId))
                    .col(string(AdAccounts::Name))
                    .col(string_len(AdAccounts::Currency, 3))
                    .col(string(AdAccounts::TimeZone))
                    .col(timestamp_with_time_zone(AdAccounts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_ad_accounts_tenant",
                        (AdAccounts::Table, AdAccounts::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_ad_accounts_connection",
                        (AdAccounts::Table, AdAccounts::ConnectionId),
                        (Connections::Table, Connections::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_ad_accounts_connection_external")
                    .table(AdAccounts::Table)
                    .col(AdAccounts::ConnectionId)
                    .col(AdAccounts::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .if_not_exists()
                    .col(pk_uuid(Campaigns::Id))
                    .col(uuid(Campaigns::TenantId))
                    .col(uuid(Campaigns::AdAccountId))
                    .col(string(Campaigns::ExternalId))
                    .col(string(Campaigns::Name))
                    // The channel taxonomy: search, social, display, video, ...
                    .col(string(Campaigns::Channel))
                    // campaign, shared_budget, ad_set or none (a CSV import has no budget).
                    .col(string(Campaigns::BudgetOwner))
                    .col(big_integer_null(Campaigns::DailyBudgetMinor))
                    .col(timestamp_with_time_zone(Campaigns::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_campaigns_tenant",
                        (Campaigns::Table, Campaigns::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_campaigns_ad_account",
                        (Campaigns::Table, Campaigns::AdAccountId),
                        (AdAccounts::Table, AdAccounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_campaigns_account_external")
                    .table(Campaigns::Table)
                    .col(Campaigns::AdAccountId)
                    .col(Campaigns::ExternalId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MetricsDaily::Table)
                    .if_not_exists()
                    .col(uuid(MetricsDaily::CampaignId))
                    // The day in the ad account's time zone.
                    .col(date(MetricsDaily::Date))
                    .col(uuid(MetricsDaily::TenantId))
                    .col(big_integer(MetricsDaily::SpendMinor))
                    .col(string_len(MetricsDaily::Currency, 3))
                    .col(big_integer(MetricsDaily::Impressions))
                    .col(big_integer(MetricsDaily::Clicks))
                    // Attributed conversions can be fractional.
                    .col(double(MetricsDaily::Conversions))
                    .col(big_integer(MetricsDaily::ConversionValueMinor))
                    .col(timestamp_with_time_zone(MetricsDaily::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(MetricsDaily::CampaignId)
                            .col(MetricsDaily::Date),
                    )
                    .foreign_key(&mut fk(
                        "fk_metrics_daily_campaign",
                        (MetricsDaily::Table, MetricsDaily::CampaignId),
                        (Campaigns::Table, Campaigns::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_metrics_daily_tenant",
                        (MetricsDaily::Table, MetricsDaily::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_metrics_daily_tenant_date")
                    .table(MetricsDaily::Table)
                    .col(MetricsDaily::TenantId)
                    .col(MetricsDaily::Date)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MetricsDaily::Table.into_iden(),
            Campaigns::Table.into_iden(),
            AdAccounts::Table.into_iden(),
            Connections::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
    TenantId,
    Platform,
    Status,
    DisplayName,
    StatusMessage,
    LastSyncAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AdAccounts {
    Table,
    Id,
    TenantId,
    ConnectionId,
    ExternalId,
    Name,
    Currency,
    TimeZone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    TenantId,
    AdAccountId,
    ExternalId,
    Name,
    Channel,
    BudgetOwner,
    DailyBudgetMinor,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MetricsDaily {
    Table,
    CampaignId,
    Date,
    TenantId,
    SpendMinor,
    Currency,
    Impressions,
    Clicks,
    Conversions,
    ConversionValueMinor,
    UpdatedAt,
}
