//! What the API and the UI share about files: reading a multipart upload
//! field by field (each `file` streamed to the app, never buffered whole) and
//! the response that streams a stored file back with safe headers.

use std::io;

use axum::body::Body;
use axum::extract::Multipart;
use axum::extract::multipart::Field;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use portico_app::{Attachment, AttachmentDownload, PageId, Viewer};
use tokio_util::io::{ReaderStream, StreamReader};

use crate::AppState;
use crate::error::WebError;

/// The most characters kept of an upload's `comment` field.
const MAX_COMMENT_BYTES: usize = 2_000;

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
    protect(headers, "sandbox; default-src 'none'; img-src 'self'");
    *response.status_mut() = StatusCode::OK;
    response
}

/// What every stored file's response carries: its type is never sniffed,
/// it runs nothing (`csp`), and only its viewer's browser keeps it.
fn protect(headers: &mut axum::http::HeaderMap, csp: &'static str) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
}

/// A thumbnail (PNG bytes), with the same protective headers as a file.
pub(crate) fn thumbnail_response(png: Vec<u8>) -> Response {
    let mut response = Body::from(png).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    protect(headers, "sandbox; default-src 'none'");
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
