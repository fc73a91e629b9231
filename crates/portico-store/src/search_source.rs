//! What the search indexer reads: current pages and blog posts with their
//! labels, contributors, current comments and current attachments, loaded
//! many at a time; and which pages a journal entry touches. Nothing here
//! filters by a viewer — the index stores the access fields and every
//! search filters by them (see `portico-search`).

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{
    attachment, attachment_version, comment, content_label, label, page, page_version,
};
use crate::{CommentRow, Conn, PageRow, StoreError, Timestamp};

/// A page or blog post and everything indexed with it.
#[derive(Debug, Clone)]
pub struct SourcePage {
    pub page: PageRow,
    pub labels: Vec<String>,
    /// Everyone who saved a version, in id order.
    pub contributors: Vec<i64>,
    pub comments: Vec<CommentRow>,
    pub attachments: Vec<SourceAttachment>,
}

#[derive(Debug, Clone)]
pub struct SourceAttachment {
    pub id: i64,
    pub file_name: String,
    pub created_by: Option<i64>,
    pub updated_by: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub media_type: String,
    pub content_hash: String,
    pub size: i64,
}

/// The current pages and posts among `ids` (drafts, trashed and missing ids
/// are simply absent), with what is indexed with them.
pub async fn pages(conn: &impl Conn, ids: &[i64]) -> Result<Vec<SourcePage>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = page::Entity::find()
        .filter(page::Column::Id.is_in(ids.iter().copied()))
        .filter(page::Column::Status.eq("current"))
        .order_by_asc(page::Column::Id)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let label_ids: Vec<(i64, i64)> = content_label::Entity::find()
        .select_only()
        .column(content_label::Column::PageId)
        .column(content_label::Column::LabelId)
        .filter(content_label::Column::PageId.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let names: std::collections::HashMap<i64, String> = label::Entity::find()
        .filter(label::Column::Id.is_in(label_ids.iter().map(|(_, l)| *l)))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect();
    let authors: Vec<(i64, Option<i64>)> = page_version::Entity::find()
        .select_only()
        .column(page_version::Column::PageId)
        .column(page_version::Column::AuthorId)
        .filter(page_version::Column::PageId.is_in(ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let comments = comment::Entity::find()
        .filter(comment::Column::PageId.is_in(ids.iter().copied()))
        .filter(comment::Column::Status.eq("current"))
        .order_by_asc(comment::Column::Id)
        .all(conn)
        .await?;
    let files = attachment::Entity::find()
        .filter(attachment::Column::PageId.is_in(ids.iter().copied()))
        .filter(attachment::Column::Status.eq("current"))
        .order_by_asc(attachment::Column::Id)
        .all(conn)
        .await?;
    let mut versions: std::collections::HashMap<(i64, i64), attachment_version::Model> =
        attachment_version::Entity::find()
            .filter(attachment_version::Column::AttachmentId.is_in(files.iter().map(|f| f.id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|v| ((v.attachment_id, v.version), v))
            .collect();
    let mut out: Vec<SourcePage> = rows
        .into_iter()
        .map(|page| SourcePage {
            page,
            labels: Vec::new(),
            contributors: Vec::new(),
            comments: Vec::new(),
            attachments: Vec::new(),
        })
        .collect();
    let position = |page_id: i64| ids.binary_search(&page_id).ok();
    for (page_id, label_id) in label_ids {
        if let (Some(i), Some(name)) = (position(page_id), names.get(&label_id)) {
            out[i].labels.push(name.clone());
        }
    }
    for (page_id, author) in authors {
        if let (Some(i), Some(author)) = (position(page_id), author)
            && !out[i].contributors.contains(&author)
        {
            out[i].contributors.push(author);
        }
    }
    for row in comments {
        if let Some(i) = position(row.page_id) {
            out[i].comments.push(row);
        }
    }
    for file in files {
        // Only the current version's bytes are indexed.
        let Some(version) = versions.remove(&(file.id, file.version)) else {
            continue;
        };
        if let Some(i) = position(file.page_id) {
            out[i].attachments.push(SourceAttachment {
                id: file.id,
                file_name: file.file_name,
                created_by: file.created_by,
                updated_by: file.updated_by,
                created_at: file.created_at,
                updated_at: file.updated_at,
                media_type: version.media_type,
                content_hash: version.content_hash,
                size: version.size,
            });
        }
    }
    Ok(out)
}

/// Ids of current pages and posts after `after`, in order: a rebuild walks
/// them in batches.
pub async fn current_page_ids_after(
    conn: &impl Conn,
    after: i64,
    limit: u64,
) -> Result<Vec<i64>, StoreError> {
    Ok(page::Entity::find()
        .select_only()
        .column(page::Column::Id)
        .filter(page::Column::Id.gt(after))
        .filter(page::Column::Status.eq("current"))
        .order_by_asc(page::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn count_current_pages(conn: &impl Conn) -> Result<u64, StoreError> {
    Ok(page::Entity::find()
        .filter(page::Column::Status.eq("current"))
        .count(conn)
        .await?)
}

/// `page` and every page whose path runs through it, whatever their status:
/// what a move or a restriction change re-indexes.
pub async fn subtree_ids(conn: &impl Conn, page_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut ids: Vec<i64> = page::Entity::find()
        .select_only()
        .column(page::Column::Id)
        .filter(page::Column::Path.contains(format!("/{page_id}/")))
        .into_tuple()
        .all(conn)
        .await?;
    ids.push(page_id);
    Ok(ids)
}

/// The pages the comments among `ids` hang on.
pub async fn pages_of_comments(conn: &impl Conn, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(comment::Entity::find()
        .select_only()
        .column(comment::Column::PageId)
        .filter(comment::Column::Id.is_in(ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?)
}

/// The pages the attachments among `ids` belong to.
pub async fn pages_of_attachments(conn: &impl Conn, ids: &[i64]) -> Result<Vec<i64>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachment::Entity::find()
        .select_only()
        .column(attachment::Column::PageId)
        .filter(attachment::Column::Id.is_in(ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(conn)
        .await?)
}
