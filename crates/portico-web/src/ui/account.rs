//! The signed-in person's account page (notification e-mail, "sign out everywhere", their API
//! tokens: create — the token is shown once, on the answer page — and
//! revoke), and the
//! pages people reach from a mailed link: accepting an invitation and
//! resetting a forgotten password. Like sign-in, the public forms carry no
//! CSRF token (there is no session yet); the link's one-time token is the
//! protection, and the rate limit guards against guessing.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use portico_app::{ApiToken, ApiTokenState, AppError, MAX_TOKEN_DAYS, Role};
use serde::Deserialize;

use super::links;
use super::render::{
    Caller, FormError, Me, UiError, UiForm, UiQuery, form_error, html, message_page, see_other,
};
use super::session::{self, CsrfForm, TokenQuery, signed_in_redirect};
use super::view::Stamp;
use crate::AppState;
use crate::auth::{Auth, session_cookie};

const INVITATION_GONE: &str = "This invitation link is invalid, expired or already used";
const RESET_GONE: &str = "This password reset link is invalid, expired or already used";
const PASSWORDS_DIFFER: &str = "the two passwords don't match";

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    me: Option<Me>,
    name: String,
    role: String,
    tokens: Vec<TokenLine>,
    /// The token just created, shown this once.
    new_token: Option<NewToken>,
    notice: Option<&'static str>,
    token_error: Option<String>,
    /// The create form's values (kept after an error).
    token_name: String,
    token_days: String,
    max_token_days: u32,
    /// The notification e-mail preference (`batched` or `never`).
    email_preference: &'static str,
}

/// One API token in the list.
struct TokenLine {
    id: i64,
    name: String,
    created: Stamp,
    expires: Stamp,
    last_used: Option<Stamp>,
    state: &'static str,
    active: bool,
}

impl From<ApiToken> for TokenLine {
    fn from(token: ApiToken) -> Self {
        TokenLine {
            id: token.id,
            name: token.name,
            created: Stamp::new(token.created_at),
            expires: Stamp::new(token.expires_at),
            last_used: token.last_used_at.map(Stamp::new),
            state: token.state.as_str(),
            active: token.state == ApiTokenState::Active,
        }
    }
}

struct NewToken {
    name: String,
    secret: String,
}

/// What the account page shows besides the person and their tokens.
#[derive(Default)]
struct TokenForm {
    new_token: Option<NewToken>,
    notice: Option<&'static str>,
    error: Option<FormError>,
    name: String,
    days: String,
}

const DEFAULT_TOKEN_DAYS: &str = "90";

async fn account_page(
    state: &AppState,
    caller: &Caller,
    form: TokenForm,
) -> Result<Response, UiError> {
    let ids: Vec<_> = caller.viewer().user_id().into_iter().collect();
    let person = state
        .app
        .people(caller.viewer(), &ids)
        .await?
        .into_iter()
        .next();
    let tokens = state.app.api_tokens(caller.viewer()).await?;
    let email_preference = state.app.email_preference(caller.viewer()).await?.as_str();
    let status = form
        .error
        .as_ref()
        .map_or(StatusCode::OK, |error| error.status);
    Ok(html(
        status,
        &AccountPage {
            me: caller.me(),
            name: person
                .as_ref()
                .map(|p| p.display_name.clone())
                .unwrap_or_default(),
            role: match caller.viewer() {
                portico_app::Viewer::User(principal) => principal.role.to_string(),
                portico_app::Viewer::Anonymous => Role::None.to_string(),
            },
            tokens: tokens.into_iter().map(TokenLine::from).collect(),
            new_token: form.new_token,
            notice: form.notice,
            token_error: form.error.map(|error| error.message),
            token_name: form.name,
            token_days: if form.days.is_empty() {
                DEFAULT_TOKEN_DAYS.to_owned()
            } else {
                form.days
            },
            max_token_days: MAX_TOKEN_DAYS,
            email_preference,
        },
    ))
}

#[derive(Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

pub(crate) async fn account(
    State(state): State<AppState>,
    caller: Caller,
    UiQuery(query): UiQuery<DoneQuery>,
) -> Result<Response, UiError> {
    let notice = match query.done.as_str() {
        "revoked" => Some("The API token was revoked."),
        "notifications" => Some("Your notification settings were saved."),
        _ => None,
    };
    account_page(
        &state,
        &caller,
        TokenForm {
            notice,
            ..TokenForm::default()
        },
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct CreateTokenForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    days: String,
}

/// Creates an API token and shows it on the answer page, the only time it is
/// shown (so no redirect: the secret goes in no URL and no later page).
pub(crate) async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<CreateTokenForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    // An error that belongs on the form is `Err(Ok(..))`; others go to the error page.
    let outcome = match form.days.trim().parse::<u32>() {
        Ok(days) => state
            .app
            .create_api_token(caller.viewer(), &form.name, days)
            .await
            .map_err(form_error),
        Err(_) => Err(Ok(FormError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "`days` must be a whole number, not `{}`",
                form.days.trim().chars().take(20).collect::<String>()
            ),
        ))),
    };
    let page = match outcome {
        Ok(created) => TokenForm {
            new_token: Some(NewToken {
                name: created.token.name,
                secret: created.secret,
            }),
            ..TokenForm::default()
        },
        Err(error) => TokenForm {
            error: Some(error?),
            name: form.name,
            days: form.days,
            ..TokenForm::default()
        },
    };
    account_page(&state, &caller, page).await
}

/// Revokes one of the caller's API tokens.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    state.app.revoke_api_token(caller.viewer(), id).await?;
    Ok(see_other("/account?done=revoked"))
}

#[derive(Deserialize)]
pub(crate) struct NotificationSettingsForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Saves the notification e-mail preference.
pub(crate) async fn save_notification_settings(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<NotificationSettingsForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    state
        .app
        .set_email_preference(caller.viewer(), &form.email)
        .await?;
    Ok(see_other("/account?done=notifications"))
}

/// Ends every session of the signed-in person, this one included.
pub(crate) async fn sign_out_everywhere(
    State(state): State<AppState>,
    caller: Caller,
    UiForm(form): UiForm<CsrfForm>,
) -> Result<Response, UiError> {
    caller.check_csrf(&form.csrf)?;
    state.app.sign_out_everywhere(caller.viewer()).await?;
    let mut response = see_other(&format!("/login?notice={}", session::SIGNED_OUT_EVERYWHERE));
    let (name, value) = session_cookie(None, state.secure_cookies(), 0);
    response.headers_mut().insert(name, value);
    Ok(response)
}

#[derive(Template)]
#[template(path = "invitation_accept.html")]
struct AcceptPage {
    me: Option<Me>,
    token: String,
    email: String,
    role: String,
    display_name: String,
    error: Option<String>,
    min_password_len: usize,
}

fn invitation_gone() -> Response {
    message_page(
        StatusCode::GONE,
        INVITATION_GONE,
        "Ask the person who invited you to send a new invitation. If you already accepted it, sign in instead.",
    )
}

async fn accept_page(
    state: &AppState,
    token: String,
    display_name: String,
    error: Option<FormError>,
) -> Result<Response, UiError> {
    let preview = match state.app.invitation_preview(&token).await {
        Ok(preview) => preview,
        Err(AppError::InvalidLink) => return Ok(invitation_gone()),
        Err(err) => return Err(err.into()),
    };
    let status = error.as_ref().map_or(StatusCode::OK, |error| error.status);
    Ok(html(
        status,
        &AcceptPage {
            me: None,
            token,
            email: preview.email,
            role: preview.role.to_string(),
            display_name,
            error: error.map(|error| error.message),
            min_password_len: portico_app::MIN_PASSWORD_LEN,
        },
    ))
}

/// The invitation as its link opens it: who is invited, as what, and a form
/// for a name and a password.
pub(crate) async fn accept_form(
    State(state): State<AppState>,
    UiQuery(query): UiQuery<TokenQuery>,
) -> Result<Response, UiError> {
    if query.token.is_empty() {
        return Ok(invitation_gone());
    }
    accept_page(&state, query.token, String::new(), None).await
}

#[derive(Deserialize)]
pub(crate) struct AcceptForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// Accepts the invitation and signs the new user in.
pub(crate) async fn accept(
    State(state): State<AppState>,
    auth: Auth,
    UiForm(form): UiForm<AcceptForm>,
) -> Result<Response, UiError> {
    if form.password != form.password_confirmation {
        let error = FormError::new(StatusCode::BAD_REQUEST, PASSWORDS_DIFFER);
        return accept_page(&state, form.token, form.display_name, Some(error)).await;
    }
    match state
        .app
        .accept_invitation(&form.token, &form.display_name, &form.password)
        .await
    {
        Ok(signed_in) => signed_in_redirect(&state, &auth, &signed_in, links::HOME).await,
        Err(AppError::InvalidLink) => Ok(invitation_gone()),
        Err(err) => {
            let error = form_error(err)?;
            accept_page(&state, form.token, form.display_name, Some(error)).await
        }
    }
}

#[derive(Template)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    me: Option<Me>,
    email: String,
    sent: bool,
}

pub(crate) async fn forgot_form() -> Response {
    html(
        StatusCode::OK,
        &ForgotPage {
            me: None,
            email: String::new(),
            sent: false,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Mails a reset link if the address has an account; the answer is the same
/// either way, so the form can't be used to find out who has one.
pub(crate) async fn forgot(
    State(state): State<AppState>,
    UiForm(form): UiForm<ForgotForm>,
) -> Result<Response, UiError> {
    state.app.request_password_reset(&form.email).await?;
    Ok(html(
        StatusCode::OK,
        &ForgotPage {
            me: None,
            email: form.email,
            sent: true,
        },
    ))
}

#[derive(Template)]
#[template(path = "password_reset.html")]
struct ResetPage {
    me: Option<Me>,
    token: String,
    error: Option<String>,
    min_password_len: usize,
}

fn reset_gone() -> Response {
    message_page(
        StatusCode::GONE,
        RESET_GONE,
        "Reset links work once and for an hour. Ask for a new one on the sign-in page.",
    )
}

fn reset_page(token: String, error: Option<FormError>) -> Response {
    let status = error.as_ref().map_or(StatusCode::OK, |error| error.status);
    html(
        status,
        &ResetPage {
            me: None,
            token,
            error: error.map(|error| error.message),
            min_password_len: portico_app::MIN_PASSWORD_LEN,
        },
    )
}

/// The form for a new password. Whether the link still works is only known
/// when it is used: the application offers no separate check for reset links.
pub(crate) async fn reset_form(UiQuery(query): UiQuery<TokenQuery>) -> Response {
    if query.token.is_empty() {
        return reset_gone();
    }
    reset_page(query.token, None)
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// Sets the new password; every session of the account ends.
pub(crate) async fn reset(
    State(state): State<AppState>,
    UiForm(form): UiForm<ResetForm>,
) -> Result<Response, UiError> {
    if form.password != form.password_confirmation {
        let error = FormError::new(StatusCode::BAD_REQUEST, PASSWORDS_DIFFER);
        return Ok(reset_page(form.token, Some(error)));
    }
    match state.app.reset_password(&form.token, &form.password).await {
        Ok(()) => {
            let mut response = see_other(&format!("/login?notice={}", session::PASSWORD_CHANGED));
            let (name, value) = session_cookie(None, state.secure_cookies(), 0);
            response.headers_mut().insert(name, value);
            Ok(response)
        }
        Err(AppError::InvalidLink) => Ok(reset_gone()),
        Err(err) => Ok(reset_page(form.token, Some(form_error(err)?))),
    }
}
