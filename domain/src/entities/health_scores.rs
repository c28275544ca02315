use sea_orm::entity::prelude::*;

use crate::dto::plans::Band;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "health_scores")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub plan_id: Option<Uuid>,
    pub score: f64,
    pub band: Band,
    pub green: f64,
    pub yellow: f64,
    pub current_value: f64,
    pub optimal_value: f64,
    pub currency: String,
    /// `Vec<HealthActionView>` as JSON.
    #[sea_orm(column_type = "JsonBinary")]
    pub actions: Json,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
