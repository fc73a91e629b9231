//! Inline comments (SPEC 2.1): a thread anchored to a text selection of one
//! version of a page, found again in later versions, resolvable and
//! reopenable. Stored in the `comments` table as kind `inline`, so adding,
//! editing, deleting, notifying and mention checks are the footer comments'
//! (`comments.rs`); this module adds the anchor and the resolution.
//!
//! Anchors are resolved when read, against the page's current body
//! (`portico_format::locate`): nothing is rewritten on save, the answer is
//! always that of the body shown, and a thread whose text is gone is
//! *dangling* until the text comes back. Resolving and reopening is
//! `Action::RESOLVE_COMMENT`: whoever may comment on the page.

use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, UserId, Viewer};
use portico_format::{Anchor, AnchorError, Highlight};
use portico_store::comments::{self, Kind};
use portico_store::{CommentRow, permissions};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{require_page, visible_page};
use crate::comments::{Comment, CommentAbilities, ThreadRules, thread_rows, view, visible_comment};
use crate::error::{AppError, AppResult};
use crate::model::Person;
use crate::pages::BodyInput;
use crate::record::{audit, journal};

/// What a new inline thread selects, as Confluence's
/// `inlineCommentProperties` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// `textSelection`.
    pub text: String,
    /// `textSelectionMatchIndex`: which occurrence (0-based).
    pub match_index: usize,
    /// `textSelectionMatchCount`, if the caller counted; checked.
    pub match_count: Option<usize>,
    /// The version the selection was made on (the current one if `None`).
    pub page_version: Option<i64>,
}

impl Selection {
    /// The anchor of this selection in `body`, or the rule it breaks.
    pub(crate) fn capture(&self, body: &str) -> AppResult<Anchor> {
        portico_format::capture(body, &self.text, self.match_index, self.match_count).map_err(
            |err| {
                let field = match err {
                    AnchorError::IndexOutOfRange { .. } => {
                        "inlineCommentProperties.textSelectionMatchIndex"
                    }
                    AnchorError::CountMismatch { .. } => {
                        "inlineCommentProperties.textSelectionMatchCount"
                    }
                    _ => "inlineCommentProperties.textSelection",
                };
                AppError::Unprocessable(ValidationError::new(field, err.to_string()))
            },
        )
    }
}

/// Where a thread stands, as Confluence's `resolutionStatus` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResolutionStatus {
    Open,
    Reopened,
    Resolved,
    /// Open or reopened, but its text is no longer in the page.
    Dangling,
}

impl ResolutionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionStatus::Open => "open",
            ResolutionStatus::Reopened => "reopened",
            ResolutionStatus::Resolved => "resolved",
            ResolutionStatus::Dangling => "dangling",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "open" => Some(ResolutionStatus::Open),
            "reopened" => Some(ResolutionStatus::Reopened),
            "resolved" => Some(ResolutionStatus::Resolved),
            "dangling" => Some(ResolutionStatus::Dangling),
            _ => None,
        }
    }
}

/// A thread's anchor: what was selected on which version, and where it is
/// in the current body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineAnchor {
    pub anchor: Anchor,
    /// The page version the selection was made on.
    pub page_version: i64,
    /// (occurrence, occurrences) in the current body; `None`: dangling.
    pub current: Option<(usize, usize)>,
}

/// An inline comment with its thread's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineComment {
    pub comment: Comment,
    /// The id of the comment that starts the thread (its own for a root).
    pub thread_id: i64,
    /// The thread's anchor; only on the comment that starts it.
    pub anchor: Option<InlineAnchor>,
    /// The thread's status (replies show their thread's).
    pub status: ResolutionStatus,
    /// Who last resolved or reopened the thread, and when.
    pub resolution_by: Option<Person>,
    pub resolution_at: Option<OffsetDateTime>,
}

/// An inline comment of a thread with what the viewer may do with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineThreadComment {
    pub comment: InlineComment,
    pub abilities: CommentAbilities,
    /// Whether the viewer may resolve or reopen (thread starts only).
    pub resolve: bool,
}

/// A page's inline threads as the page view draws them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineThread {
    pub comments: Vec<InlineThreadComment>,
    pub may_comment: bool,
}

impl InlineThread {
    /// What the page body's marks need: the attached, unresolved threads.
    pub fn highlights(&self) -> Vec<Highlight> {
        self.comments
            .iter()
            .filter(|c| {
                matches!(
                    c.comment.status,
                    ResolutionStatus::Open | ResolutionStatus::Reopened
                )
            })
            .filter_map(|c| {
                c.comment.anchor.as_ref().map(|a| Highlight {
                    key: c.comment.comment.id.to_string(),
                    anchor: a.anchor.clone(),
                })
            })
            .collect()
    }
}

impl App {
    /// Starts an inline thread on `selection`, or replies to one (`parent`,
    /// without a selection). Needs `comment.create`, as footer comments.
    pub async fn add_inline_comment(
        &self,
        viewer: &Viewer,
        page: PageId,
        parent: Option<i64>,
        selection: Option<Selection>,
        body: BodyInput,
    ) -> AppResult<InlineComment> {
        let row = self
            .insert_comment(viewer, page, parent, body, Kind::Inline, selection)
            .await?;
        self.inline_comment(viewer, row.id).await
    }

    /// A page's inline comments in thread order (each thread followed by its
    /// replies), with `statuses` (if any given) keeping only the threads in
    /// one of them.
    pub async fn page_inline_comments(
        &self,
        viewer: &Viewer,
        page: PageId,
        statuses: &[ResolutionStatus],
    ) -> AppResult<Vec<InlineComment>> {
        Ok(self
            .inline_thread(viewer, page)
            .await?
            .comments
            .into_iter()
            .map(|c| c.comment)
            .filter(|c| statuses.is_empty() || statuses.contains(&c.status))
            .collect())
    }

    /// The page's inline threads with what the viewer may do in them.
    pub async fn inline_thread(&self, viewer: &Viewer, page: PageId) -> AppResult<InlineThread> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, space, ordered) = thread_rows(conn, &access, page, Kind::Inline).await?;
        let edit = permissions::restrictions_of(conn, &[page.id])
            .await?
            .edit
            .remove(&page.id);
        let rules = ThreadRules::new(&access, &page, &space, edit.as_ref());
        let mut people = self
            .authors(viewer, ordered.iter().map(|(row, _)| row))
            .await?;
        let mut resolvers: Vec<UserId> = ordered
            .iter()
            .filter_map(|(row, _)| row.resolution_by.map(UserId))
            .filter(|id| !people.contains_key(id))
            .collect();
        resolvers.sort_unstable();
        resolvers.dedup();
        for person in self.people(viewer, &resolvers).await? {
            people.insert(person.id, person);
        }
        let text = portico_format::plain_text(&page.body);
        let mut thread: Option<(i64, ResolutionStatus, Option<i64>, Option<OffsetDateTime>)> = None;
        let mut comments = Vec::with_capacity(ordered.len());
        for (mut row, depth) in ordered {
            // A link to a page the reader can't see becomes the placeholder.
            row.body = crate::links::for_reader(conn, &access, row.body, page.space_id).await?;
            let abilities = rules.abilities(&row);
            let anchor = (depth == 0).then(|| anchor_of(&row, &text)).flatten();
            if depth == 0 {
                thread = Some((
                    row.id,
                    status_of(&row, anchor.as_ref()),
                    row.resolution_by,
                    row.resolution_at,
                ));
            }
            let (thread_id, status, by, at) =
                thread.unwrap_or((row.id, ResolutionStatus::Open, None, None));
            let resolve = depth == 0 && anchor.is_some() && abilities.reply;
            comments.push(InlineThreadComment {
                comment: InlineComment {
                    comment: view(row, depth, &people),
                    thread_id,
                    anchor,
                    status,
                    resolution_by: by.and_then(|id| people.get(&UserId(id)).cloned()),
                    resolution_at: at,
                },
                abilities,
                resolve,
            });
        }
        Ok(InlineThread {
            comments,
            may_comment: rules.may_comment,
        })
    }

    /// One inline comment with its thread's state; `NotFound` for a footer
    /// comment, a deleted one, or one on a page the viewer can't view.
    pub async fn inline_comment(&self, viewer: &Viewer, id: i64) -> AppResult<InlineComment> {
        let access = self.access(viewer).await?;
        let row = visible_comment(self.store.read(), &access, id, Kind::Inline).await?;
        self.inline_thread(viewer, PageId(row.page_id))
            .await?
            .comments
            .into_iter()
            .map(|c| c.comment)
            .find(|c| c.comment.id == id)
            .ok_or(AppError::NotFound)
    }

    /// The direct replies to an inline comment that are shown.
    pub async fn inline_comment_replies(
        &self,
        viewer: &Viewer,
        id: i64,
    ) -> AppResult<Vec<InlineComment>> {
        let parent = self.inline_comment(viewer, id).await?;
        Ok(self
            .page_inline_comments(viewer, parent.comment.page_id, &[])
            .await?
            .into_iter()
            .filter(|c| c.comment.parent_id == Some(id))
            .collect())
    }

    /// Changes an inline comment's body (its author only), as
    /// [`App::edit_comment`].
    pub async fn edit_inline_comment(
        &self,
        viewer: &Viewer,
        id: i64,
        body: BodyInput,
        version: i64,
    ) -> AppResult<InlineComment> {
        self.edit_row(viewer, id, body, version, Kind::Inline)
            .await?;
        self.inline_comment(viewer, id).await
    }

    /// Deletes an inline comment, as [`App::delete_comment`].
    pub async fn delete_inline_comment(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        self.delete_row(viewer, id, Kind::Inline).await
    }

    /// Resolves (`true`) or reopens (`false`) the thread an inline comment
    /// starts. Anyone who may comment on the page may; a reply has no
    /// resolution of its own (422). Resolving a resolved thread, or
    /// reopening one that isn't resolved, changes nothing.
    pub async fn resolve_inline_comment(
        &self,
        viewer: &Viewer,
        id: i64,
        resolved: bool,
    ) -> AppResult<InlineComment> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut row = visible_comment(tx.conn(), &access, id, Kind::Inline).await?;
        let (page, space) = visible_page(tx.conn(), &access, PageId(row.page_id)).await?;
        require_page(tx.conn(), &access, Action::RESOLVE_COMMENT, &page, &space).await?;
        let Some(current) = row.resolution.clone() else {
            return Err(ValidationError::new(
                "resolved",
                "only the comment that starts an inline thread is resolved or reopened",
            )
            .into());
        };
        let next = match (resolved, current.as_str()) {
            (true, "resolved") | (false, "open" | "reopened") => None,
            (true, _) => Some("resolved"),
            (false, _) => Some("reopened"),
        };
        if let Some(next) = next {
            row.resolution = Some(next.to_owned());
            row.resolution_by = Some(actor);
            row.resolution_at = Some(now);
            let row = comments::update(tx.conn(), row).await?;
            let action = if resolved {
                "comment.resolve"
            } else {
                "comment.reopen"
            };
            audit(
                tx.conn(),
                now,
                Some(actor),
                action,
                ("comment", row.id.to_string()),
                json!({ "page": page.id }),
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
        }
        self.inline_comment(viewer, id).await
    }
}

/// The anchor saved on a thread's first comment, located in `text` (the
/// current body's plain text).
fn anchor_of(row: &CommentRow, text: &str) -> Option<InlineAnchor> {
    let anchor = Anchor {
        selection: row.anchor_text.clone()?,
        match_index: usize::try_from(row.anchor_match_index?).unwrap_or(0),
        match_count: usize::try_from(row.anchor_match_count?).unwrap_or(0),
        before: row.anchor_before.clone().unwrap_or_default(),
        after: row.anchor_after.clone().unwrap_or_default(),
    };
    let current = portico_format::locate_in_text(text, &anchor)
        .map(|found| (found.match_index, found.match_count));
    Some(InlineAnchor {
        anchor,
        page_version: row.anchor_version.unwrap_or(1),
        current,
    })
}

/// A thread's status: resolved stays resolved; an open or reopened thread
/// whose text is gone is dangling.
fn status_of(row: &CommentRow, anchor: Option<&InlineAnchor>) -> ResolutionStatus {
    match row.resolution.as_deref() {
        Some("resolved") => ResolutionStatus::Resolved,
        _ if anchor.is_none_or(|a| a.current.is_none()) => ResolutionStatus::Dangling,
        Some("reopened") => ResolutionStatus::Reopened,
        _ => ResolutionStatus::Open,
    }
}
