//! The `page_restrictions` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "page_restrictions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub page_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grantee_kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grantee_id: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
