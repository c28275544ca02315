//! A workspace's goal as the API shows it: what to maximize, the budget, and the constraints.
//!
//! Every save is a new version; the newest is the goal in force. Money is in minor units of the
//! goal's currency (`amount_minor`), per day unless a `period` says per month. A goal is checked
//! on save: numbers in range, names that exist, and constraints that can all hold together
//! (otherwise it is refused with the conflicting constraints in words, and nothing is saved).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::ad_data::Channel;
use crate::ids::{CampaignId, GoalId};

/// What a plan maximizes.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Objective {
    /// The most revenue for the budget.
    Revenue,
    /// The most conversions for the budget.
    Conversions,
    /// The most `margin × revenue − spend`; the budget is a cap.
    Profit {
        /// Gross margin on revenue, in (0, 1].
        margin: f64,
    },
    /// The most revenue while revenue stays at least `target × spend`; the budget is a cap.
    TargetRoas { target: f64 },
    /// The most conversions while each costs at most `target_minor`; the budget is a cap.
    TargetCpa { target_minor: i64 },
}

impl Objective {
    /// The outcome a model must measure for this objective.
    pub fn outcome(&self) -> Outcome {
        match self {
            Self::Conversions | Self::TargetCpa { .. } => Outcome::Conversions,
            Self::Revenue | Self::Profit { .. } | Self::TargetRoas { .. } => Outcome::Revenue,
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> ObjectiveKind {
        match self {
            Self::Revenue => ObjectiveKind::Revenue,
            Self::Conversions => ObjectiveKind::Conversions,
            Self::Profit { .. } => ObjectiveKind::Profit,
            Self::TargetRoas { .. } => ObjectiveKind::TargetRoas,
            Self::TargetCpa { .. } => ObjectiveKind::TargetCpa,
        }
    }
}

/// The kind of an [`Objective`], as stored.
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
pub enum ObjectiveKind {
    Revenue,
    Conversions,
    Profit,
    TargetRoas,
    TargetCpa,
}

/// What a model measures: the outcome of the spend.
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
pub enum Outcome {
    /// Conversion value, in money.
    Revenue,
    /// Conversions, counted.
    Conversions,
}

/// Per day or per month.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
pub enum Period {
    #[default]
    Day,
    /// An average month: 365.25 / 12 days.
    Month,
}

impl Period {
    /// Days in one period.
    pub fn days(self) -> f64 {
        match self {
            Self::Day => 1.0,
            Self::Month => 365.25 / 12.0,
        }
    }
}

/// Whether the budget must be spent exactly or is a ceiling.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
pub enum BudgetLimit {
    #[default]
    Exactly,
    AtMost,
}

/// The total budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalBudget {
    /// In minor units of `currency` (cents for USD, yen for JPY).
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    #[serde(default)]
    pub period: Period,
    #[serde(default)]
    pub limit: BudgetLimit,
}

/// A minimum or maximum for a channel or a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Bound {
    /// An amount of money, in minor units of the goal's currency.
    Money {
        amount_minor: i64,
        #[serde(default)]
        period: Period,
    },
    /// A multiple of today's spend (0.8 = 80% of today's).
    RelativeToCurrent { factor: f64 },
}

/// A minimum or maximum for a group of channels.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GroupLimit {
    /// An amount of money, in minor units of the goal's currency.
    Money {
        amount_minor: i64,
        #[serde(default)]
        period: Period,
    },
    /// A share of the total spend, in [0, 1].
    Share { share: f64 },
}

/// Bounds, or a lock, on one channel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelRule {
    pub channel: Channel,
    #[serde(default)]
    pub min: Option<Bound>,
    #[serde(default)]
    pub max: Option<Bound>,
    /// Keep the channel at today's spend.
    #[serde(default)]
    pub locked: bool,
}

/// Bounds, or a lock, on one campaign's daily budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignRule {
    pub campaign_id: CampaignId,
    #[serde(default)]
    pub min: Option<Bound>,
    #[serde(default)]
    pub max: Option<Bound>,
    /// Keep the campaign at today's budget.
    #[serde(default)]
    pub locked: bool,
}

/// A named set of channels with a minimum and/or maximum total ("brand ≥ $150K a month",
/// "social ≤ 40%").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelGroup {
    pub name: String,
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub min: Option<GroupLimit>,
    #[serde(default)]
    pub max: Option<GroupLimit>,
}

/// What a scaling rule measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleMetric {
    Roas,
    Cpa,
    Conversions,
    Revenue,
}

/// Above or below a threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleComparison {
    Above,
    Below,
}

/// "ROAS over 7 days > 4 → +15%" (`each_day: false`), or "ROAS < 1.5 on each of the last 3
/// days → −20%" (`each_day: true`). Rules are tried in order per channel; the first that holds
/// fires, within the guardrails.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScalingRule {
    pub name: String,
    pub metric: RuleMetric,
    pub days: u32,
    #[serde(default)]
    pub each_day: bool,
    pub comparison: RuleComparison,
    /// For `cpa`, in major units of the goal's currency.
    pub threshold: f64,
    /// Relative change when the rule fires (0.15 = +15%, −0.2 = −20%).
    pub change: f64,
}

fn default_max_change() -> f64 {
    0.15
}

fn default_exploration() -> f64 {
    0.12
}

/// Every constraint of a goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalConstraints {
    #[serde(default)]
    pub channels: Vec<ChannelRule>,
    #[serde(default)]
    pub campaigns: Vec<CampaignRule>,
    #[serde(default)]
    pub groups: Vec<ChannelGroup>,
    /// The most a channel may change in a day, as a share of today's spend (0.15 = ±15%).
    #[serde(default = "default_max_change")]
    pub max_change_per_day: f64,
    /// Share of the budget for channels whose response is uncertain (0.12 = 12%).
    #[serde(default = "default_exploration")]
    pub exploration_share: f64,
    #[serde(default)]
    pub scaling_rules: Vec<ScalingRule>,
}

impl Default for GoalConstraints {
    fn default() -> Self {
        Self {
            channels: Vec::new(),
            campaigns: Vec::new(),
            groups: Vec::new(),
            max_change_per_day: default_max_change(),
            exploration_share: default_exploration(),
            scaling_rules: Vec::new(),
        }
    }
}

/// `PUT /api/v1/workspaces/{id}/goal`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalRequest {
    pub objective: Objective,
    pub budget: GoalBudget,
    #[serde(default)]
    pub constraints: GoalConstraints,
}

/// One version of a workspace's goal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoalView {
    pub id: GoalId,
    /// 1 for the first goal, one more for every save.
    pub version: u32,
    pub objective: Objective,
    pub budget: GoalBudget,
    pub constraints: GoalConstraints,
    /// Who saved it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}
