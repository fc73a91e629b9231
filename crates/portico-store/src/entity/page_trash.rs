//! The `page_trash` table: what restoring a trashed page needs.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "page_trash")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub page_id: i64,
    /// The parent the page had when it was trashed (it may be gone since).
    pub parent_id: Option<i64>,
    /// Its position among that parent's children.
    pub position: i64,
    pub trashed_by: Option<i64>,
    pub trashed_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
