//! The trash: Confluence's `DELETE /wiki/api/v2/pages/{id}?purge=true` and
//! `DELETE /wiki/api/v2/attachments/{id}[?purge=true]` (in `pages.rs` and
//! here), and Portico's extensions: a space's trash
//! (`GET`/`DELETE /api/portico/spaces/{id}/trash`, list and empty) and
//! restoring (`POST /api/portico/trash/{pages,attachments}/{id}/restore`).
//! Only space admins see a trash; to everyone else these answer 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{PageId, SpaceId, TrashEntry, TrashKind};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{PageJson, timestamp};
use super::extract::{Params, parse_id};
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrashEntryJson {
    /// `page` (any kind of page, blog posts too) or `attachment`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: String,
    /// The page's title, or the attachment's file name.
    pub title: String,
    /// The page itself, or the page the attachment is on.
    pub page_id: String,
    pub page_title: String,
    pub trashed_at: String,
    pub trashed_by: Option<String>,
}

impl From<TrashEntry> for TrashEntryJson {
    fn from(entry: TrashEntry) -> Self {
        TrashEntryJson {
            kind: match entry.kind {
                TrashKind::Page => "page",
                TrashKind::Attachment => "attachment",
            },
            id: entry.id.to_string(),
            title: entry.title,
            page_id: entry.page_id.0.to_string(),
            page_title: entry.page_title,
            trashed_at: timestamp(entry.trashed_at),
            trashed_by: entry.trashed_by.map(|p| p.id.0.to_string()),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EmptiedJson {
    pub pages: u64,
    pub attachments: u64,
}

/// A positive number, or a 400 naming what it should have been.
fn positive_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(WebError::BadRequest(format!("`{raw}` is not {what}")).into()),
    }
}

/// A space's trash: trashed pages (blog posts too) and attachments, newest
/// first. Space admins only.
#[utoipa::path(get, path = "/api/portico/spaces/{id}/trash", tag = "portico-extensions",
    params(("id" = String, Path), ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<TrashEntryJson>)),
        (status = 400), (status = 404, description = "No such space, or not its admin")))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let space = parse_id::<SpaceId>(&id)?;
    let limit = limit(params.number("limit")?)?;
    let offset = decode_cursor(params.one("cursor")?)?.unwrap_or(0);
    let slice = state
        .app
        .space_trash(&viewer, space, offset as u64, limit)
        .await?;
    let next = slice.has_more.then(|| {
        next_link(
            &format!("/api/portico/spaces/{}/trash", space.0),
            &params.pairs(),
            offset + limit as i64,
        )
    });
    Ok(super::multi(
        slice.items.into_iter().map(TrashEntryJson::from).collect(),
        next,
    ))
}

/// Empty a space's trash: purge everything in it. Space admins only.
#[utoipa::path(delete, path = "/api/portico/spaces/{id}/trash", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, body = EmptiedJson), (status = 404, description = "No such space, or not its admin")))]
pub async fn empty(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<EmptiedJson>, ApiError> {
    let emptied = state
        .app
        .empty_trash(&viewer, parse_id::<SpaceId>(&id)?)
        .await?;
    Ok(Json(EmptiedJson {
        pages: emptied.pages,
        attachments: emptied.attachments,
    }))
}

/// Restore a trashed page: under its old parent if that is still a current
/// page, otherwise under the space's home page. Space admins only.
#[utoipa::path(post, path = "/api/portico/trash/pages/{id}/restore", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, body = PageJson), (status = 400), (status = 404),
        (status = 409, description = "A current page of the space has the same title")))]
pub async fn restore_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<PageJson>, ApiError> {
    let page = state
        .app
        .restore_page(&viewer, parse_id::<PageId>(&id)?)
        .await?;
    Ok(Json(PageJson::new(page, false)))
}

/// Restore a trashed attachment to its page. Space admins only.
#[utoipa::path(post, path = "/api/portico/trash/attachments/{id}/restore", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 404),
        (status = 409, description = "The page has a current file of the same name, or is itself in the trash")))]
pub async fn restore_attachment(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = positive_id(&id, "an attachment id")?;
    state.app.restore_attachment(&viewer, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Delete an attachment: moves it to the trash (`attachment.delete`, or
/// `delete.own` for its uploader). `purge=true` purges one already in the
/// trash (space admins; its file leaves the disk unless another version uses it).
#[utoipa::path(delete, path = "/wiki/api/v2/attachments/{id}", tag = "attachments",
    params(("id" = String, Path), ("purge" = Option<bool>, Query)),
    responses((status = 204), (status = 400), (status = 403), (status = 404),
        (status = 409, description = "`purge=true` on an attachment that is not in the trash")))]
pub async fn delete_attachment(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<StatusCode, ApiError> {
    let id = positive_id(&id, "an attachment id")?;
    if params.flag("purge")? {
        state.app.purge_attachment(&viewer, id).await?;
    } else {
        state.app.delete_attachment(&viewer, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
