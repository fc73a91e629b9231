//! The `notifications` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub recipient_id: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub space_id: i64,
    pub page_id: Option<i64>,
    /// A small JSON object (ids and numbers only, never titles or names).
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub read_at: Option<TimeDateTimeWithTimeZone>,
    /// `pending | sent | dropped | opted_out | immediate` (migration 0018).
    pub email_state: String,
    pub emailed_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
