//! Favourites ("saved for later"): pages a person starred. Who may star what
//! is the app's business; listing filters by the reader's page visibility in
//! the query, so a page they lost access to is neither listed nor counted.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::favourite;
use crate::pages::Visibility;
use crate::{Conn, StoreError, Timestamp};

/// Whether `user` starred `page`.
pub async fn is_favourite(conn: &impl Conn, user: i64, page: i64) -> Result<bool, StoreError> {
    Ok(favourite::Entity::find_by_id((user, page))
        .one(conn)
        .await?
        .is_some())
}

/// Stars a page; starring twice is one star. Answers whether it is new.
pub async fn add(
    conn: &impl Conn,
    user: i64,
    page: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    if is_favourite(conn, user, page).await? {
        return Ok(false);
    }
    let row = favourite::ActiveModel {
        user_id: Set(user),
        page_id: Set(page),
        created_at: Set(now),
    };
    match row.insert(conn).await.map_err(StoreError::from) {
        Ok(_) => Ok(true),
        Err(StoreError::Duplicate(_)) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Unstars a page. Answers whether it was starred.
pub async fn remove(conn: &impl Conn, user: i64, page: i64) -> Result<bool, StoreError> {
    let done = favourite::Entity::delete_by_id((user, page))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// A starred page and when it was starred.
pub struct Starred {
    pub page_id: i64,
    pub at: Timestamp,
}

/// `user`'s starred pages that `visible` admits and that are current, most
/// recently starred first; `before` (a page id from the previous slice)
/// continues a listing.
pub async fn list(
    conn: &impl Conn,
    user: i64,
    visible: Visibility<'_>,
    before: Option<(Timestamp, i64)>,
    limit: u64,
) -> Result<Vec<Starred>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = favourite::Entity::find()
        .filter(favourite::Column::UserId.eq(user))
        .filter(favourite::Column::PageId.in_subquery(visible.current_page_ids()));
    if let Some((at, page_id)) = before {
        select = select.filter(
            sea_orm::Condition::any()
                .add(favourite::Column::CreatedAt.lt(at))
                .add(
                    sea_orm::Condition::all()
                        .add(favourite::Column::CreatedAt.eq(at))
                        .add(favourite::Column::PageId.lt(page_id)),
                ),
        );
    }
    Ok(select
        .order_by_desc(favourite::Column::CreatedAt)
        .order_by_desc(favourite::Column::PageId)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(|row| Starred {
            page_id: row.page_id,
            at: row.created_at,
        })
        .collect())
}

/// When `user` starred `page`, if they did.
pub async fn starred_at(
    conn: &impl Conn,
    user: i64,
    page: i64,
) -> Result<Option<Timestamp>, StoreError> {
    Ok(favourite::Entity::find_by_id((user, page))
        .one(conn)
        .await?
        .map(|row| row.created_at))
}
