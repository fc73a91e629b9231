//! Attachment bytes on local disk, named by their SHA-256: `<root>/ab/cd/<hash>`.
//! Uploads stream into a temporary file in `<root>/tmp/` while they are hashed
//! and counted, and are renamed into place only when complete and within the
//! limit, so a refused or broken upload never leaves a partial file behind.
//! Same content, same file: versions and pages share it.

use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tokio::fs;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// Reading the upload failed (the client went away, a malformed body).
    #[error("the upload could not be read: {0}")]
    Upload(io::Error),
    #[error("attachment storage: {0}")]
    Disk(#[from] io::Error),
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    /// Lower-case hex SHA-256.
    pub hash: String,
    pub size: u64,
}

/// The folder attachments are kept in.
#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

/// Bytes read from the upload per step.
const CHUNK: usize = 64 * 1024;

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the file with `hash` lives; `None` for anything that is not a
    /// SHA-256 in lower-case hex (so no stored value can point elsewhere).
    pub fn path_of(&self, hash: &str) -> Option<PathBuf> {
        let valid = hash.len() == 64
            && hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&hash[..2]).join(&hash[2..4]).join(hash))
    }

    /// Streams `upload` to disk, at most `limit` bytes. On any error the
    /// temporary file is removed and nothing is stored.
    pub async fn store(
        &self,
        upload: &mut (impl AsyncRead + Unpin),
        limit: u64,
    ) -> Result<Blob, BlobError> {
        let tmp_dir = self.root.join("tmp");
        fs::create_dir_all(&tmp_dir).await?;
        let tmp = tmp_dir.join(format!("upload-{:016x}", rand::random::<u64>()));
        let result = self.copy_in(upload, limit, &tmp).await;
        if result.is_err() {
            // Best effort: the error that matters is the one returned.
            let _ = fs::remove_file(&tmp).await;
        }
        result
    }

    async fn copy_in(
        &self,
        upload: &mut (impl AsyncRead + Unpin),
        limit: u64,
        tmp: &Path,
    ) -> Result<Blob, BlobError> {
        let mut file = fs::File::create(tmp).await?;
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut buffer = vec![0u8; CHUNK];
        loop {
            let read = upload.read(&mut buffer).await.map_err(BlobError::Upload)?;
            if read == 0 {
                break;
            }
            size += read as u64;
            if size > limit {
                return Err(BlobError::TooLarge { limit });
            }
            let chunk = &buffer[..read];
            hasher.update(chunk);
            file.write_all(chunk).await?;
        }
        file.sync_all().await?;
        drop(file);
        let hash: String = hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let target = self
            .path_of(&hash)
            .ok_or_else(|| io::Error::other("hash is not hex"))?;
        if let Some(folder) = target.parent() {
            fs::create_dir_all(folder).await?;
        }
        if fs::try_exists(&target).await? {
            fs::remove_file(tmp).await?;
        } else {
            fs::rename(tmp, &target).await?;
        }
        Ok(Blob { hash, size })
    }

    /// Opens the file with `hash` for reading.
    pub async fn open(&self, hash: &str) -> Result<fs::File, BlobError> {
        let path = self
            .path_of(hash)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "not a content hash"))?;
        Ok(fs::File::open(path).await?)
    }

    /// Removes the file with `hash` and its thumbnail (nothing if they are
    /// already gone). Callers remove a file only once no version refers to it.
    pub async fn remove(&self, hash: &str) -> Result<(), BlobError> {
        let Some(path) = self.path_of(hash) else {
            return Ok(());
        };
        for path in [Some(path), self.thumbnail_path(hash)]
            .into_iter()
            .flatten()
        {
            match fs::remove_file(path).await {
                Err(err) if err.kind() != io::ErrorKind::NotFound => return Err(err.into()),
                _ => {}
            }
        }
        Ok(())
    }

    /// Where the thumbnail of the file with `hash` is kept once made:
    /// `<root>/thumbnails/ab/<hash>.png` (apart from the content-addressed
    /// files, so nothing mistakes it for one).
    pub fn thumbnail_path(&self, hash: &str) -> Option<PathBuf> {
        self.path_of(hash)?;
        Some(
            self.root
                .join("thumbnails")
                .join(&hash[..2])
                .join(format!("{hash}.png")),
        )
    }

    /// The thumbnail of the file with `hash`, if one was made.
    pub async fn thumbnail(&self, hash: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let Some(path) = self.thumbnail_path(hash) else {
            return Ok(None);
        };
        match fs::read(path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Keeps `png` as the thumbnail of the file with `hash`, written whole
    /// (through `tmp/`) so a reader never sees half of one.
    pub async fn save_thumbnail(&self, hash: &str, png: &[u8]) -> Result<(), BlobError> {
        let target = self
            .thumbnail_path(hash)
            .ok_or_else(|| io::Error::other("not a content hash"))?;
        let tmp_dir = self.root.join("tmp");
        fs::create_dir_all(&tmp_dir).await?;
        if let Some(folder) = target.parent() {
            fs::create_dir_all(folder).await?;
        }
        let tmp = tmp_dir.join(format!("thumbnail-{:016x}", rand::random::<u64>()));
        let written = async {
            fs::write(&tmp, png).await?;
            fs::rename(&tmp, &target).await
        }
        .await;
        if written.is_err() {
            let _ = fs::remove_file(&tmp).await;
        }
        Ok(written?)
    }

    /// Every stored file, by hash, with when it was last written (the sweep
    /// of unreferenced files reads this; `tmp/` and stray names are skipped).
    pub async fn stored_files(&self) -> Result<Vec<(String, std::time::SystemTime)>, BlobError> {
        let mut found = Vec::new();
        for first in subfolders(&self.root).await? {
            for second in subfolders(&first).await? {
                let mut entries = fs::read_dir(&second).await?;
                while let Some(entry) = entries.next_entry().await? {
                    let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                        continue;
                    };
                    // Only a file where its own hash says it belongs.
                    if self.path_of(&name).as_deref() != Some(entry.path().as_path()) {
                        continue;
                    }
                    let modified = entry.metadata().await?.modified()?;
                    found.push((name, modified));
                }
            }
        }
        Ok(found)
    }

    /// Files in the temporary folder (uploads in progress or left by a crash).
    pub async fn pending_uploads(&self) -> Result<usize, BlobError> {
        let mut count = 0;
        match fs::read_dir(self.root.join("tmp")).await {
            Ok(mut entries) => {
                while entries.next_entry().await?.is_some() {
                    count += 1;
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err.into()),
        }
        Ok(count)
    }
}

/// The two-character folders directly in `folder` (none if it is missing).
async fn subfolders(folder: &Path) -> Result<Vec<PathBuf>, BlobError> {
    let mut found = Vec::new();
    let mut entries = match fs::read_dir(folder).await {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(found),
        Err(err) => return Err(err.into()),
    };
    while let Some(entry) = entries.next_entry().await? {
        let two_hex = entry.file_name().to_str().is_some_and(|name| {
            name.len() == 2
                && name
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if two_hex && entry.file_type().await?.is_dir() {
            found.push(entry.path());
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_root() -> PathBuf {
        std::env::temp_dir().join(format!("portico-blobs-{:016x}", rand::random::<u64>()))
    }

    #[tokio::test]
    async fn stores_by_hash_and_shares_identical_content() -> Result<(), BlobError> {
        let blobs = BlobStore::new(temp_root());
        let first = blobs.store(&mut &b"hello"[..], 10).await?;
        assert_eq!(
            first.hash,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert_eq!(first.size, 5);
        let again = blobs.store(&mut &b"hello"[..], 10).await?;
        assert_eq!(again, first);
        let mut read = String::new();
        blobs
            .open(&first.hash)
            .await?
            .read_to_string(&mut read)
            .await?;
        assert_eq!(read, "hello");
        assert_eq!(blobs.pending_uploads().await?, 0);
        let stored: Vec<String> = blobs
            .stored_files()
            .await?
            .into_iter()
            .map(|(h, _)| h)
            .collect();
        assert_eq!(stored, vec![first.hash.clone()]);
        blobs.remove(&first.hash).await?;
        assert!(blobs.stored_files().await?.is_empty());
        assert!(blobs.open(&first.hash).await.is_err());
        blobs.remove(&first.hash).await?;
        let _ = fs::remove_dir_all(blobs.root()).await;
        Ok(())
    }

    #[tokio::test]
    async fn an_upload_over_the_limit_leaves_nothing() -> Result<(), BlobError> {
        let blobs = BlobStore::new(temp_root());
        let refused = blobs.store(&mut &[7u8; 11][..], 10).await;
        assert!(matches!(refused, Err(BlobError::TooLarge { limit: 10 })));
        assert_eq!(blobs.pending_uploads().await?, 0);
        // Exactly at the limit is fine.
        blobs.store(&mut &[7u8; 10][..], 10).await?;
        let _ = fs::remove_dir_all(blobs.root()).await;
        Ok(())
    }

    #[test]
    fn only_hashes_name_files() {
        let blobs = BlobStore::new("/data/attachments");
        assert!(blobs.path_of("../../etc/passwd").is_none());
        assert!(blobs.path_of(&"A".repeat(64)).is_none());
        assert_eq!(
            blobs.path_of(&"ab".repeat(32)),
            Some(PathBuf::from(format!(
                "/data/attachments/ab/ab/{}",
                "ab".repeat(32)
            )))
        );
    }
}
