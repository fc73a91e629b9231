//! Discovery feeds and people (Portico extensions; SPEC 4): recently
//! updated (`/api/portico/feeds/recent`), popular labels
//! (`/api/portico/feeds/labels`), a space's activity
//! (`/api/portico/spaces/{id}/activity`), the people directory
//! (`/api/portico/people`, members only) and profiles
//! (`/api/portico/people/{accountId}`). Everything listed is filtered by the
//! caller's access set in the query; a space or person the caller may not
//! see answers exactly like a missing one. No e-mail addresses.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use portico_app::{ActivityEntry, ActivityKind, FeedContent, FeedEntry, SpaceId, UserId};
use serde::Serialize;
use utoipa::ToSchema;

use super::extract::{Params, parse_id};
use super::pagination::{decode_cursor, limit, next_link};
use super::people::PersonJson;
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::ApiError;

/// The page or blog post an entry is about.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedContentJson {
    pub id: String,
    /// `page` or `blogpost`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub space_id: String,
    pub space_key: String,
    /// The web UI address (redirects to the current URL).
    pub webui: String,
}

impl From<FeedContent> for FeedContentJson {
    fn from(content: FeedContent) -> Self {
        FeedContentJson {
            webui: format!("/wiki/pages/{}", content.id),
            id: content.id.to_string(),
            kind: if content.blog { "blogpost" } else { "page" }.to_owned(),
            title: content.title,
            space_id: content.space_id.to_string(),
            space_key: content.space_key,
        }
    }
}

/// One save of a page or blog post.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FeedEntryJson {
    pub content: FeedContentJson,
    /// `created` or `updated`.
    pub change: String,
    pub version: i64,
    /// Who saved it; absent when the caller may not know them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonJson>,
    pub when: String,
    pub message: String,
}

fn when(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl From<FeedEntry> for FeedEntryJson {
    fn from(entry: FeedEntry) -> Self {
        FeedEntryJson {
            content: entry.content.into(),
            change: entry.kind.as_str().to_owned(),
            version: entry.version,
            by: entry.by.map(PersonJson::from),
            when: when(entry.at),
            message: entry.message,
        }
    }
}

/// A list with the cursor of the next slice.
#[derive(Serialize, ToSchema)]
pub struct FeedJson<T> {
    pub results: Vec<T>,
    #[serde(rename = "_links")]
    pub links: NextJson,
}

#[derive(Serialize, ToSchema)]
pub struct NextJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

fn feed<T: Serialize>(results: Vec<T>, next: Option<String>) -> Response {
    super::multi(results, next)
}

/// Saves of pages and blog posts the caller can view, newest first:
/// site-wide, in one space (`space`, an id) and/or by one person (`user`,
/// an account id). A space or person the caller may not see is 404, like a
/// missing one.
#[utoipa::path(get, path = "/api/portico/feeds/recent", tag = "portico-extensions",
    params(("space" = Option<String>, Query), ("user" = Option<String>, Query),
        ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = inline(FeedJson<FeedEntryJson>)), (status = 400), (status = 401), (status = 404)))]
pub async fn recent(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let before = decode_cursor(params.one("cursor")?)?;
    let space = params.one("space")?.map(parse_id::<SpaceId>).transpose()?;
    let user = params.one("user")?.map(parse_id::<UserId>).transpose()?;
    let slice = state
        .app
        .recently_updated(&viewer, space, user, before, limit)
        .await?;
    let next = slice
        .next
        .map(|cursor| next_link("/api/portico/feeds/recent", &params.pairs(), cursor));
    Ok(feed(
        slice.entries.into_iter().map(FeedEntryJson::from).collect(),
        next,
    ))
}

/// A label and how many pages the caller can view carry it.
#[derive(Serialize, ToSchema)]
pub struct PopularLabelJson {
    pub name: String,
    pub count: i64,
}

/// The labels most used on pages and blog posts the caller can view,
/// site-wide or in one space (`space`, an id).
#[utoipa::path(get, path = "/api/portico/feeds/labels", tag = "portico-extensions",
    params(("space" = Option<String>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = inline(FeedJson<PopularLabelJson>)), (status = 400), (status = 401), (status = 404)))]
pub async fn labels(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let space = params.one("space")?.map(parse_id::<SpaceId>).transpose()?;
    let labels = state.app.popular_labels(&viewer, space, limit).await?;
    Ok(feed(
        labels
            .into_iter()
            .map(|label| PopularLabelJson {
                name: label.name,
                count: label.count,
            })
            .collect(),
        None,
    ))
}

/// One event of a space's activity.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityJson {
    pub content: FeedContentJson,
    /// `created`, `updated`, `commented` or `attached`.
    pub action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// `footer` or `inline`, for comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<PersonJson>,
    pub when: String,
}

impl From<ActivityEntry> for ActivityJson {
    fn from(entry: ActivityEntry) -> Self {
        let (action, version, comment_type, file_name) = match entry.what {
            ActivityKind::Saved { kind, version } => (kind.as_str(), Some(version), None, None),
            ActivityKind::Commented { inline, .. } => (
                "commented",
                None,
                Some(if inline { "inline" } else { "footer" }.to_owned()),
                None,
            ),
            ActivityKind::Uploaded { file_name, version } => {
                ("attached", Some(version), None, Some(file_name))
            }
        };
        ActivityJson {
            content: entry.content.into(),
            action: action.to_owned(),
            version,
            comment_type,
            file_name,
            by: entry.by.map(PersonJson::from),
            when: when(entry.at),
        }
    }
}

/// What happened in a space: saves, comments and uploads on the pages and
/// blog posts the caller can view, newest first.
#[utoipa::path(get, path = "/api/portico/spaces/{id}/activity", tag = "portico-extensions",
    params(("id" = String, Path), ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = inline(FeedJson<ActivityJson>)), (status = 400), (status = 401), (status = 404)))]
pub async fn activity(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let space = parse_id::<SpaceId>(&id)?;
    let limit = limit(params.number("limit")?)?;
    let offset = decode_cursor(params.one("cursor")?)?.unwrap_or(0);
    let slice = state
        .app
        .space_activity(&viewer, space, offset as u64, limit)
        .await?;
    let path = format!("/api/portico/spaces/{space}/activity");
    let next = slice
        .has_more
        .then(|| next_link(&path, &params.pairs(), offset + limit as i64));
    Ok(feed(
        slice.items.into_iter().map(ActivityJson::from).collect(),
        next,
    ))
}

/// The people directory (members only; 404 to guests and anonymous
/// callers): active people whose name contains `q`, by name. No e-mails.
#[utoipa::path(get, path = "/api/portico/people", tag = "portico-extensions",
    params(("q" = Option<String>, Query), ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = inline(FeedJson<PersonJson>)), (status = 400), (status = 401), (status = 404)))]
pub async fn directory(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let offset = decode_cursor(params.one("cursor")?)?.unwrap_or(0);
    let query = params.one("q")?.unwrap_or("");
    let slice = state
        .app
        .people_directory(&viewer, query, offset as u64, limit)
        .await?;
    let next = slice.has_more.then(|| {
        next_link(
            "/api/portico/people",
            &params.pairs(),
            offset + limit as i64,
        )
    });
    Ok(feed(
        slice.items.into_iter().map(PersonJson::from).collect(),
        next,
    ))
}

/// A profile: the person and their recent saves in what the caller can view.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileJson {
    #[serde(flatten)]
    pub person: PersonJson,
    pub recent: Vec<FeedEntryJson>,
    #[serde(rename = "_links")]
    pub links: NextJson,
}

/// A person's profile, if the caller may know them (guests: people who
/// share a space with them); everyone else is 404, like a missing id.
#[utoipa::path(get, path = "/api/portico/people/{accountId}", tag = "portico-extensions",
    params(("accountId" = String, Path), ("limit" = Option<u64>, Query), ("cursor" = Option<String>, Query)),
    responses((status = 200, body = ProfileJson), (status = 400), (status = 401), (status = 404)))]
pub async fn profile(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    Path(account): Path<String>,
    params: Params,
) -> Result<Json<ProfileJson>, ApiError> {
    let person = parse_id::<UserId>(&account)?;
    let limit = limit(params.number("limit")?)?;
    let before = decode_cursor(params.one("cursor")?)?;
    let profile = state.app.profile(&viewer, person, before, limit).await?;
    let path = format!("/api/portico/people/{person}");
    Ok(Json(ProfileJson {
        person: PersonJson::from(profile.person),
        recent: profile
            .recent
            .entries
            .into_iter()
            .map(FeedEntryJson::from)
            .collect(),
        links: NextJson {
            next: profile
                .recent
                .next
                .map(|cursor| next_link(&path, &params.pairs(), cursor)),
        },
    }))
}

/// The name text of a Confluence user-search CQL query:
/// `user.fullname ~ "text"` (or `user ~ "text"`, `=` for `~`). Anything
/// else is not understood.
fn cql_user_text(cql: &str) -> Option<String> {
    let (field, value) = cql.split_once(['~', '='])?;
    if !matches!(field.trim(), "user.fullname" | "user") {
        return None;
    }
    let value = value.trim();
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
    Some(inner.replace("\\\"", "\""))
}

/// One hit of the v1 user search.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserHitJson {
    pub user: PersonJson,
    pub title: String,
    pub entity_type: String,
}

/// The v1 user search's answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserSearchJson {
    pub results: Vec<UserHitJson>,
    pub start: u64,
    pub limit: u64,
    pub size: usize,
}

/// Confluence v1 user search (`cql=user.fullname~"text"`): the people
/// directory's rules (members only; 404 to guests and anonymous callers),
/// paged by `start` and `limit`. No e-mails.
#[utoipa::path(get, path = "/wiki/rest/api/search/user", tag = "users",
    params(("cql" = String, Query), ("start" = Option<u64>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = UserSearchJson), (status = 400), (status = 401), (status = 404)))]
pub async fn search_user(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Json<UserSearchJson>, ApiError> {
    let limit = limit(params.number("limit")?)?;
    let start = params.number("start")?.unwrap_or(0);
    let cql = params.one("cql")?.unwrap_or("");
    let Some(text) = cql_user_text(cql) else {
        return Err(crate::error::WebError::BadRequest(
            "`cql` must be `user.fullname ~ \"text\"`".to_owned(),
        )
        .into());
    };
    let slice = state
        .app
        .people_directory(&viewer, &text, start, limit)
        .await?;
    let results: Vec<UserHitJson> = slice
        .items
        .into_iter()
        .map(|person| UserHitJson {
            title: person.display_name.clone(),
            user: PersonJson::from(person),
            entity_type: "user".to_owned(),
        })
        .collect();
    Ok(Json(UserSearchJson {
        size: results.len(),
        results,
        start,
        limit,
    }))
}

#[cfg(test)]
mod tests {
    use super::cql_user_text;

    #[test]
    fn reads_user_search_cql() {
        assert_eq!(
            cql_user_text(r#"user.fullname~"Ada""#).as_deref(),
            Some("Ada")
        );
        assert_eq!(cql_user_text(r#"user ~ 'mi a'"#).as_deref(), Some("mi a"));
        assert_eq!(
            cql_user_text(r#" user.fullname = "" "#).as_deref(),
            Some("")
        );
        assert!(cql_user_text("type=page").is_none());
        assert!(cql_user_text(r#"user.fullname~Ada"#).is_none());
        assert!(cql_user_text("").is_none());
    }
}
