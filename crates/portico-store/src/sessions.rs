//! Server-side sessions and one-time setup tokens. Only hashes of the secrets
//! are stored; the raw values live in the browser cookie or the setup link.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};

use crate::entity::{password_reset, session, setup_token};
use crate::{Conn, SessionRow, StoreError, Timestamp};

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
    /// The first step still to pass after the password, if any.
    pub pending_step: Option<&'a str>,
}

pub async fn insert(conn: &impl Conn, new: NewSession<'_>) -> Result<SessionRow, StoreError> {
    let row = session::ActiveModel {
        token_hash: Set(new.token_hash.to_owned()),
        user_id: Set(new.user_id),
        csrf_token: Set(new.csrf_token.to_owned()),
        created_at: Set(new.now),
        expires_at: Set(new.expires_at),
        pending_step: Set(new.pending_step.map(str::to_owned)),
        step_failures: Set(0),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find_by_token_hash(
    conn: &impl Conn,
    token_hash: &str,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?)
}

pub async fn delete_by_token_hash(conn: &impl Conn, token_hash: &str) -> Result<u64, StoreError> {
    let result = session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

pub async fn insert_setup_token(
    conn: &impl Conn,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let row = setup_token::ActiveModel {
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    };
    row.insert(conn).await?;
    Ok(())
}

/// Whether a setup token exists, is unused and unexpired.
pub async fn setup_token_is_usable(
    conn: &impl Conn,
    token_hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Ok(setup_token::Entity::find()
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
        .is_some_and(|token| token.used_at.is_none() && token.expires_at > now))
}

/// Marks an unused, unexpired setup token as used. Returns whether it was valid;
/// a second use of the same token returns `false`.
pub async fn consume_setup_token(
    conn: &impl Conn,
    token_hash: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let Some(token) = setup_token::Entity::find()
        .filter(setup_token::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    if token.used_at.is_some() || token.expires_at <= now {
        return Ok(false);
    }
    let mut active = token.into_active_model();
    active.used_at = Set(Some(now));
    active.update(conn).await?;
    Ok(true)
}

/// Ends every session of a user (sign-out everywhere, deactivation).
pub async fn delete_for_user(conn: &impl Conn, user_id: i64) -> Result<u64, StoreError> {
    let result = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

pub async fn insert_password_reset(
    conn: &impl Conn,
    user_id: i64,
    token_hash: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<(), StoreError> {
    let row = password_reset::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash.to_owned()),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
        ..Default::default()
    };
    row.insert(conn).await?;
    Ok(())
}

/// Uses up an unused, unexpired password-reset token; returns its user.
pub async fn consume_password_reset(
    conn: &impl Conn,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<i64>, StoreError> {
    let Some(reset) = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    if reset.used_at.is_some() || reset.expires_at <= now {
        return Ok(None);
    }
    let user_id = reset.user_id;
    let mut active = reset.into_active_model();
    active.used_at = Set(Some(now));
    active.update(conn).await?;
    Ok(Some(user_id))
}
