//! A page's attachments screen: the files with their versions, image
//! previews, download links, and (for those who may attach) the upload form.
//! The form posts multipart with the CSRF token as its first field, checked
//! before a byte of the file is read.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{Attachment, AttachmentVersion, PageId};

use super::links::{self, PageLinks};
use super::render::{Caller, Me, Reader, UiError, html, page_and_space, see_other};
use super::view::{Names, PersonView, Sidebar, SpaceView, Stamp};
use crate::AppState;
use crate::error::WebError;
use crate::files::{receive_files, small_text};

struct FileRow {
    id: i64,
    name: String,
    size: String,
    version: i64,
    download: String,
    preview: bool,
    uploaded_by: PersonView,
    at: Stamp,
    comment: String,
    older: Vec<VersionRow>,
    /// Where the Delete button posts; `None` hides it (no `DeleteAttachment`).
    delete_action: Option<String>,
}

struct VersionRow {
    number: i64,
    download: String,
    size: String,
    uploaded_by: PersonView,
    at: Stamp,
}

#[derive(Template)]
#[template(path = "attachments.html")]
struct AttachmentsPage {
    me: Option<Me>,
    csrf: String,
    space: SpaceView,
    sidebar: Sidebar,
    title: String,
    links: PageLinks,
    upload_action: String,
    may_attach: bool,
    max_size: String,
    files: Vec<FileRow>,
}

/// "12.3 MiB", "4 KiB", "17 bytes".
fn human_size(bytes: u64) -> String {
    const KIB: f64 = 1024.0;
    let value = bytes as f64;
    if value >= KIB * KIB {
        format!("{:.1} MiB", value / (KIB * KIB))
    } else if value >= KIB {
        format!("{:.0} KiB", value / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn download(id: i64, version: i64) -> String {
    format!("/wiki/api/v2/attachments/{id}/download?version={version}")
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Reader(caller): Reader,
    Path((_key, id)): Path<(String, String)>,
) -> Result<Response, UiError> {
    let app = &state.app;
    let viewer = caller.viewer();
    let (page, space) = page_and_space(&state, &caller, &id).await?;
    let attachments = app.page_attachments(viewer, page.id).await?;
    let mut histories: Vec<Vec<AttachmentVersion>> = Vec::with_capacity(attachments.len());
    for attachment in &attachments {
        histories.push(app.attachment_versions(viewer, attachment.id).await?);
    }
    let names = Names::load(
        app,
        viewer,
        histories
            .iter()
            .flatten()
            .map(|version| version.uploaded_by.as_ref().map(|p| p.id)),
    )
    .await?;
    let files = attachments
        .into_iter()
        .zip(histories)
        .map(|(attachment, versions)| file_row(attachment, versions, &names))
        .map(|mut row: FileRow| {
            if row.delete_action.is_some() {
                row.delete_action = Some(format!(
                    "{}/{}/delete",
                    links::page_action(&space.key, page.id, "attachments"),
                    row.id
                ));
            }
            row
        })
        .collect();
    let abilities = app.page_abilities(viewer, page.id).await?;
    let tree = app.space_tree(viewer, space.id).await?;
    let links = PageLinks::new(&space.key, page.id, &page.title);
    Ok(html(
        StatusCode::OK,
        &AttachmentsPage {
            me: caller.me(),
            csrf: caller.csrf(),
            sidebar: Sidebar::new(&space, &tree, Some(page.id)),
            upload_action: links.attachments.clone(),
            links,
            may_attach: abilities.attach,
            max_size: human_size(app.attachment_limit()),
            files,
            title: page.title,
            space: SpaceView::load(app, viewer, &space).await?,
        },
    ))
}

fn file_row(attachment: Attachment, versions: Vec<AttachmentVersion>, names: &Names) -> FileRow {
    let older = versions
        .into_iter()
        .filter(|version| version.number != attachment.version)
        .map(|version| VersionRow {
            number: version.number,
            download: download(attachment.id, version.number),
            size: human_size(version.size),
            uploaded_by: names.person(version.uploaded_by.map(|p| p.id)),
            at: Stamp::new(version.uploaded_at),
        })
        .collect();
    FileRow {
        // Filled in by the caller, who knows the page's address.
        delete_action: attachment.deletable.then(String::new),
        id: attachment.id,
        download: download(attachment.id, attachment.version),
        preview: attachment.shows_inline,
        size: human_size(attachment.size),
        version: attachment.version,
        uploaded_by: names.person(attachment.uploaded_by.map(|p| p.id)),
        at: Stamp::new(attachment.uploaded_at),
        comment: attachment.comment,
        name: attachment.file_name,
        older,
    }
}

/// The upload form: `_csrf` first, then `comment` and `file` as the API reads
/// them. Answers with the attachments screen again (Post/Redirect/Get).
pub(crate) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, id)): Path<(String, String)>,
    mut multipart: Multipart,
) -> Result<Response, UiError> {
    let page: PageId = super::render::page_id(&id)?;
    let first = multipart
        .next_field()
        .await
        .map_err(|err| WebError::BadRequest(format!("malformed upload: {}", err.body_text())))?;
    let token = match first {
        Some(field) if field.name() == Some("_csrf") => small_text(field, 200).await?,
        _ => String::new(),
    };
    caller.check_csrf(&token)?;
    receive_files(&state, caller.viewer(), page, multipart).await?;
    Ok(see_other(&links::page_action(&key, page, "attachments")))
}

#[derive(serde::Deserialize)]
pub(crate) struct DeleteForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// The Delete button of one file: moves it to the space's trash, then back
/// to the attachments screen.
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((key, id, attachment)): Path<(String, String, String)>,
    super::render::UiForm(form): super::render::UiForm<DeleteForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let page: PageId = super::render::page_id(&id)?;
    let attachment = match attachment.parse::<i64>() {
        Ok(id) if id > 0 => id,
        _ => return Err(UiError(WebError::App(portico_app::AppError::NotFound))),
    };
    // The file must be on this page: another page's id is just missing.
    let found = state.app.attachment(caller.viewer(), attachment).await?;
    if found.page_id != page {
        return Err(UiError(WebError::App(portico_app::AppError::NotFound)));
    }
    state
        .app
        .delete_attachment(caller.viewer(), attachment)
        .await?;
    Ok(see_other(&links::page_action(&key, page, "attachments")))
}
