//! Line-oriented diff between two bodies, for version history.
//!
//! Storage format is often stored on one line, so the source is split into
//! lines at block boundaries — after closing block tags (`</p>`, `</h1>`…,
//! `</li>`, `</tr>`, `</pre>`, …), after `<br>`/`<hr>`, and at existing
//! newlines — and those lines are diffed with `similar`.

use similar::{ChangeTag, TextDiff};

/// How a line differs between the old and the new body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffKind {
    /// In both bodies.
    Same,
    /// Only in the new body.
    Added,
    /// Only in the old body.
    Removed,
}

/// One line of a diff. `text` is raw storage source: the caller escapes it
/// for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffKind,
    pub text: String,
}

/// Tags after which a line ends (compared lower-cased).
const LINE_ENDS: &[&str] = &[
    "</p>",
    "</h1>",
    "</h2>",
    "</h3>",
    "</h4>",
    "</h5>",
    "</h6>",
    "</li>",
    "</tr>",
    "</pre>",
    "</div>",
    "</blockquote>",
    "</table>",
    "</ul>",
    "</ol>",
    "</ac:structured-macro>",
    "</ac:task>",
    "<br>",
    "<br/>",
    "<br />",
    "<hr>",
    "<hr/>",
    "<hr />",
];

/// Line-oriented diff between two bodies.
pub fn diff(old: &str, new: &str) -> Vec<DiffLine> {
    let old_lines = split_lines(old);
    let new_lines = split_lines(new);
    TextDiff::from_slices(&old_lines, &new_lines)
        .iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                ChangeTag::Equal => DiffKind::Same,
                ChangeTag::Insert => DiffKind::Added,
                ChangeTag::Delete => DiffKind::Removed,
            },
            text: change.value().to_owned(),
        })
        .collect()
}

/// Splits storage source into non-empty lines at block boundaries. A newline
/// right after a boundary belongs to it; it does not make an empty line.
fn split_lines(source: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let bytes = source.as_bytes();
    while i < bytes.len() {
        let end = match bytes[i] {
            b'\n' => Some((i, i + 1)),
            b'<' => LINE_ENDS
                .iter()
                .find(|tag| {
                    bytes
                        .get(i..i + tag.len())
                        .is_some_and(|b| b.eq_ignore_ascii_case(tag.as_bytes()))
                })
                .map(|tag| {
                    let after = i + tag.len();
                    let next = if bytes.get(after) == Some(&b'\n') {
                        after + 1
                    } else {
                        after
                    };
                    (after, next)
                }),
            _ => None,
        };
        match end {
            Some((line_end, next)) => {
                lines.push(&source[start..line_end]);
                start = next;
                i = next;
            }
            None => i += 1,
        }
    }
    lines.push(&source[start..]);
    lines.retain(|line| !line.trim().is_empty());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(lines: &[DiffLine]) -> Vec<(DiffKind, &str)> {
        lines.iter().map(|l| (l.kind, l.text.as_str())).collect()
    }

    #[test]
    fn splits_at_block_boundaries() {
        assert_eq!(
            split_lines("<h1>T</h1><p>a<br/>b</p>\n<ul><li>x</li></ul>tail\nlast"),
            [
                "<h1>T</h1>",
                "<p>a<br/>",
                "b</p>",
                "<ul><li>x</li>",
                "</ul>",
                "tail",
                "last"
            ]
        );
        assert_eq!(split_lines("<P>a</P><p>b</p>"), ["<P>a</P>", "<p>b</p>"]);
        assert!(split_lines("").is_empty());
    }

    #[test]
    fn identical_bodies_are_all_same() {
        let body = "<p>one</p><p>two</p>";
        let out = diff(body, body);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|l| l.kind == DiffKind::Same));
    }

    #[test]
    fn an_added_paragraph_is_one_added_line() {
        let out = diff("<p>one</p><p>three</p>", "<p>one</p><p>two</p><p>three</p>");
        assert_eq!(
            kinds(&out),
            [
                (DiffKind::Same, "<p>one</p>"),
                (DiffKind::Added, "<p>two</p>"),
                (DiffKind::Same, "<p>three</p>"),
            ]
        );
    }

    #[test]
    fn a_changed_paragraph_is_removed_then_added() {
        let out = diff("<p>one</p><p>two</p>", "<p>one</p><p>2</p>");
        assert_eq!(
            kinds(&out),
            [
                (DiffKind::Same, "<p>one</p>"),
                (DiffKind::Removed, "<p>two</p>"),
                (DiffKind::Added, "<p>2</p>"),
            ]
        );
    }
}
