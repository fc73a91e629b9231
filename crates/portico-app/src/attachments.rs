//! Attachments (SPEC 2.1): upload a file to a page (a file name already there
//! gets a new version), list a page's files, their versions, and open one for
//! download. The bytes stream to disk through `portico_store::blobs` and are
//! never held whole in memory; the size limit is enforced while they arrive.
//!
//! Access is asked before a byte is read: an invisible page is `NotFound`, a
//! visible one without `attachment.create` is `Forbidden`, so a refused
//! upload costs the server nothing.
//!
//! Deleting a file moves it to the space's trash (`crate::trash` restores
//! and purges it); a trashed file is absent from every list and download.

use portico_core::attachment;
use portico_core::policy::Action;
use portico_core::{PageId, UserId, Viewer};
use portico_store::attachments::{self, AttachmentRow, AttachmentVersionRow};
use portico_store::blobs::BlobError;
use serde_json::json;
use time::OffsetDateTime;
use tokio::io::AsyncRead;

use crate::App;
use crate::access::{page_ref, require_page, visible_page};
use crate::error::{AppError, AppResult};
use crate::model::Person;
use crate::record::{audit, journal};

/// An attachment as shown on its page: the file name with its current version
/// (or, from [`App::open_attachment`], the version asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: i64,
    pub page_id: PageId,
    pub file_name: String,
    /// The number of the version these facts describe.
    pub version: i64,
    /// The newest version's number.
    pub latest_version: i64,
    pub size: u64,
    pub media_type: String,
    /// Whether browsers may show it inline (raster images only).
    pub shows_inline: bool,
    pub comment: String,
    pub created_by: Option<Person>,
    pub created_at: OffsetDateTime,
    /// Who uploaded this version, and when.
    pub uploaded_by: Option<Person>,
    pub uploaded_at: OffsetDateTime,
    /// Whether the viewer may delete it (`DeleteAttachment`); only
    /// [`App::page_attachments`] works it out, elsewhere it is `false`.
    pub deletable: bool,
}

/// One version of an attachment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentVersion {
    pub number: i64,
    pub size: u64,
    pub media_type: String,
    pub comment: String,
    pub uploaded_by: Option<Person>,
    pub uploaded_at: OffsetDateTime,
}

/// An attachment version opened for reading.
#[derive(Debug)]
pub struct AttachmentDownload {
    pub attachment: Attachment,
    pub file: tokio::fs::File,
}

impl App {
    /// The largest attachment accepted, in bytes.
    pub fn attachment_limit(&self) -> u64 {
        self.settings.attachment_max_bytes
    }

    /// Uploads `upload` as `file_name` on `page` (a new version when the page
    /// already has a file of that name). Nothing is kept if the upload breaks
    /// off, is over the size limit, or the use case fails.
    pub async fn upload_attachment(
        &self,
        viewer: &Viewer,
        page: PageId,
        file_name: &str,
        comment: &str,
        upload: &mut (impl AsyncRead + Unpin),
    ) -> AppResult<Attachment> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        {
            let conn = self.store.read();
            let (row, space) = visible_page(conn, &access, page).await?;
            require_page(conn, &access, Action::AttachToPage, &row, &space).await?;
        }
        let file_name = attachment::file_name(file_name)?;
        let comment = comment.trim();
        let media_type = attachment::media_type(&file_name);
        let limit = self.settings.attachment_max_bytes;
        let blob = self
            .blobs
            .store(upload, limit)
            .await
            .map_err(|err| match err {
                BlobError::TooLarge { limit } => AppError::TooLarge { limit },
                BlobError::Upload(err) => AppError::Invalid(portico_core::ValidationError::new(
                    "file",
                    format!("the upload could not be read: {err}"),
                )),
                BlobError::Disk(err) => AppError::Internal(Box::new(err)),
            })?;
        let recorded = self
            .record_upload(&access, page, &file_name, comment, media_type, &blob, actor)
            .await;
        if recorded.is_err() {
            self.forget_unreferenced(&blob.hash).await;
        }
        let (row, version) = recorded?;
        self.attachment_view(viewer, row, version).await
    }

    /// The transaction of an upload whose bytes are on disk: access again
    /// (it may have changed while the bytes arrived), the rows, audit, journal.
    #[expect(clippy::too_many_arguments, reason = "one upload's facts, used once")]
    async fn record_upload(
        &self,
        access: &crate::access::Access,
        page: PageId,
        file_name: &str,
        comment: &str,
        media_type: &str,
        blob: &portico_store::blobs::Blob,
        actor: i64,
    ) -> AppResult<(AttachmentRow, AttachmentVersionRow)> {
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, space) = visible_page(tx.conn(), access, page).await?;
        require_page(tx.conn(), access, Action::AttachToPage, &page, &space).await?;
        let size = i64::try_from(blob.size).map_err(|err| AppError::Internal(Box::new(err)))?;
        let (row, version) = attachments::record_upload(
            tx.conn(),
            attachments::NewUpload {
                page_id: page.id,
                file_name,
                content_hash: &blob.hash,
                size,
                media_type,
                comment,
                by: actor,
                now,
            },
        )
        .await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            if version.version == 1 {
                "attachment.create"
            } else {
                "attachment.update"
            },
            ("attachment", row.id.to_string()),
            json!({
                "page": page.id,
                "file": row.file_name,
                "version": version.version,
                "size": blob.size,
                "sha256": blob.hash,
            }),
        )
        .await?;
        if page.status == "current" {
            journal(
                tx.conn(),
                now,
                "attachment.uploaded",
                ("attachment", row.id),
                Some(space.id),
            )
            .await?;
        }
        tx.commit().await?;
        Ok((row, version))
    }

    /// Moves an attachment to the trash: its uploader with `delete.own`, or
    /// anyone with `attachment.delete` in the space. From then on it answers
    /// like a missing file everywhere but the space's trash.
    pub async fn delete_attachment(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let row = match attachments::find(tx.conn(), id).await? {
            Some(row) if row.status == "current" => row,
            _ => return Err(AppError::NotFound),
        };
        let (mut page, space) = visible_page(tx.conn(), &access, PageId(row.page_id)).await?;
        // INVARIANT: as in `page_attachments`, the resource's author is the uploader.
        page.author_id = row.created_by;
        require_page(tx.conn(), &access, Action::DeleteAttachment, &page, &space).await?;
        crate::trash::set_attachment_trashed(tx.conn(), row, true, (page.id, space.id), actor, now)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a stored file no version refers to (after a failed upload).
    /// Best effort: a leftover file is harmless, content-addressed garbage.
    async fn forget_unreferenced(&self, hash: &str) {
        match attachments::hash_references(self.store.read(), hash).await {
            Ok(0) => {
                if let Err(err) = self.blobs.remove(hash).await {
                    tracing::warn!(%err, "could not remove an unused attachment file");
                }
            }
            Ok(_) => {}
            Err(err) => tracing::warn!(%err, "could not check an attachment file's use"),
        }
    }

    /// The page's attachments by file name, each at its newest version.
    pub async fn page_attachments(
        &self,
        viewer: &Viewer,
        page: PageId,
    ) -> AppResult<Vec<Attachment>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, space) = visible_page(conn, &access, page).await?;
        let filter = access.page_filter();
        let rows = attachments::for_page(conn, filter.visibility(), page.id).await?;
        let mut ids: Vec<UserId> = Vec::new();
        for (row, version) in &rows {
            ids.extend(row.created_by.map(UserId));
            ids.extend(version.created_by.map(UserId));
        }
        let people = self.people(viewer, &ids).await?;
        let edit = portico_store::permissions::restrictions_of(conn, &[page.id])
            .await?
            .edit
            .remove(&page.id);
        let archived = space.status == "archived";
        Ok(rows
            .into_iter()
            .map(|(row, version)| {
                // INVARIANT: the engine's "author" of a DeleteAttachment
                // resource is the uploader, not the page's author.
                let mut reference = page_ref(&page, edit.as_ref());
                reference.author = row.created_by.map(UserId);
                let deletable = access.user_id().is_some()
                    && !archived
                    && access.set.decide(Action::DeleteAttachment, reference).0;
                Attachment {
                    deletable,
                    ..view(row, version, &people)
                }
            })
            .collect())
    }

    /// One attachment at its newest version, if its page is visible to the
    /// viewer (otherwise, as for a missing id, `NotFound`).
    pub async fn attachment(&self, viewer: &Viewer, id: i64) -> AppResult<Attachment> {
        let (row, version) = self.visible_version(viewer, id, None).await?;
        self.attachment_view(viewer, row, version).await
    }

    /// Every version of an attachment, newest first.
    pub async fn attachment_versions(
        &self,
        viewer: &Viewer,
        id: i64,
    ) -> AppResult<Vec<AttachmentVersion>> {
        let (row, _) = self.visible_version(viewer, id, None).await?;
        let versions = attachments::versions(self.store.read(), row.id).await?;
        let ids: Vec<UserId> = versions
            .iter()
            .filter_map(|version| version.created_by.map(UserId))
            .collect();
        let people = self.people(viewer, &ids).await?;
        Ok(versions
            .into_iter()
            .map(|version| AttachmentVersion {
                number: version.version,
                size: u64::try_from(version.size).unwrap_or(0),
                media_type: version.media_type,
                comment: version.comment,
                uploaded_by: person(&people, version.created_by),
                uploaded_at: version.created_at,
            })
            .collect())
    }

    /// Opens version `number` (the newest when `None`) of an attachment for
    /// reading. An unknown version is `NotFound`.
    pub async fn open_attachment(
        &self,
        viewer: &Viewer,
        id: i64,
        number: Option<i64>,
    ) -> AppResult<AttachmentDownload> {
        let (row, version) = self.visible_version(viewer, id, number).await?;
        let file = self
            .blobs
            .open(&version.content_hash)
            .await
            .map_err(|err| AppError::Internal(Box::new(err)))?;
        let attachment = self.attachment_view(viewer, row, version).await?;
        Ok(AttachmentDownload { attachment, file })
    }

    pub(crate) async fn visible_version(
        &self,
        viewer: &Viewer,
        id: i64,
        number: Option<i64>,
    ) -> AppResult<(AttachmentRow, AttachmentVersionRow)> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let Some(row) = attachments::find(conn, id).await? else {
            return Err(AppError::NotFound);
        };
        // A trashed file answers like a missing one, here and in every list.
        if row.status != "current" {
            return Err(AppError::NotFound);
        }
        visible_page(conn, &access, PageId(row.page_id)).await?;
        let Some(version) = attachments::version(conn, &row, number).await? else {
            return Err(AppError::NotFound);
        };
        Ok((row, version))
    }

    async fn attachment_view(
        &self,
        viewer: &Viewer,
        row: AttachmentRow,
        version: AttachmentVersionRow,
    ) -> AppResult<Attachment> {
        let ids: Vec<UserId> = row
            .created_by
            .into_iter()
            .chain(version.created_by)
            .map(UserId)
            .collect();
        let people = self.people(viewer, &ids).await?;
        Ok(view(row, version, &people))
    }
}

fn person(people: &[Person], id: Option<i64>) -> Option<Person> {
    id.and_then(|id| people.iter().find(|p| p.id == UserId(id)).cloned())
}

fn view(row: AttachmentRow, version: AttachmentVersionRow, people: &[Person]) -> Attachment {
    Attachment {
        id: row.id,
        page_id: PageId(row.page_id),
        shows_inline: attachment::shows_inline(&version.media_type),
        file_name: row.file_name,
        version: version.version,
        latest_version: row.version,
        size: u64::try_from(version.size).unwrap_or(0),
        media_type: version.media_type,
        comment: version.comment,
        created_by: person(people, row.created_by),
        created_at: row.created_at,
        uploaded_by: person(people, version.created_by),
        uploaded_at: version.created_at,
        deletable: false,
    }
}
