//! The use-case error type. The web layer maps each variant to one HTTP status
//! in one place.

use portico_core::ValidationError;
use portico_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or not visible to the caller: the two are indistinguishable.
    #[error("not found")]
    NotFound,
    /// The caller can see the thing but lacks a permission to change it.
    #[error("you need the `{permission}` permission: {reason}")]
    Forbidden {
        permission: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// Values for a template's variables that can't be used: an unknown or
    /// missing variable, or a value breaking the rules (the message names it).
    #[error(transparent)]
    Variable(#[from] portico_core::template::VariableError),
    /// Well-formed input that doesn't fit the content it names (an inline
    /// comment's selection that isn't in the page version).
    #[error("{0}")]
    Unprocessable(ValidationError),
    /// The change clashes with the current state (a stale version, a taken key).
    #[error("{0}")]
    Conflict(String),
    /// A body mentions someone it may not (SPEC 3.3); the message names the
    /// person only if the author may know them.
    #[error("{0}")]
    MentionRefused(String),
    #[error("sign-in required")]
    Unauthenticated,
    #[error("invalid e-mail or password")]
    BadCredentials,
    #[error("this link is invalid, expired or already used")]
    InvalidLink,
    /// A one-time code that was used, expired or tried too often.
    #[error("this code has expired, was used or was tried too often; ask for a new one")]
    CodeDead,
    /// Too many requests of one kind (mailed codes); the message says how
    /// long to wait.
    #[error("{0}")]
    RateLimited(String),
    /// An `Authorization` header that names no usable API token (unknown,
    /// expired or revoked, its owner's e-mail not given with it, or a
    /// password, which the API never takes).
    #[error("invalid API token: it is unknown, expired or revoked, or not the given e-mail's")]
    InvalidToken,
    /// An upload over the size limit; nothing of it was kept.
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// A part that is not ready (the search index being built, or held by
    /// another process); the message says which. Nothing was changed.
    #[error("{0}")]
    Unavailable(String),
    /// A fault of ours (database down, a bug). Never shown to clients.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate(detail) => {
                AppError::Conflict(format!("already exists ({detail})"))
            }
            other => AppError::Internal(Box::new(other)),
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
