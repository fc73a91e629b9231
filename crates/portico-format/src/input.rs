//! What clients send: the accepted body representations and their
//! conversion into sanitised storage format.

use std::fmt;
use std::str::FromStr;

use crate::markdown;
use crate::sanitize::sanitize;

/// Input representations accepted from users/clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    /// Confluence storage format (XHTML), as the REST API speaks it.
    Storage,
    /// CommonMark with tables, strikethrough and task lists.
    Markdown,
}

impl BodyFormat {
    /// The name used in APIs: `storage` or `markdown`.
    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Storage => "storage",
            BodyFormat::Markdown => "markdown",
        }
    }
}

impl fmt::Display for BodyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BodyFormat {
    type Err = UnknownBodyFormat;

    /// Parses `storage` or `markdown` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [BodyFormat::Storage, BodyFormat::Markdown]
            .into_iter()
            .find(|format| format.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownBodyFormat(s.to_owned()))
    }
}

/// A body format name that is neither `storage` nor `markdown`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBodyFormat(pub String);

impl fmt::Display for UnknownBodyFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown body format `{}`: expected `storage` or `markdown`",
            self.0
        )
    }
}

impl std::error::Error for UnknownBodyFormat {}

/// Convert user input into sanitised storage format (Markdown is converted
/// first, then sanitised).
pub fn to_storage(input: &str, format: BodyFormat) -> String {
    match format {
        BodyFormat::Storage => sanitize(input),
        BodyFormat::Markdown => sanitize(&markdown::to_html(input)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_format_names() {
        for format in [BodyFormat::Storage, BodyFormat::Markdown] {
            assert_eq!(format.to_string().parse(), Ok(format));
        }
        assert_eq!("Markdown".parse(), Ok(BodyFormat::Markdown));
        for bad in ["wiki", "", "html", "storage "] {
            assert_eq!(
                bad.parse::<BodyFormat>(),
                Err(UnknownBodyFormat(bad.to_owned()))
            );
        }
        assert_eq!(
            UnknownBodyFormat("wiki".into()).to_string(),
            "unknown body format `wiki`: expected `storage` or `markdown`"
        );
    }

    #[test]
    fn converts_markdown_to_storage() {
        let rel = r#"rel="nofollow noopener noreferrer""#;
        let cases = [
            ("# Title\n\n## Sub", "<h1>Title</h1>\n<h2>Sub</h2>\n"),
            (
                "- a\n- b\n\n1. c",
                "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol>\n<li>c</li>\n</ol>\n",
            ),
            (
                "| a | b |\n|---|:-:|\n| 1 | 2 |",
                "<table><thead><tr><th>a</th><th>b</th></tr></thead><tbody>\n<tr><td>1</td><td>2</td></tr>\n</tbody></table>\n",
            ),
            (
                "~~gone~~ **b** *i* `c`",
                "<p><del>gone</del> <strong>b</strong> <em>i</em> <code>c</code></p>\n",
            ),
            (
                "```rust\nfn main() { a < b }\n```",
                "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:plain-text-body>fn main() { a &lt; b }\n</ac:plain-text-body></ac:structured-macro>\n",
            ),
            (
                "[x](https://x.test \"t\")",
                &format!("<p><a href=\"https://x.test\" title=\"t\" {rel}>x</a></p>\n"),
            ),
            (
                "[x](javascript:alert(1))",
                &format!("<p><a {rel}>x</a></p>\n"),
            ),
            ("a <script>alert(1)</script> b", "<p>a  b</p>\n"),
            ("<script>\nalert(1)\n</script>\n\nok", "\n<p>ok</p>\n"),
            ("<img src=x onerror=alert(1)>", "<img src=\"x\">"),
            (
                "- [x] done",
                "<ac:task-list>\n<ac:task><ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task>\n</ac:task-list>\n",
            ),
        ];
        for (markdown, expected) in cases {
            assert_eq!(
                to_storage(markdown, BodyFormat::Markdown),
                expected,
                "markdown {markdown:?}"
            );
        }
    }

    #[test]
    fn sanitises_storage_input() {
        assert_eq!(
            to_storage("<p onclick=x>a</p><script>b</script>", BodyFormat::Storage),
            "<p>a</p>"
        );
    }
}
