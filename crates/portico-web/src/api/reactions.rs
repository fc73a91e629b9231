//! Reactions and favourites (Portico extensions: Confluence's REST API has
//! neither): `GET /api/portico/{pages,comments}/{id}/reactions`,
//! `PUT`/`DELETE …/reactions/{emoji}`, `GET`/`PUT`/`DELETE
//! /api/portico/pages/{id}/favourite` and `GET /api/portico/favourites`.
//! Every endpoint needs a signed-in caller; what they can't take part in is
//! the plain 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{Emoji, PageId, ReactionCount, ReactionTarget};
use serde::Serialize;
use utoipa::ToSchema;

use super::dto::{MultiEntityResult, PageJson};
use super::extract::{Params, parse_id};
use super::pagination::{decode_cursor, limit};
use super::people::PersonJson;
use super::permissions_json::ResultsJson;
use crate::AppState;
use crate::auth::ApiSignedIn;
use crate::error::{ApiError, WebError};

/// One emoji's reactions.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReactionJson {
    /// `thumbsup`, `heart`, `tada`, `smile`, `eyes` or `thinking`.
    pub emoji: String,
    pub glyph: String,
    pub count: usize,
    /// You are among them.
    pub reacted: bool,
    /// Those of them you may know (a guest: people who share a space with
    /// them); the others count but are not named.
    pub people: Vec<PersonJson>,
}

impl From<ReactionCount> for ReactionJson {
    fn from(count: ReactionCount) -> Self {
        ReactionJson {
            emoji: count.emoji.name().to_owned(),
            glyph: count.emoji.glyph().to_owned(),
            count: count.count,
            reacted: count.mine,
            people: count.people.into_iter().map(PersonJson::from).collect(),
        }
    }
}

fn emoji(raw: &str) -> Result<Emoji, ApiError> {
    Emoji::parse(raw).map_err(|err| WebError::BadRequest(err.to_string()).into())
}

fn comment_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| WebError::BadRequest(format!("`{raw}` is not a comment id")).into())
}

/// Reactions on a page.
#[utoipa::path(get, path = "/api/portico/pages/{id}/reactions", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(ResultsJson<ReactionJson>)), (status = 401), (status = 404)))]
pub async fn page_reactions(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<ResultsJson<ReactionJson>>, ApiError> {
    let reactions = state.app.reactions(&viewer, parse_id(&id)?).await?;
    Ok(Json(ResultsJson {
        results: reactions.page.into_iter().map(ReactionJson::from).collect(),
    }))
}

/// Reactions on a comment.
#[utoipa::path(get, path = "/api/portico/comments/{id}/reactions", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, body = inline(ResultsJson<ReactionJson>)), (status = 401), (status = 404)))]
pub async fn comment_reactions(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<ResultsJson<ReactionJson>>, ApiError> {
    let id = comment_id(&id)?;
    let counts = state.app.comment_reactions(&viewer, id).await?;
    Ok(Json(ResultsJson {
        results: counts.into_iter().map(ReactionJson::from).collect(),
    }))
}

async fn set_reaction(
    state: &AppState,
    viewer: &portico_app::Viewer,
    target: ReactionTarget,
    raw_emoji: &str,
    on: bool,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_reaction(viewer, target, emoji(raw_emoji)?, on)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// React to a page (reacting twice is once).
#[utoipa::path(put, path = "/api/portico/pages/{id}/reactions/{emoji}", tag = "portico-extensions",
    params(("id" = String, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 400, description = "Not one of the emoji"), (status = 401), (status = 404)))]
pub async fn react_page(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, raw)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let target = ReactionTarget::Page(parse_id::<PageId>(&id)?);
    set_reaction(&state, &viewer, target, &raw, true).await
}

/// Take back a reaction to a page.
#[utoipa::path(delete, path = "/api/portico/pages/{id}/reactions/{emoji}", tag = "portico-extensions",
    params(("id" = String, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 404)))]
pub async fn unreact_page(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, raw)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let target = ReactionTarget::Page(parse_id::<PageId>(&id)?);
    set_reaction(&state, &viewer, target, &raw, false).await
}

/// React to a comment.
#[utoipa::path(put, path = "/api/portico/comments/{id}/reactions/{emoji}", tag = "portico-extensions",
    params(("id" = String, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 404)))]
pub async fn react_comment(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, raw)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let target = ReactionTarget::Comment(comment_id(&id)?);
    set_reaction(&state, &viewer, target, &raw, true).await
}

/// Take back a reaction to a comment.
#[utoipa::path(delete, path = "/api/portico/comments/{id}/reactions/{emoji}", tag = "portico-extensions",
    params(("id" = String, Path), ("emoji" = String, Path)),
    responses((status = 204), (status = 400), (status = 401), (status = 404)))]
pub async fn unreact_comment(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path((id, raw)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let target = ReactionTarget::Comment(comment_id(&id)?);
    set_reaction(&state, &viewer, target, &raw, false).await
}

#[derive(Serialize, ToSchema)]
pub struct FavouriteJson {
    pub favourite: bool,
}

/// Whether you starred a page.
#[utoipa::path(get, path = "/api/portico/pages/{id}/favourite", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 200, body = FavouriteJson), (status = 401), (status = 404)))]
pub async fn favourite(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<Json<FavouriteJson>, ApiError> {
    let favourite = state.app.is_favourite(&viewer, parse_id(&id)?).await?;
    Ok(Json(FavouriteJson { favourite }))
}

/// Star a page ("save for later").
#[utoipa::path(put, path = "/api/portico/pages/{id}/favourite", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404)))]
pub async fn add_favourite(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_favourite(&viewer, parse_id(&id)?, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unstar a page.
#[utoipa::path(delete, path = "/api/portico/pages/{id}/favourite", tag = "portico-extensions",
    params(("id" = String, Path)),
    responses((status = 204), (status = 401), (status = 404)))]
pub async fn remove_favourite(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state
        .app
        .set_favourite(&viewer, parse_id(&id)?, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Your starred pages that you can view now, most recently starred first.
#[utoipa::path(get, path = "/api/portico/favourites", tag = "portico-extensions",
    params(("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = inline(MultiEntityResult<PageJson>)), (status = 400), (status = 401)))]
pub async fn favourites(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let after = decode_cursor(params.one("cursor")?)?;
    let slice = state
        .app
        .favourites(&viewer, after.map(PageId), limit)
        .await?;
    Ok(super::page_slice(
        slice,
        "/api/portico/favourites",
        &params,
        false,
    ))
}
