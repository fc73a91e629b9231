//! Rewrites the XML-only syntax of storage format before it meets an HTML
//! parser.
//!
//! Storage format is XHTML, but ammonia parses HTML, which differs in two
//! ways that matter here:
//!
//! - `<![CDATA[ ... ]]>` (the body of Confluence's code macro) is a bogus
//!   comment in HTML and would be dropped. Each section is replaced with its
//!   content, entity-escaped, so it is kept as text.
//! - `<ri:page ... />` is not self-closing in HTML: the self-closing flag is
//!   ignored on non-void elements, so the element would swallow what follows.
//!   Each self-closed non-void element becomes `<name ...></name>`.
//!
//! Comments are copied verbatim (ammonia strips them later).

use crate::tree::is_void;

/// Applies both rewrites in one left-to-right scan.
pub(crate) fn prepare(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(cdata) = rest.strip_prefix("<![CDATA[") {
            let (content, after) = split_at_marker(cdata, "]]>");
            out.push_str(&html_escape::encode_text(content));
            rest = after;
        } else if rest.starts_with("<!--") {
            let end = rest[4..].find("-->").map_or(rest.len(), |i| i + 7);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else if let Some(tag) = scan_start_tag(rest) {
            match tag.self_closed_name {
                Some(name) => {
                    out.push_str(&rest[..tag.slash]);
                    out.push_str("></");
                    out.push_str(name);
                    out.push('>');
                }
                None => out.push_str(&rest[..tag.len]),
            }
            rest = &rest[tag.len..];
        } else {
            out.push('<');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Splits `s` at the first `marker`: (before, after the marker). Without a
/// marker, everything is "before".
fn split_at_marker<'a>(s: &'a str, marker: &str) -> (&'a str, &'a str) {
    match s.find(marker) {
        Some(i) => (&s[..i], &s[i + marker.len()..]),
        None => (s, ""),
    }
}

/// A start tag found by [`scan_start_tag`].
struct StartTag<'a> {
    /// Length of the whole tag, including `>`.
    len: usize,
    /// Offset of the closing `/` of a self-closed tag.
    slash: usize,
    /// The element name, if the tag is self-closed and the element not void.
    self_closed_name: Option<&'a str>,
}

/// Scans the start tag at the beginning of `s` the way the HTML tokenizer
/// splits attributes, so that quoted `>` and `/` do not end it.
fn scan_start_tag(s: &str) -> Option<StartTag<'_>> {
    let bytes = s.as_bytes();
    if !bytes.get(1)?.is_ascii_alphabetic() {
        return None;
    }
    let name_end = s[1..]
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .map_or(s.len(), |i| i + 1);
    let name = &s[1..name_end];
    let mut i = name_end;
    while i < bytes.len() {
        match bytes[i] {
            b'>' => {
                return Some(StartTag {
                    len: i + 1,
                    slash: i,
                    self_closed_name: None,
                });
            }
            b'/' if bytes.get(i + 1) == Some(&b'>') => {
                let void = is_void(&name.to_ascii_lowercase());
                return Some(StartTag {
                    len: i + 2,
                    slash: i,
                    self_closed_name: (!void).then_some(name),
                });
            }
            b'=' => i = skip_value(bytes, i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Skips an attribute value starting after `=`; returns the offset after it.
fn skip_value(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    match bytes.get(i) {
        Some(&q @ (b'"' | b'\'')) => bytes[i + 1..]
            .iter()
            .position(|&b| b == q)
            .map_or(bytes.len(), |p| i + p + 2),
        _ => {
            while bytes
                .get(i)
                .is_some_and(|b| !b.is_ascii_whitespace() && *b != b'>')
            {
                i += 1;
            }
            i
        }
    }
}

#[cfg(test)]
mod tests {
    use super::prepare;

    #[test]
    fn rewrites_xml_only_syntax() {
        let cases = [
            ("plain", "plain"),
            ("<![CDATA[a < b && c]]>", "a &lt; b &amp;&amp; c"),
            ("<![CDATA[unterminated <x>", "unterminated &lt;x&gt;"),
            (
                r#"<ri:page ri:content-title="A/B" />"#,
                r#"<ri:page ri:content-title="A/B" ></ri:page>"#,
            ),
            (
                "<ac:emoticon ac:name='x>y'/>",
                "<ac:emoticon ac:name='x>y'></ac:emoticon>",
            ),
            ("<p/>", "<p></p>"),
            ("<br/><hr />", "<br/><hr />"),
            ("<a href=/>x</a>", "<a href=/>x</a>"),
            ("<!-- <![CDATA[x]]> <p/> -->", "<!-- <![CDATA[x]]> <p/> -->"),
            ("a < b <", "a < b <"),
        ];
        for (input, expected) in cases {
            assert_eq!(prepare(input), expected, "input {input:?}");
        }
    }
}
