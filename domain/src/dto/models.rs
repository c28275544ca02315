//! The model registry as the API shows it: every fitted (or refused) version of a workspace's
//! response-curve model, with its accuracy, the gate's verdict, and per-channel figures.
//!
//! Money is in minor units of the model's currency; ROAS and marginal ROAS are outcome per unit
//! of spend (revenue per unit of money, or conversions per major unit of money).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::ad_data::Channel;
use crate::dto::goals::Outcome;
use crate::ids::{JobId, ModelVersionId};
use crate::jobs::Trigger;

/// Where a model version stands.
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
pub enum ModelStatus {
    /// Passed the gate; plans use it.
    Active,
    /// Passed the gate once; a newer version replaced it.
    Retired,
    /// Failed the gate; kept with its reason, never used.
    Rejected,
    /// Not fitted: too little history (`needed_days` says how much more).
    InsufficientData,
}

/// A point estimate with its interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EstimateView {
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Accuracy on one split.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SplitAccuracy {
    pub days: u32,
    pub r2: Option<f64>,
    pub mape: Option<f64>,
    pub wmape: Option<f64>,
}

/// Accuracy on the time-ordered splits.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelAccuracy {
    pub train: SplitAccuracy,
    pub validation: SplitAccuracy,
    pub test: SplitAccuracy,
}

/// One channel of a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelEstimate {
    pub channel: Channel,
    /// Contribution over spend, over the history.
    pub roas: EstimateView,
    /// Extra outcome per extra unit of spend at current spend.
    pub marginal_roas: EstimateView,
    /// Contribution over the total outcome.
    pub contribution_share: EstimateView,
    /// Mean spend per day over the last quarter, minor units.
    pub current_spend_per_day_minor: i64,
}

/// One version of the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelVersionView {
    pub id: ModelVersionId,
    pub version: u32,
    pub status: ModelStatus,
    pub outcome: Outcome,
    pub currency: String,
    /// The data window.
    pub data_from: Option<NaiveDate>,
    pub data_to: Option<NaiveDate>,
    /// Days of history in the window.
    pub days: u32,
    /// With `insufficient_data`: how many more days of history a fit needs.
    pub needed_days: Option<u32>,
    pub seed: u64,
    pub trigger: Trigger,
    /// Whether the deploy gate accepted it.
    pub gate_passed: bool,
    /// Why it was rejected, or why it was not fitted.
    pub reason: Option<String>,
    pub accuracy: Option<ModelAccuracy>,
    pub channels: Vec<ChannelEstimate>,
    pub job_id: Option<JobId>,
    pub created_at: DateTime<Utc>,
}

/// A response curve: outcome per day against spend per day, with its band.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CurveView {
    pub channel: Channel,
    /// Spend per day, minor units (the grid).
    pub spend_minor: Vec<i64>,
    /// Outcome per day at each point (revenue in major units, or conversions).
    pub outcome: Vec<EstimateView>,
    /// Today's spend, minor units, to mark on the curve.
    pub current_spend_minor: i64,
}

/// A named series over the model's days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedSeries {
    pub name: String,
    pub values: Vec<f64>,
}

/// The outcome over time split into baseline and channels.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecompositionView {
    pub dates: Vec<NaiveDate>,
    pub actual: Vec<f64>,
    pub fitted: Vec<f64>,
    pub baseline: Vec<NamedSeries>,
    pub channels: Vec<NamedSeries>,
}

/// A version with its curves and decomposition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelDetailView {
    pub model: ModelVersionView,
    pub curves: Vec<CurveView>,
    pub decomposition: Option<DecompositionView>,
}

/// What changed in one channel between two versions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelChange {
    pub channel: Channel,
    pub roas_before: f64,
    pub roas_after: f64,
    pub marginal_roas_before: f64,
    pub marginal_roas_after: f64,
    /// Mean relative difference of the two response curves over the spend both cover
    /// (0.1 = the new curve is 10% higher on average).
    pub curve_change: f64,
}

/// `GET /models/compare?from=N&to=M`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelComparison {
    pub from: u32,
    pub to: u32,
    pub channels: Vec<ChannelChange>,
    /// Channels only the newer version has.
    pub added: Vec<Channel>,
    /// Channels only the older version has.
    pub removed: Vec<Channel>,
}

/// A workspace's planning settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanningSettings {
    /// The index is green at or above this score.
    pub green: f64,
    /// Yellow at or above this score; red below.
    pub yellow: f64,
    /// The model is refitted when the active one is this many days old.
    pub retrain_days: u32,
    /// The deploy gate: the largest acceptable test MAPE (0.15 = 15%).
    pub max_test_mape: f64,
}

impl Default for PlanningSettings {
    fn default() -> Self {
        Self {
            green: 95.0,
            yellow: 85.0,
            retrain_days: 7,
            max_test_mape: 0.15,
        }
    }
}
