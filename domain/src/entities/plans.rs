use sea_orm::entity::prelude::*;

use crate::jobs::Trigger;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub model_version_id: Uuid,
    pub goal_id: Option<Uuid>,
    pub currency: String,
    pub trigger: Trigger,
    pub current_spend_minor: i64,
    pub planned_spend_minor: i64,
    pub current_outcome: f64,
    pub expected_outcome: f64,
    pub expected_gain: f64,
    /// `PlanInputs` as JSON: what reproduces the plan.
    #[sea_orm(column_type = "JsonBinary")]
    pub inputs: Json,
    /// `PlanView` as JSON.
    #[sea_orm(column_type = "JsonBinary")]
    pub body: Json,
    pub job_id: Option<Uuid>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
