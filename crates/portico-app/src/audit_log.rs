//! Reading the audit log (org admins only).

use portico_core::{UserId, Viewer};
use portico_store::audit::{self, AuditQuery};
use time::OffsetDateTime;

use crate::App;
use crate::directory::require_org_admin;
use crate::error::AppResult;
use crate::model::Slice;

/// One audit entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    pub id: i64,
    pub at: OffsetDateTime,
    pub actor: Option<UserId>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub detail: serde_json::Value,
}

/// Filters for the audit log; `limit` at most 1000.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<UserId>,
    pub action_prefix: Option<String>,
    pub target_kind: Option<String>,
    pub target_id: Option<String>,
    pub since: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub before: Option<i64>,
    pub limit: u64,
}

impl App {
    /// Audit entries, newest first.
    pub async fn audit_log(
        &self,
        viewer: &Viewer,
        filter: AuditFilter,
    ) -> AppResult<Slice<AuditEntry>> {
        require_org_admin(viewer)?;
        let limit = filter.limit.clamp(1, 1000);
        let query = AuditQuery {
            actor_id: filter.actor.map(|id| id.0),
            action_prefix: filter.action_prefix.filter(|p| !p.is_empty()),
            target_kind: filter.target_kind.filter(|k| !k.is_empty()),
            target_id: filter.target_id.filter(|t| !t.is_empty()),
            since: filter.since,
            until: filter.until,
            before_id: filter.before,
            limit: limit + 1,
        };
        let rows = audit::list(self.store.read(), &query).await?;
        Ok(Slice::from_overfetch(rows, limit, |row| AuditEntry {
            id: row.id,
            at: row.at,
            actor: row.actor_id.map(UserId),
            action: row.action,
            target_kind: row.target_kind,
            target_id: row.target_id,
            detail: serde_json::from_str(&row.detail).unwrap_or(serde_json::Value::Null),
        }))
    }
}
