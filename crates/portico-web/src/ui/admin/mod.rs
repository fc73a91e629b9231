//! The org admin's screens under `/admin`: the overview with licence usage,
//! users, groups, invitations, security policies, the audit log and the
//! outbox. Every handler takes an [`Admin`](super::render::Admin), so to
//! anyone else these pages are the plain 404 page; the use cases refuse them
//! too.
//!
//! Code tour: this file holds what the screens share (the frame with the
//! section navigation and notices, select choices) and the overview;
//! `users`, `guests` (the guest list, bulk actions, promotion and removal),
//! `groups`, `invitations`, `policies` and `records` (audit log and
//! outbox) hold one small handler per route. `permissions` holds the wiki
//! admin's screens (global permissions, space roles, the admin key), which
//! wiki admins reach without being org admins.

pub(crate) mod groups;
pub(crate) mod guests;
pub(crate) mod invitations;
pub(crate) mod permissions;
pub(crate) mod policies;
pub(crate) mod records;
pub(crate) mod users;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{LicenceUsage, Role};

use super::render::{Admin, FormError, Me, UiError, html};
use crate::AppState;

/// What every admin screen shows around its content: which section is
/// open, and a notice or an error from the last action.
pub(crate) struct Frame {
    pub section: &'static str,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
}

impl Frame {
    pub fn new(section: &'static str) -> Self {
        Self {
            section,
            notice: None,
            error: None,
        }
    }

    pub fn notice(mut self, notice: Option<&'static str>) -> Self {
        self.notice = notice;
        self
    }

    /// The frame with `error`'s message, and the status to answer with.
    pub fn with_error(mut self, error: Option<FormError>) -> (Self, StatusCode) {
        let status = error.as_ref().map_or(StatusCode::OK, |error| error.status);
        self.error = error.map(|error| error.message);
        (self, status)
    }
}

/// One option of a `<select>` or radio group.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: &str, label: &str, current: &str) -> Self {
        Self {
            value: value.to_owned(),
            label: label.to_owned(),
            selected: value == current,
        }
    }
}

/// The four product roles as choices, `current` selected.
pub(crate) fn role_choices(current: &str) -> Vec<Choice> {
    [Role::None, Role::Guest, Role::Member, Role::Admin]
        .into_iter()
        .map(|role| Choice::new(role.as_str(), role_label(role), current))
        .collect()
}

pub(crate) fn role_label(role: Role) -> &'static str {
    match role {
        Role::None => "None (no wiki access)",
        Role::Guest => "Guest",
        Role::Member => "Member (paid seat)",
        Role::Admin => "Admin (paid seat)",
    }
}

/// Parses a role from a form; the message names the field and the value.
pub(crate) fn parse_role(field: &str, raw: &str) -> Result<Role, FormError> {
    raw.parse::<Role>().map_err(|_| {
        FormError::new(
            StatusCode::BAD_REQUEST,
            format!("`{field}` must be `none`, `guest`, `member` or `admin`, not `{raw}`"),
        )
    })
}

/// Licence usage as the overview shows it.
pub(crate) struct Usage {
    pub paid: u64,
    pub guests: u64,
    pub guest_quota: u64,
    pub per_seat: u64,
    pub users: u64,
    pub user_limit: u64,
    pub over_quota: bool,
}

impl From<LicenceUsage> for Usage {
    fn from(usage: LicenceUsage) -> Self {
        Self {
            paid: usage.paid,
            guests: usage.guests,
            guest_quota: usage.guest_quota,
            per_seat: usage.guests_per_paid_seat,
            users: usage.paid + usage.guests,
            user_limit: usage.user_limit,
            over_quota: usage.guests >= usage.guest_quota,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/overview.html")]
struct Overview {
    me: Option<Me>,
    frame: Frame,
    usage: Usage,
}

pub(crate) async fn overview(
    State(state): State<AppState>,
    Admin(caller): Admin,
) -> Result<Response, UiError> {
    let usage = state.app.licence_usage(caller.viewer()).await?;
    Ok(html(
        StatusCode::OK,
        &Overview {
            me: caller.me(),
            frame: Frame::new("overview"),
            usage: usage.into(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_with_a_message_naming_the_value() {
        assert_eq!(parse_role("role", "guest").ok(), Some(Role::Guest));
        let err = parse_role("role", "owner").err().map(|e| e.message);
        assert_eq!(
            err.as_deref(),
            Some("`role` must be `none`, `guest`, `member` or `admin`, not `owner`")
        );
    }

    #[test]
    fn the_current_role_is_selected() {
        let choices = role_choices("member");
        let selected: Vec<&str> = choices
            .iter()
            .filter(|c| c.selected)
            .map(|c| c.value.as_str())
            .collect();
        assert_eq!(selected, ["member"]);
    }
}
