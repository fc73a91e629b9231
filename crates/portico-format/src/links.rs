//! Links to pages in storage format (`<ri:page ri:content-title=…
//! ri:space-key=… ri:content-id=…/>`, inside an `ac:link` or an `include`
//! macro).
//!
//! Which pages a viewer may see is the caller's rule, never this crate's:
//! [`linked_pages`] lists the targets a body names, [`rewrite_page_links`]
//! lets the caller rewrite each target's attributes (resolve a title to an
//! id on save; drop the title of a target the reader can't see when serving
//! storage), and the renderer asks a lookup the caller passes for each
//! target's address and title (see [`crate::render_html_for`]); a target the
//! lookup doesn't give renders as an unnamed placeholder.

use crate::sanitize::sanitized_tree;
use crate::tree::{self, Node};

/// What a placeholder for a restricted or missing page says.
pub const RESTRICTED_OR_MISSING: &str = "restricted or missing page";

/// A page a body links to, as the body names it (empty strings: not given).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PageLink {
    pub space_key: String,
    pub title: String,
    pub content_id: String,
}

impl PageLink {
    /// Whether the link names anything at all.
    pub fn is_empty(&self) -> bool {
        self.title.is_empty() && self.content_id.is_empty()
    }
}

/// A link target the viewer may see, for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkedPage {
    pub href: String,
    pub title: String,
}

/// What a `ri:page` element names.
pub(crate) fn link_of(el: &tree::Element) -> PageLink {
    let attr = |name: &str| el.get(name).unwrap_or("").to_owned();
    PageLink {
        space_key: attr("ri:space-key"),
        title: attr("ri:content-title"),
        content_id: attr("ri:content-id"),
    }
}

/// The page links of `storage`, each once, in document order.
pub fn linked_pages(storage: &str) -> Vec<PageLink> {
    fn collect(nodes: &[Node], out: &mut Vec<PageLink>) {
        for node in nodes {
            let Node::Element(el) = node else { continue };
            if el.name == "ri:page" {
                let link = link_of(el);
                if !out.contains(&link) {
                    out.push(link);
                }
            }
            collect(&el.children, out);
        }
    }
    let mut out = Vec::new();
    if storage.contains("ri:page") {
        collect(&sanitized_tree(storage), &mut out);
    }
    out
}

/// `storage` with every page link's attributes replaced by what `rewrite`
/// gives for it (empty fields are left out). A body without page links
/// comes back unchanged.
pub fn rewrite_page_links(storage: &str, rewrite: &dyn Fn(&PageLink) -> PageLink) -> String {
    fn walk(nodes: &mut [Node], rewrite: &dyn Fn(&PageLink) -> PageLink) {
        for node in nodes {
            let Node::Element(el) = node else { continue };
            if el.name == "ri:page" {
                let new = rewrite(&link_of(el));
                el.attrs.clear();
                for (name, value) in [
                    ("ri:content-title", new.title),
                    ("ri:space-key", new.space_key),
                    ("ri:content-id", new.content_id),
                ] {
                    if !value.is_empty() {
                        el.attrs.push((name.to_owned(), value));
                    }
                }
            }
            walk(&mut el.children, rewrite);
        }
    }
    if !storage.contains("ri:page") {
        return storage.to_owned();
    }
    let mut nodes = sanitized_tree(storage);
    walk(&mut nodes, rewrite);
    tree::serialize(&nodes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_links_once_in_order() {
        let body = r#"<p><ac:link><ri:page ri:content-title="A" ri:space-key="K"/></ac:link><ac:link><ri:page ri:content-id="7"/></ac:link><ac:link><ri:page ri:space-key="K" ri:content-title="A"/></ac:link></p>"#;
        let links = linked_pages(body);
        assert_eq!(links.len(), 2);
        assert_eq!(links[0].title, "A");
        assert_eq!(links[0].space_key, "K");
        assert_eq!(links[1].content_id, "7");
        assert!(linked_pages("<p>ri:page as text</p>").is_empty());
    }

    #[test]
    fn rewrites_attributes_and_drops_empty_ones() {
        let body = r#"<p><ac:link><ri:page ri:content-title="Secret" ri:space-key="K"/><ac:plain-text-link-body><![CDATA[x]]></ac:plain-text-link-body></ac:link></p>"#;
        let out = rewrite_page_links(body, &|_| PageLink {
            content_id: "42".into(),
            ..PageLink::default()
        });
        assert!(out.contains(r#"ri:content-id="42""#), "{out}");
        assert!(!out.contains("Secret"), "{out}");
        assert!(!out.contains("ri:space-key"), "{out}");
        assert_eq!(rewrite_page_links("<p>x</p>", &|l| l.clone()), "<p>x</p>");
    }
}
