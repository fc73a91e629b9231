//! Invitations: an org admin invites 1–10 addresses as members or guests;
//! each gets a single-use, expiring link by e-mail; accepting sets a name and
//! password. A whole batch succeeds or fails together, within the licence
//! limits and the guest domain rules.

use portico_core::directory::{self};
use portico_core::validation::{ValidationError, single_line};
use portico_core::{Role, UserId, Viewer};
use portico_store::invitations::{self, InvitationRow, NewInvitation};
use portico_store::users::NewUser as UserRecord;
use portico_store::{Conn, groups, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::auth::{SignedIn, check_password, normalise_email};
use crate::directory::{Roster, load_policies, record_paid, require_org_admin};
use crate::error::{AppError, AppResult};
use crate::record::audit;
use crate::secrets::{hash_password, new_token, token_hash};

const MAX_MESSAGE_LEN: usize = 1000;

/// An invitation batch.
pub struct Invite {
    pub emails: Vec<String>,
    /// `member` or `guest`.
    pub role: Role,
    pub group_ids: Vec<i64>,
    pub message: String,
}

/// An open invitation as org admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationSummary {
    pub id: i64,
    pub user_id: UserId,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub expired: bool,
}

/// What the accept page shows about a valid link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationPreview {
    pub email: String,
    pub role: Role,
}

fn is_open(row: &InvitationRow, now: OffsetDateTime) -> bool {
    row.accepted_at.is_none() && row.revoked_at.is_none() && row.expires_at > now
}

impl App {
    /// Invites a batch of addresses; returns the new invitations' ids.
    pub async fn invite(&self, viewer: &Viewer, invite: Invite) -> AppResult<Vec<i64>> {
        let actor = require_org_admin(viewer)?;
        directory::check_batch(invite.emails.len())?;
        if !matches!(invite.role, Role::Member | Role::Guest) {
            return Err(ValidationError::new(
                "role",
                format!(
                    "invitations are for `member` or `guest`, not `{}`",
                    invite.role
                ),
            )
            .into());
        }
        let mut emails = Vec::with_capacity(invite.emails.len());
        for raw in &invite.emails {
            let email = normalise_email(raw)?;
            if emails.contains(&email) {
                return Err(
                    ValidationError::new("emails", format!("`{email}` is listed twice")).into(),
                );
            }
            emails.push(email);
        }
        let message = invite.message.trim().to_owned();
        if message.chars().count() > MAX_MESSAGE_LEN {
            return Err(ValidationError::new(
                "message",
                format!("must be at most {MAX_MESSAGE_LEN} characters"),
            )
            .into());
        }
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        users::lock_headcount(conn).await?;
        let policies = load_policies(conn).await?;
        if invite.role == Role::Guest {
            for email in &emails {
                policies.domains.check_guest(email)?;
            }
        }
        let default_group = groups::ensure_default(conn, now).await?;
        let mut group_ids = invite.group_ids.clone();
        group_ids.sort_unstable();
        group_ids.dedup();
        let chosen = groups::find_many(conn, &group_ids).await?;
        if chosen.len() != group_ids.len() {
            return Err(ValidationError::new("groups", "every group must exist").into());
        }
        if invite.role == Role::Guest
            && chosen
                .iter()
                .any(|g| g.role.parse::<Role>().is_ok_and(|r| r > Role::Guest))
        {
            return Err(ValidationError::new(
                "groups",
                "a guest can only be invited into guest groups",
            )
            .into());
        }
        if invite.role == Role::Member && !group_ids.contains(&default_group.id) {
            group_ids.push(default_group.id);
        }

        let before = Roster::load(conn).await?;
        let mut after = before.clone();
        let mut invitees = Vec::with_capacity(emails.len());
        for email in &emails {
            let user = match users::find_by_email(conn, email).await? {
                Some(existing) if existing.status == "active" => {
                    return Err(AppError::Conflict(format!(
                        "`{email}` already has an account"
                    )));
                }
                Some(mut existing) => {
                    // Invited before (re-invite) or deactivated: invite again.
                    existing.role = invite.role.as_str().to_owned();
                    existing.status = "invited".to_owned();
                    existing.updated_at = now;
                    existing
                }
                None => {
                    users::insert(
                        conn,
                        UserRecord {
                            email,
                            display_name: email,
                            password_hash: None,
                            role: invite.role.as_str(),
                            org_admin: false,
                            status: "invited",
                            now,
                        },
                    )
                    .await?
                }
            };
            let mut user = user;
            if invite.role == Role::Guest {
                user.guest_access_expires_at = default_guest_expiry(conn, now).await?;
            }
            after.set_user(user.clone());
            for group in &group_ids {
                after.join(user.id, *group);
            }
            invitees.push(user);
        }
        let newly_paid = before.check_change(&after, policies.limits)?;

        let mut ids = Vec::with_capacity(invitees.len());
        for user in invitees {
            let user = users::update(conn, user).await?;
            for group in &group_ids {
                groups::add_member(conn, *group, user.id).await?;
            }
            for mut old in invitations::open_for_user(conn, user.id).await? {
                old.revoked_at = Some(now);
                invitations::update(conn, old).await?;
            }
            let token = new_token();
            let invitation = invitations::insert(
                conn,
                NewInvitation {
                    user_id: user.id,
                    token_hash: &token_hash(&token),
                    role: invite.role.as_str(),
                    group_ids: &group_ids,
                    message: &message,
                    invited_by: actor,
                    now,
                    expires_at: now + time::Duration::days(policies.invitation_days.into()),
                },
            )
            .await?;
            self.queue_invitation_mail(conn, &user.email, &token, invite.role, &message, now)
                .await?;
            audit(conn, now, Some(actor), "invitation.create", ("user", user.id.to_string()), json!({ "email": user.email, "role": invite.role.as_str(), "invitation": invitation.id })).await?;
            ids.push(invitation.id);
        }
        record_paid(conn, &after, &newly_paid).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn queue_invitation_mail(
        &self,
        conn: &impl Conn,
        email: &str,
        token: &str,
        role: Role,
        message: &str,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let link = format!(
            "{}/invitations/accept?token={token}",
            self.settings.public_base_url
        );
        let what = if role == Role::Guest {
            "as a guest"
        } else {
            "as a member"
        };
        let personal = if message.is_empty() {
            String::new()
        } else {
            format!("\nTheir message:\n\n{message}\n")
        };
        let body = format!(
            "You have been invited to Portico {what}.\n{personal}\nAccept the invitation and choose your password here (the link works once and expires):\n\n{link}\n"
        );
        crate::mail::queue(conn, now, email, "You're invited to Portico", &body).await?;
        Ok(())
    }

    /// Open invitations, newest first (org admins only).
    pub async fn list_invitations(&self, viewer: &Viewer) -> AppResult<Vec<InvitationSummary>> {
        require_org_admin(viewer)?;
        let conn = self.store.read();
        let now = self.now();
        let rows = invitations::open(conn).await?;
        let ids: Vec<i64> = rows.iter().map(|row| row.user_id).collect();
        let people = users::find_many(conn, &ids).await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let email = people.iter().find(|u| u.id == row.user_id)?.email.clone();
                Some(InvitationSummary {
                    id: row.id,
                    user_id: UserId(row.user_id),
                    email,
                    role: row.role.parse().unwrap_or(Role::None),
                    invited_by: row.invited_by.map(UserId),
                    created_at: row.created_at,
                    expires_at: row.expires_at,
                    expired: row.expires_at <= now,
                })
            })
            .collect())
    }

    /// Sends a fresh link (the old one stops working) with a new expiry.
    pub async fn resend_invitation(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let mut row = invitations::find(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.accepted_at.is_some() || row.revoked_at.is_some() {
            return Err(AppError::Conflict(
                "this invitation was already accepted or revoked".to_owned(),
            ));
        }
        let user = users::find(conn, row.user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let policies = load_policies(conn).await?;
        let token = new_token();
        row.token_hash = token_hash(&token);
        row.expires_at = now + time::Duration::days(policies.invitation_days.into());
        let role: Role = row.role.parse().unwrap_or(Role::Member);
        let message = row.message.clone();
        invitations::update(conn, row).await?;
        self.queue_invitation_mail(conn, &user.email, &token, role, &message, now)
            .await?;
        audit(
            conn,
            now,
            Some(actor),
            "invitation.resend",
            ("user", user.id.to_string()),
            json!({ "invitation": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Kills an invitation's link; the invitee no longer holds a seat.
    pub async fn revoke_invitation(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let mut row = invitations::find(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if row.accepted_at.is_some() || row.revoked_at.is_some() {
            return Err(AppError::Conflict(
                "this invitation was already accepted or revoked".to_owned(),
            ));
        }
        row.revoked_at = Some(now);
        let user_id = row.user_id;
        invitations::update(conn, row).await?;
        if let Some(mut user) = users::find(conn, user_id).await?
            && user.status == "invited"
        {
            user.status = "deactivated".to_owned();
            user.updated_at = now;
            users::update(conn, user).await?;
        }
        audit(
            conn,
            now,
            Some(actor),
            "invitation.revoke",
            ("user", user_id.to_string()),
            json!({ "invitation": id }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// What an invitation link is for, if it still works.
    pub async fn invitation_preview(&self, token: &str) -> AppResult<InvitationPreview> {
        let conn = self.store.read();
        let row = invitations::find_by_token_hash(conn, &token_hash(token))
            .await?
            .filter(|row| is_open(row, self.now()));
        let row = row.ok_or(AppError::InvalidLink)?;
        let user = users::find(conn, row.user_id)
            .await?
            .ok_or(AppError::InvalidLink)?;
        Ok(InvitationPreview {
            email: user.email,
            role: row.role.parse().unwrap_or(Role::None),
        })
    }

    /// Accepts an invitation: sets the name and password, activates the
    /// account and signs the person in. The link works once.
    pub async fn accept_invitation(
        &self,
        token: &str,
        display_name: &str,
        password: &str,
    ) -> AppResult<SignedIn> {
        let display_name = single_line("displayName", display_name, 120)?;
        check_password(password)?;
        let hash = hash_password(password)
            .map_err(|_| AppError::Invalid(ValidationError::new("password", "can't be hashed")))?;
        let now = self.now();
        let tx = self.store.write().await?;
        let conn = tx.conn();
        let mut row = invitations::find_by_token_hash(conn, &token_hash(token))
            .await?
            .filter(|row| is_open(row, now))
            .ok_or(AppError::InvalidLink)?;
        let mut user = users::find(conn, row.user_id)
            .await?
            .filter(|u| u.status == "invited")
            .ok_or(AppError::InvalidLink)?;
        row.accepted_at = Some(now);
        let invitation_id = row.id;
        let invited_by = row.invited_by;
        invitations::update(conn, row).await?;
        user.display_name = display_name;
        user.password_hash = Some(hash);
        user.status = "active".to_owned();
        user.updated_at = now;
        let user = users::update(conn, user).await?;
        audit(
            conn,
            now,
            Some(user.id),
            "invitation.accept",
            ("user", user.id.to_string()),
            json!({ "invitation": invitation_id }),
        )
        .await?;
        crate::guests::assign_default_space(
            conn,
            UserId(user.id),
            invited_by,
            now,
            &self.settings.public_base_url,
        )
        .await?;
        let signed_in = self.open_session(conn, &user, now).await?;
        tx.commit().await?;
        Ok(signed_in)
    }
}

/// Site setting: days of product access new guests get (unset or 0: no limit).
pub const GUEST_ACCESS_DAYS: &str = "guests.default_access_days";

/// When a newly invited guest's access ends under the site default.
async fn default_guest_expiry(
    conn: &impl portico_store::Conn,
    now: time::OffsetDateTime,
) -> AppResult<Option<time::OffsetDateTime>> {
    let days = portico_store::settings::all(conn)
        .await?
        .get(GUEST_ACCESS_DAYS)
        .and_then(|value| value.parse::<i64>().ok())
        .filter(|days| *days > 0);
    Ok(days.map(|days| now + time::Duration::days(days)))
}
