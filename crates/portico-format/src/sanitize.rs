//! Sanitising storage format.
//!
//! One pass is: rewrite XML-only syntax ([`crate::prepare`]), clean with the
//! storage policy ([`crate::policy`]), then drop macros we do not support
//! (ammonia filters attributes, not elements by attribute value). An HTML
//! parser may rearrange markup that ammonia has just unwrapped (a heading
//! left directly inside another heading, say), so passes repeat until the
//! output no longer changes; that makes [`sanitize`] idempotent.

use crate::policy;
use crate::prepare::prepare;
use crate::tree::{self, Element, Node};

/// The `ac:structured-macro` names that are kept.
pub(crate) const ALLOWED_MACROS: &[&str] = &[
    "code", "info", "note", "warning", "tip", "panel", "toc", "expand", "status", "anchor",
    "include",
];

/// Passes after which [`sanitize`] stops even if the output still changes.
const MAX_PASSES: usize = 4;

/// Sanitise storage-format XHTML. Idempotent: `sanitize(sanitize(x)) == sanitize(x)`.
///
/// Unsupported elements are unwrapped (their text kept); `script`, `style`,
/// `iframe` and similar are removed with their content; attributes not on
/// the allow-list, `javascript:`-style URLs and comments are removed; links
/// get `rel="nofollow noopener noreferrer"`. A macro whose name is not
/// allowed is replaced by the content of its `ac:rich-text-body`, or removed.
pub fn sanitize(storage: &str) -> String {
    sanitize_with(policy::storage(), storage)
}

/// Sanitise a template body: the same as [`sanitize`], but template
/// variables (`<at:var at:name="…"/>`) are kept.
pub fn sanitize_template(storage: &str) -> String {
    sanitize_with(policy::template(), storage)
}

fn sanitize_with(policy: &ammonia::Builder<'static>, storage: &str) -> String {
    let mut current = pass(policy, storage);
    for _ in 1..MAX_PASSES {
        let next = pass(policy, &current);
        if next == current {
            break;
        }
        current = next;
    }
    current
}

/// Sanitises and returns the tree, for the passes that work on structure.
pub(crate) fn sanitized_tree(storage: &str) -> Vec<Node> {
    tree::parse(&sanitize(storage))
}

fn pass(policy: &ammonia::Builder<'static>, input: &str) -> String {
    let cleaned = policy.clean(&prepare(input)).to_string();
    tree::serialize(&drop_unknown_macros(tree::parse(&cleaned)))
}

fn drop_unknown_macros(nodes: Vec<Node>) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Element(el) if el.name == "ac:structured-macro" && !is_allowed(&el) => {
                out.extend(drop_unknown_macros(rich_body(el)));
            }
            Node::Element(mut el) => {
                el.children = drop_unknown_macros(el.children);
                out.push(Node::Element(el));
            }
            text => out.push(text),
        }
    }
    out
}

fn is_allowed(el: &Element) -> bool {
    el.get("ac:name")
        .is_some_and(|name| ALLOWED_MACROS.contains(&name))
}

/// The children of a macro's `ac:rich-text-body`, or nothing.
fn rich_body(el: Element) -> Vec<Node> {
    el.children
        .into_iter()
        .find_map(|node| match node {
            Node::Element(body) if body.name == "ac:rich-text-body" => Some(body.children),
            _ => None,
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::sanitize;

    /// (input, expected output) pairs.
    fn check(cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(sanitize(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn removes_scripts_and_their_content() {
        check(&[
            ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
            ("<SCRIPT SRC=//x.test/x.js></SCRIPT>ok", "ok"),
            ("<script>/*", ""),
            ("<p><style>p{color:red}</style>x</p>", "<p>x</p>"),
            ("<iframe src=\"https://x.test\">inner</iframe>y", "y"),
            ("<object data=x>o</object><embed src=x>e", "e"),
            ("<svg><script>alert(1)</script></svg>s", "s"),
            ("<math><mi>x</mi></math>m", "m"),
            ("<form action=/x><input name=q>f</form>", "f"),
        ]);
    }

    #[test]
    fn removes_event_handlers_and_style() {
        check(&[
            ("<p onclick=\"alert(1)\">x</p>", "<p>x</p>"),
            ("<img src=x onerror=alert(1)>", "<img src=\"x\">"),
            (
                "<div ONMOUSEOVER='x' style=\"color:red\">d</div>",
                "<div>d</div>",
            ),
            (
                "<a href=/ OnFocus=x>a</a>",
                "<a href=\"/\" rel=\"nofollow noopener noreferrer\">a</a>",
            ),
        ]);
    }

    #[test]
    fn removes_dangerous_urls() {
        let rel = "rel=\"nofollow noopener noreferrer\"";
        check(&[
            (
                "<a href=\"javascript:alert(1)\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"java&#x09;script:alert(1)\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"java&#10;script:alert(1)\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"  javascript:alert(1)\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"javascript&colon;alert(1)\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"vbscript:msgbox\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            (
                "<a href=\"data:text/html,<script>\">x</a>",
                &format!("<a {rel}>x</a>"),
            ),
            ("<img src=\"data:image/png;base64,AAAA\">", "<img>"),
            ("<img src=\"JAVASCRIPT:x\" alt=a>", "<img alt=\"a\">"),
            (
                "<ac:image><ri:url ri:value=\"javascript:alert(1)\" /></ac:image>",
                "<ac:image><ri:url></ri:url></ac:image>",
            ),
            (
                "<a href=\"https://x.test/?a=1&b=2\" title=t>x</a>",
                &format!("<a href=\"https://x.test/?a=1&amp;b=2\" title=\"t\" {rel}>x</a>"),
            ),
            (
                "<a href=\"mailto:a@b.test\">m</a>",
                &format!("<a href=\"mailto:a@b.test\" {rel}>m</a>"),
            ),
            (
                "<a href=\"../x\">r</a>",
                &format!("<a href=\"../x\" {rel}>r</a>"),
            ),
        ]);
    }

    #[test]
    fn keeps_confluence_elements_and_their_allowed_attributes() {
        check(&[
            (
                r#"<ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="m1" data-x="y"><ac:parameter ac:name="title" onclick="x">T</ac:parameter><ac:rich-text-body><p>Body</p></ac:rich-text-body></ac:structured-macro>"#,
                r#"<ac:structured-macro ac:name="info" ac:schema-version="1" ac:macro-id="m1"><ac:parameter ac:name="title">T</ac:parameter><ac:rich-text-body><p>Body</p></ac:rich-text-body></ac:structured-macro>"#,
            ),
            (
                r#"<p><ac:link><ri:page ri:content-title="Home" ri:space-key="DOC" ri:version="3"/><ac:plain-text-link-body><![CDATA[Go home]]></ac:plain-text-link-body></ac:link></p>"#,
                r#"<p><ac:link><ri:page ri:content-title="Home" ri:space-key="DOC"></ri:page><ac:plain-text-link-body>Go home</ac:plain-text-link-body></ac:link></p>"#,
            ),
            (
                r#"<ac:link><ri:user ri:account-id="abc" ri:userkey="k" ri:username="u"/></ac:link>"#,
                r#"<ac:link><ri:user ri:account-id="abc" ri:userkey="k"></ri:user></ac:link>"#,
            ),
            (
                r#"<ac:image ac:alt="a" ac:width="100" ac:border="1"><ri:attachment ri:filename="x.png"/></ac:image>"#,
                r#"<ac:image ac:alt="a" ac:width="100"><ri:attachment ri:filename="x.png"></ri:attachment></ac:image>"#,
            ),
            (
                r#"<ac:emoticon ac:name="smile"/> hi"#,
                r#"<ac:emoticon ac:name="smile"></ac:emoticon> hi"#,
            ),
            (
                "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Do</ac:task-body></ac:task></ac:task-list>",
                "<ac:task-list><ac:task><ac:task-id>1</ac:task-id><ac:task-status>complete</ac:task-status><ac:task-body>Do</ac:task-body></ac:task></ac:task-list>",
            ),
            (
                r#"<AC:STRUCTURED-MACRO AC:NAME="toc"/>"#,
                r#"<ac:structured-macro ac:name="toc"></ac:structured-macro>"#,
            ),
        ]);
    }

    #[test]
    fn drops_unknown_macros_keeping_a_rich_body() {
        check(&[
            (
                r#"<ac:structured-macro ac:name="html"><ac:plain-text-body><![CDATA[<script>x</script>]]></ac:plain-text-body></ac:structured-macro>ok"#,
                "ok",
            ),
            (
                r#"<ac:structured-macro ac:name="section"><ac:rich-text-body><p>kept</p></ac:rich-text-body></ac:structured-macro>"#,
                "<p>kept</p>",
            ),
            (
                r#"<ac:structured-macro><ac:rich-text-body><p>no name</p></ac:rich-text-body></ac:structured-macro>"#,
                "<p>no name</p>",
            ),
            (
                r#"<ac:structured-macro ac:name="INFO">x</ac:structured-macro>"#,
                "",
            ),
        ]);
    }

    #[test]
    fn keeps_cdata_code_bodies_as_text() {
        check(&[
            (
                r#"<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">rust</ac:parameter><ac:plain-text-body><![CDATA[if a < b && c > d { x("<p>") }]]></ac:plain-text-body></ac:structured-macro>"#,
                r#"<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">rust</ac:parameter><ac:plain-text-body>if a &lt; b &amp;&amp; c &gt; d { x("&lt;p&gt;") }</ac:plain-text-body></ac:structured-macro>"#,
            ),
            (
                "<ac:plain-text-body><![CDATA[line 1\n<script>alert(1)</script>\n&amp;]]></ac:plain-text-body>",
                "<ac:plain-text-body>line 1\n&lt;script&gt;alert(1)&lt;/script&gt;\n&amp;amp;</ac:plain-text-body>",
            ),
        ]);
    }

    #[test]
    fn keeps_ordinary_content() {
        check(&[
            (
                "<h1>T</h1><p>a <strong>b</strong> <em>c</em></p>",
                "<h1>T</h1><p>a <strong>b</strong> <em>c</em></p>",
            ),
            ("<p>x<br/>y</p><hr/>", "<p>x<br>y</p><hr>"),
            (
                "<table><tbody><tr><th colspan=\"2\">h</th></tr><tr><td rowspan=2 class=c>d</td></tr></tbody></table>",
                "<table><tbody><tr><th colspan=\"2\">h</th></tr><tr><td rowspan=\"2\">d</td></tr></tbody></table>",
            ),
            (
                "<ul><li>a</li></ul><ol><li>b</li></ol>",
                "<ul><li>a</li></ul><ol><li>b</li></ol>",
            ),
            ("<pre>\n\nx</pre>", "<pre>\n\nx</pre>"),
            ("<!-- c -->t", "t"),
            ("<blink>text</blink>", "text"),
        ]);
    }

    #[test]
    fn is_idempotent_on_awkward_nesting() {
        for input in [
            "<h1><font><h2>x</h2></font></h1>",
            "<p><ac:structured-macro ac:name=\"x\"><ac:rich-text-body><h1>a</h1></ac:rich-text-body></ac:structured-macro></p>",
            "<table><ac:task>t</ac:task><tr><td>x</td></tr></table>",
            "<a href=/><div><a href=/x>y</a></div></a>",
            "<pre>\n\n\nx</pre>",
        ] {
            let once = sanitize(input);
            assert_eq!(sanitize(&once), once, "input {input:?}");
        }
    }
}
