//! The search screen (`/wiki/search?text=…`, Confluence's address): words
//! and "phrases", filters by space, type, label and date, sorting, paging,
//! and excerpts with the matched words marked. One app call; what is found
//! and counted is the viewer's to see.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{SearchKind, SearchOrder, SearchRequest, SearchResult, Snippet};
use serde::Deserialize;

use super::links;
use super::render::{Me, Reader, UiError, UiQuery, html};
use super::view::Stamp;
use crate::AppState;
use crate::error::WebError;

/// Hits per page.
const PAGE_SIZE: usize = 20;

#[derive(Deserialize, Default)]
pub(crate) struct SearchForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    space: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    start: String,
}

/// A run of text, matched or not (escaped by the template).
pub(crate) struct Piece {
    pub text: String,
    pub hit: bool,
}

pub(crate) struct HitView {
    pub kind: &'static str,
    pub title: Vec<Piece>,
    pub href: String,
    pub excerpt: Vec<Piece>,
    pub space_name: String,
    pub space_href: String,
    pub on_page: Option<String>,
    pub at: Stamp,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    me: Option<Me>,
    text: String,
    space: String,
    kind: String,
    label: String,
    from: String,
    to: String,
    sort: String,
    searched: bool,
    total: usize,
    /// False: more than `total` match.
    total_exact: bool,
    first: usize,
    hits: Vec<HitView>,
    previous: Option<String>,
    next: Option<String>,
}

/// `/wiki/search`.
pub(crate) async fn search(
    State(state): State<AppState>,
    Reader(caller): Reader,
    UiQuery(form): UiQuery<SearchForm>,
) -> Result<Response, UiError> {
    let start: usize = if form.start.is_empty() {
        0
    } else {
        form.start
            .parse()
            .map_err(|_| bad("`start` must be a number"))?
    };
    let kinds = match form.kind.as_str() {
        "" => Vec::new(),
        name => vec![SearchKind::parse(name).ok_or_else(|| bad("unknown type"))?],
    };
    let order = match form.sort.as_str() {
        "" | "relevance" => SearchOrder::Relevance,
        "-modified" => SearchOrder::ModifiedDesc,
        "modified" => SearchOrder::ModifiedAsc,
        _ => return Err(bad("unknown sort order")),
    };
    let searched = !form.text.trim().is_empty()
        || !form.space.is_empty()
        || !form.label.is_empty()
        || !kinds.is_empty();
    let mut page = SearchPage {
        me: caller.me(),
        searched,
        total: 0,
        total_exact: true,
        first: start + 1,
        hits: Vec::new(),
        previous: None,
        next: None,
        text: form.text.clone(),
        space: form.space.clone(),
        kind: form.kind.clone(),
        label: form.label.clone(),
        from: form.from.clone(),
        to: form.to.clone(),
        sort: form.sort.clone(),
    };
    if searched {
        let request = SearchRequest {
            text: form.text.clone(),
            space_keys: words(&form.space),
            kinds,
            labels: words(&form.label),
            contributor: None,
            modified_from: day(&form.from)?,
            modified_until: day(&form.to)?,
            order,
            offset: start,
            limit: PAGE_SIZE,
        };
        let found = state.app.search(caller.viewer(), request).await?;
        page.total = found.total;
        page.total_exact = found.total_exact;
        page.hits = found.results.into_iter().map(hit_view).collect();
        if start > 0 {
            page.previous = Some(page_href(&form, start.saturating_sub(PAGE_SIZE)));
        }
        if start + PAGE_SIZE < found.total.min(portico_app::MAX_WINDOW) {
            page.next = Some(page_href(&form, start + PAGE_SIZE));
        }
    }
    Ok(html(StatusCode::OK, &page))
}

fn hit_view(result: SearchResult) -> HitView {
    let page_href = links::page(
        &result.page.space.key,
        portico_app::PageId(result.page.id),
        &result.page.title,
    );
    let (kind, href, title, on_page) = match result.kind {
        SearchKind::Comment => (
            "Comment",
            format!("{page_href}#comment-{}", result.id),
            plain(format!("Re: {}", result.page.title)),
            Some(result.page.title.clone()),
        ),
        SearchKind::Attachment => (
            "Attachment",
            format!("{page_href}#attachments"),
            pieces(&result.title),
            Some(result.page.title.clone()),
        ),
        SearchKind::BlogPost => ("Blog post", page_href, pieces(&result.title), None),
        SearchKind::Page => ("Page", page_href, pieces(&result.title), None),
    };
    HitView {
        kind,
        href,
        title,
        on_page,
        excerpt: pieces(&result.excerpt),
        space_href: links::space(&result.page.space.key),
        space_name: result.page.space.name,
        at: Stamp::new(result.modified),
    }
}

/// A snippet cut into matched and unmatched runs.
fn pieces(snippet: &Snippet) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut at = 0;
    for range in &snippet.highlights {
        if let (Some(before), Some(hit)) = (
            snippet.text.get(at..range.start),
            snippet.text.get(range.clone()),
        ) {
            if !before.is_empty() {
                out.push(Piece {
                    text: before.to_owned(),
                    hit: false,
                });
            }
            out.push(Piece {
                text: hit.to_owned(),
                hit: true,
            });
            at = range.end;
        }
    }
    if let Some(rest) = snippet.text.get(at..).filter(|r| !r.is_empty()) {
        out.push(Piece {
            text: rest.to_owned(),
            hit: false,
        });
    }
    out
}

fn plain(text: String) -> Vec<Piece> {
    vec![Piece { text, hit: false }]
}

fn words(raw: &str) -> Vec<String> {
    raw.split([',', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn day(raw: &str) -> Result<Option<time::Date>, UiError> {
    if raw.is_empty() {
        return Ok(None);
    }
    portico_app::parse_search_day(raw)
        .map(Some)
        .ok_or_else(|| bad("dates are yyyy-mm-dd"))
}

fn page_href(form: &SearchForm, start: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("text", &form.text),
        ("space", &form.space),
        ("type", &form.kind),
        ("label", &form.label),
        ("from", &form.from),
        ("to", &form.to),
        ("sort", &form.sort),
    ] {
        if !value.is_empty() {
            query.append_pair(name, value);
        }
    }
    query.append_pair("start", &start.to_string());
    format!("/wiki/search?{}", query.finish())
}

fn bad(message: &str) -> UiError {
    UiError(WebError::BadRequest(message.to_owned()))
}
