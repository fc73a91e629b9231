//! The `global_grants` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "global_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub grantee_kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub grantee_id: i64,
    pub permissions: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
