//! The bridge between stored rows and `portico_core`'s engine: every read of a
//! single space or page goes through `visible_*`, every change through
//! `require`, and every list through `access_set`.

use portico_core::policy::{self, AccessSet, Action, Resource, SpaceFacts};
use portico_core::{SpaceId, UserId, Viewer};
use portico_store::{Conn, PageRow, SpaceRow, pages, spaces};

use crate::App;
use crate::error::{AppError, AppResult};

pub(crate) fn facts(space: &SpaceRow) -> SpaceFacts {
    SpaceFacts {
        id: SpaceId(space.id),
        created_by: space.created_by.map(UserId),
        archived: space.status == "archived",
    }
}

/// Fails with `Forbidden` (naming the permission) unless `viewer` may do `action` in `space`.
pub(crate) fn require(viewer: &Viewer, action: Action, space: &SpaceRow) -> AppResult<()> {
    let decision = policy::decide(viewer, action, Resource::Space(&facts(space)));
    if decision.allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            permission: action.permission(),
            reason: decision.reasons.join("; "),
        })
    }
}

/// Fails unless `viewer` may do a site-wide `action` (create a space, ...).
pub(crate) fn require_site(viewer: &Viewer, action: Action) -> AppResult<()> {
    let decision = policy::decide(viewer, action, Resource::Site);
    if decision.allowed {
        Ok(())
    } else {
        Err(AppError::Forbidden {
            permission: action.permission(),
            reason: decision.reasons.join("; "),
        })
    }
}

fn can_view(viewer: &Viewer, space: &SpaceRow) -> bool {
    policy::decide(viewer, Action::ViewSpace, Resource::Space(&facts(space))).allowed
}

impl App {
    /// The spaces `viewer` may view.
    pub(crate) async fn access_set(&self, viewer: &Viewer) -> AppResult<AccessSet> {
        if viewer == &Viewer::Anonymous {
            return Ok(AccessSet::default());
        }
        let rows = spaces::all(self.store.read()).await?;
        let all: Vec<SpaceFacts> = rows.iter().map(facts).collect();
        Ok(policy::access_set(viewer, &all))
    }
}

/// The space with `id` if it exists and `viewer` may view it; otherwise `NotFound`.
pub(crate) async fn visible_space(
    conn: &impl Conn,
    viewer: &Viewer,
    id: SpaceId,
) -> AppResult<SpaceRow> {
    match spaces::find(conn, id.0).await? {
        Some(space) if can_view(viewer, &space) => Ok(space),
        _ => Err(AppError::NotFound),
    }
}

/// Same as [`visible_space`], by key.
pub(crate) async fn visible_space_by_key(
    conn: &impl Conn,
    viewer: &Viewer,
    key: &str,
) -> AppResult<SpaceRow> {
    match spaces::find_by_key(conn, &key.to_ascii_uppercase()).await? {
        Some(space) if can_view(viewer, &space) => Ok(space),
        _ => Err(AppError::NotFound),
    }
}

/// The current page with `id` and its space, if `viewer` may view it;
/// otherwise `NotFound` (trashed pages are not found until trash exists).
pub(crate) async fn visible_page(
    conn: &impl Conn,
    viewer: &Viewer,
    id: portico_core::PageId,
) -> AppResult<(PageRow, SpaceRow)> {
    let Some(page) = pages::find(conn, id.0).await? else {
        return Err(AppError::NotFound);
    };
    if page.status != "current" {
        return Err(AppError::NotFound);
    }
    let space = visible_space(conn, viewer, SpaceId(page.space_id)).await?;
    Ok((page, space))
}
