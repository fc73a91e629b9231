//! Schema migrations: one folder of SQL files per backend, with the same version
//! names in each, applied in order and recorded in `schema_migrations`.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};

use crate::{Backend, StoreError};

/// (version, SQLite script, PostgreSQL script). Append only; never edit a
/// migration that has shipped.
const MIGRATIONS: &[(&str, &str, &str)] = &[
    (
        "0001_foundation",
        include_str!("../migrations/sqlite/0001_foundation.sql"),
        include_str!("../migrations/postgres/0001_foundation.sql"),
    ),
    (
        "0002_directory",
        include_str!("../migrations/sqlite/0002_directory.sql"),
        include_str!("../migrations/postgres/0002_directory.sql"),
    ),
    (
        "0003_permissions",
        include_str!("../migrations/sqlite/0003_permissions.sql"),
        include_str!("../migrations/postgres/0003_permissions.sql"),
    ),
    (
        "0004_guest_assignments",
        include_str!("../migrations/sqlite/0004_guest_assignments.sql"),
        include_str!("../migrations/postgres/0004_guest_assignments.sql"),
    ),
    (
        "0005_second_steps",
        include_str!("../migrations/sqlite/0005_second_steps.sql"),
        include_str!("../migrations/postgres/0005_second_steps.sql"),
    ),
    (
        "0006_api_tokens",
        include_str!("../migrations/sqlite/0006_api_tokens.sql"),
        include_str!("../migrations/postgres/0006_api_tokens.sql"),
    ),
    (
        "0007_subtree_grants",
        include_str!("../migrations/sqlite/0007_subtree_grants.sql"),
        include_str!("../migrations/postgres/0007_subtree_grants.sql"),
    ),
    (
        "0008_comments",
        include_str!("../migrations/sqlite/0008_comments.sql"),
        include_str!("../migrations/postgres/0008_comments.sql"),
    ),
    (
        "0009_notifications",
        include_str!("../migrations/sqlite/0009_notifications.sql"),
        include_str!("../migrations/postgres/0009_notifications.sql"),
    ),
    (
        "0010_attachments",
        include_str!("../migrations/sqlite/0010_attachments.sql"),
        include_str!("../migrations/postgres/0010_attachments.sql"),
    ),
    (
        "0011_labels",
        include_str!("../migrations/sqlite/0011_labels.sql"),
        include_str!("../migrations/postgres/0011_labels.sql"),
    ),
    (
        "0012_trash",
        include_str!("../migrations/sqlite/0012_trash.sql"),
        include_str!("../migrations/postgres/0012_trash.sql"),
    ),
    (
        "0013_blog_posts",
        include_str!("../migrations/sqlite/0013_blog_posts.sql"),
        include_str!("../migrations/postgres/0013_blog_posts.sql"),
    ),
    (
        "0014_templates",
        include_str!("../migrations/sqlite/0014_templates.sql"),
        include_str!("../migrations/postgres/0014_templates.sql"),
    ),
    (
        "0015_inline_comments",
        include_str!("../migrations/sqlite/0015_inline_comments.sql"),
        include_str!("../migrations/postgres/0015_inline_comments.sql"),
    ),
    (
        "0016_page_drafts",
        include_str!("../migrations/sqlite/0016_page_drafts.sql"),
        include_str!("../migrations/postgres/0016_page_drafts.sql"),
    ),
    (
        "0017_reactions_favourites",
        include_str!("../migrations/sqlite/0017_reactions_favourites.sql"),
        include_str!("../migrations/postgres/0017_reactions_favourites.sql"),
    ),
    (
        "0018_notification_mail",
        include_str!("../migrations/sqlite/0018_notification_mail.sql"),
        include_str!("../migrations/postgres/0018_notification_mail.sql"),
    ),
    (
        "0019_feed_indexes",
        include_str!("../migrations/sqlite/0019_feed_indexes.sql"),
        include_str!("../migrations/postgres/0019_feed_indexes.sql"),
    ),
];

pub(crate) async fn run(db: &DatabaseConnection, backend: Backend) -> Result<(), StoreError> {
    db.execute_unprepared(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at TEXT NOT NULL)",
    )
    .await?;
    for (version, sqlite, postgres) in MIGRATIONS {
        let script = match backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        };
        let tx = db.begin().await?;
        let applied = tx
            .query_one_raw(Statement::from_sql_and_values(
                tx.get_database_backend(),
                match backend {
                    Backend::Sqlite => "SELECT version FROM schema_migrations WHERE version = ?",
                    Backend::Postgres => "SELECT version FROM schema_migrations WHERE version = $1",
                },
                [(*version).into()],
            ))
            .await?
            .is_some();
        if applied {
            continue;
        }
        tx.execute_unprepared(script)
            .await
            .map_err(|source| StoreError::Migration {
                version: (*version).to_owned(),
                source,
            })?;
        let now = time::OffsetDateTime::now_utc().to_string();
        tx.execute_raw(Statement::from_sql_and_values(
            tx.get_database_backend(),
            match backend {
                Backend::Sqlite => {
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"
                }
                Backend::Postgres => {
                    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)"
                }
            },
            [(*version).into(), now.into()],
        ))
        .await?;
        tx.commit().await?;
        tracing::info!(version, "applied migration");
    }
    Ok(())
}
