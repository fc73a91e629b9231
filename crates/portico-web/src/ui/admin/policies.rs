//! `/admin/policies`: licence caps, the guest domain rules, the sign-in and
//! invitation security settings and who may use API tokens, in one form.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{
    AccessPolicies, DomainRules, LicenceLimits, SecurityPolicies, SitePolicies, TokenPolicies,
};
use portico_core::security::parse_roles;
use serde::Deserialize;

use super::Frame;
use crate::AppState;
use crate::ui::render::{
    Admin, Caller, FormError, Me, UiError, UiForm, UiQuery, form_error, html, see_other,
};

const PATH: &str = "/admin/policies";

/// The form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct PoliciesForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    guests_per_paid_seat: String,
    #[serde(default)]
    user_limit: String,
    #[serde(default)]
    domain_allow: String,
    #[serde(default)]
    domain_block: String,
    #[serde(default)]
    internal_domains: String,
    #[serde(default)]
    max_failed_sign_ins: String,
    #[serde(default)]
    lockout_minutes: String,
    #[serde(default)]
    invitation_days: String,
    // Checkboxes: present ("on") when ticked, absent otherwise.
    #[serde(default)]
    anonymous_access: Option<String>,
    #[serde(default)]
    guests_see_anonymous_spaces: Option<String>,
    #[serde(default)]
    guests_reserved_permissions: Option<String>,
    #[serde(default)]
    guest_max_spaces: String,
    #[serde(default)]
    new_spaces_allow_guests: Option<String>,
    #[serde(default)]
    guests_mention_own_space: Option<String>,
    #[serde(default)]
    guest_email_codes: Option<String>,
    #[serde(default)]
    guest_reverify_days: String,
    #[serde(default)]
    guest_session_hours: String,
    #[serde(default)]
    two_step_required_roles: String,
    guests_api_tokens: Option<String>,
}

fn ticked(on: bool) -> Option<String> {
    on.then(|| "on".to_owned())
}

impl PoliciesForm {
    fn from_policies(policies: &SitePolicies) -> Self {
        Self {
            csrf: String::new(),
            guests_per_paid_seat: policies.limits.guests_per_paid_seat.to_string(),
            user_limit: policies.limits.user_limit.to_string(),
            domain_allow: policies.domains.allow.join("\n"),
            domain_block: policies.domains.block.join("\n"),
            internal_domains: policies.domains.internal.join("\n"),
            max_failed_sign_ins: policies.max_failed_sign_ins.to_string(),
            lockout_minutes: policies.lockout_minutes.to_string(),
            invitation_days: policies.invitation_days.to_string(),
            anonymous_access: ticked(policies.access.anonymous_access),
            guests_see_anonymous_spaces: ticked(policies.access.guests_see_anonymous_spaces),
            guests_reserved_permissions: ticked(policies.access.guests_reserved_permissions),
            guest_max_spaces: policies.access.guest_max_spaces.to_string(),
            new_spaces_allow_guests: ticked(policies.access.new_spaces_allow_guests),
            guests_mention_own_space: ticked(policies.access.guests_mention_own_space),
            guest_email_codes: ticked(policies.security.guest_email_codes),
            guest_reverify_days: policies.security.guest_reverify_days.to_string(),
            guest_session_hours: policies.security.guest_session_hours.to_string(),
            two_step_required_roles: policies
                .security
                .two_step_required
                .iter()
                .map(|role| role.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            guests_api_tokens: ticked(policies.tokens.guests_api_tokens),
        }
    }

    fn policies(&self) -> Result<SitePolicies, FormError> {
        Ok(SitePolicies {
            limits: LicenceLimits {
                guests_per_paid_seat: number("guests per paid seat", &self.guests_per_paid_seat)?,
                user_limit: number("user limit", &self.user_limit)?,
            },
            domains: DomainRules {
                allow: domains(&self.domain_allow),
                block: domains(&self.domain_block),
                internal: domains(&self.internal_domains),
            },
            max_failed_sign_ins: number(
                "failed sign-ins before lockout",
                &self.max_failed_sign_ins,
            )?,
            lockout_minutes: number("lockout minutes", &self.lockout_minutes)?,
            invitation_days: number("invitation validity days", &self.invitation_days)?,
            access: AccessPolicies {
                anonymous_access: self.anonymous_access.is_some(),
                guests_see_anonymous_spaces: self.guests_see_anonymous_spaces.is_some(),
                guests_reserved_permissions: self.guests_reserved_permissions.is_some(),
                guest_max_spaces: number("spaces per guest", &self.guest_max_spaces)?,
                new_spaces_allow_guests: self.new_spaces_allow_guests.is_some(),
                guests_mention_own_space: self.guests_mention_own_space.is_some(),
            },
            security: SecurityPolicies {
                guest_email_codes: self.guest_email_codes.is_some(),
                guest_reverify_days: number(
                    "days before guests confirm their e-mail again",
                    &self.guest_reverify_days,
                )?,
                guest_session_hours: number("guest session hours", &self.guest_session_hours)?,
                two_step_required: parse_roles(&self.two_step_required_roles)
                    .map_err(|err| FormError::new(StatusCode::BAD_REQUEST, err.to_string()))?,
            },
            tokens: TokenPolicies {
                guests_api_tokens: self.guests_api_tokens.is_some(),
            },
        })
    }
}

fn number<T: std::str::FromStr>(field: &str, raw: &str) -> Result<T, FormError> {
    raw.trim().parse::<T>().map_err(|_| {
        FormError::new(
            StatusCode::BAD_REQUEST,
            format!("`{field}` must be a whole number, not `{}`", raw.trim()),
        )
    })
}

/// A domain list typed one per line or separated by commas or spaces.
pub(crate) fn domains(text: &str) -> Vec<String> {
    text.split([',', ';', '\n', '\r', ' ', '\t'])
        .map(|domain| domain.trim().trim_start_matches('@').to_ascii_lowercase())
        .filter(|domain| !domain.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "admin/policies.html")]
struct PoliciesPage {
    me: Option<Me>,
    frame: Frame,
    csrf: String,
    form: PoliciesForm,
}

fn policies_page(
    caller: &Caller,
    frame: Frame,
    form: PoliciesForm,
    error: Option<FormError>,
) -> Response {
    let (frame, status) = frame.with_error(error);
    html(
        status,
        &PoliciesPage {
            me: caller.me(),
            frame,
            csrf: caller.csrf(),
            form,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub(crate) async fn show(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let policies = state.app.policies(caller.viewer()).await?;
    let notice = (query.done == "saved").then_some("The policies were saved.");
    let frame = Frame::new("policies").notice(notice);
    Ok(policies_page(
        &caller,
        frame,
        PoliciesForm::from_policies(&policies),
        None,
    ))
}

pub(crate) async fn save(
    State(state): State<AppState>,
    Admin(caller): Admin,
    UiForm(form): UiForm<PoliciesForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let error = match form.policies() {
        Ok(policies) => match state.app.update_policies(caller.viewer(), policies).await {
            Ok(_) => return Ok(see_other(&format!("{PATH}?done=saved"))),
            Err(err) => form_error(err)?,
        },
        Err(error) => error,
    };
    Ok(policies_page(
        &caller,
        Frame::new("policies"),
        form,
        Some(error),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_lists_are_trimmed_and_lower_cased() {
        assert_eq!(
            domains("Example.COM\n@partner.io, other.org  \n\n"),
            ["example.com", "partner.io", "other.org"]
        );
    }

    #[test]
    fn the_form_round_trips_and_names_bad_numbers() {
        let policies = SitePolicies::default();
        let form = PoliciesForm::from_policies(&policies);
        assert_eq!(form.policies().ok(), Some(policies));
        let bad = PoliciesForm {
            lockout_minutes: "soon".into(),
            ..form
        };
        assert_eq!(
            bad.policies().err().map(|e| e.message).as_deref(),
            Some("`lockout minutes` must be a whole number, not `soon`")
        );
    }
}
