//! Mentions in storage format: Confluence's
//! `<ac:link><ri:user ri:account-id="ID"/></ac:link>` (a bare `ri:user` is
//! rendered as a mention too, so it counts as one here).
//!
//! [`mentioned_accounts`] lists the account ids a body mentions, for the
//! rules that decide who may be mentioned where; the renderer asks the caller
//! for each mentioned person's name (see [`crate::render_html_with`]).

use crate::sanitize::sanitized_tree;
use crate::tree::{Element, Node};

/// A mentioned person as one viewer may see them, for rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MentionedPerson {
    pub display_name: String,
    pub is_guest: bool,
}

/// The account ids `storage` mentions, each once, in document order. An id
/// is the `ri:account-id` of an `ri:user` element (or, for content from old
/// Confluence servers, its `ri:userkey`); a `ri:user` naming neither gives
/// the empty string, which names no one.
pub fn mentioned_accounts(storage: &str) -> Vec<String> {
    let mut out = Vec::new();
    collect(&sanitized_tree(storage), &mut out);
    out
}

/// The account a `ri:user` element names (empty when it names none).
pub(crate) fn account_of(user: &Element) -> &str {
    user.get("ri:account-id")
        .or_else(|| user.get("ri:userkey"))
        .unwrap_or("")
}

fn collect(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        let Node::Element(el) = node else { continue };
        if el.name == "ri:user" {
            let id = account_of(el);
            if !out.iter().any(|known| known == id) {
                out.push(id.to_owned());
            }
        }
        collect(&el.children, out);
    }
}

#[cfg(test)]
mod tests {
    use super::mentioned_accounts;
    use crate::{BodyFormat, sanitize, to_storage};

    #[test]
    fn lists_each_mentioned_account_once_in_order() {
        let body = r#"<p>Hi <ac:link><ri:user ri:account-id="7"/></ac:link>, <ac:link><ri:user ri:account-id="3"></ri:user></ac:link> and <ac:link><ri:user ri:account-id="7"/></ac:link>.</p><ul><li><ri:user ri:userkey="9"/></li></ul>"#;
        assert_eq!(mentioned_accounts(body), vec!["7", "3", "9"]);
    }

    #[test]
    fn finds_mentions_wherever_the_renderer_would_show_them() {
        let body = r#"<ac:structured-macro ac:name="info"><ac:rich-text-body><p><ac:link><ri:user ri:account-id="5"/><ac:link-body><ri:user ri:account-id="6"/></ac:link-body></ac:link></p></ac:rich-text-body></ac:structured-macro><ac:link><ri:user/></ac:link>"#;
        assert_eq!(mentioned_accounts(body), vec!["5", "6", ""]);
    }

    #[test]
    fn text_that_looks_like_a_mention_is_not_one() {
        for body in [
            "<p>&lt;ri:user ri:account-id=\"1\"/&gt;</p>",
            r#"<ac:structured-macro ac:name="code"><ac:plain-text-body><![CDATA[<ac:link><ri:user ri:account-id="1"/></ac:link>]]></ac:plain-text-body></ac:structured-macro>"#,
            "<!-- <ri:user ri:account-id=\"1\"/> -->",
            "<p>@[Someone](account:1) in a paragraph of storage format</p>",
            "",
        ] {
            assert!(mentioned_accounts(body).is_empty(), "{body}");
        }
    }

    #[test]
    fn the_sanitiser_keeps_the_mention_element_and_nothing_else() {
        assert_eq!(
            sanitize(
                r#"<ac:link ac:anchor="x" onclick="a()"><ri:user ri:account-id="42" ri:username="bob" style="x" onmouseover="b()"/></ac:link>"#
            ),
            r#"<ac:link><ri:user ri:account-id="42"></ri:user></ac:link>"#
        );
        // A hostile id stays an attribute value (escaped), never markup.
        let out = sanitize(
            r#"<ac:link><ri:user ri:account-id="&quot;><script>x()</script>"/></ac:link>"#,
        );
        assert!(!out.contains("<script"), "{out}");
        assert_eq!(mentioned_accounts(&out), vec!["\"><script>x()</script>"]);
        assert_eq!(
            to_storage(
                r#"<ac:link><ri:user ri:account-id="42"/></ac:link>"#,
                BodyFormat::Storage
            ),
            r#"<ac:link><ri:user ri:account-id="42"></ri:user></ac:link>"#
        );
        let markdown = to_storage("Hi @[Ann](account:42)", BodyFormat::Markdown);
        assert_eq!(
            markdown,
            "<p>Hi <ac:link><ri:user ri:account-id=\"42\"></ri:user></ac:link></p>\n"
        );
        assert_eq!(mentioned_accounts(&markdown), vec!["42"]);
    }
}
