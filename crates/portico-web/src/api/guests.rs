//! Guest assignment endpoints (tag `portico-extensions`): assigning a guest
//! to a space (with the collaborator or viewer role and an optional expiry),
//! ending an assignment, a guest's assignments, and whether a space may have
//! guests at all (SPEC.md 3.1–3.2). Not part of Confluence's API. Each
//! handler parses, calls one use case and renders; the use cases decide who
//! may (space admins and wiki admins; a guest may read their own
//! assignments).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::{PageId, SpaceId, UserId};

use super::extract::ApiJson;
use super::guests_json::{AssignGuestJson, AssignmentJson, AssignmentResultJson, GuestAccessJson};
use super::permissions_json::ResultsJson;
use crate::AppState;
use crate::auth::ApiSignedIn;
use crate::error::{ApiError, WebError};

/// A typed id from the path, or a 400 naming the parameter.
fn path_id<T: std::str::FromStr<Err = portico_core::ids::InvalidId>>(
    field: &str,
    raw: &str,
) -> Result<T, ApiError> {
    raw.parse::<T>()
        .map_err(|err| ApiError(WebError::BadRequest(format!("`{field}`: {err}"))))
}

/// Assign a guest to a space, or change their assignment there. With the
/// site's `guests.max_spaces` (one by default), a guest already assigned
/// elsewhere *moves*: `movedFrom` names the spaces they left.
#[utoipa::path(put, path = "/api/portico/spaces/{id}/guests/{userId}", tag = "portico-extensions",
    params(("id" = String, Path, description = "The space"), ("userId" = String, Path, description = "The guest")),
    request_body = AssignGuestJson,
    responses((status = 200, body = AssignmentResultJson),
        (status = 400, description = "Unknown role, malformed or past `expiresAt`, a `userId` who is not a guest, a `spaceId` that doesn't allow guests, or a `pageId` that is not a published page of the space"),
        (status = 401), (status = 403, description = "Can view the space but not administer it"), (status = 404), (status = 415)))]
pub async fn assign(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, user_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<AssignGuestJson>,
) -> Result<Json<AssignmentResultJson>, ApiError> {
    let space = path_id::<SpaceId>("id", &id)?;
    let guest = path_id::<UserId>("userId", &user_id)?;
    let role = body.role()?;
    let expires_at = body.expires_at()?;
    let outcome = match &body.page_id {
        None => {
            state
                .app
                .assign_guest(&viewer, space, guest, role, expires_at)
                .await?
        }
        Some(page) => {
            let page = path_id::<PageId>("pageId", page)?;
            state
                .app
                .assign_guest_to_page(&viewer, space, page, guest, role, expires_at)
                .await?
        }
    };
    Ok(Json(AssignmentResultJson::new(
        space,
        guest,
        role,
        expires_at,
        outcome.moved_from,
    )))
}

/// End a guest's assignment to a space (they stay a guest).
#[utoipa::path(delete, path = "/api/portico/spaces/{id}/guests/{userId}", tag = "portico-extensions",
    params(("id" = String, Path, description = "The space"), ("userId" = String, Path, description = "The guest")),
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404, description = "No such space, or the guest is not assigned to it")))]
pub async fn unassign(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let space = path_id::<SpaceId>("id", &id)?;
    let guest = path_id::<UserId>("userId", &user_id)?;
    state.app.unassign_guest(&viewer, space, guest).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A guest's current assignments, oldest first (wiki admins, or the guest
/// themselves; 404 to anyone else).
#[utoipa::path(get, path = "/api/portico/users/{id}/assignments", tag = "portico-extensions",
    params(("id" = String, Path, description = "The guest")),
    responses((status = 200, body = inline(ResultsJson<AssignmentJson>)), (status = 400), (status = 401), (status = 404)))]
pub async fn assignments(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<ResultsJson<AssignmentJson>>, ApiError> {
    let guest = path_id::<UserId>("id", &id)?;
    let list = state.app.guest_assignments(&viewer, guest).await?;
    Ok(Json(ResultsJson {
        results: list.into_iter().map(AssignmentJson::from).collect(),
    }))
}

/// Let a space have guests, or not (space admins and wiki admins). While a
/// space forbids guests, its assignments give nothing and new ones fail.
#[utoipa::path(put, path = "/api/portico/spaces/{id}/guest-access", tag = "portico-extensions",
    params(("id" = String, Path)), request_body = GuestAccessJson,
    responses((status = 204), (status = 400), (status = 401), (status = 403), (status = 404), (status = 415)))]
pub async fn set_guest_access(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<GuestAccessJson>,
) -> Result<Response, ApiError> {
    let space = path_id::<SpaceId>("id", &id)?;
    state
        .app
        .set_space_allows_guests(&viewer, space, body.allow_guests)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
