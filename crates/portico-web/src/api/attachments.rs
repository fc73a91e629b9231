//! Attachments in Confluence's v2 shape: `/wiki/api/v2/pages/{id}/attachments`
//! (list; `POST` uploads, multipart with one or more `file` fields and an
//! optional `comment` before them), `/wiki/api/v2/attachments/{id}` and its
//! `/download` (`?version=N` for an older one) and `/versions`. Deleting one
//! (`DELETE /wiki/api/v2/attachments/{id}`, to the trash) is in `trash.rs`.
//!
//! Uploads stream to disk: the body limit of the JSON API is lifted for this
//! route and the app's own limit applies while bytes arrive (413, nothing
//! kept). Because a cross-site HTML form can send multipart with the
//! session cookie, an upload must carry `X-Atlassian-Token: no-check`, as in
//! Confluence: browsers never add that header cross-site without CORS.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use portico_app::{Attachment, AttachmentVersion, PageId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{Links, MultiEntityResult, timestamp};
use super::extract::parse_id;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};
use crate::files::{file_response, receive_files};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentJson {
    pub id: String,
    pub status: String,
    /// The file name.
    pub title: String,
    pub created_at: String,
    pub page_id: String,
    pub media_type: String,
    pub comment: String,
    pub file_size: u64,
    pub download_link: String,
    pub version: AttachmentVersionJson,
    #[serde(rename = "_links")]
    pub links: AttachmentLinks,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentVersionJson {
    pub number: i64,
    pub created_at: String,
    pub message: String,
    pub author_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentLinks {
    pub download: String,
}

/// The download address of `id` at `version`.
pub fn download_link(id: i64, version: i64) -> String {
    format!("/wiki/api/v2/attachments/{id}/download?version={version}")
}

impl From<Attachment> for AttachmentJson {
    fn from(a: Attachment) -> Self {
        let link = download_link(a.id, a.version);
        AttachmentJson {
            id: a.id.to_string(),
            status: "current".to_owned(),
            title: a.file_name,
            created_at: timestamp(a.created_at),
            page_id: a.page_id.0.to_string(),
            media_type: a.media_type,
            comment: a.comment.clone(),
            file_size: a.size,
            download_link: link.clone(),
            version: AttachmentVersionJson {
                number: a.version,
                created_at: timestamp(a.uploaded_at),
                message: a.comment,
                author_id: a.uploaded_by.map(|p| p.id.0.to_string()),
            },
            links: AttachmentLinks { download: link },
        }
    }
}

impl From<AttachmentVersion> for AttachmentVersionJson {
    fn from(v: AttachmentVersion) -> Self {
        AttachmentVersionJson {
            number: v.number,
            created_at: timestamp(v.uploaded_at),
            message: v.comment,
            author_id: v.uploaded_by.map(|p| p.id.0.to_string()),
        }
    }
}

fn attachment_id(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(WebError::BadRequest(format!("`{raw}` is not an attachment id")).into()),
    }
}

pub(super) fn no_links() -> Links {
    Links {
        webui: None,
        next: None,
        base: None,
    }
}

/// A page's attachments, by file name, each at its newest version.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/attachments", tag = "attachments",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<AttachmentJson>)), (status = 404)))]
pub async fn for_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<AttachmentJson>>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    // A blog post's id is 404 here (its attachments are at `/blogposts`).
    state.app.page(&viewer, page).await?;
    let attachments = state.app.page_attachments(&viewer, page).await?;
    Ok(Json(MultiEntityResult {
        results: attachments.into_iter().map(AttachmentJson::from).collect(),
        links: no_links(),
    }))
}

/// Upload files to a page (multipart/form-data: `comment`, then one or more
/// `file` fields). A file name the page already has gets a new version.
#[utoipa::path(post, path = "/wiki/api/v2/pages/{id}/attachments", tag = "attachments",
    params(("id" = String, Path), ("X-Atlassian-Token" = String, Header, description = "`no-check`")),
    responses((status = 200, body = inline(MultiEntityResult<AttachmentJson>)),
        (status = 400, description = "No `file` field, a bad file name, a broken upload"),
        (status = 403, description = "Can view the page but not attach to it, or no `X-Atlassian-Token: no-check`"),
        (status = 404), (status = 413, description = "Over the size limit; nothing was kept"), (status = 415)))]
pub async fn upload(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<MultiEntityResult<AttachmentJson>>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    let token = headers
        .get("x-atlassian-token")
        .and_then(|v| v.to_str().ok());
    if token != Some("no-check") {
        return Err(WebError::Forbidden(
            "uploads need the header `X-Atlassian-Token: no-check`".to_owned(),
        )
        .into());
    }
    let multipart = multipart.map_err(|err| {
        WebError::UnsupportedMediaType(format!("expected multipart/form-data: {err}"))
    })?;
    let uploaded = receive_files(&state, &viewer, page, multipart).await?;
    Ok(Json(MultiEntityResult {
        results: uploaded.into_iter().map(AttachmentJson::from).collect(),
        links: no_links(),
    }))
}

/// One attachment at its newest version.
#[utoipa::path(get, path = "/wiki/api/v2/attachments/{id}", tag = "attachments",
    params(("id" = String, Path)),
    responses((status = 200, body = AttachmentJson), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<AttachmentJson>, ApiError> {
    let id = attachment_id(&id)?;
    Ok(Json(state.app.attachment(&viewer, id).await?.into()))
}

/// Every version of an attachment, newest first.
#[utoipa::path(get, path = "/wiki/api/v2/attachments/{id}/versions", tag = "attachments",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<AttachmentVersionJson>)), (status = 404)))]
pub async fn versions(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<AttachmentVersionJson>>, ApiError> {
    let id = attachment_id(&id)?;
    let versions = state.app.attachment_versions(&viewer, id).await?;
    Ok(Json(MultiEntityResult {
        results: versions.into_iter().map(Into::into).collect(),
        links: no_links(),
    }))
}

#[derive(Deserialize)]
pub struct DownloadQuery {
    version: Option<String>,
}

/// The file's bytes, streamed from disk.
#[utoipa::path(get, path = "/wiki/api/v2/attachments/{id}/download", tag = "attachments",
    params(("id" = String, Path), ("version" = Option<i64>, Query)),
    responses((status = 200, description = "The file, with its type and `Content-Disposition`"), (status = 400), (status = 404)))]
pub async fn download(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    Query(query): Query<DownloadQuery>,
) -> Result<Response, ApiError> {
    let id = attachment_id(&id)?;
    let version = match query.version.as_deref() {
        None | Some("") => None,
        Some(raw) => match raw.parse::<i64>() {
            Ok(number) if number > 0 => Some(number),
            _ => {
                return Err(WebError::BadRequest(format!(
                    "`version`: `{raw}` is not a version number"
                ))
                .into());
            }
        },
    };
    let download = state.app.open_attachment(&viewer, id, version).await?;
    Ok(file_response(download))
}

/// A small PNG preview of an image attachment's newest version (at most
/// 320 pixels on its longest side). Not an image, or one that can't be
/// decoded: 404. A Portico extension (Confluence serves thumbnails outside
/// its REST API).
#[utoipa::path(get, path = "/wiki/api/v2/attachments/{id}/thumbnail", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, description = "The thumbnail, `image/png`"), (status = 400), (status = 404)))]
pub async fn thumbnail(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let png = state
        .app
        .attachment_thumbnail(&viewer, attachment_id(&id)?)
        .await?;
    Ok(crate::files::thumbnail_response(png))
}
