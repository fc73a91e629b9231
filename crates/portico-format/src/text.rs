//! Plain text of a body, for excerpts and search.
//!
//! Macro parameters and task bookkeeping are configuration, not content, so
//! they are left out; a link without a body contributes its page title or
//! file name. A mention contributes nothing, not even its link body: search
//! excerpts must not name someone a reader may not know. Block elements separate words; whitespace is collapsed.

use crate::sanitize::sanitized_tree;
use crate::tree::{Element, Node};

/// Plain text of a body (tags stripped, entities decoded, whitespace
/// collapsed) for excerpts and search.
pub fn plain_text(storage: &str) -> String {
    text_of(storage, Mode::Excerpt)
}

/// Plain text for the search index, which every reader of the page shares:
/// links and includes contribute nothing at all (neither the linked page's
/// title nor the link's own words), since they name another page that a
/// reader may not be allowed to see.
pub fn search_text(storage: &str) -> String {
    text_of(storage, Mode::Index)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Excerpt,
    Index,
}

fn text_of(storage: &str, mode: Mode) -> String {
    let mut out = String::new();
    collect(&sanitized_tree(storage), &mut out, mode);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collect(nodes: &[Node], out: &mut String, mode: Mode) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Element(el) => element(el, out, mode),
        }
    }
}

fn element(el: &Element, out: &mut String, mode: Mode) {
    if mode == Mode::Index && (el.name == "ac:link" || el.name.starts_with("ri:")) {
        out.push(' ');
        return;
    }
    match el.name.as_str() {
        "ac:parameter" | "ac:task-id" | "ac:task-status" | "ac:emoticon" | "ri:user" => return,
        "ac:link" if el.child("ri:user").is_some() => return,
        "ri:page" => out.push_str(el.get("ri:content-title").unwrap_or("")),
        "ri:attachment" => out.push_str(el.get("ri:filename").unwrap_or("")),
        "ac:link" if has_body(el) => {
            let bodies = el.children.iter().filter(|n| !is_resource(n));
            for node in bodies {
                collect(std::slice::from_ref(node), out, mode);
            }
        }
        _ => collect(&el.children, out, mode),
    }
    if is_block(&el.name) {
        out.push(' ');
    }
}

fn has_body(link: &Element) -> bool {
    ["ac:link-body", "ac:plain-text-link-body"]
        .into_iter()
        .filter_map(|name| link.child(name))
        .any(|body| !body.text().trim().is_empty())
}

fn is_resource(node: &Node) -> bool {
    matches!(node, Node::Element(el) if el.name.starts_with("ri:"))
}

/// Whether an element separates the words around it.
fn is_block(name: &str) -> bool {
    match name {
        "ac:link" | "ac:link-body" | "ac:plain-text-link-body" | "ac:emoticon" => false,
        "br" | "hr" | "p" | "pre" | "blockquote" | "div" | "ul" | "ol" | "li" | "table"
        | "thead" | "tbody" | "tfoot" | "tr" | "th" | "td" | "h1" | "h2" | "h3" | "h4" | "h5"
        | "h6" => true,
        other => other.starts_with("ac:"),
    }
}

#[cfg(test)]
mod tests {
    use super::{plain_text, search_text};

    #[test]
    fn the_index_never_holds_what_a_link_names() {
        let body = concat!(
            "<p>See <ac:link><ri:page ri:content-title=\"Merger plan\"/>",
            "<ac:plain-text-link-body><![CDATA[the secret deal]]></ac:plain-text-link-body></ac:link>",
            " and <ac:link><ri:page ri:content-title=\"Other\"/></ac:link> today</p>",
        );
        assert_eq!(search_text(body), "See and today");
        assert!(plain_text(body).contains("the secret deal"));
    }

    #[test]
    fn strips_tags_and_decodes_entities() {
        let cases = [
            ("<p>Fish &amp; chips &lt;3&nbsp;x</p>", "Fish & chips <3 x"),
            (
                "<h1>Title</h1><p>one<br/>two</p><p>th<strong>ree</strong></p>",
                "Title one two three",
            ),
            (
                "<ul><li>a</li><li>b</li></ul><table><tr><td>c</td><td>d</td></tr></table>",
                "a b c d",
            ),
            ("  lots \n\n of   space ", "lots of space"),
            ("<p>a<script>secret()</script>b</p>", "ab"),
            (
                r#"<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">rust</ac:parameter><ac:plain-text-body><![CDATA[let x = a < b;]]></ac:plain-text-body></ac:structured-macro>"#,
                "let x = a < b;",
            ),
            (
                r#"<p>See <ac:link><ri:page ri:content-title="Home"/></ac:link> and <ac:link><ri:page ri:content-title="X"/><ac:plain-text-link-body><![CDATA[this]]></ac:plain-text-link-body></ac:link>.</p>"#,
                "See Home and this.",
            ),
            (
                r#"<p>Ask <ac:link><ri:user ri:account-id="4"/><ac:plain-text-link-body><![CDATA[Ann Lee]]></ac:plain-text-link-body></ac:link> now</p>"#,
                "Ask now",
            ),
            (
                "<ac:task-list><ac:task><ac:task-id>7</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Ship</ac:task-body></ac:task></ac:task-list>",
                "Ship",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(plain_text(input), expected, "input {input:?}");
        }
    }
}
