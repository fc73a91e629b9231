//! Attachments in Confluence's v2 shape: `/wiki/api/v2/pages/{id}/attachments`
//! (list; `POST` uploads, multipart with one or more `file` fields and an
//! optional `comment` before them), `/wiki/api/v2/attachments/{id}` and its
//! `/download` (`?version=N` for an older one) and `/versions`.
//!
//! Uploads stream to disk: the body limit of the JSON API is lifted for this
//! route and the app's own limit applies while bytes arrive (413, nothing
//! kept). Because a cross-site HTML form can send multipart with the
//! session cookie, an upload must carry `X-Atlassian-Token: no-check`, as in
//! Confluence: browsers never add that header cross-site without CORS.

use std::io;

use axum::Json;
use axum::body::Body;
use axum::extract::multipart::{Field, MultipartRejection};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use portico_app::{Attachment, AttachmentDownload, AttachmentVersion, PageId, Viewer};
use serde::{Deserialize, Serialize};
use tokio_util::io::{ReaderStream, StreamReader};
use utoipa::ToSchema;

use super::dto::{Links, MultiEntityResult, timestamp};
use super::extract::parse_id;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

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

fn no_links() -> Links {
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
    let attachments = state.app.page_attachments(&viewer, page).await?;
    Ok(Json(MultiEntityResult {
        results: attachments.into_iter().map(AttachmentJson::from).collect(),
        links: no_links(),
    }))
}

/// The most characters kept of an upload's `comment` field.
const MAX_COMMENT_BYTES: usize = 2_000;

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

/// Reads a multipart upload's fields in order: `comment` (applies to the
/// files after it), `file` (each stored as it streams by), anything else
/// skipped. Shared by the API and the UI's upload form.
pub(crate) async fn receive_files(
    state: &AppState,
    viewer: &Viewer,
    page: PageId,
    mut multipart: Multipart,
) -> Result<Vec<Attachment>, WebError> {
    let mut comment = String::new();
    let mut uploaded = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(bad_multipart)? {
        match field.name() {
            Some("comment") => comment = small_text(field, MAX_COMMENT_BYTES).await?,
            Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let mut reader = StreamReader::new(field.map_err(io::Error::other));
                let attachment = state
                    .app
                    .upload_attachment(viewer, page, &name, &comment, &mut reader)
                    .await?;
                uploaded.push(attachment);
            }
            _ => {}
        }
    }
    if uploaded.is_empty() {
        return Err(WebError::BadRequest(
            "no file: send it in a multipart field named `file`".to_owned(),
        ));
    }
    Ok(uploaded)
}

fn bad_multipart(err: axum::extract::multipart::MultipartError) -> WebError {
    WebError::BadRequest(format!("malformed multipart body: {}", err.body_text()))
}

/// A short text field, refused when longer than `max` bytes (read in chunks,
/// so a huge field is never buffered).
pub(crate) async fn small_text(mut field: Field<'_>, max: usize) -> Result<String, WebError> {
    let name = field.name().unwrap_or_default().to_owned();
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(bad_multipart)? {
        if bytes.len() + chunk.len() > max {
            return Err(WebError::BadRequest(format!(
                "`{name}` must be at most {max} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| WebError::BadRequest(format!("`{name}` must be UTF-8")))
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

/// The response that streams a stored file: its media type (from its name,
/// never sniffed), its length, and a disposition that lets browsers show
/// only raster images inline. Everything else is a download, in a sandbox.
pub(crate) fn file_response(download: AttachmentDownload) -> Response {
    let AttachmentDownload { attachment, file } = download;
    let disposition = content_disposition(
        if attachment.shows_inline {
            "inline"
        } else {
            "attachment"
        },
        &attachment.file_name,
    );
    let mut response = Body::from_stream(ReaderStream::new(file)).into_response();
    let headers = response.headers_mut();
    let media_type = HeaderValue::from_str(&attachment.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, media_type);
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(attachment.size));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    *response.status_mut() = StatusCode::OK;
    response
}

/// `Content-Disposition` per RFC 6266: an ASCII `filename` for old clients
/// and the exact name as UTF-8 in `filename*`.
pub(crate) fn content_disposition(kind: &str, name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for byte in name.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&byte);
        if keep {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_ascii_and_exact_names() {
        assert_eq!(
            content_disposition("attachment", "report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            content_disposition("inline", "Ünïcode \"q\".png"),
            "inline; filename=\"_n_code _q_.png\"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%22q%22.png"
        );
    }
}
