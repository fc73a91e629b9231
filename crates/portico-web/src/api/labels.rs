//! Labels: `GET /wiki/api/v2/pages/{id}/labels` in Confluence's v2 shape, and
//! Portico's writes and label listing (v2 has none): `POST` and `DELETE`
//! `/api/portico/pages/{id}/labels[/{name}]`, and
//! `GET /api/portico/labels/{name}/pages` (only pages the caller may view).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use portico_app::{Label, PageId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::no_content;
use super::dto::{Links, MultiEntityResult, PageJson};
use super::extract::{ApiJson, Params, parse_id};
use super::pagination::{decode_cursor, limit};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;

#[derive(Serialize, ToSchema)]
pub struct LabelJson {
    pub id: String,
    pub name: String,
    /// Always `global` (Portico has no personal labels).
    pub prefix: String,
}

impl From<Label> for LabelJson {
    fn from(label: Label) -> Self {
        LabelJson {
            id: label.id.to_string(),
            name: label.name,
            prefix: "global".to_owned(),
        }
    }
}

pub(super) fn results(labels: Vec<Label>) -> MultiEntityResult<LabelJson> {
    MultiEntityResult {
        results: labels.into_iter().map(LabelJson::from).collect(),
        links: Links {
            webui: None,
            next: None,
            base: None,
        },
    }
}

/// The labels on a page, by name.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/labels", tag = "labels",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<LabelJson>)), (status = 404)))]
pub async fn for_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<LabelJson>>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    // A blog post's id is 404 here (its labels are at `/blogposts`).
    state.app.page(&viewer, page).await?;
    Ok(Json(results(state.app.page_labels(&viewer, page).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddLabelsJson {
    /// 1 to 20 label names (one word each; stored in lower case).
    pub labels: Vec<String>,
}

/// Add labels to a page (who may edit the page may label it).
#[utoipa::path(post, path = "/api/portico/pages/{id}/labels", tag = "labels",
    params(("id" = String, Path)), request_body = AddLabelsJson,
    responses((status = 200, body = inline(MultiEntityResult<LabelJson>)), (status = 400), (status = 403), (status = 404), (status = 415)))]
pub async fn add(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AddLabelsJson>,
) -> Result<Json<MultiEntityResult<LabelJson>>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    let labels = state.app.add_labels(&viewer, page, &body.labels).await?;
    Ok(Json(results(labels)))
}

/// Take a label off a page.
#[utoipa::path(delete, path = "/api/portico/pages/{id}/labels/{name}", tag = "labels",
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 204), (status = 400), (status = 403), (status = 404)))]
pub async fn remove(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    state.app.remove_label(&viewer, page, &name).await?;
    Ok(no_content())
}

/// The current pages carrying a label, that the caller may view (cursor
/// pagination as in `/wiki/api/v2/pages`).
#[utoipa::path(get, path = "/api/portico/labels/{name}/pages", tag = "labels",
    params(("name" = String, Path), ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = inline(MultiEntityResult<PageJson>)), (status = 400)))]
pub async fn pages(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(name): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let after = decode_cursor(params.one("cursor")?)?;
    let slice = state
        .app
        .labelled_pages(&viewer, &name, after.map(PageId), limit)
        .await?;
    let path = format!("/api/portico/labels/{}/pages", urlencode(&name));
    Ok(super::page_slice(slice, &path, &params, false))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
