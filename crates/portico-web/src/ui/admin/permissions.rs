//! The wiki admin's screens: global permissions (`/admin/permissions`), space
//! roles (`/admin/space-roles`) and the admin key (`/admin/admin-key`).
//! Wiki admins need not be org admins, so these take a plain
//! [`Caller`]; the use cases answer "not found" to everyone else, which
//! renders as the plain 404 page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    AppError, GlobalPermission, GlobalPermissions, Grantee, GroupId, Permissions, SpacePermission,
    UserId,
};
use serde::Deserialize;

use super::Frame;
use crate::AppState;
use crate::ui::render::{
    Caller, FormError, FormFields, Me, UiError, UiForm, UiQuery, form_error, html, see_other,
};
use crate::ui::view::Stamp;

const PERMISSIONS: &str = "/admin/permissions";
const ROLES: &str = "/admin/space-roles";
const KEY: &str = "/admin/admin-key";

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn saved(done: &str) -> Option<&'static str> {
    match done {
        "saved" => Some("Saved."),
        "created" => Some("The role was created."),
        "deleted" => Some("The role was deleted."),
        "activated" => {
            Some("Your admin key is active. Every use is audited and the owner is told.")
        }
        "deactivated" => Some("Your admin key is off."),
        _ => None,
    }
}

/// One checkbox.
struct Tick {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

fn global_label(permission: GlobalPermission) -> &'static str {
    match permission {
        GlobalPermission::UseWiki => "Use the wiki",
        GlobalPermission::CreateSpace => "Create spaces",
        GlobalPermission::Administer => "Administer the wiki",
        GlobalPermission::SeeDirectory => "See the people directory",
        GlobalPermission::UsePublicLinks => "Use public links",
    }
}

fn global_ticks(held: GlobalPermissions) -> Vec<Tick> {
    GlobalPermission::ALL
        .iter()
        .map(|permission| Tick {
            name: permission.as_str(),
            label: global_label(*permission),
            checked: held.contains(*permission),
        })
        .collect()
}

fn space_ticks(held: Permissions) -> Vec<Tick> {
    SpacePermission::ALL
        .iter()
        .map(|permission| Tick {
            name: permission.as_str(),
            label: permission.as_str(),
            checked: held.contains(*permission),
        })
        .collect()
}

fn row_key(grantee: Grantee) -> String {
    match grantee {
        Grantee::User(id) => format!("user-{id}"),
        Grantee::Group(id) => format!("group-{id}"),
        Grantee::AllMembers => "all-members".to_owned(),
        Grantee::Anonymous => "anonymous".to_owned(),
    }
}

fn parse_row_key(key: &str) -> Option<Grantee> {
    match key {
        "all-members" => Some(Grantee::AllMembers),
        _ => match key.split_once('-')? {
            ("user", id) => id.parse::<UserId>().ok().map(Grantee::User),
            ("group", id) => id.parse::<GroupId>().ok().map(Grantee::Group),
            _ => None,
        },
    }
}

// ---- global permissions ----------------------------------------------------

struct GlobalRow {
    key: String,
    name: String,
    kind: &'static str,
    is_guest: bool,
    ticks: Vec<Tick>,
}

#[derive(Template)]
#[template(path = "admin/permissions.html")]
struct GlobalPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    rows: Vec<GlobalRow>,
    new_ticks: Vec<Tick>,
}

async fn global_page(
    state: &AppState,
    caller: &Caller,
    frame: Frame,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let grants = state.app.global_grants(caller.viewer()).await?;
    let rows = grants
        .into_iter()
        .map(|(who, held)| GlobalRow {
            key: row_key(who.grantee),
            kind: match who.grantee {
                Grantee::User(_) => "User",
                Grantee::Group(_) => "Group",
                _ => "Everyone in the organisation (never guests)",
            },
            name: who.name,
            is_guest: who.is_guest,
            ticks: global_ticks(held),
        })
        .collect();
    let (frame, status) = frame.with_error(error);
    Ok(html(
        status,
        &GlobalPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            rows,
            new_ticks: global_ticks(GlobalPermissions::NONE),
        },
    ))
}

pub(crate) async fn global(
    State(state): State<AppState>,
    caller: Caller,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("permissions").notice(saved(&query.done));
    global_page(&state, &caller, frame, None).await
}

fn global_set(names: Vec<&str>) -> Result<GlobalPermissions, FormError> {
    GlobalPermissions::parse(names)
        .map_err(|err| FormError::new(StatusCode::BAD_REQUEST, err.to_string()))
}

/// Saves the grid: every row whose ticks changed (no ticks removes the row).
pub(crate) async fn save_global(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let current = state.app.global_grants(caller.viewer()).await?;
    for row in fields.all("row") {
        let Some(grantee) = parse_row_key(row) else {
            continue;
        };
        let wanted = match global_set(fields.all(&format!("perm.{row}"))) {
            Ok(wanted) => wanted,
            Err(error) => {
                return global_page(&state, &caller, Frame::new("permissions"), Some(error)).await;
            }
        };
        if current
            .iter()
            .any(|(who, held)| who.grantee == grantee && *held == wanted)
        {
            continue;
        }
        if let Err(err) = state
            .app
            .set_global_grant(caller.viewer(), grantee, wanted)
            .await
        {
            let error = form_error(err)?;
            return global_page(&state, &caller, Frame::new("permissions"), Some(error)).await;
        }
    }
    Ok(see_other(&format!("{PERMISSIONS}?done=saved")))
}

/// Adds (or replaces) one grantee's global permissions.
pub(crate) async fn add_global(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let id = fields.one("principal_id").trim();
    let bad = |message: String| FormError::new(StatusCode::BAD_REQUEST, message);
    let grantee = match fields.one("principal") {
        "user" => id
            .parse::<UserId>()
            .map(Grantee::User)
            .map_err(|_| bad(format!("`user id` must be a number, not `{id}`"))),
        "group" => id
            .parse::<GroupId>()
            .map(Grantee::Group)
            .map_err(|_| bad(format!("`group id` must be a number, not `{id}`"))),
        "all-members" => Ok(Grantee::AllMembers),
        other => Err(bad(format!(
            "`principal` must be a user, a group or all members, not `{other}`"
        ))),
    };
    let outcome = match grantee.and_then(|grantee| Ok((grantee, global_set(fields.all("perm"))?))) {
        Ok((grantee, permissions)) => match state
            .app
            .set_global_grant(caller.viewer(), grantee, permissions)
            .await
        {
            Ok(()) => Ok(()),
            Err(err) => Err(form_error(err)?),
        },
        Err(error) => Err(error),
    };
    match outcome {
        Ok(()) => Ok(see_other(&format!("{PERMISSIONS}?done=saved"))),
        Err(error) => global_page(&state, &caller, Frame::new("permissions"), Some(error)).await,
    }
}

// ---- space roles -------------------------------------------------------------

struct RoleRow {
    id: i64,
    name: String,
    key: String,
    builtin: bool,
    summary: String,
    ticks: Vec<Tick>,
}

#[derive(Template)]
#[template(path = "admin/space_roles.html")]
struct RolesPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    roles: Vec<RoleRow>,
    new_name: String,
    new_ticks: Vec<Tick>,
}

async fn roles_page(
    state: &AppState,
    caller: &Caller,
    frame: Frame,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    // Any user may read the list of roles, but this screen is a wiki
    // admin's: the global grants use case answers "not found" to others.
    state.app.global_grants(caller.viewer()).await?;
    let roles = state.app.space_roles(caller.viewer()).await?;
    let (frame, status) = frame.with_error(error);
    Ok(html(
        status,
        &RolesPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            roles: roles
                .into_iter()
                .map(|role| RoleRow {
                    id: role.id,
                    summary: role.permissions.to_string(),
                    ticks: space_ticks(role.permissions),
                    name: role.name,
                    key: role.key,
                    builtin: role.builtin,
                })
                .collect(),
            new_name: String::new(),
            new_ticks: space_ticks(Permissions::of(&[SpacePermission::View])),
        },
    ))
}

pub(crate) async fn roles(
    State(state): State<AppState>,
    caller: Caller,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("roles").notice(saved(&query.done));
    roles_page(&state, &caller, frame, None).await
}

fn role_input(fields: &FormFields) -> Result<(String, Permissions), AppError> {
    let permissions = Permissions::parse(fields.all("perm"))?;
    Ok((fields.one("name").to_owned(), permissions))
}

/// Answers a role change: back to the list, or the list with the error.
async fn role_outcome<T>(
    state: &AppState,
    caller: &Caller,
    outcome: Result<T, AppError>,
    done: &str,
) -> Result<Response, UiError> {
    match outcome {
        Ok(_) => Ok(see_other(&format!("{ROLES}?done={done}"))),
        Err(err) => {
            let error = form_error(err)?;
            roles_page(state, caller, Frame::new("roles"), Some(error)).await
        }
    }
}

pub(crate) async fn create_role(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let outcome = match role_input(&fields) {
        Ok((name, permissions)) => {
            state
                .app
                .create_space_role(caller.viewer(), &name, permissions)
                .await
        }
        Err(err) => Err(err),
    };
    role_outcome(&state, &caller, outcome, "created").await
}

fn role_id(raw: &str) -> Result<i64, UiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(UiError(AppError::NotFound.into()))
}

pub(crate) async fn update_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let id = role_id(&id)?;
    let outcome = match role_input(&fields) {
        Ok((name, permissions)) => {
            state
                .app
                .update_space_role(caller.viewer(), id, &name, permissions)
                .await
        }
        Err(err) => Err(err),
    };
    role_outcome(&state, &caller, outcome, "saved").await
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

pub(crate) async fn delete_role(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfOnly>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = role_id(&id)?;
    let outcome = state.app.delete_space_role(caller.viewer(), id).await;
    role_outcome(&state, &caller, outcome, "deleted").await
}

// ---- admin key -----------------------------------------------------------------

#[derive(Template)]
#[template(path = "admin/admin_key.html")]
struct KeyPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    active: bool,
    reason: String,
    expires: Option<Stamp>,
}

async fn key_page(
    state: &AppState,
    caller: &Caller,
    frame: Frame,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let status = state.app.admin_key_status(caller.viewer()).await?;
    let (frame, code) = frame.with_error(error);
    Ok(html(
        code,
        &KeyPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            active: status.active,
            reason: status.reason.unwrap_or_default(),
            expires: status.expires_at.map(Stamp::new),
        },
    ))
}

pub(crate) async fn admin_key(
    State(state): State<AppState>,
    caller: Caller,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("admin-key").notice(saved(&query.done));
    key_page(&state, &caller, frame, None).await
}

#[derive(Deserialize)]
pub(crate) struct KeyForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn activate_key(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<KeyForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    match state
        .app
        .activate_admin_key(caller.viewer(), &form.reason)
        .await
    {
        Ok(_) => Ok(see_other(&format!("{KEY}?done=activated"))),
        Err(err) => {
            let error = form_error(err)?;
            key_page(&state, &caller, Frame::new("admin-key"), Some(error)).await
        }
    }
}

pub(crate) async fn deactivate_key(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<CsrfOnly>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    state.app.deactivate_admin_key(caller.viewer()).await?;
    Ok(see_other(&format!("{KEY}?done=deactivated")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_rows_never_name_anonymous() {
        assert_eq!(parse_row_key("anonymous"), None);
        assert_eq!(
            parse_row_key(&row_key(Grantee::User(UserId(4)))),
            Some(Grantee::User(UserId(4)))
        );
        assert_eq!(parse_row_key("all-members"), Some(Grantee::AllMembers));
    }

    #[test]
    fn unknown_global_permissions_are_named() {
        assert!(global_set(vec!["use", "space.create"]).is_ok());
        let err = global_set(vec!["use", "fly"]).err().map(|e| e.message);
        assert!(err.is_some_and(|m| m.contains("`fly`")));
    }
}
