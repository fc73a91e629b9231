//! Signing in and out, and the first-run setup page that creates the first
//! administrator. Sign-in and setup carry no CSRF token (there is no session
//! yet); the password, or the one-time setup token, is the protection.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{AppError, NewAdmin, SignedIn, Viewer};
use serde::Deserialize;

use super::links;
use super::render::{FormError, Me, UiError, UiForm, UiQuery, form_error, html, see_other};
use crate::AppState;
use crate::auth::{Auth, session_cookie};

const BAD_CREDENTIALS: &str = "Invalid e-mail or password";
const SETUP_LINK_GONE: &str = "This setup link is invalid, expired or already used";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    me: Option<Me>,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// The sign-in form; someone already signed in goes straight on.
pub(crate) async fn login_form(auth: Auth, UiQuery(query): UiQuery<NextQuery>) -> Response {
    if auth.viewer != Viewer::Anonymous {
        return see_other(links::safe_next(&query.next));
    }
    html(
        StatusCode::OK,
        &LoginPage {
            me: None,
            email: String::new(),
            next: query.next,
            error: None,
        },
    )
}

pub(crate) async fn login(
    State(state): State<AppState>,
    UiForm(form): UiForm<LoginForm>,
) -> Result<Response, UiError> {
    match state.app.sign_in(&form.email, &form.password).await {
        Ok(signed_in) => Ok(signed_in_redirect(
            &state,
            &signed_in,
            links::safe_next(&form.next),
        )),
        Err(AppError::BadCredentials) => Ok(html(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                me: None,
                email: form.email,
                next: form.next,
                error: Some(BAD_CREDENTIALS.to_owned()),
            },
        )),
        Err(err) => Err(err.into()),
    }
}

/// Sets the session cookie and goes to `location`.
fn signed_in_redirect(state: &AppState, signed_in: &SignedIn, location: &str) -> Response {
    let mut response = see_other(location);
    let (name, value) = session_cookie(
        Some(&signed_in.token),
        state.secure_cookies(),
        state.app.session_lifetime().whole_seconds(),
    );
    response.headers_mut().insert(name, value);
    response
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// Ends the session. A visitor whose session already ended is simply sent to
/// the sign-in page (and their stale cookie cleared).
pub(crate) async fn logout(
    State(state): State<AppState>,
    auth: Auth,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    if let Some(token) = &auth.session_token {
        auth.check_csrf(&form.csrf)?;
        state.app.sign_out(token).await?;
    }
    let mut response = see_other("/login");
    let (name, value) = session_cookie(None, state.secure_cookies(), 0);
    response.headers_mut().insert(name, value);
    Ok(response)
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    me: Option<Me>,
    token: String,
    display_name: String,
    email: String,
    error: Option<String>,
    min_password_len: usize,
}

#[derive(Deserialize)]
pub(crate) struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

fn setup_link_gone() -> Response {
    super::render::message_page(
        StatusCode::GONE,
        SETUP_LINK_GONE,
        "Ask whoever runs this Portico for a new setup link, or sign in if setup is already finished.",
    )
}

/// The first-run form, shown only for a token that would be accepted.
pub(crate) async fn setup_form(
    State(state): State<AppState>,
    UiQuery(query): UiQuery<TokenQuery>,
) -> Result<Response, UiError> {
    if query.token.is_empty() || !state.app.setup_token_is_valid(&query.token).await? {
        return Ok(setup_link_gone());
    }
    Ok(html(
        StatusCode::OK,
        &SetupPage {
            min_password_len: portico_app::MIN_PASSWORD_LEN,
            me: None,
            token: query.token,
            display_name: String::new(),
            email: String::new(),
            error: None,
        },
    ))
}

/// Creates the first administrator with the one-time token and signs them in.
pub(crate) async fn setup(
    State(state): State<AppState>,
    UiForm(form): UiForm<SetupForm>,
) -> Result<Response, UiError> {
    let outcome = if form.password != form.password_confirmation {
        Err(FormError::new(
            StatusCode::BAD_REQUEST,
            "the two passwords don't match",
        ))
    } else {
        let admin = NewAdmin {
            email: form.email.clone(),
            display_name: form.display_name.clone(),
            password: form.password.clone(),
        };
        match state.app.complete_setup(&form.token, admin).await {
            Ok(_) => Ok(()),
            Err(AppError::InvalidLink) => return Ok(setup_link_gone()),
            Err(err) => Err(form_error(err)?),
        }
    };
    match outcome {
        Ok(()) => {
            let signed_in = state.app.sign_in(&form.email, &form.password).await?;
            Ok(signed_in_redirect(&state, &signed_in, links::HOME))
        }
        Err(error) => Ok(html(
            error.status,
            &SetupPage {
                min_password_len: portico_app::MIN_PASSWORD_LEN,
                me: None,
                token: form.token,
                display_name: form.display_name,
                email: form.email,
                error: Some(error.message),
            },
        )),
    }
}
