//! Drafts in the UI: the notice on a page view telling its author they have
//! an unpublished edit (resume or discard it), the discard form's post, and
//! `/drafts`, the signed-in person's own drafts. Nobody else ever sees any of
//! it: the app answers a draft to its author only.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, DraftSummary, Page, PageDraft};
use serde::Deserialize;

use super::links;
use super::render::{Caller, Me, UiError, UiForm, html, page_id, see_other};
use super::view::Stamp;
use crate::AppState;

/// The caller's saved edit of a published page, if they have one.
pub(crate) async fn saved_edit(
    state: &AppState,
    caller: &Caller,
    page: &Page,
) -> Result<Option<PageDraft>, UiError> {
    if caller.me.is_none() || page.status == "draft" {
        return Ok(None);
    }
    match state.app.page_draft(caller.viewer(), page.id).await {
        Ok(draft) => Ok(Some(draft)),
        Err(AppError::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// The page view's "you have an unpublished draft" notice.
pub(crate) struct DraftNotice {
    pub saved: Stamp,
    pub stale: bool,
    pub resume: String,
    pub discard: String,
    pub csrf: String,
}

impl DraftNotice {
    pub fn new(space_key: &str, draft: &PageDraft, csrf: String) -> Self {
        DraftNotice {
            saved: Stamp::new(draft.updated_at),
            stale: draft.is_stale(),
            resume: links::edit(space_key, draft.page.id),
            discard: links::page_action(space_key, draft.page.id, "draft/discard"),
            csrf,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct DiscardForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Throws the caller's draft of a published page away; the page stays as it is.
pub(crate) async fn discard(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
    UiForm(form): UiForm<DiscardForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = page_id(&id)?;
    state.app.discard_page_draft(caller.viewer(), id).await?;
    let page = state.app.page(caller.viewer(), id).await?;
    Ok(see_other(&links::page(&key, page.id, &page.title)))
}

struct DraftItem {
    title: String,
    href: String,
    space_key: String,
    saved: Stamp,
    unpublished: bool,
}

impl DraftItem {
    fn new(draft: DraftSummary) -> Self {
        DraftItem {
            href: if draft.unpublished {
                links::page(&draft.space_key, draft.page_id, &draft.title)
            } else {
                links::edit(&draft.space_key, draft.page_id)
            },
            saved: Stamp::new(draft.updated_at),
            unpublished: draft.unpublished,
            space_key: draft.space_key,
            title: draft.title,
        }
    }
}

#[derive(Template)]
#[template(path = "drafts.html")]
struct DraftsPage {
    me: Option<Me>,
    items: Vec<DraftItem>,
}

/// `/drafts`: the caller's unpublished new pages and saved edits.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, UiError> {
    let drafts = state.app.my_drafts(caller.viewer()).await?;
    Ok(html(
        StatusCode::OK,
        &DraftsPage {
            me: caller.me(),
            items: drafts.into_iter().map(DraftItem::new).collect(),
        },
    ))
}
