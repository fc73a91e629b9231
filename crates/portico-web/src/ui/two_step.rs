//! `/account/two-step`: turning an authenticator app (TOTP) on and off for
//! one's own account.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::TwoStepStatus;
use serde::Deserialize;

use super::render::{Caller, FormError, Me, UiError, UiForm, form_error, html, see_other};
use super::session::CsrfForm;
use crate::AppState;

const PAGE: &str = "/account/two-step";

#[derive(Template)]
#[template(path = "two_step.html")]
struct TwoStepPage {
    me: Option<Me>,
    status: TwoStepStatus,
    csrf: String,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    caller: &Caller,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let status = state.app.two_step_status(caller.viewer()).await?;
    Ok(html(
        error.as_ref().map_or(StatusCode::OK, |e| e.status),
        &TwoStepPage {
            me: caller.me(),
            status,
            csrf: caller.csrf(),
            error: error.map(|e| e.message),
        },
    ))
}

pub(crate) async fn show(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, UiError> {
    page(&state, &caller, None).await
}

/// Starts a setup: a new key to add to the app.
pub(crate) async fn setup(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    match state.app.begin_two_step_setup(caller.viewer()).await {
        Ok(_) => Ok(see_other(PAGE)),
        Err(err) => page(&state, &caller, Some(form_error(err)?)).await,
    }
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub(crate) async fn confirm(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<CodeForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    match state
        .app
        .confirm_two_step(caller.viewer(), &form.code)
        .await
    {
        Ok(()) => Ok(see_other(PAGE)),
        Err(err) => page(&state, &caller, Some(form_error(err)?)).await,
    }
}

pub(crate) async fn disable(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<CodeForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    match state
        .app
        .disable_two_step(caller.viewer(), &form.code)
        .await
    {
        Ok(()) => Ok(see_other(PAGE)),
        Err(err) => page(&state, &caller, Some(form_error(err)?)).await,
    }
}
