//! Portico-only endpoints (tag `portico-extensions`): move, copy, diff,
//! restore, archive. Not part of Confluence's API.

use axum::Json;
use axum::extract::{Path, State};
use portico_app::{CopyTo, MoveTo, PageId, SpaceId};

use super::dto::{CopyJson, DiffJson, DiffLineJson, MoveJson, PageJson, RestoreJson, SpaceJson};
use super::extract::{ApiJson, Params, parse_id};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

fn destination(position: &str, target: &str) -> Result<MoveTo, ApiError> {
    Ok(match position {
        "append" => MoveTo::Under(parse_id(target)?),
        "before" => MoveTo::Before(parse_id(target)?),
        "after" => MoveTo::After(parse_id(target)?),
        "top" => MoveTo::TopOf(parse_id(target)?),
        other => {
            return Err(WebError::BadRequest(format!(
                "`position` must be `append`, `before`, `after` or `top`, not `{other}`"
            ))
            .into());
        }
    })
}

/// Move a page with its subtree (reorder, reparent, or to another space).
#[utoipa::path(post, path = "/api/portico/pages/{id}/move", tag = "portico-extensions", params(("id" = String, Path)), request_body = MoveJson,
    responses((status = 200, body = PageJson), (status = 400, description = "Bad target, or into its own subtree"), (status = 404), (status = 409, description = "Title taken in the target space")))]
pub async fn move_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MoveJson>,
) -> Result<Json<PageJson>, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    let page = state
        .app
        .move_page(
            &viewer,
            page_id,
            destination(&body.position, &body.target_id)?,
        )
        .await?;
    Ok(Json(PageJson::new(page, false)))
}

/// Copy a page, optionally with its descendants.
#[utoipa::path(post, path = "/api/portico/pages/{id}/copy", tag = "portico-extensions", params(("id" = String, Path)), request_body = CopyJson,
    responses((status = 200, body = PageJson), (status = 400), (status = 404), (status = 409)))]
pub async fn copy_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CopyJson>,
) -> Result<Json<PageJson>, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    let options = CopyTo {
        destination: destination(&body.position, &body.target_id)?,
        title: body.title,
        include_descendants: body.include_descendants,
    };
    let page = state.app.copy_page(&viewer, page_id, options).await?;
    Ok(Json(PageJson::new(page, false)))
}

/// Line diff between two versions of a page.
#[utoipa::path(get, path = "/api/portico/pages/{id}/diff", tag = "portico-extensions",
    params(("id" = String, Path), ("from" = i64, Query), ("to" = i64, Query)),
    responses((status = 200, body = DiffJson), (status = 400), (status = 404)))]
pub async fn diff(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<DiffJson>, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    let version = |name: &str| -> Result<i64, ApiError> {
        params.number(name)?.map(|n| n as i64).ok_or_else(|| {
            WebError::BadRequest(format!("`{name}` (a version number) is required")).into()
        })
    };
    let (from, to) = (version("from")?, version("to")?);
    let diff = state.app.diff(&viewer, page_id, from, to).await?;
    Ok(Json(DiffJson {
        from: diff.from.number,
        to: diff.to.number,
        from_title: diff.from.title,
        to_title: diff.to.title,
        lines: diff
            .lines
            .into_iter()
            .map(|line| DiffLineJson {
                kind: format!("{:?}", line.kind).to_lowercase(),
                text: line.text,
            })
            .collect(),
    }))
}

/// Restore an old version as a new version.
#[utoipa::path(post, path = "/api/portico/pages/{id}/restore", tag = "portico-extensions", params(("id" = String, Path)), request_body = RestoreJson,
    responses((status = 200, body = PageJson), (status = 404), (status = 409, description = "The page changed since")))]
pub async fn restore(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RestoreJson>,
) -> Result<Json<PageJson>, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    let page = state
        .app
        .restore_version(&viewer, page_id, body.version_number, body.current_version)
        .await?;
    Ok(Json(PageJson::new(page, true)))
}

/// Archive a space (read-only).
#[utoipa::path(post, path = "/api/portico/spaces/{id}/archive", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 200, body = SpaceJson), (status = 403), (status = 404)))]
pub async fn archive(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SpaceJson>, ApiError> {
    let space = state
        .app
        .set_space_archived(&viewer, parse_id::<SpaceId>(&id)?, true)
        .await?;
    Ok(Json(space.into()))
}

/// Bring an archived space back.
#[utoipa::path(delete, path = "/api/portico/spaces/{id}/archive", tag = "portico-extensions", params(("id" = String, Path)),
    responses((status = 200, body = SpaceJson), (status = 403), (status = 404)))]
pub async fn unarchive(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<SpaceJson>, ApiError> {
    let space = state
        .app
        .set_space_archived(&viewer, parse_id::<SpaceId>(&id)?, false)
        .await?;
    Ok(Json(space.into()))
}
