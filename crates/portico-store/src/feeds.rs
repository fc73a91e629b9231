//! Feeds (SPEC 4): recently updated pages and blog posts, a space's
//! activity (saves, comments, uploads) and popular labels. Every query
//! takes the viewer's [`Visibility`] and applies it **inside** the query,
//! through the ids of the current pages it admits, so counts and pages are
//! right and nothing hidden is ever read.

use sea_orm::sea_query::{Expr, Func, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, FromQueryResult, JoinType, Order, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use crate::entity::{
    attachment, attachment_version, comment, content_label, label, page, page_version, watch,
};
use crate::pages::{PagePlace, Visibility};
use crate::{Conn, StoreError, Timestamp};

/// Which pages a feed covers, besides what the viewer may see.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedScope {
    /// Only this space.
    pub space_id: Option<i64>,
    /// Only what this person watches (the page, or its space).
    pub watched_by: Option<i64>,
}

/// The current pages and blog posts `visible` admits within `scope`, as a
/// condition on `pages`.
fn page_condition(visible: Visibility<'_>, scope: FeedScope) -> Condition {
    let mut condition = visible.condition().add(page::Column::Status.eq("current"));
    if let Some(space) = scope.space_id {
        condition = condition.add(page::Column::SpaceId.eq(space));
    }
    if let Some(user) = scope.watched_by {
        let pages = Query::select()
            .column(watch::Column::PageId)
            .from(watch::Entity)
            .and_where(watch::Column::UserId.eq(user))
            .and_where(watch::Column::PageId.is_not_null())
            .to_owned();
        let spaces = Query::select()
            .column(watch::Column::SpaceId)
            .from(watch::Entity)
            .and_where(watch::Column::UserId.eq(user))
            .and_where(watch::Column::SpaceId.is_not_null())
            .to_owned();
        condition = condition.add(
            Condition::any()
                .add(page::Column::Id.in_subquery(pages))
                .add(page::Column::SpaceId.in_subquery(spaces)),
        );
    }
    condition
}

/// The ids of the current pages and blog posts `visible` admits within
/// `scope`.
fn visible_pages(visible: Visibility<'_>, scope: FeedScope) -> SelectStatement {
    Query::select()
        .column(page::Column::Id)
        .from(page::Entity)
        .cond_where(page_condition(visible, scope))
        .to_owned()
}

/// One saved version of a visible page, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    /// The version's row id: the feed's cursor.
    pub id: i64,
    pub page_id: i64,
    pub number: i64,
    pub author_id: Option<i64>,
    pub at: Timestamp,
    pub message: String,
}

/// A viewer who sees at most this many whole spaces (and subtrees) sees
/// little: their feed starts from the pages they see, not from the newest
/// saves of the site.
const NARROW_SPACES: usize = 16;

/// The first batch of newest saves read for a broad viewer (a page of 25
/// even when a third of them are hidden); each next batch is four times
/// larger.
const FIRST_BATCH: u64 = 64;

/// How many of the newest saves are read at most before the rest of the
/// feed is read from the visible pages instead.
const MAX_BATCHES_READ: u64 = 16_384;

/// Saves of the current pages and blog posts `visible` admits in `scope`
/// (by `author` only, if given), newest first, before version row
/// `before`.
///
/// What changes with the viewer is where the reading starts, so that it
/// reads few rows either way:
/// - a viewer who sees little (a guest in one space), or a feed of one space
///   or of what someone watches: from the visible pages to their versions,
///   the filter inside the query;
/// - a viewer who sees much (a member in most spaces): from the newest saves
///   (of `author`, through index `page_versions_author`), a batch at a time,
///   each save read with its page's place and judged by
///   [`Visibility::admits`] (the same filter, in memory: sending thousands
///   of space ids with every batch would cost more than the batch), until
///   `limit` are found; a viewer who turns out to see little of what was
///   saved lately gets the rest from their pages.
pub async fn changes(
    conn: &impl Conn,
    visible: Visibility<'_>,
    scope: FeedScope,
    author: Option<i64>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<ChangeRow>, StoreError> {
    if visible.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let narrow = visible.spaces.len() + visible.subtrees.len() <= NARROW_SPACES
        || scope.space_id.is_some()
        || scope.watched_by.is_some();
    if narrow {
        return changes_of_pages(conn, visible, scope, author, before, limit).await;
    }
    let mut found = Vec::new();
    let (mut cursor, mut batch, mut read) = (before, FIRST_BATCH, 0);
    loop {
        let saves = newest_saves(conn, author, cursor, batch).await?;
        let exhausted = (saves.len() as u64) < batch;
        cursor = saves.last().map(|save| save.row.id).or(cursor);
        for save in saves {
            if save.status == "current" && visible.admits(save.place()) {
                found.push(save.row);
                if found.len() as u64 == limit {
                    return Ok(found);
                }
            }
        }
        read += batch;
        if exhausted {
            return Ok(found);
        }
        if read >= MAX_BATCHES_READ {
            break;
        }
        batch *= 4;
    }
    // INVARIANT: every save newer than `cursor` has been judged.
    let wanted = limit - found.len() as u64;
    found.extend(changes_of_pages(conn, visible, scope, author, cursor, wanted).await?);
    Ok(found)
}

/// [`changes`] starting from the visible pages: `page_id IN (visible
/// pages)`.
async fn changes_of_pages(
    conn: &impl Conn,
    visible: Visibility<'_>,
    scope: FeedScope,
    author: Option<i64>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<ChangeRow>, StoreError> {
    let select = page_version::Entity::find()
        .select_only()
        .columns(CHANGE_COLUMNS)
        .filter(page_version::Column::PageId.in_subquery(visible_pages(visible, scope)));
    let rows: Vec<ChangeTuple> = newest_first(select, author, before, limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(ChangeRow::from).collect())
}

/// `select`'s versions by `author` (if given) before row `before` (if
/// given), newest first, at most `limit`.
fn newest_first(
    mut select: Select<page_version::Entity>,
    author: Option<i64>,
    before: Option<i64>,
    limit: u64,
) -> Select<page_version::Entity> {
    if let Some(author) = author {
        select = select.filter(page_version::Column::AuthorId.eq(author));
    }
    if let Some(before) = before {
        select = select.filter(page_version::Column::Id.lt(before));
    }
    select.order_by_desc(page_version::Column::Id).limit(limit)
}

const CHANGE_COLUMNS: [page_version::Column; 6] = [
    page_version::Column::Id,
    page_version::Column::PageId,
    page_version::Column::Number,
    page_version::Column::AuthorId,
    page_version::Column::CreatedAt,
    page_version::Column::Message,
];

/// A version row as [`CHANGE_COLUMNS`] reads it.
type ChangeTuple = (i64, i64, i64, Option<i64>, Timestamp, String);

impl From<ChangeTuple> for ChangeRow {
    fn from((id, page_id, number, author_id, at, message): ChangeTuple) -> Self {
        ChangeRow {
            id,
            page_id,
            number,
            author_id,
            at,
            message,
        }
    }
}

/// A row of [`newest_saves`]: the version's columns, then its page's.
#[derive(FromQueryResult)]
struct SaveRow {
    id: i64,
    page_id: i64,
    number: i64,
    author_id: Option<i64>,
    created_at: Timestamp,
    message: String,
    space_id: i64,
    path: String,
    restriction_key: Option<i64>,
    status: String,
}

/// A save with what the filter needs of its page.
struct Save {
    row: ChangeRow,
    space_id: i64,
    path: String,
    restriction_key: Option<i64>,
    status: String,
}

impl Save {
    fn place(&self) -> PagePlace<'_> {
        PagePlace {
            id: self.row.page_id,
            space_id: self.space_id,
            path: &self.path,
            restriction_key: self.restriction_key,
        }
    }
}

/// The `batch` newest saves (of `author`) before `before`, whoever may see
/// them, newest first, each with its page's place.
async fn newest_saves(
    conn: &impl Conn,
    author: Option<i64>,
    before: Option<i64>,
    batch: u64,
) -> Result<Vec<Save>, StoreError> {
    let to_page = page_version::Entity::belongs_to(page::Entity)
        .from(page_version::Column::PageId)
        .to(page::Column::Id)
        .into();
    let select = page_version::Entity::find()
        .select_only()
        .columns(CHANGE_COLUMNS)
        .column(page::Column::SpaceId)
        .column(page::Column::Path)
        .column(page::Column::RestrictionKey)
        .column(page::Column::Status)
        .join(JoinType::InnerJoin, to_page);
    let rows: Vec<SaveRow> = newest_first(select, author, before, batch)
        .into_model()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| Save {
            row: ChangeRow {
                id: row.id,
                page_id: row.page_id,
                number: row.number,
                author_id: row.author_id,
                at: row.created_at,
                message: row.message,
            },
            space_id: row.space_id,
            path: row.path,
            restriction_key: row.restriction_key,
            status: row.status,
        })
        .collect())
}

/// A current comment on a visible page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentEvent {
    pub id: i64,
    pub page_id: i64,
    pub author_id: Option<i64>,
    pub at: Timestamp,
    /// `footer` or `inline`.
    pub kind: String,
    pub reply: bool,
}

/// A comment row as the feed query reads it: id, page, author, time,
/// kind, parent.
type CommentTuple = (i64, i64, Option<i64>, Timestamp, String, Option<i64>);

/// The newest `limit` current comments on pages `visible` admits in `scope`.
pub async fn comments(
    conn: &impl Conn,
    visible: Visibility<'_>,
    scope: FeedScope,
    limit: u64,
) -> Result<Vec<CommentEvent>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<CommentTuple> = comment::Entity::find()
        .select_only()
        .column(comment::Column::Id)
        .column(comment::Column::PageId)
        .column(comment::Column::AuthorId)
        .column(comment::Column::CreatedAt)
        .column(comment::Column::Kind)
        .column(comment::Column::ParentId)
        .filter(comment::Column::Status.eq("current"))
        .filter(comment::Column::PageId.in_subquery(visible_pages(visible, scope)))
        .order_by_desc(comment::Column::CreatedAt)
        .order_by_desc(comment::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, page_id, author_id, at, kind, parent)| CommentEvent {
            id,
            page_id,
            author_id,
            at,
            kind,
            reply: parent.is_some(),
        })
        .collect())
}

/// An upload of a current attachment on a visible page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadEvent {
    pub attachment_id: i64,
    pub page_id: i64,
    pub file_name: String,
    pub version: i64,
    pub by: Option<i64>,
    pub at: Timestamp,
}

/// The newest `limit` uploads of current attachments on pages `visible`
/// admits in `scope`.
pub async fn uploads(
    conn: &impl Conn,
    visible: Visibility<'_>,
    scope: FeedScope,
    limit: u64,
) -> Result<Vec<UploadEvent>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let attachments = Query::select()
        .column(attachment::Column::Id)
        .from(attachment::Entity)
        .and_where(attachment::Column::Status.eq("current"))
        .and_where(attachment::Column::PageId.in_subquery(visible_pages(visible, scope)))
        .to_owned();
    let rows: Vec<(i64, i64, Option<i64>, Timestamp)> = attachment_version::Entity::find()
        .select_only()
        .column(attachment_version::Column::AttachmentId)
        .column(attachment_version::Column::Version)
        .column(attachment_version::Column::CreatedBy)
        .column(attachment_version::Column::CreatedAt)
        .filter(attachment_version::Column::AttachmentId.in_subquery(attachments))
        .order_by_desc(attachment_version::Column::CreatedAt)
        .order_by_desc(attachment_version::Column::AttachmentId)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.0).collect();
    let files: std::collections::HashMap<i64, (i64, String)> = attachment::Entity::find()
        .filter(attachment::Column::Id.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, (row.page_id, row.file_name)))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(attachment_id, version, by, at)| {
            let (page_id, file_name) = files.get(&attachment_id)?.clone();
            Some(UploadEvent {
                attachment_id,
                page_id,
                file_name,
                version,
                by,
                at,
            })
        })
        .collect())
}

/// The labels most used on the current pages and blog posts `visible`
/// admits in `scope`, with how many of those carry each: most used first,
/// then by name. A label only hidden pages carry is neither listed nor
/// counted.
pub async fn popular_labels(
    conn: &impl Conn,
    visible: Visibility<'_>,
    scope: FeedScope,
    limit: u64,
) -> Result<Vec<(String, i64)>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let counted: Vec<(i64, i64)> = content_label::Entity::find()
        .select_only()
        .column(content_label::Column::LabelId)
        .column_as(
            Expr::expr(Func::count(Expr::col(content_label::Column::PageId))),
            "uses",
        )
        .filter(content_label::Column::PageId.in_subquery(visible_pages(visible, scope)))
        .group_by(content_label::Column::LabelId)
        .order_by(
            Expr::expr(Func::count(Expr::col(content_label::Column::PageId))),
            Order::Desc,
        )
        .order_by_asc(content_label::Column::LabelId)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    let names: std::collections::HashMap<i64, String> = label::Entity::find()
        .filter(label::Column::Id.is_in(counted.iter().map(|(id, _)| *id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|row| (row.id, row.name))
        .collect();
    let mut out: Vec<(String, i64)> = counted
        .into_iter()
        .filter_map(|(id, uses)| Some((names.get(&id)?.clone(), uses)))
        .collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(out)
}
