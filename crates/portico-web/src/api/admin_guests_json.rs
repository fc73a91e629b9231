//! The JSON shapes of the guest admin API (`/api/admin/guests`, a Portico
//! extension): the guest list and the bulk bodies. People carry Confluence's
//! account fields; ids are strings (numbers are accepted in bodies); times
//! are RFC 3339.

use portico_app::{GuestSummary, PageId, SpaceId, UserId};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::admin_json::IdJson;
use super::dto::timestamp;
use super::guests_json::AssignmentJson;
use crate::error::{ApiError, WebError};

fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

/// One guest in the guest list.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuestJson {
    pub account_id: String,
    /// Always `guest` here.
    pub account_type: String,
    pub display_name: String,
    pub email: String,
    /// Always `true` here.
    pub is_guest: bool,
    /// `invited`, `active` or `deactivated`.
    pub status: String,
    /// The spaces (or page subtrees, with `pageId`) the guest is assigned to.
    pub assignments: Vec<AssignmentJson>,
    /// When the guest's product access ends by itself, or `null`.
    pub access_expires_at: Option<String>,
    pub last_active_at: Option<String>,
}

impl From<GuestSummary> for GuestJson {
    fn from(guest: GuestSummary) -> Self {
        GuestJson {
            account_id: guest.user.id.to_string(),
            account_type: super::people::account_type(true).to_owned(),
            display_name: guest.user.display_name,
            email: guest.user.email,
            is_guest: true,
            status: guest.user.status,
            assignments: guest
                .assignments
                .into_iter()
                .map(AssignmentJson::from)
                .collect(),
            access_expires_at: guest.access_expires_at.map(timestamp),
            last_active_at: guest.user.last_active_at.map(timestamp),
        }
    }
}

/// Assign up to 25 guests to a space.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkAssignJson {
    /// 1 to 25 guests' account ids.
    pub user_ids: Vec<IdJson>,
    pub space_id: IdJson,
    /// Share only this page of the space and its descendants (absent or
    /// `null`: the whole space).
    #[serde(default)]
    pub page_id: Option<IdJson>,
    /// `collaborator` (the default) or `viewer`.
    #[serde(default)]
    pub role: Option<String>,
    /// When the assignments end by themselves (RFC 3339, in the future);
    /// absent or `null` for never.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// End up to 25 guests' assignments to a space.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkUnassignJson {
    /// 1 to 25 guests' account ids, each assigned to the space.
    pub user_ids: Vec<IdJson>,
    pub space_id: IdJson,
}

/// Give up to 25 guests' assignments to a space a new expiry.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BulkExtendJson {
    /// 1 to 25 guests' account ids, each assigned to the space.
    pub user_ids: Vec<IdJson>,
    pub space_id: IdJson,
    /// The new end (RFC 3339, in the future), or `null` for never. Required,
    /// so that a forgotten field never clears an expiry.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub expires_at: Option<Option<String>>,
}

/// `Some(value)` whenever the field is present, `null` included.
fn present<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(de).map(Some)
}

impl BulkExtendJson {
    /// The `expiresAt` value, or a 400 when it is missing.
    pub fn expires_at(&self) -> Result<Option<&str>, ApiError> {
        match &self.expires_at {
            Some(value) => Ok(value.as_deref()),
            None => Err(bad(
                "`expiresAt` is required: an RFC 3339 time, or `null` for never".to_owned(),
            )),
        }
    }
}

/// What a bulk assignment did, per guest in the order given.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BulkAssignedJson {
    pub results: Vec<MovedJson>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovedJson {
    pub account_id: String,
    /// Spaces the guest was moved out of to stay within `guests.max_spaces`
    /// (oldest first); empty when nothing moved.
    pub moved_from: Vec<String>,
}

fn id_text(id: &IdJson) -> String {
    match id {
        IdJson::Number(n) => n.to_string(),
        IdJson::Text(text) => text.trim().chars().take(40).collect(),
    }
}

/// The guests named in `userIds`, each a valid id and none twice, or a 400
/// naming the entry.
pub fn user_ids(ids: &[IdJson]) -> Result<Vec<UserId>, ApiError> {
    let mut out: Vec<UserId> = Vec::with_capacity(ids.len());
    for (at, id) in ids.iter().enumerate() {
        let text = id_text(id);
        let user = text
            .parse::<UserId>()
            .map_err(|err| bad(format!("`userIds[{at}]`: {err}")))?;
        if out.contains(&user) {
            return Err(bad(format!("`userIds` names `{text}` more than once")));
        }
        out.push(user);
    }
    Ok(out)
}

/// The space named in `spaceId`, or a 400 naming it.
pub fn space_id(id: &IdJson) -> Result<SpaceId, ApiError> {
    id_text(id)
        .parse::<SpaceId>()
        .map_err(|err| bad(format!("`spaceId`: {err}")))
}

/// The page named in `pageId`, or a 400 naming it.
pub fn page_id(id: &IdJson) -> Result<PageId, ApiError> {
    id_text(id)
        .parse::<PageId>()
        .map_err(|err| bad(format!("`pageId`: {err}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(err: Option<ApiError>) -> String {
        err.map(|err| err.0.to_string()).unwrap_or_default()
    }

    #[test]
    fn user_ids_are_checked_one_by_one_and_never_twice() {
        let ids = [IdJson::Number(3), IdJson::Text("4".into())];
        assert_eq!(user_ids(&ids).ok(), Some(vec![UserId(3), UserId(4)]));
        let err = message(user_ids(&[IdJson::Number(3), IdJson::Text("x".into())]).err());
        assert!(err.contains("`userIds[1]`"), "{err}");
        let err = message(user_ids(&[IdJson::Number(3), IdJson::Text("3".into())]).err());
        assert!(err.contains("`userIds`") && err.contains("`3`"), "{err}");
        let err = message(space_id(&IdJson::Number(-1)).err());
        assert!(err.contains("`spaceId`"), "{err}");
    }
}
