//! The JSON shapes of the guest assignment endpoints (`/api/portico`, Portico
//! extensions). Ids are strings and times RFC 3339, as in the rest of the API.

use portico_app::{AssignmentRole, GuestAssignment, SpaceId, UserId};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};
use utoipa::ToSchema;

use super::dto::timestamp;
use crate::error::{ApiError, WebError};

fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

/// An assignment to make (or change): the role and an optional expiry.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignGuestJson {
    /// `collaborator` (the default) or `viewer`.
    #[serde(default)]
    pub role: Option<String>,
    /// When the assignment ends by itself (RFC 3339, in the future); absent
    /// or `null` for never.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// Share only this page of the space and its descendants (absent or
    /// `null`: the whole space).
    #[serde(default)]
    pub page_id: Option<String>,
}

impl AssignGuestJson {
    /// The role asked for, or a 400 naming `role`.
    pub fn role(&self) -> Result<AssignmentRole, ApiError> {
        assignment_role(self.role.as_deref())
    }

    /// The expiry asked for, in UTC (stored times are compared as UTC), or a
    /// 400 naming `expiresAt`.
    pub fn expires_at(&self) -> Result<Option<OffsetDateTime>, ApiError> {
        expiry(self.expires_at.as_deref())
    }
}

/// An `expiresAt` value in UTC (stored times are compared as UTC), or a 400
/// naming `expiresAt`; `None` stays `None` (never).
pub fn expiry(raw: Option<&str>) -> Result<Option<OffsetDateTime>, ApiError> {
    raw.map(|raw| {
        OffsetDateTime::parse(raw.trim(), &Rfc3339)
            .map(|at| at.to_offset(UtcOffset::UTC))
            .map_err(|_| {
                bad(format!(
                    "`expiresAt` must be an RFC 3339 time like 2030-01-31T23:59:59Z, not `{}`",
                    raw.chars().take(40).collect::<String>()
                ))
            })
    })
    .transpose()
}

/// An assignment role, `collaborator` when absent, or a 400 naming `role`.
pub fn assignment_role(raw: Option<&str>) -> Result<AssignmentRole, ApiError> {
    match raw {
        None => Ok(AssignmentRole::Collaborator),
        Some(raw) => raw.parse::<AssignmentRole>().map_err(|_| {
            bad(format!(
                "`role` must be `collaborator` or `viewer`, not `{}`",
                raw.chars().take(40).collect::<String>()
            ))
        }),
    }
}

/// What an assignment did.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentResultJson {
    pub space_id: String,
    pub user_id: String,
    /// `collaborator` or `viewer`.
    pub role: String,
    /// When the assignment ends by itself (RFC 3339), or `null`.
    pub expires_at: Option<String>,
    /// Spaces the guest was moved out of to stay within the site's
    /// `guests.max_spaces` (oldest first); empty when nothing moved.
    pub moved_from: Vec<String>,
}

impl AssignmentResultJson {
    pub fn new(
        space: SpaceId,
        user: UserId,
        role: AssignmentRole,
        expires_at: Option<OffsetDateTime>,
        moved_from: Vec<SpaceId>,
    ) -> Self {
        AssignmentResultJson {
            space_id: space.to_string(),
            user_id: user.to_string(),
            role: role.as_str().to_owned(),
            expires_at: expires_at.map(timestamp),
            moved_from: moved_from.iter().map(ToString::to_string).collect(),
        }
    }
}

/// One space a guest is assigned to.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentJson {
    pub space_id: String,
    /// `collaborator`, `viewer`, or `null` when a space admin gave
    /// individual permissions instead.
    pub role: Option<String>,
    pub assigned_at: String,
    pub expires_at: Option<String>,
    /// Only this page and its descendants are shared; `null`: the whole space.
    pub page_id: Option<String>,
}

impl From<GuestAssignment> for AssignmentJson {
    fn from(assignment: GuestAssignment) -> Self {
        AssignmentJson {
            space_id: assignment.space_id.to_string(),
            role: assignment.role.map(|role| role.as_str().to_owned()),
            assigned_at: timestamp(assignment.assigned_at),
            expires_at: assignment.expires_at.map(timestamp),
            page_id: assignment.page_id.map(|id| id.to_string()),
        }
    }
}

/// Whether a space may have guests.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuestAccessJson {
    pub allow_guests: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(role: Option<&str>, expires_at: Option<&str>) -> AssignGuestJson {
        AssignGuestJson {
            role: role.map(str::to_owned),
            expires_at: expires_at.map(str::to_owned),
            page_id: None,
        }
    }

    fn message(err: Option<ApiError>) -> String {
        err.map(|err| err.0.to_string()).unwrap_or_default()
    }

    #[test]
    fn roles_default_to_collaborator_and_unknown_ones_are_named() {
        assert_eq!(
            body(None, None).role().ok(),
            Some(AssignmentRole::Collaborator)
        );
        assert_eq!(
            body(Some("viewer"), None).role().ok(),
            Some(AssignmentRole::Viewer)
        );
        let err = message(body(Some("admin"), None).role().err());
        assert!(err.contains("`role`") && err.contains("`admin`"), "{err}");
    }

    #[test]
    fn expiry_is_rfc_3339_or_a_400_naming_the_field() {
        let at = body(None, Some("2030-02-01T01:59:59+02:00"))
            .expires_at()
            .ok()
            .flatten();
        assert_eq!(at.map(|at| at.unix_timestamp()), Some(1_896_134_399));
        assert_eq!(at.map(|at| at.offset()), Some(UtcOffset::UTC));
        assert_eq!(body(None, None).expires_at().ok(), Some(None));
        let err = message(body(None, Some("next tuesday")).expires_at().err());
        assert!(err.contains("`expiresAt`"), "{err}");
    }
}
