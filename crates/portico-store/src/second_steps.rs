//! What a sign-in needs after the password: the session's pending step, the
//! e-mailed one-time codes (hashed) and authenticator (TOTP) secrets.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

use crate::entity::{email_code, session, totp_credential};
use crate::{Conn, SessionRow, StoreError, Timestamp};

pub use crate::entity::email_code::Model as EmailCodeRow;
pub use crate::entity::totp_credential::Model as TotpRow;

/// Sets (or clears, with `None`) the step a session still has to pass, and
/// starts its count of wrong answers afresh.
pub async fn set_pending_step(
    conn: &impl Conn,
    session: SessionRow,
    step: Option<&str>,
) -> Result<SessionRow, StoreError> {
    let mut active = session.into_active_model();
    active.pending_step = Set(step.map(str::to_owned));
    active.step_failures = Set(0);
    Ok(active.update(conn).await?)
}

/// Counts one more wrong answer to a session's pending step.
pub async fn add_step_failure(
    conn: &impl Conn,
    session: SessionRow,
) -> Result<SessionRow, StoreError> {
    let failures = session.step_failures + 1;
    let mut active = session.into_active_model();
    active.step_failures = Set(failures);
    Ok(active.update(conn).await?)
}

pub async fn find_session(conn: &impl Conn, id: i64) -> Result<Option<SessionRow>, StoreError> {
    Ok(session::Entity::find_by_id(id).one(conn).await?)
}

pub struct NewEmailCode<'a> {
    pub session_id: i64,
    pub user_id: i64,
    pub code_hash: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// Stores a new code for a session; earlier unused codes of the session die.
pub async fn insert_email_code(
    conn: &impl Conn,
    new: NewEmailCode<'_>,
) -> Result<EmailCodeRow, StoreError> {
    email_code::Entity::update_many()
        .col_expr(
            email_code::Column::UsedAt,
            sea_orm::sea_query::Expr::value(new.now),
        )
        .filter(email_code::Column::SessionId.eq(new.session_id))
        .filter(email_code::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    let row = email_code::ActiveModel {
        session_id: Set(new.session_id),
        user_id: Set(new.user_id),
        code_hash: Set(new.code_hash.to_owned()),
        created_at: Set(new.now),
        expires_at: Set(new.expires_at),
        attempts: Set(0),
        used_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// The newest code mailed for a session, used or not.
pub async fn latest_email_code(
    conn: &impl Conn,
    session_id: i64,
) -> Result<Option<EmailCodeRow>, StoreError> {
    Ok(email_code::Entity::find()
        .filter(email_code::Column::SessionId.eq(session_id))
        .order_by_desc(email_code::Column::Id)
        .one(conn)
        .await?)
}

/// How many codes were mailed to a person since `since` (the rate limit).
pub async fn email_codes_since(
    conn: &impl Conn,
    user_id: i64,
    since: Timestamp,
) -> Result<u64, StoreError> {
    Ok(email_code::Entity::find()
        .filter(email_code::Column::UserId.eq(user_id))
        .filter(email_code::Column::CreatedAt.gt(since))
        .count(conn)
        .await?)
}

/// Saves a code's attempt count and use.
pub async fn update_email_code(
    conn: &impl Conn,
    row: EmailCodeRow,
) -> Result<EmailCodeRow, StoreError> {
    let active: email_code::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

pub async fn totp(conn: &impl Conn, user_id: i64) -> Result<Option<TotpRow>, StoreError> {
    Ok(totp_credential::Entity::find_by_id(user_id)
        .one(conn)
        .await?)
}

/// Stores a person's TOTP secret, replacing any earlier one.
pub async fn replace_totp(conn: &impl Conn, row: TotpRow) -> Result<TotpRow, StoreError> {
    delete_totp(conn, row.user_id).await?;
    let active: totp_credential::ActiveModel = row.into();
    Ok(active.reset_all().insert(conn).await?)
}

/// Saves a confirmation or the last accepted time step.
pub async fn update_totp(conn: &impl Conn, row: TotpRow) -> Result<TotpRow, StoreError> {
    let active: totp_credential::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

pub async fn delete_totp(conn: &impl Conn, user_id: i64) -> Result<u64, StoreError> {
    Ok(totp_credential::Entity::delete_by_id(user_id)
        .exec(conn)
        .await?
        .rows_affected)
}
