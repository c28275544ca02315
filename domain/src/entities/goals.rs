use sea_orm::entity::prelude::*;

use crate::dto::goals::{BudgetLimit, ObjectiveKind, Period};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "goals")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub version: i32,
    pub objective: ObjectiveKind,
    pub margin: Option<f64>,
    pub target_roas: Option<f64>,
    pub target_cpa_minor: Option<i64>,
    pub budget_minor: i64,
    pub currency: String,
    pub budget_period: Period,
    pub budget_limit: BudgetLimit,
    /// `GoalConstraints` as JSON.
    #[sea_orm(column_type = "JsonBinary")]
    pub constraints: Json,
    pub created_by: String,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
