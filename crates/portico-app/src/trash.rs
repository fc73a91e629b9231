//! The trash of a space (SPEC 2.1): trashed pages (any kind of `pages` row,
//! so blog posts too) and trashed attachments, listed newest first, restored
//! or purged. These are space admin actions (`AdministerSpace`); to anyone
//! else the trash answers like a missing space (`access::trash_space`), and
//! an admin sees in it only the pages their own view restrictions allow.
//!
//! Purging deletes the rows in one transaction; the files it frees are
//! removed after the commit. A removal that fails (or a crash before it)
//! leaves a harmless unreferenced file, which
//! [`App::sweep_unreferenced_files`] clears later.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use portico_core::page::Placement;
use portico_core::{PageId, SpaceId, UserId, Viewer};
use portico_store::attachments::{self, AttachmentRow};
use portico_store::{Conn, PageRow, SpaceRow, pages, trash};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::access::{Access, trash_holder, trash_space, trashed_page};
use crate::error::{AppError, AppResult};
use crate::model::{Page, Person, Slice, page_from_row};
use crate::pages::ensure_title_free;
use crate::permissions::recompute_restriction_keys;
use crate::record::{audit, journal};

/// What a trash entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashKind {
    Page,
    Attachment,
}

/// One thing in a space's trash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrashEntry {
    pub kind: TrashKind,
    /// The page's or the attachment's id.
    pub id: i64,
    /// The page's title, or the attachment's file name.
    pub title: String,
    /// The page itself, or the page the attachment is on.
    pub page_id: PageId,
    /// That page's title (the same as `title` for a page).
    pub page_title: String,
    pub trashed_by: Option<Person>,
    pub trashed_at: OffsetDateTime,
}

/// What emptying a trash purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Emptied {
    pub pages: u64,
    pub attachments: u64,
}

/// Rows taken per kind when the trash is listed in full (emptying it).
const ALL: u64 = u64::MAX >> 1;

impl App {
    /// The space's trash, newest first, skipping `offset` entries.
    pub async fn space_trash(
        &self,
        viewer: &Viewer,
        space: SpaceId,
        offset: u64,
        limit: u64,
    ) -> AppResult<Slice<TrashEntry>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = trash_space(conn, &access, space).await?;
        let filter = access.page_filter();
        // Each kind's first `offset + limit + 1` entries hold the merged
        // list's first `offset + limit + 1`.
        let wanted = offset.saturating_add(limit).saturating_add(1);
        let trashed_pages = trash::pages(conn, filter.visibility(), space.id, wanted).await?;
        let trashed_files = trash::attachments(conn, filter.visibility(), space.id, wanted).await?;
        let page_ids: Vec<i64> = trashed_files.iter().map(|(row, _)| row.page_id).collect();
        let titles: HashMap<i64, String> = pages::find_many(conn, &page_ids)
            .await?
            .into_iter()
            .map(|row| (row.id, row.title))
            .collect();
        let mut people_ids: Vec<UserId> = Vec::new();
        people_ids.extend(
            trashed_pages
                .iter()
                .filter_map(|(_, entry)| entry.trashed_by.map(UserId)),
        );
        people_ids.extend(
            trashed_files
                .iter()
                .filter_map(|(row, _)| row.trashed_by.map(UserId)),
        );
        let people = self.people(viewer, &people_ids).await?;
        let person =
            |id: Option<i64>| id.and_then(|id| people.iter().find(|p| p.id == UserId(id)).cloned());
        let mut entries: Vec<TrashEntry> = trashed_pages
            .into_iter()
            .map(|(page, entry)| TrashEntry {
                kind: TrashKind::Page,
                id: page.id,
                title: page.title.clone(),
                page_id: PageId(page.id),
                page_title: page.title,
                trashed_by: person(entry.trashed_by),
                trashed_at: entry.trashed_at,
            })
            .collect();
        entries.extend(trashed_files.into_iter().map(|(row, _)| TrashEntry {
            kind: TrashKind::Attachment,
            id: row.id,
            page_title: titles.get(&row.page_id).cloned().unwrap_or_default(),
            title: row.file_name,
            page_id: PageId(row.page_id),
            trashed_by: person(row.trashed_by),
            trashed_at: row.trashed_at.unwrap_or(row.updated_at),
        }));
        entries.sort_by(|a, b| {
            b.trashed_at
                .cmp(&a.trashed_at)
                .then_with(|| b.id.cmp(&a.id))
                .then_with(|| {
                    (a.kind == TrashKind::Attachment).cmp(&(b.kind == TrashKind::Attachment))
                })
        });
        let rest: Vec<TrashEntry> = entries
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .collect();
        Ok(Slice::from_overfetch(rest, limit, |entry| entry))
    }

    /// Restores a trashed page: under its old parent if that parent is still
    /// a current page of the space, otherwise under the space's home page.
    /// Paths and restriction keys are recomputed in the same transaction, so
    /// the page comes back under the restrictions of its new place. A
    /// current page with the same title is a conflict naming it, and so is
    /// a fallback to the home page that would drop a view restriction the
    /// page inherited (restore the restricted page first).
    pub async fn restore_page(&self, viewer: &Viewer, id: PageId) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (mut page, space) = trashed_page(tx.conn(), &access, id).await?;
        let page = if page.kind == pages::BLOG_POST {
            // A blog post stands in no tree: it only comes back.
            page.status = "current".to_owned();
            page.updated_by = Some(actor);
            page.updated_at = now;
            trash::forget(tx.conn(), page.id).await?;
            pages::update(tx.conn(), page).await?
        } else {
            ensure_title_free(tx.conn(), space.id, &page.title, None).await?;
            let remembered = trash::find(tx.conn(), page.id).await?;
            let (old_parent, old_position) = match &remembered {
                Some(entry) => (entry.parent_id, entry.position),
                None => (page.parent_id, page.position),
            };
            let old_parent = match old_parent {
                Some(parent_id) => pages::find(tx.conn(), parent_id)
                    .await?
                    .filter(|parent| parent.status == "current" && parent.space_id == space.id),
                None => None,
            };
            let (parent, placement) = match old_parent {
                Some(parent) => {
                    // Back at its old position among the siblings now there.
                    let siblings =
                        pages::children(tx.conn(), space.id, Some(parent.id), 0, ALL).await?;
                    let placement = usize::try_from(old_position)
                        .ok()
                        .and_then(|index| siblings.get(index))
                        .map_or(Placement::Append, |sibling| {
                            Placement::Before(PageId(sibling.id))
                        });
                    (Some(parent), placement)
                }
                None => {
                    // Under the home page it would lose a view restriction it
                    // inherited from the page it hung under: refused, so that
                    // restoring never exposes a restricted page.
                    if page.restriction_key.is_some_and(|key| key != page.id) {
                        return Err(AppError::Conflict(
                            "this page was under a view restriction of a page that is no longer current; restore that page first".to_owned(),
                        ));
                    }
                    (home_page(tx.conn(), &space).await?, Placement::Append)
                }
            };
            page.status = "current".to_owned();
            page.updated_by = Some(actor);
            page.updated_at = now;
            let page = pages::update(tx.conn(), page).await?;
            let page =
                crate::tree::relocate(tx.conn(), page, &space, parent.as_ref(), placement).await?;
            recompute_restriction_keys(tx.conn(), &page).await?;
            trash::forget(tx.conn(), page.id).await?;
            pages::find(tx.conn(), page.id).await?.unwrap_or(page)
        };
        audit(
            tx.conn(),
            now,
            Some(actor),
            "page.restore",
            ("page", page.id.to_string()),
            json!({ "title": page.title, "parent": page.parent_id }),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "page.restored",
            ("page", page.id),
            Some(space.id),
        )
        .await?;
        tx.commit().await?;
        Ok(page_from_row(page))
    }

    /// Purges a trashed page with everything hanging on it, then removes the
    /// files no remaining attachment version uses.
    pub async fn purge_page(&self, viewer: &Viewer, id: PageId) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, space) = match trashed_page(tx.conn(), &access, id).await {
            Err(AppError::NotFound) => {
                // As in Confluence, only a trashed page is purged; a current
                // one the caller sees is a conflict, anything else missing.
                crate::access::visible_page(tx.conn(), &access, id).await?;
                return Err(not_in_trash("page"));
            }
            found => found?,
        };
        let hashes = purge_page_rows(tx.conn(), &space, page, actor, now).await?;
        tx.commit().await?;
        self.remove_unreferenced(&hashes).await;
        Ok(())
    }

    /// Restores a trashed attachment to its page. The page must be current,
    /// and have no current file of the same name.
    pub async fn restore_attachment(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (row, page, space) = trashed_attachment(tx.conn(), &access, id).await?;
        if page.status != "current" {
            return Err(AppError::Conflict(format!(
                "the page `{}` is in the trash; restore it first",
                page.title
            )));
        }
        if attachments::find_by_name(tx.conn(), page.id, &row.file_name)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(format!(
                "the page already has a file named `{}`",
                row.file_name
            )));
        }
        set_attachment_trashed(tx.conn(), row, false, (page.id, space.id), actor, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Purges a trashed attachment with its versions, then removes the files
    /// no remaining version uses.
    pub async fn purge_attachment(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (row, page, space) = match trashed_attachment(tx.conn(), &access, id).await {
            Err(AppError::NotFound) => {
                // A current file the caller sees is a conflict (delete it
                // first); anything else answers like a missing one.
                match attachments::find(tx.conn(), id).await? {
                    Some(row) if row.status == "current" => {
                        crate::access::visible_page(tx.conn(), &access, PageId(row.page_id))
                            .await?;
                        return Err(not_in_trash("attachment"));
                    }
                    _ => return Err(AppError::NotFound),
                }
            }
            found => found?,
        };
        let hashes = purge_attachment_rows(tx.conn(), &space, &page, row, actor, now).await?;
        tx.commit().await?;
        self.remove_unreferenced(&hashes).await;
        Ok(())
    }

    /// Purges everything in the space's trash that the admin sees there.
    pub async fn empty_trash(&self, viewer: &Viewer, space: SpaceId) -> AppResult<Emptied> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let space = trash_space(tx.conn(), &access, space).await?;
        let filter = access.page_filter();
        let files = trash::attachments(tx.conn(), filter.visibility(), space.id, ALL).await?;
        let mut trashed_pages = trash::pages(tx.conn(), filter.visibility(), space.id, ALL).await?;
        // Deepest first: a page trashed from under another goes before it,
        // so it never has to move (and lose a restriction) on the way out.
        trashed_pages.sort_by_key(|(page, _)| std::cmp::Reverse(page.path.len()));
        let mut hashes = BTreeSet::new();
        let mut emptied = Emptied::default();
        let purged_pages: BTreeSet<i64> = trashed_pages.iter().map(|(page, _)| page.id).collect();
        for (row, _) in files {
            // A trashed page's files go with it below.
            if purged_pages.contains(&row.page_id) {
                continue;
            }
            let Some(page) = pages::find(tx.conn(), row.page_id).await? else {
                continue;
            };
            hashes.extend(purge_attachment_rows(tx.conn(), &space, &page, row, actor, now).await?);
            emptied.attachments += 1;
        }
        for (page, _) in trashed_pages {
            // An earlier purge may have moved it (it hung under a purged page).
            let Some(page) = pages::find(tx.conn(), page.id).await? else {
                continue;
            };
            hashes.extend(purge_page_rows(tx.conn(), &space, page, actor, now).await?);
            emptied.pages += 1;
        }
        audit(
            tx.conn(),
            now,
            Some(actor),
            "space.trash_empty",
            ("space", space.id.to_string()),
            json!({ "pages": emptied.pages, "attachments": emptied.attachments }),
        )
        .await?;
        tx.commit().await?;
        self.remove_unreferenced(&hashes).await;
        Ok(emptied)
    }

    /// Removes stored files that no attachment version refers to and that
    /// are at least `min_age` old (younger ones may belong to an upload whose
    /// transaction has not committed yet). Returns how many were removed.
    /// Run at startup; also the cleanup for removals a purge could not do.
    pub async fn sweep_unreferenced_files(&self, min_age: Duration) -> AppResult<usize> {
        let referenced = trash::referenced_hashes(self.store.read()).await?;
        let stored = self
            .blobs
            .stored_files()
            .await
            .map_err(|err| AppError::Internal(Box::new(err)))?;
        let now = self.now();
        let mut removed = 0;
        for (hash, modified) in stored {
            let age = now - OffsetDateTime::from(modified);
            if referenced.contains(&hash) || age < min_age {
                continue;
            }
            match self.blobs.remove(&hash).await {
                Ok(()) => removed += 1,
                Err(err) => {
                    tracing::warn!(%err, "could not remove an unreferenced attachment file")
                }
            }
        }
        Ok(removed)
    }

    /// After a purge has committed: removes those of `hashes` that no
    /// attachment version uses any more. Failures are logged, not returned:
    /// the purge is done, and the sweep removes what is left.
    async fn remove_unreferenced(&self, hashes: &BTreeSet<String>) {
        let unused = match trash::unreferenced(self.store.read(), hashes).await {
            Ok(unused) => unused,
            Err(err) => {
                tracing::warn!(%err, "could not check which attachment files are unused");
                return;
            }
        };
        for hash in unused {
            if let Err(err) = self.blobs.remove(&hash).await {
                tracing::warn!(%err, "could not remove a purged attachment file");
            }
        }
    }
}

fn not_in_trash(what: &str) -> AppError {
    AppError::Conflict(format!(
        "the {what} is not in the trash; delete it first, then purge it"
    ))
}

/// The space's home page, if it is current (restored pages go under it).
async fn home_page(conn: &impl Conn, space: &SpaceRow) -> AppResult<Option<PageRow>> {
    Ok(match space.homepage_id {
        Some(id) => pages::find(conn, id)
            .await?
            .filter(|home| home.status == "current"),
        None => None,
    })
}

/// A trashed attachment with its page and space, if `access` may open the
/// space's trash and view the page (current or trashed).
async fn trashed_attachment(
    conn: &impl Conn,
    access: &Access,
    id: i64,
) -> AppResult<(AttachmentRow, PageRow, SpaceRow)> {
    let row = match attachments::find(conn, id).await? {
        Some(row) if row.status == "trashed" => row,
        _ => return Err(AppError::NotFound),
    };
    let (page, space) = trash_holder(conn, access, PageId(row.page_id)).await?;
    Ok((row, page, space))
}

/// Deletes a trashed page's rows (and what hangs on them), with its audit and
/// journal entries. Pages still hanging under it (drafts, pages trashed
/// before it) move under the home page first. Returns the content hashes
/// its attachments used.
async fn purge_page_rows(
    conn: &impl Conn,
    space: &SpaceRow,
    page: PageRow,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<BTreeSet<String>> {
    let home = home_page(conn, space).await?;
    let hanging = trash::hanging_under(conn, page.id).await?;
    if hanging
        .iter()
        .any(|row| row.status == "trashed" && row.restriction_key.is_some_and(|key| key != row.id))
    {
        // Moved under the home page it would lose the view restriction it
        // inherited here; the admin restores or purges it first.
        return Err(AppError::Conflict(format!(
            "a page trashed from under `{}` is protected by a view restriction it would lose; restore or purge it first",
            page.title
        )));
    }
    for child in hanging {
        let moved =
            crate::tree::relocate(conn, child, space, home.as_ref(), Placement::Append).await?;
        recompute_restriction_keys(conn, &moved).await?;
    }
    let hashes = trash::purge_page(conn, page.id).await?;
    audit(
        conn,
        now,
        Some(actor),
        "page.purge",
        ("page", page.id.to_string()),
        json!({ "title": page.title, "space": space.id }),
    )
    .await?;
    journal(conn, now, "page.purged", ("page", page.id), Some(space.id)).await?;
    Ok(hashes)
}

async fn purge_attachment_rows(
    conn: &impl Conn,
    space: &SpaceRow,
    page: &PageRow,
    row: AttachmentRow,
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<BTreeSet<String>> {
    let hashes = trash::purge_attachment(conn, row.id).await?;
    audit(
        conn,
        now,
        Some(actor),
        "attachment.purge",
        ("attachment", row.id.to_string()),
        json!({ "page": page.id, "file": row.file_name }),
    )
    .await?;
    journal(
        conn,
        now,
        "attachment.purged",
        ("attachment", row.id),
        Some(space.id),
    )
    .await?;
    Ok(hashes)
}

/// Moves an attachment into (`trashed`) or out of its space's trash, with
/// the audit and journal entries of that change. `place` is the attachment's
/// page and space; the caller checked the permission.
pub(crate) async fn set_attachment_trashed(
    conn: &impl Conn,
    row: AttachmentRow,
    trashed: bool,
    place: (i64, i64),
    actor: i64,
    now: OffsetDateTime,
) -> AppResult<()> {
    let row = trash::set_attachment_trashed(conn, row, trashed, actor, now).await?;
    let (action, kind) = if trashed {
        ("attachment.delete", "attachment.trashed")
    } else {
        ("attachment.restore", "attachment.restored")
    };
    audit(
        conn,
        now,
        Some(actor),
        action,
        ("attachment", row.id.to_string()),
        json!({ "page": place.0, "file": row.file_name }),
    )
    .await?;
    journal(conn, now, kind, ("attachment", row.id), Some(place.1)).await?;
    Ok(())
}

/// Moves a page or blog post to its space's trash, remembering where it
/// stood (what restoring needs), with its audit (`action`) and journal
/// entries. The caller checked the permission and moved any children.
pub(crate) async fn move_to_trash(
    conn: &impl portico_store::Conn,
    mut page: portico_store::PageRow,
    space_id: i64,
    action: &str,
    actor: i64,
    now: time::OffsetDateTime,
) -> AppResult<()> {
    trash::remember(conn, &page, actor, now).await?;
    page.status = "trashed".to_owned();
    page.updated_by = Some(actor);
    page.updated_at = now;
    let page = pages::update(conn, page).await?;
    audit(
        conn,
        now,
        Some(actor),
        action,
        ("page", page.id.to_string()),
        serde_json::json!({ "title": page.title }),
    )
    .await?;
    journal(conn, now, "page.trashed", ("page", page.id), Some(space_id)).await?;
    Ok(())
}
