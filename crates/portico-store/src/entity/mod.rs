//! SeaORM entities: one module per table, mirroring the SQL migrations.
//! Only the store crate sees these; the app layer gets plain records.

pub mod audit;
pub mod journal;
pub mod outbox;
pub mod page;
pub mod page_version;
pub mod session;
pub mod setup_token;
pub mod space;
pub mod user;
