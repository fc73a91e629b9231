//! SeaORM entities: one module per table, mirroring the SQL migrations.
//! Only the store crate sees these; the app layer gets plain records.

pub mod admin_key;
pub mod api_token;
pub mod attachment;
pub mod attachment_version;
pub mod audit;
pub mod comment;
pub mod content_label;
pub mod email_code;
pub mod favourite;
pub mod global_grant;
pub mod group;
pub mod group_member;
pub mod invitation;
pub mod journal;
pub mod label;
pub mod notification;
pub mod outbox;
pub mod page;
pub mod page_draft;
pub mod page_restriction;
pub mod page_trash;
pub mod page_version;
pub mod password_reset;
pub mod permission_epoch;
pub mod reaction;
pub mod session;
pub mod setup_token;
pub mod site_setting;
pub mod space;
pub mod space_grant;
pub mod space_role;
pub mod template;
pub mod totp_credential;
pub mod user;
pub mod watch;
