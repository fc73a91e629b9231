//! Inline comments on the page view: the highlighted text in the body (marks
//! written by `portico_format::highlight`), the threads beside it (drawn by
//! `templates/inline_comments.html`: open threads, those whose text is no
//! longer in the page, and resolved ones collapsed), and the forms that
//! start a thread on a quoted text, reply, resolve, reopen and delete.
//! `static/inline-comments.js` fills the quote and occurrence from a text
//! selection; without it, people type the quote. Which forms show is what
//! `App::inline_thread` says; every post is checked again by its use case.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    AppError, BodyFormat, BodyInput, InlineThread, Page, ResolutionStatus, Selection, Space,
};
use serde::Deserialize;

use super::comments::on_form;
use super::links;
use super::pages::render_page_with;
use super::render::{Caller, FormError, UiError, UiForm, page_and_space, see_other};
use super::view::{PersonView, Stamp};
use crate::AppState;
use crate::error::WebError;

/// Replies are indented up to this depth, as footer comments.
const MAX_INDENT: usize = 6;

/// One inline comment as drawn.
pub(crate) struct InlineItem {
    pub id: i64,
    pub deleted: bool,
    pub author: PersonView,
    pub created: Stamp,
    pub body_html: String,
    pub indent: usize,
    /// The quoted text, on the comment that starts a thread.
    pub quote: Option<String>,
    /// The `id` of its highlight in the body, while the text is there.
    pub marker: Option<String>,
    pub reply: Option<DraftState>,
    pub can_delete: bool,
    /// Resolve or reopen, on the comment that starts a thread.
    pub can_resolve: bool,
    pub resolved: bool,
    pub resolution: Option<String>,
    pub resolve_action: String,
    pub reopen_action: String,
    pub delete_action: String,
}

/// A form's text and message as drawn.
pub(crate) struct DraftState {
    pub open: bool,
    pub body: String,
    pub error: Option<String>,
}

/// The new-thread form.
pub(crate) struct NewThreadForm {
    pub selection: String,
    pub occurrence: String,
    pub body: String,
    pub error: Option<String>,
    pub open: bool,
}

/// The inline comments section of the page view.
pub(crate) struct InlineCommentsView {
    pub csrf: String,
    pub add_action: String,
    /// The version the page view shows: a new thread's selection is made on it.
    pub page_version: i64,
    pub add: Option<NewThreadForm>,
    pub error: Option<String>,
    pub open: Vec<Vec<InlineItem>>,
    pub dangling: Vec<Vec<InlineItem>>,
    pub resolved: Vec<Vec<InlineItem>>,
}

impl InlineCommentsView {
    pub fn new(
        space: &Space,
        page: &Page,
        csrf: String,
        thread: InlineThread,
        rendered: Vec<String>,
        draft: Option<&InlineDraft>,
    ) -> Self {
        let mut placed = false;
        let mut groups: Vec<(ResolutionStatus, Vec<InlineItem>)> = Vec::new();
        let mut current: Option<i64> = None;
        for (entry, body_html) in thread.comments.into_iter().zip(rendered) {
            let c = entry.comment;
            let id = c.comment.id;
            let reply = entry.abilities.reply.then(|| match draft {
                Some(d) if d.target == Target::Reply(id) => {
                    placed = true;
                    DraftState {
                        open: true,
                        body: d.form.body.clone(),
                        error: Some(d.error.clone()),
                    }
                }
                _ => DraftState {
                    open: false,
                    body: String::new(),
                    error: None,
                },
            });
            let action = |what: &str| {
                links::page_action(&space.key, page.id, &format!("inline-comments/{id}/{what}"))
            };
            let item = InlineItem {
                id,
                deleted: c.comment.deleted,
                author: c
                    .comment
                    .author
                    .map(|person| PersonView {
                        name: person.display_name,
                        is_guest: person.is_guest,
                    })
                    .unwrap_or_else(PersonView::unknown),
                created: Stamp::new(c.comment.created_at),
                body_html,
                indent: c.comment.depth.min(MAX_INDENT),
                quote: c.anchor.as_ref().map(|a| a.anchor.selection.clone()),
                marker: c
                    .anchor
                    .as_ref()
                    .filter(|a| a.current.is_some())
                    .map(|_| format!("{}{id}", portico_format::MARK_ID_PREFIX)),
                reply,
                can_delete: entry.abilities.delete,
                can_resolve: entry.resolve,
                resolved: c.status == ResolutionStatus::Resolved,
                resolution: match (c.status, c.resolution_by) {
                    (ResolutionStatus::Resolved, Some(by)) => {
                        Some(format!("Resolved by {}", by.display_name))
                    }
                    (ResolutionStatus::Reopened, Some(by)) => {
                        Some(format!("Reopened by {}", by.display_name))
                    }
                    _ => None,
                },
                resolve_action: action("resolve"),
                reopen_action: action("reopen"),
                delete_action: action("delete"),
            };
            if current == Some(c.thread_id) {
                if let Some((_, items)) = groups.last_mut() {
                    items.push(item);
                }
            } else {
                current = Some(c.thread_id);
                groups.push((c.status, vec![item]));
            }
        }
        let mut view = Self {
            csrf,
            add_action: links::page_action(&space.key, page.id, "inline-comments"),
            page_version: page.version,
            add: None,
            error: None,
            open: Vec::new(),
            dangling: Vec::new(),
            resolved: Vec::new(),
        };
        for (status, items) in groups {
            match status {
                ResolutionStatus::Open | ResolutionStatus::Reopened => view.open.push(items),
                ResolutionStatus::Dangling => view.dangling.push(items),
                ResolutionStatus::Resolved => view.resolved.push(items),
            }
        }
        view.add = thread.may_comment.then(|| match draft {
            Some(d) if d.target == Target::New || !placed => NewThreadForm {
                selection: d.form.selection.clone(),
                occurrence: d.form.occurrence.clone(),
                body: if d.target == Target::New {
                    d.form.body.clone()
                } else {
                    String::new()
                },
                error: Some(d.error.clone()),
                open: true,
            },
            _ => NewThreadForm {
                selection: String::new(),
                occurrence: "1".to_owned(),
                body: String::new(),
                error: None,
                open: false,
            },
        });
        if view.add.is_none() && !placed {
            view.error = draft.map(|d| d.error.clone());
        }
        view
    }

    pub fn count(&self) -> usize {
        self.open.len() + self.dangling.len() + self.resolved.len()
    }
}

/// Which form a refused post came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    New,
    Reply(i64),
}

/// A refused post, to show again on its form.
pub(crate) struct InlineDraft {
    target: Target,
    form: InlineForm,
    error: String,
}

/// What the inline comment forms send.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct InlineForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    body: String,
    /// The quoted text.
    #[serde(default)]
    selection: String,
    /// Which occurrence of it, counted from 1 (people count so).
    #[serde(default)]
    occurrence: String,
    /// The page version the quote was taken from.
    #[serde(default, rename = "pageVersion")]
    page_version: String,
    #[serde(default, rename = "parentId")]
    parent_id: String,
}

impl InlineForm {
    fn body_input(&self) -> BodyInput {
        BodyInput {
            value: self.body.replace("\r\n", "\n"),
            format: BodyFormat::Markdown,
        }
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

    fn selection(&self) -> Result<Selection, FormError> {
        let occurrence = match self.occurrence.trim() {
            "" => 1,
            raw => match raw.parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(FormError::new(
                        StatusCode::BAD_REQUEST,
                        "`occurrence` must be a whole number from 1",
                    ));
                }
            },
        };
        let page_version = match self.page_version.trim() {
            "" => None,
            raw => Some(raw.parse::<i64>().map_err(|_| {
                FormError::new(
                    StatusCode::BAD_REQUEST,
                    "`pageVersion` must be a number; reload the page",
                )
            })?),
        };
        Ok(Selection {
            text: self.selection.replace("\r\n", "\n"),
            match_index: occurrence - 1,
            match_count: None,
            page_version,
        })
    }
}

/// A comment id from a URL; a malformed one is just another missing comment.
fn comment_id(raw: &str) -> Result<i64, UiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(UiError(WebError::App(AppError::NotFound))),
    }
}

fn at_comment(space: &Space, page: &Page, comment: i64) -> String {
    format!(
        "{}#inline-comment-{comment}",
        links::page(&space.key, page.id, &page.title)
    )
}

async fn refused(
    state: &AppState,
    caller: &Caller,
    (page, space): (Page, Space),
    form: InlineForm,
    target: Target,
    error: FormError,
) -> Result<Response, UiError> {
    let draft = InlineDraft {
        target,
        form,
        error: error.message,
    };
    render_page_with(state, caller, page, space, None, Some(&draft), error.status).await
}

/// `POST …/pages/{id}/inline-comments`: a new thread on the quoted text, or
/// a reply with `parentId`.
pub(crate) async fn add(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<InlineForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let parent = match form.parent() {
        Ok(parent) => parent,
        Err(error) => {
            return refused(&state, &caller, (page, space), form, Target::New, error).await;
        }
    };
    let target = parent.map_or(Target::New, Target::Reply);
    let selection = match parent {
        Some(_) => None,
        None => match form.selection() {
            Ok(selection) => Some(selection),
            Err(error) => {
                return refused(&state, &caller, (page, space), form, target, error).await;
            }
        },
    };
    match state
        .app
        .add_inline_comment(
            caller.viewer(),
            page.id,
            parent,
            selection,
            form.body_input(),
        )
        .await
    {
        Ok(comment) => Ok(see_other(&at_comment(&space, &page, comment.comment.id))),
        Err(err) => {
            let error = on_form(err)?;
            refused(&state, &caller, (page, space), form, target, error).await
        }
    }
}

/// The inline comment behind a URL and its page, if it is one of that page
/// the caller can see; otherwise the 404 page.
async fn commented(
    state: &AppState,
    caller: &Caller,
    id: &str,
    comment: &str,
) -> Result<(i64, Page, Space), UiError> {
    let (page, space) = page_and_space(state, caller, id).await?;
    let comment = state
        .app
        .inline_comment(caller.viewer(), comment_id(comment)?)
        .await?;
    if comment.comment.page_id != page.id {
        return Err(AppError::NotFound.into());
    }
    Ok((comment.comment.id, page, space))
}

/// The anti-forgery token is all these forms send.
#[derive(Deserialize, Default)]
pub(crate) struct TokenForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

async fn set_resolved(
    state: AppState,
    caller: Caller,
    (id, comment): (String, String),
    form: TokenForm,
    resolved: bool,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (comment, page, space) = commented(&state, &caller, &id, &comment).await?;
    state
        .app
        .resolve_inline_comment(caller.viewer(), comment, resolved)
        .await?;
    Ok(see_other(&at_comment(&space, &page, comment)))
}

/// `POST …/inline-comments/{comment}/resolve`.
pub(crate) async fn resolve(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id, comment)): Path<(String, String, String)>,
    UiForm(form): UiForm<TokenForm>,
) -> Result<Response, UiError> {
    set_resolved(state, caller, (id, comment), form, true).await
}

/// `POST …/inline-comments/{comment}/reopen`.
pub(crate) async fn reopen(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id, comment)): Path<(String, String, String)>,
    UiForm(form): UiForm<TokenForm>,
) -> Result<Response, UiError> {
    set_resolved(state, caller, (id, comment), form, false).await
}

/// `POST …/inline-comments/{comment}/delete`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id, comment)): Path<(String, String, String)>,
    UiForm(form): UiForm<TokenForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let (comment, page, space) = commented(&state, &caller, &id, &comment).await?;
    state
        .app
        .delete_inline_comment(caller.viewer(), comment)
        .await?;
    Ok(see_other(&format!(
        "{}#inline-comments",
        links::page(&space.key, page.id, &page.title)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_counts_occurrences_from_one() {
        let form = InlineForm {
            selection: "a\r\nb".into(),
            occurrence: " 2 ".into(),
            page_version: "3".into(),
            ..InlineForm::default()
        };
        let selection = form.selection().ok();
        assert_eq!(selection.as_ref().map(|s| s.match_index), Some(1));
        assert_eq!(selection.as_ref().map(|s| s.text.as_str()), Some("a\nb"));
        assert_eq!(selection.and_then(|s| s.page_version), Some(3));
        for bad in ["0", "-1", "x"] {
            let form = InlineForm {
                occurrence: bad.into(),
                ..InlineForm::default()
            };
            assert!(form.selection().is_err(), "{bad}");
        }
        assert_eq!(
            InlineForm::default()
                .selection()
                .ok()
                .map(|s| s.match_index),
            Some(0)
        );
    }
}
