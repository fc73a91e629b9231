//! Discovery in the UI (SPEC 4): the home feed (`/`), recently updated
//! site-wide (`/wiki/recent`) and per space (`/wiki/spaces/KEY/recent`,
//! with the space's popular labels), a space's activity
//! (`/wiki/spaces/KEY/activity`), popular labels (`/wiki/labels`), the
//! people directory (`/wiki/people`, members only) and profiles
//! (`/wiki/people/{accountId}`). Each handler makes one app call; what is
//! listed is the viewer's to see, decided in the app.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    ActivityEntry, ActivityKind, FeedContent, FeedEntry, Person, PopularLabel, Role, UserId,
};
use serde::Deserialize;

use super::labels::label_href;
use super::links;
use super::render::{Me, Reader, UiError, UiQuery, html};
use super::view::{PersonView, Stamp};
use crate::AppState;
use crate::error::WebError;

/// Entries per feed page.
const FEED_PAGE: u64 = 25;

/// A save, as feeds draw it.
pub(crate) struct EntryView {
    pub title: String,
    pub href: String,
    pub blog: bool,
    pub space_name: String,
    pub space_href: String,
    pub change: &'static str,
    pub by: PersonView,
    pub at: Stamp,
}

fn content_href(content: &FeedContent) -> String {
    format!("/wiki/pages/{}", content.id)
}

fn person_view(person: Option<Person>) -> PersonView {
    person.map_or_else(
        || PersonView {
            name: "an unknown or deactivated user".to_owned(),
            is_guest: false,
        },
        |person| PersonView {
            name: person.display_name,
            is_guest: person.is_guest,
        },
    )
}

impl From<FeedEntry> for EntryView {
    fn from(entry: FeedEntry) -> Self {
        EntryView {
            href: content_href(&entry.content),
            space_href: links::space(&entry.content.space_key),
            title: entry.content.title,
            blog: entry.content.blog,
            space_name: entry.content.space_name,
            change: match entry.kind {
                portico_app::ChangeKind::Created => "created",
                portico_app::ChangeKind::Updated => "updated",
            },
            by: person_view(entry.by),
            at: Stamp::new(entry.at),
        }
    }
}

pub(crate) struct LabelView {
    pub name: String,
    pub href: String,
    pub count: i64,
}

fn label_views(labels: Vec<PopularLabel>) -> Vec<LabelView> {
    labels
        .into_iter()
        .map(|label| LabelView {
            href: label_href(&label.name),
            name: label.name,
            count: label.count,
        })
        .collect()
}

fn entry_views(entries: Vec<FeedEntry>) -> Vec<EntryView> {
    entries.into_iter().map(EntryView::from).collect()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    me: Option<Me>,
    signed_in: bool,
    nothing_shared: bool,
    recent: Vec<EntryView>,
    mine: Vec<EntryView>,
    watched: Vec<EntryView>,
    labels: Vec<LabelView>,
}

/// `/`: the home feed.
pub(crate) async fn home(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Response, UiError> {
    let feed = state.app.home_feed(caller.viewer()).await?;
    let guest = caller.viewer().role() == Role::Guest;
    Ok(html(
        StatusCode::OK,
        &HomePage {
            me: caller.me(),
            signed_in: caller.viewer().user_id().is_some(),
            nothing_shared: guest && feed.recent.is_empty() && feed.labels.is_empty(),
            recent: entry_views(feed.recent),
            mine: entry_views(feed.mine),
            watched: entry_views(feed.watched),
            labels: label_views(feed.labels),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct CursorQuery {
    #[serde(default)]
    before: String,
}

#[derive(Deserialize)]
pub(crate) struct OffsetQuery {
    #[serde(default)]
    from: String,
}

#[derive(Deserialize)]
pub(crate) struct PeopleQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    from: String,
}

/// A number from a query string ("" = none); anything else is a 400.
fn number(raw: &str, name: &str) -> Result<Option<i64>, UiError> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(Some)
        .ok_or_else(|| UiError(WebError::BadRequest(format!("`{name}` must be a number"))))
}

#[derive(Template)]
#[template(path = "recent.html")]
struct RecentPage {
    me: Option<Me>,
    heading: String,
    space_href: Option<String>,
    activity_href: Option<String>,
    entries: Vec<EntryView>,
    more: Option<String>,
    show_labels: bool,
    labels: Vec<LabelView>,
}

/// `/wiki/recent`: recently updated, everywhere the viewer can see.
pub(crate) async fn recent(
    State(state): State<AppState>,
    Reader(caller): Reader,
    UiQuery(query): UiQuery<CursorQuery>,
) -> Result<Response, UiError> {
    let before = number(&query.before, "before")?;
    let slice = state
        .app
        .recently_updated(caller.viewer(), None, None, before, FEED_PAGE)
        .await?;
    Ok(html(
        StatusCode::OK,
        &RecentPage {
            me: caller.me(),
            heading: "Recently updated".to_owned(),
            space_href: None,
            activity_href: None,
            more: slice.next.map(|n| format!("/wiki/recent?before={n}")),
            entries: entry_views(slice.entries),
            show_labels: false,
            labels: Vec::new(),
        },
    ))
}

/// `/wiki/spaces/KEY/recent`: a space's recent changes and popular labels.
pub(crate) async fn space_recent(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(key): Path<String>,
    UiQuery(query): UiQuery<CursorQuery>,
) -> Result<Response, UiError> {
    let before = number(&query.before, "before")?;
    let app = &state.app;
    let space = app.space_by_key(caller.viewer(), &key).await?;
    let slice = app
        .recently_updated(caller.viewer(), Some(space.id), None, before, FEED_PAGE)
        .await?;
    let labels = app
        .popular_labels(caller.viewer(), Some(space.id), 20)
        .await?;
    let base = format!("{}/recent", links::space(&space.key));
    Ok(html(
        StatusCode::OK,
        &RecentPage {
            me: caller.me(),
            heading: format!("Recent changes in {}", space.name),
            space_href: Some(links::space(&space.key)),
            activity_href: Some(format!("{}/activity", links::space(&space.key))),
            more: slice.next.map(|n| format!("{base}?before={n}")),
            entries: entry_views(slice.entries),
            show_labels: true,
            labels: label_views(labels),
        },
    ))
}

struct ActivityView {
    by: PersonView,
    action: String,
    title: String,
    href: String,
    file_name: Option<String>,
    at: Stamp,
}

impl From<ActivityEntry> for ActivityView {
    fn from(entry: ActivityEntry) -> Self {
        let noun = if entry.content.blog {
            "blog post"
        } else {
            "page"
        };
        let (action, file_name) = match entry.what {
            ActivityKind::Saved { kind, .. } => (format!("{} the {noun}", kind.as_str()), None),
            ActivityKind::Commented { inline, reply } => (
                format!(
                    "{} on the {noun}",
                    match (inline, reply) {
                        (_, true) => "replied to a comment",
                        (true, false) => "commented inline",
                        (false, false) => "commented",
                    }
                ),
                None,
            ),
            ActivityKind::Uploaded { file_name, .. } => {
                (format!("attached a file to the {noun}"), Some(file_name))
            }
        };
        ActivityView {
            by: person_view(entry.by),
            action,
            href: content_href(&entry.content),
            title: entry.content.title,
            file_name,
            at: Stamp::new(entry.at),
        }
    }
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    me: Option<Me>,
    space_name: String,
    space_href: String,
    recent_href: String,
    items: Vec<ActivityView>,
    more: Option<String>,
}

/// `/wiki/spaces/KEY/activity`.
pub(crate) async fn space_activity(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(key): Path<String>,
    UiQuery(query): UiQuery<OffsetQuery>,
) -> Result<Response, UiError> {
    let from = number(&query.from, "from")?.unwrap_or(0) as u64;
    let app = &state.app;
    let space = app.space_by_key(caller.viewer(), &key).await?;
    let slice = app
        .space_activity(caller.viewer(), space.id, from, FEED_PAGE)
        .await?;
    let href = links::space(&space.key);
    Ok(html(
        StatusCode::OK,
        &ActivityPage {
            me: caller.me(),
            space_name: space.name.clone(),
            recent_href: format!("{href}/recent"),
            more: slice
                .has_more
                .then(|| format!("{href}/activity?from={}", from + FEED_PAGE)),
            space_href: href,
            items: slice.items.into_iter().map(ActivityView::from).collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "popular_labels.html")]
struct LabelsPage {
    me: Option<Me>,
    labels: Vec<LabelView>,
}

/// `/wiki/labels`: the labels most used on pages the viewer can see.
pub(crate) async fn labels(
    State(state): State<AppState>,
    Reader(caller): Reader,
) -> Result<Response, UiError> {
    let labels = state.app.popular_labels(caller.viewer(), None, 50).await?;
    Ok(html(
        StatusCode::OK,
        &LabelsPage {
            me: caller.me(),
            labels: label_views(labels),
        },
    ))
}

struct PersonLink {
    view: PersonView,
    href: String,
}

fn profile_href(id: UserId) -> String {
    format!("/wiki/people/{id}")
}

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    me: Option<Me>,
    query: String,
    found: Vec<PersonLink>,
    more: Option<String>,
}

/// `/wiki/people?q=`: the directory (members only; the plain 404 to others).
pub(crate) async fn people(
    State(state): State<AppState>,
    Reader(caller): Reader,
    UiQuery(query): UiQuery<PeopleQuery>,
) -> Result<Response, UiError> {
    let from = number(&query.from, "from")?.unwrap_or(0) as u64;
    let slice = state
        .app
        .people_directory(caller.viewer(), &query.q, from, FEED_PAGE)
        .await?;
    let more = slice.has_more.then(|| {
        let q: String = url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect();
        format!("/wiki/people?q={q}&from={}", from + FEED_PAGE)
    });
    Ok(html(
        StatusCode::OK,
        &PeoplePage {
            me: caller.me(),
            query: query.q.trim().to_owned(),
            found: slice
                .items
                .into_iter()
                .map(|person| PersonLink {
                    href: profile_href(person.id),
                    view: person_view(Some(person)),
                })
                .collect(),
            more,
        },
    ))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    me: Option<Me>,
    person: PersonView,
    entries: Vec<EntryView>,
    more: Option<String>,
}

/// `/wiki/people/{accountId}`: a profile, for those who may know the person.
pub(crate) async fn profile(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path(account): Path<String>,
    UiQuery(query): UiQuery<CursorQuery>,
) -> Result<Response, UiError> {
    // A malformed id names no one: the same 404 as an unknown one.
    let Ok(id) = account.parse::<UserId>() else {
        return Err(UiError(WebError::App(portico_app::AppError::NotFound)));
    };
    let before = number(&query.before, "before")?;
    let profile = state
        .app
        .profile(caller.viewer(), id, before, FEED_PAGE)
        .await?;
    Ok(html(
        StatusCode::OK,
        &ProfilePage {
            me: caller.me(),
            more: profile
                .recent
                .next
                .map(|n| format!("{}?before={n}", profile_href(id))),
            person: person_view(Some(profile.person)),
            entries: entry_views(profile.recent.entries),
        },
    ))
}
