use sea_orm::entity::prelude::*;

use crate::dto::goals::Outcome;
use crate::dto::models::ModelStatus;
use crate::jobs::Trigger;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "model_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub version: i32,
    pub status: ModelStatus,
    pub outcome: Outcome,
    pub currency: String,
    pub data_from: Option<Date>,
    pub data_to: Option<Date>,
    pub days: i32,
    pub needed_days: Option<i32>,
    pub seed: i64,
    pub trigger: Trigger,
    pub gate_passed: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    /// `ModelAccuracy` as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub metrics: Option<Json>,
    /// `Vec<ChannelEstimate>` as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub summary: Option<Json>,
    /// The engine's `FittedModel` with the days it covers (`StoredModel`) as JSON.
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub model: Option<Json>,
    pub job_id: Option<Uuid>,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
