//! The trash of a space: trashed pages (any kind of `pages` row) with what
//! restoring them needs, trashed attachments, and purging both. Listing takes
//! the viewer's page filter, as every page query does.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set,
};

use crate::attachments::{AttachmentRow, AttachmentVersionRow};
use crate::entity::{attachment, attachment_version, page, page_trash};
use crate::pages::Visibility;
use crate::{Conn, PageRow, StoreError, Timestamp};

pub use page_trash::Model as PageTrashRow;

/// Remembers where a page stood when it was trashed.
pub async fn remember(
    conn: &impl Conn,
    page: &PageRow,
    by: i64,
    now: Timestamp,
) -> Result<(), StoreError> {
    page_trash::Entity::delete_by_id(page.id).exec(conn).await?;
    page_trash::ActiveModel {
        page_id: Set(page.id),
        parent_id: Set(page.parent_id),
        position: Set(page.position),
        trashed_by: Set(Some(by)),
        trashed_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What was remembered of a trashed page.
pub async fn find(conn: &impl Conn, page_id: i64) -> Result<Option<PageTrashRow>, StoreError> {
    Ok(page_trash::Entity::find_by_id(page_id).one(conn).await?)
}

/// Forgets a page's trash entry (it was restored).
pub async fn forget(conn: &impl Conn, page_id: i64) -> Result<(), StoreError> {
    page_trash::Entity::delete_by_id(page_id).exec(conn).await?;
    Ok(())
}

/// Pages of `space_id` in the trash that `visible` admits, newest first, at
/// most `limit`.
pub async fn pages(
    conn: &impl Conn,
    visible: Visibility<'_>,
    space_id: i64,
    limit: u64,
) -> Result<Vec<(PageRow, PageTrashRow)>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let trashed = page::Entity::find()
        .select_only()
        .column(page::Column::Id)
        .filter(visible.condition())
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::Status.eq("trashed"))
        .into_query();
    let entries = page_trash::Entity::find()
        .filter(page_trash::Column::PageId.in_subquery(trashed))
        .order_by_desc(page_trash::Column::TrashedAt)
        .order_by_desc(page_trash::Column::PageId)
        .limit(limit)
        .all(conn)
        .await?;
    let ids: Vec<i64> = entries.iter().map(|entry| entry.page_id).collect();
    let mut rows: HashMap<i64, PageRow> = crate::pages::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, row))
        .collect();
    Ok(entries
        .into_iter()
        .filter_map(|entry| Some((rows.remove(&entry.page_id)?, entry)))
        .collect())
}

/// Trashed attachments on pages of `space_id` that `visible` admits (the
/// page current or itself trashed), newest first, at most `limit`, each with
/// its current version.
pub async fn attachments(
    conn: &impl Conn,
    visible: Visibility<'_>,
    space_id: i64,
    limit: u64,
) -> Result<Vec<(AttachmentRow, AttachmentVersionRow)>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let rows = attachment::Entity::find()
        .filter(attachment::Column::Status.eq("trashed"))
        .filter(attachment::Column::PageId.in_subquery(trashed_or_current_pages(visible, space_id)))
        .order_by_desc(attachment::Column::TrashedAt)
        .order_by_desc(attachment::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    with_current_versions(conn, rows).await
}

fn trashed_or_current_pages(
    visible: Visibility<'_>,
    space_id: i64,
) -> sea_orm::sea_query::SelectStatement {
    page::Entity::find()
        .select_only()
        .column(page::Column::Id)
        .filter(visible.condition())
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::Status.is_in(["current", "trashed"]))
        .into_query()
}

pub(crate) async fn with_current_versions(
    conn: &impl Conn,
    rows: Vec<AttachmentRow>,
) -> Result<Vec<(AttachmentRow, AttachmentVersionRow)>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
    let mut current: HashMap<(i64, i64), AttachmentVersionRow> = attachment_version::Entity::find()
        .filter(attachment_version::Column::AttachmentId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|version| ((version.attachment_id, version.version), version))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let version = current.remove(&(row.id, row.version))?;
            Some((row, version))
        })
        .collect())
}

/// Every trashed page of a space (for emptying its trash), whatever the
/// viewer: only a space admin empties it.
pub async fn all_pages(conn: &impl Conn, space_id: i64) -> Result<Vec<PageRow>, StoreError> {
    Ok(page::Entity::find()
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::Status.eq("trashed"))
        .order_by_asc(page::Column::Id)
        .all(conn)
        .await?)
}

/// Every trashed attachment on a current page of a space (trashed pages take
/// theirs with them when purged).
pub async fn all_attachments(
    conn: &impl Conn,
    space_id: i64,
) -> Result<Vec<AttachmentRow>, StoreError> {
    let current = page::Entity::find()
        .select_only()
        .column(page::Column::Id)
        .filter(page::Column::SpaceId.eq(space_id))
        .filter(page::Column::Status.ne("trashed"))
        .into_query();
    Ok(attachment::Entity::find()
        .filter(attachment::Column::Status.eq("trashed"))
        .filter(attachment::Column::PageId.in_subquery(current))
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?)
}

/// Moves an attachment to the trash, or back (`trashed` false).
pub async fn set_attachment_trashed(
    conn: &impl Conn,
    row: AttachmentRow,
    trashed: bool,
    by: i64,
    now: Timestamp,
) -> Result<AttachmentRow, StoreError> {
    let mut active: attachment::ActiveModel = row.into();
    active.status = Set(if trashed { "trashed" } else { "current" }.to_owned());
    active.trashed_by = Set(trashed.then_some(by));
    active.trashed_at = Set(trashed.then_some(now));
    active.updated_by = Set(Some(by));
    active.updated_at = Set(now);
    Ok(active.update(conn).await?)
}

/// The content hashes the versions of these attachments use.
async fn hashes_of_attachments(
    conn: &impl Conn,
    select: sea_orm::sea_query::SelectStatement,
) -> Result<BTreeSet<String>, StoreError> {
    let hashes: Vec<String> = attachment_version::Entity::find()
        .select_only()
        .column(attachment_version::Column::ContentHash)
        .distinct()
        .filter(attachment_version::Column::AttachmentId.in_subquery(select))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(hashes.into_iter().collect())
}

/// Deletes an attachment with its versions; returns the content hashes they
/// used (files the caller may remove once no version refers to them).
pub async fn purge_attachment(
    conn: &impl Conn,
    attachment_id: i64,
) -> Result<BTreeSet<String>, StoreError> {
    let hashes = hashes_of_attachments(
        conn,
        attachment::Entity::find()
            .select_only()
            .column(attachment::Column::Id)
            .filter(attachment::Column::Id.eq(attachment_id))
            .into_query(),
    )
    .await?;
    attachment::Entity::delete_by_id(attachment_id)
        .exec(conn)
        .await?;
    Ok(hashes)
}

/// Rows of any status whose parent is `page_id` (after a page is trashed:
/// drafts, and pages trashed before it).
pub async fn hanging_under(conn: &impl Conn, page_id: i64) -> Result<Vec<PageRow>, StoreError> {
    Ok(page::Entity::find()
        .filter(page::Column::ParentId.eq(page_id))
        .order_by_asc(page::Column::Id)
        .all(conn)
        .await?)
}

/// Deletes a page row and everything hanging on it (versions, comments,
/// attachments and their versions, labels, watches, notifications,
/// restrictions, grants on it, its trash entry: all `ON DELETE CASCADE`).
/// The caller moves away the rows naming it as parent first
/// ([`hanging_under`]). Returns the content hashes its attachments used.
pub async fn purge_page(conn: &impl Conn, page_id: i64) -> Result<BTreeSet<String>, StoreError> {
    let hashes = hashes_of_attachments(
        conn,
        attachment::Entity::find()
            .select_only()
            .column(attachment::Column::Id)
            .filter(attachment::Column::PageId.eq(page_id))
            .into_query(),
    )
    .await?;
    page::Entity::delete_by_id(page_id).exec(conn).await?;
    Ok(hashes)
}

/// Of `hashes`, those no attachment version refers to any more.
pub async fn unreferenced(
    conn: &impl Conn,
    hashes: &BTreeSet<String>,
) -> Result<BTreeSet<String>, StoreError> {
    if hashes.is_empty() {
        return Ok(BTreeSet::new());
    }
    let used: Vec<String> = attachment_version::Entity::find()
        .select_only()
        .column(attachment_version::Column::ContentHash)
        .distinct()
        .filter(attachment_version::Column::ContentHash.is_in(hashes.iter().cloned()))
        .into_tuple()
        .all(conn)
        .await?;
    let used: BTreeSet<String> = used.into_iter().collect();
    Ok(hashes.difference(&used).cloned().collect())
}

/// Every content hash some attachment version refers to (for the sweep of
/// unreferenced files).
pub async fn referenced_hashes(conn: &impl Conn) -> Result<BTreeSet<String>, StoreError> {
    let used: Vec<String> = attachment_version::Entity::find()
        .select_only()
        .column(attachment_version::Column::ContentHash)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    Ok(used.into_iter().collect())
}
