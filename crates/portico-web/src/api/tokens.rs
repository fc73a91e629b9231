//! `/api/portico/tokens`: the caller's own API tokens — list, create (the
//! token is in the answer, and only there), revoke. Managed from a signed-in
//! session only ([`ApiSession`]): a token can't mint or list tokens.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::{ApiToken, AppError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::timestamp;
use super::extract::ApiJson;
use crate::AppState;
use crate::auth::ApiSession;
use crate::error::ApiError;

/// An API token as its owner sees it (never the token itself, except once in
/// the answer to its creation).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiTokenJson {
    pub id: String,
    pub name: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// `active`, `expired` or `revoked`.
    pub state: String,
}

impl From<ApiToken> for ApiTokenJson {
    fn from(token: ApiToken) -> Self {
        ApiTokenJson {
            id: token.id.to_string(),
            name: token.name,
            created_at: timestamp(token.created_at),
            expires_at: timestamp(token.expires_at),
            last_used_at: token.last_used_at.map(timestamp),
            revoked_at: token.revoked_at.map(timestamp),
            state: token.state.as_str().to_owned(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateApiTokenJson {
    /// 1–100 characters, unique among your live tokens.
    pub name: String,
    /// Required: 1 to 365.
    pub expires_in_days: u32,
}

/// A new token: `token` is the secret, shown this once (only its hash is kept).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiTokenJson {
    #[serde(flatten)]
    pub summary: ApiTokenJson,
    /// Use as `Authorization: Bearer <token>`, or as the password of HTTP
    /// Basic with your e-mail address.
    pub token: String,
}

/// Your API tokens, newest first (revoked and expired ones included).
#[utoipa::path(get, path = "/api/portico/tokens", tag = "portico-extensions",
    responses((status = 200, body = [ApiTokenJson]), (status = 401), (status = 403, description = "Called with an API token: tokens are managed from a signed-in session")))]
pub async fn list(
    State(state): State<AppState>,
    ApiSession(viewer): ApiSession,
) -> Result<Response, ApiError> {
    let tokens = state.app.api_tokens(&viewer).await?;
    Ok(super::multi(
        tokens.into_iter().map(ApiTokenJson::from).collect(),
        None,
    ))
}

/// Create an API token that acts as you, with your permissions at each use.
#[utoipa::path(post, path = "/api/portico/tokens", tag = "portico-extensions", request_body = CreateApiTokenJson,
    responses((status = 201, body = CreatedApiTokenJson), (status = 400, description = "A bad name or lifetime"),
        (status = 401), (status = 403, description = "Called with an API token, or a guest while the site's `guests.api_tokens` policy is off"),
        (status = 409, description = "You already have a live token with this name")))]
pub async fn create(
    State(state): State<AppState>,
    ApiSession(viewer): ApiSession,
    ApiJson(body): ApiJson<CreateApiTokenJson>,
) -> Result<Response, ApiError> {
    let created = state
        .app
        .create_api_token(&viewer, &body.name, body.expires_in_days)
        .await?;
    let body = CreatedApiTokenJson {
        summary: created.token.into(),
        token: created.secret,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// Revoke one of your API tokens (it stops working at once).
#[utoipa::path(delete, path = "/api/portico/tokens/{id}", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 403, description = "Called with an API token"), (status = 404, description = "No such token of yours")))]
pub async fn revoke(
    State(state): State<AppState>,
    ApiSession(viewer): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    // A malformed id is just another token that isn't yours.
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    state.app.revoke_api_token(&viewer, id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
