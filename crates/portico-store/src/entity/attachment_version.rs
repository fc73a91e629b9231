//! The `attachment_versions` table: every upload of a file name.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attachment_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i64,
    /// Lower-case hex SHA-256 of the bytes: the file's name on disk.
    pub content_hash: String,
    pub size: i64,
    pub media_type: String,
    pub comment: String,
    pub created_by: Option<i64>,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
