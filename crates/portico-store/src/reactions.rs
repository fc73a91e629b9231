//! Reactions on pages and comments. Which emoji exist and who may react is
//! `portico_core::reaction`'s business; this is the table.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::reaction;
use crate::{Conn, ReactionRow, StoreError, Timestamp};

/// What a reaction is on: a page, or a comment of that page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reacted {
    pub page_id: i64,
    pub comment_id: Option<i64>,
}

impl Reacted {
    fn condition(self) -> Condition {
        let on = Condition::all().add(reaction::Column::PageId.eq(self.page_id));
        match self.comment_id {
            Some(comment) => on.add(reaction::Column::CommentId.eq(comment)),
            None => on.add(reaction::Column::CommentId.is_null()),
        }
    }
}

/// Adds `user`'s `emoji` on `what`; reacting twice is one reaction.
/// Answers whether it is new.
pub async fn add(
    conn: &impl Conn,
    user: i64,
    what: Reacted,
    emoji: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let existing = reaction::Entity::find()
        .filter(what.condition())
        .filter(reaction::Column::UserId.eq(user))
        .filter(reaction::Column::Emoji.eq(emoji))
        .one(conn)
        .await?;
    if existing.is_some() {
        return Ok(false);
    }
    let row = reaction::ActiveModel {
        user_id: Set(user),
        page_id: Set(what.page_id),
        comment_id: Set(what.comment_id),
        emoji: Set(emoji.to_owned()),
        created_at: Set(now),
        ..Default::default()
    };
    match row.insert(conn).await.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        // The same person, in another tab, got there first.
        Err(StoreError::Duplicate(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Removes `user`'s `emoji` from `what`. Answers whether there was one.
pub async fn remove(
    conn: &impl Conn,
    user: i64,
    what: Reacted,
    emoji: &str,
) -> Result<bool, StoreError> {
    let done = reaction::Entity::delete_many()
        .filter(what.condition())
        .filter(reaction::Column::UserId.eq(user))
        .filter(reaction::Column::Emoji.eq(emoji))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Every reaction on a page and on its comments, oldest first.
pub async fn on_page(conn: &impl Conn, page_id: i64) -> Result<Vec<ReactionRow>, StoreError> {
    Ok(reaction::Entity::find()
        .filter(reaction::Column::PageId.eq(page_id))
        .order_by_asc(reaction::Column::Id)
        .all(conn)
        .await?)
}
