//! Signing in and out, and the first-run setup page that creates the first
//! administrator. Sign-in and setup carry no CSRF token (there is no session
//! yet); the password, or the one-time setup token, is the protection.
//! Signing in rotates the session: a session the browser already had ends.

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
use crate::rate_limit::ClientIp;

const BAD_CREDENTIALS: &str = "Invalid e-mail or password";
const SETUP_LINK_GONE: &str = "This setup link is invalid, expired or already used";

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    me: Option<Me>,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    #[serde(default)]
    next: String,
    /// A fixed notice from the page that sent the visitor here.
    #[serde(default)]
    notice: String,
}

/// The notices the sign-in page shows, by their code in `?notice=`. Only
/// these fixed texts can appear, so a link can't put words on the page.
pub(crate) const PASSWORD_CHANGED: &str = "password-changed";
pub(crate) const SIGNED_OUT_EVERYWHERE: &str = "signed-out-everywhere";

fn login_notice(code: &str) -> Option<&'static str> {
    match code {
        PASSWORD_CHANGED => Some(
            "Your password was changed and every session ended. Sign in with the new password.",
        ),
        SIGNED_OUT_EVERYWHERE => Some("You were signed out on every device."),
        _ => None,
    }
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
    if auth.pending.is_some() {
        return see_other(crate::auth::VERIFY_PATH);
    }
    html(
        StatusCode::OK,
        &LoginPage {
            me: None,
            email: String::new(),
            next: query.next,
            error: None,
            notice: login_notice(&query.notice),
        },
    )
}

/// Signs in with the client's address recorded in the audit log. A locked
/// account answers exactly like a wrong password.
pub(crate) async fn login(
    State(state): State<AppState>,
    auth: Auth,
    ClientIp(ip): ClientIp,
    UiForm(form): UiForm<LoginForm>,
) -> Result<Response, UiError> {
    let client = ip.map(|ip| ip.to_string());
    match state
        .app
        .sign_in_from(&form.email, &form.password, client.as_deref())
        .await
    {
        Ok(signed_in) => {
            signed_in_redirect(&state, &auth, &signed_in, links::safe_next(&form.next)).await
        }
        Err(AppError::BadCredentials) => Ok(html(
            StatusCode::UNAUTHORIZED,
            &LoginPage {
                me: None,
                email: form.email,
                next: form.next,
                error: Some(BAD_CREDENTIALS.to_owned()),
                notice: None,
            },
        )),
        Err(err) => Err(err.into()),
    }
}

/// Ends the session the browser came with, if any (session rotation: a
/// session token planted before sign-in is worthless after it), then sets
/// the new session cookie and goes to `location`.
pub(crate) async fn signed_in_redirect(
    state: &AppState,
    previous: &Auth,
    signed_in: &SignedIn,
    location: &str,
) -> Result<Response, UiError> {
    if let Some(old) = &previous.session_token {
        state.app.sign_out(old).await?;
    }
    let mut response = match signed_in.pending {
        // The session is worth nothing until its next step is passed.
        Some(_) => see_other(&format!(
            "{}?next={}",
            crate::auth::VERIFY_PATH,
            url::form_urlencoded::byte_serialize(location.as_bytes()).collect::<String>()
        )),
        None => see_other(location),
    };
    let (name, value) = session_cookie(
        Some(&signed_in.token),
        state.secure_cookies(),
        signed_in.lifetime.whole_seconds(),
    );
    response.headers_mut().insert(name, value);
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default, rename = "_csrf")]
    pub csrf: String,
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
    pub token: String,
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
    auth: Auth,
    ClientIp(ip): ClientIp,
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
            let client = ip.map(|ip| ip.to_string());
            let signed_in = state
                .app
                .sign_in_from(&form.email, &form.password, client.as_deref())
                .await?;
            signed_in_redirect(&state, &auth, &signed_in, links::HOME).await
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
