//! Who is asking: reads the session cookie, or on API routes an API token
//! (`Authorization: Bearer <token>`, or `Basic` with the e-mail and the token
//! — never a password), and turns it into a `Viewer`. API routes answer 401
//! to anonymous callers and to a present but invalid `Authorization` header;
//! UI routes redirect anonymous callers to the sign-in page — except reads
//! while the site's anonymous access switch is on, which go on as
//! `Viewer::Anonymous`. UI routes only ever take the session cookie: tokens
//! are for the API.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use portico_app::{AppError, PendingSignIn, SessionState, Viewer};

use crate::AppState;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "portico_session";

/// The browser-session caller (the session cookie only; UI routes use this),
/// possibly anonymous, with the session's CSRF token and raw session token
/// when signed in. API routes go through [`ApiUser`] and friends, which also
/// take API tokens. A session still waiting for a sign-in step (a mailed
/// code, an authenticator app) is anonymous here, with `pending` saying what
/// it waits for.
pub struct Auth {
    pub viewer: Viewer,
    pub csrf: Option<String>,
    pub session_token: Option<String>,
    pub pending: Option<PendingSignIn>,
}

impl Auth {
    /// Fails unless a form's `_csrf` field matches the session's token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        verify_csrf(self.csrf.as_deref(), submitted)
    }
}

fn verify_csrf(expected: Option<&str>, submitted: &str) -> Result<(), AppError> {
    match expected {
        Some(expected) if constant_time_eq(expected.as_bytes(), submitted.as_bytes()) => Ok(()),
        _ => Err(AppError::Forbidden {
            permission: "csrf",
            reason: "the form expired or came from another site; reload and try again".to_owned(),
        }),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        session_auth(parts, state).await
    }
}

/// The caller behind the session cookie (an `Authorization` header is
/// ignored here: UI routes take no API tokens).
async fn session_auth(parts: &Parts, state: &AppState) -> Result<Auth, ApiError> {
    let anonymous = Auth {
        viewer: Viewer::Anonymous,
        csrf: None,
        session_token: None,
        pending: None,
    };
    let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
        return Ok(anonymous);
    };
    match state.app.session_state(token).await? {
        Some(SessionState::Complete { viewer, csrf }) => Ok(Auth {
            viewer,
            csrf: Some(csrf),
            session_token: Some(token.to_owned()),
            pending: None,
        }),
        // The CSRF token lets the verification forms (and sign-out) post.
        Some(SessionState::Pending(pending)) => Ok(Auth {
            csrf: Some(pending.csrf.clone()),
            session_token: Some(token.to_owned()),
            pending: Some(pending),
            ..anonymous
        }),
        None => Ok(anonymous),
    }
}

/// How an API caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Credential {
    None,
    SessionCookie,
    ApiToken,
}

/// An API token as an `Authorization` header carries it: `Bearer <token>`,
/// or `Basic base64(email:token)` (the e-mail must be the token's owner's).
#[derive(Debug, PartialEq, Eq)]
struct TokenCredentials {
    email: Option<String>,
    token: String,
}

fn token_credentials(header: &HeaderValue) -> Option<TokenCredentials> {
    let (scheme, value) = header.to_str().ok()?.trim().split_once(' ')?;
    let value = value.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !value.is_empty() {
        return Some(TokenCredentials {
            email: None,
            token: value.to_owned(),
        });
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = String::from_utf8(STANDARD.decode(value).ok()?).ok()?;
        let (email, token) = decoded.split_once(':')?;
        return Some(TokenCredentials {
            email: Some(email.to_owned()),
            token: token.to_owned(),
        });
    }
    None
}

/// The API caller: an `Authorization` header, when present, decides alone
/// (a valid API token, or 401 — never an anonymous fallback); otherwise the
/// session cookie, if any.
async fn api_caller(parts: &Parts, state: &AppState) -> Result<(Viewer, Credential), ApiError> {
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        let viewer = match token_credentials(header) {
            Some(credentials) => {
                state
                    .app
                    .authenticate_token(credentials.email.as_deref(), &credentials.token)
                    .await?
            }
            None => None,
        };
        return match viewer {
            Some(viewer) => Ok((viewer, Credential::ApiToken)),
            None => Err(AppError::InvalidToken.into()),
        };
    }
    let auth = session_auth(parts, state).await?;
    let credential = if auth.session_token.is_some() {
        Credential::SessionCookie
    } else {
        Credential::None
    };
    Ok((auth.viewer, credential))
}

/// An API caller, by API token or session cookie. Without either this is an
/// anonymous visitor, let through only to read (`GET`, `HEAD`) and only while
/// anonymous access is on for the site; every other call gets 401. What an
/// anonymous visitor then sees is the engine's business (spaces granted to
/// anonymous). Changes made with the session cookie must come from this
/// site; a token-authenticated request carries no cookie a browser could
/// send on its own, so that check doesn't apply to it.
pub struct ApiUser(pub Viewer);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (viewer, _) = api_user(parts, state).await?;
        Ok(ApiUser(viewer))
    }
}

async fn api_user(parts: &Parts, state: &AppState) -> Result<(Viewer, Credential), ApiError> {
    let (viewer, credential) = api_caller(parts, state).await?;
    if credential == Credential::SessionCookie
        && !parts.method.is_safe()
        && is_cross_site(&parts.headers)
    {
        return Err(AppError::Forbidden {
            permission: "csrf",
            reason: "a cookie-authenticated change must come from this site".to_owned(),
        }
        .into());
    }
    match viewer {
        Viewer::Anonymous if reads_anonymously(parts, state).await? => {
            Ok((Viewer::Anonymous, credential))
        }
        Viewer::Anonymous => Err(AppError::Unauthenticated.into()),
        viewer => Ok((viewer, credential)),
    }
}

/// Whether a request without a session may go on as an anonymous visitor: a
/// read, while the site's anonymous access switch is on.
async fn reads_anonymously(parts: &Parts, state: &AppState) -> Result<bool, AppError> {
    Ok(parts.method.is_safe() && state.app.anonymous_access_enabled().await?)
}

/// A signed-in API caller, whatever the anonymous access switch says: for
/// endpoints that manage permissions or the directory, which anonymous
/// visitors never use (they get 401).
pub struct ApiSignedIn(pub Viewer);

impl FromRequestParts<AppState> for ApiSignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match ApiUser::from_request_parts(parts, state).await? {
            ApiUser(Viewer::Anonymous) => Err(AppError::Unauthenticated.into()),
            ApiUser(viewer) => Ok(ApiSignedIn(viewer)),
        }
    }
}

/// A caller signed in with the session cookie, for managing API tokens: an
/// API token can't list, create or revoke tokens (a leaked token must not be
/// able to mint more), so it gets 403 saying so; anonymous callers get 401.
pub struct ApiSession(pub Viewer);

impl FromRequestParts<AppState> for ApiSession {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match api_user(parts, state).await? {
            (_, Credential::ApiToken) => Err(AppError::Forbidden {
                permission: "api_token.manage",
                reason: "an API token can't list, create or revoke API tokens; sign in to Portico to manage them".to_owned(),
            }
            .into()),
            (Viewer::Anonymous, _) => Err(AppError::Unauthenticated.into()),
            (viewer, _) => Ok(ApiSession(viewer)),
        }
    }
}

/// A signed-in org admin calling the admin API. Other signed-in callers get
/// the plain 404 an unknown URL gets, before their body or ids are read, so
/// the admin API is invisible to them (the admin use cases answer "not
/// found" to them as well); anonymous callers get 401 like everywhere.
pub struct ApiAdmin(pub Viewer);

impl FromRequestParts<AppState> for ApiAdmin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiSignedIn(viewer) = ApiSignedIn::from_request_parts(parts, state).await?;
        match &viewer {
            Viewer::User(principal) if principal.org_admin => Ok(ApiAdmin(viewer)),
            _ => Err(AppError::NotFound.into()),
        }
    }
}

/// Whether the browser says the request came from another site. Changes made
/// with the session cookie must not: JSON bodies already force a CORS
/// preflight, and this also covers body-less POSTs and DELETEs.
fn is_cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site")
}

/// A UI visitor. [`UiUser::signed_in`] sends anonymous visitors to the
/// sign-in page (and back afterwards); [`UiUser::reader`] lets them read while
/// anonymous access is on for the site.
pub struct UiUser {
    pub viewer: Viewer,
    /// The session's CSRF token; `None` for anonymous visitors, whose form
    /// posts therefore never pass [`UiUser::check_csrf`].
    pub csrf: Option<String>,
}

impl UiUser {
    /// A signed-in visitor, or the redirect to the sign-in page (or to the
    /// step a pending sign-in still has to pass).
    pub async fn signed_in(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let auth = Auth::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if auth.pending.is_some() {
            return Err(sign_in_redirect(parts, VERIFY_PATH));
        }
        match (auth.viewer, auth.csrf) {
            (Viewer::Anonymous, _) | (_, None) => Err(sign_in_redirect(parts, "/login")),
            (viewer, Some(csrf)) => Ok(UiUser {
                viewer,
                csrf: Some(csrf),
            }),
        }
    }

    /// Anyone who may read: signed in, or anonymous on a `GET` while the
    /// site's anonymous access switch is on. Others go to the sign-in page.
    pub async fn reader(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let auth = Auth::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if auth.pending.is_some() {
            return Err(sign_in_redirect(parts, VERIFY_PATH));
        }
        match (auth.viewer, auth.csrf) {
            (viewer @ Viewer::User(_), Some(csrf)) => Ok(UiUser {
                viewer,
                csrf: Some(csrf),
            }),
            _ => match reads_anonymously(parts, state).await {
                Ok(true) => Ok(UiUser {
                    viewer: Viewer::Anonymous,
                    csrf: None,
                }),
                Ok(false) => Err(sign_in_redirect(parts, "/login")),
                Err(err) => Err(ApiError::from(err).into_response()),
            },
        }
    }

    /// Fails unless a form's `_csrf` field matches the session's token.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        verify_csrf(self.csrf.as_deref(), submitted)
    }
}

/// Where a pending sign-in enters its code.
pub const VERIFY_PATH: &str = "/login/verify";

/// The redirect to the sign-in page (or its verification step, `page`),
/// coming back to this URL afterwards.
fn sign_in_redirect(parts: &Parts, page: &str) -> Response {
    let next = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let target = format!(
        "{page}?next={}",
        url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
    );
    Redirect::to(&target).into_response()
}

/// The `Set-Cookie` header that stores a session token (or clears it).
pub fn session_cookie(
    token: Option<&str>,
    secure: bool,
    max_age_secs: i64,
) -> (axum::http::HeaderName, HeaderValue) {
    let secure = if secure { "; Secure" } else { "" };
    let value = match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    (
        SET_COOKIE,
        HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=1; portico_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }

    #[test]
    fn tokens_come_as_bearer_or_basic_with_an_email() {
        let header = |value: &str| {
            HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""))
        };
        assert_eq!(
            token_credentials(&header("Bearer ptk_abc")),
            Some(TokenCredentials {
                email: None,
                token: "ptk_abc".into()
            })
        );
        assert_eq!(
            token_credentials(&header("basic YWRhQGV4YW1wbGUuY29tOnB0a194eXo=")),
            Some(TokenCredentials {
                email: Some("ada@example.com".into()),
                token: "ptk_xyz".into()
            }),
            "ada@example.com:ptk_xyz"
        );
        for garbage in [
            "Bearer",
            "Bearer  ",
            "Basic !!!",
            "Basic YWRh",
            "Token x",
            "ptk_abc",
        ] {
            assert_eq!(token_credentials(&header(garbage)), None, "{garbage}");
        }
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let auth = Auth {
            viewer: Viewer::Anonymous,
            csrf: Some("token".into()),
            session_token: None,
            pending: None,
        };
        assert!(auth.check_csrf("token").is_ok());
        assert!(auth.check_csrf("tokem").is_err());
        assert!(auth.check_csrf("").is_err());
        let anonymous = Auth {
            viewer: Viewer::Anonymous,
            csrf: None,
            session_token: None,
            pending: None,
        };
        assert!(anonymous.check_csrf("").is_err());
    }
}
