//! The wiki's page body "storage format": sanitised XHTML, a subset of
//! Confluence's storage format (SPEC 2.1), so Confluence-compatible clients
//! can read and write bodies unchanged.
//!
//! - [`to_storage`] turns client input ([`BodyFormat::Storage`] or
//!   [`BodyFormat::Markdown`]) into sanitised storage format, to be saved.
//! - [`sanitize`] is the allow-list sanitiser behind it (idempotent).
//! - [`render_html`] turns a stored body into HTML for the browser
//!   ([`render_html_with`] names the mentioned people a viewer may know).
//! - [`mentioned_accounts`] lists the accounts a body mentions;
//!   [`linked_pages`] the pages it links to, [`rewrite_page_links`] rewrites
//!   those links (the caller decides what each reader may see of them).
//! - [`plain_text`] gives the text for excerpts and search.
//! - [`diff`] compares two versions line by line.
//! - [`template_to_storage`], [`template_variables`] and [`fill_template`]
//!   handle template bodies, which may hold variables (`at:var`).
//! - [`capture`], [`locate`] and [`highlight`] anchor inline comments to a
//!   text selection, find it again after edits and mark it in rendered HTML.
//!
//! Code tour: `prepare` (XML syntax an HTML parser would mangle) →
//! `policy` (the ammonia allow-lists) → `sanitize` (the pipeline) → `tree`
//! (a small reader/writer for sanitised markup, used by the structural
//! passes `render` and `text`). `markdown` converts Markdown; `diff` stands
//! alone.

mod anchor;
mod diff;
mod input;
mod links;
mod markdown;
mod mentions;
mod policy;
mod prepare;
mod render;
mod sanitize;
mod template;
mod text;
mod tree;

#[cfg(test)]
mod proptests;

pub use anchor::{
    Anchor, AnchorError, CONTEXT_CHARS, Highlight, Located, MARK_ID_PREFIX, MAX_SELECTION_CHARS,
    capture, capture_in_text, highlight, locate, locate_in_text, normalize_selection,
};
pub use diff::{DiffKind, DiffLine, diff};
pub use input::{BodyFormat, UnknownBodyFormat, to_storage};
pub use links::{LinkedPage, PageLink, RESTRICTED_OR_MISSING, linked_pages, rewrite_page_links};
pub use mentions::{MentionedPerson, mentioned_accounts};
pub use render::{UNKNOWN_USER, render_html, render_html_for, render_html_with};
pub use sanitize::{sanitize, sanitize_template};
pub use template::{fill_template, template_to_storage, template_variables};
pub use text::{plain_text, search_text};
