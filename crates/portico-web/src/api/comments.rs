//! `/wiki/api/v2/.../footer-comments`: footer comments and their replies.
//! A comment on a page the caller can't view answers like a missing id.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::{BodyFormat, BodyInput, Comment, PageId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{BodyJson, BodyValue, MultiEntityResult, UpdateVersionJson, timestamp};
use super::extract::{ApiJson, parse_id};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentJson {
    pub id: String,
    /// `current`, or `deleted` for a placeholder kept for its replies.
    pub status: String,
    pub page_id: String,
    pub parent_comment_id: Option<String>,
    pub author_id: Option<String>,
    pub created_at: String,
    pub version: CommentVersionJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyJson>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentVersionJson {
    pub number: i64,
    pub created_at: String,
}

impl From<Comment> for CommentJson {
    fn from(c: Comment) -> Self {
        CommentJson {
            id: c.id.to_string(),
            status: if c.deleted { "deleted" } else { "current" }.to_owned(),
            page_id: c.page_id.0.to_string(),
            parent_comment_id: c.parent_id.map(|id| id.to_string()),
            author_id: c.author.map(|a| a.id.0.to_string()),
            created_at: timestamp(c.created_at),
            version: CommentVersionJson {
                number: c.version,
                created_at: timestamp(c.updated_at),
            },
            body: c.body.map(|value| BodyJson {
                storage: BodyValue {
                    representation: "storage".to_owned(),
                    value,
                },
            }),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateCommentJson {
    /// The page, or (as `blogPostId`) the blog post, commented on.
    #[serde(alias = "blogPostId")]
    pub page_id: String,
    #[serde(default)]
    pub parent_comment_id: Option<String>,
    pub body: BodyValue,
}

#[derive(Deserialize, ToSchema)]
pub struct UpdateCommentJson {
    pub body: BodyValue,
    pub version: UpdateVersionJson,
}

pub(super) fn comment_id(raw: &str) -> Result<i64, ApiError> {
    match raw.parse::<i64>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(WebError::BadRequest(format!("`{raw}` is not a comment id")).into()),
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

pub(super) fn results(comments: Vec<Comment>) -> MultiEntityResult<CommentJson> {
    MultiEntityResult {
        results: comments.into_iter().map(CommentJson::from).collect(),
        links: super::dto::Links {
            webui: None,
            next: None,
            base: None,
        },
    }
}

/// A page's footer comments, in thread order.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/footer-comments", tag = "comments",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<CommentJson>)), (status = 404)))]
pub async fn for_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<CommentJson>>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    // A blog post's id is 404 here (its comments are at `/blogposts`).
    state.app.page(&viewer, page).await?;
    Ok(Json(results(state.app.page_comments(&viewer, page).await?)))
}

/// Add a footer comment, or a reply with `parentCommentId`.
#[utoipa::path(post, path = "/wiki/api/v2/footer-comments", tag = "comments", request_body = CreateCommentJson,
    responses((status = 200, body = CommentJson), (status = 400), (status = 403), (status = 404)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    ApiJson(body): ApiJson<CreateCommentJson>,
) -> Result<Json<CommentJson>, ApiError> {
    let page = parse_id::<PageId>(&body.page_id)?;
    let parent = body
        .parent_comment_id
        .as_deref()
        .map(comment_id)
        .transpose()?;
    let comment = state
        .app
        .add_comment(&viewer, page, parent, body_input(body.body)?)
        .await?;
    Ok(Json(comment.into()))
}

/// Add a footer comment to the page in the path (the body's `pageId`, if
/// given, must match it).
#[utoipa::path(post, path = "/wiki/api/v2/pages/{id}/footer-comments", tag = "comments",
    params(("id" = String, Path)), request_body = CreateCommentJson,
    responses((status = 200, body = CommentJson), (status = 400), (status = 403), (status = 404)))]
pub async fn create_on_page(
    State(state): State<AppState>,
    viewer: ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateCommentJson>,
) -> Result<Json<CommentJson>, ApiError> {
    if body.page_id != id {
        return Err(WebError::BadRequest(
            "`pageId` in the body must match the page id in the path".to_owned(),
        )
        .into());
    }
    state.app.page(&viewer.0, parse_id(&id)?).await?;
    create(State(state), viewer, ApiJson(body)).await
}

/// Get a footer comment.
#[utoipa::path(get, path = "/wiki/api/v2/footer-comments/{id}", tag = "comments",
    params(("id" = String, Path)), responses((status = 200, body = CommentJson), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<CommentJson>, ApiError> {
    Ok(Json(
        state.app.comment(&viewer, comment_id(&id)?).await?.into(),
    ))
}

/// Edit a footer comment (its author only). `version.number` must be the
/// current version + 1, else 409.
#[utoipa::path(put, path = "/wiki/api/v2/footer-comments/{id}", tag = "comments",
    params(("id" = String, Path)), request_body = UpdateCommentJson,
    responses((status = 200, body = CommentJson), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateCommentJson>,
) -> Result<Json<CommentJson>, ApiError> {
    let comment = state
        .app
        .edit_comment(
            &viewer,
            comment_id(&id)?,
            body_input(body.body)?,
            body.version.number,
        )
        .await?;
    Ok(Json(comment.into()))
}

/// Delete a footer comment (`delete.own` for its author, else `comment.delete`).
#[utoipa::path(delete, path = "/wiki/api/v2/footer-comments/{id}", tag = "comments",
    params(("id" = String, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.delete_comment(&viewer, comment_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Direct replies to a footer comment.
#[utoipa::path(get, path = "/wiki/api/v2/footer-comments/{id}/children", tag = "comments",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<CommentJson>)), (status = 404)))]
pub async fn children(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<CommentJson>>, ApiError> {
    Ok(Json(results(
        state.app.comment_replies(&viewer, comment_id(&id)?).await?,
    )))
}
