//! `/admin/invitations`: the invite form (up to ten addresses, a role,
//! groups, a personal message) and the open invitations with resend and
//! revoke buttons.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, Invite, Role};
use serde::Deserialize;

use super::{Choice, Frame};
use crate::AppState;
use crate::error::WebError;
use crate::ui::render::{
    Admin, Caller, FormError, FormFields, Me, UiError, UiForm, UiQuery, form_error, html, see_other,
};
use crate::ui::session::CsrfForm;
use crate::ui::view::Stamp;

const PATH: &str = "/admin/invitations";

/// The addresses typed into the form: one per line, or separated by commas,
/// semicolons or spaces.
pub(crate) fn addresses(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '\r', ' ', '\t'])
        .map(str::trim)
        .filter(|address| !address.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A group as a checkbox.
struct GroupChoice {
    id: String,
    name: String,
    role: String,
    checked: bool,
}

struct InvitationView {
    email: String,
    role: String,
    created: Stamp,
    expires: Stamp,
    expired: bool,
    resend_action: String,
    revoke_action: String,
}

#[derive(Template)]
#[template(path = "admin/invitations.html")]
struct InvitationsPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    emails: String,
    roles: Vec<Choice>,
    groups: Vec<GroupChoice>,
    message: String,
    pending: Vec<InvitationView>,
}

/// What the invite form held, to show it again after an error.
#[derive(Default)]
struct Input {
    emails: String,
    role: String,
    group_ids: Vec<String>,
    message: String,
}

async fn invitations_page(
    state: &AppState,
    caller: &Caller,
    frame: Frame,
    input: Input,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let groups = state.app.list_groups(caller.viewer()).await?;
    let pending = state.app.list_invitations(caller.viewer()).await?;
    let role = if input.role.is_empty() {
        "member"
    } else {
        input.role.as_str()
    };
    let (frame, status) = frame.with_error(error);
    Ok(html(
        status,
        &InvitationsPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            roles: vec![
                Choice::new("member", "Member (paid seat)", role),
                Choice::new("guest", "Guest (free, within the guest quota)", role),
            ],
            groups: groups
                .iter()
                // Everyone invited as a member joins the default group anyway.
                .filter(|group| !group.is_default)
                .map(|group| GroupChoice {
                    id: group.id.to_string(),
                    name: group.name.clone(),
                    role: group.role.to_string(),
                    checked: input.group_ids.contains(&group.id.to_string()),
                })
                .collect(),
            emails: input.emails,
            message: input.message,
            pending: pending
                .into_iter()
                .map(|invitation| InvitationView {
                    email: invitation.email,
                    role: invitation.role.to_string(),
                    created: Stamp::new(invitation.created_at),
                    expires: Stamp::new(invitation.expires_at),
                    expired: invitation.expired,
                    resend_action: format!("{PATH}/{}/resend", invitation.id),
                    revoke_action: format!("{PATH}/{}/revoke", invitation.id),
                })
                .collect(),
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn notice(code: &str) -> Option<&'static str> {
    match code {
        "sent" => Some("The invitations were sent. Without SMTP, read the links in the outbox."),
        "resent" => Some("A new link was sent; the old one no longer works."),
        "revoked" => Some("The invitation was revoked; its link no longer works."),
        _ => None,
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let frame = Frame::new("invitations").notice(notice(&query.done));
    invitations_page(&state, &caller, frame, Input::default(), None).await
}

/// Sends a batch of invitations. The form has a checkbox per group, so its
/// fields are read as a list.
pub(crate) async fn invite(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiForm(fields): UiForm<Vec<(String, String)>>,
) -> Result<Response, UiError> {
    let fields = FormFields(fields);
    caller.check_csrf(fields.one("_csrf"))?;
    let input = Input {
        emails: fields.one("emails").to_owned(),
        role: fields.one("role").to_owned(),
        group_ids: fields.all("group").into_iter().map(str::to_owned).collect(),
        message: fields.one("message").to_owned(),
    };
    let error = match invite_from(&input) {
        Ok(invite) => match state.app.invite(caller.viewer(), invite).await {
            Ok(_) => return Ok(see_other(&format!("{PATH}?done=sent"))),
            Err(err) => form_error(err)?,
        },
        Err(error) => error,
    };
    let frame = Frame::new("invitations");
    invitations_page(&state, &caller, frame, input, Some(error)).await
}

fn invite_from(input: &Input) -> Result<Invite, FormError> {
    let bad = |message: String| FormError::new(StatusCode::BAD_REQUEST, message);
    let role = match input.role.as_str() {
        "member" => Role::Member,
        "guest" => Role::Guest,
        other => {
            return Err(bad(format!(
                "`role` must be `member` or `guest`, not `{other}`"
            )));
        }
    };
    let group_ids = input
        .group_ids
        .iter()
        .map(|raw| {
            raw.parse::<i64>()
                .map_err(|_| bad(format!("`group` must be a group id, not `{raw}`")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Invite {
        emails: addresses(&input.emails),
        role,
        group_ids,
        message: input.message.clone(),
    })
}

/// An invitation id from a URL: a malformed one is just a missing one.
fn invitation_id(raw: &str) -> Result<i64, UiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or(UiError(WebError::App(AppError::NotFound)))
}

async fn after_change(
    state: &AppState,
    caller: &Caller,
    outcome: Result<(), AppError>,
    done: &str,
) -> Result<Response, UiError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("{PATH}?done={done}"))),
        Err(err) => {
            let error = form_error(err)?;
            let frame = Frame::new("invitations");
            invitations_page(state, caller, frame, Input::default(), Some(error)).await
        }
    }
}

pub(crate) async fn resend(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let outcome = state
        .app
        .resend_invitation(caller.viewer(), invitation_id(&id)?)
        .await;
    after_change(&state, &caller, outcome, "resent").await
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let outcome = state
        .app
        .revoke_invitation(caller.viewer(), invitation_id(&id)?)
        .await;
    after_change(&state, &caller, outcome, "revoked").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_split_on_lines_commas_and_spaces() {
        assert_eq!(
            addresses("a@x.io, b@x.io\nc@x.io;d@x.io\r\n\n  e@x.io "),
            ["a@x.io", "b@x.io", "c@x.io", "d@x.io", "e@x.io"]
        );
        assert!(addresses(" \n ,").is_empty());
    }

    #[test]
    fn the_form_names_a_bad_role_or_group() {
        let input = Input {
            emails: "a@x.io".into(),
            role: "admin".into(),
            ..Input::default()
        };
        let message = invite_from(&input).err().map(|e| e.message);
        assert_eq!(
            message.as_deref(),
            Some("`role` must be `member` or `guest`, not `admin`")
        );
        let input = Input {
            emails: "a@x.io".into(),
            role: "guest".into(),
            group_ids: vec!["x".into()],
            ..Input::default()
        };
        assert!(invite_from(&input).is_err());
    }
}
