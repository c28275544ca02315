//! The durable queue, on SQLite or Redis.

use std::str::FromStr;
use std::time::Duration;

use apalis::prelude::TaskSink;
use apalis_redis::{ConnectionManager, RedisStorage};
use apalis_sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions, SqliteStorage};
use domain::jobs::Job;
use domain::queue::{JobQueue, QueueError};
use futures::FutureExt;
use futures::future::BoxFuture;

/// How often a worker tells the queue it is alive.
const HEARTBEAT: Duration = Duration::from_secs(10);
/// After this many missed heartbeats, a worker is presumed dead and its jobs go back to the
/// queue for another worker.
const MISSED_HEARTBEATS: usize = 3;

/// Where the queue lives.
#[derive(Clone, Debug)]
pub enum QueueConfig {
    /// A SQLite file (the embedded default), as a `sqlite://…` URL.
    Sqlite { url: String },
    /// A Redis server. Every key starts with `namespace`, so several deployments (or tests) can
    /// share one server.
    Redis { url: String, namespace: String },
}

/// Why the queue could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum QueueConnectError {
    #[error("invalid SQLite queue URL: {0}")]
    SqliteUrl(#[source] apalis_sqlite::SqlxError),
    #[error("cannot open the SQLite queue: {0}")]
    Sqlite(#[source] apalis_sqlite::Error),
    #[error("cannot connect to Redis: {0}")]
    Redis(#[source] apalis_redis::RedisError),
}

/// The connection the queue lives on. Typed storages (one per job type, see
/// [`crate::registry`]) are cheap views over it, made where they are used.
#[derive(Clone)]
pub(crate) enum Backend {
    Sqlite {
        pool: SqlitePool,
    },
    Redis {
        conn: ConnectionManager,
        namespace: String,
    },
}

impl Backend {
    /// The configuration of one queue on SQLite.
    pub(crate) fn sqlite_config(name: &str) -> apalis_sqlite::Config {
        apalis_sqlite::Config::default()
            .queue(format!("mixpilot::{name}"))
            .heartbeat_interval(HEARTBEAT)
            .missed_heartbeats(MISSED_HEARTBEATS)
    }

    /// The configuration of one queue on Redis, under the deployment's namespace.
    pub(crate) fn redis_config(namespace: &str, name: &str) -> apalis_redis::Config {
        apalis_redis::Config::default()
            .queue(format!("{namespace}:{name}"))
            .heartbeat_interval(HEARTBEAT)
            .missed_heartbeats(MISSED_HEARTBEATS)
    }
}

/// The queue. Cheap to clone.
#[derive(Clone)]
pub struct Queue {
    pub(crate) backend: Backend,
}

impl std::fmt::Debug for Queue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Queue").field("kind", &self.kind()).finish()
    }
}

impl Queue {
    /// Opens (and on SQLite, creates and migrates) the queue, failing within `timeout`.
    pub async fn connect(
        config: &QueueConfig,
        timeout: Duration,
    ) -> Result<Self, QueueConnectError> {
        match config {
            QueueConfig::Sqlite { url } => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(QueueConnectError::SqliteUrl)?
                    .create_if_missing(true)
                    .busy_timeout(Duration::from_secs(5));
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .acquire_timeout(timeout)
                    .connect_with(options)
                    .await
                    .map_err(|e| QueueConnectError::Sqlite(e.into()))?;
                SqliteStorage::setup(&pool)
                    .await
                    .map_err(QueueConnectError::Sqlite)?;
                Ok(Self {
                    backend: Backend::Sqlite { pool },
                })
            }
            QueueConfig::Redis { url, namespace } => {
                let conn = tokio::time::timeout(timeout, apalis_redis::connect(url.as_str()))
                    .await
                    .map_err(|_| {
                        QueueConnectError::Redis(apalis_redis::RedisError::from(
                            std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out"),
                        ))
                    })?
                    .map_err(QueueConnectError::Redis)?;
                Ok(Self {
                    backend: Backend::Redis {
                        conn,
                        namespace: namespace.clone(),
                    },
                })
            }
        }
    }

    /// Closes the connection pool (SQLite); Redis connections close when dropped.
    pub async fn close(&self) {
        if let Backend::Sqlite { pool, .. } = &self.backend {
            pool.close().await;
        }
    }
}

fn queue_error(e: impl std::error::Error + Send + Sync + 'static) -> QueueError {
    QueueError(Box::new(e))
}

impl JobQueue for Queue {
    fn enqueue(&self, job: Job) -> BoxFuture<'_, Result<(), QueueError>> {
        macro_rules! push {
            ($($variant:ident($payload:ty) => $queue:literal, $workers:literal, $handler:path;)*) => {
                async move {
                    match job {
                        $(Job::$variant(j) => match &self.backend {
                            Backend::Sqlite { pool } => SqliteStorage::<$payload>::new(pool)
                                .with_config(Backend::sqlite_config($queue))
                                .push(j)
                                .await
                                .map_err(queue_error),
                            Backend::Redis { conn, namespace } => {
                                RedisStorage::<$payload>::new(conn.clone())
                                    .with_config(Backend::redis_config(namespace, $queue))
                                    .push(j)
                                    .await
                                    .map_err(queue_error)
                            }
                        },)*
                    }
                }
                .boxed()
            };
        }
        crate::registry::for_each_job!(push)
    }

    fn ping(&self) -> BoxFuture<'_, Result<(), QueueError>> {
        async move {
            match &self.backend {
                Backend::Sqlite { pool, .. } => apalis_sqlite::SqlitePool::acquire(pool)
                    .await
                    .map(drop)
                    .map_err(queue_error),
                Backend::Redis { conn, .. } => {
                    let mut conn = conn.clone();
                    redis_ping(&mut conn).await.map_err(queue_error)
                }
            }
        }
        .boxed()
    }

    fn kind(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite { .. } => "sqlite",
            Backend::Redis { .. } => "redis",
        }
    }
}

async fn redis_ping(conn: &mut ConnectionManager) -> Result<(), apalis_redis::RedisError> {
    use redis::AsyncCommands as _;
    let _: String = conn.ping().await?;
    Ok(())
}
