//! The `comments` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub page_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: Option<i64>,
    /// Sanitised storage format.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `current` or `deleted`.
    pub status: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    pub version: i64,
    /// `footer` or `inline`.
    pub kind: String,
    /// The anchor of an inline comment that starts a thread (all `None`
    /// for footer comments and inline replies).
    pub anchor_text: Option<String>,
    pub anchor_match_index: Option<i64>,
    pub anchor_match_count: Option<i64>,
    pub anchor_before: Option<String>,
    pub anchor_after: Option<String>,
    pub anchor_version: Option<i64>,
    /// `open`, `resolved` or `reopened` for an inline thread's first comment.
    pub resolution: Option<String>,
    pub resolution_by: Option<i64>,
    pub resolution_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
