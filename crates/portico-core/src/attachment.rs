//! Attachment rules (SPEC 2.1): what a file name may be, what media type a
//! file is served as, which files a browser may show inline, and the size
//! limit. Who may attach is the policy engine's (`Action::AttachToPage`).

use crate::validation::ValidationError;

/// The default upload limit: 100 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 100 * 1024 * 1024;

/// Longest file name kept, in characters.
pub const MAX_NAME_CHARS: usize = 255;

/// Checks an uploaded file's name and returns it trimmed. Only a plain name
/// is kept: a client that sends a path (`C:\dir\a.txt`, `../a.txt`) is
/// refused rather than guessed at, so stored names never carry separators.
pub fn file_name(raw: &str) -> Result<String, ValidationError> {
    let name = crate::validation::single_line("file", raw, MAX_NAME_CHARS)?;
    if name.contains(['/', '\\']) {
        return Err(ValidationError::new(
            "file",
            format!("`{name}` must be a file name, not a path"),
        ));
    }
    if name == "." || name == ".." {
        return Err(ValidationError::new("file", "must be a file name"));
    }
    Ok(name)
}

/// Media types by file extension (lower case). Anything else is served as
/// `application/octet-stream`: the browser never guesses from the content.
const BY_EXTENSION: &[(&str, &str)] = &[
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("svg", "image/svg+xml"),
    ("pdf", "application/pdf"),
    ("txt", "text/plain"),
    ("md", "text/markdown"),
    ("csv", "text/csv"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("doc", "application/msword"),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("xls", "application/vnd.ms-excel"),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ppt", "application/vnd.ms-powerpoint"),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("mp4", "video/mp4"),
    ("mp3", "audio/mpeg"),
];

/// The media type a file is stored and served with, from its name. The type
/// a client claims is ignored: it can't turn a page into HTML that way.
pub fn media_type(name: &str) -> &'static str {
    let extension = name
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase());
    extension
        .and_then(|extension| {
            BY_EXTENSION
                .iter()
                .find(|(known, _)| *known == extension)
                .map(|(_, media_type)| *media_type)
        })
        .unwrap_or("application/octet-stream")
}

/// Whether the file's bytes are text worth indexing for search (its name
/// always is).
pub fn is_indexable_text(media_type: &str) -> bool {
    let base = media_type.split(';').next().unwrap_or("").trim();
    base.starts_with("text/")
        || matches!(
            base,
            "application/json" | "application/xml" | "application/yaml" | "application/x-yaml"
        )
}

/// Whether a browser may show the file in the page (image previews). Only
/// raster images: SVG and HTML can carry scripts, so they are downloads.
pub fn shows_inline(media_type: &str) -> bool {
    matches!(
        media_type,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    )
}

/// The longest edge of a thumbnail, in pixels.
pub const THUMBNAIL_EDGE: u32 = 320;

/// Images wider or taller than this get no thumbnail: decoding them would
/// take more memory than a preview is worth (and is how image bombs work).
pub const MAX_IMAGE_EDGE: u32 = 12_000;

/// Whether a file of this type gets a thumbnail: the images shown inline.
pub fn has_thumbnail(media_type: &str) -> bool {
    shows_inline(media_type)
}

/// The size of the thumbnail of a `width` × `height` image: the same shape,
/// its longest edge at most `edge`, never enlarged, never zero.
pub fn thumbnail_size(width: u32, height: u32, edge: u32) -> (u32, u32) {
    let longest = width.max(height);
    if longest <= edge || longest == 0 {
        return (width.max(1), height.max(1));
    }
    let scale = |side: u32| -> u32 {
        let scaled = u64::from(side) * u64::from(edge) / u64::from(longest);
        u32::try_from(scaled).unwrap_or(edge).max(1)
    };
    (scale(width), scale(height))
}

/// Whether an upload of `size` bytes is within `limit`.
pub fn within_limit(size: u64, limit: u64) -> bool {
    size <= limit
}

#[cfg(test)]
mod tests {
    #[test]
    fn text_files_are_indexed_and_binaries_are_not() {
        for text in [
            "text/plain",
            "text/csv; charset=utf-8",
            "text/markdown",
            "application/json",
        ] {
            assert!(super::is_indexable_text(text), "{text}");
        }
        for binary in [
            "image/png",
            "application/pdf",
            "application/octet-stream",
            "application/zip",
        ] {
            assert!(!super::is_indexable_text(binary), "{binary}");
        }
    }

    use super::*;

    #[test]
    fn thumbnails_keep_the_shape_and_never_grow() {
        assert_eq!(thumbnail_size(1600, 1200, 320), (320, 240));
        assert_eq!(thumbnail_size(1200, 1600, 320), (240, 320));
        assert_eq!(thumbnail_size(100, 50, 320), (100, 50));
        assert_eq!(thumbnail_size(10_000, 1, 320), (320, 1));
        assert_eq!(thumbnail_size(0, 0, 320), (1, 1));
        assert!(has_thumbnail("image/png") && !has_thumbnail("image/svg+xml"));
    }

    #[test]
    fn names_are_plain_file_names() {
        assert_eq!(file_name("  report.pdf "), Ok("report.pdf".to_owned()));
        assert_eq!(
            file_name("Q3 plan (v2).xlsx").as_deref(),
            Ok("Q3 plan (v2).xlsx")
        );
        for bad in [
            "",
            "   ",
            "../etc/passwd",
            "dir/a.txt",
            "C:\\x\\a.txt",
            "..",
            ".",
            "a\nb",
        ] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert!(file_name(&"a".repeat(MAX_NAME_CHARS)).is_ok());
        assert!(file_name(&"a".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn media_types_come_from_the_extension_only() {
        assert_eq!(media_type("photo.JPG"), "image/jpeg");
        assert_eq!(media_type("notes.txt"), "text/plain");
        assert_eq!(media_type("archive.tar.gz"), "application/gzip");
        assert_eq!(media_type("no-extension"), "application/octet-stream");
        assert_eq!(media_type("weird.exe"), "application/octet-stream");
    }

    #[test]
    fn only_raster_images_show_inline() {
        assert!(shows_inline("image/png"));
        assert!(shows_inline("image/webp"));
        for download in [
            "image/svg+xml",
            "text/html",
            "application/pdf",
            "text/plain",
        ] {
            assert!(!shows_inline(download), "{download}");
        }
    }

    #[test]
    fn the_limit_is_inclusive() {
        assert!(within_limit(DEFAULT_MAX_BYTES, DEFAULT_MAX_BYTES));
        assert!(!within_limit(DEFAULT_MAX_BYTES + 1, DEFAULT_MAX_BYTES));
        assert!(within_limit(0, 0));
    }
}
