//! Markdown to (unsanitised) storage format.
//!
//! CommonMark plus tables, strikethrough and task lists, via pulldown-cmark.
//! Two constructs are written in Confluence's shape rather than as plain
//! HTML, so clients reading storage format see what Confluence would store:
//!
//! - code blocks (fenced or indented) become the `code` macro, with the
//!   first word of the info string as its `language` parameter and the code
//!   as escaped text in `ac:plain-text-body`;
//! - a list whose first item has a `[ ]`/`[x]` marker becomes an
//!   `ac:task-list`, each item an `ac:task` (items without a marker are
//!   incomplete tasks);
//! - a link to `account:ID` is a mention, `<ac:link><ri:user
//!   ri:account-id="ID"/></ac:link>`, written `@[Display Name](account:ID)`
//!   (the `@` just before it is part of the mention). It is an ordinary
//!   Markdown link, so any Markdown editor keeps it intact, and its text
//!   reads well in plain Markdown; the text itself is not stored, because a
//!   mention always shows the person's current name, and only to viewers who
//!   may know them.
//!
//! Raw HTML in the Markdown passes through here; the caller sanitises the
//! result like any other storage input.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// The link scheme that makes a Markdown link a mention.
const MENTION_SCHEME: &str = "account:";

/// The account a link destination names, if it is a mention.
fn mention_target(dest: &str) -> Option<&str> {
    let scheme = dest.get(..MENTION_SCHEME.len())?;
    scheme
        .eq_ignore_ascii_case(MENTION_SCHEME)
        .then(|| dest[MENTION_SCHEME.len()..].trim())
}

/// The storage-format mention of `account`.
fn mention_markup(account: &str) -> String {
    format!(
        r#"<ac:link><ri:user ri:account-id="{}"/></ac:link>"#,
        html_escape::encode_double_quoted_attribute(account)
    )
}

/// Converts Markdown to storage-format markup (not yet sanitised).
pub(crate) fn to_html(markdown: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, options).collect();
    let mut out = String::with_capacity(markdown.len() * 2);
    html::push_html(&mut out, Confluence::new(&events));
    out
}

/// Rewrites code blocks and task lists in an event stream.
struct Confluence<'e, 'a> {
    events: &'e [Event<'a>],
    next: usize,
    /// For each open list: whether it is written as a task list.
    lists: Vec<bool>,
}

impl<'e, 'a> Confluence<'e, 'a> {
    fn new(events: &'e [Event<'a>]) -> Self {
        Self {
            events,
            next: 0,
            lists: Vec::new(),
        }
    }

    fn in_task_list(&self) -> bool {
        self.lists.last().copied().unwrap_or(false)
    }

    /// The task marker of the item whose `Start(Item)` is at `item`, if any.
    fn marker_after(&self, item: usize) -> Option<bool> {
        let mut rest = self.events.get(item + 1..)?.iter();
        let mut next = rest.next();
        if matches!(next, Some(Event::Start(Tag::Paragraph))) {
            next = rest.next();
        }
        match next {
            Some(Event::TaskListMarker(done)) => Some(*done),
            _ => None,
        }
    }

    /// Whether the event at `index` starts a mention link.
    fn mention_at(&self, index: usize) -> bool {
        matches!(
            self.events.get(index),
            Some(Event::Start(Tag::Link { dest_url, .. })) if mention_target(dest_url).is_some()
        )
    }

    /// Skips a mention link's text up to its end (the text is not stored).
    fn skip_link_text(&mut self) {
        let mut depth = 0usize;
        while let Some(event) = self.events.get(self.next) {
            self.next += 1;
            match event {
                Event::Start(Tag::Link { .. }) => depth += 1,
                Event::End(TagEnd::Link) if depth == 0 => break,
                Event::End(TagEnd::Link) => depth -= 1,
                _ => {}
            }
        }
    }

    /// Consumes a code block's text up to its end and returns the macro.
    fn code_macro(&mut self, kind: &CodeBlockKind<'_>) -> String {
        let mut code = String::new();
        while let Some(event) = self.events.get(self.next) {
            self.next += 1;
            match event {
                Event::Text(text) => code.push_str(text),
                Event::End(TagEnd::CodeBlock) => break,
                _ => {}
            }
        }
        let language = match kind {
            CodeBlockKind::Fenced(info) => info.split_whitespace().next().unwrap_or(""),
            CodeBlockKind::Indented => "",
        };
        let mut out = String::from(r#"<ac:structured-macro ac:name="code">"#);
        if !language.is_empty() {
            out.push_str(r#"<ac:parameter ac:name="language">"#);
            out.push_str(&html_escape::encode_text(language));
            out.push_str("</ac:parameter>");
        }
        out.push_str("<ac:plain-text-body>");
        out.push_str(&html_escape::encode_text(&code));
        out.push_str("</ac:plain-text-body></ac:structured-macro>\n");
        out
    }
}

impl<'a> Iterator for Confluence<'_, 'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let index = self.next;
        let event = self.events.get(index)?.clone();
        self.next += 1;
        let html = |s: &str| Some(Event::Html(s.to_owned().into()));
        match event {
            Event::Start(Tag::Link { dest_url, .. }) if mention_target(&dest_url).is_some() => {
                let account = mention_target(&dest_url).unwrap_or("").to_owned();
                self.skip_link_text();
                html(&mention_markup(&account))
            }
            // `@[Name](account:ID)`: the `@` belongs to the mention.
            Event::Text(text) if text.ends_with('@') && self.mention_at(index + 1) => {
                let trimmed = &text[..text.len() - 1];
                Some(Event::Text(CowStr::from(trimmed.to_owned())))
            }
            Event::Start(Tag::CodeBlock(kind)) => Some(Event::Html(self.code_macro(&kind).into())),
            Event::Start(Tag::List(_)) if self.marker_after(index + 1).is_some() => {
                self.lists.push(true);
                html("<ac:task-list>\n")
            }
            Event::Start(Tag::List(_)) => {
                self.lists.push(false);
                Some(event)
            }
            Event::End(TagEnd::List(_)) if self.lists.pop().unwrap_or(false) => {
                html("</ac:task-list>\n")
            }
            Event::Start(Tag::Item) if self.in_task_list() => {
                let status = match self.marker_after(index) {
                    Some(true) => "complete",
                    _ => "incomplete",
                };
                html(&format!(
                    "<ac:task><ac:task-status>{status}</ac:task-status><ac:task-body>"
                ))
            }
            Event::End(TagEnd::Item) if self.in_task_list() => html("</ac:task-body></ac:task>\n"),
            Event::TaskListMarker(_) if self.in_task_list() => Some(Event::Text("".into())),
            Event::TaskListMarker(done) => {
                Some(Event::Text(if done { "[x] " } else { "[ ] " }.into()))
            }
            other => Some(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn converts_code_blocks_to_the_code_macro() {
        assert_eq!(
            to_html("```rust title\nif a < b {}\n```\n"),
            "<ac:structured-macro ac:name=\"code\"><ac:parameter ac:name=\"language\">rust</ac:parameter><ac:plain-text-body>if a &lt; b {}\n</ac:plain-text-body></ac:structured-macro>\n"
        );
        assert_eq!(
            to_html("    indented\n"),
            "<ac:structured-macro ac:name=\"code\"><ac:plain-text-body>indented\n</ac:plain-text-body></ac:structured-macro>\n"
        );
    }

    #[test]
    fn converts_account_links_to_mentions() {
        let cases = [
            (
                "Hi @[Ann Lee](account:42)!",
                r#"<p>Hi <ac:link><ri:user ri:account-id="42"/></ac:link>!</p>"#,
            ),
            (
                "[@Ann](ACCOUNT:7) and <account:8>",
                r#"<p><ac:link><ri:user ri:account-id="7"/></ac:link> and <ac:link><ri:user ri:account-id="8"/></ac:link></p>"#,
            ),
            (
                "@[*Ann* Lee](account:9)",
                r#"<p><ac:link><ri:user ri:account-id="9"/></ac:link></p>"#,
            ),
            (
                r#"@[x](account:"><script>)"#,
                r#"<p><ac:link><ri:user ri:account-id="&quot;&gt;&lt;script&gt;"/></ac:link></p>"#,
            ),
            // Not mentions: an ordinary link keeps its `@`; code stays code.
            (
                "mail @[me](https://x.test)",
                r#"<p>mail @<a href="https://x.test">me</a></p>"#,
            ),
            ("`@[a](account:1)`", "<p><code>@[a](account:1)</code></p>"),
        ];
        for (markdown, expected) in cases {
            assert_eq!(to_html(markdown).trim_end(), expected, "{markdown}");
        }
    }

    #[test]
    fn converts_task_lists() {
        let out = to_html("- [x] done\n- [ ] todo\n- plain\n");
        assert_eq!(
            out,
            "<ac:task-list>\n\
             <ac:task><ac:task-status>complete</ac:task-status><ac:task-body>done</ac:task-body></ac:task>\n\
             <ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>todo</ac:task-body></ac:task>\n\
             <ac:task><ac:task-status>incomplete</ac:task-status><ac:task-body>plain</ac:task-body></ac:task>\n\
             </ac:task-list>\n"
        );
        let nested = to_html("- a\n  - [ ] sub\n");
        assert!(nested.starts_with("<ul>\n<li>a<ac:task-list>"), "{nested}");
        assert!(
            nested.ends_with("</ac:task-list>\n</li>\n</ul>\n"),
            "{nested}"
        );
    }
}
