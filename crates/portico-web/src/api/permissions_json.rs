//! The JSON shapes of the permission endpoints (`/api/portico`, Portico
//! extensions): principals, space grants and roles, global grants, page
//! restrictions, "explain access" and the admin key. Ids are strings, as in
//! the rest of the API; permission names are SPEC.md's (`page.create`...).

use portico_app::{
    AdminKeyStatus, Decision, GlobalPermissions, Grantee, GroupId, NamedGrantee,
    PageRestrictionsView, Permissions, SpaceAccessView, SpacePermission, SpaceRole, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::dto::timestamp;
use crate::error::{ApiError, WebError};

fn bad(message: String) -> ApiError {
    ApiError(WebError::BadRequest(message))
}

/// Someone a grant or restriction names, as a client sends it.
#[derive(Deserialize, ToSchema, Clone)]
pub struct PrincipalRef {
    /// `user`, `group`, `all-members` or `anonymous`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The user's or group's id; absent (or `-`, `0`) for `all-members` and
    /// `anonymous`.
    #[serde(default)]
    pub id: Option<Value>,
}

impl PrincipalRef {
    /// The grantee, or a 400 naming `field`.
    pub fn grantee(&self, field: &str) -> Result<Grantee, ApiError> {
        let id = match &self.id {
            None | Some(Value::Null) => None,
            Some(Value::String(text)) => Some(text.clone()),
            Some(Value::Number(number)) => Some(number.to_string()),
            Some(other) => {
                return Err(bad(format!(
                    "`{field}.id` must be a string id, not `{other}`"
                )));
            }
        };
        principal(field, &self.kind, id.as_deref())
    }
}

/// A grantee from its type and id (as in a path: `user/12`, `all-members/-`).
pub fn principal(field: &str, kind: &str, id: Option<&str>) -> Result<Grantee, ApiError> {
    let id = id.map(str::trim).filter(|id| !id.is_empty());
    let typed = |id: Option<&str>| -> Result<i64, ApiError> {
        let raw = id.ok_or_else(|| bad(format!("`{field}.id` is required for a `{kind}`")))?;
        raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or_else(|| {
            bad(format!(
                "`{field}.id`: `{}` is not a valid id",
                raw.chars().take(40).collect::<String>()
            ))
        })
    };
    let no_id = |id: Option<&str>| -> Result<(), ApiError> {
        match id {
            None | Some("-") | Some("0") => Ok(()),
            Some(other) => Err(bad(format!(
                "`{field}.id` must be absent for `{kind}`, not `{}`",
                other.chars().take(40).collect::<String>()
            ))),
        }
    };
    match kind {
        "user" => Ok(Grantee::User(UserId(typed(id)?))),
        "group" => Ok(Grantee::Group(GroupId(typed(id)?))),
        "all-members" => no_id(id).map(|()| Grantee::AllMembers),
        "anonymous" => no_id(id).map(|()| Grantee::Anonymous),
        other => Err(bad(format!(
            "`{field}.type` must be `user`, `group`, `all-members` or `anonymous`, not `{}`",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

/// Space permission names, or a 400 naming `field` and the unknown name.
pub fn space_permissions(field: &str, names: &[String]) -> Result<Permissions, ApiError> {
    Permissions::parse(names.iter().map(String::as_str))
        .map_err(|err| bad(format!("`{field}`: {}", err.rule)))
}

/// Global permission names, or a 400 naming `field` and the unknown name.
pub fn global_permissions(field: &str, names: &[String]) -> Result<GlobalPermissions, ApiError> {
    GlobalPermissions::parse(names.iter().map(String::as_str))
        .map_err(|err| bad(format!("`{field}`: {}", err.rule)))
}

fn space_names(permissions: Permissions) -> Vec<String> {
    permissions
        .iter()
        .map(|p| SpacePermission::as_str(p).to_owned())
        .collect()
}

/// The type and id of a grantee, as the API spells them.
pub fn grantee_parts(grantee: Grantee) -> (&'static str, Option<String>) {
    match grantee {
        Grantee::User(id) => ("user", Some(id.to_string())),
        Grantee::Group(id) => ("group", Some(id.to_string())),
        Grantee::AllMembers => ("all-members", None),
        Grantee::Anonymous => ("anonymous", None),
    }
}

/// Someone a grant or restriction names, with a name to show.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrincipalJson {
    /// `user`, `group`, `all-members` or `anonymous`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    pub is_guest: bool,
    /// For people: `guest` or `atlassian`, as Confluence says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
}

impl From<NamedGrantee> for PrincipalJson {
    fn from(named: NamedGrantee) -> Self {
        let (kind, id) = grantee_parts(named.grantee);
        let account_type = matches!(named.grantee, Grantee::User(_))
            .then(|| super::people::account_type(named.is_guest).to_owned());
        PrincipalJson {
            kind: kind.to_owned(),
            id,
            name: named.name,
            is_guest: named.is_guest,
            account_type,
        }
    }
}

/// A space role, built in or custom.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpaceRoleJson {
    pub id: String,
    /// Stable key: `admin`, `manager`, `collaborator`, `viewer`, or
    /// `custom-...` for custom roles.
    pub key: String,
    pub name: String,
    pub permissions: Vec<String>,
    pub builtin: bool,
}

impl From<SpaceRole> for SpaceRoleJson {
    fn from(role: SpaceRole) -> Self {
        SpaceRoleJson {
            id: role.id.to_string(),
            key: role.key,
            name: role.name,
            permissions: space_names(role.permissions),
            builtin: role.builtin,
        }
    }
}

/// One grant in a space.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpaceGrantJson {
    pub principal: PrincipalJson,
    /// The role's key, or `null` for an explicit permission set.
    pub role: Option<String>,
    pub permissions: Vec<String>,
    /// When the grant ends by itself (RFC 3339; guest assignments), or
    /// `null`.
    pub expires_at: Option<String>,
}

/// Who may do what in a space.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpacePermissionsJson {
    pub space_id: String,
    pub space_key: String,
    pub grants: Vec<SpaceGrantJson>,
    pub roles: Vec<SpaceRoleJson>,
    /// Whether anonymous access is on for the site: while it is off, a grant
    /// to `anonymous` has no effect.
    pub anonymous_access_site_switch: bool,
    /// Whether guests may be assigned to the space (`space.allow_guests`):
    /// while it is off, guest assignments give nothing.
    pub allow_guests: bool,
}

impl From<SpaceAccessView> for SpacePermissionsJson {
    fn from(view: SpaceAccessView) -> Self {
        SpacePermissionsJson {
            space_id: view.space_id.to_string(),
            space_key: view.space_key,
            grants: view
                .grants
                .into_iter()
                .map(|grant| SpaceGrantJson {
                    principal: grant.who.into(),
                    role: grant.role,
                    permissions: space_names(grant.permissions),
                    expires_at: grant.expires_at.map(timestamp),
                })
                .collect(),
            roles: view.roles.into_iter().map(SpaceRoleJson::from).collect(),
            anonymous_access_site_switch: view.anonymous_site_switch,
            allow_guests: view.allows_guests,
        }
    }
}

/// A grant to set: exactly one of `role` and `permissions`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SetGrantJson {
    pub principal: PrincipalRef,
    /// A role key (see `roles` in the space's permissions).
    #[serde(default)]
    pub role: Option<String>,
    /// Space permission names, for an explicit set.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

/// A custom space role to create or change.
#[derive(Deserialize, ToSchema)]
pub struct RoleInputJson {
    pub name: String,
    pub permissions: Vec<String>,
}

/// A list of results.
#[derive(Serialize, ToSchema)]
pub struct ResultsJson<T> {
    pub results: Vec<T>,
}

/// Someone's global permissions.
#[derive(Serialize, ToSchema)]
pub struct GlobalGrantJson {
    pub principal: PrincipalJson,
    /// `use`, `space.create`, `administer`, `directory`, `public-links`.
    pub permissions: Vec<String>,
}

impl From<(NamedGrantee, GlobalPermissions)> for GlobalGrantJson {
    fn from((who, permissions): (NamedGrantee, GlobalPermissions)) -> Self {
        GlobalGrantJson {
            principal: who.into(),
            permissions: permissions.iter().map(|p| p.as_str().to_owned()).collect(),
        }
    }
}

/// Global permissions to set (an empty list removes the grant).
#[derive(Deserialize, ToSchema)]
pub struct SetGlobalGrantJson {
    pub principal: PrincipalRef,
    pub permissions: Vec<String>,
}

/// A page's restrictions.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RestrictionsJson {
    pub page_id: String,
    /// Who may view the page and its descendants (empty: no view restriction).
    pub view: Vec<PrincipalJson>,
    /// Who may edit the page (empty: no edit restriction).
    pub edit: Vec<PrincipalJson>,
    /// Restricted ancestors whose view restriction also applies, root first.
    pub inherited_from: Vec<String>,
}

impl From<PageRestrictionsView> for RestrictionsJson {
    fn from(view: PageRestrictionsView) -> Self {
        RestrictionsJson {
            page_id: view.page_id.to_string(),
            view: view.view.into_iter().map(PrincipalJson::from).collect(),
            edit: view.edit.into_iter().map(PrincipalJson::from).collect(),
            inherited_from: view
                .inherited_from
                .into_iter()
                .map(|id| id.to_string())
                .collect(),
        }
    }
}

/// Restrictions to set: a missing list stays as it is, an empty one is
/// removed. Users and groups only; the caller always stays on a list they set.
#[derive(Deserialize, ToSchema)]
pub struct SetRestrictionsJson {
    #[serde(default)]
    pub view: Option<Vec<PrincipalRef>>,
    #[serde(default)]
    pub edit: Option<Vec<PrincipalRef>>,
}

/// One decision of "explain access".
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionJson {
    pub allowed: bool,
    /// Allowed only through an active admin key.
    pub by_admin_key: bool,
    /// Each reason: `kind`, the sentence as `text`, and its details (ids as
    /// strings).
    #[schema(value_type = Vec<Object>)]
    pub reasons: Vec<Value>,
}

/// Ids in a reason's details become strings, as everywhere in the API.
fn ids_as_strings(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if let (true, Value::Number(number)) =
                    (matches!(key.as_str(), "id" | "page"), &inner)
                {
                    *inner = Value::String(number.to_string());
                }
                ids_as_strings(inner);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(ids_as_strings),
        _ => {}
    }
}

impl From<Decision> for DecisionJson {
    fn from(decision: Decision) -> Self {
        DecisionJson {
            allowed: decision.allowed,
            by_admin_key: decision.by_admin_key,
            reasons: decision
                .reasons
                .iter()
                .map(|reason| {
                    let mut json = serde_json::to_value(reason).unwrap_or(Value::Null);
                    ids_as_strings(&mut json);
                    if let Value::Object(map) = &mut json {
                        map.insert("text".to_owned(), Value::String(reason.to_string()));
                    }
                    json
                })
                .collect(),
        }
    }
}

/// Whether someone can view, comment on and edit a page or space, and why.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExplanationJson {
    /// The person explained (`null`: an anonymous visitor).
    pub user_id: Option<String>,
    pub view: DecisionJson,
    pub comment: DecisionJson,
    pub edit: DecisionJson,
}

/// A wiki admin's admin key.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminKeyJson {
    pub active: bool,
    pub reason: Option<String>,
    /// When the key lapses unless used again (RFC 3339).
    pub expires_at: Option<String>,
}

impl From<AdminKeyStatus> for AdminKeyJson {
    fn from(status: AdminKeyStatus) -> Self {
        AdminKeyJson {
            active: status.active,
            reason: status.reason,
            expires_at: status.expires_at.map(timestamp),
        }
    }
}

/// Why the admin key is needed (kept in the audit log).
#[derive(Deserialize, ToSchema)]
pub struct ActivateKeyJson {
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_parse_with_messages_naming_the_field() {
        assert_eq!(
            principal("principal", "user", Some("12")).ok(),
            Some(Grantee::User(UserId(12)))
        );
        assert_eq!(
            principal("principal", "all-members", Some("-")).ok(),
            Some(Grantee::AllMembers)
        );
        assert_eq!(
            principal("principal", "anonymous", None).ok(),
            Some(Grantee::Anonymous)
        );
        for (kind, id, needle) in [
            ("user", None, "`principal.id` is required"),
            ("group", Some("x"), "not a valid id"),
            ("user", Some("-4"), "not a valid id"),
            ("anonymous", Some("7"), "must be absent"),
            ("robot", None, "`principal.type`"),
        ] {
            let err = principal("principal", kind, id).err();
            let message = err.map(|err| err.0.to_string()).unwrap_or_default();
            assert!(message.contains(needle), "{kind} {id:?}: {message}");
        }
    }

    #[test]
    fn unknown_permission_names_are_named() {
        let err = space_permissions("permissions", &["view".into(), "page.edit".into()]).err();
        let message = err.map(|err| err.0.to_string()).unwrap_or_default();
        assert!(message.contains("`page.edit`"), "{message}");
        assert!(global_permissions("permissions", &["use".into()]).is_ok());
    }

    #[test]
    fn reason_ids_become_strings() {
        let mut value =
            serde_json::json!({ "kind": "x", "grantee": { "type": "user", "id": 3 }, "page": 9 });
        ids_as_strings(&mut value);
        assert_eq!(
            value,
            serde_json::json!({ "kind": "x", "grantee": { "type": "user", "id": "3" }, "page": "9" })
        );
    }
}
