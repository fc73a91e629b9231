//! Mention autocomplete (Portico extension): `GET /api/mentions?pageId=ID&q=TEXT`
//! (or `spaceId=ID` for a page not created yet) offers up to 10 people who
//! can view that content, never an e-mail address. Guests get 404 unless the
//! site lets them mention people of their own spaces (SPEC.md 3.3).

use axum::Json;
use axum::extract::State;
use portico_app::{MAX_QUERY_CHARS, MentionTarget};

use super::extract::{Params, parse_id};
use super::people::PersonJson;
use super::permissions_json::ResultsJson;
use crate::AppState;
use crate::auth::ApiSignedIn;
use crate::error::{ApiError, WebError};

/// People to offer when the caller types `@q` in a page (`pageId`) or in a
/// page not created yet (`spaceId`; it will go under the space's home
/// page): up to 10 whose name contains `q` (for internal callers also whose
/// e-mail starts with it) and who can view that content, by name. Guests
/// get 404 unless `guests.mention_own_space` is on (then only people who
/// share a space with them); so does a page or space the caller can't view.
#[utoipa::path(get, path = "/api/mentions", tag = "portico-extensions",
    params(("pageId" = Option<String>, Query, description = "The page being written, or the page a comment is on"),
        ("spaceId" = Option<String>, Query, description = "For a page not created yet: its space"),
        ("q" = Option<String>, Query, description = "What the caller typed after `@` (at most 100 characters)")),
    responses((status = 200, body = inline(ResultsJson<PersonJson>)),
        (status = 400, description = "Not exactly one of `pageId` and `spaceId`, a malformed id, or `q` too long"),
        (status = 401), (status = 404, description = "No such page or space, or not visible; or a guest without the site's mention switch")))]
pub async fn suggest(
    State(state): State<AppState>,
    ApiSignedIn(viewer): ApiSignedIn,
    params: Params,
) -> Result<Json<ResultsJson<PersonJson>>, ApiError> {
    let target = match (params.one("pageId")?, params.one("spaceId")?) {
        (Some(page), None) => MentionTarget::Page(parse_id(page)?),
        (None, Some(space)) => MentionTarget::Space(parse_id(space)?),
        _ => {
            return Err(WebError::BadRequest(
                "give exactly one of `pageId` and `spaceId`".to_owned(),
            )
            .into());
        }
    };
    let query = params.one("q")?.unwrap_or("");
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(WebError::BadRequest(format!(
            "`q` must be at most {MAX_QUERY_CHARS} characters"
        ))
        .into());
    }
    let people = state
        .app
        .mention_suggestions(&viewer, target, query)
        .await?;
    Ok(Json(ResultsJson {
        results: people.into_iter().map(PersonJson::from).collect(),
    }))
}
