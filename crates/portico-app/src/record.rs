//! Writing the audit entry and the journal entry that go with every change.

use portico_store::audit::{self, AuditEntry};
use portico_store::journal::{self, JournalEntry};
use portico_store::{Conn, StoreError, Timestamp};

/// Records `action` by `actor` on a target in the audit log.
pub(crate) async fn audit(
    conn: &impl Conn,
    at: Timestamp,
    actor: Option<i64>,
    action: &str,
    target: (&str, String),
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    audit::record(
        conn,
        AuditEntry {
            at,
            actor_id: actor,
            action,
            target_kind: target.0,
            target_id: target.1,
            detail,
        },
    )
    .await
}

/// Appends a content change to the journal.
pub(crate) async fn journal(
    conn: &impl Conn,
    at: Timestamp,
    kind: &str,
    entity: (&str, i64),
    space_id: Option<i64>,
) -> Result<(), StoreError> {
    journal::append(
        conn,
        JournalEntry {
            at,
            kind,
            entity_kind: entity.0,
            entity_id: entity.1,
            space_id,
        },
    )
    .await
}
