//! Services: the one code path that REST handlers, server functions and jobs all call.
//!
//! Each function takes the database (and, once accounts land, the tenant scope) first, does one
//! thing, and returns a view or an [`AppError`](crate::AppError).

pub mod diagnostics;
pub mod jobs;
pub mod system;
pub mod tenants;

use std::sync::Arc;

use crate::db::Db;
use crate::queue::JobQueue;

/// What every entry point (REST handler, server function, job) needs to call a service: the
/// database and the queue. Cheap to clone.
#[derive(Clone)]
pub struct Services {
    pub db: Db,
    pub queue: Arc<dyn JobQueue>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("db", &self.db.kind())
            .field("queue", &self.queue.kind())
            .finish()
    }
}
