//! Watching and notifications over the API (tag `portico-extensions`; not
//! part of Confluence's API): your notifications (`GET /api/notifications`,
//! newest first, cursor pagination, with the unread count), marking them
//! read (`POST /api/notifications/read`), and watching a space or a page
//! (`GET`/`PUT`/`DELETE /api/portico/{spaces,pages}/{id}/watch`).
//!
//! The watch endpoints live with the other Portico extensions rather than
//! under `/wiki/api/v2`, whose paths are Confluence's contract (its v2 API
//! has no watch endpoints). Every endpoint needs a signed-in caller (401
//! otherwise); anything the caller can't view answers 404, like a missing id.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_app::{Notification, PageId, SpaceId, WatchTarget};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{Links, timestamp};
use super::extract::{ApiJson, Params, parse_id};
use super::pagination;
use super::people::PersonJson;
use crate::AppState;
use crate::auth::ApiSignedIn;
use crate::error::{ApiError, WebError};

/// What a notification is about: a space, or a page of it. Titles and names
/// are as they are now, for a reader who can view them now.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NoticeAboutJson {
    pub space_id: String,
    pub space_key: String,
    pub space_name: String,
    pub page_id: Option<String>,
    pub page_title: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationJson {
    pub id: String,
    /// `guests.added`, `page.published`, `page.updated` or `comment.created`.
    pub kind: String,
    /// Who did it; absent for a removed account.
    pub actor: Option<PersonJson>,
    pub about: NoticeAboutJson,
    /// `guests.added`: the guests (only ever shown to internal people).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guests: Vec<PersonJson>,
    /// `guests.added`: the role they were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `page.updated`: the version saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// `comment.created`: the comment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    pub created_at: String,
    pub read: bool,
}

impl From<Notification> for NotificationJson {
    fn from(n: Notification) -> Self {
        NotificationJson {
            id: n.id.to_string(),
            kind: n.kind.as_str().to_owned(),
            actor: n.actor.map(PersonJson::from),
            about: NoticeAboutJson {
                space_id: n.space.id.to_string(),
                space_key: n.space.key,
                space_name: n.space.name,
                page_id: n.page.as_ref().map(|p| p.id.to_string()),
                page_title: n.page.map(|p| p.title),
            },
            guests: n.guests.into_iter().map(PersonJson::from).collect(),
            role: n.role,
            version: n.version,
            comment_id: n.comment_id.map(|id| id.to_string()),
            created_at: timestamp(n.created_at),
            read: n.read,
        }
    }
}

/// A page of notifications, with the unread count (of all your readable
/// notifications, not just this page).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationListJson {
    pub results: Vec<NotificationJson>,
    pub unread_count: u64,
    #[serde(rename = "_links")]
    pub links: Links,
}

/// Your notifications, newest first. Only those about things you can view
/// now are listed and counted.
#[utoipa::path(get, path = "/api/notifications", tag = "portico-extensions",
    params(("limit" = Option<u64>, Query, description = "1 to 250, default 25"),
        ("cursor" = Option<String>, Query, description = "From `_links.next`")),
    responses((status = 200, body = NotificationListJson), (status = 400, description = "A bad `limit` or `cursor`"), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = pagination::limit(params.number("limit")?)?;
    let before = pagination::decode_cursor(params.one("cursor")?)?;
    let listed = state.app.notifications(&viewer, before, limit).await?;
    let next = match (listed.has_more, listed.items.last()) {
        (true, Some(last)) => Some(pagination::next_link(
            "/api/notifications",
            &params.pairs(),
            last.id,
        )),
        _ => None,
    };
    let link = next
        .as_ref()
        .and_then(|next| HeaderValue::from_str(&format!("<{next}>; rel=\"next\"")).ok());
    let body = NotificationListJson {
        results: listed
            .items
            .into_iter()
            .map(NotificationJson::from)
            .collect(),
        unread_count: listed.unread,
        links: Links {
            webui: None,
            next,
            base: None,
        },
    };
    let mut response = Json(body).into_response();
    if let Some(link) = link {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// Which notifications to mark read: `ids`, or `all` (optionally only up to
/// the notification `upTo`, so notices that arrived since stay unread).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MarkReadJson {
    #[serde(default)]
    pub ids: Option<Vec<String>>,
    #[serde(default)]
    pub all: bool,
    #[serde(default)]
    pub up_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UnreadJson {
    pub unread_count: u64,
}

fn notification_id(field: &str, raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => {
            Err(WebError::BadRequest(format!("`{field}`: `{raw}` is not a notification id")).into())
        }
    }
}

/// Mark notifications read: those named in `ids` (all of them or, if any is
/// not yours, none: 404), or with `"all": true` every one you can read.
#[utoipa::path(post, path = "/api/notifications/read", tag = "portico-extensions", request_body = MarkReadJson,
    responses((status = 200, body = UnreadJson, description = "Your unread count afterwards"),
        (status = 400, description = "Neither or both of `ids` and `all`, a malformed id, or more than 250 ids"),
        (status = 401), (status = 404, description = "An id that names no notification of yours"), (status = 415)))]
pub async fn mark_read(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    ApiJson(body): ApiJson<MarkReadJson>,
) -> Result<Json<UnreadJson>, ApiError> {
    match (&body.ids, body.all) {
        (Some(ids), false) => {
            if body.up_to.is_some() {
                return Err(
                    WebError::BadRequest("`upTo` goes with `all`, not `ids`".to_owned()).into(),
                );
            }
            let ids = ids
                .iter()
                .map(|raw| notification_id("ids", raw))
                .collect::<Result<Vec<_>, _>>()?;
            state.app.mark_notifications_read(&viewer, &ids).await?;
        }
        (None, true) => {
            let up_to = body
                .up_to
                .as_deref()
                .map(|raw| notification_id("upTo", raw))
                .transpose()?;
            state
                .app
                .mark_all_notifications_read(&viewer, up_to)
                .await?;
        }
        _ => {
            return Err(WebError::BadRequest(
                "give either `ids` (the notifications to mark read) or `\"all\": true`".to_owned(),
            )
            .into());
        }
    }
    let unread_count = state.app.unread_notifications(&viewer).await?;
    Ok(Json(UnreadJson { unread_count }))
}

#[derive(Serialize, ToSchema)]
pub struct WatchingJson {
    pub watching: bool,
}

async fn watching(
    state: &AppState,
    viewer: &portico_app::Viewer,
    target: WatchTarget,
) -> Result<Json<WatchingJson>, ApiError> {
    let watching = state.app.is_watching(viewer, target).await?;
    Ok(Json(WatchingJson { watching }))
}

/// Whether you watch a space (you hear of every page published in it).
#[utoipa::path(get, path = "/api/portico/spaces/{id}/watch", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 200, body = WatchingJson), (status = 400, description = "A malformed id"), (status = 401), (status = 404)))]
pub async fn space_watching(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<WatchingJson>, ApiError> {
    watching(
        &state,
        &viewer,
        WatchTarget::Space(parse_id::<SpaceId>(&id)?),
    )
    .await
}

/// Watch a space (watching twice is one watch).
#[utoipa::path(put, path = "/api/portico/spaces/{id}/watch", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 204), (status = 400, description = "A malformed id"), (status = 401), (status = 404)))]
pub async fn watch_space(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let target = WatchTarget::Space(parse_id::<SpaceId>(&id)?);
    state.app.watch(&viewer, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop watching a space.
#[utoipa::path(delete, path = "/api/portico/spaces/{id}/watch", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 204), (status = 400, description = "A malformed id"), (status = 401), (status = 404)))]
pub async fn unwatch_space(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let target = WatchTarget::Space(parse_id::<SpaceId>(&id)?);
    state.app.unwatch(&viewer, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether you watch a page (you hear of its edits and comments).
#[utoipa::path(get, path = "/api/portico/pages/{id}/watch", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 200, body = WatchingJson), (status = 400, description = "A malformed id"), (status = 401), (status = 404)))]
pub async fn page_watching(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<WatchingJson>, ApiError> {
    watching(&state, &viewer, WatchTarget::Page(parse_id::<PageId>(&id)?)).await
}

/// Watch a page (its creator already does).
#[utoipa::path(put, path = "/api/portico/pages/{id}/watch", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 204), (status = 400, description = "A malformed id"), (status = 401), (status = 404)))]
pub async fn watch_page(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let target = WatchTarget::Page(parse_id::<PageId>(&id)?);
    state.app.watch(&viewer, target).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stop watching a page.
#[utoipa::path(delete, path = "/api/portico/pages/{id}/watch", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 204), (status = 400, description = "A malformed id"), (status = 401), (status = 404)))]
pub async fn unwatch_page(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let target = WatchTarget::Page(parse_id::<PageId>(&id)?);
    state.app.unwatch(&viewer, target).await?;
    Ok(StatusCode::NO_CONTENT)
}
