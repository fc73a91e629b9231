//! Thumbnails of image attachments: made on first request from the stored
//! file (decoded with size limits, off the async threads), kept beside the
//! attachments (`BlobStore::thumbnail_path`) and served from there after.
//! Access is the attachment's own: a thumbnail of something the viewer
//! can't see does not exist for them.

use std::io::{BufReader, Cursor};
use std::path::PathBuf;

use image::{ImageFormat, ImageReader, Limits};
use portico_core::Viewer;
use portico_core::attachment::{MAX_IMAGE_EDGE, THUMBNAIL_EDGE, has_thumbnail, thumbnail_size};

use crate::App;
use crate::error::{AppError, AppResult};

/// The most memory a decoder may take for one image.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// Why no thumbnail could be made of a stored file.
#[derive(Debug, thiserror::Error)]
enum ThumbnailError {
    #[error("reading the image: {0}")]
    Io(#[from] std::io::Error),
    #[error("decoding the image: {0}")]
    Image(#[from] image::ImageError),
}

/// Decodes the image at `path` within the limits and returns its thumbnail as PNG.
fn make_thumbnail(path: PathBuf) -> Result<Vec<u8>, ThumbnailError> {
    let mut reader =
        ImageReader::new(BufReader::new(std::fs::File::open(path)?)).with_guessed_format()?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_EDGE);
    limits.max_image_height = Some(MAX_IMAGE_EDGE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode()?;
    let (width, height) = thumbnail_size(image.width(), image.height(), THUMBNAIL_EDGE);
    let mut png = Vec::new();
    image
        .thumbnail_exact(width, height)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)?;
    Ok(png)
}

impl App {
    /// The PNG thumbnail of an image attachment's newest version. Files that
    /// are not images, and images that can't be decoded within the limits,
    /// have none (`NotFound`).
    pub async fn attachment_thumbnail(&self, viewer: &Viewer, id: i64) -> AppResult<Vec<u8>> {
        let (_, version) = self.visible_version(viewer, id, None).await?;
        if !has_thumbnail(&version.media_type) {
            return Err(AppError::NotFound);
        }
        let hash = version.content_hash;
        if let Some(png) = self
            .blobs
            .thumbnail(&hash)
            .await
            .map_err(|err| AppError::Internal(Box::new(err)))?
        {
            return Ok(png);
        }
        let Some(path) = self.blobs.path_of(&hash) else {
            return Err(AppError::NotFound);
        };
        let made = tokio::task::spawn_blocking(move || make_thumbnail(path))
            .await
            .map_err(|err| AppError::Internal(Box::new(err)))?;
        let png = match made {
            Ok(png) => png,
            Err(err) => {
                tracing::info!(attachment = id, error = %err, "no thumbnail");
                return Err(AppError::NotFound);
            }
        };
        // A failure to keep it costs only the next request's time.
        if let Err(err) = self.blobs.save_thumbnail(&hash, &png).await {
            tracing::warn!(attachment = id, error = %err, "thumbnail not kept");
        }
        Ok(png)
    }
}
