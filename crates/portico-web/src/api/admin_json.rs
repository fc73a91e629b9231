//! The JSON shapes of the admin API (`/api/admin`, a Portico extension).
//! People carry Confluence's account fields (`accountId`, `accountType`,
//! `displayName`) beside Portico's roles; ids are strings; times are RFC 3339.

use portico_app::{
    AccessPolicies, AuditEntry, DomainRules, GroupSummary, InvitationSummary, LicenceLimits,
    LicenceUsage, OutboxMail, Role, SecurityPolicies, SitePolicies, TokenPolicies, UserSummary,
};
use portico_core::ValidationError;
use portico_core::security::parse_roles;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::timestamp;

/// A person in the directory.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserJson {
    pub account_id: String,
    /// `guest` for guests, `atlassian` for everyone else (as Confluence says).
    pub account_type: String,
    pub display_name: String,
    pub email: String,
    pub is_guest: bool,
    /// The role given to the person directly: `none`, `guest`, `member`, `admin`.
    pub role: String,
    /// The highest of the direct role and the roles of their groups.
    pub effective_role: String,
    pub org_admin: bool,
    /// `invited`, `active` or `deactivated`.
    pub status: String,
    /// Names of the person's groups.
    pub groups: Vec<String>,
    pub last_active_at: Option<String>,
}

impl From<UserSummary> for UserJson {
    fn from(user: UserSummary) -> Self {
        let is_guest = user.effective_role == Role::Guest;
        UserJson {
            account_id: user.id.to_string(),
            account_type: super::people::account_type(is_guest).to_owned(),
            display_name: user.display_name,
            email: user.email,
            is_guest,
            role: user.direct_role.to_string(),
            effective_role: user.effective_role.to_string(),
            org_admin: user.org_admin,
            status: user.status,
            groups: user.groups,
            last_active_at: user.last_active_at.map(timestamp),
        }
    }
}

/// A role to set.
#[derive(Deserialize, ToSchema)]
pub struct RoleJson {
    /// `none`, `guest`, `member` or `admin`.
    pub role: String,
}

/// The org-admin flag to set.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgAdminJson {
    pub org_admin: bool,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupJson {
    pub id: String,
    pub name: String,
    /// The role every member gets from the group.
    pub role: String,
    /// The group everyone invited as a member joins.
    pub is_default: bool,
    pub member_count: usize,
    /// Members' account ids.
    pub members: Vec<String>,
}

impl From<GroupSummary> for GroupJson {
    fn from(group: GroupSummary) -> Self {
        GroupJson {
            id: group.id.to_string(),
            name: group.name,
            role: group.role.to_string(),
            is_default: group.is_default,
            member_count: group.members.len(),
            members: group.members.iter().map(ToString::to_string).collect(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct CreateGroupJson {
    pub name: String,
    /// `none`, `guest`, `member` or `admin`.
    pub role: String,
}

/// An id sent as a string (as ids are rendered) or as a number.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum IdJson {
    Number(i64),
    Text(String),
}

/// An invitation batch.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteJson {
    /// 1 to 10 addresses.
    pub emails: Vec<String>,
    /// `member` or `guest`.
    pub role: String,
    #[serde(default)]
    pub group_ids: Vec<IdJson>,
    /// A personal message for the e-mail.
    #[serde(default)]
    pub message: String,
}

/// The new invitations' ids.
#[derive(Serialize, ToSchema)]
pub struct InvitedJson {
    pub ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationJson {
    pub id: String,
    pub account_id: String,
    pub email: String,
    pub role: String,
    pub invited_by: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub expired: bool,
}

impl From<InvitationSummary> for InvitationJson {
    fn from(invitation: InvitationSummary) -> Self {
        InvitationJson {
            id: invitation.id.to_string(),
            account_id: invitation.user_id.to_string(),
            email: invitation.email,
            role: invitation.role.to_string(),
            invited_by: invitation.invited_by.map(|id| id.to_string()),
            created_at: timestamp(invitation.created_at),
            expires_at: timestamp(invitation.expires_at),
            expired: invitation.expired,
        }
    }
}

/// Seats in use and the caps.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LicencesJson {
    pub paid_seats: u64,
    pub guests: u64,
    /// Paid seats × guests per paid seat.
    pub guest_quota: u64,
    pub guests_per_paid_seat: u64,
    /// Paid seats and guests together may not exceed it.
    pub user_limit: u64,
}

impl From<LicenceUsage> for LicencesJson {
    fn from(usage: LicenceUsage) -> Self {
        LicencesJson {
            paid_seats: usage.paid,
            guests: usage.guests,
            guest_quota: usage.guest_quota,
            guests_per_paid_seat: usage.guests_per_paid_seat,
            user_limit: usage.user_limit,
        }
    }
}

/// The site policies; `PUT` replaces them all.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PoliciesJson {
    pub guests_per_paid_seat: u64,
    pub user_limit: u64,
    /// If not empty, guests' e-mail domains must be on it.
    pub guest_domain_allow_list: Vec<String>,
    pub guest_domain_block_list: Vec<String>,
    /// The organisation's domains: their addresses can't be guests.
    pub internal_domains: Vec<String>,
    /// Failed sign-ins in a row before the account locks.
    pub max_failed_sign_ins: u32,
    pub lockout_minutes: u32,
    pub invitation_valid_days: u32,
    /// Anonymous access for the site (off by default).
    #[serde(default)]
    pub anonymous_access: bool,
    /// Guests also see spaces open to anonymous visitors (default on).
    #[serde(default = "yes")]
    pub guests_see_anonymous_spaces: bool,
    /// Guests may hold `admin`, `restrict` and `export` (default off).
    #[serde(default)]
    pub guests_reserved_permissions: bool,
    /// `guests.max_spaces`: spaces a guest may be assigned to at once (default 1).
    #[serde(default = "one")]
    pub guest_max_spaces: u32,
    /// Whether new spaces allow guests (default on).
    #[serde(default = "yes")]
    pub new_spaces_allow_guests: bool,
    /// `guests.mention_own_space`: guests may mention people who share a
    /// space with them (default off: guests mention no one).
    #[serde(default)]
    pub guests_mention_own_space: bool,
    /// Guests confirm a code mailed to them after their password (default on).
    #[serde(default = "yes")]
    pub guest_email_codes: bool,
    /// Days a guest's confirmed address stays trusted; 0 asks at every
    /// sign-in (default 7).
    #[serde(default = "seven")]
    pub guest_reverify_days: u32,
    /// Hours a guest's session lasts (default 12).
    #[serde(default = "twelve")]
    pub guest_session_hours: u32,
    /// Roles that must use an authenticator app (`guest`, `member`, `admin`).
    #[serde(default)]
    pub two_step_required_roles: Vec<String>,
    /// `guests.api_tokens`: guests may create and use API tokens (default off).
    #[serde(default)]
    pub guests_api_tokens: bool,
}

fn seven() -> u32 {
    7
}

fn twelve() -> u32 {
    12
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

impl From<SitePolicies> for PoliciesJson {
    fn from(policies: SitePolicies) -> Self {
        PoliciesJson {
            guests_per_paid_seat: policies.limits.guests_per_paid_seat,
            user_limit: policies.limits.user_limit,
            guest_domain_allow_list: policies.domains.allow,
            guest_domain_block_list: policies.domains.block,
            internal_domains: policies.domains.internal,
            max_failed_sign_ins: policies.max_failed_sign_ins,
            lockout_minutes: policies.lockout_minutes,
            invitation_valid_days: policies.invitation_days,
            anonymous_access: policies.access.anonymous_access,
            guests_see_anonymous_spaces: policies.access.guests_see_anonymous_spaces,
            guests_reserved_permissions: policies.access.guests_reserved_permissions,
            guest_max_spaces: policies.access.guest_max_spaces,
            new_spaces_allow_guests: policies.access.new_spaces_allow_guests,
            guests_mention_own_space: policies.access.guests_mention_own_space,
            guest_email_codes: policies.security.guest_email_codes,
            guest_reverify_days: policies.security.guest_reverify_days,
            guest_session_hours: policies.security.guest_session_hours,
            two_step_required_roles: policies
                .security
                .two_step_required
                .iter()
                .map(|role| role.to_string())
                .collect(),
            guests_api_tokens: policies.tokens.guests_api_tokens,
        }
    }
}

fn domain_list(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|domain| domain.trim().trim_start_matches('@').to_ascii_lowercase())
        .filter(|domain| !domain.is_empty())
        .collect()
}

impl TryFrom<PoliciesJson> for SitePolicies {
    type Error = ValidationError;

    fn try_from(json: PoliciesJson) -> Result<Self, Self::Error> {
        let two_step_required = parse_roles(&json.two_step_required_roles.join(","))?;
        Ok(SitePolicies {
            limits: LicenceLimits {
                guests_per_paid_seat: json.guests_per_paid_seat,
                user_limit: json.user_limit,
            },
            domains: DomainRules {
                allow: domain_list(json.guest_domain_allow_list),
                block: domain_list(json.guest_domain_block_list),
                internal: domain_list(json.internal_domains),
            },
            max_failed_sign_ins: json.max_failed_sign_ins,
            lockout_minutes: json.lockout_minutes,
            invitation_days: json.invitation_valid_days,
            access: AccessPolicies {
                anonymous_access: json.anonymous_access,
                guests_see_anonymous_spaces: json.guests_see_anonymous_spaces,
                guests_reserved_permissions: json.guests_reserved_permissions,
                guest_max_spaces: json.guest_max_spaces,
                new_spaces_allow_guests: json.new_spaces_allow_guests,
                guests_mention_own_space: json.guests_mention_own_space,
            },
            security: SecurityPolicies {
                guest_email_codes: json.guest_email_codes,
                guest_reverify_days: json.guest_reverify_days,
                guest_session_hours: json.guest_session_hours,
                two_step_required,
            },
            tokens: TokenPolicies {
                guests_api_tokens: json.guests_api_tokens,
            },
        })
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEntryJson {
    pub id: String,
    pub at: String,
    /// The account that acted; none for the system or an anonymous visitor.
    pub actor_id: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEntry> for AuditEntryJson {
    fn from(entry: AuditEntry) -> Self {
        AuditEntryJson {
            id: entry.id.to_string(),
            at: timestamp(entry.at),
            actor_id: entry.actor.map(|id| id.to_string()),
            action: entry.action,
            target_kind: entry.target_kind,
            target_id: entry.target_id,
            detail: entry.detail,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MailJson {
    pub id: String,
    pub recipient: String,
    pub subject: String,
    /// The plain-text body, in full.
    pub body: String,
    /// `held` (no SMTP configured), `pending`, `sent` or `failed`.
    pub status: String,
    pub created_at: String,
    pub attempts: i64,
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
    pub last_error: Option<String>,
}

impl From<OutboxMail> for MailJson {
    fn from(mail: OutboxMail) -> Self {
        MailJson {
            id: mail.id.to_string(),
            recipient: mail.recipient,
            subject: mail.subject,
            body: mail.body,
            status: mail.status.to_string(),
            created_at: timestamp(mail.created_at),
            attempts: mail.attempts,
            next_attempt_at: mail.next_attempt_at.map(timestamp),
            sent_at: mail.sent_at.map(timestamp),
            last_error: mail.last_error,
        }
    }
}
