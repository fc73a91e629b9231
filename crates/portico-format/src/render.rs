//! Storage format to browser HTML.
//!
//! The body is sanitised again first (defence in depth), Confluence elements
//! are turned into plain HTML, and the result goes through a second, stricter
//! ammonia policy that knows no Confluence elements at all, so nothing but
//! plain HTML with `class`/`id` additions can reach the browser.
//!
//! | storage                                   | HTML                                           |
//! |-------------------------------------------|------------------------------------------------|
//! | `code` macro                              | `<pre><code class="language-X">`               |
//! | `info`/`note`/`warning`/`tip`/`panel`     | `<div class="panel panel-info">` (title, body) |
//! | `toc` macro                               | `<nav class="toc">` listing h1–h3 by anchor    |
//! | `expand` macro                            | `<details class="expand"><summary>`            |
//! | `status` macro                            | `<span class="status status-green">`           |
//! | `anchor` macro                            | `<span id="anchor-NAME">`                      |
//! | headings                                  | get `id="h-SLUG"` (unique in the body)         |
//! | `ac:link` + `ri:page`                     | `<a href=…>` as the caller's page lookup gives it, text = link body or title; the unnamed placeholder otherwise |
//! | `include` macro of a `ri:page`            | `<div class="include">` with a link, or the unnamed placeholder |
//! | `ac:link` + `ri:user` (a mention)         | `<span class="mention">@Name</span>` (+ Guest badge), or the unknown-user placeholder |
//! | `ac:link`/`ac:image` + `ri:attachment`    | `attachments/FILE`, relative to the page URL    |
//! | `ac:task-list`                            | `<ul class="task-list">` with ☑/☐ items        |
//! | `ac:emoticon`                             | an emoji character                             |
//!
//! A mention shows the name the caller's lookup gives for its account id
//! ([`render_html_with`]); without a name — an account the viewer may not
//! know, or no lookup at all ([`render_html`]) — it is a neutral
//! `<span class="mention mention-unknown">@unknown user</span>` with no
//! name, id or e-mail. A mention's own link body is never shown: it could
//! name the person to someone who may not know them.
//!
//! A page link (or include) shows only what the caller's page lookup gives
//! for it ([`render_html_for`]): a target the viewer can't see, or that
//! doesn't exist, is `<span class="link-placeholder">restricted or missing
//! page</span>` — no title, no link body, no URL that names it. Without a
//! lookup every page link is the placeholder.

use std::collections::HashSet;

use crate::links::{LinkedPage, PageLink, RESTRICTED_OR_MISSING, link_of};
use crate::mentions::{MentionedPerson, account_of};
use crate::policy;
use crate::sanitize::sanitized_tree;
use crate::tree::{self, Element, Node};

/// What a mention of someone the viewer may not know shows.
pub const UNKNOWN_USER: &str = "@unknown user";

/// HTML to show in a browser for a stored body, with every mention shown as
/// the unknown-user placeholder (for callers that know no viewer).
pub fn render_html(storage: &str) -> String {
    render_html_with(storage, &|_: &str| None)
}

/// HTML to show in a browser for a stored body; `people` names the
/// mentioned accounts the viewer may know (`None`: the placeholder).
pub fn render_html_with(storage: &str, people: &dyn Fn(&str) -> Option<MentionedPerson>) -> String {
    render_html_for(storage, people, &|_: &PageLink| None)
}

/// HTML to show in a browser for a stored body; `people` names the
/// mentioned accounts the viewer may know, `pages` gives the link targets
/// the viewer may see (`None`: the restricted-or-missing placeholder).
pub fn render_html_for(
    storage: &str,
    people: &dyn Fn(&str) -> Option<MentionedPerson>,
    pages: &dyn Fn(&PageLink) -> Option<LinkedPage>,
) -> String {
    let mut renderer = Renderer {
        headings: Vec::new(),
        ids: HashSet::new(),
        people,
        pages,
    };
    let mut nodes = renderer.nodes(&sanitized_tree(storage));
    renderer.fill_tocs(&mut nodes);
    policy::render().clean(&tree::serialize(&nodes)).to_string()
}

/// A heading seen while rendering, for tables of contents.
struct Heading {
    level: u8,
    id: String,
    text: String,
}

struct Renderer<'p> {
    headings: Vec<Heading>,
    ids: HashSet<String>,
    people: &'p dyn Fn(&str) -> Option<MentionedPerson>,
    pages: &'p dyn Fn(&PageLink) -> Option<LinkedPage>,
}

impl Renderer<'_> {
    fn nodes(&mut self, nodes: &[Node]) -> Vec<Node> {
        let mut out = Vec::with_capacity(nodes.len());
        for node in nodes {
            match node {
                Node::Text(t) => out.push(Node::Text(t.clone())),
                Node::Element(el) => self.element(el, &mut out),
            }
        }
        out
    }

    fn element(&mut self, el: &Element, out: &mut Vec<Node>) {
        match el.name.as_str() {
            "ac:structured-macro" => self.macro_(el, out),
            "ac:link" => out.extend(self.link(el)),
            "ac:image" => out.extend(image(el)),
            "ac:emoticon" => out.push(Node::Text(emoticon(el.get("ac:name").unwrap_or("")).into())),
            "ac:task-list" => out.push(self.task_list(el).into()),
            "ri:user" => out.push(self.mention(el).into()),
            "ac:parameter" | "ac:task-id" | "ac:task-status" => {}
            name if name.starts_with("ri:") => {}
            name if name.starts_with("ac:") => out.extend(self.nodes(&el.children)),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => out.push(self.heading(el).into()),
            _ => {
                let mut copy = Element::new(&el.name).with(self.nodes(&el.children));
                copy.attrs.clone_from(&el.attrs);
                out.push(copy.into());
            }
        }
    }

    fn heading(&mut self, el: &Element) -> Element {
        let text = squash(&el.text());
        let id = self.unique_id("h-", &text);
        let level = el
            .name
            .as_bytes()
            .get(1)
            .map_or(1, |b| b.saturating_sub(b'0'));
        self.headings.push(Heading {
            level,
            id: id.clone(),
            text,
        });
        Element::new(&el.name)
            .attr("id", id)
            .with(self.nodes(&el.children))
    }

    fn unique_id(&mut self, prefix: &str, text: &str) -> String {
        let base = format!("{prefix}{}", slug(text));
        let mut id = base.clone();
        let mut n = 1;
        while !self.ids.insert(id.clone()) {
            n += 1;
            id = format!("{base}-{n}");
        }
        id
    }

    fn macro_(&mut self, el: &Element, out: &mut Vec<Node>) {
        let name = el.get("ac:name").unwrap_or("");
        let body = |this: &mut Self| {
            el.child("ac:rich-text-body")
                .map(|b| this.nodes(&b.children))
                .unwrap_or_default()
        };
        match name {
            "code" => {
                let code = el
                    .child("ac:plain-text-body")
                    .map(Element::text)
                    .unwrap_or_default();
                let mut tag = Element::new("code").with(vec![Node::Text(code)]);
                if let Some(lang) = param(el, "language")
                    .map(|l| language(&l))
                    .filter(|l| !l.is_empty())
                {
                    tag = tag.attr("class", format!("language-{lang}"));
                }
                out.push(Element::new("pre").with(vec![tag.into()]).into());
            }
            "info" | "note" | "warning" | "tip" | "panel" => {
                let class = if name == "panel" {
                    "panel".to_owned()
                } else {
                    format!("panel panel-{name}")
                };
                let mut children = Vec::new();
                if let Some(title) = param(el, "title").filter(|t| !t.is_empty()) {
                    children.push(div("panel-title", vec![Node::Text(title)]));
                }
                children.push(div("panel-body", body(self)));
                out.push(
                    Element::new("div")
                        .attr("class", class)
                        .with(children)
                        .into(),
                );
            }
            "expand" => {
                let title = param(el, "title")
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| "Expand".into());
                let summary = Element::new("summary").with(vec![Node::Text(title)]);
                let details = Element::new("details")
                    .attr("class", "expand")
                    .with(vec![summary.into(), div("expand-body", body(self))]);
                out.push(details.into());
            }
            "status" => {
                const COLOURS: &[&str] = &["red", "yellow", "green", "blue", "purple"];
                let colour = param(el, "colour")
                    .map(|c| c.to_ascii_lowercase())
                    .filter(|c| COLOURS.contains(&c.as_str()))
                    .unwrap_or_else(|| "grey".to_owned());
                let title = param(el, "title").unwrap_or_default();
                let span = Element::new("span")
                    .attr("class", format!("status status-{colour}"))
                    .with(vec![Node::Text(title)]);
                out.push(span.into());
            }
            "anchor" => {
                let name = param(el, "").unwrap_or_default();
                let id = self.unique_id("anchor-", &name);
                out.push(Element::new("span").attr("id", id).into());
            }
            "toc" => out.push(Element::new("nav").attr("class", "toc").into()),
            "include" => out.push(self.include(el).into()),
            // Unknown macros do not survive sanitising; render a body if any.
            _ => out.extend(body(self)),
        }
    }

    fn link(&mut self, el: &Element) -> Vec<Node> {
        let mut text = match (
            el.child("ac:link-body"),
            el.child("ac:plain-text-link-body"),
        ) {
            (Some(rich), _) => self.nodes(&rich.children),
            (None, Some(plain)) => vec![Node::Text(plain.text())],
            (None, None) => Vec::new(),
        };
        if squash(&tree_text(&text)).is_empty() {
            text.clear();
        }
        let resource = el.children.iter().find_map(|node| match node {
            Node::Element(r) if r.name.starts_with("ri:") => Some(r),
            _ => None,
        });
        let Some(resource) = resource else {
            return text;
        };
        let attr = |name: &str| resource.get(name).unwrap_or("").to_owned();
        let (href, fallback) = match resource.name.as_str() {
            "ri:user" => return vec![self.mention(resource).into()],
            "ri:page" => match (self.pages)(&link_of(resource)) {
                Some(page) => (page.href, page.title),
                // Neither the link body nor the title: either could name it.
                None => return vec![placeholder("span", "link-placeholder").into()],
            },
            "ri:attachment" => {
                let file = attr("ri:filename");
                (format!("attachments/{}", encode_segment(&file)), file)
            }
            "ri:url" => (attr("ri:value"), attr("ri:value")),
            _ => return text,
        };
        if text.is_empty() {
            text.push(Node::Text(fallback));
        }
        vec![Element::new("a").attr("href", href).with(text).into()]
    }

    /// A mention: the person's name (and Guest badge) if the lookup names
    /// them, otherwise the placeholder.
    fn mention(&self, user: &Element) -> Element {
        match (self.people)(account_of(user)) {
            Some(person) => {
                let mut children = vec![Node::Text(format!("@{}", person.display_name))];
                if person.is_guest {
                    children.push(Node::Text(" ".into()));
                    children.push(
                        Element::new("span")
                            .attr("class", "badge badge-guest")
                            .with(vec![Node::Text("Guest".into())])
                            .into(),
                    );
                }
                Element::new("span").attr("class", "mention").with(children)
            }
            None => Element::new("span")
                .attr("class", "mention mention-unknown")
                .with(vec![Node::Text(UNKNOWN_USER.into())]),
        }
    }

    /// An `include` macro: a box linking to the included page, or the
    /// placeholder when the viewer can't see it (or it names none).
    fn include(&self, el: &Element) -> Element {
        let target = find_page(&el.children)
            .map(link_of)
            .and_then(|link| (self.pages)(&link));
        match target {
            Some(page) => {
                let link = Element::new("a")
                    .attr("href", page.href)
                    .with(vec![Node::Text(page.title)]);
                Element::new("div")
                    .attr("class", "include")
                    .with(vec![Node::Text("Included page: ".into()), link.into()])
            }
            None => placeholder("div", "include include-placeholder"),
        }
    }

    fn task_list(&mut self, el: &Element) -> Element {
        let mut items = Vec::new();
        for node in &el.children {
            let Node::Element(task) = node else { continue };
            if task.name != "ac:task" {
                continue;
            }
            let done = task
                .child("ac:task-status")
                .is_some_and(|s| s.text().trim() == "complete");
            let (class, mark) = if done {
                ("task task-complete", "☑ ")
            } else {
                ("task task-incomplete", "☐ ")
            };
            let mut children = vec![Node::Text(mark.into())];
            if let Some(body) = task.child("ac:task-body") {
                children.extend(self.nodes(&body.children));
            }
            items.push(
                Element::new("li")
                    .attr("class", class)
                    .with(children)
                    .into(),
            );
        }
        Element::new("ul").attr("class", "task-list").with(items)
    }

    /// Puts the list of headings into every `nav` the `toc` macro left
    /// (storage format cannot contain `nav`, so each one is ours).
    fn fill_tocs(&self, nodes: &mut [Node]) {
        for node in nodes {
            let Node::Element(el) = node else { continue };
            if el.name == "nav" {
                el.children = vec![self.toc_list().into()];
            } else {
                self.fill_tocs(&mut el.children);
            }
        }
    }

    fn toc_list(&self) -> Element {
        let items = self
            .headings
            .iter()
            .filter(|h| h.level <= 3)
            .map(|h| {
                let link = Element::new("a")
                    .attr("href", format!("#{}", h.id))
                    .with(vec![Node::Text(h.text.clone())]);
                Element::new("li")
                    .attr("class", format!("toc-level-{}", h.level))
                    .with(vec![link.into()])
                    .into()
            })
            .collect();
        Element::new("ul").with(items)
    }
}

/// The first `ri:page` among `nodes` and their descendants.
fn find_page(nodes: &[Node]) -> Option<&Element> {
    nodes.iter().find_map(|node| match node {
        Node::Element(el) if el.name == "ri:page" => Some(el),
        Node::Element(el) => find_page(&el.children),
        Node::Text(_) => None,
    })
}

/// The unnamed "restricted or missing page" placeholder.
fn placeholder(tag: &str, class: &str) -> Element {
    Element::new(tag)
        .attr("class", class)
        .with(vec![Node::Text(RESTRICTED_OR_MISSING.into())])
}

fn image(el: &Element) -> Option<Node> {
    let src = if let Some(att) = el.child("ri:attachment") {
        format!("attachments/{}", encode_segment(att.get("ri:filename")?))
    } else {
        el.child("ri:url")?.get("ri:value")?.to_owned()
    };
    let mut img = Element::new("img").attr("src", src);
    for (from, to) in [
        ("ac:alt", "alt"),
        ("ac:width", "width"),
        ("ac:height", "height"),
    ] {
        if let Some(value) = el.get(from) {
            img = img.attr(to, value);
        }
    }
    Some(img.into())
}

/// The text of the first `ac:parameter` named `name`.
fn param(el: &Element, name: &str) -> Option<String> {
    el.children.iter().find_map(|node| match node {
        Node::Element(p) if p.name == "ac:parameter" && p.get("ac:name") == Some(name) => {
            Some(squash(&p.text()))
        }
        _ => None,
    })
}

fn div(class: &str, children: Vec<Node>) -> Node {
    Element::new("div")
        .attr("class", class)
        .with(children)
        .into()
}

fn tree_text(nodes: &[Node]) -> String {
    Element::new("").with(nodes.to_vec()).text()
}

/// Collapses runs of whitespace to one space and trims.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lower-case letters and digits, other runs turned into one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() {
        "section".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A code language as a class-name suffix: `c++`, `c#`, `objective-c`.
fn language(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '-' | '_'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Percent-encodes everything but unreserved characters, for one path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The emoji for a Confluence emoticon name.
fn emoticon(name: &str) -> &'static str {
    match name {
        "smile" => "🙂",
        "sad" => "🙁",
        "cheeky" => "😛",
        "laugh" => "😀",
        "wink" => "😉",
        "thumbs-up" => "👍",
        "thumbs-down" => "👎",
        "information" => "ℹ️",
        "tick" => "✅",
        "cross" => "❌",
        "warning" => "⚠️",
        "plus" => "➕",
        "minus" => "➖",
        "question" => "❓",
        "light-on" => "💡",
        "light-off" => "🌑",
        "yellow-star" | "star_yellow" => "⭐",
        "heart" => "❤️",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::{render_html, render_html_for, render_html_with};
    use crate::{LinkedPage, MentionedPerson, PageLink};

    fn check(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(render_html(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn renders_macros_as_html() {
        check(&[
            (
                r#"<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">Rust</ac:parameter><ac:plain-text-body><![CDATA[a < b]]></ac:plain-text-body></ac:structured-macro>"#,
                r#"<pre><code class="language-rust">a &lt; b</code></pre>"#,
            ),
            (
                r#"<ac:structured-macro ac:name="info"><ac:rich-text-body><p>Hi</p></ac:rich-text-body></ac:structured-macro>"#,
                r#"<div class="panel panel-info"><div class="panel-body"><p>Hi</p></div></div>"#,
            ),
            (
                r#"<ac:structured-macro ac:name="warning"><ac:parameter ac:name="title">Careful</ac:parameter><ac:rich-text-body><p>x</p></ac:rich-text-body></ac:structured-macro>"#,
                r#"<div class="panel panel-warning"><div class="panel-title">Careful</div><div class="panel-body"><p>x</p></div></div>"#,
            ),
            (
                r#"<ac:structured-macro ac:name="expand"><ac:rich-text-body>more</ac:rich-text-body></ac:structured-macro>"#,
                r#"<details class="expand"><summary>Expand</summary><div class="expand-body">more</div></details>"#,
            ),
            (
                r#"<p><ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">Green</ac:parameter><ac:parameter ac:name="title">DONE</ac:parameter></ac:structured-macro></p>"#,
                r#"<p><span class="status status-green">DONE</span></p>"#,
            ),
            (
                r#"<ac:structured-macro ac:name="anchor"><ac:parameter ac:name="">Top spot</ac:parameter></ac:structured-macro>"#,
                r#"<span id="anchor-top-spot"></span>"#,
            ),
            (
                "<ac:task-list><ac:task><ac:task-status>complete</ac:task-status><ac:task-body>a</ac:task-body></ac:task><ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>b</ac:task-body></ac:task></ac:task-list>",
                r#"<ul class="task-list"><li class="task task-complete">☑ a</li><li class="task task-incomplete">☐ b</li></ul>"#,
            ),
            (
                r#"<p><ac:emoticon ac:name="smile"/> hi</p>"#,
                "<p>🙂 hi</p>",
            ),
        ]);
    }

    #[test]
    fn renders_a_table_of_contents_with_heading_anchors() {
        check(&[(
            r#"<ac:structured-macro ac:name="toc"/><h1>Intro</h1><h2>Set up &amp; go</h2><h4>Deep</h4><h2>Intro</h2>"#,
            concat!(
                r#"<nav class="toc"><ul>"#,
                r##"<li class="toc-level-1"><a href="#h-intro" rel="nofollow noopener noreferrer">Intro</a></li>"##,
                r##"<li class="toc-level-2"><a href="#h-set-up-go" rel="nofollow noopener noreferrer">Set up &amp; go</a></li>"##,
                r##"<li class="toc-level-2"><a href="#h-intro-2" rel="nofollow noopener noreferrer">Intro</a></li>"##,
                "</ul></nav>",
                r#"<h1 id="h-intro">Intro</h1><h2 id="h-set-up-go">Set up &amp; go</h2><h4 id="h-deep">Deep</h4><h2 id="h-intro-2">Intro</h2>"#,
            ),
        )]);
    }

    /// A lookup that knows the pages with ids 1 and 42 (by id or title).
    fn known_pages(link: &PageLink) -> Option<LinkedPage> {
        match (link.content_id.as_str(), link.title.as_str()) {
            ("42", _) | ("", "Team Home") => Some(LinkedPage {
                href: "/wiki/pages/42".into(),
                title: "Team Home".into(),
            }),
            _ => None,
        }
    }

    #[test]
    fn page_links_show_only_what_the_lookup_gives() {
        let rel = r#"rel="nofollow noopener noreferrer""#;
        let none = |_: &str| None;
        let render = |body: &str| render_html_for(body, &none, &known_pages);
        assert_eq!(
            render(
                r#"<ac:link><ri:page ri:content-title="Team Home" ri:space-key="DOC"/></ac:link>"#
            ),
            format!(r#"<a href="/wiki/pages/42" {rel}>Team Home</a>"#)
        );
        assert_eq!(
            render(
                r#"<ac:link><ri:page ri:content-title="X" ri:content-id="42"/><ac:link-body><strong>bold</strong></ac:link-body></ac:link>"#
            ),
            format!(r#"<a href="/wiki/pages/42" {rel}><strong>bold</strong></a>"#)
        );
        let hidden = r#"<p><ac:link><ri:page ri:content-title="Secret Plan" ri:space-key="HR" ri:content-id="9"/><ac:plain-text-link-body><![CDATA[the merger]]></ac:plain-text-link-body></ac:link></p>"#;
        let out = render(hidden);
        assert_eq!(
            out,
            r#"<p><span class="link-placeholder">restricted or missing page</span></p>"#
        );
        // Without a lookup, every page link is the placeholder.
        assert_eq!(render_html(hidden), out);
        let include = |title: &str| {
            format!(
                r#"<ac:structured-macro ac:name="include"><ac:parameter ac:name=""><ac:link><ri:page ri:content-title="{title}"/></ac:link></ac:parameter></ac:structured-macro>"#
            )
        };
        assert_eq!(
            render(&include("Team Home")),
            format!(
                r#"<div class="include">Included page: <a href="/wiki/pages/42" {rel}>Team Home</a></div>"#
            )
        );
        let out = render(&include("Secret Plan"));
        assert_eq!(
            out,
            r#"<div class="include include-placeholder">restricted or missing page</div>"#
        );
    }

    #[test]
    fn renders_links_and_images() {
        check(&[
            (
                r#"<ac:link><ri:user ri:account-id="557058:abc"/></ac:link>"#,
                r#"<span class="mention mention-unknown">@unknown user</span>"#,
            ),
            (
                r#"<ac:image ac:alt="Logo" ac:width="40"><ri:attachment ri:filename="my logo.png"/></ac:image>"#,
                r#"<img src="attachments/my%20logo.png" alt="Logo" width="40">"#,
            ),
            (
                r#"<ac:image><ri:url ri:value="https://x.test/a.png"/></ac:image><ac:image><ri:url ri:value="javascript:alert(1)"/></ac:image>"#,
                r#"<img src="https://x.test/a.png">"#,
            ),
        ]);
    }

    #[test]
    fn mentions_show_names_only_through_the_lookup() {
        let people = |id: &str| match id {
            "1" => Some(MentionedPerson {
                display_name: "Ann <Lee>".into(),
                is_guest: false,
            }),
            "2" => Some(MentionedPerson {
                display_name: "Gus".into(),
                is_guest: true,
            }),
            _ => None,
        };
        let body = r#"<p><ac:link><ri:user ri:account-id="1"/></ac:link>, <ac:link><ri:user ri:account-id="2"/><ac:plain-text-link-body><![CDATA[Real Name]]></ac:plain-text-link-body></ac:link>, <ac:link><ri:user ri:account-id="3"/><ac:link-body>Hidden Person</ac:link-body></ac:link> <ri:user ri:userkey="1"/></p>"#;
        assert_eq!(
            render_html_with(body, &people),
            concat!(
                r#"<p><span class="mention">@Ann &lt;Lee&gt;</span>, "#,
                r#"<span class="mention">@Gus <span class="badge badge-guest">Guest</span></span>, "#,
                r#"<span class="mention mention-unknown">@unknown user</span> "#,
                r#"<span class="mention">@Ann &lt;Lee&gt;</span></p>"#,
            )
        );
        // Without a lookup, nobody is named, and no id or link body shows.
        let plain = render_html(body);
        assert_eq!(plain.matches("@unknown user").count(), 4, "{plain}");
        for secret in [
            "Ann",
            "Gus",
            "Real Name",
            "Hidden Person",
            "account",
            "\"3\"",
        ] {
            assert!(!plain.contains(secret), "{secret} in {plain}");
        }
    }

    #[test]
    fn never_outputs_script() {
        let hostile = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=javascript:alert(1)>x</a>",
            r#"<ac:link><ri:url ri:value="javascript:alert(1)"/><ac:plain-text-link-body>x</ac:plain-text-link-body></ac:link>"#,
            r#"<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">"><script>alert(1)</script></ac:parameter><ac:plain-text-body><![CDATA[</code><script>alert(1)</script>]]></ac:plain-text-body></ac:structured-macro>"#,
            r#"<ac:structured-macro ac:name="status"><ac:parameter ac:name="colour">x" onmouseover="alert(1)</ac:parameter></ac:structured-macro>"#,
            r#"<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<script>alert(1)</script>]]></ac:plain-text-body></ac:structured-macro>"#,
            r#"<h1 onclick="x">t<script>y</script></h1><ac:structured-macro ac:name="toc"/>"#,
        ];
        for input in hostile {
            let out = render_html(input).to_ascii_lowercase();
            assert!(!out.contains("<script"), "{input} -> {out}");
            assert!(!out.contains(" on"), "{input} -> {out}");
            assert!(!out.contains("javascript:"), "{input} -> {out}");
        }
    }
}
