//! Template bodies: storage format that may also hold Confluence's template
//! variables, `<at:var at:name="client"/>`.
//!
//! - [`template_to_storage`] sanitises a template body with the template
//!   policy (which keeps `at:var`); in Markdown, a placeholder `{{client}}`
//!   becomes that element (not inside code, where it stays text).
//! - [`template_variables`] lists the variables a body uses.
//! - [`fill_template`] replaces each variable with plain text (escaped when
//!   serialised, so a value can never add markup) and sanitises the result as
//!   an ordinary page body, which keeps no `at:var`.

use crate::input::BodyFormat;
use crate::markdown;
use crate::policy::TEMPLATE_VARIABLE;
use crate::sanitize::{sanitize, sanitize_template};
use crate::tree::{self, Element, Node};

/// The attribute naming a variable.
const NAME_ATTR: &str = "at:name";

/// Elements whose text is literal (a code macro's body): placeholders there
/// stay as typed.
const LITERAL: &[&str] = &["ac:plain-text-body", "code", "pre"];

/// A template body from client input, as sanitised storage format.
pub fn template_to_storage(input: &str, format: BodyFormat) -> String {
    match format {
        BodyFormat::Storage => sanitize_template(input),
        BodyFormat::Markdown => {
            let html = sanitize_template(&markdown::to_html(input));
            let nodes = placeholders_to_variables(tree::parse(&html));
            sanitize_template(&tree::serialize(&nodes))
        }
    }
}

/// The names of the variables a (sanitised) template body uses, in order of
/// first use, each once. A variable without a name is not counted.
pub fn template_variables(storage: &str) -> Vec<String> {
    let mut names = Vec::new();
    collect(&tree::parse(storage), &mut names);
    names
}

fn collect(nodes: &[Node], names: &mut Vec<String>) {
    for node in nodes {
        if let Node::Element(el) = node {
            if el.name == TEMPLATE_VARIABLE {
                if let Some(name) = el.get(NAME_ATTR)
                    && !names.iter().any(|known| known == name)
                {
                    names.push(name.to_owned());
                }
            } else {
                collect(&el.children, names);
            }
        }
    }
}

/// The page body a template gives: every variable replaced by the text
/// `value(name)` returns (nothing for `None`), then sanitised as a page body.
pub fn fill_template(storage: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    let nodes = fill(tree::parse(&sanitize_template(storage)), value);
    sanitize(&tree::serialize(&nodes))
}

fn fill(nodes: Vec<Node>, value: &dyn Fn(&str) -> Option<String>) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Element(el) if el.name == TEMPLATE_VARIABLE => {
                // Text, never markup: the serialiser escapes `<`, `>` and `&`.
                if let Some(text) = el.get(NAME_ATTR).and_then(value) {
                    out.push(Node::Text(text));
                }
            }
            Node::Element(mut el) => {
                el.children = fill(el.children, value);
                out.push(Node::Element(el));
            }
            text => out.push(text),
        }
    }
    out
}

/// Turns `{{name}}` in text (outside literal elements) into `at:var`.
fn placeholders_to_variables(nodes: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Text(text) => split_placeholders(&text, &mut out),
            Node::Element(el) if LITERAL.contains(&el.name.as_str()) => {
                out.push(Node::Element(el));
            }
            Node::Element(mut el) => {
                el.children = placeholders_to_variables(el.children);
                out.push(Node::Element(el));
            }
        }
    }
    out
}

fn split_placeholders(text: &str, out: &mut Vec<Node>) {
    let mut rest = text;
    let mut plain = String::new();
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) if is_placeholder_name(after[..end].trim()) => {
                plain.push_str(&rest[..start]);
                if !plain.is_empty() {
                    out.push(Node::Text(std::mem::take(&mut plain)));
                }
                let name = after[..end].trim();
                out.push(Node::Element(
                    Element::new(TEMPLATE_VARIABLE).attr(NAME_ATTR, name),
                ));
                rest = &after[end + 2..];
            }
            _ => {
                plain.push_str(&rest[..start + 2]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Node::Text(plain));
    }
}

/// What a placeholder may name: a letter, then letters, digits, `_` or `-`
/// (the names the core accepts are a subset; others are refused there).
fn is_placeholder_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_variables_in_templates_only() {
        let body = r#"<p>Dear <at:var at:name="client"/>, welcome</p>"#;
        let template = template_to_storage(body, BodyFormat::Storage);
        assert_eq!(
            template,
            r#"<p>Dear <at:var at:name="client"></at:var>, welcome</p>"#
        );
        assert_eq!(template_variables(&template), vec!["client"]);
        // An ordinary page body drops the element (and it has no content).
        assert_eq!(sanitize(body), "<p>Dear , welcome</p>");
    }

    #[test]
    fn drops_other_attributes_on_variables() {
        let body = r#"<at:var at:name="a" onclick="x" at:type="y"/><script>1</script>"#;
        assert_eq!(
            template_to_storage(body, BodyFormat::Storage),
            r#"<at:var at:name="a"></at:var>"#
        );
    }

    #[test]
    fn markdown_placeholders_become_variables_outside_code() {
        let storage = template_to_storage(
            "# For {{client}}\n\nDue {{ due }} and {{not a name}} and `{{code}}`\n\n```\n{{block}}\n```\n",
            BodyFormat::Markdown,
        );
        assert_eq!(template_variables(&storage), vec!["client", "due"]);
        assert!(storage.contains("{{not a name}}"), "{storage}");
        assert!(storage.contains("{{code}}"), "{storage}");
        assert!(storage.contains("{{block}}"), "{storage}");
    }

    #[test]
    fn fills_variables_with_escaped_text() {
        let storage = template_to_storage(
            r#"<p>Hello <at:var at:name="client"/> and <strong><at:var at:name="client"/></strong><at:var at:name="gone"/></p>"#,
            BodyFormat::Storage,
        );
        let value = |name: &str| {
            (name == "client").then(|| "<script>alert(1)</script> & <b>x</b>".to_owned())
        };
        let filled = fill_template(&storage, &value);
        assert_eq!(
            filled,
            "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt; and <strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;x&lt;/b&gt;</strong></p>"
        );
        // The filled body is stable under the page sanitiser.
        assert_eq!(sanitize(&filled), filled);
    }
}
