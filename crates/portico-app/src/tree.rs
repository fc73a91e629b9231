//! The page tree: moving (within and across spaces, with the whole subtree),
//! reordering, copying, and reading the tree and breadcrumbs.

use std::collections::HashMap;

use portico_core::page::{self, Placement};
use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, SpaceId, Viewer};
use portico_store::permissions::{self, RestrictionKind};
use portico_store::watches::{self, Watched};
use portico_store::{Conn, PageRow, SpaceRow, pages, versions};
use serde_json::json;

use crate::App;
use crate::access::{Access, require_page, visible_of_kind, visible_page, visible_space};
use crate::error::{AppError, AppResult};
use crate::model::{Crumb, Page, TreeEntry, page_from_row};
use crate::pages::ensure_title_free;
use crate::permissions::recompute_restriction_keys;
use crate::record::{audit, journal};

/// Where a page goes, relative to a page or a space (as in Confluence's
/// `move/{position}/{targetId}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveTo {
    /// Last child of this page.
    Under(PageId),
    /// Sibling just before this page.
    Before(PageId),
    /// Sibling just after this page.
    After(PageId),
    /// Top level of this space, after the pages already there.
    TopOf(SpaceId),
}

/// Options for copying a page.
pub struct CopyTo {
    pub destination: MoveTo,
    /// The copy's title; by default the original's, or "Copy of ..." when taken.
    pub title: Option<String>,
    pub include_descendants: bool,
}

/// A resolved destination: the space, the new parent and the sibling placement.
struct Target {
    space: SpaceRow,
    parent: Option<PageRow>,
    placement: Placement,
}

fn bad_target() -> AppError {
    // Missing and invisible targets get the same answer.
    ValidationError::new("target", "must be a page or space you can see").into()
}

/// Blog posts are in no tree, so they can't be moved or copied in one
/// (a conflict, not a missing page: the caller can see the post).
fn refuse_blog_post(row: &PageRow, done: &str) -> AppResult<()> {
    if row.kind == pages::BLOG_POST {
        return Err(AppError::Conflict(format!(
            "a blog post can't be {done}: blog posts are in no page tree"
        )));
    }
    Ok(())
}

async fn resolve(conn: &impl Conn, access: &Access, destination: MoveTo) -> AppResult<Target> {
    let (anchor, placement) = match destination {
        MoveTo::TopOf(space_id) => {
            let space = visible_space(conn, access, space_id)
                .await
                .map_err(|_| bad_target())?;
            return Ok(Target {
                space,
                parent: None,
                placement: Placement::Append,
            });
        }
        MoveTo::Under(id) => (id, Placement::Append),
        MoveTo::Before(id) => (id, Placement::Before(id)),
        MoveTo::After(id) => (id, Placement::After(id)),
    };
    // Blog posts are in no tree: nothing goes under or beside them.
    let (anchor_row, space) = visible_of_kind(conn, access, anchor, pages::PAGE)
        .await
        .map_err(|_| bad_target())?;
    let parent = match placement {
        Placement::Append => Some(anchor_row),
        Placement::Before(_) | Placement::After(_) => match anchor_row.parent_id {
            Some(parent_id) => pages::find(conn, parent_id).await?,
            None => None,
        },
    };
    Ok(Target {
        space,
        parent,
        placement,
    })
}

/// Puts `page` (and its whole subtree) under `parent` in `space`, recomputing
/// every descendant's path and space in the same transaction, then orders it
/// among its new siblings.
pub(crate) async fn relocate(
    conn: &impl Conn,
    mut moving: PageRow,
    space: &SpaceRow,
    parent: Option<&PageRow>,
    placement: Placement,
) -> AppResult<PageRow> {
    let new_path = page::child_path(parent.map(|p| (PageId(p.id), p.path.as_str())));
    let old_prefix = page::descendants_prefix(PageId(moving.id), &moving.path);
    let new_prefix = page::descendants_prefix(PageId(moving.id), &new_path);
    if old_prefix != new_prefix || moving.space_id != space.id {
        for mut descendant in pages::subtree(conn, moving.space_id, &old_prefix).await? {
            // INVARIANT: every row from `subtree` has a path starting with `old_prefix`.
            let rest = descendant
                .path
                .get(old_prefix.len()..)
                .unwrap_or_default()
                .to_owned();
            descendant.path = format!("{new_prefix}{rest}");
            descendant.space_id = space.id;
            pages::update(conn, descendant).await?;
        }
    }
    moving.parent_id = parent.map(|p| p.id);
    moving.space_id = space.id;
    moving.path = new_path;
    let moving = pages::update(conn, moving).await?;
    let siblings: Vec<PageId> = pages::children(conn, space.id, moving.parent_id, 0, u64::MAX >> 1)
        .await?
        .into_iter()
        .map(|row| PageId(row.id))
        .collect();
    let order: Vec<i64> = page::place(&siblings, PageId(moving.id), placement)
        .into_iter()
        .map(|id| id.0)
        .collect();
    pages::set_positions(conn, &order).await?;
    Ok(pages::find(conn, moving.id).await?.unwrap_or(moving))
}

/// `title` if it is free in the space, else "Copy of title", then numbered.
async fn copy_title(conn: &impl Conn, space_id: i64, title: &str) -> AppResult<String> {
    if !pages::title_taken(conn, space_id, title, None).await? {
        return Ok(title.to_owned());
    }
    let base: String = format!("Copy of {title}")
        .chars()
        .take(page::MAX_TITLE_LEN - 6)
        .collect();
    if !pages::title_taken(conn, space_id, &base, None).await? {
        return Ok(base);
    }
    for n in 2..1000 {
        let candidate = format!("{base} ({n})");
        if !pages::title_taken(conn, space_id, &candidate, None).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::Conflict(format!(
        "too many copies of `{title}` in this space"
    )))
}

impl App {
    /// Moves a page with its subtree: reorders among siblings, moves under
    /// another parent, or carries it to another space.
    pub async fn move_page(
        &self,
        viewer: &Viewer,
        id: PageId,
        destination: MoveTo,
    ) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (moving, source_space) = visible_page(tx.conn(), &access, id).await?;
        refuse_blog_post(&moving, "moved")?;
        require_page(tx.conn(), &access, Action::EditPage, &moving, &source_space).await?;
        let target = resolve(tx.conn(), &access, destination).await?;
        access.require_create_under(&target.space, target.parent.as_ref())?;
        if moving.status == "draft" {
            return Err(ValidationError::new("id", "publish a draft before moving it").into());
        }
        let parent_key = target
            .parent
            .as_ref()
            .map(|p| (PageId(p.id), p.path.as_str()));
        page::check_move(PageId(moving.id), &moving.path, parent_key)
            .map_err(|err| ValidationError::new("target", err.to_string()))?;
        if target.placement != Placement::Append
            && matches!(destination, MoveTo::Before(t) | MoveTo::After(t) if t == id)
        {
            return Err(
                ValidationError::new("target", "a page can't be placed beside itself").into(),
            );
        }
        let crosses_spaces = target.space.id != source_space.id;
        if crosses_spaces {
            if source_space.homepage_id == Some(moving.id) {
                return Err(AppError::Conflict(
                    "the home page of a space can't be moved to another space".to_owned(),
                ));
            }
            let prefix = page::descendants_prefix(PageId(moving.id), &moving.path);
            ensure_title_free(tx.conn(), target.space.id, &moving.title, None).await?;
            for descendant in pages::subtree(tx.conn(), moving.space_id, &prefix).await? {
                if descendant.status == "current" {
                    ensure_title_free(tx.conn(), target.space.id, &descendant.title, None).await?;
                }
            }
        }
        let moved = relocate(
            tx.conn(),
            moving,
            &target.space,
            target.parent.as_ref(),
            target.placement,
        )
        .await?;
        // The subtree's effective restrictions follow its new ancestors, in
        // this same transaction: a move never exposes a restricted descendant.
        recompute_restriction_keys(tx.conn(), &moved).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "page.move",
            ("page", moved.id.to_string()),
            json!({ "from_space": source_space.id, "to_space": target.space.id, "parent": moved.parent_id }),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "page.moved",
            ("page", moved.id),
            Some(target.space.id),
        )
        .await?;
        tx.commit().await?;
        Ok(page_from_row(moved))
    }

    /// Copies a page (optionally with its descendants) to a destination. Copies
    /// start a fresh history at version 1.
    pub async fn copy_page(&self, viewer: &Viewer, id: PageId, options: CopyTo) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (source, _) = visible_page(tx.conn(), &access, id).await?;
        refuse_blog_post(&source, "copied")?;
        let target = resolve(tx.conn(), &access, options.destination).await?;
        access.require_create_under(&target.space, target.parent.as_ref())?;
        let conn = tx.conn();
        let root_title = match &options.title {
            Some(title) => {
                let title = page::validate_title(title)?;
                ensure_title_free(conn, target.space.id, &title, None).await?;
                title
            }
            None => copy_title(conn, target.space.id, &source.title).await?,
        };
        let descendants = if options.include_descendants {
            let prefix = page::descendants_prefix(PageId(source.id), &source.path);
            let mut rows: Vec<PageRow> = pages::subtree(conn, source.space_id, &prefix)
                .await?
                .into_iter()
                // Only what the copier can see is copied.
                .filter(|row| row.status == "current" && access.can_view_page(row))
                .collect();
            // Parents before children: shorter paths first.
            rows.sort_by_key(|row| (row.path.len(), row.position, row.id));
            rows
        } else {
            Vec::new()
        };
        let message = format!("Copied from page {}", source.id);
        let root = insert_copy(
            conn,
            &target.space,
            target.parent.as_ref(),
            &source,
            &root_title,
            0,
            &message,
            actor,
            now,
        )
        .await?;
        let siblings: Vec<PageId> =
            pages::children(conn, target.space.id, root.parent_id, 0, u64::MAX >> 1)
                .await?
                .into_iter()
                .map(|row| PageId(row.id))
                .collect();
        let order: Vec<i64> = page::place(&siblings, PageId(root.id), target.placement)
            .into_iter()
            .map(|id| id.0)
            .collect();
        pages::set_positions(conn, &order).await?;
        let mut copies: HashMap<i64, PageRow> = HashMap::from([(source.id, root.clone())]);
        for original in &descendants {
            let Some(new_parent) = original.parent_id.and_then(|pid| copies.get(&pid)).cloned()
            else {
                continue;
            };
            let title = copy_title(conn, target.space.id, &original.title).await?;
            let copy = insert_copy(
                conn,
                &target.space,
                Some(&new_parent),
                original,
                &title,
                original.position,
                &message,
                actor,
                now,
            )
            .await?;
            copies.insert(original.id, copy);
        }
        for copy in copies.values() {
            journal(
                conn,
                now,
                "page.created",
                ("page", copy.id),
                Some(target.space.id),
            )
            .await?;
        }
        audit(
            conn,
            now,
            Some(actor),
            "page.copy",
            ("page", root.id.to_string()),
            json!({ "source": source.id, "pages": copies.len() }),
        )
        .await?;
        recompute_restriction_keys(conn, &root).await?;
        let root = pages::find(conn, root.id).await?.unwrap_or(root);
        // After the keys are final, so the copy's watchers are judged by the
        // restrictions it really has. The copy's root stands for the subtree.
        watches::watch(conn, actor, Watched::Page(root.id), now).await?;
        crate::notifications::page_published(conn, &target.space, &root, actor, now).await?;
        tx.commit().await?;
        Ok(page_from_row(root))
    }

    /// Every current page of a space in tree order (pre-order, with depth).
    pub async fn space_tree(
        &self,
        viewer: &Viewer,
        space_id: SpaceId,
    ) -> AppResult<Vec<TreeEntry>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let space = visible_space(conn, &access, space_id).await?;
        let filter = access.page_filter();
        let rows = pages::tree(conn, filter.visibility(), space.id).await?;
        let ids: std::collections::HashSet<i64> = rows.iter().map(|row| row.id).collect();
        let mut children: HashMap<Option<i64>, Vec<&PageRow>> = HashMap::new();
        for row in &rows {
            let parent = row.parent_id.filter(|id| ids.contains(id));
            children.entry(parent).or_default().push(row);
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut stack: Vec<(&PageRow, usize)> = children
            .get(&None)
            .map(|roots| roots.iter().rev().map(|row| (*row, 0)).collect())
            .unwrap_or_default();
        while let Some((row, depth)) = stack.pop() {
            out.push(TreeEntry {
                id: PageId(row.id),
                parent_id: row.parent_id.map(PageId),
                title: row.title.clone(),
                depth,
            });
            if let Some(kids) = children.get(&Some(row.id)) {
                stack.extend(kids.iter().rev().map(|kid| (*kid, depth + 1)));
            }
        }
        Ok(out)
    }

    /// The ancestors of a page, root first.
    pub async fn breadcrumbs(&self, viewer: &Viewer, id: PageId) -> AppResult<Vec<Crumb>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, id).await?;
        let ancestor_ids: Vec<i64> = page::ancestors(&page.path)
            .into_iter()
            .map(|id| id.0)
            .collect();
        let rows = pages::find_many(conn, &ancestor_ids).await?;
        let by_id: HashMap<i64, PageRow> = rows.into_iter().map(|row| (row.id, row)).collect();
        Ok(ancestor_ids
            .iter()
            .filter_map(|id| by_id.get(id))
            .filter(|row| access.can_view_page(row))
            .map(|row| Crumb {
                id: PageId(row.id),
                title: row.title.clone(),
            })
            .collect())
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "a private helper called from one place with named values"
)]
async fn insert_copy(
    conn: &impl Conn,
    space: &SpaceRow,
    parent: Option<&PageRow>,
    original: &PageRow,
    title: &str,
    position: i64,
    message: &str,
    actor: i64,
    now: time::OffsetDateTime,
) -> AppResult<PageRow> {
    let path = page::child_path(parent.map(|p| (PageId(p.id), p.path.as_str())));
    let copy = pages::insert(
        conn,
        pages::NewPage {
            space_id: space.id,
            parent_id: parent.map(|p| p.id),
            path: &path,
            position,
            title,
            body: &original.body,
            author_id: actor,
            status: "current",
            restriction_key: parent.and_then(|p| p.restriction_key),
            kind: pages::PAGE,
            now,
        },
    )
    .await?;
    // A copy keeps the original's restrictions, so copying never exposes it.
    let restrictions = permissions::restrictions_of(conn, &[original.id]).await?;
    for (kind, restriction) in [
        (RestrictionKind::View, restrictions.view.get(&original.id)),
        (RestrictionKind::Edit, restrictions.edit.get(&original.id)),
    ] {
        if let Some(restriction) = restriction {
            let users: Vec<_> = restriction.users.iter().copied().collect();
            let groups: Vec<_> = restriction.groups.iter().copied().collect();
            permissions::put_restriction(conn, copy.id, kind, &users, &groups).await?;
        }
    }
    versions::insert(
        conn,
        versions::NewVersion {
            page_id: copy.id,
            number: 1,
            title,
            body: &original.body,
            message,
            author_id: actor,
            now,
        },
    )
    .await?;
    Ok(copy)
}
