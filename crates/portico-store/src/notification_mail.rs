//! E-mail for notices: which notices still wait for a digest, settling them
//! (sent, dropped, opted out, mailed at once), and each person's e-mail
//! preference. What may be mailed is the app's business (it re-checks every
//! notice against the recipient's access set at digest time); this module
//! only guarantees that a notice leaves `pending` once, so it is mailed at
//! most once even when two digest runs overlap.

use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::entity::{notification, notification_setting};
use crate::{Conn, NotificationRow, StoreError, Timestamp};

/// The e-mail state of a notice no digest has looked at yet.
pub const PENDING: &str = "pending";

/// People with notices waiting for a digest, lowest id first, above `after`.
pub async fn recipients_with_pending(
    conn: &impl Conn,
    after: Option<i64>,
    limit: u64,
) -> Result<Vec<i64>, StoreError> {
    let mut select = notification::Entity::find()
        .select_only()
        .column(notification::Column::RecipientId)
        .distinct()
        .filter(notification::Column::EmailState.eq(PENDING));
    if let Some(after) = after {
        select = select.filter(notification::Column::RecipientId.gt(after));
    }
    Ok(select
        .order_by_asc(notification::Column::RecipientId)
        .limit(limit)
        .into_tuple::<i64>()
        .all(conn)
        .await?)
}

/// `recipient`'s notices waiting for a digest, oldest first.
pub async fn pending_for(
    conn: &impl Conn,
    recipient: i64,
    limit: u64,
) -> Result<Vec<NotificationRow>, StoreError> {
    Ok(notification::Entity::find()
        .filter(notification::Column::RecipientId.eq(recipient))
        .filter(notification::Column::EmailState.eq(PENDING))
        .order_by_asc(notification::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Moves those of `ids` that are still pending to `state` (`emailed_at` is
/// set to `now`, the moment the decision was taken). Answers how many moved:
/// fewer than `ids.len()` means another run settled some first.
pub async fn settle(
    conn: &impl Conn,
    ids: &[i64],
    state: &str,
    now: Timestamp,
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let mut moved = 0;
    // Bounded statements: a long backlog must not exceed parameter limits.
    for chunk in ids.chunks(500) {
        moved += notification::Entity::update_many()
            .col_expr(notification::Column::EmailState, Expr::value(state))
            .col_expr(notification::Column::EmailedAt, Expr::value(Some(now)))
            .filter(notification::Column::Id.is_in(chunk.iter().copied()))
            .filter(notification::Column::EmailState.eq(PENDING))
            .exec(conn)
            .await?
            .rows_affected;
    }
    Ok(moved)
}

/// `user`'s stored e-mail preference (`None`: never set, the default).
pub async fn email_preference(conn: &impl Conn, user: i64) -> Result<Option<String>, StoreError> {
    Ok(notification_setting::Entity::find_by_id(user)
        .one(conn)
        .await?
        .map(|row| row.email))
}

/// Stores `user`'s e-mail preference.
pub async fn set_email_preference(
    conn: &impl Conn,
    user: i64,
    email: &str,
    now: Timestamp,
) -> Result<(), StoreError> {
    let row = notification_setting::ActiveModel {
        user_id: Set(user),
        email: Set(email.to_owned()),
        updated_at: Set(now),
    };
    notification_setting::Entity::insert(row)
        .on_conflict(
            OnConflict::column(notification_setting::Column::UserId)
                .update_columns([
                    notification_setting::Column::Email,
                    notification_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}
