//! API tokens (SPEC 3.6): people create named tokens that expire, for scripts
//! and API clients. A token acts with its owner's permissions as they are at
//! each request, never more: it is checked through the same principal path as
//! a session (active account, effective role, guest access expiry), and the
//! site policy `guests.api_tokens` (off by default) keeps guests from creating
//! or using them. Only a hash is stored; the raw token is shown once.

use portico_core::validation::{ValidationError, single_line};
use portico_core::{Role, Viewer};
use portico_store::{ApiTokenRow, tokens, users};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::App;
use crate::caller_cache::{Caller, CredentialKind};
use crate::directory::load_policies;
use crate::error::{AppError, AppResult};
use crate::record::audit;
use crate::secrets::{new_token, token_hash};

/// Every raw token starts with this, so it is recognisable in a leaked file
/// or a secret scanner, and told apart from a password at a glance.
pub const TOKEN_PREFIX: &str = "ptk_";
/// Longest a token may live. Every token expires.
pub const MAX_TOKEN_DAYS: u32 = 365;
const MAX_NAME_LEN: usize = 100;
/// A token's use is written down (`last_used_at`, audit `api_token.use`) at
/// most this often, so a busy script doesn't write on every request.
const USE_RECORD_INTERVAL: Duration = Duration::hours(1);

/// Where a token stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiTokenState {
    Active,
    Expired,
    Revoked,
}

impl ApiTokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiTokenState::Active => "active",
            ApiTokenState::Expired => "expired",
            ApiTokenState::Revoked => "revoked",
        }
    }
}

/// A token as its owner sees it in the list (never the secret or its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub state: ApiTokenState,
}

/// A token just created: `secret` is the raw token, shown this once.
#[derive(Debug, Clone)]
pub struct CreatedApiToken {
    pub token: ApiToken,
    pub secret: String,
}

fn summary(row: ApiTokenRow, now: OffsetDateTime) -> ApiToken {
    let state = if row.revoked_at.is_some() {
        ApiTokenState::Revoked
    } else if row.expires_at <= now {
        ApiTokenState::Expired
    } else {
        ApiTokenState::Active
    };
    ApiToken {
        id: row.id,
        name: row.name,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
        state,
    }
}

fn check_days(days: u32) -> AppResult<Duration> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(Duration::days(days.into()))
    } else {
        Err(ValidationError::new(
            "expiresInDays",
            format!("must be between 1 and {MAX_TOKEN_DAYS} days, not {days}"),
        )
        .into())
    }
}

fn guests_refused() -> AppError {
    AppError::Forbidden {
        permission: "api_token.create",
        reason: "the site's `guests.api_tokens` policy doesn't let guests use API tokens"
            .to_owned(),
    }
}

impl App {
    /// Creates a named token for the caller that expires in `expires_in_days`
    /// (1–365). Returns the raw token: this is the only time anyone sees it.
    pub async fn create_api_token(
        &self,
        viewer: &Viewer,
        name: &str,
        expires_in_days: u32,
    ) -> AppResult<CreatedApiToken> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let name = single_line("name", name, MAX_NAME_LEN)?;
        let lifetime = check_days(expires_in_days)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        if viewer.role() == Role::Guest && !load_policies(conn).await?.tokens.guests_api_tokens {
            return Err(guests_refused());
        }
        if tokens::live_name_taken(conn, user_id, &name, now).await? {
            return Err(AppError::Conflict(format!(
                "an API token named `{name}` already exists; revoke it or choose another name"
            )));
        }
        let secret = format!("{TOKEN_PREFIX}{}", new_token());
        let row = tokens::insert(
            conn,
            tokens::NewApiToken {
                user_id,
                name: &name,
                token_hash: &token_hash(&secret),
                now,
                expires_at: now + lifetime,
            },
        )
        .await?;
        audit(
            conn,
            now,
            Some(user_id),
            "api_token.create",
            ("api_token", row.id.to_string()),
            json!({ "name": name, "expiresAt": row.expires_at.to_string() }),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedApiToken {
            token: summary(row, now),
            secret,
        })
    }

    /// The caller's own tokens, newest first, with revoked and expired ones.
    pub async fn api_tokens(&self, viewer: &Viewer) -> AppResult<Vec<ApiToken>> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let now = self.now();
        Ok(tokens::for_user(self.store.read(), user_id)
            .await?
            .into_iter()
            .map(|row| summary(row, now))
            .collect())
    }

    /// Revokes one of the caller's tokens; anyone else's id is "not found".
    /// Revoking a revoked token changes nothing.
    pub async fn revoke_api_token(&self, viewer: &Viewer, id: i64) -> AppResult<ApiToken> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let mut row = tokens::find(conn, id)
            .await?
            .filter(|token| token.user_id == user_id)
            .ok_or(AppError::NotFound)?;
        if row.revoked_at.is_some() {
            return Ok(summary(row, now));
        }
        row.revoked_at = Some(now);
        let row = tokens::update(conn, row).await?;
        audit(
            conn,
            now,
            Some(user_id),
            "api_token.revoke",
            ("api_token", row.id.to_string()),
            json!({ "name": row.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(summary(row, now))
    }

    /// The viewer a raw API token stands for, or `None` if the token is
    /// unknown, revoked or expired, its owner is not active (or is a guest
    /// whose access ended, or a guest while the site forbids guests tokens),
    /// or `email` (from HTTP Basic) isn't the owner's. A password is never a
    /// token, so it never matches. The use is recorded at most once an hour.
    pub async fn authenticate_token(
        &self,
        email: Option<&str>,
        token: &str,
    ) -> AppResult<Option<Viewer>> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let now = self.now();
        let hash = token_hash(token);
        // INVARIANT: the epoch is read before the rows the answer is built
        // from, so a change committed in between moves it past this entry.
        let epoch = self.changes.current(&self.store).await?.epoch;
        let named = |owner: &str| email.is_none_or(|email| email.trim().to_lowercase() == owner);
        if let Some(caller) = self
            .callers
            .get(CredentialKind::ApiToken, &hash, epoch, now)
        {
            return Ok(named(&caller.email).then_some(caller.viewer));
        }
        let conn = self.store.read();
        let Some(row) = tokens::find_by_token_hash(conn, &hash).await? else {
            return Ok(None);
        };
        if row.revoked_at.is_some() || row.expires_at <= now {
            return Ok(None);
        }
        let Some(user) = users::find(conn, row.user_id).await? else {
            return Ok(None);
        };
        if user.status != "active" {
            return Ok(None);
        }
        let principal = crate::access::principal_from_row(conn, &user).await?;
        if crate::access::guest_access_over(principal.role, user.guest_access_expires_at, now) {
            return Ok(None);
        }
        if principal.role == Role::Guest && !load_policies(conn).await?.tokens.guests_api_tokens {
            return Ok(None);
        }
        let last_used = if needs_use_record(&row, now) {
            self.record_token_use(row.id, now).await?;
            now
        } else {
            row.last_used_at.unwrap_or(now)
        };
        let role = principal.role;
        let viewer = Viewer::User(principal);
        let mut valid_until = row.expires_at.min(last_used + USE_RECORD_INTERVAL);
        if role == Role::Guest
            && let Some(end) = user.guest_access_expires_at
        {
            valid_until = valid_until.min(end);
        }
        let caller = Caller {
            viewer: viewer.clone(),
            email: user.email,
            csrf: None,
            valid_until,
        };
        let answer = named(&caller.email).then_some(viewer);
        self.callers
            .put(CredentialKind::ApiToken, hash, epoch, caller);
        Ok(answer)
    }

    /// Notes a token's use (`last_used_at` and the audit entry) in one write,
    /// unless a concurrent request has just done so.
    async fn record_token_use(&self, id: i64, now: OffsetDateTime) -> AppResult<()> {
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let Some(mut row) = tokens::find(conn, id).await? else {
            return Ok(());
        };
        if !needs_use_record(&row, now) {
            return Ok(());
        }
        row.last_used_at = Some(now);
        let row = tokens::update(conn, row).await?;
        audit(
            conn,
            now,
            Some(row.user_id),
            "api_token.use",
            ("api_token", row.id.to_string()),
            json!({ "name": row.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

fn needs_use_record(row: &ApiTokenRow, now: OffsetDateTime) -> bool {
    row.last_used_at
        .is_none_or(|last| now - last >= USE_RECORD_INTERVAL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_one_day_to_a_year() {
        assert!(check_days(0).is_err());
        assert_eq!(check_days(1).ok(), Some(Duration::days(1)));
        assert_eq!(check_days(365).ok(), Some(Duration::days(365)));
        assert!(check_days(366).is_err());
    }
}
