//! Attachments and their versions. Listing takes the viewer's page filter, so
//! a file is only ever listed on a page the viewer may view.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use crate::entity::{attachment, attachment_version};
use crate::pages::Visibility;
use crate::{Conn, StoreError, Timestamp};

pub use attachment::Model as AttachmentRow;
pub use attachment_version::Model as AttachmentVersionRow;

/// One upload to record: a new file name on a page, or a new version of one.
pub struct NewUpload<'a> {
    pub page_id: i64,
    pub file_name: &'a str,
    pub content_hash: &'a str,
    pub size: i64,
    pub media_type: &'a str,
    pub comment: &'a str,
    pub by: i64,
    pub now: Timestamp,
}

/// The page's current (not trashed) attachment called `file_name`, if any.
pub async fn find_by_name(
    conn: &impl Conn,
    page_id: i64,
    file_name: &str,
) -> Result<Option<AttachmentRow>, StoreError> {
    Ok(attachment::Entity::find()
        .filter(attachment::Column::PageId.eq(page_id))
        .filter(attachment::Column::FileName.eq(file_name))
        .filter(attachment::Column::Status.eq("current"))
        .one(conn)
        .await?)
}

/// The attachment with `id`, whatever its page and status (callers check both).
pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<AttachmentRow>, StoreError> {
    Ok(attachment::Entity::find_by_id(id).one(conn).await?)
}

/// Records an upload: version 1 of a new file name, or the next version of
/// the page's file with that name. Returns the attachment and the version.
pub async fn record_upload(
    conn: &impl Conn,
    new: NewUpload<'_>,
) -> Result<(AttachmentRow, AttachmentVersionRow), StoreError> {
    let row = match find_by_name(conn, new.page_id, new.file_name).await? {
        Some(existing) => {
            let mut active: attachment::ActiveModel = existing.clone().into();
            active.version = Set(existing.version + 1);
            active.updated_by = Set(Some(new.by));
            active.updated_at = Set(new.now);
            active.update(conn).await?
        }
        None => {
            attachment::ActiveModel {
                page_id: Set(new.page_id),
                file_name: Set(new.file_name.to_owned()),
                version: Set(1),
                created_by: Set(Some(new.by)),
                created_at: Set(new.now),
                updated_by: Set(Some(new.by)),
                updated_at: Set(new.now),
                status: Set("current".to_owned()),
                ..Default::default()
            }
            .insert(conn)
            .await?
        }
    };
    let version = attachment_version::ActiveModel {
        attachment_id: Set(row.id),
        version: Set(row.version),
        content_hash: Set(new.content_hash.to_owned()),
        size: Set(new.size),
        media_type: Set(new.media_type.to_owned()),
        comment: Set(new.comment.to_owned()),
        created_by: Set(Some(new.by)),
        created_at: Set(new.now),
    }
    .insert(conn)
    .await?;
    Ok((row, version))
}

/// Version `number` of the attachment (the current one when `None`).
pub async fn version(
    conn: &impl Conn,
    attachment: &AttachmentRow,
    number: Option<i64>,
) -> Result<Option<AttachmentVersionRow>, StoreError> {
    Ok(attachment_version::Entity::find_by_id((
        attachment.id,
        number.unwrap_or(attachment.version),
    ))
    .one(conn)
    .await?)
}

/// Every version of the attachment, newest first.
pub async fn versions(
    conn: &impl Conn,
    attachment_id: i64,
) -> Result<Vec<AttachmentVersionRow>, StoreError> {
    Ok(attachment_version::Entity::find()
        .filter(attachment_version::Column::AttachmentId.eq(attachment_id))
        .order_by_desc(attachment_version::Column::Version)
        .all(conn)
        .await?)
}

/// The attachments of `page_id` by name, each with its current version, if
/// the page is one `visible` admits; nothing otherwise.
pub async fn for_page(
    conn: &impl Conn,
    visible: Visibility<'_>,
    page_id: i64,
) -> Result<Vec<(AttachmentRow, AttachmentVersionRow)>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let rows = attachment::Entity::find()
        .filter(attachment::Column::PageId.eq(page_id))
        .filter(attachment::Column::PageId.in_subquery(visible.page_if_visible(page_id)))
        .filter(attachment::Column::Status.eq("current"))
        .order_by_asc(attachment::Column::FileName)
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?;
    // Every attachment's current version, in one query.
    crate::trash::with_current_versions(conn, rows).await
}

/// How many versions (of any attachment) keep the file with `hash`.
pub async fn hash_references(conn: &impl Conn, hash: &str) -> Result<u64, StoreError> {
    Ok(attachment_version::Entity::find()
        .filter(attachment_version::Column::ContentHash.eq(hash))
        .count(conn)
        .await?)
}
