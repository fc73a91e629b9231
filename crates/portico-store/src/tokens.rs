//! API tokens. Only the hash of a token is stored; the raw value is shown to
//! its owner once, when it is created.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::api_token;
use crate::{ApiTokenRow, Conn, StoreError, Timestamp};

pub struct NewApiToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewApiToken<'_>) -> Result<ApiTokenRow, StoreError> {
    let row = api_token::ActiveModel {
        user_id: Set(new.user_id),
        name: Set(new.name.to_owned()),
        token_hash: Set(new.token_hash.to_owned()),
        created_at: Set(new.now),
        expires_at: Set(new.expires_at),
        last_used_at: Set(None),
        revoked_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<ApiTokenRow>, StoreError> {
    Ok(api_token::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_by_token_hash(
    conn: &impl Conn,
    token_hash: &str,
) -> Result<Option<ApiTokenRow>, StoreError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

/// A user's tokens, newest first (revoked and expired ones included).
pub async fn for_user(conn: &impl Conn, user_id: i64) -> Result<Vec<ApiTokenRow>, StoreError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .order_by_desc(api_token::Column::Id)
        .all(conn)
        .await?)
}

/// Whether the user has a live (unrevoked, unexpired at `now`) token named `name`.
pub async fn live_name_taken(
    conn: &impl Conn,
    user_id: i64,
    name: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::Name.eq(name))
        .filter(api_token::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .iter()
        // Compared here rather than in SQL: SQLite keeps times as text.
        .any(|token| token.expires_at > now))
}

pub async fn update(conn: &impl Conn, row: ApiTokenRow) -> Result<ApiTokenRow, StoreError> {
    let active: api_token::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

/// Revokes every unrevoked token of a user (deactivation, deletion); returns
/// how many.
pub async fn revoke_all_for_user(
    conn: &impl Conn,
    user_id: i64,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let result = api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(now))
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
