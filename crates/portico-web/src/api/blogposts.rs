//! `/wiki/api/v2/blogposts` and `/wiki/api/v2/spaces/{id}/blogposts`, in
//! Confluence v2's shape. A blog post's footer comments, labels,
//! attachments and versions are the pages' own endpoints behind a check
//! that the id is a blog post the caller can view (a page's id is 404 here,
//! as a blog post's is at `/pages`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    BlogFilter, BodyFormat, BodyInput, NewBlogPost, Page, PageId, PageUpdate, SpaceId, Viewer,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::attachments::AttachmentJson;
use super::comments::{CommentJson, CreateCommentJson};
use super::dto::{
    BodyJson, BodyValue, Links, MultiEntityResult, PageVersionJson, UpdateVersionJson, VersionJson,
    timestamp,
};
use super::extract::{ApiJson, Params, parse_id};
use super::labels::LabelJson;
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

/// A blog post as Confluence v2 spells it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlogPostJson {
    pub id: String,
    pub status: String,
    pub title: String,
    pub space_id: String,
    pub author_id: Option<String>,
    /// The publication date (for a draft: when it was started).
    pub created_at: String,
    pub version: PageVersionJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyJson>,
    #[serde(rename = "_links")]
    pub links: Links,
}

impl BlogPostJson {
    pub fn new(post: Page, with_body: bool) -> Self {
        BlogPostJson {
            id: post.id.to_string(),
            links: Links {
                webui: Some(format!("/blogposts/{}", post.id)),
                next: None,
                base: None,
            },
            status: post.status,
            title: post.title,
            space_id: post.space_id.to_string(),
            author_id: post.author_id.map(|id| id.to_string()),
            created_at: timestamp(post.created_at),
            version: PageVersionJson {
                number: post.version,
                author_id: post.updated_by.map(|id| id.to_string()),
                created_at: timestamp(post.updated_at),
                message: String::new(),
                minor_edit: false,
            },
            body: with_body.then(|| BodyJson {
                storage: BodyValue {
                    representation: "storage".to_owned(),
                    value: post.body,
                },
            }),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateBlogPostJson {
    pub space_id: String,
    /// `current` (the default) or `draft`.
    #[serde(default)]
    pub status: Option<String>,
    pub title: String,
    #[serde(default)]
    pub body: Option<BodyValue>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateBlogPostJson {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    pub title: String,
    pub body: BodyValue,
    pub version: UpdateVersionJson,
}

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

fn body_input(body: Option<BodyValue>) -> Result<BodyInput, ApiError> {
    let Some(body) = body else {
        return Ok(BodyInput {
            value: String::new(),
            format: BodyFormat::Storage,
        });
    };
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
fn wants_draft(status: Option<&str>) -> Result<bool, ApiError> {
    match status {
        None | Some("current") => Ok(false),
        Some("draft") => Ok(true),
        Some(other) => Err(WebError::BadRequest(format!(
            "`status` must be `current` or `draft`, not `{other}`"
        ))
        .into()),
    }
}

/// One listing for both routes: `space_ids` from the path or the query.
async fn list_posts(
    state: &AppState,
    viewer: &Viewer,
    params: &Params,
    path: &str,
    space_ids: Vec<SpaceId>,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let offset = decode_cursor(params.one("cursor")?)?.unwrap_or(0);
    let with_body = wants_body(params)?;
    let drafts = match params.list("status").as_slice() {
        [] => false,
        [one] if one == "current" => false,
        [one] if one == "draft" => true,
        _ => {
            return Err(
                WebError::BadRequest("`status` must be `current` or `draft`".to_owned()).into(),
            );
        }
    };
    match params.one("sort")? {
        // Newest first is the only order a blog has.
        None | Some("-created-date") => {}
        Some(other) => {
            return Err(WebError::BadRequest(format!(
                "`sort` must be `-created-date`, not `{other}`"
            ))
            .into());
        }
    }
    let filter = BlogFilter {
        space_ids: (!space_ids.is_empty()).then_some(space_ids),
        title: params.one("title")?.map(str::to_owned),
        drafts,
        month: None,
        offset: offset as u64,
        limit,
    };
    let slice = state.app.list_blog_posts(viewer, filter).await?;
    let next = slice
        .has_more
        .then(|| next_link(path, &params.pairs(), offset + limit as i64));
    Ok(super::multi(
        slice
            .items
            .into_iter()
            .map(|post| BlogPostJson::new(post, with_body))
            .collect(),
        next,
    ))
}

/// List blog posts the caller can view, newest first.
#[utoipa::path(get, path = "/wiki/api/v2/blogposts", tag = "blogposts",
    params(
        ("space-id" = Option<String>, Query, description = "Space ids, repeated or comma-separated"),
        ("title" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "`current` (default) or `draft` (the caller's own)"),
        ("sort" = Option<String>, Query, description = "`-created-date` (the default and only order)"),
        ("body-format" = Option<String>, Query, description = "`storage` to include bodies"),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query),
    ),
    responses((status = 200, body = inline(MultiEntityResult<BlogPostJson>)), (status = 400), (status = 401)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let space_ids = params
        .list("space-id")
        .iter()
        .map(|raw| parse_id::<SpaceId>(raw))
        .collect::<Result<Vec<_>, _>>()?;
    list_posts(
        &state,
        &viewer,
        &params,
        "/wiki/api/v2/blogposts",
        space_ids,
    )
    .await
}

/// A space's blog posts, newest first. A space the caller can't view is 404.
#[utoipa::path(get, path = "/wiki/api/v2/spaces/{id}/blogposts", tag = "blogposts",
    params(
        ("id" = String, Path),
        ("status" = Option<String>, Query), ("title" = Option<String>, Query),
        ("sort" = Option<String>, Query), ("body-format" = Option<String>, Query),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query),
    ),
    responses((status = 200, body = inline(MultiEntityResult<BlogPostJson>)), (status = 400), (status = 404)))]
pub async fn for_space(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let space_id = parse_id::<SpaceId>(&id)?;
    // The space itself must be visible: a hidden one is 404, not an empty list.
    state.app.space(&viewer, space_id).await?;
    let path = format!("/wiki/api/v2/spaces/{space_id}/blogposts");
    list_posts(&state, &viewer, &params, &path, vec![space_id]).await
}

/// Write a blog post (`blog.create` in the space).
#[utoipa::path(post, path = "/wiki/api/v2/blogposts", tag = "blogposts", request_body = CreateBlogPostJson,
    responses((status = 200, body = BlogPostJson), (status = 400), (status = 403), (status = 404), (status = 413), (status = 415)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    ApiJson(body): ApiJson<CreateBlogPostJson>,
) -> Result<Json<BlogPostJson>, ApiError> {
    let draft = wants_draft(body.status.as_deref())?;
    let space_id = parse_id::<SpaceId>(&body.space_id)?;
    let post = state
        .app
        .create_blog_post(
            &viewer,
            NewBlogPost {
                space_id,
                title: body.title,
                body: body_input(body.body)?,
                draft,
            },
        )
        .await?;
    Ok(Json(BlogPostJson::new(post, true)))
}

/// Get a blog post.
#[utoipa::path(get, path = "/wiki/api/v2/blogposts/{id}", tag = "blogposts",
    params(("id" = String, Path), ("body-format" = Option<String>, Query)),
    responses((status = 200, body = BlogPostJson), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<BlogPostJson>, ApiError> {
    let with_body = wants_body(&params)?;
    let post = state.app.blog_post(&viewer, parse_id(&id)?).await?;
    Ok(Json(BlogPostJson::new(post, with_body)))
}

/// Update a blog post (`blog.create`). `version.number` must be the current
/// version + 1, else 409.
#[utoipa::path(put, path = "/wiki/api/v2/blogposts/{id}", tag = "blogposts", params(("id" = String, Path)), request_body = UpdateBlogPostJson,
    responses((status = 200, body = BlogPostJson), (status = 400), (status = 403), (status = 404), (status = 409, description = "Stale version")))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateBlogPostJson>,
) -> Result<Json<BlogPostJson>, ApiError> {
    let post_id = parse_id::<PageId>(&id)?;
    if body.id.as_deref().is_some_and(|body_id| body_id != id) {
        return Err(WebError::BadRequest(
            "`id` in the body must match the blog post id in the path".to_owned(),
        )
        .into());
    }
    let update = PageUpdate {
        title: body.title,
        body: body_input(Some(body.body))?,
        version: body.version.number,
        message: body.version.message.unwrap_or_default(),
        publish: !wants_draft(body.status.as_deref())?,
    };
    let post = state.app.update_blog_post(&viewer, post_id, update).await?;
    Ok(Json(BlogPostJson::new(post, true)))
}

/// Delete a blog post (`blog.delete`, or `delete.own` for its author).
#[utoipa::path(delete, path = "/wiki/api/v2/blogposts/{id}", tag = "blogposts", params(("id" = String, Path)),
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.delete_blog_post(&viewer, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 404 unless `id` is a blog post the caller can view.
async fn ensure_blog_post(state: &AppState, viewer: &Viewer, id: &str) -> Result<(), ApiError> {
    state.app.blog_post(viewer, parse_id(id)?).await?;
    Ok(())
}

/// A blog post's footer comments, in thread order.
#[utoipa::path(get, path = "/wiki/api/v2/blogposts/{id}/footer-comments", tag = "blogposts",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<CommentJson>)), (status = 404)))]
pub async fn footer_comments(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<CommentJson>>, ApiError> {
    let post = parse_id::<PageId>(&id)?;
    ensure_blog_post(&state, &viewer, &id).await?;
    let comments = state.app.page_comments(&viewer, post).await?;
    Ok(Json(super::comments::results(comments)))
}

/// Add a footer comment (or a reply) to a blog post; the body's
/// `blogPostId` (or `pageId`) must be the post in the path.
#[utoipa::path(post, path = "/wiki/api/v2/blogposts/{id}/footer-comments", tag = "blogposts",
    params(("id" = String, Path)), request_body = CreateCommentJson,
    responses((status = 200, body = CommentJson), (status = 400), (status = 403), (status = 404)))]
pub async fn comment(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CreateCommentJson>,
) -> Result<Json<CommentJson>, ApiError> {
    if body.page_id != id {
        return Err(WebError::BadRequest(
            "`blogPostId` in the body must match the blog post id in the path".to_owned(),
        )
        .into());
    }
    ensure_blog_post(&state, &viewer, &id).await?;
    super::comments::create(State(state), ApiUser(viewer), ApiJson(body)).await
}

/// A blog post's labels.
#[utoipa::path(get, path = "/wiki/api/v2/blogposts/{id}/labels", tag = "blogposts",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<LabelJson>)), (status = 404)))]
pub async fn labels(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<LabelJson>>, ApiError> {
    let post = parse_id::<PageId>(&id)?;
    ensure_blog_post(&state, &viewer, &id).await?;
    let labels = state.app.page_labels(&viewer, post).await?;
    Ok(Json(super::labels::results(labels)))
}

/// A blog post's attachments.
#[utoipa::path(get, path = "/wiki/api/v2/blogposts/{id}/attachments", tag = "blogposts",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<AttachmentJson>)), (status = 404)))]
pub async fn attachments(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<AttachmentJson>>, ApiError> {
    let post = parse_id::<PageId>(&id)?;
    ensure_blog_post(&state, &viewer, &id).await?;
    let attachments = state.app.page_attachments(&viewer, post).await?;
    Ok(Json(MultiEntityResult {
        results: attachments.into_iter().map(AttachmentJson::from).collect(),
        links: super::attachments::no_links(),
    }))
}

/// A blog post's versions, newest first.
#[utoipa::path(get, path = "/wiki/api/v2/blogposts/{id}/versions", tag = "blogposts",
    params(("id" = String, Path), ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = inline(MultiEntityResult<VersionJson>)), (status = 404)))]
pub async fn versions(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let post_id = parse_id::<PageId>(&id)?;
    ensure_blog_post(&state, &viewer, &id).await?;
    let limit = limit(params.number("limit")?)?;
    let before = decode_cursor(params.one("cursor")?)?;
    let slice = state.app.versions(&viewer, post_id, before, limit).await?;
    let next = match (slice.has_more, slice.items.last()) {
        (true, Some(last)) => Some(next_link(
            &format!("/wiki/api/v2/blogposts/{post_id}/versions"),
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
