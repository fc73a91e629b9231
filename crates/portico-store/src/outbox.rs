//! The mail outbox: every e-mail Portico sends is first a row here, written in
//! the same transaction as the change that caused it (an invitation, a
//! password reset). A sender delivers due rows and records the outcome.
//!
//! Timestamps are stored in UTC and to the whole second: on SQLite they are
//! RFC 3339 text, and `next_attempt_at <= now` compares that text, which only
//! orders correctly when every value has the same offset and no fraction
//! (`10:00:00.5Z` sorts before `10:00:00Z`).

use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::UtcOffset;

use crate::entity::outbox;
use crate::{Conn, OutboxRow, StoreError, Timestamp};

pub struct NewMail<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub now: Timestamp,
}

// INVARIANT: every timestamp this module writes or compares goes through here.
fn utc(at: Timestamp) -> Timestamp {
    at.to_offset(UtcOffset::UTC).truncate_to_second()
}

/// Queues a mail, due at once. Returns its id.
pub async fn enqueue(conn: &impl Conn, new: NewMail<'_>) -> Result<i64, StoreError> {
    let row = outbox::ActiveModel {
        recipient: Set(new.recipient.to_owned()),
        subject: Set(new.subject.to_owned()),
        body: Set(new.body.to_owned()),
        created_at: Set(utc(new.now)),
        attempts: Set(0),
        next_attempt_at: Set(utc(new.now)),
        sent_at: Set(None),
        last_error: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?.id)
}

/// Unsent mail whose next attempt is due at `now`, oldest first.
pub async fn due(
    conn: &impl Conn,
    now: Timestamp,
    limit: u64,
) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(utc(now)))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Takes a due mail for sending by moving its next attempt to `lease_until`,
/// so that another sender (another node, an overlapping run) skips it. Returns
/// whether this caller got it; if the sender dies mid-way, the mail becomes due
/// again when the lease ends.
pub async fn claim(
    conn: &impl Conn,
    id: i64,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<bool, StoreError> {
    let result = outbox::Entity::update_many()
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(utc(lease_until)))
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::SentAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(utc(now)))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records a successful delivery.
pub async fn mark_sent(conn: &impl Conn, id: i64, now: Timestamp) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(outbox::Column::SentAt, Expr::value(Some(utc(now))))
        .filter(outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a failed attempt: one more attempt, the error, and when to retry.
pub async fn mark_failed(
    conn: &impl Conn,
    id: i64,
    error: &str,
    next_attempt_at: Timestamp,
) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Some(error.to_owned())),
        )
        .col_expr(
            outbox::Column::NextAttemptAt,
            Expr::value(utc(next_attempt_at)),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Mail newest first, starting below `before_id` when given.
pub async fn list(
    conn: &impl Conn,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<OutboxRow>, StoreError> {
    let mut select = outbox::Entity::find();
    if let Some(before) = before_id {
        select = select.filter(outbox::Column::Id.lt(before));
    }
    Ok(select
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<OutboxRow>, StoreError> {
    Ok(outbox::Entity::find_by_id(id).one(conn).await?)
}
