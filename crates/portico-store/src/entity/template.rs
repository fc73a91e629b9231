//! The `templates` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "templates")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `None`: a global template.
    pub space_id: Option<i64>,
    pub name: String,
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Sanitised storage format, `at:var` variables kept.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// The declared variables, a JSON array of `{name, label, default}`.
    #[sea_orm(column_type = "Text")]
    pub variables: String,
    pub created_by: Option<i64>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_by: Option<i64>,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
