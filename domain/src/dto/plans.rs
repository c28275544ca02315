//! Plans, the Budget Health Index, scenarios and the agency portfolio, as the API shows them.
//!
//! Money is in minor units of the plan's currency, per day. Outcomes are per day: revenue in
//! major units of the currency, or conversions.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::ad_data::Channel;
use crate::dto::goals::Objective;
use crate::dto::models::ModelStatus;
use crate::ids::{CampaignId, GoalId, HealthScoreId, JobId, ModelVersionId, PlanId, TenantId};
use crate::jobs::Trigger;

/// One channel's spend today.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelSpend {
    pub channel: Channel,
    pub spend_minor: i64,
}

/// One campaign's spend today.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignSpend {
    pub campaign_id: CampaignId,
    pub name: String,
    pub channel: Channel,
    pub platform: String,
    /// The campaign's current daily budget when it owns one; else its recent daily spend.
    pub current_minor: i64,
    /// Whether the campaign owns a budget a plan can set.
    pub owns_budget: bool,
    /// The platform's smallest daily budget, minor units.
    pub platform_min_minor: i64,
}

/// Today's spend, as a plan saw it: from the latest synced days and the campaigns' current
/// daily budgets.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SpendSnapshot {
    /// The latest day with data.
    pub as_of: Option<NaiveDate>,
    pub currency: String,
    pub channels: Vec<ChannelSpend>,
    pub campaigns: Vec<CampaignSpend>,
}

/// One channel of a plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedChannel {
    pub channel: Channel,
    pub current_minor: i64,
    pub planned_minor: i64,
    pub change_minor: i64,
    /// Expected outcome per day at the planned spend.
    pub expected_outcome: f64,
    /// Extra outcome per extra unit of spend at the planned spend.
    pub marginal_return: f64,
    /// The constraint holding it at a bound, in words.
    pub held_by: Option<String>,
}

/// One campaign's planned daily budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedCampaign {
    pub campaign_id: CampaignId,
    pub name: String,
    pub channel: Channel,
    pub current_minor: i64,
    pub planned_minor: i64,
}

/// A binding constraint and what relaxing it is worth.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingView {
    pub description: String,
    /// Objective gained per extra unit of money the constraint is relaxed.
    pub value_per_unit: f64,
}

/// A plan: the recommended allocation, and the inputs that reproduce it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    pub id: PlanId,
    pub trigger: Trigger,
    pub model_id: ModelVersionId,
    pub model_version: u32,
    pub goal_id: Option<GoalId>,
    pub goal_version: Option<u32>,
    pub objective: Objective,
    pub currency: String,
    pub current_spend_minor: i64,
    pub planned_spend_minor: i64,
    /// Expected outcome per day of today's allocation.
    pub current_outcome: f64,
    /// Expected outcome per day of the plan.
    pub expected_outcome: f64,
    /// `expected_outcome − current_outcome`.
    pub expected_gain: f64,
    pub channels: Vec<PlannedChannel>,
    pub campaigns: Vec<PlannedCampaign>,
    pub binding: Vec<BindingView>,
    /// The part of the budget given to uncertain channels, minor units.
    pub exploration_minor: i64,
    /// What the scaling rules decided, per channel, in words.
    pub rules: Vec<String>,
    /// Anything the plan left out or adjusted, in words.
    pub notes: Vec<String>,
    pub spend: SpendSnapshot,
    pub job_id: Option<JobId>,
    pub created_at: DateTime<Utc>,
}

/// A band of the Budget Health Index.
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
pub enum Band {
    Green,
    Yellow,
    Red,
}

/// One recommended move.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthActionView {
    pub from: Option<Channel>,
    pub to: Option<Channel>,
    /// Per day, minor units.
    pub amount_minor: i64,
    /// Expected outcome per day gained by this move alone.
    pub expected_gain: f64,
    /// "move $X a day from A to B: +$Y expected".
    pub description: String,
}

/// One reading of the Budget Health Index.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthView {
    pub id: HealthScoreId,
    pub plan_id: Option<PlanId>,
    /// 0–100: today's allocation's expected outcome over the best one's, same budget and
    /// constraints.
    pub score: f64,
    pub band: Band,
    pub green: f64,
    pub yellow: f64,
    pub current_value: f64,
    pub optimal_value: f64,
    pub currency: String,
    pub actions: Vec<HealthActionView>,
    pub created_at: DateTime<Utc>,
}

/// `POST /scenarios/budget`: the frontier from `from_pct` to `to_pct` around the goal's budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetScenarioRequest {
    /// −50 for half the budget.
    #[serde(default = "default_from_pct")]
    pub from_pct: f64,
    /// 100 for double.
    #[serde(default = "default_to_pct")]
    pub to_pct: f64,
    /// Points on the frontier, 2 to 41.
    #[serde(default = "default_steps")]
    pub steps: u32,
}

fn default_from_pct() -> f64 {
    -50.0
}
fn default_to_pct() -> f64 {
    100.0
}
fn default_steps() -> u32 {
    13
}

/// One budget on the frontier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrontierPointView {
    pub budget_minor: i64,
    pub change_pct: f64,
    pub planned_spend_minor: Option<i64>,
    pub expected_outcome: Option<f64>,
    /// Outcome per unit of spend.
    pub average_return: Option<f64>,
    /// Objective gained per extra unit of budget here (the marginal ROAS for revenue).
    pub marginal_return: Option<f64>,
    /// Why there is no plan at this budget, in words.
    pub conflicting: Vec<String>,
}

/// The efficient frontier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FrontierView {
    pub currency: String,
    pub base_budget_minor: i64,
    pub points: Vec<FrontierPointView>,
}

/// A constraint of the plan question, named for scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum ConstraintKey {
    Budget,
    ChangeLimit,
    PlatformMin(usize),
    ItemMin(usize),
    ItemMax(usize),
    Lock(usize),
    GroupMin(usize),
    GroupMax(usize),
    Target,
    MinIfActive(usize),
    MaxActive,
}

/// A constraint and its words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConstraintView {
    pub key: ConstraintKey,
    pub description: String,
}

/// `POST /scenarios/constraint`: relax (`factor` > 1 for a maximum, < 1 for a minimum), tighten,
/// or drop (`factor` absent) one constraint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConstraintScenarioRequest {
    pub key: ConstraintKey,
    #[serde(default)]
    pub factor: Option<f64>,
}

/// What changing one constraint does.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConstraintScenarioView {
    pub key: ConstraintKey,
    pub description: String,
    pub base_objective: f64,
    pub objective: Option<f64>,
    /// What the constraint costs (for a removal), or what the change gains, per day.
    pub difference: Option<f64>,
    pub conflicting: Vec<String>,
}

/// `POST /scenarios/objectives`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectivesScenarioRequest {
    pub objectives: Vec<Objective>,
}

/// The same question under one objective.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObjectiveScenarioView {
    pub objective: Objective,
    pub planned_spend_minor: i64,
    pub expected_outcome: f64,
    pub average_return: f64,
    pub objective_value: f64,
    pub allocation: Vec<ChannelSpend>,
}

/// One client of an agency, at a glance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortfolioRow {
    pub workspace_id: TenantId,
    pub name: String,
    pub score: Option<f64>,
    pub band: Option<Band>,
    /// The newest model version's status.
    pub model_status: Option<ModelStatus>,
    pub last_sync_at: Option<DateTime<Utc>>,
    /// The latest plan's expected gain per day, and its currency.
    pub expected_gain: Option<f64>,
    pub currency: Option<String>,
}
