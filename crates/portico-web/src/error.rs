//! Errors over HTTP: every failure becomes a [`WebError`], whose status is
//! decided in one `match` ([`WebError::status`]). The API renders it as JSON
//! in Confluence's error shape, the UI as an HTML page. Whatever the caller may
//! not see is a 404 with the same body as a missing id; 5xx bodies are generic
//! and the details go to the log.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::AppError;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    App(#[from] AppError),
    /// The request itself is malformed (bad JSON, a bad query parameter).
    #[error("{0}")]
    BadRequest(String),
    /// A request the web layer refuses before any use case (a missing
    /// anti-forgery header).
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    PayloadTooLarge(String),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::App(err) => match err {
                AppError::NotFound => StatusCode::NOT_FOUND,
                AppError::Forbidden { .. } => StatusCode::FORBIDDEN,
                AppError::Invalid(_) => StatusCode::BAD_REQUEST,
                AppError::Conflict(_) => StatusCode::CONFLICT,
                AppError::MentionRefused(_)
                | AppError::Variable(_)
                | AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
                AppError::Unauthenticated | AppError::BadCredentials | AppError::InvalidToken => {
                    StatusCode::UNAUTHORIZED
                }
                AppError::InvalidLink | AppError::CodeDead => StatusCode::GONE,
                AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                AppError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
                AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            WebError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// The message a client may see: nothing for 404 (no hint of existence) and
    /// nothing for 5xx (details are logged instead).
    pub fn public_detail(&self) -> Option<String> {
        let status = self.status();
        // A 503 says what is not ready (no detail of ours is in it).
        if status == StatusCode::NOT_FOUND
            || (status.is_server_error() && status != StatusCode::SERVICE_UNAVAILABLE)
        {
            None
        } else {
            Some(self.to_string())
        }
    }

    pub(crate) fn log_if_internal(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
    }
}

fn code_for(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("Error")
        .to_uppercase()
        .replace(' ', "_")
}

/// An error rendered as JSON: `{"errors":[{"status","code","title","detail"}]}`.
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(err: E) -> Self {
        ApiError(err.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.log_if_internal();
        let status = self.0.status();
        let body = json!({
            "errors": [{
                "status": status.as_u16(),
                "code": code_for(status),
                "title": status.canonical_reason().unwrap_or("Error"),
                "detail": self.0.public_detail(),
            }]
        });
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"Portico\""),
            );
        }
        response
    }
}

/// The generic 500 used when a handler panics.
pub fn internal_error_response() -> Response {
    ApiError(WebError::App(AppError::Internal(
        "a request handler panicked".into(),
    )))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_core::ValidationError;

    #[test]
    fn each_error_maps_to_one_status() {
        let cases: Vec<(WebError, u16)> = vec![
            (AppError::NotFound.into(), 404),
            (
                AppError::Forbidden {
                    permission: "page.create",
                    reason: "no".into(),
                }
                .into(),
                403,
            ),
            (
                AppError::Invalid(ValidationError::new("title", "must not be empty")).into(),
                400,
            ),
            (AppError::Conflict("version conflict".into()).into(), 409),
            (
                AppError::MentionRefused("cannot mention".into()).into(),
                422,
            ),
            (
                AppError::Variable(portico_core::template::VariableError::Missing(
                    "client".into(),
                ))
                .into(),
                422,
            ),
            (
                AppError::Unprocessable(ValidationError::new(
                    "inlineCommentProperties.textSelection",
                    "does not occur in the page version",
                ))
                .into(),
                422,
            ),
            (AppError::Unauthenticated.into(), 401),
            (AppError::BadCredentials.into(), 401),
            (AppError::InvalidToken.into(), 401),
            (AppError::InvalidLink.into(), 410),
            (AppError::CodeDead.into(), 410),
            (AppError::RateLimited("wait".into()).into(), 429),
            (AppError::TooLarge { limit: 10 }.into(), 413),
            (AppError::Internal("boom".into()).into(), 500),
            (WebError::BadRequest("bad json".into()), 400),
            (WebError::UnsupportedMediaType("json please".into()), 415),
            (WebError::PayloadTooLarge("too big".into()), 413),
        ];
        for (err, status) in cases {
            assert_eq!(err.status().as_u16(), status, "{err:?}");
        }
    }

    #[test]
    fn not_found_and_server_errors_say_nothing() {
        assert_eq!(WebError::from(AppError::NotFound).public_detail(), None);
        assert_eq!(
            WebError::from(AppError::Internal("boom".into())).public_detail(),
            None
        );
        assert!(
            WebError::from(AppError::Conflict("x".into()))
                .public_detail()
                .is_some()
        );
    }
}
