//! Signing in and out, and the first-run bootstrap of an org admin.

use portico_core::security::SecondStep;
use portico_core::validation::{ValidationError, single_line};
use portico_core::{Role, UserId, Viewer};
use portico_store::users::NewUser as UserRecord;
use portico_store::{sessions, users};
use serde_json::json;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::record::audit;
use crate::second_steps::SessionState;
use crate::secrets::{burn_verification, hash_password, new_token, token_hash, verify_password};

pub const MIN_PASSWORD_LEN: usize = 10;
const MAX_PASSWORD_LEN: usize = 1024;

/// The first administrator.
pub struct NewAdmin {
    pub email: String,
    pub display_name: String,
    pub password: String,
}

/// A person an operator adds directly (the CLI's `admin create-user`); the
/// invitation flow replaces this for everyday use.
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

/// A fresh session: the raw token goes in the cookie, the CSRF token in forms.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub csrf_token: String,
    pub user_id: UserId,
    /// A step still to pass (a mailed code, an authenticator app) before the
    /// session is worth anything.
    pub pending: Option<SecondStep>,
    /// How long the session lasts (guests' are shorter).
    pub lifetime: time::Duration,
}

pub(crate) fn normalise_email(email: &str) -> AppResult<String> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(ValidationError::new(
            "email",
            format!(
                "`{}` is not an e-mail address",
                email.chars().take(80).collect::<String>()
            ),
        )
        .into())
    }
}

pub(crate) fn check_password(password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LEN {
        return Err(ValidationError::new(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        )
        .into());
    }
    if length > MAX_PASSWORD_LEN {
        return Err(ValidationError::new(
            "password",
            format!("must be at most {MAX_PASSWORD_LEN} characters"),
        )
        .into());
    }
    Ok(())
}

impl App {
    /// Whether no org admin exists yet (the first-run setup is open).
    pub async fn needs_setup(&self) -> AppResult<bool> {
        Ok(users::count_org_admins(self.store.read()).await? == 0)
    }

    /// Creates an org admin (who is also a wiki admin). Used by the CLI and
    /// by the first-run setup page.
    pub async fn create_org_admin(&self, admin: NewAdmin) -> AppResult<UserId> {
        self.insert_user(
            &admin.email,
            &admin.display_name,
            &admin.password,
            Role::Admin,
            true,
            None,
        )
        .await
    }

    /// Adds an active user with a password and a product role (operator action,
    /// audited with no actor).
    pub async fn create_user(&self, new: NewUser) -> AppResult<UserId> {
        self.insert_user(
            &new.email,
            &new.display_name,
            &new.password,
            new.role,
            false,
            None,
        )
        .await
    }

    async fn insert_user(
        &self,
        email: &str,
        display_name: &str,
        password: &str,
        role: Role,
        org_admin: bool,
        setup_token: Option<&str>,
    ) -> AppResult<UserId> {
        let email = normalise_email(email)?;
        let display_name = single_line("displayName", display_name, 120)?;
        check_password(password)?;
        let hash = hash_password(password)
            .map_err(|_| AppError::Invalid(ValidationError::new("password", "can't be hashed")))?;
        let now = self.now();
        let tx = self.store.write().await?;
        // Input is checked above, so a typo on the setup form doesn't burn the
        // link; the token is used up only together with the admin's creation.
        if let Some(token) = setup_token
            && (users::count_org_admins(tx.conn()).await? > 0
                || !sessions::consume_setup_token(tx.conn(), &token_hash(token), now).await?)
        {
            return Err(AppError::InvalidLink);
        }
        if users::find_by_email(tx.conn(), &email).await?.is_some() {
            return Err(AppError::Conflict(format!(
                "a user with e-mail `{email}` already exists"
            )));
        }
        let user = users::insert(
            tx.conn(),
            UserRecord {
                email: &email,
                display_name: &display_name,
                password_hash: Some(&hash),
                role: role.as_str(),
                org_admin,
                status: "active",
                now,
            },
        )
        .await?;
        let action = if org_admin {
            "user.create_org_admin"
        } else {
            "user.create"
        };
        audit(
            tx.conn(),
            now,
            None,
            action,
            ("user", user.id.to_string()),
            json!({ "email": email, "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(UserId(user.id))
    }

    /// Issues a one-time setup link token while no org admin exists.
    pub async fn issue_setup_token(&self) -> AppResult<Option<String>> {
        if !self.needs_setup().await? {
            return Ok(None);
        }
        let token = new_token();
        let now = self.now();
        let tx = self.store.write().await?;
        sessions::insert_setup_token(
            tx.conn(),
            &token_hash(&token),
            now,
            now + self.settings.setup_link_lifetime,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(token))
    }

    /// Uses a setup token to create the first org admin. The token works once,
    /// and only while no org admin exists.
    pub async fn complete_setup(&self, token: &str, admin: NewAdmin) -> AppResult<UserId> {
        self.insert_user(
            &admin.email,
            &admin.display_name,
            &admin.password,
            Role::Admin,
            true,
            Some(token),
        )
        .await
    }

    /// Whether a setup token would be accepted now (without using it up).
    pub async fn setup_token_is_valid(&self, token: &str) -> AppResult<bool> {
        let conn = self.store.read();
        Ok(users::count_org_admins(conn).await? == 0
            && sessions::setup_token_is_usable(conn, &token_hash(token), self.now()).await?)
    }

    /// How long a sign-in lasts (for the cookie's lifetime).
    pub fn session_lifetime(&self) -> time::Duration {
        self.settings.session_lifetime
    }

    /// Checks an e-mail and password and opens a session.
    pub async fn sign_in(&self, email: &str, password: &str) -> AppResult<SignedIn> {
        self.sign_in_from(email, password, None).await
    }

    /// Checks an e-mail and password and opens a session; `client` (the
    /// caller's address) goes into the audit log. After too many failures in a
    /// row the account is locked for a while; a locked account answers exactly
    /// like a wrong password.
    pub async fn sign_in_from(
        &self,
        email: &str,
        password: &str,
        client: Option<&str>,
    ) -> AppResult<SignedIn> {
        let now = self.now();
        let email = email.trim().to_lowercase();
        let user = users::find_by_email(self.store.read(), &email).await?;
        let locked = user
            .as_ref()
            .is_some_and(|u| u.locked_until.is_some_and(|until| until > now));
        let verified = match &user {
            Some(user) if user.status == "active" && !locked => user
                .password_hash
                .as_deref()
                .is_some_and(|hash| verify_password(password, hash)),
            _ => {
                burn_verification(password);
                false
            }
        };
        let from = json!({ "from": client });
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let Some(mut user) = user.filter(|_| verified) else {
            audit(
                conn,
                now,
                None,
                "auth.sign_in_failed",
                ("email", email.clone()),
                from.clone(),
            )
            .await?;
            if let Some(mut user) = users::find_by_email(conn, &email)
                .await?
                .filter(|_| !locked)
            {
                let policies = crate::directory::load_policies(conn).await?;
                user.failed_sign_ins += 1;
                if user.failed_sign_ins >= i64::from(policies.max_failed_sign_ins) {
                    user.failed_sign_ins = 0;
                    user.locked_until =
                        Some(now + time::Duration::minutes(policies.lockout_minutes.into()));
                    audit(
                        conn,
                        now,
                        None,
                        "auth.lockout",
                        ("user", user.id.to_string()),
                        from,
                    )
                    .await?;
                }
                users::update(conn, user).await?;
            }
            tx.commit().await?;
            return Err(AppError::BadCredentials);
        };
        if user.failed_sign_ins != 0 || user.locked_until.is_some() || user.last_active_at.is_none()
        {
            user.failed_sign_ins = 0;
            user.locked_until = None;
        }
        user.last_active_at = Some(now);
        let user = users::update(conn, user).await?;
        let signed_in = self.open_session(conn, &user, now).await?;
        audit(
            conn,
            now,
            Some(user.id),
            "auth.sign_in",
            ("user", user.id.to_string()),
            from,
        )
        .await?;
        tx.commit().await?;
        Ok(signed_in)
    }

    /// Creates a session for a user inside the caller's transaction.
    pub(crate) async fn open_session(
        &self,
        conn: &impl portico_store::Conn,
        user: &portico_store::UserRow,
        now: time::OffsetDateTime,
    ) -> AppResult<SignedIn> {
        let (pending, lifetime) = self.plan_session(conn, user, now).await?;
        let token = new_token();
        let csrf_token = new_token();
        let session = sessions::insert(
            conn,
            sessions::NewSession {
                token_hash: &token_hash(&token),
                user_id: user.id,
                csrf_token: &csrf_token,
                now,
                expires_at: now + lifetime,
                pending_step: pending.map(SecondStep::as_str),
            },
        )
        .await?;
        if let Some(step) = pending {
            match self.enter_step(conn, &session, user, step, now).await {
                // Too many codes lately: the session waits, and the
                // verification page says to ask again later.
                Ok(()) | Err(AppError::RateLimited(_)) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(SignedIn {
            token,
            csrf_token,
            user_id: UserId(user.id),
            pending,
            lifetime,
        })
    }

    /// Ends every session of the signed-in user, on every device.
    pub async fn sign_out_everywhere(&self, viewer: &Viewer) -> AppResult<()> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let now = self.now();
        let tx = self.store.write().await?;
        sessions::delete_for_user(tx.conn(), user_id).await?;
        audit(
            tx.conn(),
            now,
            Some(user_id),
            "auth.sign_out_everywhere",
            ("user", user_id.to_string()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Mails a password-reset link to an active account. Answers the same
    /// whether or not the address is known.
    pub async fn request_password_reset(&self, email: &str) -> AppResult<()> {
        let now = self.now();
        let email = email.trim().to_lowercase();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        if let Some(user) = users::find_by_email(conn, &email)
            .await?
            .filter(|u| u.status == "active")
        {
            let token = new_token();
            sessions::insert_password_reset(
                conn,
                user.id,
                &token_hash(&token),
                now,
                now + time::Duration::hours(1),
            )
            .await?;
            let link = format!(
                "{}/password/reset?token={token}",
                self.settings.public_base_url
            );
            let body = format!(
                "Someone asked to reset the password of your Portico account. If it was you, choose a new password here within the hour (the link works once):\n\n{link}\n\nIf it wasn't you, ignore this message; your password stays as it is.\n"
            );
            crate::mail::queue(conn, now, &user.email, "Reset your Portico password", &body)
                .await?;
            audit(
                conn,
                now,
                None,
                "auth.password_reset_requested",
                ("user", user.id.to_string()),
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Sets a new password with a reset link; every session of the account
    /// ends and any lockout is lifted.
    pub async fn reset_password(&self, token: &str, password: &str) -> AppResult<()> {
        check_password(password)?;
        let hash = hash_password(password)
            .map_err(|_| AppError::Invalid(ValidationError::new("password", "can't be hashed")))?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let user_id = sessions::consume_password_reset(conn, &token_hash(token), now)
            .await?
            .ok_or(AppError::InvalidLink)?;
        let mut user = users::find(conn, user_id)
            .await?
            .filter(|u| u.status == "active")
            .ok_or(AppError::InvalidLink)?;
        user.password_hash = Some(hash);
        user.failed_sign_ins = 0;
        user.locked_until = None;
        user.updated_at = now;
        users::update(conn, user).await?;
        sessions::delete_for_user(conn, user_id).await?;
        audit(
            conn,
            now,
            Some(user_id),
            "auth.password_reset",
            ("user", user_id.to_string()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Ends the session with this token (no-op if it is already gone).
    pub async fn sign_out(&self, token: &str) -> AppResult<()> {
        let now = self.now();
        let tx = self.store.write().await?;
        if let Some(session) = sessions::find_by_token_hash(tx.conn(), &token_hash(token)).await? {
            sessions::delete_by_token_hash(tx.conn(), &session.token_hash).await?;
            audit(
                tx.conn(),
                now,
                Some(session.user_id),
                "auth.sign_out",
                ("user", session.user_id.to_string()),
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The viewer behind a session token and the session's CSRF token, or
    /// `None` if the session is unknown, expired, still pending a sign-in
    /// step, or its user inactive.
    pub async fn authenticate_session(&self, token: &str) -> AppResult<Option<(Viewer, String)>> {
        Ok(match self.session_state(token).await? {
            Some(SessionState::Complete { viewer, csrf }) => Some((viewer, csrf)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalise_email("  Ada@Example.COM ").ok(),
            Some("ada@example.com".to_owned())
        );
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a da@example.com",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_password("short").is_err());
        assert!(check_password("long enough!").is_ok());
    }
}
