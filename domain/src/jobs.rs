//! Job payloads: what producers put on the queue and workers take off it. They are named as
//! nouns (`RunDiagnostic`); their handlers, in `worker`, are verbs (`run_diagnostic`). A payload
//! carries IDs, not data: the handler reads the current state from the database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{JobId, TenantId};

/// Run the diagnostic job recorded as `job_id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDiagnostic {
    pub job_id: JobId,
    pub enqueued_at: DateTime<Utc>,
}

/// Pull a connection's data from its platform: accounts, campaigns, and daily metrics over
/// `from..=to` (days in each account's time zone, fixed when the job was created so a resumed
/// job pulls the same span). The job run `job_id` records progress; a redelivered job resumes
/// after the last chunk it wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConnection {
    pub job_id: JobId,
    pub tenant_id: TenantId,
    pub connection_id: uuid::Uuid,
    /// `backfill` (on connect) or `window` (the scheduled re-pull of recent days).
    pub mode: SyncMode,
    /// Days to pull, ending today in the account's time zone.
    pub days: u32,
    pub enqueued_at: DateTime<Utc>,
}

/// Why a sync runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// The first pull after connecting.
    Backfill,
    /// The scheduled (or "sync now") re-pull of the trailing window, since platforms restate.
    Window,
}

/// Revoke a disconnected grant at its platform. The tokens travel sealed (AES-GCM, with
/// [`RevokeGrant::AAD`]) because the connection and its stored secret are already gone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokeGrant {
    pub platform: String,
    /// Base64 of the sealed tokens.
    pub sealed: String,
}

impl RevokeGrant {
    /// The associated data the tokens are sealed with.
    pub const AAD: &'static [u8] = b"mixpilot revoke-grant";
}

/// Why a model is fitted or a plan is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(
    feature = "server",
    derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum)
)]
#[cfg_attr(
    feature = "server",
    sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A person (or an API key) asked for it.
    OnDemand,
    /// The scheduler: the weekly retrain, or the daily plan.
    Schedule,
    /// A backfill finished.
    Backfill,
    /// A new model became active.
    NewModel,
    /// The goal changed.
    GoalChange,
    /// A day of new data arrived.
    NewData,
}

/// Fit a model of the workspace from its daily metrics; the job run `job_id` records progress
/// and the version made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitModel {
    pub job_id: JobId,
    pub tenant_id: TenantId,
    pub trigger: Trigger,
    pub enqueued_at: DateTime<Utc>,
}

/// Make a plan (and the Budget Health Index) for the workspace from its active model, its goal
/// and today's spend; the job run `job_id` records progress and the plan made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunOptimization {
    pub job_id: JobId,
    pub tenant_id: TenantId,
    pub trigger: Trigger,
    pub enqueued_at: DateTime<Utc>,
}

/// Every job the queue carries. A new variant is registered once, in `worker`'s registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Job {
    RunDiagnostic(RunDiagnostic),
    SyncConnection(SyncConnection),
    RevokeGrant(RevokeGrant),
    FitModel(FitModel),
    RunOptimization(RunOptimization),
}
