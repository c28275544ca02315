//! The engine inside the product: versioned goals, the model registry, plans, the Budget Health
//! Index's history, and each workspace's planning settings.
//!
//! Enumerations (objective, budget period and limit, model status, trigger, band) are stored as
//! short strings, read through sea-orm active enums. Money is in minor units of the row's
//! currency. The engine's structured outputs (curves, decomposition, the fitted model itself, a
//! plan's allocation and its inputs) are JSON, written and read only through typed structs.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261123_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn tenant_fk(name: &str, table: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, Alias::new("tenant_id"))
        .to(Tenants::Table, Tenants::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Goals::Table)
                    .if_not_exists()
                    .col(pk_uuid(Goals::Id))
                    .col(uuid(Goals::TenantId))
                    .col(integer(Goals::Version))
                    .col(string_len(Goals::Objective, 32))
                    .col(double_null(Goals::Margin))
                    .col(double_null(Goals::TargetRoas))
                    .col(big_integer_null(Goals::TargetCpaMinor))
                    .col(big_integer(Goals::BudgetMinor))
                    .col(string_len(Goals::Currency, 3))
                    .col(string_len(Goals::BudgetPeriod, 16))
                    .col(string_len(Goals::BudgetLimit, 16))
                    .col(json_binary(Goals::Constraints))
                    .col(string(Goals::CreatedBy))
                    .col(timestamp_with_time_zone(Goals::CreatedAt))
                    .foreign_key(&mut tenant_fk("fk_goals_tenant", Goals::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_goals_tenant_version")
                    .table(Goals::Table)
                    .col(Goals::TenantId)
                    .col(Goals::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ModelVersions::Table)
                    .if_not_exists()
                    .col(pk_uuid(ModelVersions::Id))
                    .col(uuid(ModelVersions::TenantId))
                    .col(integer(ModelVersions::Version))
                    .col(string_len(ModelVersions::Status, 32))
                    .col(string_len(ModelVersions::Outcome, 16))
                    .col(string_len(ModelVersions::Currency, 3))
                    .col(date_null(ModelVersions::DataFrom))
                    .col(date_null(ModelVersions::DataTo))
                    .col(integer(ModelVersions::Days))
                    .col(integer_null(ModelVersions::NeededDays))
                    .col(big_integer(ModelVersions::Seed))
                    .col(string_len(ModelVersions::Trigger, 16))
                    .col(boolean(ModelVersions::GatePassed))
                    .col(text_null(ModelVersions::Reason))
                    .col(json_binary_null(ModelVersions::Metrics))
                    .col(json_binary_null(ModelVersions::Summary))
                    .col(json_binary_null(ModelVersions::Model))
                    .col(uuid_null(ModelVersions::JobId))
                    .col(timestamp_with_time_zone(ModelVersions::CreatedAt))
                    .foreign_key(&mut tenant_fk(
                        "fk_model_versions_tenant",
                        ModelVersions::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_model_versions_tenant_version")
                    .table(ModelVersions::Table)
                    .col(ModelVersions::TenantId)
                    .col(ModelVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Plans::Table)
                    .if_not_exists()
                    .col(pk_uuid(Plans::Id))
                    .col(uuid(Plans::TenantId))
                    .col(uuid(Plans::ModelVersionId))
                    .col(uuid_null(Plans::GoalId))
                    .col(string_len(Plans::Currency, 3))
                    .col(string_len(Plans::Trigger, 16))
                    .col(big_integer(Plans::CurrentSpendMinor))
                    .col(big_integer(Plans::PlannedSpendMinor))
                    .col(double(Plans::CurrentOutcome))
                    .col(double(Plans::ExpectedOutcome))
                    .col(double(Plans::ExpectedGain))
                    .col(json_binary(Plans::Inputs))
                    .col(json_binary(Plans::Body))
                    .col(uuid_null(Plans::JobId))
                    .col(timestamp_with_time_zone(Plans::CreatedAt))
                    .foreign_key(&mut tenant_fk("fk_plans_tenant", Plans::Table))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_plans_tenant_created")
                    .table(Plans::Table)
                    .col(Plans::TenantId)
                    .col(Plans::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(HealthScores::Table)
                    .if_not_exists()
                    .col(pk_uuid(HealthScores::Id))
                    .col(uuid(HealthScores::TenantId))
                    .col(uuid_null(HealthScores::PlanId))
                    .col(double(HealthScores::Score))
                    .col(string_len(HealthScores::Band, 16))
                    .col(double(HealthScores::Green))
                    .col(double(HealthScores::Yellow))
                    .col(double(HealthScores::CurrentValue))
                    .col(double(HealthScores::OptimalValue))
                    .col(string_len(HealthScores::Currency, 3))
                    .col(json_binary(HealthScores::Actions))
                    .col(timestamp_with_time_zone(HealthScores::CreatedAt))
                    .foreign_key(&mut tenant_fk(
                        "fk_health_scores_tenant",
                        HealthScores::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_health_scores_tenant_created")
                    .table(HealthScores::Table)
                    .col(HealthScores::TenantId)
                    .col(HealthScores::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PlanningSettings::Table)
                    .if_not_exists()
                    .col(pk_uuid(PlanningSettings::TenantId))
                    .col(double(PlanningSettings::Green))
                    .col(double(PlanningSettings::Yellow))
                    .col(integer(PlanningSettings::RetrainDays))
                    .col(double(PlanningSettings::MaxTestMape))
                    .col(timestamp_with_time_zone(PlanningSettings::UpdatedAt))
                    .foreign_key(&mut tenant_fk(
                        "fk_planning_settings_tenant",
                        PlanningSettings::Table,
                    ))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PlanningSettings::Table.into_iden(),
            HealthScores::Table.into_iden(),
            Plans::Table.into_iden(),
            ModelVersions::Table.into_iden(),
            Goals::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Goals {
    Table,
    Id,
    TenantId,
    Version,
    Objective,
    Margin,
    TargetRoas,
    TargetCpaMinor,
    BudgetMinor,
    Currency,
    BudgetPeriod,
    BudgetLimit,
    Constraints,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ModelVersions {
    Table,
    Id,
    TenantId,
    Version,
    Status,
    Outcome,
    Currency,
    DataFrom,
    DataTo,
    Days,
    NeededDays,
    Seed,
    Trigger,
    GatePassed,
    Reason,
    Metrics,
    Summary,
    Model,
    JobId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Plans {
    Table,
    Id,
    TenantId,
    ModelVersionId,
    GoalId,
    Currency,
    Trigger,
    CurrentSpendMinor,
    PlannedSpendMinor,
    CurrentOutcome,
    ExpectedOutcome,
    ExpectedGain,
    Inputs,
    Body,
    JobId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum HealthScores {
    Table,
    Id,
    TenantId,
    PlanId,
    Score,
    Band,
    Green,
    Yellow,
    CurrentValue,
    OptimalValue,
    Currency,
    Actions,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlanningSettings {
    Table,
    TenantId,
    Green,
    Yellow,
    RetrainDays,
    MaxTestMape,
    UpdatedAt,
}
