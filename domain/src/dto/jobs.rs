//! Background jobs as the API and the UI see them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::JobId;

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting in the queue.
    Queued,
    /// A worker is running it.
    Running,
    /// Finished; `result` holds what it produced.
    Succeeded,
    /// Gave up; `error` says why.
    Failed,
}

impl JobStatus {
    pub const ALL: [JobStatus; 4] = [Self::Queued, Self::Running, Self::Succeeded, Self::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the job will change no more.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed)
    }
}

/// What kind of work a job does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    /// Checks that a worker can reach the database, and measures the queue's latency.
    Diagnostic,
    /// Pulls a connection's accounts, campaigns and daily metrics from its platform.
    Sync,
    /// Fits a response-curve model from the workspace's daily metrics.
    FitModel,
    /// Makes a plan and the Budget Health Index from the active model and the goal.
    RunOptimization,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Diagnostic => "diagnostic",
            Self::Sync => "sync",
            Self::FitModel => "fit_model",
            Self::RunOptimization => "run_optimization",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "diagnostic" => Some(Self::Diagnostic),
            "sync" => Some(Self::Sync),
            "fit_model" => Some(Self::FitModel),
            "run_optimization" => Some(Self::RunOptimization),
            _ => None,
        }
    }
}

/// A job run, as returned by `GET /api/v1/jobs/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobView {
    pub id: JobId,
    pub kind: JobKind,
    pub status: JobStatus,
    /// 0 to 100.
    pub progress: u8,
    pub attempts: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub result: Option<serde_json::Value>,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// The answer to a request that started a job: 202 Accepted, with where to follow it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct JobAccepted {
    pub job_id: JobId,
    pub status: JobStatus,
    /// The API path that reports the job's state.
    pub href: String,
}

/// What the diagnostic job found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiagnosticReport {
    /// The worker that ran the job: host name and process id.
    pub worker: String,
    /// Time from enqueue to the worker starting the job, in milliseconds.
    pub queue_latency_ms: f64,
    /// One database round trip from the worker, in milliseconds.
    pub database_round_trip_ms: f64,
    /// The database backend the worker talked to (`sqlite` or `postgres`).
    pub database: String,
}
