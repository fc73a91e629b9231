//! Page versions: one row per save, never changed afterwards.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

use crate::entity::page_version;
use crate::{Conn, StoreError, Timestamp, VersionRow};

pub struct NewVersion<'a> {
    pub page_id: i64,
    pub number: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub message: &'a str,
    pub author_id: i64,
    pub now: Timestamp,
}

pub async fn insert(conn: &impl Conn, new: NewVersion<'_>) -> Result<VersionRow, StoreError> {
    let row = page_version::ActiveModel {
        page_id: Set(new.page_id),
        number: Set(new.number),
        title: Set(new.title.to_owned()),
        body: Set(new.body.to_owned()),
        message: Set(new.message.to_owned()),
        author_id: Set(Some(new.author_id)),
        created_at: Set(new.now),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

pub async fn find(
    conn: &impl Conn,
    page_id: i64,
    number: i64,
) -> Result<Option<VersionRow>, StoreError> {
    Ok(page_version::Entity::find()
        .filter(page_version::Column::PageId.eq(page_id))
        .filter(page_version::Column::Number.eq(number))
        .one(conn)
        .await?)
}

/// Versions of a page, newest first, with numbers below `before` (if given).
pub async fn list(
    conn: &impl Conn,
    page_id: i64,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<VersionRow>, StoreError> {
    let mut select = page_version::Entity::find().filter(page_version::Column::PageId.eq(page_id));
    if let Some(before) = before {
        select = select.filter(page_version::Column::Number.lt(before));
    }
    Ok(select
        .order_by_desc(page_version::Column::Number)
        .limit(limit)
        .all(conn)
        .await?)
}

pub async fn count(conn: &impl Conn, page_id: i64) -> Result<u64, StoreError> {
    Ok(page_version::Entity::find()
        .filter(page_version::Column::PageId.eq(page_id))
        .count(conn)
        .await?)
}
