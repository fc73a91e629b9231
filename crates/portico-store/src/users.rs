//! Users: just enough of the directory to sign in (the full directory extends it).

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::user;
use crate::{Conn, StoreError, Timestamp, UserRow};

/// A user to create. `email` must already be normalised (trimmed, lower case).
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub role: &'a str,
    pub org_admin: bool,
    pub status: &'a str,
    pub now: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewUser<'_>) -> Result<UserRow, StoreError> {
    let row = user::ActiveModel {
        email: Set(new.email.to_owned()),
        display_name: Set(new.display_name.to_owned()),
        password_hash: Set(new.password_hash.map(str::to_owned)),
        role: Set(new.role.to_owned()),
        org_admin: Set(new.org_admin),
        status: Set(new.status.to_owned()),
        ever_paid: Set(new.role == "member" || new.role == "admin"),
        failed_sign_ins: Set(0),
        locked_until: Set(None),
        last_active_at: Set(None),
        guest_access_expires_at: Set(None),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_email(conn: &impl Conn, email: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(conn)
        .await?)
}

pub async fn find_many(conn: &impl Conn, ids: &[i64]) -> Result<Vec<UserRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

pub async fn count_org_admins(conn: &impl Conn) -> Result<u64, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::OrgAdmin.eq(true))
        .count(conn)
        .await?)
}

/// Saves every field of `row` (the caller changes the fields it means to).
pub async fn update(conn: &impl Conn, row: UserRow) -> Result<UserRow, StoreError> {
    let active: user::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

/// Users whose e-mail or name contains `search` (case-insensitive), with the
/// given statuses (all when empty), in id order.
pub async fn search(
    conn: &impl Conn,
    search: Option<&str>,
    statuses: &[&str],
) -> Result<Vec<UserRow>, StoreError> {
    let mut select = user::Entity::find();
    if let Some(text) = search.map(str::trim).filter(|text| !text.is_empty()) {
        let pattern = text.to_lowercase();
        select = select.filter(
            Condition::any()
                .add(user::Column::Email.contains(&pattern))
                .add(
                    Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)))
                        .like(format!("%{pattern}%")),
                ),
        );
    }
    if !statuses.is_empty() {
        select = select.filter(user::Column::Status.is_in(statuses.iter().copied()));
    }
    Ok(select.order_by_asc(user::Column::Id).all(conn).await?)
}

/// `text` as a LIKE pattern's literal part (`\` escapes `%`, `_` and itself).
fn like_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Active users to offer as mentions: those whose display name contains
/// `text`, or (with `email_prefix`) whose e-mail starts with it, ignoring
/// case; ordered by name then id, `limit` of them from `offset`. Who of them
/// may be offered is the caller's to decide.
pub async fn mention_candidates(
    conn: &impl Conn,
    text: &str,
    email_prefix: bool,
    offset: u64,
    limit: u64,
) -> Result<Vec<UserRow>, StoreError> {
    let literal = like_literal(&text.to_lowercase());
    let name = Expr::expr(Func::lower(Expr::col(user::Column::DisplayName)));
    let mut matches = Condition::any().add(
        name.clone()
            .like(LikeExpr::new(format!("%{literal}%")).escape('\\')),
    );
    if email_prefix {
        matches = matches.add(
            Expr::col(user::Column::Email).like(LikeExpr::new(format!("{literal}%")).escape('\\')),
        );
    }
    Ok(user::Entity::find()
        .filter(user::Column::Status.eq("active"))
        .filter(matches)
        .order_by_asc(name)
        .order_by_asc(user::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Serialises changes to the directory's headcount: on PostgreSQL a
/// transaction-scoped advisory lock; on SQLite the single writer already
/// serialises every write transaction.
pub async fn lock_headcount(conn: &impl Conn) -> Result<(), StoreError> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        conn.execute_unprepared("SELECT pg_advisory_xact_lock(7301)")
            .await?;
    }
    Ok(())
}

/// Active accounts whose guest access ended at or before `now`.
pub async fn expired_guests(conn: &impl Conn, now: Timestamp) -> Result<Vec<UserRow>, StoreError> {
    Ok(user::Entity::find()
        .filter(user::Column::GuestAccessExpiresAt.lte(now))
        .filter(user::Column::Status.eq("active"))
        .order_by_asc(user::Column::Id)
        .all(conn)
        .await?)
}
