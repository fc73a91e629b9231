//! Page history: list versions, read one, diff any two, restore an old one.

use portico_core::policy::Action;
use portico_core::{PageId, Viewer};
use portico_store::versions;
use serde_json::json;

use crate::App;
use crate::access::{require_page, visible_page};
use crate::error::{AppError, AppResult};
use crate::model::{Page, Slice, Version, VersionDiff, page_from_row, version_from_row};
use crate::pages::{ensure_title_free, save_version};
use crate::record::{audit, journal};

impl App {
    /// Versions of a page, newest first, numbered below `before` if given.
    pub async fn versions(
        &self,
        viewer: &Viewer,
        id: PageId,
        before: Option<i64>,
        limit: u64,
    ) -> AppResult<Slice<Version>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, id).await?;
        let rows = versions::list(conn, page.id, before, limit + 1).await?;
        Ok(Slice::from_overfetch(rows, limit, version_from_row))
    }

    pub async fn version(&self, viewer: &Viewer, id: PageId, number: i64) -> AppResult<Version> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, id).await?;
        let Some(mut version) = versions::find(conn, page.id, number).await? else {
            return Err(AppError::NotFound);
        };
        version.body = crate::links::for_reader(conn, &access, version.body, page.space_id).await?;
        Ok(version_from_row(version))
    }

    /// The line diff between versions `from` and `to` of a page (either order).
    pub async fn diff(
        &self,
        viewer: &Viewer,
        id: PageId,
        from: i64,
        to: i64,
    ) -> AppResult<VersionDiff> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, id).await?;
        let from = versions::find(conn, page.id, from)
            .await?
            .map(version_from_row)
            .ok_or(AppError::NotFound)?;
        let to = versions::find(conn, page.id, to)
            .await?
            .map(version_from_row)
            .ok_or(AppError::NotFound)?;
        let (mut from, mut to) = (from, to);
        // Links the viewer can't follow show no title in the diff either.
        from.body = crate::links::for_reader(conn, &access, from.body, page.space_id).await?;
        to.body = crate::links::for_reader(conn, &access, to.body, page.space_id).await?;
        let lines = portico_format::diff(&from.body, &to.body);
        Ok(VersionDiff { from, to, lines })
    }

    /// Restores version `number` by saving its title and body as a new version.
    /// `current` is the version the caller saw; if the page moved on since, the
    /// restore is refused with a conflict.
    pub async fn restore_version(
        &self,
        viewer: &Viewer,
        id: PageId,
        number: i64,
        current: i64,
    ) -> AppResult<Page> {
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (page, space) = visible_page(tx.conn(), &access, id).await?;
        require_page(tx.conn(), &access, Action::EditPage, &page, &space).await?;
        if page.version != current {
            return Err(AppError::Conflict(format!(
                "version conflict: the page is now at version {}, not {current}; reload and try again",
                page.version
            )));
        }
        let old = versions::find(tx.conn(), page.id, number)
            .await?
            .ok_or(AppError::NotFound)?;
        if page.kind == portico_store::pages::PAGE {
            ensure_title_free(tx.conn(), space.id, &old.title, Some(page.id)).await?;
        }
        // Restoring writes the old text again: mentions it adds to the
        // current version are checked like any save's.
        let mentioned = if page.status == "current" {
            self.accepted_mentions(tx.conn(), &access, Some(&page.body), &old.body, &page)
                .await?
        } else {
            Vec::new()
        };
        let message = format!("Restored version {number}");
        let page = save_version(tx.conn(), page, old.title, old.body, &message, actor, now).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "page.restore_version",
            ("page", page.id.to_string()),
            json!({ "restored": number, "version": page.version }),
        )
        .await?;
        journal(
            tx.conn(),
            now,
            "page.updated",
            ("page", page.id),
            Some(space.id),
        )
        .await?;
        crate::notifications::page_updated(tx.conn(), &space, &page, actor, now).await?;
        crate::notifications::mentioned(tx.conn(), &space, &page, None, &mentioned, actor, now)
            .await?;
        tx.commit().await?;
        Ok(page_from_row(page))
    }
}
