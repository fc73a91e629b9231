//! Who a credential (a session or an API token, by its hash) proved to be,
//! kept per permission epoch so that a warm request reads no session, token,
//! user or group rows.
//!
//! An entry holds only while
//! - the permission epoch is the one it was built under: every change that
//!   could make the answer different moves the epoch in its transaction
//!   (role, group, deactivation, policy, sign-out, password reset, token
//!   revocation: see `record::moves_permission_epoch`), and
//! - `now` is before its `valid_until`: the first of the credential's
//!   expiry, the guest's access expiry, a guest's e-mail re-verification
//!   falling due, and (tokens) the next use to be recorded.
//!
//! Only finished sign-ins are kept: a session still waiting for a second
//! step is read from the database every time.

use std::collections::HashMap;
use std::sync::Mutex;

use portico_core::Viewer;
use time::OffsetDateTime;

/// The most callers kept; the cache starts over beyond it.
const LIMIT: usize = 50_000;

/// What a credential proved, and how long that holds.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub viewer: Viewer,
    /// The account's e-mail (a `Basic` header must name it).
    pub email: String,
    /// The session's CSRF token (sessions only).
    pub csrf: Option<String>,
    pub valid_until: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CredentialKind {
    Session,
    ApiToken,
}

/// Callers by credential hash, with the epoch each was kept under.
type Entries = HashMap<String, (i64, Caller)>;

#[derive(Default)]
pub(crate) struct CallerCache {
    sessions: Mutex<Entries>,
    tokens: Mutex<Entries>,
}

impl CallerCache {
    /// The caller behind `hash`, if one was kept under `epoch` and still
    /// holds at `now`.
    pub fn get(
        &self,
        kind: CredentialKind,
        hash: &str,
        epoch: i64,
        now: OffsetDateTime,
    ) -> Option<Caller> {
        let entries = self.of(kind).lock().ok()?;
        entries
            .get(hash)
            .filter(|(kept_under, caller)| *kept_under == epoch && now < caller.valid_until)
            .map(|(_, caller)| caller.clone())
    }

    /// Keeps `caller` for `hash` under `epoch` (read before the rows it was
    /// built from).
    pub fn put(&self, kind: CredentialKind, hash: String, epoch: i64, caller: Caller) {
        if let Ok(mut entries) = self.of(kind).lock() {
            if entries.len() >= LIMIT {
                entries.clear();
            }
            entries.insert(hash, (epoch, caller));
        }
    }

    fn of(&self, kind: CredentialKind) -> &Mutex<Entries> {
        match kind {
            CredentialKind::Session => &self.sessions,
            CredentialKind::ApiToken => &self.tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_core::{Principal, Role, UserId};

    fn caller(valid_until: OffsetDateTime) -> Caller {
        Caller {
            viewer: Viewer::User(Principal {
                user_id: UserId(1),
                role: Role::Member,
                org_admin: false,
            }),
            email: "a@example.com".into(),
            csrf: None,
            valid_until,
        }
    }

    #[test]
    fn an_entry_holds_for_its_epoch_until_its_deadline_and_for_its_own_kind() {
        let cache = CallerCache::default();
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(1000);
        let until = now + time::Duration::minutes(5);
        cache.put(CredentialKind::ApiToken, "h".into(), 3, caller(until));
        assert!(cache.get(CredentialKind::ApiToken, "h", 3, now).is_some());
        assert!(cache.get(CredentialKind::ApiToken, "h", 4, now).is_none());
        assert!(cache.get(CredentialKind::ApiToken, "h", 3, until).is_none());
        assert!(cache.get(CredentialKind::Session, "h", 3, now).is_none());
        assert!(
            cache
                .get(CredentialKind::ApiToken, "other", 3, now)
                .is_none()
        );
    }
}
