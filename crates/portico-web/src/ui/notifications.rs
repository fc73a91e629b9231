//! Watching and notifications in the UI: the "Watch" / "Stop watching"
//! button of a space's overview and of a page (`templates/watch.html`, fed by
//! [`WatchButton`]), its form posts, and `/notifications` (the signed-in
//! person's notifications, newest first, with "mark read" forms).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, NoticeKind, Notification, Person, Viewer, WatchTarget};
use serde::Deserialize;

use super::links;
use super::render::{Caller, Me, UiError, UiForm, UiQuery, html, page_id, see_other};
use super::view::{PersonView, Stamp};
use crate::AppState;

/// Notifications per page of the list.
const PAGE_SIZE: u64 = 50;

/// The watch button's state, for `templates/watch.html`; absent for
/// anonymous readers.
pub(crate) struct WatchButton {
    pub action: String,
    pub watching: bool,
    pub csrf: String,
}

impl WatchButton {
    /// The button for a space (`page: None`) or a page of it, as `caller` sees it.
    pub async fn load(
        state: &AppState,
        caller: &Caller,
        space_key: &str,
        target: WatchTarget,
    ) -> Result<Option<Self>, UiError> {
        if caller.me.is_none() {
            return Ok(None);
        }
        let watching = state.app.is_watching(caller.viewer(), target).await?;
        Ok(Some(WatchButton {
            action: watch_action(space_key, target),
            watching,
            csrf: caller.csrf(),
        }))
    }
}

fn watch_action(space_key: &str, target: WatchTarget) -> String {
    match target {
        WatchTarget::Space(_) => format!("{}/watch", links::space(space_key)),
        WatchTarget::Page(id) => links::page_action(space_key, id, "watch"),
    }
}

#[derive(Deserialize)]
pub(crate) struct WatchForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    /// `1` to start watching, `0` to stop.
    #[serde(default)]
    watch: String,
}

impl WatchForm {
    fn wants(&self) -> Result<bool, UiError> {
        match self.watch.as_str() {
            "1" => Ok(true),
            "0" => Ok(false),
            other => Err(UiError(crate::error::WebError::BadRequest(format!(
                "`watch` must be `1` or `0`, not `{other}`"
            )))),
        }
    }
}

async fn set_watch(
    state: &AppState,
    viewer: &Viewer,
    target: WatchTarget,
    watch: bool,
) -> Result<(), UiError> {
    if watch {
        state.app.watch(viewer, target).await?;
    } else {
        state.app.unwatch(viewer, target).await?;
    }
    Ok(())
}

/// `POST /wiki/spaces/{key}/watch`.
pub(crate) async fn watch_space(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    UiForm(form): UiForm<WatchForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let watch = form.wants()?;
    let space = state.app.space_by_key(caller.viewer(), &key).await?;
    set_watch(&state, caller.viewer(), WatchTarget::Space(space.id), watch).await?;
    Ok(see_other(&links::space(&space.key)))
}

/// `POST /wiki/spaces/{key}/pages/{id}/watch`.
pub(crate) async fn watch_page(
    State(state): State<AppState>,
    caller: Caller,
    Path((_key, id)): Path<(String, String)>,
    UiForm(form): UiForm<WatchForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let watch = form.wants()?;
    // A blog post is watched like a page.
    let page = state.app.content(caller.viewer(), page_id(&id)?).await?;
    set_watch(&state, caller.viewer(), WatchTarget::Page(page.id), watch).await?;
    let space = state.app.space(caller.viewer(), page.space_id).await?;
    Ok(see_other(&links::content(&space.key, &page)))
}

/// One line of the list.
struct Item {
    id: i64,
    actor: PersonView,
    /// What happened, between the actor and the link.
    what: &'static str,
    target: String,
    href: String,
    /// The page's space, for notices about a page.
    space: Option<(String, String)>,
    /// `guests.added`: the guests and their role.
    guests: Vec<PersonView>,
    role: String,
    at: Stamp,
    read: bool,
}

fn person(person: Option<&Person>) -> PersonView {
    match person {
        Some(person) => PersonView {
            name: person.display_name.clone(),
            is_guest: person.is_guest,
        },
        None => PersonView {
            name: "Unknown user".to_owned(),
            is_guest: false,
        },
    }
}

impl Item {
    fn new(n: &Notification) -> Self {
        let space_href = links::space(&n.space.key);
        let (target, href, space) = match &n.page {
            Some(page) => (
                page.title.clone(),
                if page.blog {
                    // By id: it redirects to the post's dated URL.
                    format!("/wiki/pages/{}", page.id)
                } else {
                    links::page(&n.space.key, page.id, &page.title)
                },
                Some((n.space.name.clone(), space_href)),
            ),
            None => (n.space.name.clone(), space_href, None),
        };
        Item {
            id: n.id,
            actor: person(n.actor.as_ref()),
            what: match n.kind {
                NoticeKind::GuestsAdded => "added guests to",
                NoticeKind::PagePublished => "published",
                NoticeKind::PageUpdated => "edited",
                NoticeKind::CommentCreated => "commented on",
                NoticeKind::Mentioned => "mentioned you on",
            },
            target,
            href,
            space,
            guests: n.guests.iter().map(|g| person(Some(g))).collect(),
            role: n.role.clone().unwrap_or_default(),
            at: Stamp::new(n.created_at),
            read: n.read,
        }
    }
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct ListPage {
    me: Option<Me>,
    csrf: String,
    items: Vec<Item>,
    unread: u64,
    /// The newest notice shown: "mark all read" stops there.
    newest: Option<i64>,
    more: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    before: String,
}

/// `GET /notifications`.
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    UiQuery(query): UiQuery<ListQuery>,
) -> Result<Response, UiError> {
    // A malformed cursor is the first page.
    let before = query.before.parse::<i64>().ok();
    let listed = state
        .app
        .notifications(caller.viewer(), before, PAGE_SIZE)
        .await?;
    let more = match (listed.has_more, listed.items.last()) {
        (true, Some(last)) => Some(format!("/notifications?before={}", last.id)),
        _ => None,
    };
    Ok(html(
        StatusCode::OK,
        &ListPage {
            me: caller.me(),
            csrf: caller.csrf(),
            newest: listed.items.first().map(|n| n.id),
            items: listed.items.iter().map(Item::new).collect(),
            unread: listed.unread,
            more,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct ReadAllForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    up_to: String,
}

/// `POST /notifications/read`: "mark all as read", up to the newest notice
/// the page showed.
pub(crate) async fn read_all(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<ReadAllForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let up_to = match form.up_to.trim() {
        "" => None,
        raw => Some(raw.parse::<i64>().map_err(|_| {
            UiError(crate::error::WebError::BadRequest(format!(
                "`up_to` must be a notification id, not `{raw}`"
            )))
        })?),
    };
    state
        .app
        .mark_all_notifications_read(caller.viewer(), up_to)
        .await?;
    Ok(see_other("/notifications"))
}

#[derive(Deserialize)]
pub(crate) struct ReadOneForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// `POST /notifications/{id}/read`.
pub(crate) async fn read_one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    UiForm(form): UiForm<ReadOneForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    // A malformed id is one more notice that isn't yours.
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    state
        .app
        .mark_notification_read(caller.viewer(), id)
        .await?;
    Ok(see_other("/notifications"))
}
