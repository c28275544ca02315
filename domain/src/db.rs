//! The database handle. Outside this crate the connection is opaque: other crates hold a [`Db`]
//! and call services, and only `migration` (through [`Db::connection`]) sees sea-orm.

use std::time::Duration;

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

/// Which database engine a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseKind {
    /// The embedded default: one file in the data directory.
    Sqlite,
    /// Production.
    Postgres,
}

impl DatabaseKind {
    /// The engine a URL names, from its scheme.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split_once(':').map(|(s, _)| s)?;
        match scheme {
            "sqlite" => Some(Self::Sqlite),
            "postgres" | "postgresql" => Some(Self::Postgres),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL scheme (expected postgres://… or sqlite://…)")]
    UnsupportedScheme,
    #[error("cannot connect to {kind}: {source}", kind = .kind.as_str())]
    Connect {
        kind: DatabaseKind,
        #[source]
        source: sea_orm::DbErr,
    },
}

/// A pooled connection to the application database.
#[derive(Clone, Debug)]
pub struct Db {
    conn: DatabaseConnection,
    kind: DatabaseKind,
}

impl Db {
    /// Opens a pool on `url` and checks it with one round trip, failing within `timeout`.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        timeout: Duration,
    ) -> Result<Self, ConnectError> {
        let kind = DatabaseKind::from_url(url).ok_or(ConnectError::UnsupportedScheme)?;
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections)
            .min_connections(if kind == DatabaseKind::Sqlite { 1 } else { 0 })
            .connect_timeout(timeout)
            .acquire_timeout(timeout)
            .sqlx_logging(false);
        if kind == DatabaseKind::Sqlite {
            options.map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5))
            });
        }
        let conn = Database::connect(options)
            .await
            .map_err(|source| ConnectError::Connect { kind, source })?;
        let db = Self { conn, kind };
        db.ping()
            .await
            .map_err(|source| ConnectError::Connect { kind, source })?;
        Ok(db)
    }

    pub fn kind(&self) -> DatabaseKind {
        self.kind
    }

    /// One round trip, for readiness checks.
    pub async fn ping(&self) -> Result<(), sea_orm::DbErr> {
        self.conn.execute_unprepared("SELECT 1").await.map(|_| ())
    }

    /// The sea-orm connection, for migrations. Application code calls services instead.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub(crate) fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(self) {
        if let Err(e) = self.conn.close().await {
            tracing::warn!(error = %e, "closing the database pool");
        }
    }
}
