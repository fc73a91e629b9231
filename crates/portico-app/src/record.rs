//! Writing the audit entry and the journal entry that go with every change.

use portico_store::audit::{self, AuditEntry};
use portico_store::journal::{self, JournalEntry};
use portico_store::{Conn, StoreError, Timestamp};

/// Audited actions that can change who may see or do what, or who a session
/// or token stands for. Each moves the permission epoch in the same
/// transaction, so every cached access set and caller is rebuilt on the next
/// request and a revoked grant, session or token stops working at once.
pub(crate) fn moves_permission_epoch(action: &str) -> bool {
    const PREFIXES: [&str; 7] = [
        "user.",
        "group.",
        "space.",
        "role.",
        "permission.",
        "policy.",
        "invitation.accept",
    ];
    // Restoring and purging move pages and drop restrictions and grants.
    const PAGE_ACTIONS: [&str; 7] = [
        "page.move",
        "page.copy",
        "page.delete",
        "page.restore",
        "page.purge",
        "page.restrict",
        "page.publish",
    ];
    // Ending sessions and tokens: callers are cached per epoch too.
    const CREDENTIAL_ACTIONS: [&str; 4] = [
        "auth.sign_out",
        "auth.sign_out_everywhere",
        "auth.password_reset",
        "api_token.revoke",
    ];
    PREFIXES.iter().any(|prefix| action.starts_with(prefix))
        || PAGE_ACTIONS.contains(&action)
        || CREDENTIAL_ACTIONS.contains(&action)
}

/// Records `action` by `actor` on a target in the audit log (and moves the
/// permission epoch when the action calls for it).
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
    .await?;
    if moves_permission_epoch(action) {
        portico_store::permissions::bump_epoch(conn).await?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::moves_permission_epoch;

    #[test]
    fn permission_changes_move_the_epoch_and_edits_do_not() {
        for action in [
            "user.role_change",
            "user.deactivate",
            "group.add_member",
            "group.role_change",
            "space.archive",
            "space.permissions_grant",
            "role.update",
            "permission.global_update",
            "policy.update",
            "invitation.accept",
            "page.move",
            "page.restrict",
            "page.publish",
            "page.delete",
            "auth.sign_out",
            "auth.sign_out_everywhere",
            "auth.password_reset",
            "api_token.revoke",
        ] {
            assert!(moves_permission_epoch(action), "{action}");
        }
        for action in [
            "page.update",
            "auth.sign_in",
            "api_token.use",
            "mail.test",
            "admin_key.use",
        ] {
            assert!(!moves_permission_epoch(action), "{action}");
        }
    }
}
