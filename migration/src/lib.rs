//! Mixpilot's database migrations.
//!
//! Each migration is a module named `mYYYYMMDD_NNNNNN_what`. A migration that has landed on
//! `main` is never edited: a change to the schema is a new migration. The same migrations run on
//! SQLite (the embedded default) and PostgreSQL (production), so they use sea-query's portable
//! schema builder rather than raw SQL.

pub use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseConnection;

mod m20261123_000001_create_tenants;
mod m20261123_000002_create_job_runs;
mod m20261123_000003_create_accounts;
mod m20261123_000004_create_ad_data;
mod m20261124_000005_create_connection_secrets;
mod m20261207_000006_create_import_rows;
mod m20261207_100006_create_planning;

/// The ordered list of every migration.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tenants::Migration),
            Box::new(m20261123_000002_create_job_runs::Migration),
            Box::new(m20261123_000003_create_accounts::Migration),
            Box::new(m20261123_000004_create_ad_data::Migration),
            Box::new(m20261124_000005_create_connection_secrets::Migration),
            Box::new(m20261207_000006_create_import_rows::Migration),
            Box::new(m20261207_100006_create_planning::Migration),
        ]
    }
}

/// One migration and whether it has been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationState {
    pub name: String,
    pub applied: bool,
}

/// Applies every pending migration, in order.
pub async fn apply_pending(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Lists every migration this build knows, and whether the database has it.
pub async fn states(db: &DatabaseConnection) -> Result<Vec<MigrationState>, DbErr> {
    let applied: std::collections::HashSet<String> = Migrator::get_applied_migrations(db)
        .await?
        .into_iter()
        .map(|m| m.name().to_owned())
        .collect();
    Ok(Migrator::migrations()
        .iter()
        .map(|m| MigrationState {
            name: m.name().to_owned(),
            applied: applied.contains(m.name()),
        })
        .collect())
}
