//! The `spaces` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spaces")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub space_key: String,
    pub name: String,
    pub description: String,
    pub homepage_id: Option<i64>,
    pub status: String,
    pub created_by: Option<i64>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_by: Option<i64>,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub allows_guests: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
