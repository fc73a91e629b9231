//! Footer comments on pages, with replies (SPEC 2.1): add, list in threads,
//! edit (the author only) and delete. A deleted comment that has replies stays
//! in its thread as a placeholder without body or author. The thread the UI
//! draws also carries what the viewer may do with each comment
//! ([`CommentAbilities`]), decided by the same rules the changes check.

use std::collections::HashMap;

use portico_core::policy::{Action, Restriction};
use portico_core::validation::ValidationError;
use portico_core::{PageId, UserId, Viewer};
use portico_store::comments::Kind;
use portico_store::{CommentRow, PageRow, SpaceRow, comments, permissions, versions};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{Access, page_ref, require_page, visible_page};
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

/// The longest comment body accepted, in bytes of input: a comment is a
/// message, not a page (pages take up to 2 MiB).
pub const MAX_COMMENT_BYTES: usize = 64 * 1024;

/// What the viewer may do with one comment, for showing forms only: every
/// change is checked again by its use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CommentAbilities {
    pub reply: bool,
    pub edit: bool,
    pub delete: bool,
}

/// A comment of a thread with what the viewer may do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadComment {
    pub comment: Comment,
    pub abilities: CommentAbilities,
}

/// A page's footer comments in thread order, and whether the viewer may add
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentThread {
    pub comments: Vec<ThreadComment>,
    pub may_comment: bool,
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
        let row = self
            .insert_comment(viewer, page, parent, body, Kind::Footer, None)
            .await?;
        self.comment_view(viewer, row, 0).await
    }

    /// Adds a comment of `kind`: a reply to a current comment of the same
    /// kind and page, or (inline comments) a thread anchored to `selection`.
    /// Shared by footer and inline comments, so both notify and check
    /// mentions the same way.
    pub(crate) async fn insert_comment(
        &self,
        viewer: &Viewer,
        page: PageId,
        parent: Option<i64>,
        body: BodyInput,
        kind: Kind,
        selection: Option<crate::inline_comments::Selection>,
    ) -> AppResult<CommentRow> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        // Converted outside the transaction, refused only once the caller is
        // known to see the page and hold `comment.create` (a refusal names
        // the permission whatever the body).
        let body = storage_body(&body);
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, space) = visible_page(tx.conn(), &access, page).await?;
        require_page(tx.conn(), &access, Action::CommentPage, &page, &space).await?;
        let body = body?;
        if let Some(parent) = parent {
            match comments::find(tx.conn(), parent).await? {
                Some(row) if row.page_id == page.id && row.status == "current" && kind.of(&row) => {
                }
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
        // An inline thread's anchor is checked against the version it was
        // selected on (the current one unless the caller names another).
        let anchor = match (kind, parent, selection) {
            (Kind::Inline, None, Some(selection)) => {
                let number = selection.page_version.unwrap_or(page.version);
                let version_body = if number == page.version {
                    page.body.clone()
                } else {
                    match versions::find(tx.conn(), page.id, number).await? {
                        Some(version) => version.body,
                        None => {
                            return Err(AppError::Unprocessable(ValidationError::new(
                                "inlineCommentProperties.pageVersion",
                                format!("the page has no version `{number}`"),
                            )));
                        }
                    }
                };
                Some((selection.capture(&version_body)?, number))
            }
            (Kind::Inline, None, None) => {
                return Err(ValidationError::new(
                    "inlineCommentProperties",
                    "an inline comment needs a text selection, or a `parentCommentId` for a reply",
                )
                .into());
            }
            (_, _, Some(_)) => {
                return Err(ValidationError::new(
                    "inlineCommentProperties",
                    "a reply has no text selection of its own",
                )
                .into());
            }
            _ => None,
        };
        // The people newly mentioned hear of it (see `App::accepted_mentions`).
        let mentioned = self
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
                kind,
                anchor: anchor.as_ref().map(|(a, version)| comments::NewAnchor {
                    text: &a.selection,
                    match_index: i64::try_from(a.match_index).unwrap_or(i64::MAX),
                    match_count: i64::try_from(a.match_count).unwrap_or(i64::MAX),
                    before: &a.before,
                    after: &a.after,
                    version: *version,
                }),
            },
        )
        .await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "comment.create",
            ("comment", row.id.to_string()),
            json!({ "page": page.id, "parent": parent, "kind": kind.as_str() }),
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
            // A comment on a draft stays between the draft and its author.
            crate::notifications::comment_created(tx.conn(), &space, &page, row.id, actor, now)
                .await?;
            crate::notifications::mentioned(
                tx.conn(),
                &space,
                &page,
                Some(row.id),
                &mentioned,
                actor,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(row)
    }

    /// A page's comments in thread order (each comment followed by its
    /// replies, oldest first). Deleted comments appear only as placeholders
    /// for replies that remain.
    pub async fn page_comments(&self, viewer: &Viewer, page: PageId) -> AppResult<Vec<Comment>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _, ordered) = thread_rows(conn, &access, page, Kind::Footer).await?;
        let people = self
            .authors(viewer, ordered.iter().map(|(row, _)| row))
            .await?;
        let mut comments = Vec::with_capacity(ordered.len());
        for (mut row, depth) in ordered {
            // Links to pages the reader can't see keep only their id.
            row.body = crate::links::for_reader(conn, &access, row.body, page.space_id).await?;
            comments.push(view(row, depth, &people));
        }
        Ok(comments)
    }

    /// The page's thread as the page view draws it: the comments of
    /// [`App::page_comments`], each with what the viewer may do with it, and
    /// whether they may add a comment. Anonymous readers may do nothing.
    pub async fn comment_thread(&self, viewer: &Viewer, page: PageId) -> AppResult<CommentThread> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, space, ordered) = thread_rows(conn, &access, page, Kind::Footer).await?;
        let edit = permissions::restrictions_of(conn, &[page.id])
            .await?
            .edit
            .remove(&page.id);
        let rules = ThreadRules::new(&access, &page, &space, edit.as_ref());
        let people = self
            .authors(viewer, ordered.iter().map(|(row, _)| row))
            .await?;
        let comments = ordered
            .into_iter()
            .map(|(row, depth)| {
                let abilities = rules.abilities(&row);
                ThreadComment {
                    comment: view(row, depth, &people),
                    abilities,
                }
            })
            .collect();
        Ok(CommentThread {
            comments,
            may_comment: rules.may_comment,
        })
    }

    /// The authors of the shown (current) comments among `rows` whom
    /// `viewer` may know, by id (anyone else shows as an unknown person).
    pub(crate) async fn authors<'a>(
        &self,
        viewer: &Viewer,
        rows: impl IntoIterator<Item = &'a CommentRow>,
    ) -> AppResult<HashMap<UserId, Person>> {
        let mut ids: Vec<UserId> = rows
            .into_iter()
            .filter(|row| row.status == "current")
            .filter_map(|row| row.author_id.map(UserId))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(self
            .people(viewer, &ids)
            .await?
            .into_iter()
            .map(|person| (person.id, person))
            .collect())
    }

    /// One comment, if its page is visible to the viewer (otherwise, as for a
    /// missing id, `NotFound`). A deleted comment is `NotFound` too.
    pub async fn comment(&self, viewer: &Viewer, id: i64) -> AppResult<Comment> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let mut row = visible_comment(conn, &access, id, Kind::Footer).await?;
        let space = portico_store::pages::find(conn, row.page_id)
            .await?
            .map_or(0, |page| page.space_id);
        row.body = crate::links::for_reader(conn, &access, row.body, space).await?;
        self.comment_view(viewer, row, 0).await
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
        let row = self
            .edit_row(viewer, id, body, version, Kind::Footer)
            .await?;
        self.comment_view(viewer, row, 0).await
    }

    /// [`App::edit_comment`] for a comment of `kind`.
    pub(crate) async fn edit_row(
        &self,
        viewer: &Viewer,
        id: i64,
        body: BodyInput,
        version: i64,
        kind: Kind,
    ) -> AppResult<CommentRow> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        // As in `add_comment`: permissions are judged before the body.
        let body = storage_body(&body);
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = visible_comment(tx.conn(), &access, id, kind).await?;
        let (page, space) = visible_page(tx.conn(), &access, PageId(row.page_id)).await?;
        if !authored_by(&row, actor) {
            return Err(AppError::Forbidden {
                permission: "comment.author",
                reason: "only a comment's author may edit it".to_owned(),
            });
        }
        // Editing is commenting again: a revoked `comment.create` stops it.
        require_page(tx.conn(), &access, Action::CommentPage, &page, &space).await?;
        let body = body?;
        if version != row.version + 1 {
            return Err(AppError::Conflict(format!(
                "version conflict: the comment is at version {}, so the new version must be {}, not {version}; reload and edit again",
                row.version,
                row.version + 1
            )));
        }
        // The people newly mentioned hear of it (see `App::accepted_mentions`).
        let mentioned = self
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
        crate::notifications::mentioned(
            tx.conn(),
            &space,
            &page,
            Some(row.id),
            &mentioned,
            actor,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Deletes a comment: its author with `delete.own`, or anyone with
    /// `comment.delete` in the space. Replies stay, under a placeholder.
    pub async fn delete_comment(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        self.delete_row(viewer, id, Kind::Footer).await
    }

    /// [`App::delete_comment`] for a comment of `kind`.
    pub(crate) async fn delete_row(&self, viewer: &Viewer, id: i64, kind: Kind) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = visible_comment(tx.conn(), &access, id, kind).await?;
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

    pub(crate) async fn comment_view(
        &self,
        viewer: &Viewer,
        row: CommentRow,
        depth: usize,
    ) -> AppResult<Comment> {
        let people = self.authors(viewer, [&row]).await?;
        Ok(view(row, depth, &people))
    }
}

pub(crate) fn storage_body(body: &BodyInput) -> AppResult<String> {
    if body.value.len() > MAX_COMMENT_BYTES {
        return Err(ValidationError::new(
            "body",
            format!("must be at most {MAX_COMMENT_BYTES} bytes"),
        )
        .into());
    }
    let storage = body.to_storage()?;
    if storage.trim().is_empty() {
        return Err(ValidationError::new("body", "must not be empty").into());
    }
    Ok(storage)
}

/// Whether `actor` wrote the comment: only its author may edit it.
fn authored_by(row: &CommentRow, actor: i64) -> bool {
    row.author_id == Some(actor)
}

/// A current comment of `kind` whose page the viewer may view; otherwise
/// `NotFound` (a footer comment's id is unknown to the inline endpoints, and
/// the other way round).
pub(crate) async fn visible_comment(
    conn: &impl portico_store::Conn,
    access: &Access,
    id: i64,
    kind: Kind,
) -> AppResult<CommentRow> {
    let row = visible_comment_of_any_kind(conn, access, id).await?;
    if !kind.of(&row) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}

/// A current comment, footer or inline, whose page the viewer may view
/// (what reactions take); otherwise `NotFound`.
pub(crate) async fn visible_comment_of_any_kind(
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

/// The page (if the viewer may view it), its space, and its comments in
/// thread order with their depths.
pub(crate) async fn thread_rows(
    conn: &impl portico_store::Conn,
    access: &Access,
    page: PageId,
    kind: Kind,
) -> AppResult<(PageRow, SpaceRow, Vec<(CommentRow, usize)>)> {
    let (page, space) = visible_page(conn, access, page).await?;
    let filter = access.page_filter();
    let rows = comments::for_page(conn, filter.visibility(), page.id, kind).await?;
    Ok((page, space, threads(rows)))
}

/// The engine's answers for one page's thread, asked once per page (adding,
/// replying, editing) or once per comment (deleting, which depends on the
/// comment's author). The same actions the use cases require.
pub(crate) struct ThreadRules<'a> {
    access: &'a Access,
    page: &'a PageRow,
    edit: Option<&'a Restriction>,
    actor: Option<i64>,
    writable: bool,
    pub(crate) may_comment: bool,
}

impl<'a> ThreadRules<'a> {
    pub(crate) fn new(
        access: &'a Access,
        page: &'a PageRow,
        space: &SpaceRow,
        edit: Option<&'a Restriction>,
    ) -> Self {
        let actor = access.user_id();
        // The space row is the truth for archiving, as in `require_page`.
        let writable = actor.is_some() && space.status != "archived";
        let may_comment = writable
            && access
                .set
                .decide(Action::CommentPage, page_ref(page, edit))
                .0;
        Self {
            access,
            page,
            edit,
            actor,
            writable,
            may_comment,
        }
    }

    pub(crate) fn abilities(&self, row: &CommentRow) -> CommentAbilities {
        let Some(actor) = self
            .actor
            .filter(|_| self.writable && row.status == "current")
        else {
            return CommentAbilities::default();
        };
        // INVARIANT: as in `delete_comment`, the resource's author is the
        // comment's.
        let mut reference = page_ref(self.page, self.edit);
        reference.author = row.author_id.map(UserId);
        CommentAbilities {
            reply: self.may_comment,
            edit: self.may_comment && authored_by(row, actor),
            delete: self.access.set.decide(Action::DeleteComment, reference).0,
        }
    }
}

/// Rows (in creation order) in thread order with their depth: each comment
/// followed by its replies. Deleted comments are kept only when something
/// shown hangs below them; a reply whose parent is not among `rows` is left
/// out. Linear in the number of rows, and without recursion, so a very deep
/// chain of replies can't exhaust the stack.
pub(crate) fn threads(rows: Vec<CommentRow>) -> Vec<(CommentRow, usize)> {
    let index: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut roots = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row.parent_id {
            None => roots.push(i),
            Some(parent) => {
                if let Some(&p) = index.get(&parent) {
                    children[p].push(i);
                }
            }
        }
    }
    // Pre-order from the roots: every reachable row once, parents first.
    let mut order: Vec<(usize, usize)> = Vec::with_capacity(rows.len());
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&i| (i, 0)).collect();
    while let Some((i, depth)) = stack.pop() {
        order.push((i, depth));
        stack.extend(children[i].iter().rev().map(|&child| (child, depth + 1)));
    }
    // Children come after their parent in pre-order, so one backward pass
    // knows whether anything shown hangs below each row.
    let mut shown = vec![false; rows.len()];
    for &(i, _) in order.iter().rev() {
        shown[i] = rows[i].status == "current" || children[i].iter().any(|&c| shown[c]);
    }
    let mut slots: Vec<Option<CommentRow>> = rows.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter(|&(i, _)| shown[i])
        .filter_map(|(i, depth)| slots[i].take().map(|row| (row, depth)))
        .collect()
}

pub(crate) fn view(row: CommentRow, depth: usize, people: &HashMap<UserId, Person>) -> Comment {
    let deleted = row.status == "deleted";
    Comment {
        id: row.id,
        page_id: PageId(row.page_id),
        parent_id: row.parent_id,
        author: if deleted {
            None
        } else {
            row.author_id
                .and_then(|id| people.get(&UserId(id)).cloned())
        },
        body: (!deleted).then_some(row.body),
        deleted,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
        depth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, parent: Option<i64>, status: &str) -> CommentRow {
        CommentRow {
            id,
            page_id: 1,
            parent_id: parent,
            author_id: Some(1),
            body: format!("<p>{id}</p>"),
            status: status.to_owned(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
            version: 1,
            kind: "footer".to_owned(),
            anchor_text: None,
            anchor_match_index: None,
            anchor_match_count: None,
            anchor_before: None,
            anchor_after: None,
            anchor_version: None,
            resolution: None,
            resolution_by: None,
            resolution_at: None,
        }
    }

    fn shape(rows: Vec<CommentRow>) -> Vec<(i64, usize)> {
        threads(rows)
            .into_iter()
            .map(|(row, depth)| (row.id, depth))
            .collect()
    }

    #[test]
    fn replies_follow_their_parent_oldest_first() {
        let rows = vec![
            row(1, None, "current"),
            row(2, None, "current"),
            row(3, Some(1), "current"),
            row(4, Some(3), "current"),
            row(5, Some(1), "current"),
            row(6, Some(2), "current"),
        ];
        assert_eq!(
            shape(rows),
            vec![(1, 0), (3, 1), (4, 2), (5, 1), (2, 0), (6, 1)]
        );
    }

    #[test]
    fn deleted_comments_stay_only_above_something_shown() {
        let rows = vec![
            row(1, None, "deleted"),
            row(2, Some(1), "deleted"),
            row(3, Some(2), "current"),
            row(4, None, "deleted"),
            row(5, Some(4), "deleted"),
            row(6, Some(99), "current"),
        ];
        assert_eq!(shape(rows), vec![(1, 0), (2, 1), (3, 2)]);
    }

    #[test]
    fn a_very_deep_chain_is_threaded_without_recursion() {
        let depth = 100_000;
        let mut rows = vec![row(1, None, "current")];
        rows.extend((2..=depth).map(|id| row(id, Some(id - 1), "current")));
        let out = shape(rows);
        assert_eq!(out.len(), depth as usize);
        assert_eq!(out.last(), Some(&(depth, depth as usize - 1)));
    }
}
