//! `/admin/groups`: groups with their role and size, creating one, and a
//! page per group with its members (add by e-mail, remove), its role and
//! deleting it; a guest group can be promoted to a member group.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, GroupId, GroupSummary, UserId, UserQuery};
use serde::Deserialize;

use super::users::{ConfirmPage, user_href};
use super::{Choice, Frame, parse_role, role_choices};
use crate::AppState;
use crate::error::WebError;
use crate::ui::render::{
    Admin, Caller, FormError, Me, UiError, UiForm, UiQuery, form_error, html, see_other,
};
use crate::ui::session::CsrfForm;

fn group_href(id: i64) -> String {
    format!("/admin/groups/{id}")
}

/// A group id from a URL: a malformed one is just another missing group.
fn group_id(raw: &str) -> Result<i64, UiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(UiError(WebError::App(AppError::NotFound)))
}

pub(crate) struct GroupView {
    pub href: String,
    pub name: String,
    pub role: String,
    pub is_default: bool,
    pub members: usize,
}

impl GroupView {
    fn new(group: &GroupSummary) -> Self {
        Self {
            href: group_href(group.id),
            name: group.name.clone(),
            role: group.role.to_string(),
            is_default: group.is_default,
            members: group.members.len(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/groups.html")]
struct GroupsPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    groups: Vec<GroupView>,
    name: String,
    roles: Vec<Choice>,
}

async fn groups_page(
    state: &AppState,
    caller: &Caller,
    frame: Frame,
    input: Option<(String, String)>,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let groups = state.app.list_groups(caller.viewer()).await?;
    let (name, role) = input.unwrap_or_else(|| (String::new(), "member".to_owned()));
    let (frame, status) = frame.with_error(error);
    Ok(html(
        status,
        &GroupsPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            groups: groups.iter().map(GroupView::new).collect(),
            name,
            roles: role_choices(&role),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn groups_notice(code: &str) -> Option<&'static str> {
    match code {
        "deleted" => Some("The group was deleted."),
        _ => None,
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("groups").notice(groups_notice(&query.done));
    groups_page(&state, &caller, frame, None, None).await
}

#[derive(Deserialize)]
pub(crate) struct CreateForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

pub(crate) async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiForm(form): UiForm<CreateForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let outcome = match parse_role("role", &form.role) {
        Ok(role) => match state
            .app
            .create_group(caller.viewer(), &form.name, role)
            .await
        {
            Ok(group) => return Ok(see_other(&format!("{}?done=created", group_href(group.id)))),
            Err(err) => form_error(err)?,
        },
        Err(error) => error,
    };
    let input = Some((form.name, form.role));
    groups_page(&state, &caller, Frame::new("groups"), input, Some(outcome)).await
}

/// A member as the group page lists them.
struct MemberView {
    href: String,
    name: String,
    email: String,
    effective_role: String,
    remove_action: String,
}

#[derive(Template)]
#[template(path = "admin/group.html")]
struct GroupPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    group: GroupView,
    members: Vec<MemberView>,
    roles: Vec<Choice>,
    email: String,
    action: String,
}

fn group_notice(code: &str) -> Option<&'static str> {
    match code {
        "created" => Some("The group was created."),
        "added" => Some("The member was added."),
        "removed" => Some("The member was removed."),
        "role" => Some("The group's role was changed; every member's effective role follows it."),
        "promoted" => Some(
            "The group is now a member group; its guests are members and keep their space access.",
        ),
        _ => None,
    }
}

/// The group behind `id`, as the caller may see it.
async fn find_group(state: &AppState, caller: &Caller, id: i64) -> Result<GroupSummary, UiError> {
    state
        .app
        .list_groups(caller.viewer())
        .await?
        .into_iter()
        .find(|group| group.id == id)
        .ok_or(UiError(WebError::App(AppError::NotFound)))
}

async fn group_page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    frame: Frame,
    email: String,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let group = find_group(state, caller, id).await?;
    let people = state
        .app
        .list_users(caller.viewer(), UserQuery::default())
        .await?;
    let members = people
        .iter()
        .filter(|user| group.members.contains(&user.id))
        .map(|user| MemberView {
            href: user_href(user.id),
            name: user.display_name.clone(),
            email: user.email.clone(),
            effective_role: user.effective_role.to_string(),
            remove_action: format!("{}/members/{}/remove", group_href(id), user.id),
        })
        .collect();
    let (frame, status) = frame.with_error(error);
    Ok(html(
        status,
        &GroupPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            roles: role_choices(group.role.as_str()),
            group: GroupView::new(&group),
            members,
            email,
            action: group_href(id),
        },
    ))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("groups").notice(group_notice(&query.done));
    group_page(&state, &caller, group_id(&id)?, frame, String::new(), None).await
}

/// Back to the group page: a redirect with a notice, or the page with the
/// error (and the e-mail that was typed).
async fn after_change(
    state: &AppState,
    caller: &Caller,
    id: i64,
    outcome: Result<(), FormError>,
    done: &str,
    email: String,
) -> Result<Response, UiError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("{}?done={done}", group_href(id)))),
        Err(error) => group_page(state, caller, id, Frame::new("groups"), email, Some(error)).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct MemberForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Adds the person with this e-mail address (found through the user search).
pub(crate) async fn add_member(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<MemberForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = group_id(&id)?;
    let email = form.email.trim().to_lowercase();
    let query = UserQuery {
        search: Some(email.clone()),
        ..UserQuery::default()
    };
    let found = state
        .app
        .list_users(caller.viewer(), query)
        .await?
        .into_iter()
        .find(|user| user.email == email);
    let outcome = match found {
        None => Err(FormError::new(
            StatusCode::BAD_REQUEST,
            format!("no user has the e-mail address `{email}`"),
        )),
        Some(user) => match state
            .app
            .add_group_member(caller.viewer(), id, user.id)
            .await
        {
            Ok(()) => Ok(()),
            Err(err) => Err(form_error(err)?),
        },
    };
    after_change(&state, &caller, id, outcome, "added", form.email).await
}

pub(crate) async fn remove_member(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path((id, user)): Path<(String, String)>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = group_id(&id)?;
    let user = user
        .parse::<UserId>()
        .map_err(|_| UiError(WebError::App(AppError::NotFound)))?;
    let outcome = match state
        .app
        .remove_group_member(caller.viewer(), id, user)
        .await
    {
        Ok(()) => Ok(()),
        Err(err) => Err(form_error(err)?),
    };
    after_change(&state, &caller, id, outcome, "removed", String::new()).await
}

#[derive(Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    role: String,
}

pub(crate) async fn set_role(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<RoleForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = group_id(&id)?;
    let outcome = match parse_role("role", &form.role) {
        Ok(role) => match state.app.set_group_role(caller.viewer(), id, role).await {
            Ok(()) => Ok(()),
            Err(err) => Err(form_error(err)?),
        },
        Err(error) => Err(error),
    };
    after_change(&state, &caller, id, outcome, "role", String::new()).await
}

async fn delete_page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let group = find_group(state, caller, id).await?;
    let (frame, status) = Frame::new("groups").with_error(error);
    Ok(html(
        status,
        &ConfirmPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            heading: format!("Delete the group {}?", group.name),
            explanation: format!(
                "Its {} members lose the role the group gave them; their own role and their other groups stay.",
                group.members.len()
            ),
            action: format!("{}/delete", group_href(id)),
            button: "Delete group".to_owned(),
            cancel: group_href(id),
        },
    ))
}

pub(crate) async fn delete_form(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    delete_page(&state, &caller, group_id(&id)?, None).await
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = group_id(&id)?;
    match state.app.delete_group(caller.viewer(), id).await {
        Ok(()) => Ok(see_other("/admin/groups?done=deleted")),
        Err(err) => {
            let error = form_error(err)?;
            delete_page(&state, &caller, id, Some(error)).await
        }
    }
}

async fn promote_page(
    state: &AppState,
    caller: &Caller,
    id: i64,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let group = find_group(state, caller, id).await?;
    let (frame, status) = Frame::new("groups").with_error(error);
    Ok(html(
        status,
        &ConfirmPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            heading: format!("Promote the guest group {} to members?", group.name),
            explanation: format!(
                "The group gives its members the role member from now on. Every guest among its {} members becomes a member: a paid seat, counted against the licence, and never a guest again (the former-paid rule). The space access of the group and of its guests stays as ordinary space permissions, without expiry.",
                group.members.len()
            ),
            action: format!("{}/promote", group_href(id)),
            button: "Promote group".to_owned(),
            cancel: group_href(id),
        },
    ))
}

pub(crate) async fn promote_form(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    promote_page(&state, &caller, group_id(&id)?, None).await
}

pub(crate) async fn promote(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = group_id(&id)?;
    match state
        .app
        .promote_guest_group(caller.viewer(), GroupId(id))
        .await
    {
        Ok(()) => Ok(see_other(&format!("{}?done=promoted", group_href(id)))),
        Err(err) => {
            let error = form_error(err)?;
            promote_page(&state, &caller, id, Some(error)).await
        }
    }
}
