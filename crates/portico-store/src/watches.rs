//! Who watches what: a person watches a space (every new page in it) or a
//! page (its edits and comments). Deciding who may watch, and who hears
//! about what, is the app's business; this is the table.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::watch;
use crate::{Conn, StoreError, Timestamp};

/// What a watch names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    Space(i64),
    Page(i64),
}

impl Watched {
    fn condition(self) -> sea_orm::Condition {
        match self {
            Watched::Space(id) => sea_orm::Condition::all().add(watch::Column::SpaceId.eq(id)),
            Watched::Page(id) => sea_orm::Condition::all().add(watch::Column::PageId.eq(id)),
        }
    }
}

/// Whether `user` watches `what`.
pub async fn is_watching(conn: &impl Conn, user: i64, what: Watched) -> Result<bool, StoreError> {
    Ok(watch::Entity::find()
        .filter(watch::Column::UserId.eq(user))
        .filter(what.condition())
        .one(conn)
        .await?
        .is_some())
}

/// Starts a watch; watching twice is one watch. Answers whether it is new.
pub async fn watch(
    conn: &impl Conn,
    user: i64,
    what: Watched,
    now: Timestamp,
) -> Result<bool, StoreError> {
    if is_watching(conn, user, what).await? {
        return Ok(false);
    }
    let (space_id, page_id) = match what {
        Watched::Space(id) => (Some(id), None),
        Watched::Page(id) => (None, Some(id)),
    };
    let row = watch::ActiveModel {
        user_id: Set(user),
        space_id: Set(space_id),
        page_id: Set(page_id),
        created_at: Set(now),
        ..Default::default()
    };
    match row.insert(conn).await.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        // Someone (the same person, in another tab) got there first.
        Err(StoreError::Duplicate(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Ends a watch. Answers whether there was one.
pub async fn unwatch(conn: &impl Conn, user: i64, what: Watched) -> Result<bool, StoreError> {
    let done = watch::Entity::delete_many()
        .filter(watch::Column::UserId.eq(user))
        .filter(what.condition())
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Everyone who watches `what`, by user id.
pub async fn watchers(conn: &impl Conn, what: Watched) -> Result<Vec<i64>, StoreError> {
    Ok(watch::Entity::find()
        .filter(what.condition())
        .order_by_asc(watch::Column::UserId)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| row.user_id)
        .collect())
}
