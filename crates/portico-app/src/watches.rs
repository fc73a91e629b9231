//! Watching a space (to hear of every page published in it) or a page (its
//! edits and comments): start, stop, "am I watching". Only what the viewer
//! can view may be watched; anything else answers like a missing id. What a
//! watch delivers is decided per notice (`crate::notifications`), so a watch
//! on something the watcher later loses brings them nothing.

use portico_core::{PageId, SpaceId, Viewer};
use portico_store::watches::{self, Watched};

use crate::App;
use crate::access::{Access, visible_page, visible_space};
use crate::error::AppResult;

/// What a watch is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchTarget {
    Space(SpaceId),
    Page(PageId),
}

/// The stored form of `target`, if `access` can view it (else `NotFound`).
async fn watched(
    conn: &impl portico_store::Conn,
    access: &Access,
    target: WatchTarget,
) -> AppResult<Watched> {
    Ok(match target {
        WatchTarget::Space(id) => Watched::Space(visible_space(conn, access, id).await?.id),
        WatchTarget::Page(id) => Watched::Page(visible_page(conn, access, id).await?.0.id),
    })
}

impl App {
    /// Starts watching a space or page the viewer can view (watching twice is
    /// one watch).
    pub async fn watch(&self, viewer: &Viewer, target: WatchTarget) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let user = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let what = watched(tx.conn(), &access, target).await?;
        watches::watch(tx.conn(), user, what, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stops watching a space or page the viewer can view (not watching it
    /// is fine).
    pub async fn unwatch(&self, viewer: &Viewer, target: WatchTarget) -> AppResult<()> {
        let access = self.access(viewer).await?;
        let user = access.actor()?;
        let tx = self.store.write().await?;
        let what = watched(tx.conn(), &access, target).await?;
        watches::unwatch(tx.conn(), user, what).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Whether the viewer watches a space or page they can view.
    pub async fn is_watching(&self, viewer: &Viewer, target: WatchTarget) -> AppResult<bool> {
        let access = self.access(viewer).await?;
        let user = access.actor()?;
        let conn = self.store.read();
        let what = watched(conn, &access, target).await?;
        Ok(watches::is_watching(conn, user, what).await?)
    }
}
