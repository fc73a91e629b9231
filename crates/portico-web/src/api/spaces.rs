//! `/wiki/api/v2/spaces`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::{NewSpace, SpaceFilter, SpaceId};

use super::dto::{CreateSpaceJson, SpaceJson};
use super::extract::{ApiJson, Params, parse_id};
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

/// List spaces the caller can view.
#[utoipa::path(get, path = "/wiki/api/v2/spaces", tag = "spaces",
    params(
        ("keys" = Option<String>, Query, description = "Space keys, repeated or comma-separated"),
        ("status" = Option<String>, Query, description = "`current` or `archived`"),
        ("cursor" = Option<String>, Query, description = "Opaque cursor from `_links.next`"),
        ("limit" = Option<u64>, Query, description = "1 to 250, default 25"),
    ),
    responses((status = 200, description = "Spaces", body = inline(super::dto::MultiEntityResult<SpaceJson>)), (status = 400), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let after = decode_cursor(params.one("cursor")?)?;
    let keys = params.list("keys");
    let status = match params.one("status")? {
        None => None,
        Some(status @ ("current" | "archived")) => Some(status.to_owned()),
        Some(other) => {
            return Err(WebError::BadRequest(format!(
                "`status` must be `current` or `archived`, not `{other}`"
            ))
            .into());
        }
    };
    let filter = SpaceFilter {
        keys: (!keys.is_empty()).then_some(keys),
        status,
        after: after.map(SpaceId),
        limit,
    };
    let slice = state.app.list_spaces(&viewer, filter).await?;
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(next_link("/wiki/api/v2/spaces", &params.pairs(), last.id.0)),
        _ => None,
    };
    Ok(super::multi(
        slice.items.into_iter().map(SpaceJson::from).collect(),
        next,
    ))
}

/// Create a space (with a home page); the caller becomes its admin.
#[utoipa::path(post, path = "/wiki/api/v2/spaces", tag = "spaces", request_body = CreateSpaceJson,
    responses((status = 201, body = SpaceJson), (status = 400), (status = 409, description = "The key is taken"), (status = 413), (status = 415)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    ApiJson(body): ApiJson<CreateSpaceJson>,
) -> Result<Response, ApiError> {
    let new = NewSpace {
        key: body.key,
        name: body.name,
        description: body.description.map(|d| d.value).unwrap_or_default(),
    };
    let space = state.app.create_space(&viewer, new).await?;
    Ok((StatusCode::CREATED, Json(SpaceJson::from(space))).into_response())
}

/// Get a space by id.
#[utoipa::path(get, path = "/wiki/api/v2/spaces/{id}", tag = "spaces", params(("id" = String, Path)),
    responses((status = 200, body = SpaceJson), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SpaceJson>, ApiError> {
    let space = state.app.space(&viewer, parse_id(&id)?).await?;
    Ok(Json(space.into()))
}
