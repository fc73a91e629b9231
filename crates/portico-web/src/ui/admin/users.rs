//! `/admin/users`: the directory with search and filters, and one page per
//! person with forms to change their role and org-admin flag, deactivate or
//! reactivate them, and delete them (after a confirmation page).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, Role, UserId, UserQuery, UserSummary};
use serde::Deserialize;

use super::{Choice, Frame, parse_role, role_choices};
use crate::AppState;
use crate::error::WebError;
use crate::ui::render::{
    Admin, Caller, FormError, Me, UiError, UiForm, UiQuery, form_error, html, see_other,
};
use crate::ui::session::CsrfForm;
use crate::ui::view::Stamp;

const STATUSES: [(&str, &str); 3] = [
    ("active", "Active"),
    ("invited", "Invited"),
    ("deactivated", "Deactivated"),
];

pub(crate) fn user_href(id: UserId) -> String {
    format!("/admin/users/{id}")
}

/// A person as the admin screens show them.
pub(crate) struct UserView {
    pub href: String,
    pub id: String,
    pub name: String,
    /// Avatar initials.
    pub initials: String,
    pub email: String,
    pub direct_role: String,
    pub effective_role: String,
    pub org_admin: bool,
    pub status: String,
    pub groups: String,
    pub last_active: Option<Stamp>,
}

impl UserView {
    pub fn new(user: &UserSummary) -> Self {
        Self {
            href: user_href(user.id),
            id: user.id.to_string(),
            name: user.display_name.clone(),
            initials: portico_core::directory::initials(&user.display_name),
            email: user.email.clone(),
            direct_role: user.direct_role.to_string(),
            effective_role: user.effective_role.to_string(),
            org_admin: user.org_admin,
            status: user.status.clone(),
            groups: user.groups.join(", "),
            last_active: user.last_active_at.map(Stamp::new),
        }
    }
}

/// A user id from a URL: a malformed one is just another missing user.
fn user_id(raw: &str) -> Result<UserId, UiError> {
    raw.parse::<UserId>()
        .map_err(|_| UiError(WebError::App(AppError::NotFound)))
}

#[derive(Template)]
#[template(path = "admin/users.html")]
struct UsersPage {
    me: Option<Me>,
    frame: Frame,
    q: String,
    roles: Vec<Choice>,
    statuses: Vec<Choice>,
    users: Vec<UserView>,
    filtered: bool,
}

#[derive(Deserialize)]
pub(crate) struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    status: String,
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<UsersQuery>,
) -> Result<Response, UiError> {
    let mut error = None;
    let role = match query.role.as_str() {
        "" => None,
        raw => match parse_role("role", raw) {
            Ok(role) => Some(role),
            Err(err) => {
                error = Some(err);
                None
            }
        },
    };
    let status = match query.status.as_str() {
        "" => None,
        raw if STATUSES.iter().any(|(value, _)| *value == raw) => Some(raw.to_owned()),
        raw => {
            error = Some(FormError::new(
                StatusCode::BAD_REQUEST,
                format!("`status` must be `active`, `invited` or `deactivated`, not `{raw}`"),
            ));
            None
        }
    };
    let users = if error.is_some() {
        Vec::new()
    } else {
        let filter = UserQuery {
            search: Some(query.q.trim().to_owned()).filter(|q| !q.is_empty()),
            role,
            status: status.clone(),
        };
        state.app.list_users(caller.viewer(), filter).await?
    };
    let (frame, code) = Frame::new("users").with_error(error);
    let mut roles = vec![Choice::new("", "Any role", &query.role)];
    roles.extend(role_choices(&query.role));
    let mut statuses = vec![Choice::new("", "Any status", &query.status)];
    statuses.extend(
        STATUSES
            .iter()
            .map(|(value, label)| Choice::new(value, label, &query.status)),
    );
    Ok(html(
        code,
        &UsersPage {
            me: caller.me(),
            frame,
            filtered: !query.q.trim().is_empty() || role.is_some() || status.is_some(),
            q: query.q,
            roles,
            statuses,
            users: users.iter().map(UserView::new).collect(),
        },
    ))
}

#[derive(Template)]
#[template(path = "admin/user.html")]
struct UserPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    user: UserView,
    roles: Vec<Choice>,
    is_me: bool,
}

#[derive(Deserialize)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    done: String,
}

fn user_notice(code: &str) -> Option<&'static str> {
    match code {
        "role" => Some("The role was changed."),
        "org-admin" => Some("The org-admin flag was changed."),
        "deactivated" => Some("The user was deactivated; their sessions ended."),
        "reactivated" => Some("The user was reactivated."),
        _ => None,
    }
}

async fn user_page(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    frame: Frame,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let user = state.app.user(caller.viewer(), id).await?;
    let (frame, status) = frame.with_error(error);
    Ok(html(
        status,
        &UserPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            roles: role_choices(user.direct_role.as_str()),
            is_me: caller.viewer().user_id() == Some(user.id),
            user: UserView::new(&user),
        },
    ))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiQuery(query): UiQuery<NoticeQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("users").notice(user_notice(&query.done));
    user_page(&state, &caller, user_id(&id)?, frame, None).await
}

/// The user's page again after a change: a redirect with a notice, or the
/// page with the error.
async fn after_change(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    outcome: Result<(), AppError>,
    done: &str,
) -> Result<Response, UiError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("{}?done={done}", user_href(id)))),
        Err(err) => {
            let error = form_error(err)?;
            user_page(state, caller, id, Frame::new("users"), Some(error)).await
        }
    }
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
    let id = user_id(&id)?;
    let role: Role = match parse_role("role", &form.role) {
        Ok(role) => role,
        Err(error) => {
            return user_page(&state, &caller, id, Frame::new("users"), Some(error)).await;
        }
    };
    let outcome = state
        .app
        .set_user_role(caller.viewer(), id, role)
        .await
        .map(|_| ());
    after_change(&state, &caller, id, outcome, "role").await
}

#[derive(Deserialize)]
pub(crate) struct OrgAdminForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    org_admin: String,
}

pub(crate) async fn set_org_admin(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<OrgAdminForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = user_id(&id)?;
    let flag = match form.org_admin.as_str() {
        "true" => true,
        "false" => false,
        other => {
            let error = FormError::new(
                StatusCode::BAD_REQUEST,
                format!("`org_admin` must be `true` or `false`, not `{other}`"),
            );
            return user_page(&state, &caller, id, Frame::new("users"), Some(error)).await;
        }
    };
    let outcome = state.app.set_org_admin(caller.viewer(), id, flag).await;
    after_change(&state, &caller, id, outcome, "org-admin").await
}

pub(crate) async fn deactivate(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = user_id(&id)?;
    let outcome = state.app.deactivate_user(caller.viewer(), id).await;
    after_change(&state, &caller, id, outcome, "deactivated").await
}

pub(crate) async fn reactivate(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = user_id(&id)?;
    let outcome = state.app.reactivate_user(caller.viewer(), id).await;
    after_change(&state, &caller, id, outcome, "reactivated").await
}

#[derive(Template)]
#[template(path = "admin/confirm.html")]
pub(crate) struct ConfirmPage {
    pub me: Option<Me>,
    pub frame: Frame,
    pub csrf: String,
    pub heading: String,
    pub explanation: String,
    pub action: String,
    pub button: String,
    pub cancel: String,
}

async fn delete_page(
    state: &AppState,
    caller: &Caller,
    id: UserId,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let user = state.app.user(caller.viewer(), id).await?;
    let (frame, status) = Frame::new("users").with_error(error);
    Ok(html(
        status,
        &ConfirmPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            heading: format!("Delete {}?", user.display_name),
            explanation: format!(
                "The profile of {} becomes “Former user”: the name and e-mail address are removed, sign-in stops and every session ends. Pages and history they wrote stay. This can't be undone.",
                user.email
            ),
            action: format!("{}/delete", user_href(id)),
            button: "Delete user".to_owned(),
            cancel: user_href(id),
        },
    ))
}

pub(crate) async fn delete_form(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    delete_page(&state, &caller, user_id(&id)?, None).await
}

pub(crate) async fn delete(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = user_id(&id)?;
    match state.app.delete_user(caller.viewer(), id).await {
        Ok(()) => Ok(see_other("/admin/users")),
        Err(err) => {
            let error = form_error(err)?;
            delete_page(&state, &caller, id, Some(error)).await
        }
    }
}
