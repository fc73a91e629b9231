//! Full-text search over HTTP (SPEC 4): Portico's own
//! `/api/portico/search` (plain parameters) and Confluence's v1
//! `/wiki/rest/api/search?cql=…`. Both are one app call; the hits, their
//! count and their order come from a query that holds the caller's access
//! set, so nothing hidden is found, counted or hinted at.

use axum::Json;
use axum::extract::State;
use portico_app::{
    SearchKind, SearchOrder, SearchRequest, SearchResult, SearchResults, Snippet, UserId,
};
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;

use super::extract::Params;
use super::pagination::{decode_cursor, limit, next_link};
use crate::AppState;
use crate::auth::ApiUser;
use crate::error::{ApiError, WebError};

/// The page or blog post a hit belongs to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HitPageJson {
    pub id: String,
    /// `page` or `blogpost`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub space_id: String,
    pub space_key: String,
    pub space_name: String,
    pub webui: String,
}

/// One hit.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchHitJson {
    /// `page`, `blogpost`, `comment` or `attachment`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// The title or file name (for a comment: its page's title).
    pub title: String,
    /// Byte ranges of `title` that matched.
    pub title_highlights: Vec<[usize; 2]>,
    pub excerpt: String,
    /// Byte ranges of `excerpt` that matched.
    pub excerpt_highlights: Vec<[usize; 2]>,
    pub page: HitPageJson,
    pub last_modified: String,
}

#[derive(Serialize, ToSchema)]
pub struct SearchLinksJson {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// A page of hits.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SearchJson {
    pub results: Vec<SearchHitJson>,
    /// Hits the caller may see, in all, counted up to 10,000 (as deep as
    /// results can be paged).
    pub total_size: usize,
    /// False when more than 10,000 match: `totalSize` is then a floor.
    pub total_size_exact: bool,
    pub start: usize,
    pub limit: usize,
    #[serde(rename = "_links")]
    pub links: SearchLinksJson,
}

/// Portico's search: `q` (words and "phrases"), repeatable `space` (keys),
/// `type` (page, blogpost, comment, attachment), `label`, `contributor`
/// (accountId), `modifiedFrom`/`modifiedTo` (yyyy-mm-dd), `sort`
/// (`relevance`, `-modified`, `modified`, `-created`, `created`), cursor
/// paging.
#[utoipa::path(get, path = "/api/portico/search", tag = "search",
    params(("q" = Option<String>, Query), ("space" = Option<Vec<String>>, Query),
        ("type" = Option<Vec<String>>, Query), ("label" = Option<Vec<String>>, Query),
        ("contributor" = Option<String>, Query), ("modifiedFrom" = Option<String>, Query),
        ("modifiedTo" = Option<String>, Query), ("sort" = Option<String>, Query),
        ("cursor" = Option<String>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = SearchJson), (status = 400), (status = 401), (status = 503)))]
pub async fn search(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Json<SearchJson>, ApiError> {
    let limit = usize_of(limit(params.number("limit")?)?);
    let start = decode_cursor(params.one("cursor")?)?.map_or(0, |n| usize_of(n.unsigned_abs()));
    let kinds = params
        .list("type")
        .iter()
        .map(|name| {
            SearchKind::parse(name).ok_or_else(|| {
                bad(format!(
                    "`type` must be page, blogpost, comment or attachment, not {name:?}"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let contributor = match params.one("contributor")? {
        Some(raw) => {
            Some(UserId(raw.parse::<i64>().map_err(|_| {
                bad("`contributor` must be an accountId".to_owned())
            })?))
        }
        None => None,
    };
    let order = match params.one("sort")?.unwrap_or("relevance") {
        "relevance" => SearchOrder::Relevance,
        "-modified" => SearchOrder::ModifiedDesc,
        "modified" => SearchOrder::ModifiedAsc,
        "-created" => SearchOrder::CreatedDesc,
        "created" => SearchOrder::CreatedAsc,
        other => {
            return Err(bad(format!(
                "`sort` must be relevance, -modified, modified, -created or created, not {other:?}"
            )));
        }
    };
    let request = SearchRequest {
        text: params.one("q")?.unwrap_or("").to_owned(),
        space_keys: params.list("space"),
        kinds,
        labels: params.list("label"),
        contributor,
        modified_from: day(params.one("modifiedFrom")?, "modifiedFrom")?,
        modified_until: day(params.one("modifiedTo")?, "modifiedTo")?,
        order,
        offset: start,
        limit,
    };
    let found = state.app.search(&viewer, request).await?;
    let next = more(&found).then(|| {
        next_link(
            "/api/portico/search",
            &params.pairs(),
            i64::try_from(start + limit).unwrap_or(i64::MAX),
        )
    });
    Ok(Json(SearchJson {
        total_size: found.total,
        total_size_exact: found.total_exact,
        start,
        limit,
        results: found.results.into_iter().map(hit_json).collect(),
        links: SearchLinksJson { next },
    }))
}

// ---- Confluence v1 ---------------------------------------------------------

#[derive(Serialize, ToSchema)]
pub struct V1SpaceJson {
    pub key: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct V1ContentLinksJson {
    pub webui: String,
}

#[derive(Serialize, ToSchema)]
pub struct V1ContentJson {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    pub title: String,
    pub space: V1SpaceJson,
    #[serde(rename = "_links")]
    pub links: V1ContentLinksJson,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1ContainerJson {
    pub title: String,
    pub display_url: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1HitJson {
    pub content: V1ContentJson,
    pub title: String,
    /// Matches are wrapped in `@@@hl@@@` … `@@@endhl@@@`, as Confluence does.
    pub excerpt: String,
    pub url: String,
    pub result_global_container: V1ContainerJson,
    pub entity_type: String,
    pub last_modified: String,
}

#[derive(Serialize, ToSchema)]
pub struct V1LinksJson {
    pub context: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct V1SearchJson {
    pub results: Vec<V1HitJson>,
    pub start: usize,
    pub limit: usize,
    pub size: usize,
    pub total_size: usize,
    pub cql_query: String,
    #[serde(rename = "_links")]
    pub links: V1LinksJson,
}

/// Confluence v1 search with CQL (`text ~`, `title ~`, `space`, `type`,
/// `label`, `creator`, `contributor`, `lastmodified`, `created`, `id`,
/// `ancestor`; `AND`, `NOT`, `IN`; `ORDER BY lastmodified|created`), paged by
/// `start` and `limit`. Unsupported CQL is a 400 naming what.
#[utoipa::path(get, path = "/wiki/rest/api/search", tag = "search",
    params(("cql" = String, Query), ("start" = Option<u64>, Query), ("limit" = Option<u64>, Query)),
    responses((status = 200, body = V1SearchJson), (status = 400), (status = 401), (status = 503)))]
pub async fn search_cql(
    State(state): State<AppState>,
    ApiUser(viewer): ApiUser,
    params: Params,
) -> Result<Json<V1SearchJson>, ApiError> {
    let limit = usize_of(limit(params.number("limit")?)?);
    let start = usize_of(params.number("start")?.unwrap_or(0));
    let Some(cql) = params.one("cql")?.filter(|c| !c.trim().is_empty()) else {
        return Err(bad("`cql` is required".to_owned()));
    };
    let found = state.app.search_cql(&viewer, cql, start, limit).await?;
    let next = more(&found).then(|| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("cql", cql);
        query.append_pair("start", &(start + limit).to_string());
        query.append_pair("limit", &limit.to_string());
        format!("/wiki/rest/api/search?{}", query.finish())
    });
    let results: Vec<V1HitJson> = found.results.into_iter().map(v1_hit_json).collect();
    Ok(Json(V1SearchJson {
        size: results.len(),
        results,
        start,
        limit,
        total_size: found.total,
        cql_query: cql.to_owned(),
        links: V1LinksJson {
            context: "/wiki".to_owned(),
            next,
        },
    }))
}

fn v1_hit_json(result: SearchResult) -> V1HitJson {
    let page_url = format!("/wiki/pages/{}", result.page.id);
    let title = shown_title(&result);
    let (kind, id, url) = match result.kind {
        SearchKind::Comment => (
            "comment",
            result.id,
            format!(
                "{page_url}?focusedCommentId={}#comment-{}",
                result.id, result.id
            ),
        ),
        SearchKind::Attachment => ("attachment", result.id, format!("{page_url}#attachments")),
        kind => (kind.as_str(), result.page.id, page_url),
    };
    V1HitJson {
        content: V1ContentJson {
            id: id.to_string(),
            kind: kind.to_owned(),
            status: "current".to_owned(),
            title: title.clone(),
            space: V1SpaceJson {
                key: result.page.space.key.clone(),
                name: result.page.space.name.clone(),
            },
            links: V1ContentLinksJson { webui: url.clone() },
        },
        title,
        excerpt: marked(&result.excerpt, "@@@hl@@@", "@@@endhl@@@"),
        url,
        result_global_container: V1ContainerJson {
            title: result.page.space.name.clone(),
            display_url: format!("/wiki/spaces/{}", result.page.space.key),
        },
        entity_type: "content".to_owned(),
        last_modified: stamp(result.modified),
    }
}

fn hit_json(result: SearchResult) -> SearchHitJson {
    let (title, title_highlights) = match result.kind {
        SearchKind::Comment => (shown_title(&result), Vec::new()),
        _ => (result.title.text.clone(), ranges(&result.title)),
    };
    SearchHitJson {
        kind: result.kind.as_str().to_owned(),
        id: result.id.to_string(),
        title,
        title_highlights,
        excerpt_highlights: ranges(&result.excerpt),
        excerpt: result.excerpt.text.clone(),
        last_modified: stamp(result.modified),
        page: HitPageJson {
            id: result.page.id.to_string(),
            kind: if result.page.blog { "blogpost" } else { "page" }.to_owned(),
            webui: format!("/wiki/pages/{}", result.page.id),
            title: result.page.title,
            space_id: result.page.space.id.to_string(),
            space_key: result.page.space.key,
            space_name: result.page.space.name,
        },
    }
}

/// What a hit is called: a comment by its page ("Re: …").
fn shown_title(result: &SearchResult) -> String {
    match result.kind {
        SearchKind::Comment => format!("Re: {}", result.page.title),
        _ => result.title.text.clone(),
    }
}

/// `snippet`'s text with each match wrapped in `open` … `close`.
fn marked(snippet: &Snippet, open: &str, close: &str) -> String {
    let mut out = String::with_capacity(snippet.text.len());
    let mut at = 0;
    for range in &snippet.highlights {
        let (Some(before), Some(hit)) = (
            snippet.text.get(at..range.start),
            snippet.text.get(range.clone()),
        ) else {
            continue;
        };
        out.push_str(before);
        out.push_str(open);
        out.push_str(hit);
        out.push_str(close);
        at = range.end;
    }
    out.push_str(snippet.text.get(at..).unwrap_or(""));
    out
}

fn ranges(snippet: &Snippet) -> Vec<[usize; 2]> {
    snippet
        .highlights
        .iter()
        .map(|r| [r.start, r.end])
        .collect()
}

fn more(found: &SearchResults) -> bool {
    found.offset + found.limit < found.total.min(portico_app::MAX_WINDOW)
}

fn stamp(at: time::OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

fn day(raw: Option<&str>, name: &str) -> Result<Option<time::Date>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    portico_app::parse_search_day(raw)
        .map(Some)
        .ok_or_else(|| bad(format!("`{name}` must be a date (yyyy-mm-dd)")))
}

fn usize_of(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

#[cfg(test)]
mod tests {
    use super::marked;
    use portico_app::Snippet;

    #[test]
    fn marks_each_match() {
        let snippet = Snippet {
            text: "the launch plan".to_owned(),
            highlights: vec![4..10, 11..15],
        };
        assert_eq!(marked(&snippet, "[", "]"), "the [launch] [plan]");
        let nothing = Snippet {
            text: "x".to_owned(),
            highlights: vec![],
        };
        assert_eq!(marked(&nothing, "[", "]"), "x");
    }
}
