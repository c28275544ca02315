//! Job runs: the durable record of every background job, read by the API and the UI for
//! progress, and by `/metrics` for jobs by state. The queue (SQLite or Redis) carries the work;
//! this table carries what a person wants to know about it.

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
                    .table(JobRuns::Table)
                    .if_not_exists()
                    .col(pk_uuid(JobRuns::Id))
                    // System jobs (diagnostics) have no tenant; every tenant's job carries one.
                    .col(uuid_null(JobRuns::TenantId))
                    .col(string(JobRuns::Kind))
                    .col(string(JobRuns::Status))
                    .col(small_integer(JobRuns::Progress).default(0))
                    .col(integer(JobRuns::Attempts).default(0))
                    .col(json_binary_null(JobRuns::Result))
                    .col(text_null(JobRuns::Error))
                    .col(timestamp_with_time_zone(JobRuns::CreatedAt))
                    .col(timestamp_with_time_zone_null(JobRuns::StartedAt))
                    .col(timestamp_with_time_zone_null(JobRuns::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_job_runs_tenant")
                            .from(JobRuns::Table, JobRuns::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_runs_tenant_created")
                    .table(JobRuns::Table)
                    .col(JobRuns::TenantId)
                    .col(JobRuns::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_job_runs_status")
                    .table(JobRuns::Table)
                    .col(JobRuns::Status)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(JobRuns::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    TenantId,
    Kind,
    Status,
    Progress,
    Attempts,
    Result,
    Error,
    CreatedAt,
    StartedAt,
    FinishedAt,
}
