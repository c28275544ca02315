//! Mixpilot's background work on apalis.
//!
//! - [`Queue`] puts jobs on a durable queue: SQLite in the embedded default, Redis in production.
//!   It implements [`domain::queue::JobQueue`], so services can enqueue without knowing which.
//! - [`Workers`] runs one apalis worker per job type under one [`apalis::prelude::Monitor`],
//!   which owns graceful shutdown: on a stop signal, workers take no new jobs, and running jobs
//!   finish (or, past the timeout, are left for another worker to pick up after the heartbeat
//!   expires).
//! - [`jobs`] holds the handlers: plain async functions a test can call directly.

pub mod jobs;
pub mod platforms;
mod queue;
mod registry;
pub mod schedule;
mod workers;

pub use platforms::Platforms;
pub use queue::{Queue, QueueConfig, QueueConnectError};
pub use workers::{JobContext, Workers};
