//! The `users` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub org_admin: bool,
    pub status: String,
    /// Ever held `member` or `admin` (such people can never become guests).
    pub ever_paid: bool,
    pub failed_sign_ins: i64,
    pub locked_until: Option<TimeDateTimeWithTimeZone>,
    pub last_active_at: Option<TimeDateTimeWithTimeZone>,
    /// When a guest's product access ends by itself.
    pub guest_access_expires_at: Option<TimeDateTimeWithTimeZone>,
    /// When the person last entered a code mailed to them.
    pub email_verified_at: Option<TimeDateTimeWithTimeZone>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
