//! The `space_roles` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "space_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub role_key: String,
    pub name: String,
    pub permissions: i64,
    pub builtin: bool,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
