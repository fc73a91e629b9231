//! A tiny element tree for *sanitised* markup.
//!
//! ammonia hands back a string, not a DOM we may use, so the passes that
//! work on structure (dropping unknown macros, rendering, plain text) parse
//! that string again here. Its shape is very regular — every tag is
//! `<name attr="value">`, text and attribute values are entity-escaped, there
//! are no comments, no raw-text elements, and tags are properly nested — so a
//! small, lenient reader is enough. Anything unexpected is kept as text, never
//! as markup; the reader never panics.
//!
//! [`serialize`] writes the tree back in the same shape ammonia uses, so
//! sanitised output keeps one canonical form.

/// How deep [`parse`] nests elements; deeper tags are dropped (their text
/// is kept).
// INVARIANT: every tree built by `parse` is at most this deep, so the
// recursive walks in this crate cannot overflow the stack on hostile input.
pub(crate) const MAX_DEPTH: usize = 256;

/// Elements that never have children or an end tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// A node of the tree: an element or a run of (decoded) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

/// An element with its attributes in source order (values decoded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attrs: Vec<(String, String)>,
    pub(crate) children: Vec<Node>,
}

impl Element {
    /// A new element without attributes or children.
    pub(crate) fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            ..Self::default()
        }
    }

    /// Adds an attribute (builder style).
    pub(crate) fn attr(mut self, name: &str, value: impl Into<String>) -> Self {
        self.attrs.push((name.to_owned(), value.into()));
        self
    }

    /// Sets the children (builder style).
    pub(crate) fn with(mut self, children: Vec<Node>) -> Self {
        self.children = children;
        self
    }

    /// The value of attribute `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child element called `name`.
    pub(crate) fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find_map(|node| match node {
            Node::Element(el) if el.name == name => Some(el),
            _ => None,
        })
    }

    /// All text below this element, concatenated.
    pub(crate) fn text(&self) -> String {
        let mut out = String::new();
        collect_text(&self.children, &mut out);
        out
    }
}

impl From<Element> for Node {
    fn from(el: Element) -> Self {
        Node::Element(el)
    }
}

fn collect_text(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Element(el) => collect_text(&el.children, out),
        }
    }
}

/// Whether `name` is a void element (no children, no end tag).
pub(crate) fn is_void(name: &str) -> bool {
    VOID.contains(&name)
}

/// Parses sanitised markup into a forest of nodes.
pub(crate) fn parse(html: &str) -> Vec<Node> {
    let mut reader = Reader {
        stack: vec![Element::default()],
        skipped: Vec::new(),
    };
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        reader.text(&rest[..lt]);
        rest = &rest[lt..];
        rest = match read_tag(rest) {
            Some((Tag::Start(el), after)) => {
                reader.open(el);
                after
            }
            Some((Tag::End(name), after)) => {
                reader.close(&name);
                after
            }
            None => {
                reader.text("<");
                &rest[1..]
            }
        };
    }
    reader.text(rest);
    reader.finish()
}

/// Builds the tree from tags and text as they are read.
struct Reader {
    // INVARIANT: never empty; the bottom entry is the document root.
    stack: Vec<Element>,
    /// Names of start tags ignored for being too deep, to skip their end tags.
    skipped: Vec<String>,
}

impl Reader {
    fn current(&mut self) -> &mut Element {
        let last = self.stack.len() - 1;
        &mut self.stack[last]
    }

    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = html_escape::decode_html_entities(raw);
        let children = &mut self.current().children;
        if let Some(Node::Text(prev)) = children.last_mut() {
            prev.push_str(&decoded);
        } else {
            children.push(Node::Text(decoded.into_owned()));
        }
    }

    fn open(&mut self, el: Element) {
        if is_void(&el.name) {
            self.current().children.push(Node::Element(el));
        } else if self.stack.len() > MAX_DEPTH {
            self.skipped.push(el.name);
        } else {
            self.stack.push(el);
        }
    }

    fn close(&mut self, name: &str) {
        if let Some(skipped) = self.skipped.last() {
            if skipped == name {
                self.skipped.pop();
            }
            return;
        }
        let Some(pos) = self.stack.iter().rposition(|el| el.name == name) else {
            return;
        };
        if pos == 0 {
            return;
        }
        while self.stack.len() > pos {
            self.pop();
        }
    }

    fn pop(&mut self) {
        if self.stack.len() > 1
            && let Some(el) = self.stack.pop()
        {
            self.current().children.push(Node::Element(el));
        }
    }

    fn finish(mut self) -> Vec<Node> {
        while self.stack.len() > 1 {
            self.pop();
        }
        self.stack
            .pop()
            .map(|root| root.children)
            .unwrap_or_default()
    }
}

enum Tag {
    Start(Element),
    End(String),
}

/// Reads one tag at the start of `s` (which begins with `<`), returning it
/// and the rest of the input, or `None` if `s` does not start a tag.
fn read_tag(s: &str) -> Option<(Tag, &str)> {
    let body = s.strip_prefix('<')?;
    if let Some(end) = body.strip_prefix('/') {
        let close = end.find('>')?;
        let name = end[..close].trim().to_ascii_lowercase();
        if name.is_empty() {
            return None;
        }
        return Some((Tag::End(name), &end[close + 1..]));
    }
    if !body.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let name_len = body
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap_or(body.len());
    let mut el = Element::new(&body[..name_len].to_ascii_lowercase());
    let mut rest = &body[name_len..];
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if let Some(after) = rest.strip_prefix('>') {
            return Some((Tag::Start(el), after));
        }
        if rest.is_empty() {
            return None;
        }
        let name_len = rest
            .find(|c: char| c.is_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = rest[..name_len].to_ascii_lowercase();
        rest = rest[name_len..].trim_start();
        let mut value = String::new();
        if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            let (raw, after) = match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after_eq[1..];
                    let close = inner.find(q)?;
                    (&inner[..close], &inner[close + 1..])
                }
                _ => {
                    let end = after_eq
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after_eq.len());
                    (&after_eq[..end], &after_eq[end..])
                }
            };
            value = html_escape::decode_html_entities(raw).into_owned();
            rest = after;
        }
        if !name.is_empty() && el.get(&name).is_none() {
            el.attrs.push((name, value));
        }
    }
}

/// Writes nodes back as markup in ammonia's canonical shape.
pub(crate) fn serialize(nodes: &[Node]) -> String {
    let mut out = String::new();
    write_nodes(nodes, &mut out);
    out
}

fn write_nodes(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => escape_into(t, false, out),
            Node::Element(el) => write_element(el, out),
        }
    }
}

fn write_element(el: &Element, out: &mut String) {
    out.push('<');
    out.push_str(&el.name);
    for (name, value) in &el.attrs {
        out.push(' ');
        out.push_str(name);
        out.push_str("=\"");
        escape_into(value, true, out);
        out.push('"');
    }
    out.push('>');
    if is_void(&el.name) {
        return;
    }
    // An HTML parser drops one newline right after `<pre>`; write an extra
    // one so a leading newline in the content survives the next parse.
    if el.name == "pre"
        && let Some(Node::Text(t)) = el.children.first()
        && t.starts_with('\n')
    {
        out.push('\n');
    }
    write_nodes(&el.children, out);
    out.push_str("</");
    out.push_str(&el.name);
    out.push('>');
}

/// Escapes like html5ever's serializer: `& < >` and no-break space always,
/// `"` in attribute values.
fn escape_into(text: &str, attr: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '"' if attr => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_canonical_markup() {
        let cases = [
            "",
            "plain &amp; simple",
            "<p>a <strong>b</strong> c</p>",
            r#"<a href="/x?a=1&amp;b=&quot;2&quot;" rel="nofollow">x</a>"#,
            "<p>line<br>next</p><hr>",
            r#"<ac:structured-macro ac:name="code"><ac:plain-text-body>a &lt; b</ac:plain-text-body></ac:structured-macro>"#,
        ];
        for case in cases {
            assert_eq!(serialize(&parse(case)), case, "case {case:?}");
        }
    }

    #[test]
    fn keeps_a_leading_newline_in_pre_across_a_reparse() {
        // ammonia writes the DOM text "\nx" as `<pre>\nx</pre>`, which an HTML
        // parser would read back as "x"; the serializer adds the newline back.
        assert_eq!(serialize(&parse("<pre>\nx</pre>")), "<pre>\n\nx</pre>");
        assert_eq!(serialize(&parse("<pre>x\n</pre>")), "<pre>x\n</pre>");
    }

    #[test]
    fn decodes_text_and_attributes() {
        let nodes = parse(r#"<a title="&quot;q&quot; &amp; &lt;">x &gt; y&nbsp;z</a>"#);
        let expected = Element::new("a")
            .attr("title", "\"q\" & <")
            .with(vec![Node::Text("x > y\u{a0}z".into())]);
        assert_eq!(nodes, vec![Node::from(expected)]);
    }

    #[test]
    fn is_lenient_with_stray_markup() {
        assert_eq!(serialize(&parse("a < b")), "a &lt; b");
        assert_eq!(serialize(&parse("<p>open")), "<p>open</p>");
        assert_eq!(serialize(&parse("</p>x")), "x");
        assert_eq!(
            serialize(&parse("<p title=\"unterminated")),
            "&lt;p title=\"unterminated"
        );
    }

    #[test]
    fn caps_nesting_depth() {
        let deep = "<span>".repeat(MAX_DEPTH * 4) + "x" + &"</span>".repeat(MAX_DEPTH * 4);
        let out = serialize(&parse(&deep));
        assert_eq!(out.matches("<span>").count(), MAX_DEPTH);
        assert!(out.contains('x'));
    }
}
