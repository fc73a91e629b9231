//! Page templates, a Portico extension (Confluence's v2 API has no
//! templates): `GET`/`POST /api/portico/templates` (`?spaceId=` narrows the
//! list to one space, `spaceId=global` to the global ones), `GET`/`PUT`/
//! `DELETE /api/portico/templates/{id}`, and `POST
//! /api/portico/templates/{id}/pages` to create a page from one. A template
//! the caller may not see is a 404 like a missing one.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use portico_app::{
    PageFromTemplate, PageId, SpaceId, Template, TemplateFilter, TemplateId, TemplateInput,
    TemplateVariable,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::admin::no_content;
use super::dto::{BodyValue, PageJson, timestamp};
use super::extract::{ApiJson, Params, parse_id};
use super::pages::{body_input, wants_draft};
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariableJson {
    /// A lower-case letter, then lower-case letters, digits, `_` or `-`.
    pub name: String,
    /// What the creation form asks; the name when empty.
    #[serde(default)]
    pub label: String,
    /// Used when no value is given; without one, a value is required.
    #[serde(default)]
    pub default: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateJson {
    pub id: String,
    /// `null` for a global template.
    pub space_id: Option<String>,
    pub name: String,
    pub description: String,
    /// Storage format; variables are `<at:var at:name="..."></at:var>`.
    pub body: BodyValue,
    pub variables: Vec<VariableJson>,
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_by: Option<String>,
    pub updated_at: String,
    /// Whether the caller may change or delete it.
    pub can_manage: bool,
}

impl From<Template> for TemplateJson {
    fn from(template: Template) -> Self {
        TemplateJson {
            id: template.id.to_string(),
            space_id: template.space_id.map(|id| id.to_string()),
            name: template.name,
            description: template.description,
            body: BodyValue {
                representation: "storage".to_owned(),
                value: template.body,
            },
            variables: template
                .variables
                .into_iter()
                .map(|v| VariableJson {
                    name: v.name,
                    label: v.label,
                    default: v.default,
                })
                .collect(),
            created_by: template.created_by.map(|id| id.to_string()),
            created_at: timestamp(template.created_at),
            updated_by: template.updated_by.map(|id| id.to_string()),
            updated_at: timestamp(template.updated_at),
            can_manage: template.can_manage,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TemplateBodyJson {
    /// Create only: the space it belongs to; absent or `null` for a global
    /// template (wiki admins). Refused on update: the scope can't change.
    #[serde(default)]
    pub space_id: Option<String>,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// `storage` (with `<at:var at:name="x"/>`) or `markdown` (with
    /// `{{x}}` placeholders, not inside code).
    pub body: BodyValue,
    #[serde(default)]
    pub variables: Vec<VariableJson>,
}

fn input(body: TemplateBodyJson) -> Result<TemplateInput, ApiError> {
    Ok(TemplateInput {
        name: body.name,
        description: body.description,
        body: body_input(body.body)?,
        variables: body
            .variables
            .into_iter()
            .map(|v| TemplateVariable {
                name: v.name,
                label: v.label,
                default: v.default,
            })
            .collect(),
    })
}

/// The templates the caller may see: global ones and those of the spaces
/// they can view (cursor pagination as in `/wiki/api/v2/pages`).
#[utoipa::path(get, path = "/api/portico/templates", tag = "portico-extensions",
    params(
        ("spaceId" = Option<String>, Query, description = "One space's templates, or `global`"),
        ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query),
    ),
    responses((status = 200, body = inline(super::dto::MultiEntityResult<TemplateJson>)), (status = 400), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let after = decode_cursor(params.one("cursor")?)?;
    let scope = match params.one("spaceId")? {
        None => None,
        Some("global") => Some(None),
        Some(raw) => Some(Some(parse_id::<SpaceId>(raw)?)),
    };
    let slice = state
        .app
        .list_templates(
            &viewer,
            TemplateFilter {
                scope,
                after: after.map(TemplateId),
                limit,
            },
        )
        .await?;
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(next_link(
            "/api/portico/templates",
            &params.pairs(),
            last.id.0,
        )),
        _ => None,
    };
    Ok(super::multi(
        slice.items.into_iter().map(TemplateJson::from).collect(),
        next,
    ))
}

/// Create a template: global (wiki admins) or of a space (its admins).
#[utoipa::path(post, path = "/api/portico/templates", tag = "portico-extensions",
    request_body = TemplateBodyJson,
    responses((status = 200, body = TemplateJson), (status = 400), (status = 403), (status = 404), (status = 409, description = "Name taken in its scope"), (status = 415)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    ApiJson(body): ApiJson<TemplateBodyJson>,
) -> Result<Json<TemplateJson>, ApiError> {
    let space = body
        .space_id
        .as_deref()
        .map(parse_id::<SpaceId>)
        .transpose()?;
    let template = state
        .app
        .create_template(&viewer, space, input(body)?)
        .await?;
    Ok(Json(template.into()))
}

/// Get a template.
#[utoipa::path(get, path = "/api/portico/templates/{id}", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, body = TemplateJson), (status = 400), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<TemplateJson>, ApiError> {
    let id = parse_id::<TemplateId>(&id)?;
    Ok(Json(state.app.template(&viewer, id).await?.into()))
}

/// Replace a template's name, description, body and variables.
#[utoipa::path(put, path = "/api/portico/templates/{id}", tag = "portico-extensions",
    params(("id" = String, Path)), request_body = TemplateBodyJson,
    responses((status = 200, body = TemplateJson), (status = 400), (status = 403), (status = 404), (status = 409), (status = 415)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TemplateBodyJson>,
) -> Result<Json<TemplateJson>, ApiError> {
    let id = parse_id::<TemplateId>(&id)?;
    if body.space_id.is_some() {
        return Err(WebError::BadRequest(
            "`spaceId` can't change: a template stays in its scope".to_owned(),
        )
        .into());
    }
    let template = state.app.update_template(&viewer, id, input(body)?).await?;
    Ok(Json(template.into()))
}

/// Delete a template (pages created from it stay).
#[utoipa::path(delete, path = "/api/portico/templates/{id}", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 204), (status = 400), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = parse_id::<TemplateId>(&id)?;
    state.app.delete_template(&viewer, id).await?;
    Ok(no_content())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PageFromTemplateJson {
    /// The target space: the page takes its permissions, never the template's.
    pub space_id: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    /// May hold `{{name}}` placeholders of the template's variables.
    pub title: String,
    /// Plain-text values by variable name (escaped into the body).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// `current` (default) or `draft`.
    #[serde(default)]
    pub status: Option<String>,
}

/// Create a page from a template in a space where the caller may create
/// pages. An unknown or missing variable is a 422 naming it.
#[utoipa::path(post, path = "/api/portico/templates/{id}/pages", tag = "portico-extensions",
    params(("id" = String, Path)), request_body = PageFromTemplateJson,
    responses((status = 200, body = PageJson), (status = 400), (status = 403), (status = 404), (status = 409, description = "Title taken in the space"), (status = 415), (status = 422, description = "Unknown or missing variable")))]
pub async fn create_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PageFromTemplateJson>,
) -> Result<Json<PageJson>, ApiError> {
    let id = parse_id::<TemplateId>(&id)?;
    let draft = wants_draft(body.status.as_deref())?;
    let space_id = parse_id::<SpaceId>(&body.space_id)?;
    let parent_id = body
        .parent_id
        .as_deref()
        .map(parse_id::<PageId>)
        .transpose()?;
    let page = state
        .app
        .create_page_from_template(
            &viewer,
            id,
            PageFromTemplate {
                space_id,
                parent_id,
                title: body.title,
                variables: body.variables,
                draft,
            },
        )
        .await?;
    Ok(Json(PageJson::new(page, true)))
}
