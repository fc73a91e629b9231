//! The audit log: who did what to what, when. Written in the same transaction
//! as the change it records.

use sea_orm::{ActiveModelTrait, Set};

use crate::entity::audit;
use crate::{Conn, StoreError, Timestamp};

pub struct AuditEntry<'a> {
    pub at: Timestamp,
    pub actor_id: Option<i64>,
    /// Dotted action name, e.g. `page.update`.
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: String,
    /// JSON with the details worth keeping.
    pub detail: serde_json::Value,
}

pub async fn record(conn: &impl Conn, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    let row = audit::ActiveModel {
        at: Set(entry.at),
        actor_id: Set(entry.actor_id),
        action: Set(entry.action.to_owned()),
        target_kind: Set(entry.target_kind.to_owned()),
        target_id: Set(entry.target_id),
        detail: Set(entry.detail.to_string()),
        ..Default::default()
    };
    row.insert(conn).await?;
    Ok(())
}

/// Audit entries for a target, oldest first (used by tests and the admin UI).
pub async fn for_target(
    conn: &impl Conn,
    target_kind: &str,
    target_id: &str,
) -> Result<Vec<(String, Option<i64>)>, StoreError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let rows = audit::Entity::find()
        .filter(audit::Column::TargetKind.eq(target_kind))
        .filter(audit::Column::TargetId.eq(target_id))
        .order_by_asc(audit::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.action, row.actor_id))
        .collect())
}

/// Filters for reading the audit log. All are optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub actor_id: Option<i64>,
    /// Matches actions starting with this, e.g. `invitation.` or `auth.sign_in`.
    pub action_prefix: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub before_id: Option<i64>,
    pub limit: u64,
}

pub use crate::entity::audit::Model as AuditRow;

/// Audit entries matching `query`, newest first.
pub async fn list(conn: &impl Conn, query: &AuditQuery) -> Result<Vec<AuditRow>, StoreError> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let mut select = audit::Entity::find();
    if let Some(actor) = query.actor_id {
        select = select.filter(audit::Column::ActorId.eq(actor));
    }
    if let Some(prefix) = &query.action_prefix {
        select = select.filter(audit::Column::Action.starts_with(prefix));
    }
    if let Some(kind) = &query.target_kind {
        select = select.filter(audit::Column::TargetKind.eq(kind));
    }
    if let Some(id) = &query.target_id {
        select = select.filter(audit::Column::TargetId.eq(id));
    }
    if let Some(since) = query.since {
        select = select.filter(audit::Column::At.gte(since));
    }
    if let Some(until) = query.until {
        select = select.filter(audit::Column::At.lt(until));
    }
    if let Some(before) = query.before_id {
        select = select.filter(audit::Column::Id.lt(before));
    }
    Ok(select
        .order_by_desc(audit::Column::Id)
        .limit(query.limit)
        .all(conn)
        .await?)
}
