use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub ad_account_id: Uuid,
    pub external_id: String,
    pub name: String,
    pub channel: String,
    pub budget_owner: String,
    pub daily_budget_minor: Option<i64>,
    pub created_at: DateTimeWithTimeZone,
    /// The platform's ID of the object that owns the budget.
    pub budget_external_id: Option<String>,
    /// The platform's status (`ENABLED`, `ACTIVE`, `PAUSED`, ...).
    pub status: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
