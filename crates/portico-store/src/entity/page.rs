//! The `pages` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub space_id: i64,
    pub parent_id: Option<i64>,
    /// Ancestor ids from the root, slash-separated (see `portico_core::page`).
    pub path: String,
    pub position: i64,
    pub title: String,
    pub status: String,
    pub version: i64,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub author_id: Option<i64>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_by: Option<i64>,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// The nearest ancestor-or-self with a view restriction.
    pub restriction_key: Option<i64>,
    /// `page` (in the tree) or `blogpost` (dated, outside the tree).
    pub kind: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
