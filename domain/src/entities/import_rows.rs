//! A staged row of a CSV import (see `services::imports`): written while the file is read, and
//! removed once the import is applied or refused.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "import_rows")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub import_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line: i64,
    pub tenant_id: Uuid,
    pub date: Date,
    pub channel: String,
    pub campaign: String,
    pub currency: String,
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub conversions: f64,
    pub revenue_minor: i64,
    pub created_at: DateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
