//! Feeds (SPEC 4): recently updated pages and blog posts, a space's
//! activity (saves, comments, uploads) and popular labels. Every query
//! takes the viewer's [`Visibility`] and applies it **inside** the query,
//! through the ids of the current pages it admits, so counts and pages are
//! right and nothing hidden is ever read.

use sea_orm::sea_query::{Expr, Func, Query, SelectStatement};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{
    attachment, attachment_version, comment, content_label, label, page, page_version, watch,
};
use crate::pages::Visibility;
use crate::{Conn, StoreError, Timestamp};

/// Which pages a feed covers, besides what the viewer may see.
#[derive(Debug, Clone, Copy, Default)]
pub struct FeedScope {
    /// Only this space.
    pub space_id: Option<i64>,
    /// Only what this person watches (the page, or its space).
    pub watched_by: Option<i64>,
}

/// The ids of the current pages and blog posts `visible` admits within
/// `scope`.
fn visible_pages(visible: Visibility<'_>, scope: FeedScope) -> SelectStatement {
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
    Query::select()
        .column(page::Column::Id)
        .from(page::Entity)
        .cond_where(condition)
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

/// Saves of the current pages and blog posts `visible` admits in `scope`
/// (by `author` only, if given), newest first, before version row
/// `before`.
pub async fn changes(
    conn: &impl Conn,
    visible: Visibility<'_>,
    scope: FeedScope,
    author: Option<i64>,
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<ChangeRow>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = page_version::Entity::find()
        .select_only()
        .column(page_version::Column::Id)
        .column(page_version::Column::PageId)
        .column(page_version::Column::Number)
        .column(page_version::Column::AuthorId)
        .column(page_version::Column::CreatedAt)
        .column(page_version::Column::Message)
        .filter(page_version::Column::PageId.in_subquery(visible_pages(visible, scope)));
    if let Some(author) = author {
        select = select.filter(page_version::Column::AuthorId.eq(author));
    }
    if let Some(before) = before {
        select = select.filter(page_version::Column::Id.lt(before));
    }
    let rows: Vec<(i64, i64, i64, Option<i64>, Timestamp, String)> = select
        .order_by_desc(page_version::Column::Id)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, page_id, number, author_id, at, message)| ChangeRow {
            id,
            page_id,
            number,
            author_id,
            at,
            message,
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
