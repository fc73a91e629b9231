//! The store's error type.

use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database url `{0}` (expected sqlite://... or postgres://...)")]
    UnsupportedUrl(String),
    /// A unique constraint refused the write; the message names the constraint.
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("migration `{version}` failed: {source}")]
    Migration { version: String, source: DbErr },
    #[error("database error: {0}")]
    Database(DbErr),
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::Duplicate(detail),
            _ => StoreError::Database(err),
        }
    }
}
