use thiserror::Error;

#[derive(Debug, Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Folder(#[from] tantivy::directory::error::OpenDirectoryError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    /// The writer's lock is held by another process (a running server).
    #[error("the search index at {0} is in use by another Portico process")]
    Busy(String),
    #[error("search index state: {0}")]
    State(String),
}
