//! The queue as services see it. `worker` implements [`JobQueue`] on SQLite (embedded) and Redis
//! (production); services only enqueue.

use futures_core::future::BoxFuture;

use crate::jobs::Job;

/// Why a job could not be put on the queue.
#[derive(Debug, thiserror::Error)]
#[error("queue unavailable: {0}")]
pub struct QueueError(#[source] pub Box<dyn std::error::Error + Send + Sync>);

/// Something that takes jobs for the workers.
pub trait JobQueue: Send + Sync + 'static {
    /// Puts a job on the queue. When this returns `Ok`, the job is durable.
    fn enqueue(&self, job: Job) -> BoxFuture<'_, Result<(), QueueError>>;

    /// One round trip to the queue's store, for readiness checks.
    fn ping(&self) -> BoxFuture<'_, Result<(), QueueError>>;

    /// `sqlite` or `redis`.
    fn kind(&self) -> &'static str;
}
