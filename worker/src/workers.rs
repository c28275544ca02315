//! The worker pool: one apalis worker per job type, under one monitor.

use std::future::Future;
use std::time::Duration;

use apalis::layers::WorkerBuilderExt as _;
use apalis::layers::retry::HasherRng;
use apalis::layers::retry::RetryPolicy;
use apalis::layers::retry::backoff::{ExponentialBackoffMaker, MakeBackoff as _};
use apalis::prelude::{Monitor, WorkerBuilder};
use std::sync::Arc;

use domain::crypto::SecretBox;
use domain::db::Db;
use domain::queue::JobQueue;

use crate::platforms::Platforms;
use crate::queue::{Backend, Queue};
use apalis_redis::RedisStorage;
use apalis_sqlite::SqliteStorage;

/// What every job handler gets besides its payload.
#[derive(Clone)]
pub struct JobContext {
    pub db: Db,
    /// Opens the platform grants the jobs use.
    pub secrets: Arc<SecretBox>,
    /// The platform clients.
    pub platforms: Arc<Platforms>,
    /// `host:pid`, recorded in job results.
    pub worker_name: String,
    /// Where a job puts the jobs that follow it (a fit's plan, a backfill's fit). `None` when
    /// a test drives a handler without a queue: the follow-up work is then left out.
    pub queue: Option<Arc<dyn JobQueue>>,
}

impl JobContext {
    pub fn new(db: Db, secrets: Arc<SecretBox>, platforms: Arc<Platforms>) -> Self {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .unwrap_or_else(|_| "localhost".to_owned());
        Self {
            db,
            secrets,
            platforms,
            worker_name: format!("{host}:{}", std::process::id()),
            queue: None,
        }
    }

    /// The same context, with a queue for follow-up jobs.
    pub fn with_queue(mut self, queue: Arc<dyn JobQueue>) -> Self {
        self.queue = Some(queue);
        self
    }
}

impl std::fmt::Debug for JobContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobContext")
            .field("worker_name", &self.worker_name)
            .field("queue", &self.queue.as_ref().map(|q| q.kind()))
            .finish_non_exhaustive()
    }
}

/// The workers of one process.
pub struct Workers {
    monitor: Monitor,
}

/// How many times a job that failed for a transient reason is tried again.
pub(crate) const RETRIES: usize = 5;

impl Workers {
    /// Builds the workers for every job type on `queue`. `concurrency` bounds the jobs of each
    /// type that run at once in this process; `shutdown_timeout` bounds how long running jobs may
    /// take to finish after a stop signal.
    pub fn new(
        queue: &Queue,
        ctx: JobContext,
        concurrency: usize,
        shutdown_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let backoff = ExponentialBackoffMaker::new(
            Duration::from_millis(500),
            Duration::from_secs(60),
            0.5,
            HasherRng::default(),
        )
        .map_err(|e| anyhow::anyhow!("invalid retry backoff: {e}"))?;
        let ctx = ctx.with_queue(Arc::new(queue.clone()));
        // The same worker definition on either backend; the storages differ in type only.
        macro_rules! register {
            ($monitor:expr, $storage:expr, $name:literal, $handler:path) => {{
                let storage = $storage.clone();
                let ctx = ctx.clone();
                // Unique per process: a worker that dies is recognized by its name, and its
                // jobs go back to the queue when another process's heartbeat finds it silent.
                let process = ctx.worker_name.clone();
                let backoff = backoff.clone();
                $monitor.register(move |run| {
                    WorkerBuilder::new(format!("{}@{process}-{run}", $name))
                        .backend(storage.clone())
                        .data(ctx.clone())
                        .concurrency(concurrency)
                        .retry(
                            RetryPolicy::retries(RETRIES)
                                .with_backoff(backoff.clone().make_backoff()),
                        )
                        .build($handler)
                })
            }};
        }
        let mut monitor = Monitor::new().shutdown_timeout(shutdown_timeout);
        macro_rules! register_all {
            ($($variant:ident($payload:ty) => $queue:literal, $workers:literal, $handler:path;)*) => {
                $(
                    monitor = match &queue.backend {
                        Backend::Sqlite { pool } => register!(
                            monitor,
                            SqliteStorage::<$payload>::new(pool)
                                .with_config(Backend::sqlite_config($queue)),
                            $workers,
                            $handler
                        ),
                        Backend::Redis { conn, namespace } => register!(
                            monitor,
                            RedisStorage::<$payload>::new(conn.clone())
                                .with_config(Backend::redis_config(namespace, $queue)),
                            $workers,
                            $handler
                        ),
                    };
                )*
            };
        }
        crate::registry::for_each_job!(register_all);
        Ok(Self { monitor })
    }

    /// Runs the workers until `stop` resolves, then shuts them down gracefully.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        self.monitor
            .run_with_signal(async move {
                stop.await;
                Ok(())
            })
            .await
            .map_err(|e| anyhow::anyhow!("workers stopped with an error: {e}"))
    }
}
