//! The change journal: an ordered record of content changes that other parts
//! (search indexing, notifications, other nodes) follow by position.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::entity::journal;
use crate::{Conn, StoreError, Timestamp};

pub struct JournalEntry<'a> {
    pub at: Timestamp,
    /// What happened, e.g. `page.updated`.
    pub kind: &'a str,
    pub entity_kind: &'a str,
    pub entity_id: i64,
    pub space_id: Option<i64>,
}

/// A journal entry as read back, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRecord {
    pub position: i64,
    pub at: Timestamp,
    pub kind: String,
    pub entity_kind: String,
    pub entity_id: i64,
    pub space_id: Option<i64>,
}

pub async fn append(conn: &impl Conn, entry: JournalEntry<'_>) -> Result<(), StoreError> {
    let row = journal::ActiveModel {
        at: Set(entry.at),
        kind: Set(entry.kind.to_owned()),
        entity_kind: Set(entry.entity_kind.to_owned()),
        entity_id: Set(entry.entity_id),
        space_id: Set(entry.space_id),
        ..Default::default()
    };
    row.insert(conn).await?;
    Ok(())
}

/// Entries after `position`, in order, at most `limit`.
pub async fn since(
    conn: &impl Conn,
    position: i64,
    limit: u64,
) -> Result<Vec<JournalRecord>, StoreError> {
    let rows = journal::Entity::find()
        .filter(journal::Column::Id.gt(position))
        .order_by_asc(journal::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| JournalRecord {
            position: row.id,
            at: row.at,
            kind: row.kind,
            entity_kind: row.entity_kind,
            entity_id: row.entity_id,
            space_id: row.space_id,
        })
        .collect())
}

/// What the journal holds after position `after`: the newest position
/// (`after` when there is nothing newer) and how many entries there are.
/// Watching both notices an entry that becomes visible late (on PostgreSQL
/// an id is taken before its transaction commits, so a late commit can land
/// below the newest id and leave the head where it was).
pub async fn marker(conn: &impl Conn, after: i64) -> Result<(i64, i64), StoreError> {
    let row: Option<(Option<i64>, i64)> = journal::Entity::find()
        .select_only()
        .column_as(journal::Column::Id.max(), "head")
        .column_as(journal::Column::Id.count(), "entries")
        .filter(journal::Column::Id.gt(after))
        .into_tuple()
        .one(conn)
        .await?;
    let (head, entries) = row.unwrap_or((None, 0));
    Ok((head.unwrap_or(after), entries))
}

/// The position of the newest entry (0 when there is none).
pub async fn head(conn: &impl Conn) -> Result<i64, StoreError> {
    let newest: Option<i64> = journal::Entity::find()
        .select_only()
        .column(journal::Column::Id)
        .order_by_desc(journal::Column::Id)
        .limit(1)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(newest.unwrap_or(0))
}
