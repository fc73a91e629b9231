//! Labels on pages. Which pages carry a label is listed through
//! `pages::list` (`PageQuery::label_id`), so the viewer's filter applies.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    Set,
};

use crate::entity::{content_label, label};
use crate::{Conn, StoreError, Timestamp};

pub use label::Model as LabelRow;

/// The label called `name`, if any page ever carried it.
pub async fn find_by_name(conn: &impl Conn, name: &str) -> Result<Option<LabelRow>, StoreError> {
    Ok(label::Entity::find()
        .filter(label::Column::Name.eq(name))
        .one(conn)
        .await?)
}

/// The label called `name`, created if new.
async fn find_or_create(conn: &impl Conn, name: &str) -> Result<LabelRow, StoreError> {
    if let Some(row) = find_by_name(conn, name).await? {
        return Ok(row);
    }
    Ok(label::ActiveModel {
        name: Set(name.to_owned()),
        ..Default::default()
    }
    .insert(conn)
    .await?)
}

/// Puts `name` on the page; `false` if it was there already.
pub async fn add(
    conn: &impl Conn,
    page_id: i64,
    name: &str,
    by: i64,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let label = find_or_create(conn, name).await?;
    let present = content_label::Entity::find_by_id((page_id, label.id))
        .one(conn)
        .await?
        .is_some();
    if present {
        return Ok(false);
    }
    content_label::ActiveModel {
        page_id: Set(page_id),
        label_id: Set(label.id),
        created_by: Set(Some(by)),
        created_at: Set(now),
    }
    .insert(conn)
    .await?;
    Ok(true)
}

/// Takes `name` off the page; `false` if it wasn't there.
pub async fn remove(conn: &impl Conn, page_id: i64, name: &str) -> Result<bool, StoreError> {
    let Some(label) = find_by_name(conn, name).await? else {
        return Ok(false);
    };
    let deleted = content_label::Entity::delete_by_id((page_id, label.id))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected > 0)
}

/// The labels on a page, by name. Callers have checked the page is visible.
pub async fn for_page(conn: &impl Conn, page_id: i64) -> Result<Vec<LabelRow>, StoreError> {
    let on_page = content_label::Entity::find()
        .select_only()
        .column(content_label::Column::LabelId)
        .filter(content_label::Column::PageId.eq(page_id))
        .into_query();
    Ok(label::Entity::find()
        .filter(label::Column::Id.in_subquery(on_page))
        .order_by_asc(label::Column::Name)
        .all(conn)
        .await?)
}

/// A subquery of the ids of the pages carrying label `label_id`.
pub(crate) fn pages_with(label_id: i64) -> sea_orm::sea_query::SelectStatement {
    content_label::Entity::find()
        .select_only()
        .column(content_label::Column::PageId)
        .filter(content_label::Column::LabelId.eq(label_id))
        .into_query()
}
