//! The two ammonia policies: what storage format may contain, and what the
//! rendered HTML may contain.
//!
//! Confluence's element and attribute names carry a prefix (`ac:name`,
//! `ri:content-title`). html5ever parses them in HTML mode as ordinary names
//! that happen to contain a colon (no namespace), and ammonia matches and
//! serialises them by that plain name, so they are listed here as they are
//! spelled — no renaming is needed. Names are lower-cased by the parser.
//!
//! Both policies are constants built once; nothing here depends on runtime
//! configuration.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, Url, UrlRelative};

/// The `rel` every link gets.
const LINK_REL: &str = "nofollow noopener noreferrer";

/// URL schemes allowed in links and images; relative URLs are allowed too.
const URL_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// Plain HTML elements allowed in storage format.
const HTML_TAGS: &[&str] = &[
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "del",
    "ins",
    "sub",
    "sup",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "span",
    "div",
];

/// Confluence elements allowed in storage format.
const CONFLUENCE_TAGS: &[&str] = &[
    "ac:structured-macro",
    "ac:parameter",
    "ac:plain-text-body",
    "ac:rich-text-body",
    "ac:link",
    "ac:link-body",
    "ac:plain-text-link-body",
    "ac:image",
    "ac:emoticon",
    "ac:task-list",
    "ac:task",
    "ac:task-id",
    "ac:task-status",
    "ac:task-body",
    "ri:page",
    "ri:user",
    "ri:attachment",
    "ri:url",
];

/// The template variable element (Confluence's `<at:var at:name="client"/>`),
/// kept in template bodies only: a page body never holds one.
pub(crate) const TEMPLATE_VARIABLE: &str = "at:var";

/// Extra elements the rendered HTML uses.
const RENDER_TAGS: &[&str] = &["nav", "details", "summary"];

/// Elements removed together with everything inside them.
const REMOVED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "svg", "math", "template", "noscript",
    "noembed", "noframes",
];

/// Attributes allowed per element in storage format.
const STORAGE_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "title"]),
    ("img", &["src", "alt", "width", "height"]),
    ("td", &["colspan", "rowspan"]),
    ("th", &["colspan", "rowspan"]),
    (
        "ac:structured-macro",
        &["ac:name", "ac:schema-version", "ac:macro-id"],
    ),
    ("ac:parameter", &["ac:name"]),
    ("ac:image", &["ac:alt", "ac:width", "ac:height"]),
    ("ac:emoticon", &["ac:name"]),
    (
        "ri:page",
        &["ri:content-title", "ri:space-key", "ri:content-id"],
    ),
    ("ri:user", &["ri:account-id", "ri:userkey"]),
    ("ri:attachment", &["ri:filename"]),
    ("ri:url", &["ri:value"]),
];

/// Attributes allowed per element in rendered HTML (plus `class` anywhere).
const RENDER_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "title"]),
    ("img", &["src", "alt", "width", "height"]),
    ("td", &["colspan", "rowspan"]),
    ("th", &["colspan", "rowspan"]),
    ("h1", &["id"]),
    ("h2", &["id"]),
    ("h3", &["id"]),
    ("h4", &["id"]),
    ("h5", &["id"]),
    ("h6", &["id"]),
    ("span", &["id"]),
];

static STORAGE: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = base(HTML_TAGS.iter().chain(CONFLUENCE_TAGS), STORAGE_ATTRIBUTES);
    filter_urls(&mut builder);
    builder
});

static TEMPLATE: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = base(
        HTML_TAGS
            .iter()
            .chain(CONFLUENCE_TAGS)
            .chain(std::iter::once(&TEMPLATE_VARIABLE)),
        STORAGE_ATTRIBUTES,
    );
    builder.add_tag_attributes(TEMPLATE_VARIABLE, &["at:name"]);
    filter_urls(&mut builder);
    builder
});

fn filter_urls(builder: &mut Builder<'static>) {
    builder.attribute_filter(|element, attribute, value| match (element, attribute) {
        // ammonia checks `href` and `src` itself but does not know `ri:value`.
        ("ri:url", "ri:value") if !is_safe_url(value) => None,
        _ => Some(Cow::Borrowed(value)),
    });
}

static RENDER: LazyLock<Builder<'static>> = LazyLock::new(|| {
    let mut builder = base(HTML_TAGS.iter().chain(RENDER_TAGS), RENDER_ATTRIBUTES);
    builder.generic_attributes(HashSet::from(["class"]));
    builder
});

/// The policy for storage format.
pub(crate) fn storage() -> &'static Builder<'static> {
    &STORAGE
}

/// The policy for template bodies: storage format plus `at:var`.
pub(crate) fn template() -> &'static Builder<'static> {
    &TEMPLATE
}

/// The policy for rendered HTML: plain HTML only, plus the classes and ids
/// the renderer adds.
pub(crate) fn render() -> &'static Builder<'static> {
    &RENDER
}

/// Whether a URL is relative or uses an allowed scheme — the rule ammonia
/// applies to `href` and `src`.
pub(crate) fn is_safe_url(value: &str) -> bool {
    match Url::parse(value) {
        Ok(url) => URL_SCHEMES.contains(&url.scheme()),
        Err(err) => err == ammonia::url::ParseError::RelativeUrlWithoutBase,
    }
}

fn base<'t>(
    tags: impl Iterator<Item = &'t &'static str>,
    attributes: &[(&'static str, &'static [&'static str])],
) -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(tags.copied().collect())
        .clean_content_tags(REMOVED_WITH_CONTENT.iter().copied().collect())
        .generic_attributes(HashSet::new())
        .tag_attributes(
            attributes
                .iter()
                .map(|&(tag, attrs)| (tag, attrs.iter().copied().collect()))
                .collect(),
        )
        .tag_attribute_values(HashMap::new())
        .set_tag_attribute_values(HashMap::new())
        .allowed_classes(HashMap::new())
        .url_schemes(URL_SCHEMES.iter().copied().collect())
        .url_relative(UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .id_prefix(None);
    builder
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ammonia_keeps_names_with_a_colon() {
        let out = storage()
            .clean(r#"<ac:structured-macro ac:name="info" ac:bad="x"><ri:page ri:content-title="T"></ri:page></ac:structured-macro>"#)
            .to_string();
        assert_eq!(
            out,
            r#"<ac:structured-macro ac:name="info"><ri:page ri:content-title="T"></ri:page></ac:structured-macro>"#
        );
    }

    #[test]
    fn classifies_urls() {
        for safe in [
            "https://x.test/",
            "mailto:a@b.test",
            "/wiki/x",
            "#top",
            "x.png",
            "//cdn.test/a",
        ] {
            assert!(is_safe_url(safe), "{safe}");
        }
        for unsafe_url in [
            "javascript:alert(1)",
            " JaVaScRiPt:x",
            "java\tscript:x",
            "data:text/html,x",
            "vbscript:x",
        ] {
            assert!(!is_safe_url(unsafe_url), "{unsafe_url}");
        }
    }
}
