//! Bulk loading for generated worlds (`portico demo`, the benchmarks): many
//! rows per `INSERT`, on one connection inside the caller's transaction.
//!
//! These functions write rows exactly as the repositories do (same columns,
//! same encodings), but without the per-row checks of the use cases: the
//! caller (the world generator) is responsible for ids, materialised paths
//! and restriction keys being right. Rows with ids the generator refers to
//! (users, spaces, pages, comments, labels) are inserted with explicit ids;
//! [`finish`] moves PostgreSQL's identity sequences past them.

use sea_orm::{DbBackend, Statement, Value};
use sha2::{Digest, Sha256};

use crate::{Conn, StoreError, Timestamp};

/// The most bound values in one statement (SQLite allows 32,766).
const MAX_PARAMS: usize = 30_000;
/// The most rows in one statement.
const MAX_ROWS: usize = 2_000;

pub struct User<'a> {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    /// One PHC string shared by every generated user (hashing is slow).
    pub password_hash: &'a str,
    /// `member` or `guest`.
    pub role: &'static str,
    /// Guests: when their address was last confirmed (no mailed code is due).
    pub email_verified_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

pub struct Space {
    pub id: i64,
    pub key: String,
    pub name: String,
    pub description: String,
    pub homepage_id: i64,
    pub created_by: i64,
    pub allows_guests: bool,
    pub created_at: Timestamp,
}

/// A current page (`kind = 'page'`).
pub struct Page {
    pub id: i64,
    pub space_id: i64,
    pub parent_id: Option<i64>,
    pub path: String,
    pub position: i64,
    pub title: String,
    pub version: i64,
    pub body: String,
    pub author_id: i64,
    pub updated_by: i64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub restriction_key: Option<i64>,
}

pub struct Version {
    pub page_id: i64,
    pub number: i64,
    pub title: String,
    pub body: String,
    pub author_id: i64,
    pub created_at: Timestamp,
}

/// A current footer comment.
pub struct Comment {
    pub id: i64,
    pub page_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: Timestamp,
}

/// A space grant to a user or to all members, by built-in role.
pub struct Grant {
    pub space_id: i64,
    /// `user` or `all-members` (grantee id 0).
    pub grantee_kind: &'static str,
    pub grantee_id: i64,
    pub role_id: i64,
    pub granted_by: Option<i64>,
    pub created_at: Timestamp,
}

/// A page restriction naming a user.
pub struct Restriction {
    pub page_id: i64,
    /// `view` or `edit`.
    pub kind: &'static str,
    pub user_id: i64,
}

pub struct Label {
    pub id: i64,
    pub name: String,
}

pub struct ContentLabel {
    pub page_id: i64,
    pub label_id: i64,
    pub created_by: i64,
    pub created_at: Timestamp,
}

pub struct JournalEntry {
    pub at: Timestamp,
    pub kind: &'static str,
    pub entity_kind: &'static str,
    pub entity_id: i64,
    pub space_id: Option<i64>,
}

/// Whether the database holds no users yet (a world is generated only into
/// an empty one).
pub async fn is_empty(conn: &impl Conn) -> Result<bool, StoreError> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM users",
        ))
        .await?;
    let count: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(count == 0)
}

pub async fn users(conn: &impl Conn, rows: &[User<'_>]) -> Result<(), StoreError> {
    insert(
        conn,
        "users",
        &[
            "id",
            "email",
            "display_name",
            "password_hash",
            "role",
            "org_admin",
            "status",
            "ever_paid",
            "email_verified_at",
            "created_at",
            "updated_at",
        ],
        rows.iter().map(|row| {
            vec![
                row.id.into(),
                row.email.as_str().into(),
                row.display_name.as_str().into(),
                row.password_hash.into(),
                row.role.into(),
                false.into(),
                "active".into(),
                (row.role != "guest").into(),
                row.email_verified_at.into(),
                row.created_at.into(),
                row.created_at.into(),
            ]
        }),
    )
    .await
}

pub async fn spaces(conn: &impl Conn, rows: &[Space]) -> Result<(), StoreError> {
    insert(
        conn,
        "spaces",
        &[
            "id",
            "space_key",
            "name",
            "description",
            "homepage_id",
            "status",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
            "allows_guests",
        ],
        rows.iter().map(|row| {
            vec![
                row.id.into(),
                row.key.as_str().into(),
                row.name.as_str().into(),
                row.description.as_str().into(),
                row.homepage_id.into(),
                "current".into(),
                row.created_by.into(),
                row.created_at.into(),
                row.created_by.into(),
                row.created_at.into(),
                row.allows_guests.into(),
            ]
        }),
    )
    .await
}

pub async fn pages(conn: &impl Conn, rows: &[Page]) -> Result<(), StoreError> {
    insert(
        conn,
        "pages",
        &[
            "id",
            "space_id",
            "parent_id",
            "path",
            "position",
            "title",
            "status",
            "version",
            "body",
            "author_id",
            "created_at",
            "updated_by",
            "updated_at",
            "restriction_key",
            "kind",
        ],
        rows.iter().map(|row| {
            vec![
                row.id.into(),
                row.space_id.into(),
                row.parent_id.into(),
                row.path.as_str().into(),
                row.position.into(),
                row.title.as_str().into(),
                "current".into(),
                row.version.into(),
                row.body.as_str().into(),
                row.author_id.into(),
                row.created_at.into(),
                row.updated_by.into(),
                row.updated_at.into(),
                row.restriction_key.into(),
                "page".into(),
            ]
        }),
    )
    .await
}

pub async fn versions(conn: &impl Conn, rows: &[Version]) -> Result<(), StoreError> {
    insert(
        conn,
        "page_versions",
        &[
            "page_id",
            "number",
            "title",
            "body",
            "message",
            "author_id",
            "created_at",
        ],
        rows.iter().map(|row| {
            vec![
                row.page_id.into(),
                row.number.into(),
                row.title.as_str().into(),
                row.body.as_str().into(),
                "".into(),
                row.author_id.into(),
                row.created_at.into(),
            ]
        }),
    )
    .await
}

pub async fn comments(conn: &impl Conn, rows: &[Comment]) -> Result<(), StoreError> {
    insert(
        conn,
        "comments",
        &[
            "id",
            "page_id",
            "author_id",
            "body",
            "status",
            "created_at",
            "updated_at",
            "version",
            "kind",
        ],
        rows.iter().map(|row| {
            vec![
                row.id.into(),
                row.page_id.into(),
                row.author_id.into(),
                row.body.as_str().into(),
                "current".into(),
                row.created_at.into(),
                row.created_at.into(),
                1i64.into(),
                "footer".into(),
            ]
        }),
    )
    .await
}

pub async fn grants(conn: &impl Conn, rows: &[Grant]) -> Result<(), StoreError> {
    insert(
        conn,
        "space_grants",
        &[
            "space_id",
            "grantee_kind",
            "grantee_id",
            "role_id",
            "permissions",
            "created_at",
            "granted_by",
        ],
        rows.iter().map(|row| {
            vec![
                row.space_id.into(),
                row.grantee_kind.into(),
                row.grantee_id.into(),
                row.role_id.into(),
                0i64.into(),
                row.created_at.into(),
                row.granted_by.into(),
            ]
        }),
    )
    .await
}

pub async fn restrictions(conn: &impl Conn, rows: &[Restriction]) -> Result<(), StoreError> {
    insert(
        conn,
        "page_restrictions",
        &["page_id", "kind", "grantee_kind", "grantee_id"],
        rows.iter().map(|row| {
            vec![
                row.page_id.into(),
                row.kind.into(),
                "user".into(),
                row.user_id.into(),
            ]
        }),
    )
    .await
}

pub async fn labels(conn: &impl Conn, rows: &[Label]) -> Result<(), StoreError> {
    insert(
        conn,
        "labels",
        &["id", "name"],
        rows.iter()
            .map(|row| vec![row.id.into(), row.name.as_str().into()]),
    )
    .await
}

pub async fn content_labels(conn: &impl Conn, rows: &[ContentLabel]) -> Result<(), StoreError> {
    insert(
        conn,
        "content_labels",
        &["page_id", "label_id", "created_by", "created_at"],
        rows.iter().map(|row| {
            vec![
                row.page_id.into(),
                row.label_id.into(),
                row.created_by.into(),
                row.created_at.into(),
            ]
        }),
    )
    .await
}

pub async fn journal(conn: &impl Conn, rows: &[JournalEntry]) -> Result<(), StoreError> {
    insert(
        conn,
        "journal",
        &["at", "kind", "entity_kind", "entity_id", "space_id"],
        rows.iter().map(|row| {
            vec![
                row.at.into(),
                row.kind.into(),
                row.entity_kind.into(),
                row.entity_id.into(),
                row.space_id.into(),
            ]
        }),
    )
    .await
}

/// Marks a user's address as confirmed at `at` (a guest then signs in with
/// no mailed code until the re-verification period ends).
pub async fn confirm_address(
    conn: &impl Conn,
    user_id: i64,
    at: Timestamp,
) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => "UPDATE users SET email_verified_at = $1 WHERE id = $2",
        _ => "UPDATE users SET email_verified_at = ? WHERE id = ?",
    };
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        sql,
        [at.into(), user_id.into()],
    ))
    .await?;
    Ok(())
}

/// Ends a load: PostgreSQL's identity sequences move past the explicit ids,
/// and the permission epoch moves on (cached access sets are stale).
pub async fn finish(conn: &impl Conn) -> Result<(), StoreError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        for table in ["users", "spaces", "pages", "comments", "labels"] {
            conn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            ))
            .await?;
        }
    }
    crate::permissions::bump_epoch(conn).await
}

/// Row counts of the tables a world fills, by table name.
pub async fn counts(conn: &impl Conn) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let mut counts = Vec::new();
    for table in [
        "users",
        "spaces",
        "pages",
        "page_versions",
        "comments",
        "space_grants",
        "page_restrictions",
        "labels",
        "content_labels",
        "journal",
    ] {
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await?;
        let count: i64 = match row {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        counts.push((table, count));
    }
    Ok(counts)
}

/// A SHA-256 over the generated content (ids, names, trees, bodies, grants,
/// restrictions, labels), in id order, leaving out the times the product
/// stamps itself: two worlds from the same seed have the same checksum.
pub async fn checksum(conn: &impl Conn) -> Result<String, StoreError> {
    let queries = [
        "SELECT id, email, display_name, role FROM users ORDER BY id",
        "SELECT id, space_key, name, homepage_id, allows_guests FROM spaces ORDER BY id",
        "SELECT id, space_id, parent_id, path, position, title, version, body, author_id, \
         restriction_key FROM pages ORDER BY id",
        "SELECT page_id, number, title, body, author_id, created_at FROM page_versions \
         ORDER BY page_id, number",
        "SELECT page_id, author_id, body FROM comments ORDER BY id",
        "SELECT space_id, grantee_kind, grantee_id, role_id FROM space_grants \
         ORDER BY space_id, grantee_kind, grantee_id",
        "SELECT page_id, kind, grantee_id FROM page_restrictions \
         ORDER BY page_id, kind, grantee_id",
        "SELECT id, name FROM labels ORDER BY id",
        "SELECT page_id, label_id FROM content_labels ORDER BY page_id, label_id",
        "SELECT kind, entity_kind, entity_id, space_id FROM journal ORDER BY id",
    ];
    let backend = conn.get_database_backend();
    let mut hasher = Sha256::new();
    for query in queries {
        // Every column as text, so one reader serves every table and backend.
        let (select, rest) = query.split_once(" FROM ").unwrap_or((query, ""));
        let columns: Vec<&str> = select
            .trim_start_matches("SELECT ")
            .split(',')
            .map(str::trim)
            .collect();
        let texts: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(index, column)| format!("COALESCE(CAST({column} AS TEXT), '') AS c{index}"))
            .collect();
        let sql = format!("SELECT {} FROM {rest}", texts.join(", "));
        for row in conn
            .query_all_raw(Statement::from_string(backend, sql))
            .await?
        {
            for index in 0..columns.len() {
                let value: String = row.try_get("", &format!("c{index}"))?;
                hasher.update(value.as_bytes());
                hasher.update([0x1f]);
            }
            hasher.update([0x1e]);
        }
        hasher.update(query.as_bytes());
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// `INSERT INTO table (columns) VALUES (...), (...)` in statements of at most
/// [`MAX_ROWS`] rows and [`MAX_PARAMS`] values.
async fn insert(
    conn: &impl Conn,
    table: &str,
    columns: &[&str],
    rows: impl Iterator<Item = Vec<Value>>,
) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    let per_statement = (MAX_PARAMS / columns.len()).clamp(1, MAX_ROWS);
    let mut values: Vec<Value> = Vec::with_capacity(per_statement * columns.len());
    let mut count = 0;
    let mut rows = rows.peekable();
    while let Some(row) = rows.next() {
        values.extend(row);
        count += 1;
        if count == per_statement || rows.peek().is_none() {
            let sql = insert_sql(backend, table, columns, count);
            conn.execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                std::mem::take(&mut values),
            ))
            .await?;
            count = 0;
        }
    }
    Ok(())
}

fn insert_sql(backend: DbBackend, table: &str, columns: &[&str], rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    let mut number = 0;
    for row in 0..rows {
        if row > 0 {
            sql.push(',');
        }
        sql.push('(');
        for column in 0..columns.len() {
            if column > 0 {
                sql.push(',');
            }
            number += 1;
            match backend {
                DbBackend::Postgres => {
                    sql.push('$');
                    sql.push_str(&number.to_string());
                }
                _ => sql.push('?'),
            }
        }
        sql.push(')');
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_the_backend() {
        assert_eq!(
            insert_sql(DbBackend::Postgres, "t", &["a", "b"], 2),
            "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4)"
        );
        assert_eq!(
            insert_sql(DbBackend::Sqlite, "t", &["a"], 2),
            "INSERT INTO t (a) VALUES (?),(?)"
        );
    }
}
