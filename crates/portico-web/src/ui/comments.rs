//! Footer comments on the page view: the thread under the page body (drawn
//! by `templates/comments.html`, included by `page.html`) and the forms that
//! add, reply to, edit and delete comments. Which forms show is what
//! `App::comment_thread` says the viewer may do; every post is checked again
//! by its use case. Posts answer with a redirect to the comment's anchor; a
//! rule break re-renders the page with the message on the form that was
//! sent and the text kept.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, BodyFormat, BodyInput, CommentThread, Page, PageId, Space};
use serde::Deserialize;

use super::links;
use super::pages::render_page;
use super::render::{
    Caller, FormError, UiError, UiForm, content_and_space, form_error, page_id, see_other,
};
use super::view::{PersonView, Stamp};
use crate::AppState;
use crate::error::WebError;

/// Replies are indented one step per level up to this depth; deeper ones
/// line up with it, so long chains stay readable on narrow screens.
const MAX_INDENT: usize = 6;

/// The format comment forms start with: people type Markdown in comments.
const DEFAULT_FORMAT: BodyFormat = BodyFormat::Markdown;

/// One comment form as drawn: its text, format, whether it starts open and
/// the message of a refused post.
pub(crate) struct FormState {
    pub open: bool,
    pub body: String,
    pub format: String,
    pub error: Option<String>,
}

impl FormState {
    fn blank() -> Self {
        Self {
            open: false,
            body: String::new(),
            format: DEFAULT_FORMAT.as_str().to_owned(),
            error: None,
        }
    }

    fn sent(draft: &CommentDraft) -> Self {
        Self {
            open: true,
            body: draft.body.clone(),
            format: draft.format.clone(),
            error: Some(draft.error.clone()),
        }
    }
}

/// One comment of the thread as drawn.
pub(crate) struct CommentItem {
    pub id: i64,
    pub deleted: bool,
    pub author: PersonView,
    pub created: Stamp,
    pub edited: bool,
    pub body_html: String,
    pub depth: usize,
    /// The indentation step (`depth`, at most [`MAX_INDENT`]).
    pub indent: usize,
    pub reply: Option<FormState>,
    pub edit: Option<FormState>,
    pub can_delete: bool,
    pub edit_action: String,
    pub delete_action: String,
    /// The version an edit saves (the current one + 1).
    pub next_version: i64,
    /// The comment's reaction buttons (see [`CommentsView::with_reactions`]).
    pub reactions: Option<super::reactions::ReactionBar>,
}

/// The comments section of the page view.
pub(crate) struct CommentsView {
    pub csrf: String,
    pub add_action: String,
    /// Shown only when the viewer may add a comment.
    pub add: Option<FormState>,
    /// A refused post's message when no form on the page can hold it.
    pub error: Option<String>,
    /// Current comments (placeholders not counted).
    pub count: usize,
    pub items: Vec<CommentItem>,
}

impl CommentsView {
    /// The section for `thread`, with `draft` (a refused post) shown on the
    /// form it came from.
    pub fn new(
        space: &Space,
        page: &Page,
        csrf: String,
        thread: CommentThread,
        // Each comment's body as HTML for this viewer (mentions resolved by
        // `App::render_body`), in thread order.
        rendered: Vec<String>,
        draft: Option<&CommentDraft>,
    ) -> Self {
        let target = draft.map(|d| d.target);
        let mut placed = false;
        let items: Vec<CommentItem> = thread
            .comments
            .into_iter()
            .zip(rendered)
            .map(|(entry, body_html)| {
                let c = entry.comment;
                let may = entry.abilities;
                let mut form = |wanted: Target, allowed: bool, start: &str| -> Option<FormState> {
                    if !allowed {
                        return None;
                    }
                    match draft {
                        Some(draft) if draft.target == wanted => {
                            placed = true;
                            Some(FormState::sent(draft))
                        }
                        _ => Some(FormState {
                            body: start.to_owned(),
                            format: if start.is_empty() {
                                DEFAULT_FORMAT.as_str().to_owned()
                            } else {
                                // The edit form holds the stored body.
                                BodyFormat::Storage.as_str().to_owned()
                            },
                            ..FormState::blank()
                        }),
                    }
                };
                let reply = form(Target::Reply(c.id), may.reply, "");
                let edit = form(
                    Target::Edit(c.id),
                    may.edit,
                    c.body.as_deref().unwrap_or_default(),
                );
                CommentItem {
                    id: c.id,
                    deleted: c.deleted,
                    author: c
                        .author
                        .map(|person| PersonView {
                            name: person.display_name,
                            is_guest: person.is_guest,
                        })
                        .unwrap_or_else(PersonView::unknown),
                    created: Stamp::new(c.created_at),
                    edited: c.version > 1,
                    body_html,
                    depth: c.depth,
                    indent: c.depth.min(MAX_INDENT),
                    reply,
                    edit,
                    can_delete: may.delete,
                    edit_action: comment_action(space, page.id, c.id, "edit"),
                    delete_action: comment_action(space, page.id, c.id, "delete"),
                    next_version: c.version + 1,
                    reactions: None,
                }
            })
            .collect();
        let add = thread.may_comment.then(|| match draft {
            // A refused reply or edit whose form isn't on the page any more
            // (its comment was deleted meanwhile) says why here.
            Some(draft) if target == Some(Target::Add) || !placed => FormState {
                body: if target == Some(Target::Add) {
                    draft.body.clone()
                } else {
                    String::new()
                },
                ..FormState::sent(draft)
            },
            _ => FormState::blank(),
        });
        let error = match (draft, &add) {
            (Some(draft), None) if !placed => Some(draft.error.clone()),
            _ => None,
        };
        Self {
            csrf,
            add_action: links::page_action(&space.key, page.id, "comments"),
            add,
            error,
            count: items.iter().filter(|item| !item.deleted).count(),
            items,
        }
    }

    /// Adds each current comment's reaction buttons, from the page's
    /// reactions (one query for them all).
    pub fn with_reactions(
        mut self,
        space: &Space,
        page: &Page,
        reactions: &portico_app::PageReactions,
    ) -> Self {
        for item in self.items.iter_mut().filter(|item| !item.deleted) {
            let counts = reactions
                .comments
                .get(&item.id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            item.reactions = Some(super::reactions::ReactionBar::new(
                &space.key,
                page,
                Some(item.id),
                counts,
                reactions.may_react,
                self.csrf.clone(),
            ));
        }
        self
    }

    /// "1 comment", "3 comments".
    pub fn count_phrase(&self) -> String {
        match self.count {
            1 => "1 comment".to_owned(),
            n => format!("{n} comments"),
        }
    }
}

fn comment_action(space: &Space, page: PageId, comment: i64, action: &str) -> String {
    links::page_action(&space.key, page, &format!("comments/{comment}/{action}"))
}

/// Which form a refused post came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Add,
    Reply(i64),
    Edit(i64),
}

/// A refused post, to show again on its form.
pub(crate) struct CommentDraft {
    target: Target,
    body: String,
    format: String,
    error: String,
}

/// What the comment forms send.
#[derive(Deserialize, Default)]
pub(crate) struct CommentForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    format: String,
    #[serde(default, rename = "parentId")]
    parent_id: String,
    #[serde(default)]
    version: String,
}

impl CommentForm {
    /// The body as the app takes it (browsers send CRLF line ends). A
    /// missing format is the forms' default.
    fn body_input(&self) -> Result<BodyInput, FormError> {
        let format = if self.format.is_empty() {
            DEFAULT_FORMAT
        } else {
            self.format.parse::<BodyFormat>().map_err(|_| {
                FormError::new(
                    StatusCode::BAD_REQUEST,
                    "`format` must be `markdown` or `storage`",
                )
            })?
        };
        Ok(BodyInput {
            value: self.body.replace("\r\n", "\n"),
            format,
        })
    }

    fn parent(&self) -> Result<Option<i64>, FormError> {
        let raw = self.parent_id.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Ok(Some(id)),
            _ => Err(FormError::new(
                StatusCode::BAD_REQUEST,
                "`parentId` must be a comment id",
            )),
        }
    }

    fn version(&self) -> Result<i64, FormError> {
        self.version.trim().parse::<i64>().map_err(|_| {
            FormError::new(
                StatusCode::BAD_REQUEST,
                "`version` must be a number; reload the page",
            )
        })
    }

    fn draft(self, target: Target, error: String) -> CommentDraft {
        CommentDraft {
            target,
            body: self.body,
            format: if self.format.is_empty() {
                DEFAULT_FORMAT.as_str().to_owned()
            } else {
                self.format
            },
            error,
        }
    }
}

/// A comment id from a URL; a malformed one is just another missing comment.
fn comment_id(raw: &str) -> Result<i64, UiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(UiError(WebError::App(AppError::NotFound))),
    }
}

/// The page's URL at one comment.
fn at_comment(space: &Space, page: &Page, comment: i64) -> String {
    format!("{}#comment-{comment}", links::content(&space.key, page))
}

/// Shows the page again with `error` on the form the post came from.
async fn refused(
    state: &AppState,
    caller: &Caller,
    page: Page,
    space: Space,
    form: CommentForm,
    target: Target,
    error: FormError,
) -> Result<Response, UiError> {
    let status = error.status;
    let draft = form.draft(target, error.message);
    render_page(state, caller, page, space, Some(&draft), status).await
}

/// `POST …/pages/{id}/comments`: a new comment, or a reply with `parentId`.
pub(crate) async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<CommentForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = content_and_space(&state, &caller, &id).await?;
    let parent = match form.parent() {
        Ok(parent) => parent,
        Err(error) => {
            return refused(&state, &caller, page, space, form, Target::Add, error).await;
        }
    };
    let target = parent.map_or(Target::Add, Target::Reply);
    let body = match form.body_input() {
        Ok(body) => body,
        Err(error) => return refused(&state, &caller, page, space, form, target, error).await,
    };
    match state
        .app
        .add_comment(caller.viewer(), page.id, parent, body)
        .await
    {
        Ok(comment) => Ok(see_other(&at_comment(&space, &page, comment.id))),
        Err(err) => {
            let error = on_form(err)?;
            refused(&state, &caller, page, space, form, target, error).await
        }
    }
}

/// The comment behind a URL, its page and space, if the comment is a current
/// one of that page the caller can see; otherwise the 404 page.
async fn commented(
    state: &AppState,
    caller: &Caller,
    id: &str,
    comment: &str,
) -> Result<(i64, Page, Space), UiError> {
    let page = page_id(id)?;
    let comment = state
        .app
        .comment(caller.viewer(), comment_id(comment)?)
        .await?;
    if comment.page_id != page {
        return Err(AppError::NotFound.into());
    }
    let (page, space) = content_and_space(state, caller, id).await?;
    Ok((comment.id, page, space))
}

/// `POST …/comments/{comment}/edit`: the author changes their comment.
pub(crate) async fn edit(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id, comment)): Path<(String, String, String)>,
    UiForm(form): UiForm<CommentForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (comment, page, space) = commented(&state, &caller, &id, &comment).await?;
    let target = Target::Edit(comment);
    let input = form
        .body_input()
        .and_then(|body| Ok((body, form.version()?)));
    let (body, version) = match input {
        Ok(input) => input,
        Err(error) => return refused(&state, &caller, page, space, form, target, error).await,
    };
    match state
        .app
        .edit_comment(caller.viewer(), comment, body, version)
        .await
    {
        Ok(edited) => Ok(see_other(&at_comment(&space, &page, edited.id))),
        Err(err) => {
            let error = on_form(err)?;
            refused(&state, &caller, page, space, form, target, error).await
        }
    }
}

/// `POST …/comments/{comment}/delete`: back to the thread, where a comment
/// with replies stays as a placeholder.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id, comment)): Path<(String, String, String)>,
    UiForm(form): UiForm<CommentForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (comment, page, space) = commented(&state, &caller, &id, &comment).await?;
    state.app.delete_comment(caller.viewer(), comment).await?;
    Ok(see_other(&format!(
        "{}#comments",
        links::content(&space.key, &page)
    )))
}

/// Sorts a refused comment: rule breaks and version conflicts go back on
/// the form; a missing permission is the 403 page naming it (no form offered
/// it), and "not found" the plain 404 page.
pub(crate) fn on_form(err: AppError) -> Result<FormError, UiError> {
    match err {
        AppError::Invalid(_) | AppError::Unprocessable(_) | AppError::Conflict(_) => {
            form_error(err)
        }
        other => Err(other.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_check_their_fields() {
        let form = CommentForm {
            body: "a\r\nb".into(),
            ..CommentForm::default()
        };
        let body = form.body_input().ok();
        assert_eq!(body.as_ref().map(|b| b.value.as_str()), Some("a\nb"));
        assert_eq!(body.map(|b| b.format), Some(BodyFormat::Markdown));
        let bad = CommentForm {
            format: "html".into(),
            parent_id: "x".into(),
            version: "two".into(),
            ..CommentForm::default()
        };
        assert!(bad.body_input().is_err());
        assert!(bad.parent().is_err());
        assert!(bad.version().is_err());
        let reply = CommentForm {
            parent_id: " 7 ".into(),
            ..CommentForm::default()
        };
        assert_eq!(reply.parent().ok(), Some(Some(7)));
        assert_eq!(CommentForm::default().parent().ok(), Some(None));
    }

    #[test]
    fn malformed_comment_ids_are_not_found() {
        for raw in ["0", "-1", "x"] {
            let status = comment_id(raw).err().map(|err| err.0.status());
            assert_eq!(status, Some(StatusCode::NOT_FOUND), "{raw}");
        }
    }

    #[test]
    fn only_rule_breaks_and_conflicts_stay_on_the_form() {
        use portico_core::ValidationError;
        assert!(on_form(ValidationError::new("body", "must not be empty").into()).is_ok());
        assert!(on_form(AppError::Conflict("stale".into())).is_ok());
        let forbidden = on_form(AppError::Forbidden {
            permission: "comment.create",
            reason: "no".into(),
        });
        assert_eq!(
            forbidden.err().map(|err| err.0.status()),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            on_form(AppError::NotFound).err().map(|err| err.0.status()),
            Some(StatusCode::NOT_FOUND)
        );
    }
}
