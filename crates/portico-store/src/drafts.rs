//! Drafts of published pages: one unpublished edit per page and author.
//! Who may save or read one is the app's business; this is the table.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::page_draft;
use crate::pages::Visibility;
use crate::{Conn, DraftRow, StoreError, Timestamp};

pub struct DraftInput<'a> {
    pub page_id: i64,
    pub author_id: i64,
    pub title: &'a str,
    pub body: &'a str,
    pub base_version: i64,
    pub now: Timestamp,
}

/// `author`'s draft of `page`, if they have one.
pub async fn find(
    conn: &impl Conn,
    page: i64,
    author: i64,
) -> Result<Option<DraftRow>, StoreError> {
    Ok(page_draft::Entity::find_by_id((page, author))
        .one(conn)
        .await?)
}

/// Saves `author`'s draft of a page, replacing the one they had; the draft
/// keeps the time it was first saved.
pub async fn save(conn: &impl Conn, draft: DraftInput<'_>) -> Result<DraftRow, StoreError> {
    let row = page_draft::ActiveModel {
        page_id: Set(draft.page_id),
        author_id: Set(draft.author_id),
        title: Set(draft.title.to_owned()),
        body: Set(draft.body.to_owned()),
        base_version: Set(draft.base_version),
        created_at: Set(draft.now),
        updated_at: Set(draft.now),
    };
    page_draft::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([page_draft::Column::PageId, page_draft::Column::AuthorId])
                .update_columns([
                    page_draft::Column::Title,
                    page_draft::Column::Body,
                    page_draft::Column::BaseVersion,
                    page_draft::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    find(conn, draft.page_id, draft.author_id)
        .await?
        .ok_or_else(|| StoreError::Database(DbErr::RecordNotFound("page_drafts".to_owned())))
}

/// Removes `author`'s draft of `page`. Answers whether there was one.
pub async fn discard(conn: &impl Conn, page: i64, author: i64) -> Result<bool, StoreError> {
    let done = page_draft::Entity::delete_by_id((page, author))
        .exec(conn)
        .await?;
    Ok(done.rows_affected > 0)
}

/// `author`'s drafts of current pages that `visible` admits, newest first:
/// a draft of a page the author can no longer see stays stored but unlisted.
pub async fn of_author_visible(
    conn: &impl Conn,
    author: i64,
    visible: Visibility<'_>,
) -> Result<Vec<DraftRow>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(page_draft::Entity::find()
        .filter(page_draft::Column::AuthorId.eq(author))
        .filter(page_draft::Column::PageId.in_subquery(visible.current_page_ids()))
        .order_by_desc(page_draft::Column::UpdatedAt)
        .all(conn)
        .await?)
}
