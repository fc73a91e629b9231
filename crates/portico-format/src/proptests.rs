//! Property tests for the security rules of [`crate::sanitize`] and
//! [`crate::render_html`], checked by a scanner independent of `tree`.

use proptest::prelude::*;

use crate::{render_html, sanitize};

/// Fragments that exercise the sanitiser: tags, attributes, schemes, quotes.
const ALPHABET: &[&str] = &[
    "<script>",
    "</script>",
    "<SCRIPT src=x>",
    "<a href=\"",
    "<a href=",
    "javascript:",
    "JaVaScRiPt:",
    "java&#x09;script:",
    "&#106;avascript:",
    "vbscript:",
    "data:text/html,",
    " ",
    "\"",
    "'",
    ">",
    "<",
    "/>",
    "=",
    "x",
    "\n",
    "&amp;",
    "&lt;",
    "&",
    "<img src=",
    " onerror=alert(1)",
    " onclick=\"",
    " ONLOAD=",
    " style=\"",
    "<p>",
    "</p>",
    "<h1>",
    "<h2>",
    "</h1>",
    "<pre>",
    "</pre>",
    "<table>",
    "<tr>",
    "<td>",
    "</td>",
    "<b>",
    "</b>",
    "<li>",
    "<div>",
    "</div>",
    "<br/>",
    "<style>",
    "<svg>",
    "<math>",
    "<iframe>",
    "<textarea>",
    "<noscript>",
    "<xmp>",
    "<template>",
    "<select>",
    "<form>",
    "<!--",
    "-->",
    "<![CDATA[",
    "]]>",
    "<ac:structured-macro ac:name=\"code\">",
    "<ac:structured-macro ac:name=\"html\">",
    "<ac:structured-macro ac:name=\"toc\"/>",
    "<ac:structured-macro ac:name=\"info\">",
    "</ac:structured-macro>",
    "<ac:rich-text-body>",
    "</ac:rich-text-body>",
    "<ac:plain-text-body>",
    "<ac:parameter ac:name=\"language\">",
    "<ac:link>",
    "</ac:link>",
    "<ri:page ri:content-title=\"",
    "<ri:url ri:value=\"",
    "<ac:image>",
    "<ri:user ri:account-id=",
    "<ac:task-list><ac:task>",
];

fn markup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(ALPHABET), 0..40).prop_map(|parts| parts.concat())
}

/// Every tag of serialised, escaped markup (where text and attribute
/// values never contain a raw `<` or `>`): its name and attributes.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for chunk in html.split('<').skip(1) {
        let tag = chunk.split('>').next().unwrap_or("");
        let mut parts = tag.splitn(2, ' ');
        let name = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut rest = parts.next().unwrap_or("");
        while let Some(eq) = rest.find("=\"") {
            let attr = rest[..eq].trim().to_ascii_lowercase();
            let after = &rest[eq + 2..];
            let close = after.find('"').unwrap_or(after.len());
            attrs.push((
                attr,
                html_escape::decode_html_entities(&after[..close]).into_owned(),
            ));
            rest = after.get(close + 1..).unwrap_or("");
        }
        out.push((name, attrs));
    }
    out
}

fn assert_safe(html: &str) -> Result<(), TestCaseError> {
    let lower = html.to_ascii_lowercase();
    prop_assert!(!lower.contains("<script"), "script tag in {html:?}");
    prop_assert!(!lower.contains("<style"), "style tag in {html:?}");
    for (name, attrs) in tags(html) {
        for (attr, value) in attrs {
            prop_assert!(
                !attr.starts_with("on"),
                "handler `{attr}` on `{name}` in {html:?}"
            );
            prop_assert!(attr != "style", "style attribute in {html:?}");
            if matches!(attr.as_str(), "href" | "src" | "ri:value") {
                let squashed: String = value
                    .chars()
                    .filter(|c| !c.is_whitespace() && !c.is_control())
                    .collect::<String>()
                    .to_ascii_lowercase();
                for scheme in ["javascript:", "vbscript:", "data:"] {
                    prop_assert!(
                        !squashed.starts_with(scheme),
                        "`{attr}={value}` in {html:?}"
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn sanitize_is_safe_and_idempotent_on_any_string(input in any::<String>()) {
        let once = sanitize(&input);
        assert_safe(&once)?;
        prop_assert_eq!(sanitize(&once), once);
    }

    #[test]
    fn sanitize_is_safe_and_idempotent_on_markup(input in markup()) {
        let once = sanitize(&input);
        assert_safe(&once)?;
        prop_assert_eq!(sanitize(&once), once);
    }

    #[test]
    fn render_html_is_safe(input in markup()) {
        assert_safe(&render_html(&input))?;
    }
}

#[test]
fn the_scanner_sees_what_it_must_reject() {
    let bad = r#"<a href=" JaVa&#x09;Script:x" onclick="y">t</a>"#;
    let found = tags(bad);
    assert_eq!(
        found[0].1[0],
        ("href".to_owned(), " JaVa\tScript:x".to_owned())
    );
    assert_eq!(found[0].1[1].0, "onclick");
}
