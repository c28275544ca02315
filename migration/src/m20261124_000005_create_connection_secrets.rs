//! What connecting an ad platform needs beyond migration 4: the grant's tokens, encrypted
//! (AES-256-GCM, never readable through the API), the pending OAuth authorizations (state and
//! PKCE verifier), the sync a connection is running, and the budgets written to sandbox
//! connections.

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
                    .table(ConnectionSecrets::Table)
                    .if_not_exists()
                    .col(pk_uuid(ConnectionSecrets::ConnectionId))
                    .col(uuid(ConnectionSecrets::TenantId))
                    // nonce (12 bytes) || ciphertext || tag, AES-256-GCM; the connection ID is
                    // the associated data, so a secret cannot be moved to another connection.
                    .col(blob(ConnectionSecrets::Ciphertext))
                    .col(timestamp_with_time_zone_null(ConnectionSecrets::ExpiresAt))
                    .col(timestamp_with_time_zone(ConnectionSecrets::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_connection_secrets_connection",
                        (ConnectionSecrets::Table, ConnectionSecrets::ConnectionId),
                        (Connections::Table, Connections::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_connection_secrets_tenant",
                        (ConnectionSecrets::Table, ConnectionSecrets::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OauthStates::Table)
                    .if_not_exists()
                    // SHA-256 of the state sent to the platform.
                    .col(string_len(OauthStates::StateHash, 64).primary_key())
                    .col(uuid(OauthStates::TenantId))
                    .col(uuid(OauthStates::UserId))
                    .col(string(OauthStates::Platform))
                    // The PKCE verifier, encrypted like the tokens.
                    .col(blob(OauthStates::Verifier))
                    // Set when the authorization re-connects an existing connection.
                    .col(uuid_null(OauthStates::ConnectionId))
                    .col(timestamp_with_time_zone(OauthStates::ExpiresAt))
                    .col(timestamp_with_time_zone(OauthStates::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_oauth_states_tenant",
                        (OauthStates::Table, OauthStates::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        // The sync a connection is running (its job) and how far it got, for the UI.
        manager
            .alter_table(
                Table::alter()
                    .table(Connections::Table)
                    .add_column(uuid_null(Connections::SyncJobId))
                    .to_owned(),
            )
            .await?;

        // What a budget write needs: the object that owns the budget (a shared budget or an ad
        // set can differ from the campaign), and the platform's status.
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .add_column(string_null(Campaigns::BudgetExternalId))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Campaigns::Table)
                    .add_column(string_null(Campaigns::Status))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SandboxBudgets::Table)
                    .if_not_exists()
                    .col(pk_uuid(SandboxBudgets::Id))
                    .col(uuid(SandboxBudgets::TenantId))
                    .col(uuid(SandboxBudgets::ConnectionId))
                    .col(string(SandboxBudgets::CampaignExternalId))
                    .col(date(SandboxBudgets::Effective))
                    .col(big_integer(SandboxBudgets::AmountMinor))
                    .col(timestamp_with_time_zone(SandboxBudgets::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_sandbox_budgets_connection",
                        (SandboxBudgets::Table, SandboxBudgets::ConnectionId),
                        (Connections::Table, Connections::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_sandbox_budgets_tenant",
                        (SandboxBudgets::Table, SandboxBudgets::TenantId),
                        (Tenants::Table, Tenants::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sandbox_budgets_connection")
                    .table(SandboxBudgets::Table)
                    .col(SandboxBudgets::ConnectionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SandboxBudgets::Table.into_iden(),
            OauthStates::Table.into_iden(),
            ConnectionSecrets::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        for column in [Campaigns::BudgetExternalId, Campaigns::Status] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Campaigns::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Connections::Table)
                    .drop_column(Connections::SyncJobId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Connections {
    Table,
    Id,
    SyncJobId,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    BudgetExternalId,
    Status,
}

#[derive(DeriveIden)]
enum ConnectionSecrets {
    Table,
    ConnectionId,
    TenantId,
    Ciphertext,
    ExpiresAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    StateHash,
    TenantId,
    UserId,
    Platform,
    Verifier,
    ConnectionId,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SandboxBudgets {
    Table,
    Id,
    TenantId,
    ConnectionId,
    CampaignExternalId,
    Effective,
    AmountMinor,
    CreatedAt,
}
