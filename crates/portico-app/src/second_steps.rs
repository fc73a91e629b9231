//! Signing in after the password (SPEC.md 3.6): guests confirm a code mailed
//! to them (and again every `guests.reverify_days`), anyone may add an
//! authenticator app (TOTP) and a role can be made to. Until its steps are
//! done a session is *pending*: it carries no access at all. The rules are
//! `portico_core::security`'s; this module stores and mails.

use portico_core::security::{
    CODE_LIFETIME, CODE_RATE_LIMIT, CODE_RATE_WINDOW, CodeCheck, STEP_MAX_FAILURES, SecondStep,
    StepFacts, StoredCode, check_code, normalise_code,
};
use portico_core::{Role, ValidationError, Viewer};
use portico_store::second_steps::{self, NewEmailCode, TotpRow};
use portico_store::{Conn, SessionRow, UserRow, sessions, users};
use rand::Rng;
use serde_json::json;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Secret, Totp};

use crate::App;
use crate::caller_cache::{Caller, CredentialKind};
use crate::directory::load_policies;
use crate::error::{AppError, AppResult};
use crate::record::audit;
use crate::secrets::token_hash;

/// Where a session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionState {
    /// Signed in: the viewer and the session's CSRF token.
    Complete { viewer: Viewer, csrf: String },
    /// Signed in with a password, a step still to go.
    Pending(PendingSignIn),
}

/// A pending sign-in, as the verification page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingSignIn {
    pub step: SecondStep,
    pub csrf: String,
    /// The address codes go to, partly hidden (`a•••@example.com`).
    pub email_hint: String,
    /// For a mailed code: whether one is live (otherwise the page offers to
    /// send one).
    pub code_sent: bool,
    /// For setting up an authenticator app: what to enter in it.
    pub totp_setup: Option<TotpSetup>,
}

/// What a person types or scans into their authenticator app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpSetup {
    /// The secret in base32, for typing in.
    pub secret: String,
    /// The `otpauth://` URI, for apps that take a link or a QR code of it.
    pub uri: String,
}

/// Someone's authenticator app, as their account page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoStepStatus {
    pub enabled: bool,
    /// Their role must use one (so it can't be turned off).
    pub required: bool,
    /// A setup begun and not yet confirmed.
    pub setup: Option<TotpSetup>,
}

/// The HMAC input under which a mailed code is stored: the code alone has
/// too few values to hash safely, so it is bound to its session.
fn code_hash(session_id: i64, code: &str) -> String {
    token_hash(&format!("email-code:{session_id}:{code}"))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn email_hint(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "your address".to_owned(),
    }
}

fn totp_for(secret_base32: &str) -> AppResult<Totp> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|_| AppError::Internal("a stored TOTP secret is not base32".into()))?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .build()
        .map_err(|err| AppError::Internal(Box::new(err)))
}

fn unix(now: OffsetDateTime) -> u64 {
    u64::try_from(now.unix_timestamp()).unwrap_or(0)
}

/// The time step a TOTP code matches at `now`, if it matches one that comes
/// after `last` (a code is never accepted twice).
fn totp_counter(row: &TotpRow, code: &str, now: OffsetDateTime) -> AppResult<Option<i64>> {
    let totp = totp_for(&row.secret)?;
    let counter = totp
        .check(code, unix(now))
        .and_then(|c| i64::try_from(c).ok());
    Ok(counter.filter(|c| row.last_counter.is_none_or(|last| *c > last)))
}

fn totp_setup(email: &str, secret: &str) -> TotpSetup {
    let label: String =
        url::form_urlencoded::byte_serialize(format!("Portico:{email}").as_bytes()).collect();
    TotpSetup {
        secret: secret.to_owned(),
        uri: format!("otpauth://totp/{label}?secret={secret}&issuer=Portico&digits=6&period=30"),
    }
}

impl App {
    /// The facts the step rules need about a stored user.
    async fn step_facts(&self, conn: &impl Conn, user: &UserRow) -> AppResult<StepFacts> {
        let principal = crate::access::principal_from_row(conn, user).await?;
        let totp_enabled = second_steps::totp(conn, user.id)
            .await?
            .is_some_and(|t| t.confirmed_at.is_some());
        Ok(StepFacts {
            role: principal.role,
            email_verified_at: user.email_verified_at,
            totp_enabled,
        })
    }

    /// The steps a new session of `user` must pass, and how long it lasts.
    pub(crate) async fn plan_session(
        &self,
        conn: &impl Conn,
        user: &UserRow,
        now: OffsetDateTime,
    ) -> AppResult<(Option<SecondStep>, time::Duration)> {
        let policies = load_policies(conn).await?.security;
        let facts = self.step_facts(conn, user).await?;
        let first = policies.steps_after_password(facts, now).first().copied();
        let lifetime = policies.session_lifetime(facts.role, self.settings.session_lifetime);
        Ok((first, lifetime))
    }

    /// Does what entering `step` needs: mails a code, or prepares an
    /// authenticator secret to set up.
    pub(crate) async fn enter_step(
        &self,
        conn: &impl Conn,
        session: &SessionRow,
        user: &UserRow,
        step: SecondStep,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        match step {
            SecondStep::EmailCode => self.mail_code(conn, session, user, now).await,
            SecondStep::TotpEnrolment => {
                let pending = second_steps::totp(conn, user.id)
                    .await?
                    .filter(|t| t.confirmed_at.is_none());
                if pending.is_none() {
                    new_totp_secret(conn, user.id, now).await?;
                }
                Ok(())
            }
            SecondStep::Totp => Ok(()),
        }
    }

    /// Mails a fresh code for `session` (earlier ones die), within the rate
    /// limit: at most [`CODE_RATE_LIMIT`] codes a person per window.
    async fn mail_code(
        &self,
        conn: &impl Conn,
        session: &SessionRow,
        user: &UserRow,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let recent = second_steps::email_codes_since(conn, user.id, now - CODE_RATE_WINDOW).await?;
        if recent >= CODE_RATE_LIMIT {
            return Err(AppError::RateLimited(format!(
                "too many codes: {recent} in the last {} minutes; wait a few minutes and ask again",
                CODE_RATE_WINDOW.whole_minutes()
            )));
        }
        let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
        second_steps::insert_email_code(
            conn,
            NewEmailCode {
                session_id: session.id,
                user_id: user.id,
                code_hash: &code_hash(session.id, &code),
                now,
                expires_at: now + CODE_LIFETIME,
            },
        )
        .await?;
        let body = format!(
            "Your Portico sign-in code is:\n\n    {code}\n\nIt works once, for {} minutes. If you didn't just sign in, someone knows your password: change it.\n",
            CODE_LIFETIME.whole_minutes()
        );
        crate::mail::queue(conn, now, &user.email, "Your Portico sign-in code", &body).await?;
        audit(
            conn,
            now,
            Some(user.id),
            "auth.email_code_sent",
            ("user", user.id.to_string()),
            json!({}),
        )
        .await?;
        Ok(())
    }

    /// Where the session with this token stands: `None` if it is unknown,
    /// expired, or its person can't sign in any more.
    pub async fn session_state(&self, token: &str) -> AppResult<Option<SessionState>> {
        let now = self.now();
        let hash = token_hash(token);
        // INVARIANT: the epoch is read before the rows the answer is built
        // from, so a change committed in between moves it past this entry.
        let epoch = self.changes.current(&self.store).await?.epoch;
        if let Some(caller) = self.callers.get(CredentialKind::Session, &hash, epoch, now) {
            return Ok(Some(SessionState::Complete {
                viewer: caller.viewer,
                csrf: caller.csrf.unwrap_or_default(),
            }));
        }
        let conn = self.store.read();
        let Some(session) = sessions::find_by_token_hash(conn, &hash).await? else {
            return Ok(None);
        };
        if session.expires_at <= now {
            return Ok(None);
        }
        let Some(user) = users::find(conn, session.user_id).await? else {
            return Ok(None);
        };
        if user.status != "active" {
            return Ok(None);
        }
        let principal = crate::access::principal_from_row(conn, &user).await?;
        if crate::access::guest_access_over(principal.role, user.guest_access_expires_at, now) {
            // Guest access ended: the session is worth nothing from the deadline on.
            return Ok(None);
        }
        let mut valid_until = session.expires_at;
        if principal.role == Role::Guest
            && let Some(end) = user.guest_access_expires_at
        {
            valid_until = valid_until.min(end);
        }
        let step = match session.pending_step.as_deref() {
            Some(step) => Some(step.parse::<SecondStep>()?),
            None if principal.role == Role::Guest => {
                // Re-verification falls due during a session too.
                let policies = load_policies(conn).await?.security;
                let facts = self.step_facts(conn, &user).await?;
                if let Some(due) = policies.open_session_code_due_at(facts) {
                    valid_until = valid_until.min(due);
                }
                policies
                    .open_session_code_due(facts, now)
                    .then_some(SecondStep::EmailCode)
            }
            None => None,
        };
        let Some(step) = step else {
            let viewer = Viewer::User(principal);
            let caller = Caller {
                viewer: viewer.clone(),
                email: user.email,
                csrf: Some(session.csrf_token.clone()),
                valid_until,
            };
            self.callers
                .put(CredentialKind::Session, hash, epoch, caller);
            return Ok(Some(SessionState::Complete {
                viewer,
                csrf: session.csrf_token,
            }));
        };
        let code_sent = match step {
            SecondStep::EmailCode => second_steps::latest_email_code(conn, session.id)
                .await?
                .is_some_and(|code| code.used_at.is_none() && code.expires_at > now),
            _ => false,
        };
        let totp_setup = match step {
            SecondStep::TotpEnrolment => second_steps::totp(conn, user.id)
                .await?
                .filter(|t| t.confirmed_at.is_none())
                .map(|t| totp_setup(&user.email, &t.secret)),
            _ => None,
        };
        Ok(Some(SessionState::Pending(PendingSignIn {
            step,
            csrf: session.csrf_token,
            email_hint: email_hint(&user.email),
            code_sent,
            totp_setup,
        })))
    }

    /// The pending session behind `token` and its person, for a write.
    async fn pending_session(
        &self,
        conn: &impl Conn,
        token: &str,
    ) -> AppResult<(SessionRow, UserRow, SecondStep)> {
        let state = self.session_state(token).await?;
        let Some(SessionState::Pending(pending)) = state else {
            return Err(AppError::Unauthenticated);
        };
        let session = sessions::find_by_token_hash(conn, &token_hash(token))
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let user = users::find(conn, session.user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        Ok((session, user, pending.step))
    }

    /// Mails a new code to the person of a session waiting for one (or whose
    /// address is due for re-verification).
    pub async fn send_sign_in_code(&self, token: &str) -> AppResult<()> {
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let (session, user, step) = self.pending_session(conn, token).await?;
        if step != SecondStep::EmailCode {
            return Err(AppError::Conflict(
                "this sign-in doesn't wait for a mailed code".to_owned(),
            ));
        }
        let session = if session.pending_step.is_none() {
            second_steps::set_pending_step(conn, session, Some(step.as_str())).await?
        } else {
            session
        };
        self.mail_code(conn, &session, &user, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks the answer to a pending session's step. Returns the next step,
    /// or `None` when the session is now complete. A wrong answer is counted
    /// (and audited) even though it fails; after too many the session ends.
    pub async fn verify_sign_in(
        &self,
        token: &str,
        entered: &str,
        client: Option<&str>,
    ) -> AppResult<Option<SecondStep>> {
        let code = normalise_code(entered)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let (session, mut user, step) = self.pending_session(conn, token).await?;
        let from = json!({ "from": client, "step": step.as_str() });
        let outcome = match step {
            SecondStep::EmailCode => {
                let stored = second_steps::latest_email_code(conn, session.id).await?;
                match stored {
                    None => CodeCheck::Dead,
                    Some(mut stored) => {
                        let matches = constant_time_eq(
                            stored.code_hash.as_bytes(),
                            code_hash(session.id, &code).as_bytes(),
                        );
                        let check = check_code(
                            StoredCode {
                                expires_at: stored.expires_at,
                                attempts: stored.attempts,
                                used: stored.used_at.is_some(),
                            },
                            matches,
                            now,
                        );
                        match check {
                            CodeCheck::Accepted => stored.used_at = Some(now),
                            CodeCheck::Wrong { .. } => stored.attempts += 1,
                            CodeCheck::Dead => {}
                        }
                        second_steps::update_email_code(conn, stored).await?;
                        check
                    }
                }
            }
            SecondStep::Totp | SecondStep::TotpEnrolment => {
                let row = second_steps::totp(conn, user.id)
                    .await?
                    .filter(|t| (step == SecondStep::Totp) == t.confirmed_at.is_some());
                match row {
                    None => CodeCheck::Dead,
                    Some(mut row) => match totp_counter(&row, &code, now)? {
                        Some(counter) => {
                            row.last_counter = Some(counter);
                            if row.confirmed_at.is_none() {
                                row.confirmed_at = Some(now);
                                audit(
                                    conn,
                                    now,
                                    Some(user.id),
                                    "two_step.enabled",
                                    ("user", user.id.to_string()),
                                    json!({ "at_sign_in": true }),
                                )
                                .await?;
                            }
                            second_steps::update_totp(conn, row).await?;
                            CodeCheck::Accepted
                        }
                        None => CodeCheck::Wrong {
                            attempts_left: STEP_MAX_FAILURES - session.step_failures - 1,
                        },
                    },
                }
            }
        };
        match outcome {
            CodeCheck::Accepted => {
                if step == SecondStep::EmailCode {
                    user.email_verified_at = Some(now);
                    user = users::update(conn, user).await?;
                }
                audit(
                    conn,
                    now,
                    Some(user.id),
                    "auth.second_step_passed",
                    ("user", user.id.to_string()),
                    from,
                )
                .await?;
                let policies = load_policies(conn).await?.security;
                let facts = self.step_facts(conn, &user).await?;
                let next = policies.step_after(step, facts, now);
                let session =
                    second_steps::set_pending_step(conn, session, next.map(SecondStep::as_str))
                        .await?;
                if let Some(next) = next {
                    self.enter_step(conn, &session, &user, next, now).await?;
                }
                tx.commit().await?;
                Ok(next)
            }
            CodeCheck::Wrong { attempts_left } => {
                audit(
                    conn,
                    now,
                    Some(user.id),
                    "auth.second_step_failed",
                    ("user", user.id.to_string()),
                    from,
                )
                .await?;
                let session = second_steps::add_step_failure(conn, session).await?;
                if session.step_failures >= STEP_MAX_FAILURES {
                    sessions::delete_by_token_hash(conn, &session.token_hash).await?;
                    tx.commit().await?;
                    return Err(AppError::Unauthenticated);
                }
                tx.commit().await?;
                Err(ValidationError::new(
                    "code",
                    format!(
                        "that code is wrong ({} {} left)",
                        attempts_left.max(0),
                        if attempts_left == 1 { "try" } else { "tries" }
                    ),
                )
                .into())
            }
            CodeCheck::Dead => {
                tx.commit().await?;
                Err(AppError::CodeDead)
            }
        }
    }

    /// The signed-in person's authenticator app.
    pub async fn two_step_status(&self, viewer: &Viewer) -> AppResult<TwoStepStatus> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let conn = self.store.read();
        let user = users::find(conn, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let row = second_steps::totp(conn, user_id).await?;
        let policies = load_policies(conn).await?.security;
        Ok(TwoStepStatus {
            enabled: row.as_ref().is_some_and(|t| t.confirmed_at.is_some()),
            required: policies.two_step_required.contains(&viewer.role()),
            setup: row
                .filter(|t| t.confirmed_at.is_none())
                .map(|t| totp_setup(&user.email, &t.secret)),
        })
    }

    /// Begins setting up an authenticator app (a new secret to confirm).
    pub async fn begin_two_step_setup(&self, viewer: &Viewer) -> AppResult<TotpSetup> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let user = users::find(conn, user_id)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if second_steps::totp(conn, user_id)
            .await?
            .is_some_and(|t| t.confirmed_at.is_some())
        {
            return Err(AppError::Conflict(
                "two-step verification is already on; turn it off first to set up another app"
                    .to_owned(),
            ));
        }
        let row = new_totp_secret(conn, user_id, now).await?;
        tx.commit().await?;
        Ok(totp_setup(&user.email, &row.secret))
    }

    /// Confirms a setup with a first code from the app: two-step
    /// verification is on from the next sign-in.
    pub async fn confirm_two_step(&self, viewer: &Viewer, entered: &str) -> AppResult<()> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let code = normalise_code(entered)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let mut row = second_steps::totp(conn, user_id)
            .await?
            .filter(|t| t.confirmed_at.is_none())
            .ok_or_else(|| {
                AppError::Conflict("there is no setup to confirm; start again".to_owned())
            })?;
        let counter = totp_counter(&row, &code, now)?.ok_or_else(|| {
            ValidationError::new(
                "code",
                "that code is wrong; check the app's clock and try again",
            )
        })?;
        row.confirmed_at = Some(now);
        row.last_counter = Some(counter);
        second_steps::update_totp(conn, row).await?;
        audit(
            conn,
            now,
            Some(user_id),
            "two_step.enabled",
            ("user", user_id.to_string()),
            json!({ "at_sign_in": false }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns two-step verification off, with a current code from the app;
    /// refused while the person's role requires it.
    pub async fn disable_two_step(&self, viewer: &Viewer, entered: &str) -> AppResult<()> {
        let user_id = viewer.user_id().ok_or(AppError::Unauthenticated)?.0;
        let code = normalise_code(entered)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let policies = load_policies(conn).await?.security;
        if policies.two_step_required.contains(&viewer.role()) {
            return Err(AppError::Forbidden {
                permission: "two_step",
                reason: format!(
                    "the site requires two-step verification for `{}` accounts",
                    viewer.role()
                ),
            });
        }
        let row = second_steps::totp(conn, user_id)
            .await?
            .filter(|t| t.confirmed_at.is_some())
            .ok_or_else(|| AppError::Conflict("two-step verification is off".to_owned()))?;
        if totp_counter(&row, &code, now)?.is_none() {
            return Err(ValidationError::new("code", "that code is wrong").into());
        }
        second_steps::delete_totp(conn, user_id).await?;
        audit(
            conn,
            now,
            Some(user_id),
            "two_step.disabled",
            ("user", user_id.to_string()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Stores a fresh, unconfirmed authenticator secret (160 random bits).
async fn new_totp_secret(
    conn: &impl Conn,
    user_id: i64,
    now: OffsetDateTime,
) -> AppResult<TotpRow> {
    let mut bytes = [0u8; 20];
    rand::rng().fill(&mut bytes);
    let secret = Secret::from(bytes).to_base32();
    Ok(second_steps::replace_totp(
        conn,
        TotpRow {
            user_id,
            secret,
            confirmed_at: None,
            last_counter: None,
            created_at: now,
        },
    )
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_hide_most_of_the_address() {
        assert_eq!(email_hint("alice@example.com"), "a•••@example.com");
    }

    #[test]
    fn setup_uris_carry_the_secret_and_issuer() {
        let setup = totp_setup("a b@example.com", "JBSWY3DPEHPK3PXP");
        assert!(
            setup
                .uri
                .starts_with("otpauth://totp/Portico%3Aa+b%40example.com?")
        );
        assert!(setup.uri.contains("secret=JBSWY3DPEHPK3PXP"));
        assert!(setup.uri.contains("issuer=Portico"));
    }

    #[test]
    fn totp_codes_match_once_per_step() -> Result<(), Box<dyn std::error::Error>> {
        let row = TotpRow {
            user_id: 1,
            secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".to_owned(),
            confirmed_at: None,
            last_counter: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let code = totp_for(&row.secret)?.generate(unix(now)).to_string();
        let counter = totp_counter(&row, &code, now)?.ok_or("the current code matches")?;
        let used = TotpRow {
            last_counter: Some(counter),
            ..row.clone()
        };
        assert_eq!(totp_counter(&used, &code, now)?, None, "replayed");
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert_eq!(totp_counter(&row, wrong, now)?, None);
        Ok(())
    }
}
