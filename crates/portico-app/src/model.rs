//! What use cases return: plain records the web layer renders. Ids are typed;
//! times are UTC.

use portico_core::{PageId, SpaceId, UserId};
use time::OffsetDateTime;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Space {
    pub id: SpaceId,
    pub key: String,
    pub name: String,
    pub description: String,
    pub homepage_id: Option<PageId>,
    /// `current` or `archived`.
    pub status: String,
    pub created_by: Option<UserId>,
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub id: PageId,
    pub space_id: SpaceId,
    pub parent_id: Option<PageId>,
    pub position: i64,
    pub title: String,
    /// `current` or `trashed`.
    pub status: String,
    pub version: i64,
    /// Sanitised storage format.
    pub body: String,
    pub author_id: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub updated_by: Option<UserId>,
    pub updated_at: OffsetDateTime,
    /// A blog post (dated, in no tree; `created_at` is its publication
    /// date) rather than a page.
    pub blog: bool,
}

/// One saved version of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub page_id: PageId,
    pub number: i64,
    pub title: String,
    pub body: String,
    pub message: String,
    pub author_id: Option<UserId>,
    pub created_at: OffsetDateTime,
}

/// A page's place in its space's tree, in pre-order, for drawing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub id: PageId,
    pub parent_id: Option<PageId>,
    pub title: String,
    pub depth: usize,
}

/// An ancestor shown in a page's breadcrumbs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crumb {
    pub id: PageId,
    pub title: String,
}

/// A page of results plus whether more follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice<T> {
    pub items: Vec<T>,
    pub has_more: bool,
}

impl<T> Slice<T> {
    /// A slice from a query that fetched up to `limit + 1` rows: the extra row,
    /// if any, only says that more follow.
    pub(crate) fn from_overfetch<R>(
        mut rows: Vec<R>,
        limit: u64,
        to_item: impl FnMut(R) -> T,
    ) -> Self {
        let has_more = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Slice {
            items: rows.into_iter().map(to_item).collect(),
            has_more,
        }
    }
}

/// The difference between two versions of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionDiff {
    pub from: Version,
    pub to: Version,
    pub lines: Vec<portico_format::DiffLine>,
}

/// A person as shown beside content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: UserId,
    pub display_name: String,
    /// The role given directly (see `is_guest` for what the person is).
    pub role: portico_core::Role,
    /// Their effective role is guest (SPEC 3.4: the "Guest" badge,
    /// `accountType: guest`); never for an inactive account.
    pub is_guest: bool,
}

pub(crate) fn space_from_row(row: portico_store::SpaceRow) -> Space {
    Space {
        id: SpaceId(row.id),
        key: row.space_key,
        name: row.name,
        description: row.description,
        homepage_id: row.homepage_id.map(PageId),
        status: row.status,
        created_by: row.created_by.map(UserId),
        created_at: row.created_at,
    }
}

pub(crate) fn page_from_row(row: portico_store::PageRow) -> Page {
    Page {
        id: PageId(row.id),
        space_id: SpaceId(row.space_id),
        parent_id: row.parent_id.map(PageId),
        position: row.position,
        title: row.title,
        status: row.status,
        version: row.version,
        body: row.body,
        author_id: row.author_id.map(UserId),
        created_at: row.created_at,
        updated_by: row.updated_by.map(UserId),
        updated_at: row.updated_at,
        blog: row.kind == portico_store::pages::BLOG_POST,
    }
}

pub(crate) fn version_from_row(row: portico_store::VersionRow) -> Version {
    Version {
        page_id: PageId(row.page_id),
        number: row.number,
        title: row.title,
        body: row.body,
        message: row.message,
        author_id: row.author_id.map(UserId),
        created_at: row.created_at,
    }
}
