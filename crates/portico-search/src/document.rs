//! What is indexed: one document per page or blog post, per current comment
//! and per current attachment. Every document carries its page's access
//! fields, so a comment or a file is found exactly when its page is visible.

use time::OffsetDateTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    Page,
    BlogPost,
    Comment,
    Attachment,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [Self::Page, Self::BlogPost, Self::Comment, Self::Attachment];

    /// The name used in the index, in CQL's `type` and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Page => "page",
            Self::BlogPost => "blogpost",
            Self::Comment => "comment",
            Self::Attachment => "attachment",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
    }
}

/// One searchable thing. `page_id` is the page it belongs to (itself for a
/// page or post); `item_id` is the comment's or attachment's id (the page's
/// for a page).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub kind: DocKind,
    pub page_id: i64,
    pub item_id: i64,
    pub space_id: i64,
    /// The page's restriction key (`None`: no view restriction applies).
    pub restriction_key: Option<i64>,
    /// The page's ancestors, root first (its materialised path).
    pub ancestors: Vec<i64>,
    /// Boosted text: a page's title, an attachment's file name; empty for a
    /// comment.
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub creator: Option<i64>,
    /// Everyone who wrote a version of it (for a comment, its author).
    pub contributors: Vec<i64>,
    pub created: OffsetDateTime,
    pub modified: OffsetDateTime,
}
