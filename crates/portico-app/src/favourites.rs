//! Favourites ("saved for later", SPEC 2.1): star and unstar a page one may
//! take part in (`portico_core::reaction::may_take_part`), and list one's
//! stars through one's *current* access set, in the query: a page restricted
//! or unshared afterwards drops out of the list, and comes back with access.

use portico_core::reaction::may_take_part;
use portico_core::{PageId, Viewer};
use portico_store::{favourites, pages};

use crate::App;
use crate::access::{page_ref, visible_page};
use crate::error::{AppError, AppResult};
use crate::model::{Page, Slice, page_from_row};

impl App {
    /// Stars or unstars a page.
    pub async fn set_favourite(&self, viewer: &Viewer, page: PageId, on: bool) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let user = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, _) = visible_page(tx.conn(), &access, page).await?;
        if !may_take_part(&access.set, page_ref(&page, None)) {
            return Err(AppError::NotFound);
        }
        if on {
            favourites::add(tx.conn(), user, page.id, now).await?;
        } else {
            favourites::remove(tx.conn(), user, page.id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the viewer starred a page they can view.
    pub async fn is_favourite(&self, viewer: &Viewer, page: PageId) -> AppResult<bool> {
        let access = self.access(viewer).await?;
        let Some(user) = access.user_id() else {
            return Ok(false);
        };
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, page).await?;
        Ok(favourites::is_favourite(conn, user, page.id).await?)
    }

    /// The viewer's starred pages they can view now, most recently starred
    /// first; `after` (the last page of the previous slice) continues.
    pub async fn favourites(
        &self,
        viewer: &Viewer,
        after: Option<PageId>,
        limit: u64,
    ) -> AppResult<Slice<Page>> {
        let access = self.access(viewer).await?;
        let user = access.actor()?;
        let conn = self.store.read();
        let before = match after {
            Some(page) => favourites::starred_at(conn, user, page.0)
                .await?
                .map(|at| (at, page.0)),
            None => None,
        };
        let filter = access.page_filter();
        let starred = favourites::list(conn, user, filter.visibility(), before, limit + 1).await?;
        let ids: Vec<i64> = starred.iter().map(|star| star.page_id).collect();
        let mut rows = pages::find_many(conn, &ids).await?;
        rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
        Ok(Slice::from_overfetch(rows, limit, page_from_row))
    }
}
