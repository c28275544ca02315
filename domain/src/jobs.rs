//! Job payloads: what producers put on the queue and workers take off it. They are named as
//! nouns (`RunDiagnostic`); their handlers, in `worker`, are verbs (`run_diagnostic`). A payload
//! carries IDs, not data: the handler reads the current state from the database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::JobId;

/// Run the diagnostic job recorded as `job_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDiagnostic {
    pub job_id: JobId,
    pub enqueued_at: DateTime<Utc>,
}

/// Every job the queue carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Job {
    RunDiagnostic(RunDiagnostic),
}
