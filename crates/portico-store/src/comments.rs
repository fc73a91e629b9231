//! Footer and inline comments on pages (one table, told apart by `kind`).
//! Listing queries take the viewer's page filter, so a comment is only ever
//! listed on a page the viewer may view.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::entity::comment;
use crate::pages::Visibility;
use crate::{CommentRow, Conn, StoreError, Timestamp};

/// Which kind of comment: footer (under the page) or inline (on a text
/// selection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Footer,
    Inline,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Footer => "footer",
            Kind::Inline => "inline",
        }
    }

    /// Whether `row` is of this kind.
    pub fn of(self, row: &CommentRow) -> bool {
        row.kind == self.as_str()
    }
}

pub struct NewComment<'a> {
    pub page_id: i64,
    pub parent_id: Option<i64>,
    pub author_id: i64,
    pub body: &'a str,
    pub now: Timestamp,
    pub kind: Kind,
    /// The anchor of an inline comment that starts a thread.
    pub anchor: Option<NewAnchor<'a>>,
}

/// An inline comment's anchor, as `portico_format::capture` made it.
pub struct NewAnchor<'a> {
    pub text: &'a str,
    pub match_index: i64,
    pub match_count: i64,
    pub before: &'a str,
    pub after: &'a str,
    /// The page version the selection was made on.
    pub version: i64,
}

pub async fn insert(conn: &impl Conn, new: NewComment<'_>) -> Result<CommentRow, StoreError> {
    let row = comment::ActiveModel {
        page_id: Set(new.page_id),
        parent_id: Set(new.parent_id),
        author_id: Set(Some(new.author_id)),
        body: Set(new.body.to_owned()),
        status: Set("current".to_owned()),
        created_at: Set(new.now),
        updated_at: Set(new.now),
        version: Set(1),
        kind: Set(new.kind.as_str().to_owned()),
        anchor_text: Set(new.anchor.as_ref().map(|a| a.text.to_owned())),
        anchor_match_index: Set(new.anchor.as_ref().map(|a| a.match_index)),
        anchor_match_count: Set(new.anchor.as_ref().map(|a| a.match_count)),
        anchor_before: Set(new.anchor.as_ref().map(|a| a.before.to_owned())),
        anchor_after: Set(new.anchor.as_ref().map(|a| a.after.to_owned())),
        anchor_version: Set(new.anchor.as_ref().map(|a| a.version)),
        // A thread starts open; replies follow their thread.
        resolution: Set(new.anchor.as_ref().map(|_| "open".to_owned())),
        resolution_by: Set(None),
        resolution_at: Set(None),
        ..Default::default()
    };
    Ok(row.insert(conn).await?)
}

/// The comment with `id`, whatever its page (callers check the page).
pub async fn find(conn: &impl Conn, id: i64) -> Result<Option<CommentRow>, StoreError> {
    Ok(comment::Entity::find_by_id(id).one(conn).await?)
}

/// Saves every field of `row`.
pub async fn update(conn: &impl Conn, row: CommentRow) -> Result<CommentRow, StoreError> {
    let active: comment::ActiveModel = row.into();
    Ok(active.reset_all().update(conn).await?)
}

/// Every comment of `kind` (current and deleted) of `page_id` in creation order, if the
/// page is one `visible` admits (current pages and drafts; the caller has
/// already excluded others); nothing otherwise.
pub async fn for_page(
    conn: &impl Conn,
    visible: Visibility<'_>,
    page_id: i64,
    kind: Kind,
) -> Result<Vec<CommentRow>, StoreError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(comment::Entity::find()
        .filter(comment::Column::PageId.eq(page_id))
        .filter(comment::Column::Kind.eq(kind.as_str()))
        .filter(comment::Column::PageId.in_subquery(visible.page_if_visible(page_id)))
        .order_by_asc(comment::Column::CreatedAt)
        .order_by_asc(comment::Column::Id)
        .all(conn)
        .await?)
}

/// The ids of `page_id`'s current (not deleted) comments.
pub async fn current_ids_of_page(conn: &impl Conn, page_id: i64) -> Result<Vec<i64>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(comment::Entity::find()
        .select_only()
        .column(comment::Column::Id)
        .filter(comment::Column::PageId.eq(page_id))
        .filter(comment::Column::Status.eq("current"))
        .into_tuple::<i64>()
        .all(conn)
        .await?)
}
