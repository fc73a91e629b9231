//! Drafts (SPEC 2.1, 2.2): a new page is its author's private draft until
//! published (`pages.status = 'draft'`, see `pages.rs`), and an edit of a
//! published page can be saved as the editor's own draft and published later
//! (`page_drafts`). Either kind is seen by its author only: it has no version,
//! no journal entry (so nothing indexes it or announces it), no notices, and
//! its mentions are checked only when it is published.

use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, Viewer};
use portico_store::{Conn, DraftRow, PageRow, SpaceRow, drafts, pages, spaces};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::visible_page;
use crate::error::{AppError, AppResult};
use crate::model::{Page, page_from_row};
use crate::record::audit;

/// The caller's draft of a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageDraft {
    /// The page as published, or (for a new page never published) the draft
    /// page itself.
    pub page: Page,
    pub title: String,
    /// Sanitised storage format.
    pub body: String,
    /// The published version the edit started from (for a new page, its
    /// current draft version).
    pub base_version: i64,
    pub updated_at: OffsetDateTime,
    /// A new page that was never published (rather than an edit of one).
    pub unpublished: bool,
}

impl PageDraft {
    /// Whether someone published since this edit started.
    pub fn is_stale(&self) -> bool {
        !self.unpublished && self.base_version < self.page.version
    }

    /// The draft shown as a page (status `draft`), as the API answers
    /// `get-draft=true`.
    pub fn as_page(&self) -> Page {
        Page {
            title: self.title.clone(),
            body: self.body.clone(),
            status: "draft".to_owned(),
            version: self.base_version,
            updated_at: self.updated_at,
            ..self.page.clone()
        }
    }

    fn of_edit(page: PageRow, draft: DraftRow) -> Self {
        PageDraft {
            title: draft.title,
            body: draft.body,
            base_version: draft.base_version,
            updated_at: draft.updated_at,
            unpublished: false,
            page: page_from_row(page),
        }
    }

    fn of_new_page(page: PageRow) -> Self {
        PageDraft {
            title: page.title.clone(),
            body: page.body.clone(),
            base_version: page.version,
            updated_at: page.updated_at,
            unpublished: true,
            page: page_from_row(page),
        }
    }
}

/// One entry of the caller's list of drafts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftSummary {
    pub page_id: PageId,
    pub space_id: SpaceId,
    pub space_key: String,
    pub title: String,
    pub updated_at: OffsetDateTime,
    pub unpublished: bool,
}

/// The edit being saved as a draft.
pub(crate) struct DraftEdit<'a> {
    pub title: &'a str,
    pub body: &'a str,
    /// The version the edit started from.
    pub base_version: i64,
}

/// Saves `actor`'s draft of the published `page` (they may edit it; the
/// caller checked). A draft may start from an older version than the current
/// one; publishing it is then refused as a conflict until it is brought up to
/// date.
pub(crate) async fn save_edit(
    conn: &impl Conn,
    page: PageRow,
    edit: DraftEdit<'_>,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<PageDraft> {
    if edit.base_version < 1 || edit.base_version > page.version {
        return Err(ValidationError::new(
            "version.number",
            format!(
                "a draft must start from a published version (1 to {}), not {}",
                page.version, edit.base_version
            ),
        )
        .into());
    }
    let draft = drafts::save(
        conn,
        drafts::DraftInput {
            page_id: page.id,
            author_id: actor,
            title: edit.title,
            body: edit.body,
            base_version: edit.base_version,
            now,
        },
    )
    .await?;
    audit(
        conn,
        now,
        Some(actor),
        "page.draft_save",
        ("page", page.id.to_string()),
        json!({ "base_version": edit.base_version }),
    )
    .await?;
    Ok(PageDraft::of_edit(page, draft))
}

impl App {
    /// The viewer's own draft of page `id`: their saved edit of a published
    /// page, or the page itself while it is their unpublished new page.
    /// Anyone else's draft does not exist for them (`NotFound`).
    pub async fn page_draft(&self, viewer: &Viewer, id: PageId) -> AppResult<PageDraft> {
        let access = self.access(viewer).await?;
        let actor = access.actor().map_err(|_| AppError::NotFound)?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, id).await?;
        if page.status == "draft" {
            // `visible_page` admits a draft page to its author only.
            return Ok(PageDraft::of_new_page(page));
        }
        match drafts::find(conn, page.id, actor).await? {
            Some(draft) => Ok(PageDraft::of_edit(page, draft)),
            None => Err(AppError::NotFound),
        }
    }

    /// Throws away the viewer's draft of a published page (the page is
    /// unchanged). An unpublished new page is deleted like any page instead.
    pub async fn discard_page_draft(&self, viewer: &Viewer, id: PageId) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, _) = visible_page(tx.conn(), &access, id).await?;
        if !drafts::discard(tx.conn(), page.id, actor).await? {
            return Err(AppError::NotFound);
        }
        audit(
            tx.conn(),
            now,
            Some(actor),
            "page.draft_discard",
            ("page", page.id.to_string()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The viewer's drafts, newest first: unpublished new pages and saved
    /// edits, of pages they can still view.
    pub async fn my_drafts(&self, viewer: &Viewer) -> AppResult<Vec<DraftSummary>> {
        let access = self.access(viewer).await?;
        let Ok(actor) = access.actor() else {
            return Ok(Vec::new());
        };
        let conn = self.store.read();
        let filter = access.page_filter();
        let new_pages = pages::unpublished_of(conn, actor, filter.visibility()).await?;
        let edits = drafts::of_author_visible(conn, actor, filter.visibility()).await?;
        let edited_ids: Vec<i64> = edits.iter().map(|draft| draft.page_id).collect();
        let edited = pages::find_many(conn, &edited_ids).await?;
        let mut space_ids: Vec<i64> = new_pages
            .iter()
            .chain(edited.iter())
            .map(|page| page.space_id)
            .collect();
        space_ids.sort_unstable();
        space_ids.dedup();
        let spaces = spaces::find_many(conn, &space_ids).await?;
        let key_of = |space_id: i64| {
            spaces
                .iter()
                .find(|space| space.id == space_id)
                .map(|space: &SpaceRow| space.space_key.clone())
        };
        let mut list: Vec<DraftSummary> = Vec::new();
        for page in new_pages {
            if let Some(space_key) = key_of(page.space_id) {
                list.push(DraftSummary {
                    page_id: PageId(page.id),
                    space_id: SpaceId(page.space_id),
                    space_key,
                    title: page.title,
                    updated_at: page.updated_at,
                    unpublished: true,
                });
            }
        }
        for draft in edits {
            let space_id = edited
                .iter()
                .find(|page| page.id == draft.page_id)
                .map(|page| page.space_id);
            if let Some((space_id, space_key)) =
                space_id.and_then(|id| key_of(id).map(|key| (id, key)))
            {
                list.push(DraftSummary {
                    page_id: PageId(draft.page_id),
                    space_id: SpaceId(space_id),
                    space_key,
                    title: draft.title,
                    updated_at: draft.updated_at,
                    unpublished: false,
                });
            }
        }
        list.sort_by_key(|draft| std::cmp::Reverse(draft.updated_at));
        Ok(list)
    }
}
