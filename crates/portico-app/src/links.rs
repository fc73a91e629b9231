//! Links between pages (SPEC 4, "link previews"): **which link targets a
//! viewer sees** is decided here, with their access set, and nowhere else.
//!
//! - Rendering: a target the viewer can view shows its current title and
//!   `/wiki/pages/ID`; any other (hidden or missing: the same) is the unnamed
//!   placeholder (`portico_format::render_html_for`).
//! - Saving: links are resolved under the *author's* access and get the
//!   target's `ri:content-id` next to the title, so a later rename or an
//!   editor who can't see the target keeps the link. A link with only an id
//!   is kept as it is.
//! - Serving storage to a reader: a visible target gets its current title
//!   and space key (with its id); for any other the title and space key are
//!   dropped and only the opaque id (if any) stays, so an editor's round trip
//!   keeps the link without learning its name.

use std::collections::{BTreeMap, HashMap};

use portico_format::{LinkedPage, PageLink};
use portico_store::{Conn, PageRow, pages, spaces};

use crate::access::Access;
use crate::error::AppResult;

/// The most distinct link targets one body has resolved; further links
/// render as the placeholder.
const MAX_TARGETS: usize = 200;

/// A visible link target: the page and its space's key.
pub(crate) struct Target {
    pub page: PageRow,
    pub space_key: String,
}

/// The targets among `links` that `access` may view, by link. A link by
/// title without a space key means the space `home_space` (the linking
/// page's), or — without one — the first such page in any visible space.
pub(crate) async fn visible_targets(
    conn: &impl Conn,
    access: &Access,
    links: &[PageLink],
    home_space: Option<i64>,
) -> AppResult<HashMap<PageLink, Target>> {
    let filter = access.page_filter();
    let mut found: HashMap<PageLink, PageRow> = HashMap::new();
    let mut space_ids: BTreeMap<String, Option<i64>> = BTreeMap::new();
    for link in links.iter().take(MAX_TARGETS) {
        let page = if !link.content_id.is_empty() {
            match link.content_id.parse::<i64>() {
                Ok(id) => pages::find(conn, id).await?,
                Err(_) => None,
            }
        } else if !link.title.is_empty() {
            let space = if link.space_key.is_empty() {
                home_space
            } else {
                let key = link.space_key.to_ascii_uppercase();
                match space_ids.get(&key) {
                    Some(id) => *id,
                    None => {
                        let id = spaces::find_by_key(conn, &key).await?.map(|s| s.id);
                        space_ids.insert(key, id);
                        id
                    }
                }
                .or(Some(0))
            };
            let in_space = space.map(|id| vec![id]);
            pages::list(
                conn,
                pages::PageQuery {
                    visible: filter.visibility(),
                    space_ids: in_space.as_deref(),
                    title: Some(&link.title),
                    label_id: None,
                    kind: Some(pages::PAGE),
                    status: "current",
                    after_id: None,
                    limit: 1,
                },
            )
            .await?
            .into_iter()
            .next()
        } else {
            None
        };
        // Published and viewable only: a draft is nobody's link target.
        if let Some(page) = page.filter(|p| p.status == "current" && access.can_view_page(p)) {
            found.insert(link.clone(), page);
        }
    }
    let ids: Vec<i64> = found.values().map(|p| p.space_id).collect();
    let keys: HashMap<i64, String> = spaces::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.space_key))
        .collect();
    Ok(found
        .into_iter()
        .filter_map(|(link, page)| {
            let space_key = keys.get(&page.space_id)?.clone();
            Some((link, Target { page, space_key }))
        })
        .collect())
}

/// What the renderer shows for each visible target.
pub(crate) fn rendered(targets: &HashMap<PageLink, Target>) -> HashMap<PageLink, LinkedPage> {
    targets
        .iter()
        .map(|(link, target)| {
            (
                link.clone(),
                LinkedPage {
                    href: format!("/wiki/pages/{}", target.page.id),
                    title: target.page.title.clone(),
                },
            )
        })
        .collect()
}

fn full_link(target: &Target) -> PageLink {
    PageLink {
        space_key: target.space_key.clone(),
        title: target.page.title.clone(),
        content_id: target.page.id.to_string(),
    }
}

/// `storage` as saved by the holder of `access` in space `space`: links to
/// pages the author can view get the target's id (and current title and
/// key); the others stay as written.
pub(crate) async fn resolve_on_save(
    conn: &impl Conn,
    access: &Access,
    storage: String,
    space: i64,
) -> AppResult<String> {
    let links = portico_format::linked_pages(&storage);
    if links.is_empty() {
        return Ok(storage);
    }
    let targets = visible_targets(conn, access, &links, Some(space)).await?;
    Ok(portico_format::rewrite_page_links(&storage, &|link| {
        targets.get(link).map_or_else(|| link.clone(), full_link)
    }))
}

/// `storage` as served to the holder of `access` (the storage
/// representation, the editor): visible targets in full, every other one
/// reduced to its opaque id.
pub(crate) async fn for_reader(
    conn: &impl Conn,
    access: &Access,
    storage: String,
    space: i64,
) -> AppResult<String> {
    for_reader_in(conn, access, storage, Some(space)).await
}

/// [`for_reader`] for a body that may belong to no space (a global
/// template): links by title then name no home space.
pub(crate) async fn for_reader_in(
    conn: &impl Conn,
    access: &Access,
    storage: String,
    space: Option<i64>,
) -> AppResult<String> {
    let links = portico_format::linked_pages(&storage);
    if links.is_empty() {
        return Ok(storage);
    }
    let targets = visible_targets(conn, access, &links, space).await?;
    Ok(portico_format::rewrite_page_links(&storage, &|link| {
        targets.get(link).map_or_else(
            || PageLink {
                content_id: link.content_id.clone(),
                ..PageLink::default()
            },
            full_link,
        )
    }))
}
