//! The UI's URLs, built in one place so templates never assemble paths. Page
//! URLs follow Confluence Cloud's scheme (`/wiki/spaces/KEY/pages/ID/Title+Words`)
//! so links from a migrated wiki keep working.

use portico_app::{Page, PageId};

/// Where the sign-in page sends people when `next` is missing or unsafe.
pub(crate) const HOME: &str = "/wiki/spaces";

/// Segments that follow a page id for its sub-pages; a title whose slug is one
/// of these would open that sub-page, so such pages get no slug.
const RESERVED_SLUGS: &[&str] = &[
    "history",
    "diff",
    "restore",
    "move",
    "copy",
    "delete",
    "versions",
    "restrictions",
    "attachments",
    "labels",
    "watch",
    "comments",
    "react",
    "favourite",
];

/// Percent-encodes text for a path segment, spaces as `+` (Confluence style).
pub(crate) fn segment(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A title as the last segment of a page URL.
pub(crate) fn slug(title: &str) -> String {
    segment(title)
}

pub(crate) fn space(key: &str) -> String {
    format!("/wiki/spaces/{}", segment(key))
}

pub(crate) fn space_settings(key: &str) -> String {
    format!("{}/settings", space(key))
}

pub(crate) fn space_archive(key: &str) -> String {
    format!("{}/archive", space(key))
}

/// A space's access screen (who may do what), and its form targets.
pub(crate) fn space_access(key: &str) -> String {
    format!("{}/access", space(key))
}

/// A space's trash screen (space admins only).
pub(crate) fn space_trash(key: &str) -> String {
    format!("{}/trash", space(key))
}

/// The canonical URL of a page.
pub(crate) fn page(key: &str, id: PageId, title: &str) -> String {
    let slug = slug(title);
    if slug.is_empty() || RESERVED_SLUGS.contains(&slug.as_str()) {
        format!("{}/pages/{id}", space(key))
    } else {
        format!("{}/pages/{id}/{slug}", space(key))
    }
}

/// A sub-page of a page: `history`, `move`, `diff`...
pub(crate) fn page_action(key: &str, id: PageId, action: &str) -> String {
    format!("{}/pages/{id}/{action}", space(key))
}

pub(crate) fn version(key: &str, id: PageId, number: i64) -> String {
    format!("{}/pages/{id}/versions/{number}", space(key))
}

pub(crate) fn diff(key: &str, id: PageId, from: i64, to: i64) -> String {
    format!("{}/pages/{id}/diff?from={from}&to={to}", space(key))
}

pub(crate) fn edit(key: &str, id: PageId) -> String {
    format!("{}/pages/edit-v2/{id}", space(key))
}

/// A space's blog: its posts, newest first.
pub(crate) fn blog(key: &str) -> String {
    format!("{}/blog", space(key))
}

/// One month of a space's blog.
pub(crate) fn blog_month(key: &str, year: i32, month: u8) -> String {
    format!("{}/{year:04}/{month:02}", blog(key))
}

/// The canonical URL of a blog post, dated by its publication as in
/// Confluence (`/wiki/spaces/KEY/blog/YYYY/MM/DD/ID/Title`).
pub(crate) fn blog_post(key: &str, post: &Page) -> String {
    let at = post.created_at.to_offset(time::UtcOffset::UTC);
    let dated = format!(
        "{}/{:02}/{}",
        blog_month(key, at.year(), u8::from(at.month())),
        at.day(),
        post.id
    );
    let slug = slug(&post.title);
    if slug.is_empty() {
        dated
    } else {
        format!("{dated}/{slug}")
    }
}

pub(crate) fn create_blog_post(key: &str) -> String {
    format!("{}/create", blog(key))
}

pub(crate) fn edit_blog_post(key: &str, id: PageId) -> String {
    format!("{}/edit/{id}", blog(key))
}

pub(crate) fn delete_blog_post(key: &str, id: PageId) -> String {
    format!("{}/delete/{id}", blog(key))
}

/// The URL of a page or a blog post, whichever `page` is.
pub(crate) fn content(key: &str, page: &Page) -> String {
    if page.blog {
        blog_post(key, page)
    } else {
        self::page(key, page.id, &page.title)
    }
}

pub(crate) fn create_page(key: &str, parent: Option<PageId>) -> String {
    match parent {
        Some(parent) => format!("{}/pages/create?parentId={parent}", space(key)),
        None => format!("{}/pages/create", space(key)),
    }
}

/// Everything one can do with a page, as links for its action bar.
pub(crate) struct PageLinks {
    pub view: String,
    pub edit: String,
    pub add_child: String,
    pub history: String,
    pub move_to: String,
    pub copy: String,
    pub delete: String,
    pub restore: String,
    pub diff: String,
    pub restrictions: String,
    pub attachments: String,
}

impl PageLinks {
    pub fn new(key: &str, id: PageId, title: &str) -> Self {
        Self {
            view: page(key, id, title),
            edit: edit(key, id),
            add_child: create_page(key, Some(id)),
            history: page_action(key, id, "history"),
            move_to: page_action(key, id, "move"),
            copy: page_action(key, id, "copy"),
            delete: page_action(key, id, "delete"),
            restore: page_action(key, id, "restore"),
            diff: page_action(key, id, "diff"),
            restrictions: page_action(key, id, "restrictions"),
            attachments: page_action(key, id, "attachments"),
        }
    }
}

/// `next` if it is a path on this site, else the space directory. Refuses
/// `//host` and `/\host` (browsers treat both as another host), absolute
/// URLs and anything with control characters.
pub(crate) fn safe_next(next: &str) -> &str {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace());
    if local { next } else { HOME }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_urls_follow_confluence() {
        assert_eq!(
            page("DOC", PageId(42), "Team Home & more"),
            "/wiki/spaces/DOC/pages/42/Team+Home+%26+more"
        );
        assert_eq!(
            page("DOC", PageId(7), "a/b?c#d"),
            "/wiki/spaces/DOC/pages/7/a%2Fb%3Fc%23d"
        );
        assert_eq!(
            page("DOC", PageId(7), "history"),
            "/wiki/spaces/DOC/pages/7"
        );
        assert_eq!(
            page("DOC", PageId(7), "comments"),
            "/wiki/spaces/DOC/pages/7"
        );
        assert_eq!(
            page("DOC", PageId(7), "History"),
            "/wiki/spaces/DOC/pages/7/History"
        );
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next("/wiki/spaces/DOC?x=1"), "/wiki/spaces/DOC?x=1");
        for bad in [
            "",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/ok\r\nSet-Cookie: x",
            "wiki/spaces",
        ] {
            assert_eq!(safe_next(bad), HOME, "{bad:?}");
        }
    }
}
