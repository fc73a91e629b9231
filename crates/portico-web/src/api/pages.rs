//! `/wiki/api/v2/pages` and its children and versions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portico_app::{BodyFormat, BodyInput, NewPage, PageFilter, PageId, PageUpdate, SpaceId};

use super::dto::{BodyValue, ChildJson, CreatePageJson, PageJson, UpdatePageJson, VersionJson};
use super::extract::{ApiJson, Params, parse_id};
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

/// Whether to include bodies: `body-format=storage` does; absent doesn't.
fn wants_body(params: &Params) -> Result<bool, ApiError> {
    match params.one("body-format")? {
        None => Ok(false),
        Some("storage") => Ok(true),
        Some(other) => Err(WebError::BadRequest(format!(
            "`body-format` must be `storage`, not `{other}`"
        ))
        .into()),
    }
}

pub(super) fn body_input(body: BodyValue) -> Result<BodyInput, ApiError> {
    let format = body.representation.parse::<BodyFormat>().map_err(|_| {
        WebError::BadRequest(format!(
            "`body.representation` must be `storage` or `markdown`, not `{}`",
            body.representation
        ))
    })?;
    Ok(BodyInput {
        value: body.value,
        format,
    })
}

/// Whether a create or update asks for a draft (`status: "draft"`).
pub(super) fn wants_draft(status: Option<&str>) -> Result<bool, ApiError> {
    match status {
        None | Some("current") => Ok(false),
        Some("draft") => Ok(true),
        Some(other) => Err(WebError::BadRequest(format!(
            "`status` must be `current` or `draft`, not `{other}`"
        ))
        .into()),
    }
}

/// List pages the caller can view.
#[utoipa::path(get, path = "/wiki/api/v2/pages", tag = "pages",
    params(
        ("space-id" = Option<String>, Query, description = "Space ids, repeated or comma-separated"),
        ("title" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "`current`"),
        ("body-format" = Option<String>, Query, description = "`storage` to include bodies"),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query),
    ),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<PageJson>)), (status = 400), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let after = decode_cursor(params.one("cursor")?)?;
    let with_body = wants_body(&params)?;
    let statuses = params.list("status");
    if statuses.iter().any(|status| status != "current") {
        return Err(WebError::BadRequest("`status` must be `current`".to_owned()).into());
    }
    let space_ids = params
        .list("space-id")
        .iter()
        .map(|raw| parse_id::<SpaceId>(raw))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = PageFilter {
        space_ids: (!space_ids.is_empty()).then_some(space_ids),
        title: params.one("title")?.map(str::to_owned),
        after: after.map(PageId),
        limit,
    };
    let slice = state.app.list_pages(&viewer, filter).await?;
    Ok(super::page_slice(
        slice,
        "/wiki/api/v2/pages",
        &params,
        with_body,
    ))
}

/// Create a page. Without `parentId` it goes under the space's home page.
#[utoipa::path(post, path = "/wiki/api/v2/pages", tag = "pages", request_body = CreatePageJson,
    responses((status = 200, body = PageJson), (status = 400), (status = 404), (status = 409, description = "Title taken in the space"), (status = 413), (status = 415)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    ApiJson(body): ApiJson<CreatePageJson>,
) -> Result<Json<PageJson>, ApiError> {
    let draft = wants_draft(body.status.as_deref())?;
    let space_id = parse_id::<SpaceId>(&body.space_id)?;
    let parent_id = body
        .parent_id
        .as_deref()
        .map(parse_id::<PageId>)
        .transpose()?;
    let body_input = match body.body {
        Some(value) => body_input(value)?,
        None => BodyInput {
            value: String::new(),
            format: BodyFormat::Storage,
        },
    };
    let page = state
        .app
        .create_page(
            &viewer,
            NewPage {
                space_id,
                parent_id,
                title: body.title,
                body: body_input,
                draft,
            },
        )
        .await?;
    Ok(Json(PageJson::new(page, true)))
}

/// Get a page. With `get-draft=true`, the caller's own draft of it (their
/// saved edit, or the page itself while it is their unpublished new page);
/// anyone else's draft is 404.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}", tag = "pages",
    params(("id" = String, Path), ("body-format" = Option<String>, Query),
        ("get-draft" = Option<bool>, Query, description = "The caller's own draft instead")),
    responses((status = 200, body = PageJson), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<PageJson>, ApiError> {
    let with_body = wants_body(&params)?;
    let id = parse_id(&id)?;
    let page = if params.flag("get-draft")? {
        state.app.page_draft(&viewer, id).await?.as_page()
    } else {
        state.app.page(&viewer, id).await?
    };
    Ok(Json(PageJson::new(page, with_body)))
}

/// Update a page. `version.number` must be the current version + 1, else 409.
/// `status: "draft"` keeps a new page a draft; on a published page it saves
/// the caller's own draft (see `get-draft`) and changes nothing else.
#[utoipa::path(put, path = "/wiki/api/v2/pages/{id}", tag = "pages", params(("id" = String, Path)), request_body = UpdatePageJson,
    responses((status = 200, body = PageJson), (status = 400), (status = 404), (status = 409, description = "Stale version or title taken")))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdatePageJson>,
) -> Result<Json<PageJson>, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    if body.id.as_deref().is_some_and(|body_id| body_id != id) {
        return Err(WebError::BadRequest(
            "`id` in the body must match the page id in the path".to_owned(),
        )
        .into());
    }
    let publish = !wants_draft(body.status.as_deref())?;
    let update = PageUpdate {
        title: body.title,
        body: body_input(body.body)?,
        version: body.version.number,
        message: body.version.message.unwrap_or_default(),
        publish,
    };
    let page = state.app.update_page(&viewer, page_id, update).await?;
    Ok(Json(PageJson::new(page, true)))
}

/// Delete a page (moves it to the trash; its children move up).
/// `purge=true` purges a page already in the trash (space admins), with
/// everything hanging on it. `draft=true` throws away the caller's saved
/// draft of a published page instead, leaving the page as it is.
#[utoipa::path(delete, path = "/wiki/api/v2/pages/{id}", tag = "pages",
    params(("id" = String, Path), ("purge" = Option<bool>, Query),
        ("draft" = Option<bool>, Query, description = "Discard the caller's draft")),
    responses((status = 204), (status = 400), (status = 404),
        (status = 409, description = "A space's home page, or `purge=true` on a page that is not in the trash")))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<StatusCode, ApiError> {
    let id = parse_id(&id)?;
    if params.flag("draft")? {
        state.app.discard_page_draft(&viewer, id).await?;
    } else if params.flag("purge")? {
        state.app.purge_page(&viewer, id).await?;
    } else {
        state.app.delete_page(&viewer, id).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Direct children of a page, in tree order.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/direct-children", tag = "pages",
    params(("id" = String, Path), ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<ChildJson>)), (status = 404)))]
pub async fn children(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    let limit = limit(params.number("limit")?)?;
    let offset = decode_cursor(params.one("cursor")?)?.unwrap_or(0);
    let slice = state
        .app
        .children(&viewer, page_id, offset as u64, limit)
        .await?;
    let next = slice.has_more.then(|| {
        next_link(
            &format!("/wiki/api/v2/pages/{page_id}/direct-children"),
            &params.pairs(),
            offset + limit as i64,
        )
    });
    Ok(super::multi(
        slice.items.into_iter().map(ChildJson::from).collect(),
        next,
    ))
}

/// Versions of a page, newest first.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/versions", tag = "pages",
    params(("id" = String, Path), ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<VersionJson>)), (status = 404)))]
pub async fn versions(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    // A blog post's id is 404 here (its versions are at `/blogposts`).
    state.app.page(&viewer, page_id).await?;
    let limit = limit(params.number("limit")?)?;
    let before = decode_cursor(params.one("cursor")?)?;
    let slice = state.app.versions(&viewer, page_id, before, limit).await?;
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(next_link(
            &format!("/wiki/api/v2/pages/{page_id}/versions"),
            &params.pairs(),
            last.number,
        )),
        _ => None,
    };
    Ok(super::multi(
        slice.items.iter().map(VersionJson::from).collect(),
        next,
    ))
}

/// One version of a page, with its body.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/versions/{number}", tag = "pages",
    params(("id" = String, Path), ("number" = i64, Path)),
    responses((status = 200, body = VersionJson), (status = 404)))]
pub async fn version(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path((id, number)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let page_id = parse_id::<PageId>(&id)?;
    let number: i64 = number
        .parse()
        .map_err(|_| WebError::BadRequest(format!("`{number}` is not a version number")))?;
    state.app.page(&viewer, page_id).await?;
    let version = state.app.version(&viewer, page_id, number).await?;
    let mut json = serde_json::to_value(VersionJson::from(&version)).unwrap_or_default();
    json["page"] = serde_json::json!({ "id": page_id.to_string(), "title": version.title, "body": { "storage": { "representation": "storage", "value": version.body } } });
    Ok(Json(json).into_response())
}
