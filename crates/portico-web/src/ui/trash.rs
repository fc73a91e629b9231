//! A space's trash screen (space admins only; everyone else gets the plain
//! 404 page): trashed pages and attachments, newest first, each with
//! Restore and Purge, and "Empty trash". Purging and emptying go through a
//! confirmation screen; every form carries the CSRF token first.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{Space, TrashKind};
use serde::Deserialize;

use super::links;
use super::render::{Caller, Me, UiError, UiForm, form_error, html, page_id, see_other};
use super::view::{PersonView, Sidebar, SpaceView, Stamp};
use crate::AppState;
use crate::error::WebError;

/// Entries per screen.
const PER_SCREEN: u64 = 50;

struct EntryRow {
    kind: &'static str,
    title: String,
    /// The page's title, for an attachment ("on …").
    page_title: String,
    trashed_by: PersonView,
    at: Stamp,
    restore_action: String,
    purge_href: String,
}

#[derive(Template)]
#[template(path = "trash.html")]
struct TrashPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    entries: Vec<EntryRow>,
    next: Option<String>,
    empty_href: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "trash_confirm.html")]
struct ConfirmPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    heading: String,
    explanation: String,
    action: String,
    button: String,
    back: String,
}

fn trash_href(key: &str) -> String {
    links::space_trash(key)
}

fn item_href(key: &str, kind: &str, id: i64, what: &str) -> String {
    format!("{}/{kind}/{id}/{what}", trash_href(key))
}

/// `pages` or `attachments` from the URL; anything else is missing.
fn kind(raw: &str) -> Result<TrashKind, UiError> {
    match raw {
        "pages" => Ok(TrashKind::Page),
        "attachments" => Ok(TrashKind::Attachment),
        _ => Err(not_found()),
    }
}

fn not_found() -> UiError {
    UiError(WebError::App(portico_app::AppError::NotFound))
}

/// An attachment id from the URL; a malformed one is just missing.
fn attachment_id(raw: &str) -> Result<i64, UiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(not_found()),
    }
}

#[derive(Deserialize)]
pub(crate) struct TrashQuery {
    #[serde(default)]
    from: Option<u64>,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    Query(query): Query<TrashQuery>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    render(&state, &caller, &space, query.from.unwrap_or(0), None).await
}

async fn render(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    from: u64,
    error: Option<(StatusCode, String)>,
) -> Result<Response, UiError> {
    let app = &state.app;
    let viewer = caller.viewer();
    // Not a space admin: the trash doesn't exist (404), as in the API.
    let slice = app.space_trash(viewer, space.id, from, PER_SCREEN).await?;
    let entries = slice
        .items
        .into_iter()
        .map(|entry| {
            let kind = match entry.kind {
                TrashKind::Page => "pages",
                TrashKind::Attachment => "attachments",
            };
            EntryRow {
                kind: match entry.kind {
                    TrashKind::Page => "Page",
                    TrashKind::Attachment => "Attachment",
                },
                restore_action: item_href(&space.key, kind, entry.id, "restore"),
                purge_href: item_href(&space.key, kind, entry.id, "purge"),
                title: entry.title,
                page_title: entry.page_title,
                trashed_by: entry
                    .trashed_by
                    .map(|p| PersonView {
                        name: p.display_name,
                        is_guest: p.is_guest,
                    })
                    .unwrap_or_else(PersonView::unknown),
                at: Stamp::new(entry.trashed_at),
            }
        })
        .collect();
    let next = slice
        .has_more
        .then(|| format!("{}?from={}", trash_href(&space.key), from + PER_SCREEN));
    let tree = app.space_tree(viewer, space.id).await?;
    let (status, error) = match error {
        Some((status, message)) => (status, Some(message)),
        None => (StatusCode::OK, None),
    };
    Ok(html(
        status,
        &TrashPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, None),
            space: SpaceView::load(app, viewer, space).await?,
            entries,
            next,
            empty_href: format!("{}/empty", trash_href(&space.key)),
            error,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub(crate) async fn restore(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, raw_kind, id)): Path<(String, String, String)>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let done = match kind(&raw_kind)? {
        TrashKind::Page => state
            .app
            .restore_page(caller.viewer(), page_id(&id)?)
            .await
            .map(|_| ()),
        TrashKind::Attachment => {
            state
                .app
                .restore_attachment(caller.viewer(), attachment_id(&id)?)
                .await
        }
    };
    after(&state, &caller, &space, done).await
}

/// Back to the trash; an error that belongs there (a title clash) shows on it.
async fn after(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    done: Result<(), portico_app::AppError>,
) -> Result<Response, UiError> {
    match done {
        Ok(()) => Ok(see_other(&trash_href(&space.key))),
        Err(err) => {
            let error = form_error(err)?;
            render(state, caller, space, 0, Some((error.status, error.message))).await
        }
    }
}

pub(crate) async fn purge_form(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, raw_kind, id)): Path<(String, String, String)>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let kind = kind(&raw_kind)?;
    // Only what the caller's trash lists can be confirmed.
    let entries = state
        .app
        .space_trash(caller.viewer(), space.id, 0, u64::MAX >> 2)
        .await?;
    let wanted: i64 = match kind {
        TrashKind::Page => page_id(&id)?.0,
        TrashKind::Attachment => attachment_id(&id)?,
    };
    let Some(entry) = entries
        .items
        .into_iter()
        .find(|entry| entry.kind == kind && entry.id == wanted)
    else {
        return Err(not_found());
    };
    let explanation = match kind {
        TrashKind::Page => "The page is deleted for good, with its versions, comments, attachments and labels. This can't be undone.".to_owned(),
        TrashKind::Attachment => format!(
            "The file, with all its versions, is deleted for good from “{}”. This can't be undone.",
            entry.page_title
        ),
    };
    confirm(
        &state,
        &caller,
        &space,
        format!("Purge “{}”?", entry.title),
        explanation,
        item_href(&space.key, &raw_kind, wanted, "purge"),
        "Purge".to_owned(),
    )
    .await
}

pub(crate) async fn purge(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, raw_kind, id)): Path<(String, String, String)>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let done = match kind(&raw_kind)? {
        TrashKind::Page => state.app.purge_page(caller.viewer(), page_id(&id)?).await,
        TrashKind::Attachment => {
            state
                .app
                .purge_attachment(caller.viewer(), attachment_id(&id)?)
                .await
        }
    };
    after(&state, &caller, &space, done).await
}

pub(crate) async fn empty_form(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
) -> Result<Response, UiError> {
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    // Refuses (404) anyone who may not open the trash.
    state
        .app
        .space_trash(caller.viewer(), space.id, 0, 1)
        .await?;
    confirm(
        &state,
        &caller,
        &space,
        "Empty the trash?".to_owned(),
        "Everything in this space's trash is deleted for good. This can't be undone.".to_owned(),
        format!("{}/empty", trash_href(&space.key)),
        "Empty trash".to_owned(),
    )
    .await
}

pub(crate) async fn empty(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    let done = state
        .app
        .empty_trash(caller.viewer(), space.id)
        .await
        .map(|_| ());
    after(&state, &caller, &space, done).await
}

async fn confirm(
    state: &AppState,
    caller: &Caller,
    space: &Space,
    heading: String,
    explanation: String,
    action: String,
    button: String,
) -> Result<Response, UiError> {
    let app = &state.app;
    let tree = app.space_tree(caller.viewer(), space.id).await?;
    Ok(html(
        StatusCode::OK,
        &ConfirmPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(space, &tree, None),
            space: SpaceView::load(app, caller.viewer(), space).await?,
            heading,
            explanation,
            action,
            button,
            back: trash_href(&space.key),
        },
    ))
}
