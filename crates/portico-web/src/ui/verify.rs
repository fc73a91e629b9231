//! The sign-in steps after the password: a code mailed to guests (and again
//! when their address is due for re-verification), an authenticator app's
//! code, or setting one up where the site requires it. A pending session
//! reaches only these pages; the forms carry its CSRF token.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, PendingSignIn, SecondStep, TotpSetup};
use serde::Deserialize;

use super::links;
use super::render::{FormError, Me, UiError, UiForm, UiQuery, form_error, html, see_other};
use crate::AppState;
use crate::auth::{Auth, VERIFY_PATH, session_cookie};
use crate::rate_limit::ClientIp;

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage {
    me: Option<Me>,
    step: SecondStep,
    email_hint: String,
    code_sent: bool,
    show_code_form: bool,
    totp_setup: Option<TotpSetup>,
    csrf: String,
    next: String,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct VerifyQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    sent: bool,
}

fn page(
    pending: PendingSignIn,
    next: String,
    notice: Option<&'static str>,
    error: Option<FormError>,
) -> Response {
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let show_code_form = pending.step != SecondStep::EmailCode || pending.code_sent;
    html(
        status,
        &VerifyPage {
            me: None,
            step: pending.step,
            email_hint: pending.email_hint,
            code_sent: pending.code_sent,
            show_code_form,
            totp_setup: pending.totp_setup,
            csrf: pending.csrf,
            next,
            notice,
            error: error.map(|e| e.message),
        },
    )
}

/// Where a visitor without a pending sign-in goes instead.
fn elsewhere(auth: &Auth, next: &str) -> Response {
    if auth.csrf.is_some() {
        see_other(links::safe_next(next))
    } else {
        see_other("/login")
    }
}

/// The step's form.
pub(crate) async fn form(auth: Auth, UiQuery(query): UiQuery<VerifyQuery>) -> Response {
    let Some(pending) = auth.pending else {
        return elsewhere(&auth, &query.next);
    };
    let notice = query.sent.then_some("A new code is on its way.");
    page(pending, query.next, notice, None)
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: String,
}

fn ended_session(state: &AppState) -> Response {
    let mut response = see_other("/login");
    let (name, value) = session_cookie(None, state.secure_cookies(), 0);
    response.headers_mut().insert(name, value);
    response
}

/// Checks the code; on to the next step, or where the visitor was going.
pub(crate) async fn submit(
    State(state): State<AppState>,
    auth: Auth,
    ClientIp(ip): ClientIp,
    UiForm(form): UiForm<CodeForm>,
) -> Result<Response, UiError> {
    let (Some(pending), Some(token)) = (auth.pending.clone(), auth.session_token.clone()) else {
        return Ok(elsewhere(&auth, &form.next));
    };
    auth.check_csrf(&form.csrf)?;
    let client = ip.map(|ip| ip.to_string());
    match state
        .app
        .verify_sign_in(&token, &form.code, client.as_deref())
        .await
    {
        Ok(None) => Ok(see_other(links::safe_next(&form.next))),
        Ok(Some(_)) => Ok(see_other(&next_step_url(&form.next))),
        Err(AppError::Unauthenticated) => Ok(ended_session(&state)),
        Err(err) => {
            let error = form_error(err)?;
            // The page reflects the state after the attempt (a dead code
            // offers a new one).
            let pending = match state.app.session_state(&token).await? {
                Some(portico_app::SessionState::Pending(now)) => now,
                _ => pending,
            };
            Ok(page(pending, form.next, None, Some(error)))
        }
    }
}

fn next_step_url(next: &str) -> String {
    format!(
        "{VERIFY_PATH}?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    )
}

#[derive(Deserialize)]
pub(crate) struct SendForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// Mails a (new) code.
pub(crate) async fn send(
    State(state): State<AppState>,
    auth: Auth,
    UiForm(form): UiForm<SendForm>,
) -> Result<Response, UiError> {
    let (Some(pending), Some(token)) = (auth.pending.clone(), auth.session_token.clone()) else {
        return Ok(elsewhere(&auth, &form.next));
    };
    auth.check_csrf(&form.csrf)?;
    match state.app.send_sign_in_code(&token).await {
        Ok(()) => Ok(see_other(&format!(
            "{}&sent=true",
            next_step_url(&form.next)
        ))),
        Err(AppError::Unauthenticated) => Ok(ended_session(&state)),
        Err(err) => {
            let error = form_error(err)?;
            Ok(page(pending, form.next, None, Some(error)))
        }
    }
}
