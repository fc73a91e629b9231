//! `/wiki/api/v2/.../inline-comments`: inline comments in Confluence v2's
//! shape — threads anchored to a text selection (`inlineCommentProperties`
//! in, `properties` and `resolutionStatus` out), replies, resolving and
//! reopening through `PUT` with `resolved`. Footer comment ids are unknown
//! here and inline ones to the footer endpoints. A comment on a page the
//! caller can't view answers like a missing id.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use portico_app::{InlineComment, PageId, ResolutionStatus, Selection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::comments::{CommentVersionJson, body_input, comment_id};
use super::dto::{BodyJson, BodyValue, MultiEntityResult, UpdateVersionJson, timestamp};
use super::extract::{ApiJson, Params, parse_id};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InlineCommentJson {
    pub id: String,
    /// `current`, or `deleted` for a placeholder kept for its replies.
    pub status: String,
    pub page_id: String,
    pub parent_comment_id: Option<String>,
    pub author_id: Option<String>,
    pub created_at: String,
    pub version: CommentVersionJson,
    /// The thread's: `open`, `reopened`, `resolved`, or `dangling` (open,
    /// but its text is no longer in the page).
    pub resolution_status: String,
    pub resolution_last_modifier_id: Option<String>,
    pub resolution_last_modified_at: Option<String>,
    pub properties: InlinePropertiesJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<BodyJson>,
}

/// Where the thread is anchored (Confluence's `inlineMarkerRef` and
/// `inlineOriginalSelection`, plus where it is now). Empty for replies.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InlinePropertiesJson {
    /// The `id` of the thread's highlight in the rendered page.
    pub inline_marker_ref: Option<String>,
    /// The selected text.
    pub inline_original_selection: Option<String>,
    /// The page version the selection was made on.
    pub page_version: Option<i64>,
    /// Which occurrence of the selection it is in the current body, and of
    /// how many (`None` while dangling).
    pub text_selection_match_index: Option<usize>,
    pub text_selection_match_count: Option<usize>,
}

impl From<InlineComment> for InlineCommentJson {
    fn from(c: InlineComment) -> Self {
        let anchor = c.anchor.as_ref();
        let comment = c.comment;
        InlineCommentJson {
            id: comment.id.to_string(),
            status: if comment.deleted {
                "deleted"
            } else {
                "current"
            }
            .to_owned(),
            page_id: comment.page_id.0.to_string(),
            parent_comment_id: comment.parent_id.map(|id| id.to_string()),
            author_id: comment.author.map(|a| a.id.0.to_string()),
            created_at: timestamp(comment.created_at),
            version: CommentVersionJson {
                number: comment.version,
                created_at: timestamp(comment.updated_at),
            },
            resolution_status: c.status.as_str().to_owned(),
            resolution_last_modifier_id: c.resolution_by.map(|p| p.id.0.to_string()),
            resolution_last_modified_at: c.resolution_at.map(timestamp),
            properties: InlinePropertiesJson {
                inline_marker_ref: anchor
                    .map(|_| format!("{}{}", portico_format::MARK_ID_PREFIX, comment.id)),
                inline_original_selection: anchor.map(|a| a.anchor.selection.clone()),
                page_version: anchor.map(|a| a.page_version),
                text_selection_match_index: anchor.and_then(|a| a.current).map(|(i, _)| i),
                text_selection_match_count: anchor.and_then(|a| a.current).map(|(_, n)| n),
            },
            body: comment.body.map(|value| BodyJson {
                storage: BodyValue {
                    representation: "storage".to_owned(),
                    value,
                },
            }),
        }
    }
}

/// Confluence's `inlineCommentProperties`, plus `pageVersion` (a Portico
/// extension: the version the selection was made on; the current one if
/// absent).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InlineCommentPropertiesJson {
    pub text_selection: String,
    #[serde(default)]
    pub text_selection_match_count: Option<usize>,
    #[serde(default)]
    pub text_selection_match_index: usize,
    #[serde(default)]
    pub page_version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateInlineCommentJson {
    pub page_id: String,
    #[serde(default)]
    pub parent_comment_id: Option<String>,
    #[serde(default)]
    pub inline_comment_properties: Option<InlineCommentPropertiesJson>,
    pub body: BodyValue,
}

/// An edit (`body` with `version`), a resolution change (`resolved`), or
/// both.
#[derive(Deserialize, ToSchema)]
pub struct UpdateInlineCommentJson {
    #[serde(default)]
    pub body: Option<BodyValue>,
    #[serde(default)]
    pub version: Option<UpdateVersionJson>,
    #[serde(default)]
    pub resolved: Option<bool>,
}

fn results(comments: Vec<InlineComment>) -> MultiEntityResult<InlineCommentJson> {
    MultiEntityResult {
        results: comments.into_iter().map(InlineCommentJson::from).collect(),
        links: super::dto::Links {
            webui: None,
            next: None,
            base: None,
        },
    }
}

/// A page's inline comments in thread order; `resolution-status` (repeated
/// or comma-separated) keeps the threads in those states.
#[utoipa::path(get, path = "/wiki/api/v2/pages/{id}/inline-comments", tag = "inline-comments",
    params(("id" = String, Path),
        ("resolution-status" = Option<String>, Query, description = "`open`, `reopened`, `resolved`, `dangling`; repeated or comma-separated")),
    responses((status = 200, body = inline(MultiEntityResult<InlineCommentJson>)), (status = 400), (status = 404)))]
pub async fn for_page(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Json<MultiEntityResult<InlineCommentJson>>, ApiError> {
    let page = parse_id::<PageId>(&id)?;
    let statuses = params
        .list("resolution-status")
        .iter()
        .map(|raw| {
            ResolutionStatus::parse(raw).ok_or_else(|| {
                ApiError::from(WebError::BadRequest(format!(
                    "`resolution-status` must be `open`, `reopened`, `resolved` or `dangling`, not `{raw}`"
                )))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Json(results(
        state
            .app
            .page_inline_comments(&viewer, page, &statuses)
            .await?,
    )))
}

/// Start an inline thread on a text selection of the page
/// (`inlineCommentProperties`), or reply to one (`parentCommentId`).
#[utoipa::path(post, path = "/wiki/api/v2/inline-comments", tag = "inline-comments", request_body = CreateInlineCommentJson,
    responses((status = 200, body = InlineCommentJson), (status = 400), (status = 403), (status = 404),
        (status = 422, description = "The selection is not in the page version, or its occurrence is out of range")))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    ApiJson(body): ApiJson<CreateInlineCommentJson>,
) -> Result<Json<InlineCommentJson>, ApiError> {
    let page = parse_id::<PageId>(&body.page_id)?;
    let parent = body
        .parent_comment_id
        .as_deref()
        .map(comment_id)
        .transpose()?;
    let selection = body.inline_comment_properties.map(|p| Selection {
        text: p.text_selection,
        match_index: p.text_selection_match_index,
        match_count: p.text_selection_match_count,
        page_version: p.page_version,
    });
    let comment = state
        .app
        .add_inline_comment(&viewer, page, parent, selection, body_input(body.body)?)
        .await?;
    Ok(Json(comment.into()))
}

/// Get an inline comment.
#[utoipa::path(get, path = "/wiki/api/v2/inline-comments/{id}", tag = "inline-comments",
    params(("id" = String, Path)), responses((status = 200, body = InlineCommentJson), (status = 404)))]
pub async fn get_one(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<InlineCommentJson>, ApiError> {
    Ok(Json(
        state
            .app
            .inline_comment(&viewer, comment_id(&id)?)
            .await?
            .into(),
    ))
}

/// Edit an inline comment (its author only; `version.number` the current
/// + 1, else 409) and/or resolve (`resolved: true`) or reopen
/// (`resolved: false`) its thread (anyone who may comment on the page).
#[utoipa::path(put, path = "/wiki/api/v2/inline-comments/{id}", tag = "inline-comments",
    params(("id" = String, Path)), request_body = UpdateInlineCommentJson,
    responses((status = 200, body = InlineCommentJson), (status = 400), (status = 403), (status = 404), (status = 409)))]
pub async fn update(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateInlineCommentJson>,
) -> Result<Json<InlineCommentJson>, ApiError> {
    let id = comment_id(&id)?;
    let edit = match (body.body, body.version) {
        (Some(text), Some(version)) => Some((body_input(text)?, version.number)),
        (None, None) => None,
        _ => {
            return Err(WebError::BadRequest(
                "`body` and `version` go together: give both to edit".to_owned(),
            )
            .into());
        }
    };
    if edit.is_none() && body.resolved.is_none() {
        return Err(WebError::BadRequest(
            "give `body` with `version` to edit, or `resolved` to resolve or reopen".to_owned(),
        )
        .into());
    }
    let mut comment = None;
    if let Some((text, version)) = edit {
        comment = Some(
            state
                .app
                .edit_inline_comment(&viewer, id, text, version)
                .await?,
        );
    }
    if let Some(resolved) = body.resolved {
        comment = Some(
            state
                .app
                .resolve_inline_comment(&viewer, id, resolved)
                .await?,
        );
    }
    match comment {
        Some(comment) => Ok(Json(comment.into())),
        None => Err(WebError::BadRequest("nothing to change".to_owned()).into()),
    }
}

/// Delete an inline comment (`delete.own` for its author, else
/// `comment.delete`).
#[utoipa::path(delete, path = "/wiki/api/v2/inline-comments/{id}", tag = "inline-comments",
    params(("id" = String, Path)), responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .delete_inline_comment(&viewer, comment_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Direct replies to an inline comment.
#[utoipa::path(get, path = "/wiki/api/v2/inline-comments/{id}/children", tag = "inline-comments",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(MultiEntityResult<InlineCommentJson>)), (status = 404)))]
pub async fn children(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<MultiEntityResult<InlineCommentJson>>, ApiError> {
    Ok(Json(results(
        state
            .app
            .inline_comment_replies(&viewer, comment_id(&id)?)
            .await?,
    )))
}
