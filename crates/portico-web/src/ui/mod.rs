//! The server-rendered UI (placeholder until the UI lands).

use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
}

/// The HTML 404 page, identical for missing and invisible things.
pub(crate) fn not_found_page() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
}
