//! Anchors of inline comments: a text selection of one version of a body,
//! found again in later versions.
//!
//! An anchor is the selected text, which of its occurrences was meant
//! (Confluence's `textSelectionMatchIndex` of `textSelectionMatchCount`) and
//! up to [`CONTEXT_CHARS`] characters of text before and after it. All of it
//! is measured on the body's [`plain_text`] (whitespace collapsed), so a
//! selection made in the browser matches whatever the markup around it.
//!
//! [`capture`] checks a new selection against the version it was made on;
//! [`locate`] finds it in another version: among the occurrences of the
//! selected text, the one whose surroundings match the saved context best
//! (ties go to the occurrence nearest the saved index). When the text is
//! gone the anchor is *dangling* (`None`); it attaches again as soon as the
//! text comes back. [`highlight`] marks the located text in rendered HTML.

use crate::plain_text;
use crate::tree::{self, Element, Node};

/// How many characters of text on each side of a selection are kept to
/// tell its occurrences apart after edits.
pub const CONTEXT_CHARS: usize = 40;

/// The longest selection accepted, in characters.
pub const MAX_SELECTION_CHARS: usize = 1000;

/// Why a selection can't anchor a comment on a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorError {
    /// Nothing but whitespace was selected.
    Empty,
    /// The selection is longer than [`MAX_SELECTION_CHARS`].
    TooLong,
    /// The text does not occur in the version.
    NotFound,
    /// The occurrence asked for does not exist: the text occurs `count` times.
    IndexOutOfRange { count: usize },
    /// The caller counted `given` occurrences where the version has `count`.
    CountMismatch { given: usize, count: usize },
}

impl std::fmt::Display for AnchorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnchorError::Empty => write!(f, "must not be empty"),
            AnchorError::TooLong => {
                write!(f, "must be at most {MAX_SELECTION_CHARS} characters")
            }
            AnchorError::NotFound => write!(f, "does not occur in the page version"),
            AnchorError::IndexOutOfRange { count } => write!(
                f,
                "must be below the number of occurrences of the selection ({count})"
            ),
            AnchorError::CountMismatch { given, count } => write!(
                f,
                "the selection occurs {count} times in the page version, not {given}"
            ),
        }
    }
}

impl std::error::Error for AnchorError {}

/// A selection as saved with its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Anchor {
    /// The selected text, whitespace collapsed.
    pub selection: String,
    /// Which occurrence was selected (0-based) when the anchor was made.
    pub match_index: usize,
    /// How many occurrences there were then.
    pub match_count: usize,
    /// Up to [`CONTEXT_CHARS`] characters of text right before it.
    pub before: String,
    /// Up to [`CONTEXT_CHARS`] characters of text right after it.
    pub after: String,
}

/// Where an anchor is in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Located {
    /// Byte range of the occurrence in the text.
    pub start: usize,
    pub end: usize,
    /// Which occurrence it is now, and how many there are.
    pub match_index: usize,
    pub match_count: usize,
}

/// The selection as anchors compare it: whitespace runs as one space,
/// trimmed (the way [`plain_text`] spells the body).
pub fn normalize_selection(selection: &str) -> String {
    selection.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Anchors `selection` (its `match_index`-th occurrence) in the body
/// `storage`. `match_count`, when the caller gives one, must be the number
/// of occurrences (a different count means the caller saw another text).
pub fn capture(
    storage: &str,
    selection: &str,
    match_index: usize,
    match_count: Option<usize>,
) -> Result<Anchor, AnchorError> {
    capture_in_text(&plain_text(storage), selection, match_index, match_count)
}

/// [`capture`] on plain text.
pub fn capture_in_text(
    text: &str,
    selection: &str,
    match_index: usize,
    match_count: Option<usize>,
) -> Result<Anchor, AnchorError> {
    let selection = normalize_selection(selection);
    if selection.is_empty() {
        return Err(AnchorError::Empty);
    }
    if selection.chars().count() > MAX_SELECTION_CHARS {
        return Err(AnchorError::TooLong);
    }
    let found = occurrences(text, &selection);
    let count = found.len();
    if count == 0 {
        return Err(AnchorError::NotFound);
    }
    if let Some(given) = match_count
        && given != count
    {
        return Err(AnchorError::CountMismatch { given, count });
    }
    let Some(&start) = found.get(match_index) else {
        return Err(AnchorError::IndexOutOfRange { count });
    };
    let end = start + selection.len();
    Ok(Anchor {
        before: last_chars(&text[..start], CONTEXT_CHARS).to_owned(),
        after: first_chars(&text[end..], CONTEXT_CHARS).to_owned(),
        selection,
        match_index,
        match_count: count,
    })
}

/// The anchor in the body `storage`, or `None` if its text is gone.
pub fn locate(storage: &str, anchor: &Anchor) -> Option<Located> {
    locate_in_text(&plain_text(storage), anchor)
}

/// [`locate`] on plain text.
pub fn locate_in_text(text: &str, anchor: &Anchor) -> Option<Located> {
    if anchor.selection.is_empty() {
        return None;
    }
    let found = occurrences(text, &anchor.selection);
    let len = anchor.selection.len();
    let (match_index, start) = found
        .iter()
        .copied()
        .enumerate()
        // Best context first; then nearest the saved index; then earliest.
        .max_by_key(|&(i, start)| {
            let score = common_suffix(&text[..start], &anchor.before)
                + common_prefix(&text[start + len..], &anchor.after);
            (
                score,
                std::cmp::Reverse(i.abs_diff(anchor.match_index)),
                std::cmp::Reverse(i),
            )
        })?;
    Some(Located {
        start,
        end: start + len,
        match_index,
        match_count: found.len(),
    })
}

/// Byte offsets of the non-overlapping occurrences of `needle`.
fn occurrences(text: &str, needle: &str) -> Vec<usize> {
    text.match_indices(needle).map(|(at, _)| at).collect()
}

/// The last `n` characters of `s`.
fn last_chars(s: &str, n: usize) -> &str {
    match s.char_indices().rev().nth(n.saturating_sub(1)) {
        Some((at, _)) if n > 0 => &s[at..],
        _ if n == 0 => "",
        _ => s,
    }
}

/// The first `n` characters of `s`.
fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((at, _)) => &s[..at],
        None => s,
    }
}

/// How many characters `a` and `b` share at their ends.
fn common_suffix(a: &str, b: &str) -> usize {
    a.chars()
        .rev()
        .zip(b.chars().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many characters `a` and `b` share at their starts.
fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

/// One anchor to mark in rendered HTML: `<mark id="{id_prefix}{key}">`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    /// Ends up in the mark's `id` and `data-comment` (digits only are
    /// expected; anything else is escaped like any attribute value).
    pub key: String,
    pub anchor: Anchor,
}

/// The `id` prefix of the marks [`highlight`] writes.
pub const MARK_ID_PREFIX: &str = "inline-anchor-";

/// Marks the anchors in `html` (output of [`crate::render_html_with`]):
/// the text of each located anchor is wrapped in
/// `<mark class="inline-anchor" id="inline-anchor-KEY" data-comment="KEY">`,
/// one mark per text node it spans (the first carries the id), so elements
/// are never split or reordered. Anchors that are dangling, or overlap one
/// marked before them, are left unmarked. Text stays escaped: only text
/// nodes are split, and the tree is written back by the same serialiser.
pub fn highlight(html: &str, highlights: &[Highlight]) -> String {
    if highlights.is_empty() {
        return html.to_owned();
    }
    let mut nodes = tree::parse(html);
    let mut model = TextModel::default();
    model.collect(&nodes);
    // Each text node's marked byte ranges, with the key of the mark.
    let mut cuts: Vec<Vec<Cut>> = vec![Vec::new(); model.node_count];
    let mut taken: Vec<(usize, usize)> = Vec::new();
    for h in highlights {
        let Some(found) = locate_in_text(&model.text, &h.anchor) else {
            continue;
        };
        if taken.iter().any(|&(s, e)| found.start < e && s < found.end) {
            continue;
        }
        taken.push((found.start, found.end));
        let mut first = true;
        for (node, start, end) in model.spans(found.start, found.end) {
            let id = first.then(|| format!("{MARK_ID_PREFIX}{}", h.key));
            first = false;
            if let Some(slot) = cuts.get_mut(node) {
                slot.push((start, end, id, h.key.clone()));
            }
        }
    }
    for slot in &mut cuts {
        slot.sort_by_key(|cut| cut.0);
    }
    let mut counter = 0;
    apply(&mut nodes, &cuts, &mut counter);
    tree::serialize(&nodes)
}

/// The text of rendered HTML as anchors see it, with where each of its
/// bytes came from.
#[derive(Default)]
struct TextModel {
    /// Whitespace collapsed like [`plain_text`]; blocks separate words.
    text: String,
    /// For each byte of `text` that starts a char: (text node, byte range
    /// in that node), or `None` for a space standing for a block boundary.
    origin: Vec<Option<(usize, usize, usize)>>,
    node_count: usize,
}

impl TextModel {
    fn collect(&mut self, nodes: &[Node]) {
        for node in nodes {
            match node {
                Node::Text(t) => {
                    let id = self.node_count;
                    self.node_count += 1;
                    for (at, c) in t.char_indices() {
                        if c.is_whitespace() {
                            self.space(Some((id, at, at + c.len_utf8())));
                        } else {
                            self.push(c, Some((id, at, at + c.len_utf8())));
                        }
                    }
                }
                Node::Element(el) => {
                    if skipped(el) {
                        // Its text nodes still get numbers, to keep
                        // `apply`'s count in step.
                        self.node_count += count_text_nodes(&el.children);
                        continue;
                    }
                    let block = is_block(&el.name);
                    if block {
                        self.space(None);
                    }
                    self.collect(&el.children);
                    if block {
                        self.space(None);
                    }
                }
            }
        }
    }

    fn push(&mut self, c: char, origin: Option<(usize, usize, usize)>) {
        self.text.push(c);
        self.origin.push(origin);
        // Continuation bytes of a multi-byte char have no origin of their own.
        for _ in 1..c.len_utf8() {
            self.origin.push(None);
        }
    }

    fn space(&mut self, origin: Option<(usize, usize, usize)>) {
        if self.text.is_empty() || self.text.ends_with(' ') {
            return;
        }
        self.push(' ', origin);
    }

    /// The (text node, start, end) pieces of `text[start..end]`.
    fn spans(&self, start: usize, end: usize) -> Vec<(usize, usize, usize)> {
        let mut out: Vec<(usize, usize, usize)> = Vec::new();
        for (node, s, e) in self.origin[start..end].iter().flatten().copied() {
            match out.last_mut() {
                Some(last) if last.0 == node => last.2 = e,
                _ => out.push((node, s, e)),
            }
        }
        out
    }
}

/// Elements whose text is not the body's own (a table of contents repeats
/// headings; a mention shows a name the stored text doesn't have).
fn skipped(el: &Element) -> bool {
    el.name == "nav"
        || el
            .get("class")
            .is_some_and(|class| class.split_whitespace().any(|c| c == "mention"))
}

fn count_text_nodes(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|node| match node {
            Node::Text(_) => 1,
            Node::Element(el) => count_text_nodes(&el.children),
        })
        .sum()
}

/// Whether an element of rendered HTML separates the words around it.
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "br" | "hr"
            | "p"
            | "pre"
            | "blockquote"
            | "div"
            | "ul"
            | "ol"
            | "li"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "th"
            | "td"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "details"
            | "summary"
            | "nav"
            | "section"
    )
}

type Cut = (usize, usize, Option<String>, String);

/// Splits the text nodes that `cuts` names (numbered in document order, as
/// [`TextModel::collect`] numbered them) around their marks.
fn apply(nodes: &mut Vec<Node>, cuts: &[Vec<Cut>], counter: &mut usize) {
    let old = std::mem::take(nodes);
    for node in old {
        match node {
            Node::Text(t) => {
                let id = *counter;
                *counter += 1;
                match cuts.get(id) {
                    Some(slot) if !slot.is_empty() => split(&t, slot, nodes),
                    _ => nodes.push(Node::Text(t)),
                }
            }
            Node::Element(mut el) => {
                apply(&mut el.children, cuts, counter);
                nodes.push(Node::Element(el));
            }
        }
    }
}

fn split(text: &str, cuts: &[Cut], out: &mut Vec<Node>) {
    let mut at = 0;
    for (start, end, id, key) in cuts {
        let (start, end) = (*start, *end);
        if start < at || end > text.len() || start >= end {
            continue;
        }
        if start > at {
            out.push(Node::Text(text[at..start].to_owned()));
        }
        let mut mark = Element::new("mark").attr("class", "inline-anchor");
        if let Some(id) = id {
            mark = mark.attr("id", id.clone());
        }
        mark = mark
            .attr("data-comment", key.clone())
            .with(vec![Node::Text(text[start..end].to_owned())]);
        out.push(mark.into());
        at = end;
    }
    if at < text.len() {
        out.push(Node::Text(text[at..].to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchor(text: &str, selection: &str, index: usize) -> Anchor {
        match capture_in_text(text, selection, index, None) {
            Ok(anchor) => anchor,
            Err(err) => unreachable!("{selection:?} in {text:?}: {err}"),
        }
    }

    fn found<'a>(text: &'a str, anchor: &Anchor) -> Option<(usize, &'a str)> {
        locate_in_text(text, anchor).map(|l| (l.match_index, &text[l.start..l.end]))
    }

    #[test]
    fn capture_checks_the_selection_against_the_version() {
        let text = "the cat sat on the mat";
        let a = anchor(text, "  the\n ", 1);
        assert_eq!(a.selection, "the");
        assert_eq!((a.match_index, a.match_count), (1, 2));
        assert_eq!(a.before, "the cat sat on ");
        assert_eq!(a.after, " mat");
        assert_eq!(
            capture_in_text(text, " \n", 0, None),
            Err(AnchorError::Empty)
        );
        assert_eq!(
            capture_in_text(text, "dog", 0, None),
            Err(AnchorError::NotFound)
        );
        assert_eq!(
            capture_in_text(text, "the", 2, None),
            Err(AnchorError::IndexOutOfRange { count: 2 })
        );
        assert_eq!(
            capture_in_text(text, "the", 0, Some(3)),
            Err(AnchorError::CountMismatch { given: 3, count: 2 })
        );
        let long = "x".repeat(MAX_SELECTION_CHARS + 1);
        assert_eq!(
            capture_in_text(&long, &long, 0, None),
            Err(AnchorError::TooLong)
        );
    }

    #[test]
    fn context_is_cut_at_char_boundaries() {
        let text = format!("{}Ünïcödé target ëñd{}", "é".repeat(50), "ß".repeat(50));
        let a = anchor(&text, "target", 0);
        assert_eq!(a.before.chars().count(), CONTEXT_CHARS);
        assert_eq!(a.after.chars().count(), CONTEXT_CHARS);
        assert!(a.before.ends_with("Ünïcödé "));
        assert!(a.after.starts_with(" ëñd"));
    }

    #[test]
    fn survives_text_inserted_before_it() {
        let a = anchor("Plan: ship the beta on Monday.", "ship the beta", 0);
        let later = "New intro paragraph. Plan: ship the beta on Monday.";
        assert_eq!(found(later, &a), Some((0, "ship the beta")));
    }

    #[test]
    fn picks_the_occurrence_whose_context_matches() {
        let a = anchor("Risks: budget overrun. Owner: Ann.", "budget", 0);
        let later = "Costs: budget approved. Risks: budget overrun. Owner: Ann.";
        assert_eq!(found(later, &a), Some((1, "budget")));
        // The second of two, and a copy inserted before both.
        let a = anchor("x one y. z one w.", "one", 1);
        assert_eq!(found("q one r. x one y. z one w.", &a), Some((2, "one")));
    }

    #[test]
    fn dangles_when_the_text_goes_and_attaches_when_it_returns() {
        let a = anchor("Keep the launch date.", "launch date", 0);
        assert_eq!(found("Keep the release day.", &a), None);
        assert_eq!(
            found("Keep the launch date, please.", &a),
            Some((0, "launch date"))
        );
    }

    #[test]
    fn ties_go_to_the_saved_index() {
        let a = Anchor {
            selection: "a".into(),
            match_index: 2,
            match_count: 3,
            before: String::new(),
            after: String::new(),
        };
        assert_eq!(found("a a a a", &a), Some((2, "a")));
    }

    #[test]
    fn works_on_storage_bodies() {
        let v1 = "<p>Fish &amp; <strong>chips</strong></p>";
        let a = capture(v1, "Fish & chips", 0, Some(1));
        assert!(a.is_ok());
        let a = a.unwrap_or_else(|_| unreachable!());
        let v2 = "<h1>Menu</h1><p>Fish &amp; chips</p>";
        assert!(locate(v2, &a).is_some());
        assert!(locate("<p>Fish only</p>", &a).is_none());
    }

    fn marked(html: &str, text: &str, selection: &str, index: usize) -> String {
        let a = anchor(text, selection, index);
        highlight(
            html,
            &[Highlight {
                key: "7".into(),
                anchor: a,
            }],
        )
    }

    #[test]
    fn highlight_wraps_text_without_breaking_markup() {
        let html = "<p>Fish &amp; <strong>chips</strong> today</p>";
        assert_eq!(
            marked(html, "Fish & chips today", "& chips", 0),
            "<p>Fish <mark class=\"inline-anchor\" id=\"inline-anchor-7\" data-comment=\"7\">&amp; </mark>\
             <strong><mark class=\"inline-anchor\" data-comment=\"7\">chips</mark></strong> today</p>"
        );
    }

    #[test]
    fn highlight_picks_the_anchored_occurrence_and_skips_dangling() {
        let html = "<p>one two</p><p>one three</p>";
        let out = marked(html, "one two one three", "one", 1);
        assert_eq!(
            out,
            "<p>one two</p><p><mark class=\"inline-anchor\" id=\"inline-anchor-7\" data-comment=\"7\">one</mark> three</p>"
        );
        let gone = highlight(
            "<p>nothing here</p>",
            &[Highlight {
                key: "7".into(),
                anchor: anchor("one", "one", 0),
            }],
        );
        assert_eq!(gone, "<p>nothing here</p>");
    }

    #[test]
    fn highlight_keeps_hostile_text_escaped() {
        let storage = "<p>&lt;script&gt;alert(1)&lt;/script&gt; tail</p>";
        let html = crate::render_html(storage);
        let text = plain_text(storage);
        let out = marked(&html, &text, "<script>alert(1)</script>", 0);
        assert!(!out.contains("<script"), "{out}");
        assert!(
            out.contains("&lt;script&gt;alert(1)&lt;/script&gt;</mark>"),
            "{out}"
        );
        // A hostile key is an escaped attribute value, nothing more.
        let out = highlight(
            &html,
            &[Highlight {
                key: "\"><script>".into(),
                anchor: anchor(&text, "tail", 0),
            }],
        );
        assert!(!out.contains("<script"), "{out}");
    }

    #[test]
    fn highlight_ignores_tables_of_contents_and_mentions() {
        let html = "<nav class=\"toc\"><a href=\"#h-x\">Goals</a></nav><h1 id=\"h-x\">Goals</h1>";
        let out = marked(html, "Goals", "Goals", 0);
        assert!(
            out.starts_with("<nav class=\"toc\"><a href=\"#h-x\">Goals</a></nav>"),
            "{out}"
        );
        assert!(out.contains("<h1 id=\"h-x\"><mark"), "{out}");
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        proptest! {
            #[test]
            fn an_anchor_finds_itself(text in "[abc ]{1,60}", from in 0usize..60, len in 1usize..8, pick in 0usize..8) {
                let from = from.min(text.len() - 1);
                let selection = &text[from..(from + len).min(text.len())];
                if let Ok(a) = capture_in_text(&text, selection, pick % 4, None) {
                    let found = locate_in_text(&text, &a);
                    prop_assert_eq!(found.map(|l| l.match_index), Some(a.match_index));
                    prop_assert_eq!(found.map(|l| &text[l.start..l.end]), Some(a.selection.as_str()));
                }
            }

            #[test]
            fn an_anchor_survives_text_inserted_before_it(text in "[abc ]{1,60}", prefix in "[xyz ]{0,30}", from in 0usize..60, len in 1usize..8, pick in 0usize..4) {
                let from = from.min(text.len() - 1);
                let selection = &text[from..(from + len).min(text.len())];
                if let Ok(a) = capture_in_text(&text, selection, pick, None) {
                    let later = format!("{prefix}{text}");
                    let before = locate_in_text(&text, &a);
                    let after = locate_in_text(&later, &a);
                    prop_assert_eq!(after.map(|l| l.match_index), before.map(|l| l.match_index));
                    prop_assert_eq!(after.map(|l| l.start), before.map(|l| l.start + prefix.len()));
                }
            }

            #[test]
            fn highlighting_keeps_the_text_and_the_markup(words in proptest::collection::vec("[ab<>&\" ]{1,6}", 1..8), pick in 0usize..8, index in 0usize..3) {
                let storage: String = words.iter().enumerate().map(|(i, w)| {
                    let w = html_escape::encode_text(w);
                    if i % 2 == 0 { format!("<p>{w}</p>") } else { format!("<p><em>{w}</em> x</p>") }
                }).collect();
                let html = crate::render_html(&storage);
                let text = plain_text(&storage);
                let selection = words[pick % words.len()].clone();
                if let Ok(anchor) = capture_in_text(&text, &selection, index, None) {
                    let out = highlight(&html, &[Highlight { key: "1".into(), anchor }]);
                    let strip = |s: &str| crate::tree::parse(s).iter().map(|n| match n {
                        crate::tree::Node::Text(t) => t.clone(),
                        crate::tree::Node::Element(el) => el.text(),
                    }).collect::<String>();
                    prop_assert_eq!(strip(&out), strip(&html));
                    prop_assert!(!out.contains("<script"));
                    let without: String = out.replace("<mark class=\"inline-anchor\" id=\"inline-anchor-1\" data-comment=\"1\">", "")
                        .replace("<mark class=\"inline-anchor\" data-comment=\"1\">", "")
                        .replace("</mark>", "");
                    prop_assert_eq!(without, html);
                }
            }
        }
    }
}
