//! The directory as org admins manage it: users (roles, org-admin flag,
//! deactivation, deletion), groups and memberships, licence usage and site
//! policies. Every change that can grow the paid or guest headcount is checked
//! against the limits inside the same transaction, under the headcount lock.

use std::collections::{BTreeMap, HashMap};

use portico_core::directory::{self, DirectoryError, DomainRules, Headcount, LicenceLimits};
use portico_core::security::{SecurityPolicies, parse_roles};
use portico_core::validation::{ValidationError, single_line};
use portico_core::{Role, UserId, Viewer};
use portico_store::groups::GroupRow;
use portico_store::{Conn, UserRow, groups, sessions, settings, tokens, users};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::record::audit;

/// The org admin behind `viewer`. Everyone else finds admin screens missing.
pub(crate) fn require_org_admin(viewer: &Viewer) -> AppResult<i64> {
    match viewer {
        Viewer::User(principal) if portico_core::policy::administers_directory(viewer) => {
            Ok(principal.user_id.0)
        }
        _ => Err(AppError::NotFound),
    }
}

impl From<DirectoryError> for AppError {
    fn from(err: DirectoryError) -> Self {
        match err {
            DirectoryError::BatchSize(_)
            | DirectoryError::InternalDomain(_)
            | DirectoryError::BlockedDomain(_)
            | DirectoryError::NotAllowedDomain(_) => {
                AppError::Invalid(ValidationError::new("emails", err.to_string()))
            }
            DirectoryError::FormerPaidToGuest(_)
            | DirectoryError::GuestQuota { .. }
            | DirectoryError::UserLimit { .. } => AppError::Conflict(err.to_string()),
        }
    }
}

/// Site-wide policies an org admin sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitePolicies {
    pub limits: LicenceLimits,
    pub domains: DomainRules,
    /// Failed sign-ins in a row before an account is locked.
    pub max_failed_sign_ins: u32,
    pub lockout_minutes: u32,
    pub invitation_days: u32,
    /// Who may see what beyond grants: the anonymous switch and guest limits.
    pub access: AccessPolicies,
    /// Second sign-in steps and session lengths.
    pub security: SecurityPolicies,
    /// Who may use API tokens.
    pub tokens: TokenPolicies,
}

/// Site setting: whether guests may create and use API tokens.
const GUESTS_API_TOKENS: &str = "guests.api_tokens";

/// Who may use API tokens (SPEC 3.6).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenPolicies {
    /// `guests.api_tokens`: guests may create and use API tokens (off by
    /// default; switching it off stops guests' existing tokens at once).
    pub guests_api_tokens: bool,
}

/// Site setting: `guests.max_spaces`.
const GUEST_MAX_SPACES: &str = "guests.max_spaces";
/// Site setting: whether new spaces allow guests.
const NEW_SPACES_ALLOW_GUESTS: &str = "space.allow_guests_default";
/// Site setting: guests may mention people of their own spaces.
pub const GUESTS_MENTION_OWN_SPACE: &str = "guests.mention_own_space";
/// Site settings of [`SecurityPolicies`].
const GUEST_EMAIL_CODES: &str = "guests.email_codes";
const GUEST_REVERIFY_DAYS: &str = "guests.reverify_days";
const GUEST_SESSION_HOURS: &str = "guests.session_hours";
const TWO_STEP_REQUIRED: &str = "two_step.required_roles";

/// Site switches the access engine reads (see `portico_core::policy::SiteFacts`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessPolicies {
    /// Anonymous access for the site (off by default). A space's anonymous
    /// grant admits nobody while this is off.
    pub anonymous_access: bool,
    /// Guests also see spaces open to anonymous visitors (while the switch above is on).
    pub guests_see_anonymous_spaces: bool,
    /// Guests may be given `admin`, `restrict` and `export`.
    pub guests_reserved_permissions: bool,
    /// `guests.max_spaces`: how many spaces a guest may be assigned to at
    /// once; assigning beyond it moves the guest out of the oldest.
    pub guest_max_spaces: u32,
    /// Whether new spaces allow guests (each space can change it).
    pub new_spaces_allow_guests: bool,
    /// `guests.mention_own_space`: guests may mention people who share a
    /// space with them (off by default: guests mention no one).
    pub guests_mention_own_space: bool,
}

impl Default for AccessPolicies {
    fn default() -> Self {
        Self {
            anonymous_access: false,
            guests_see_anonymous_spaces: true,
            guests_reserved_permissions: false,
            guest_max_spaces: 1,
            new_spaces_allow_guests: true,
            guests_mention_own_space: false,
        }
    }
}

impl Default for SitePolicies {
    fn default() -> Self {
        Self {
            limits: LicenceLimits::default(),
            domains: DomainRules::default(),
            max_failed_sign_ins: 5,
            lockout_minutes: 15,
            invitation_days: 7,
            access: AccessPolicies::default(),
            security: SecurityPolicies::default(),
            tokens: TokenPolicies::default(),
        }
    }
}

fn list(text: &str) -> Vec<String> {
    text.split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

impl SitePolicies {
    fn from_map(map: &BTreeMap<String, String>) -> Self {
        let defaults = Self::default();
        let number =
            |key: &str, default: u64| map.get(key).and_then(|v| v.parse().ok()).unwrap_or(default);
        Self {
            limits: LicenceLimits {
                guests_per_paid_seat: number(
                    "guests.per_paid_seat",
                    defaults.limits.guests_per_paid_seat,
                ),
                user_limit: number("site.user_limit", defaults.limits.user_limit),
            },
            domains: DomainRules {
                allow: map
                    .get("guests.domain_allow")
                    .map(|v| list(v))
                    .unwrap_or_default(),
                block: map
                    .get("guests.domain_block")
                    .map(|v| list(v))
                    .unwrap_or_default(),
                internal: map
                    .get("site.internal_domains")
                    .map(|v| list(v))
                    .unwrap_or_default(),
            },
            max_failed_sign_ins: number("sign_in.max_failures", defaults.max_failed_sign_ins.into())
                as u32,
            lockout_minutes: number("sign_in.lockout_minutes", defaults.lockout_minutes.into())
                as u32,
            invitation_days: number("invitations.valid_days", defaults.invitation_days.into())
                as u32,
            access: {
                let flag = |key: &str, default: bool| {
                    map.get(key).map_or(default, |value| value == "true")
                };
                AccessPolicies {
                    anonymous_access: flag(
                        crate::permissions::ANONYMOUS_ACCESS,
                        defaults.access.anonymous_access,
                    ),
                    guests_see_anonymous_spaces: flag(
                        crate::permissions::GUESTS_SEE_ANONYMOUS,
                        defaults.access.guests_see_anonymous_spaces,
                    ),
                    guests_reserved_permissions: flag(
                        crate::permissions::GUESTS_RESERVED,
                        defaults.access.guests_reserved_permissions,
                    ),
                    guest_max_spaces: number(
                        GUEST_MAX_SPACES,
                        defaults.access.guest_max_spaces.into(),
                    ) as u32,
                    new_spaces_allow_guests: flag(
                        NEW_SPACES_ALLOW_GUESTS,
                        defaults.access.new_spaces_allow_guests,
                    ),
                    guests_mention_own_space: flag(
                        GUESTS_MENTION_OWN_SPACE,
                        defaults.access.guests_mention_own_space,
                    ),
                }
            },
            security: SecurityPolicies {
                guest_email_codes: map
                    .get(GUEST_EMAIL_CODES)
                    .map_or(defaults.security.guest_email_codes, |v| v == "true"),
                guest_reverify_days: number(
                    GUEST_REVERIFY_DAYS,
                    defaults.security.guest_reverify_days.into(),
                ) as u32,
                guest_session_hours: number(
                    GUEST_SESSION_HOURS,
                    defaults.security.guest_session_hours.into(),
                ) as u32,
                two_step_required: map
                    .get(TWO_STEP_REQUIRED)
                    .and_then(|v| parse_roles(v).ok())
                    .unwrap_or_default(),
            },
            tokens: TokenPolicies {
                guests_api_tokens: map
                    .get(GUESTS_API_TOKENS)
                    .map_or(defaults.tokens.guests_api_tokens, |value| value == "true"),
            },
        }
    }

    fn to_map(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "guests.per_paid_seat",
                self.limits.guests_per_paid_seat.to_string(),
            ),
            ("site.user_limit", self.limits.user_limit.to_string()),
            ("guests.domain_allow", self.domains.allow.join(",")),
            ("guests.domain_block", self.domains.block.join(",")),
            ("site.internal_domains", self.domains.internal.join(",")),
            ("sign_in.max_failures", self.max_failed_sign_ins.to_string()),
            ("sign_in.lockout_minutes", self.lockout_minutes.to_string()),
            ("invitations.valid_days", self.invitation_days.to_string()),
            (
                crate::permissions::ANONYMOUS_ACCESS,
                self.access.anonymous_access.to_string(),
            ),
            (
                crate::permissions::GUESTS_SEE_ANONYMOUS,
                self.access.guests_see_anonymous_spaces.to_string(),
            ),
            (
                crate::permissions::GUESTS_RESERVED,
                self.access.guests_reserved_permissions.to_string(),
            ),
            (GUEST_MAX_SPACES, self.access.guest_max_spaces.to_string()),
            (
                NEW_SPACES_ALLOW_GUESTS,
                self.access.new_spaces_allow_guests.to_string(),
            ),
            (
                GUESTS_MENTION_OWN_SPACE,
                self.access.guests_mention_own_space.to_string(),
            ),
            (
                GUEST_EMAIL_CODES,
                self.security.guest_email_codes.to_string(),
            ),
            (
                GUEST_REVERIFY_DAYS,
                self.security.guest_reverify_days.to_string(),
            ),
            (
                GUEST_SESSION_HOURS,
                self.security.guest_session_hours.to_string(),
            ),
            (
                TWO_STEP_REQUIRED,
                self.security
                    .two_step_required
                    .iter()
                    .map(|role| role.to_string())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            (GUESTS_API_TOKENS, self.tokens.guests_api_tokens.to_string()),
        ]
    }

    fn validate(&self) -> AppResult<()> {
        let checks: [(&'static str, u64, u64, u64); 8] = [
            (
                GUEST_REVERIFY_DAYS,
                self.security.guest_reverify_days.into(),
                0,
                365,
            ),
            (
                GUEST_SESSION_HOURS,
                self.security.guest_session_hours.into(),
                1,
                24 * 30,
            ),
            (
                GUEST_MAX_SPACES,
                self.access.guest_max_spaces.into(),
                1,
                1_000,
            ),
            ("site.user_limit", self.limits.user_limit, 1, 10_000_000),
            (
                "guests.per_paid_seat",
                self.limits.guests_per_paid_seat,
                0,
                1_000,
            ),
            (
                "sign_in.max_failures",
                self.max_failed_sign_ins.into(),
                1,
                100,
            ),
            (
                "sign_in.lockout_minutes",
                self.lockout_minutes.into(),
                1,
                24 * 60,
            ),
            ("invitations.valid_days", self.invitation_days.into(), 1, 90),
        ];
        for (field, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(ValidationError::new(
                    field,
                    format!("must be between {min} and {max}, not {value}"),
                )
                .into());
            }
        }
        Ok(())
    }
}

pub(crate) async fn load_policies(conn: &impl Conn) -> AppResult<SitePolicies> {
    Ok(SitePolicies::from_map(&settings::all(conn).await?))
}

/// Who holds which role, loaded to compute effective roles and headcounts.
#[derive(Clone)]
pub(crate) struct Roster {
    pub(crate) users: HashMap<i64, UserRow>,
    pub(crate) groups: HashMap<i64, GroupRow>,
    /// (user, group) pairs.
    pub(crate) memberships: Vec<(i64, i64)>,
}

fn role_of(text: &str) -> Role {
    text.parse().unwrap_or(Role::None)
}

fn counts(status: &str) -> bool {
    status == "active" || status == "invited"
}

impl Roster {
    pub(crate) async fn load(conn: &impl Conn) -> AppResult<Self> {
        let users = users::search(conn, None, &[])
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        let groups = groups::all(conn)
            .await?
            .into_iter()
            .map(|g| (g.id, g))
            .collect();
        let memberships = groups::memberships(conn).await?;
        Ok(Self {
            users,
            groups,
            memberships,
        })
    }

    /// Active people whose effective role is `role`.
    pub(crate) fn with_role(&self, role: Role) -> Vec<UserId> {
        let mut ids: Vec<i64> = self
            .users
            .values()
            .filter(|user| user.status == "active" && self.effective(user.id) == role)
            .map(|user| user.id)
            .collect();
        ids.sort_unstable();
        ids.into_iter().map(UserId).collect()
    }

    pub(crate) fn effective(&self, user_id: i64) -> Role {
        let direct = self
            .users
            .get(&user_id)
            .map_or(Role::None, |u| role_of(&u.role));
        let group_roles = self
            .memberships
            .iter()
            .filter(|(user, _)| *user == user_id)
            .filter_map(|(_, group)| self.groups.get(group))
            .map(|group| role_of(&group.role));
        directory::effective_role(direct, group_roles)
    }

    pub(crate) fn headcount(&self) -> Headcount {
        let mut count = Headcount::default();
        for user in self.users.values().filter(|u| counts(&u.status)) {
            match self.effective(user.id) {
                Role::Member | Role::Admin => count.paid += 1,
                Role::Guest => count.guests += 1,
                Role::None => {}
            }
        }
        count
    }

    pub(crate) fn group_names(&self, user_id: i64) -> Vec<String> {
        let mut names: Vec<String> = self
            .memberships
            .iter()
            .filter(|(user, _)| *user == user_id)
            .filter_map(|(_, group)| self.groups.get(group))
            .map(|group| group.name.clone())
            .collect();
        names.sort();
        names
    }

    pub(crate) fn set_user(&mut self, user: UserRow) {
        self.users.insert(user.id, user);
    }

    pub(crate) fn set_group(&mut self, group: GroupRow) {
        self.groups.insert(group.id, group);
    }

    pub(crate) fn join(&mut self, user_id: i64, group_id: i64) {
        if !self.memberships.contains(&(user_id, group_id)) {
            self.memberships.push((user_id, group_id));
        }
    }

    pub(crate) fn leave(&mut self, user_id: i64, group_id: i64) {
        self.memberships.retain(|m| *m != (user_id, group_id));
    }

    /// Checks `after` against `self` (the state before): nobody who ever held
    /// a paid role becomes a guest, and the headcount stays within limits.
    /// Returns the users who now hold a paid role for the first time.
    pub(crate) fn check_change(
        &self,
        after: &Roster,
        limits: LicenceLimits,
    ) -> AppResult<Vec<i64>> {
        let mut newly_paid = Vec::new();
        for user in after.users.values().filter(|u| counts(&u.status)) {
            let now = after.effective(user.id);
            directory::check_not_former_paid(&user.email, user.ever_paid, now)?;
            if now.is_paid() && !user.ever_paid {
                newly_paid.push(user.id);
            }
        }
        directory::check_headcount(self.headcount(), after.headcount(), limits)?;
        Ok(newly_paid)
    }
}

/// Takes the headcount lock (held until the transaction ends) and loads what
/// a role change is checked against: the policies and the roster before it.
pub(crate) async fn lock_roster(conn: &impl Conn) -> AppResult<(SitePolicies, Roster)> {
    users::lock_headcount(conn).await?;
    Ok((load_policies(conn).await?, Roster::load(conn).await?))
}

/// Marks people who now hold a paid role as former-paid forever.
pub(crate) async fn record_paid(conn: &impl Conn, roster: &Roster, ids: &[i64]) -> AppResult<()> {
    for id in ids {
        if let Some(mut user) = roster.users.get(id).cloned() {
            user.ever_paid = true;
            users::update(conn, user).await?;
        }
    }
    Ok(())
}

/// A person as org admins see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub direct_role: Role,
    pub effective_role: Role,
    pub org_admin: bool,
    pub status: String,
    pub groups: Vec<String>,
    pub last_active_at: Option<OffsetDateTime>,
}

/// Filters for the user list.
#[derive(Debug, Clone, Default)]
pub struct UserQuery {
    pub search: Option<String>,
    pub role: Option<Role>,
    pub status: Option<String>,
}

/// Seats in use and the caps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LicenceUsage {
    pub paid: u64,
    pub guests: u64,
    pub guest_quota: u64,
    pub guests_per_paid_seat: u64,
    pub user_limit: u64,
}

/// A group as org admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub is_default: bool,
    pub members: Vec<UserId>,
}

pub(crate) fn summary(roster: &Roster, user: &UserRow) -> UserSummary {
    UserSummary {
        id: UserId(user.id),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        direct_role: role_of(&user.role),
        effective_role: roster.effective(user.id),
        org_admin: user.org_admin,
        status: user.status.clone(),
        groups: roster.group_names(user.id),
        last_active_at: user.last_active_at,
    }
}

fn group_name(name: &str) -> AppResult<String> {
    let name = single_line("name", name, 100)?.to_lowercase();
    Ok(name)
}

impl App {
    /// The people in the directory, filtered (org admins only).
    pub async fn list_users(
        &self,
        viewer: &Viewer,
        query: UserQuery,
    ) -> AppResult<Vec<UserSummary>> {
        require_org_admin(viewer)?;
        let conn = self.store.read();
        let roster = Roster::load(conn).await?;
        let statuses: Vec<&str> = query.status.as_deref().into_iter().collect();
        let rows = users::search(conn, query.search.as_deref(), &statuses).await?;
        Ok(rows
            .iter()
            .map(|user| summary(&roster, user))
            .filter(|user| query.role.is_none_or(|role| user.effective_role == role))
            .collect())
    }

    pub async fn user(&self, viewer: &Viewer, id: UserId) -> AppResult<UserSummary> {
        require_org_admin(viewer)?;
        let conn = self.store.read();
        let roster = Roster::load(conn).await?;
        let user = roster.users.get(&id.0).ok_or(AppError::NotFound)?;
        Ok(summary(&roster, user))
    }

    /// Changes a user's direct product role, under the former-paid rule and
    /// the licence limits. Making a guest paid is a promotion
    /// (`guest_admin::promote_user_in`): grants kept, access expiry cleared.
    pub async fn set_user_role(
        &self,
        viewer: &Viewer,
        id: UserId,
        role: Role,
    ) -> AppResult<UserSummary> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (policies, before) = lock_roster(tx.conn()).await?;
        let mut user = before.users.get(&id.0).cloned().ok_or(AppError::NotFound)?;
        let old_role = user.role.clone();
        let (after, user) = if before.effective(id.0) == Role::Guest && role.is_paid() {
            // A guest made paid is promoted, exactly as `promote_guest` does.
            let promoted = crate::guest_admin::promote_user_in(
                tx.conn(),
                (actor, now),
                (&policies, &before),
                id,
                role,
            )
            .await?;
            let user = promoted.users.first().cloned().ok_or(AppError::NotFound)?;
            (promoted.after, user)
        } else {
            user.role = role.as_str().to_owned();
            user.updated_at = now;
            let mut after = before.clone();
            after.set_user(user.clone());
            let newly_paid = before.check_change(&after, policies.limits)?;
            let mut user = users::update(tx.conn(), user).await?;
            if newly_paid.contains(&user.id) {
                user.ever_paid = true;
                user = users::update(tx.conn(), user).await?;
            }
            after.set_user(user.clone());
            (after, user)
        };
        audit(
            tx.conn(),
            now,
            Some(actor),
            "user.role_change",
            ("user", user.id.to_string()),
            json!({ "from": old_role, "to": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(summary(&after, &user))
    }

    /// Grants or removes the org-admin flag.
    pub async fn set_org_admin(
        &self,
        viewer: &Viewer,
        id: UserId,
        org_admin: bool,
    ) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let mut user = users::find(tx.conn(), id.0)
            .await?
            .ok_or(AppError::NotFound)?;
        if !org_admin && user.org_admin && users::count_org_admins(tx.conn()).await? <= 1 {
            return Err(AppError::Conflict(
                "the last org admin can't lose the flag".to_owned(),
            ));
        }
        user.org_admin = org_admin;
        user.updated_at = now;
        users::update(tx.conn(), user).await?;
        let action = if org_admin {
            "user.org_admin_grant"
        } else {
            "user.org_admin_revoke"
        };
        audit(
            tx.conn(),
            now,
            Some(actor),
            action,
            ("user", id.to_string()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deactivates a user: their sessions end and their API tokens are revoked
    /// at once; their content stays.
    pub async fn deactivate_user(&self, viewer: &Viewer, id: UserId) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        if actor == id.0 {
            return Err(AppError::Conflict(
                "you can't deactivate yourself".to_owned(),
            ));
        }
        self.set_status(actor, id, "deactivated", "user.deactivate")
            .await
    }

    /// Reactivates a deactivated user (counted against the limits again).
    pub async fn reactivate_user(&self, viewer: &Viewer, id: UserId) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        self.set_status(actor, id, "active", "user.reactivate")
            .await
    }

    async fn set_status(
        &self,
        actor: i64,
        id: UserId,
        status: &str,
        action: &str,
    ) -> AppResult<()> {
        let now = self.now();
        let tx = self.store.write().await?;
        let (policies, before) = lock_roster(tx.conn()).await?;
        let mut user = before.users.get(&id.0).cloned().ok_or(AppError::NotFound)?;
        if user.display_name == FORMER_USER && user.password_hash.is_none() && status == "active" {
            return Err(AppError::Conflict(
                "a deleted user can't be reactivated".to_owned(),
            ));
        }
        user.status = status.to_owned();
        user.updated_at = now;
        if status == "active" && user.guest_access_expires_at.is_some_and(|end| end <= now) {
            // Reactivating a guest whose access ran out starts them afresh.
            user.guest_access_expires_at = None;
        }
        let mut after = before.clone();
        after.set_user(user.clone());
        before.check_change(&after, policies.limits)?;
        users::update(tx.conn(), user).await?;
        if status == "deactivated" {
            sessions::delete_for_user(tx.conn(), id.0).await?;
            tokens::revoke_all_for_user(tx.conn(), id.0, now).await?;
        }
        audit(
            tx.conn(),
            now,
            Some(actor),
            action,
            ("user", id.to_string()),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes a user: the profile becomes "Former user", sign-in is gone,
    /// content stays.
    pub async fn delete_user(&self, viewer: &Viewer, id: UserId) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        if actor == id.0 {
            return Err(AppError::Conflict("you can't delete yourself".to_owned()));
        }
        let now = self.now();
        let tx = self.store.write().await?;
        let mut user = users::find(tx.conn(), id.0)
            .await?
            .ok_or(AppError::NotFound)?;
        let old_email = user.email.clone();
        user.email = format!("deleted-user-{}@invalid", user.id);
        user.display_name = FORMER_USER.to_owned();
        user.password_hash = None;
        user.status = "deactivated".to_owned();
        user.org_admin = false;
        user.updated_at = now;
        users::update(tx.conn(), user).await?;
        sessions::delete_for_user(tx.conn(), id.0).await?;
        tokens::revoke_all_for_user(tx.conn(), id.0, now).await?;
        for group in groups::groups_of(tx.conn(), id.0).await? {
            groups::remove_member(tx.conn(), group.id, id.0).await?;
        }
        // The audit entry keeps who it was: the audit log outlives profiles.
        audit(
            tx.conn(),
            now,
            Some(actor),
            "user.delete",
            ("user", id.to_string()),
            json!({ "email": old_email }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Groups with their members (org admins only).
    pub async fn list_groups(&self, viewer: &Viewer) -> AppResult<Vec<GroupSummary>> {
        require_org_admin(viewer)?;
        let roster = Roster::load(self.store.read()).await?;
        let mut out: Vec<GroupSummary> = roster
            .groups
            .values()
            .map(|group| GroupSummary {
                id: group.id,
                name: group.name.clone(),
                role: role_of(&group.role),
                is_default: group.is_default,
                members: roster
                    .memberships
                    .iter()
                    .filter(|(_, g)| *g == group.id)
                    .map(|(u, _)| UserId(*u))
                    .collect(),
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    pub async fn create_group(
        &self,
        viewer: &Viewer,
        name: &str,
        role: Role,
    ) -> AppResult<GroupSummary> {
        let actor = require_org_admin(viewer)?;
        let name = group_name(name)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let group = groups::insert(tx.conn(), &name, role.as_str(), false, now).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "group.create",
            ("group", group.id.to_string()),
            json!({ "name": name, "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(GroupSummary {
            id: group.id,
            name: group.name,
            role,
            is_default: false,
            members: Vec::new(),
        })
    }

    pub async fn delete_group(&self, viewer: &Viewer, id: i64) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let group = groups::find(tx.conn(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if group.is_default {
            return Err(AppError::Conflict(
                "the default members group can't be deleted".to_owned(),
            ));
        }
        // Removing a group can lower roles; it can't add seats or guests, but a
        // member could drop to guest, which the former-paid rule forbids.
        let (policies, before) = lock_roster(tx.conn()).await?;
        let mut after = before.clone();
        for (user, _) in before.memberships.iter().filter(|(_, g)| *g == id) {
            after.leave(*user, id);
        }
        before.check_change(&after, policies.limits)?;
        groups::delete(tx.conn(), id).await?;
        audit(
            tx.conn(),
            now,
            Some(actor),
            "group.delete",
            ("group", id.to_string()),
            json!({ "name": group.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes a group's role (a guest group has role `guest`); every member
    /// is checked. Making a guest group paid is a promotion
    /// (`guest_admin::promote_group_in`).
    pub async fn set_group_role(&self, viewer: &Viewer, id: i64, role: Role) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (policies, before) = lock_roster(tx.conn()).await?;
        let mut group = before.groups.get(&id).cloned().ok_or(AppError::NotFound)?;
        let old = group.role.clone();
        if role_of(&old) == Role::Guest && role.is_paid() {
            // A guest group made paid is promoted, as `promote_guest_group` does.
            crate::guest_admin::promote_group_in(
                tx.conn(),
                (actor, now),
                (&policies, &before),
                portico_core::GroupId(id),
                role,
            )
            .await?;
        } else {
            group.role = role.as_str().to_owned();
            let mut after = before.clone();
            after.set_group(group.clone());
            let newly_paid = before.check_change(&after, policies.limits)?;
            groups::update(tx.conn(), group).await?;
            record_paid(tx.conn(), &after, &newly_paid).await?;
        }
        audit(
            tx.conn(),
            now,
            Some(actor),
            "group.role_change",
            ("group", id.to_string()),
            json!({ "from": old, "to": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_group_member(
        &self,
        viewer: &Viewer,
        group_id: i64,
        user_id: UserId,
    ) -> AppResult<()> {
        self.change_membership(viewer, group_id, user_id, true)
            .await
    }

    pub async fn remove_group_member(
        &self,
        viewer: &Viewer,
        group_id: i64,
        user_id: UserId,
    ) -> AppResult<()> {
        self.change_membership(viewer, group_id, user_id, false)
            .await
    }

    async fn change_membership(
        &self,
        viewer: &Viewer,
        group_id: i64,
        user_id: UserId,
        join: bool,
    ) -> AppResult<()> {
        let actor = require_org_admin(viewer)?;
        let now = self.now();
        let tx = self.store.write().await?;
        let (policies, before) = lock_roster(tx.conn()).await?;
        if !before.groups.contains_key(&group_id) || !before.users.contains_key(&user_id.0) {
            return Err(AppError::NotFound);
        }
        let mut after = before.clone();
        if join {
            after.join(user_id.0, group_id);
        } else {
            after.leave(user_id.0, group_id);
        }
        let newly_paid = before.check_change(&after, policies.limits)?;
        if join {
            groups::add_member(tx.conn(), group_id, user_id.0).await?;
        } else {
            groups::remove_member(tx.conn(), group_id, user_id.0).await?;
        }
        record_paid(tx.conn(), &after, &newly_paid).await?;
        let action = if join {
            "group.add_member"
        } else {
            "group.remove_member"
        };
        audit(
            tx.conn(),
            now,
            Some(actor),
            action,
            ("group", group_id.to_string()),
            json!({ "user": user_id.0 }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Seats in use against the caps.
    pub async fn licence_usage(&self, viewer: &Viewer) -> AppResult<LicenceUsage> {
        require_org_admin(viewer)?;
        let conn = self.store.read();
        let policies = load_policies(conn).await?;
        let count = Roster::load(conn).await?.headcount();
        Ok(LicenceUsage {
            paid: count.paid,
            guests: count.guests,
            guest_quota: count.guest_quota(policies.limits),
            guests_per_paid_seat: policies.limits.guests_per_paid_seat,
            user_limit: policies.limits.user_limit,
        })
    }

    pub async fn policies(&self, viewer: &Viewer) -> AppResult<SitePolicies> {
        require_org_admin(viewer)?;
        load_policies(self.store.read()).await
    }

    /// Replaces the site policies (validated, audited with old and new values).
    pub async fn update_policies(
        &self,
        viewer: &Viewer,
        policies: SitePolicies,
    ) -> AppResult<SitePolicies> {
        let actor = require_org_admin(viewer)?;
        policies.validate()?;
        let now = self.now();
        let tx = self.store.write().await?;
        let old = load_policies(tx.conn()).await?;
        for (key, value) in policies.to_map() {
            settings::set(tx.conn(), key, &value).await?;
        }
        let detail: BTreeMap<&str, (String, String)> = old
            .to_map()
            .into_iter()
            .zip(policies.to_map())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((key, a), (_, b))| (key, (a, b)))
            .collect();
        audit(
            tx.conn(),
            now,
            Some(actor),
            "policy.update",
            ("site", "policies".to_owned()),
            json!(detail),
        )
        .await?;
        tx.commit().await?;
        Ok(policies)
    }
}

/// The display name of a deleted user.
pub const FORMER_USER: &str = "Former user";
