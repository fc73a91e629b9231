//! The `space_grants` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "space_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub space_id: i64,
    pub grantee_kind: String,
    pub grantee_id: i64,
    pub role_id: Option<i64>,
    pub permissions: i64,
    pub created_at: TimeDateTimeWithTimeZone,
    pub expires_at: Option<TimeDateTimeWithTimeZone>,
    pub granted_by: Option<i64>,
    pub reminded_at: Option<TimeDateTimeWithTimeZone>,
    /// The root of the page subtree the grant covers; none: the whole space.
    pub page_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
