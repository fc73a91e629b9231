//! Labels on pages (SPEC 2.1): list a page's labels, add and remove them
//! (who may edit the page may label it, as in Confluence), and the pages that
//! carry a label — only those the viewer may view, filtered in the query.

use portico_core::label::{MAX_LABELS_AT_ONCE, label_name};
use portico_core::policy::Action;
use portico_core::validation::ValidationError;
use portico_core::{PageId, Viewer};
use portico_store::{labels, pages};
use serde_json::json;

use crate::App;
use crate::access::{require_page, visible_page};
use crate::error::{AppError, AppResult};
use crate::model::{Page, Slice, page_from_row};
use crate::record::{audit, journal};

/// A label as shown on a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub id: i64,
    pub name: String,
}

impl App {
    /// The labels on a page the viewer may view, by name.
    pub async fn page_labels(&self, viewer: &Viewer, page: PageId) -> AppResult<Vec<Label>> {
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let (page, _) = visible_page(conn, &access, page).await?;
        Ok(labels::for_page(conn, page.id)
            .await?
            .into_iter()
            .map(|row| Label {
                id: row.id,
                name: row.name,
            })
            .collect())
    }

    /// Adds labels to a page (needs `EditPage` there). Names are checked and
    /// spelled one way (`portico_core::label`); ones already on the page are
    /// kept once. Returns the page's labels after the change.
    pub async fn add_labels(
        &self,
        viewer: &Viewer,
        page: PageId,
        names: &[String],
    ) -> AppResult<Vec<Label>> {
        if names.is_empty() || names.len() > MAX_LABELS_AT_ONCE {
            return Err(ValidationError::new(
                "labels",
                format!(
                    "must name 1 to {MAX_LABELS_AT_ONCE} labels, not {}",
                    names.len()
                ),
            )
            .into());
        }
        let names = names
            .iter()
            .map(|name| label_name(name))
            .collect::<Result<Vec<_>, _>>()?;
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (row, space) = visible_page(tx.conn(), &access, page).await?;
        require_page(tx.conn(), &access, Action::EditPage, &row, &space).await?;
        let mut added = Vec::new();
        for name in &names {
            if labels::add(tx.conn(), row.id, name, actor, now).await? {
                added.push(name.clone());
            }
        }
        if !added.is_empty() {
            let details = json!({ "added": added });
            record_change(tx.conn(), now, actor, &row, &space, "page.label", details).await?;
        }
        tx.commit().await?;
        self.page_labels(viewer, page).await
    }

    /// Takes a label off a page (needs `EditPage`). A label the page doesn't
    /// carry is `NotFound`.
    pub async fn remove_label(&self, viewer: &Viewer, page: PageId, name: &str) -> AppResult<()> {
        let name = label_name(name)?;
        let access = self.access(viewer).await?;
        let actor = access.actor()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (row, space) = visible_page(tx.conn(), &access, page).await?;
        require_page(tx.conn(), &access, Action::EditPage, &row, &space).await?;
        if !labels::remove(tx.conn(), row.id, &name).await? {
            return Err(AppError::NotFound);
        }
        let details = json!({ "removed": name });
        record_change(tx.conn(), now, actor, &row, &space, "page.unlabel", details).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The current pages carrying `name` that the viewer may view, in id
    /// order after `after`. An unknown label lists nothing, like a label no
    /// visible page carries: the answer never tells them apart.
    pub async fn labelled_pages(
        &self,
        viewer: &Viewer,
        name: &str,
        after: Option<PageId>,
        limit: u64,
    ) -> AppResult<Slice<Page>> {
        let name = label_name(name)?;
        let access = self.access(viewer).await?;
        let conn = self.store.read();
        let Some(label) = labels::find_by_name(conn, &name).await? else {
            return Ok(Slice {
                items: Vec::new(),
                has_more: false,
            });
        };
        let filter = access.page_filter();
        let rows = pages::list(
            conn,
            pages::PageQuery {
                visible: filter.visibility(),
                space_ids: None,
                title: None,
                label_id: Some(label.id),
                // Label pages list blog posts too.
                kind: None,
                status: "current",
                after_id: after.map(|id| id.0),
                limit: limit + 1,
            },
        )
        .await?;
        Ok(Slice::from_overfetch(rows, limit, page_from_row))
    }
}

/// The audit entry of a change to a page's labels, and its journal entry
/// (for a published page only: a draft is announced nowhere).
async fn record_change(
    conn: &impl portico_store::Conn,
    now: time::OffsetDateTime,
    actor: i64,
    page: &portico_store::PageRow,
    space: &portico_store::SpaceRow,
    action: &str,
    details: serde_json::Value,
) -> AppResult<()> {
    let target = ("page", page.id.to_string());
    audit(conn, now, Some(actor), action, target, details).await?;
    if page.status == "current" {
        let entry = ("page", page.id);
        journal(conn, now, "page.labelled", entry, Some(space.id)).await?;
    }
    Ok(())
}
