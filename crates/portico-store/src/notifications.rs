//! In-product notifications. Rows hold ids only; every read goes through
//! [`Readable`], the reader's current access set as a query filter, so a
//! notification about something the reader can no longer view is neither
//! listed nor counted nor markable — exactly as if it didn't exist.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Set,
};

use crate::entity::{notification, page};
use crate::pages::Visibility;
use crate::{Conn, NotificationRow, StoreError, Timestamp};

pub struct NewNotification<'a> {
    pub recipient_id: i64,
    pub kind: &'a str,
    pub actor_id: Option<i64>,
    pub space_id: i64,
    pub page_id: Option<i64>,
    pub payload: &'a serde_json::Value,
    pub now: Timestamp,
}

pub async fn insert(
    conn: &impl Conn,
    new: NewNotification<'_>,
) -> Result<NotificationRow, StoreError> {
    let row = notification::ActiveModel {
        recipient_id: Set(new.recipient_id),
        kind: Set(new.kind.to_owned()),
        actor_id: Set(new.actor_id),
        space_id: Set(new.space_id),
        page_id: Set(new.page_id),
        payload: Set(new.payload.to_string()),
        created_at: Set(new.now),
        read_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// The notifications one person may read now: theirs, of the kinds they may
/// be told about, and about a current page they can view (`pages`, the same
/// filter every page list takes) or, for notices about a space itself, a
/// space they can view (`spaces`).
#[derive(Debug, Clone, Copy)]
pub struct Readable<'a> {
    pub recipient: i64,
    pub kinds: &'a [&'a str],
    pub pages: Visibility<'a>,
    pub spaces: &'a [i64],
}

impl Readable<'_> {
    /// `None` when nothing at all can be read (no query needed).
    fn condition(&self) -> Option<Condition> {
        if self.kinds.is_empty() || (self.pages.is_empty() && self.spaces.is_empty()) {
            return None;
        }
        let mut about = Condition::any();
        if !self.pages.is_empty() {
            let visible = page::Entity::find()
                .select_only()
                .column(page::Column::Id)
                .filter(self.pages.condition())
                .filter(page::Column::Status.eq("current"))
                .into_query();
            about = about.add(
                Condition::all()
                    .add(notification::Column::PageId.is_not_null())
                    .add(notification::Column::PageId.in_subquery(visible)),
            );
        }
        if !self.spaces.is_empty() {
            about = about.add(
                Condition::all()
                    .add(notification::Column::PageId.is_null())
                    .add(notification::Column::SpaceId.is_in(self.spaces.iter().copied())),
            );
        }
        Some(
            Condition::all()
                .add(notification::Column::RecipientId.eq(self.recipient))
                .add(notification::Column::Kind.is_in(self.kinds.iter().copied()))
                .add(about),
        )
    }
}

/// Readable notifications, newest first, older than `before_id` if given.
pub async fn list(
    conn: &impl Conn,
    readable: Readable<'_>,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<NotificationRow>, StoreError> {
    let Some(condition) = readable.condition() else {
        return Ok(Vec::new());
    };
    let mut select = notification::Entity::find().filter(condition);
    if let Some(before) = before_id {
        select = select.filter(notification::Column::Id.lt(before));
    }
    Ok(select
        .order_by_desc(notification::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// How many readable notifications are unread.
pub async fn count_unread(conn: &impl Conn, readable: Readable<'_>) -> Result<u64, StoreError> {
    let Some(condition) = readable.condition() else {
        return Ok(0);
    };
    Ok(notification::Entity::find()
        .filter(condition)
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await?)
}

/// One readable notification.
pub async fn find_readable(
    conn: &impl Conn,
    readable: Readable<'_>,
    id: i64,
) -> Result<Option<NotificationRow>, StoreError> {
    let Some(condition) = readable.condition() else {
        return Ok(None);
    };
    Ok(notification::Entity::find()
        .filter(condition)
        .filter(notification::Column::Id.eq(id))
        .one(conn)
        .await?)
}

/// Marks unread readable notifications read: those in `ids`, or all of them
/// up to `up_to_id` (inclusive) when `ids` is `None`. Answers how many.
pub async fn mark_read(
    conn: &impl Conn,
    readable: Readable<'_>,
    ids: Option<&[i64]>,
    up_to_id: Option<i64>,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let Some(condition) = readable.condition() else {
        return Ok(0);
    };
    let mut update = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now))
        .filter(condition)
        .filter(notification::Column::ReadAt.is_null());
    if let Some(ids) = ids {
        update = update.filter(notification::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(last) = up_to_id {
        update = update.filter(notification::Column::Id.lte(last));
    }
    Ok(update.exec(conn).await?.rows_affected)
}
