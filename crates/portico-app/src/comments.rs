//! Footer comments on pages, with replies (SPEC 2.1): add, list in threads,
//! edit (the author only) and delete. A deleted comment that has replies stays
//! in its thread as a placeholder without body or author.

use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, UserId, Viewer};
use portico_store::{CommentRow, comments};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{Access, require_page, visible_page};
use crate::error::{AppError, AppResult};
use crate::model::Person;
use crate::pages::BodyInput;
use crate::record::{audit, journal};

/// A comment as shown in its page's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub page_id: PageId,
    pub parent_id: Option<i64>,
    /// `None` for a deleted comment (a placeholder) or a removed account.
    pub author: Option<Person>,
    /// Sanitised storage format; `None` for a deleted comment.
    pub body: Option<String>,
    pub deleted: bool,
    pub version: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// Replies above this one in its thread (0 for a top-level comment).
    pub depth: usize,
}

impl App {
    /// Adds a comment to a page, or a reply to one of its current comments.
    pub async fn add_comment(
        &self,
        viewer: &Viewer,
        page: PageId,
        parent: Option<i64>,
        body: BodyInput,
    ) -> AppResult<Comment> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let body = storage_body(&body)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, space) = visible_page(tx.conn(), &access, page).await?;
        require_page(tx.conn(), &access, Action::CommentPage, &page, &space).await?;
        if let Some(parent) = parent {
            match comments::find(tx.conn(), parent).await? {
                Some(row) if row.page_id == page.id && row.status == "current" => {}
                // Missing, deleted and other pages' comments get one answer.
                _ => {
                    return Err(ValidationError::new(
                        "parentCommentId",
                        "must be a current comment of the same page",
                    )
                    .into());
                }
            }
        }
        // Notifications hook onto these (see `App::accepted_mentions`).
        let _mentioned = self
            .accepted_mentions(tx.conn(), &access, None, &body, &page)
            .await?;
        let row = comments::insert(
            tx.conn(),
            comments::NewComment {
                page_id: page.id,
                parent_id: parent,
                author_id: actor,
                body: &body,
                now,
            },
        )
        .await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "comment.create",
            ("comment", row.id.to_string()),
            json!({ "page": page.id, "parent": parent }),
        )
        .await?;
        if page.status == "current" {
            journal(
                tx.conn(),
                now,
                "comment.created",
                ("comment", row.id),
                Some(space.id),
            )
            .await?;
        }
        tx.commit().await?;
        self.comment_view(row, 0).await
    }

    /// A page's comments in thread order (each comment followed by its
    /// replies, oldest first). Deleted comments appear only as placeholders
    /// for replies that remain.
    pub async fn page_comments(&self, viewer: &Viewer, page: PageId) -> AppResult<Vec<Comment>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, page).await?;
        let filter = access.page_filter();
        let rows = comments::for_page(conn, filter.visibility(), page.id).await?;
        let ordered = threads(rows);
        let authors: Vec<UserId> = ordered
            .iter()
            .filter(|(row, _)| row.status == "current")
            .filter_map(|(row, _)| row.author_id.map(UserId))
            .collect();
        let people = self.people(&authors).await?;
        Ok(ordered
            .into_iter()
            .map(|(row, depth)| view(row, depth, &people))
            .collect())
    }

    /// One comment, if its page is visible to the viewer (otherwise, as for a
    /// missing id, `NotFound`). A deleted comment is `NotFound` too.
    pub async fn comment(&self, viewer: &Viewer, id: i64) -> AppResult<Comment> {
        let access = self.access(viewer).await?;
        let row = visible_comment(self.store.read(), &access, id).await?;
        self.comment_view(row, 0).await
    }

    /// The direct replies to a comment that are shown (current, or deleted
    /// with replies of their own), oldest first.
    pub async fn comment_replies(&self, viewer: &Viewer, id: i64) -> AppResult<Vec<Comment>> {
        let parent = self.comment(viewer, id).await?;
        Ok(self
            .page_comments(viewer, parent.page_id)
            .await?
            .into_iter()
            .filter(|c| c.parent_id == Some(id))
            .collect())
    }

    /// Changes a comment's body. Only its author may; `version` must be the
    /// current version + 1.
    pub async fn edit_comment(
        &self,
        viewer: &Viewer,
        id: i64,
        body: BodyInput,
        version: i64,
    ) -> AppResult<Comment> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let body = storage_body(&body)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = visible_comment(tx.conn(), &access, id).await?;
        let (page, space) = visible_page(tx.conn(), &access, PageId(row.page_id)).await?;
        if row.author_id != Some(actor) {
            return Err(AppError::Forbidden {
                permission: "comment.author",
                reason: "only a comment's author may edit it".to_owned(),
            });
        }
        // Editing is commenting again: a revoked `comment.create` stops it.
        require_page(tx.conn(), &access, Action::CommentPage, &page, &space).await?;
        if version != row.version + 1 {
            return Err(AppError::Conflict(format!(
                "version conflict: the comment is at version {}, so the new version must be {}, not {version}; reload and edit again",
                row.version,
                row.version + 1
            )));
        }
        // Notifications hook onto these (see `App::accepted_mentions`).
        let _mentioned = self
            .accepted_mentions(tx.conn(), &access, Some(&row.body), &body, &page)
            .await?;
        row.body = body;
        row.version += 1;
        row.updated_at = now;
        let row = comments::update(tx.conn(), row).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "comment.update",
            ("comment", row.id.to_string()),
            json!({ "page": page.id, "version": row.version }),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "comment.updated",
            ("comment", row.id),
            Some(space.id),
        )
        .await?;
        tx.commit().await?;
        self.comment_view(row, 0).await
    }

    /// Deletes a comment: its author with `delete.own`, or anyone with
    /// `comment.delete` in the space. Replies stay, under a placeholder.
    pub async fn delete_comment(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = visible_comment(tx.conn(), &access, id).await?;
        let (mut page, space) = visible_page(tx.conn(), &access, PageId(row.page_id)).await?;
        // INVARIANT: the engine's "author" of a DeleteComment resource is
        // the comment's author, not the page's.
        page.author_id = row.author_id;
        require_page(tx.conn(), &access, Action::DeleteComment, &page, &space).await?;
        row.status = "deleted".to_owned();
        row.updated_at = now;
        let row = comments::update(tx.conn(), row).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "comment.delete",
            ("comment", row.id.to_string()),
            json!({ "page": page.id }),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "comment.deleted",
            ("comment", row.id),
            Some(space.id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn comment_view(&self, row: CommentRow, depth: usize) -> AppResult<Comment> {
        let people = match row.author_id {
            Some(author) => self.people(&[UserId(author)]).await?,
            None => Vec::new(),
        };
        Ok(view(row, depth, &people))
    }
}

fn storage_body(body: &BodyInput) -> AppResult<String> {
    let storage = body.to_storage()?;
    if storage.trim().is_empty() {
        return Err(ValidationError::new("body", "must not be empty").into());
    }
    Ok(storage)
}

/// A current comment whose page the viewer may view; otherwise `NotFound`.
async fn visible_comment(
    conn: &impl portico_store::Conn,
    access: &Access,
    id: i64,
) -> AppResult<CommentRow> {
    let Some(row) = comments::find(conn, id).await? else {
        return Err(AppError::NotFound);
    };
    visible_page(conn, access, PageId(row.page_id)).await?;
    if row.status != "current" {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// Rows in thread order with their depth; deleted comments are kept only when
/// something shown hangs below them.
fn threads(rows: Vec<CommentRow>) -> Vec<(CommentRow, usize)> {
    fn shown(row: &CommentRow, rows: &[CommentRow]) -> bool {
        row.status == "current"
            || rows
                .iter()
                .any(|child| child.parent_id == Some(row.id) && shown(child, rows))
    }
    fn walk(
        parent: Option<i64>,
        depth: usize,
        rows: &[CommentRow],
        out: &mut Vec<(CommentRow, usize)>,
    ) {
        for row in rows.iter().filter(|row| row.parent_id == parent) {
            if shown(row, rows) {
                out.push((row.clone(), depth));
                walk(Some(row.id), depth + 1, rows, out);
            }
        }
    }
    let mut out = Vec::with_capacity(rows.len());
    walk(None, 0, &rows, &mut out);
    out
}

fn view(row: CommentRow, depth: usize, people: &[Person]) -> Comment {
    let deleted = row.status == "deleted";
    Comment {
        id: row.id,
        page_id: PageId(row.page_id),
        parent_id: row.parent_id,
        author: if deleted {
            None
        } else {
            row.author_id
                .and_then(|id| people.iter().find(|p| p.id == UserId(id)).cloned())
        },
        body: (!deleted).then_some(row.body),
        deleted,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        depth,
    }
}
